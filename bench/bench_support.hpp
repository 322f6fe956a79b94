// Shared by the benches: every figure is a median of repetitions (the machines are shared).
#pragma once

#include <algorithm>
#include <vector>

namespace chaoslab::bench {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace chaoslab::bench
