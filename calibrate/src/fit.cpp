#include "calibrate/fit.hpp"

#include <algorithm>
#include <cmath>

namespace chaoslab::calibrate {

double lilliefors_critical_5pct(std::size_t n) {
  // Lilliefors (1967), Table 1, level 0.05.
  static const double table[] = {0, 0, 0, 0, 0.381, 0.337, 0.319, 0.300, 0.285, 0.271, 0.258, 0.249, 0.242,
                                 0.234, 0.227, 0.220, 0.213, 0.206, 0.200, 0.195, 0.190};
  if (n < 4) return 0;
  if (n <= 20) return table[n];
  if (n <= 25) return 0.180;
  if (n <= 30) return 0.161;
  return 0.886 / std::sqrt(static_cast<double>(n));
}

std::optional<LognormalFit> fit_lognormal(const std::vector<double>& samples) {
  const std::size_t n = samples.size();
  if (n < 4) return std::nullopt;
  std::vector<double> logs;
  logs.reserve(n);
  for (double x : samples) {
    if (!(x > 0) || !std::isfinite(x)) return std::nullopt;
    logs.push_back(std::log(x));
  }
  std::sort(logs.begin(), logs.end());
  double mean = 0;
  for (double l : logs) mean += l;
  mean /= static_cast<double>(n);
  double var = 0;
  for (double l : logs) var += (l - mean) * (l - mean);
  var /= static_cast<double>(n);
  LognormalFit f;
  f.median = std::exp(mean);
  f.sigma = std::sqrt(var);
  f.critical = lilliefors_critical_5pct(n);
  if (f.sigma == 0) {
    f.ks_d = 1;  // every sample equal: a lognormal says nothing more than a constant
    return f;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double cdf = 0.5 * std::erfc(-(logs[i] - mean) / (f.sigma * std::sqrt(2.0)));
    const double lo = static_cast<double>(i) / static_cast<double>(n);
    const double hi = static_cast<double>(i + 1) / static_cast<double>(n);
    f.ks_d = std::max({f.ks_d, std::fabs(cdf - lo), std::fabs(hi - cdf)});
  }
  f.accepted = f.ks_d < f.critical;
  return f;
}

}  // namespace chaoslab::calibrate
