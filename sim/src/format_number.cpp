#include "sim/format_number.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace chaoslab::sim {

std::string format_number(double v, int significant) {
  if (!std::isfinite(v)) return v > 0 ? "inf" : (v < 0 ? "-inf" : "n/a");
  if (v == 0) return "0";
  char buf[64];
  // Plain decimals for the magnitudes reports show (0.001 .. 1e7), never exponents.
  const double mag = std::floor(std::log10(std::fabs(v)));
  const int decimals = std::max(0, significant - 1 - static_cast<int>(mag));
  if (std::fabs(v) >= 1e-3 && std::fabs(v) < 1e9) {
    std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 6), v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
      while (!s.empty() && s.back() == '0') s.pop_back();
      if (!s.empty() && s.back() == '.') s.pop_back();
    }
    return s;
  }
  std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  return buf;
}

std::string format_config_number(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%g", v);
  }
  return buf;
}

}  // namespace chaoslab::sim
