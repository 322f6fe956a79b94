#include "analysis/ks_test.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace chaoslab::analysis {

double kolmogorov_sf(double lambda) {
  if (!(lambda > 0)) return 1.0;
  if (lambda < 1.18) {
    // The alternating series needs many terms here; the theta form needs three.
    const double k = -std::numbers::pi * std::numbers::pi / (8.0 * lambda * lambda);
    double cdf = 0;
    for (int j = 1; j <= 6; ++j) {
      const double odd = 2.0 * j - 1.0;
      cdf += std::exp(odd * odd * k);
    }
    cdf *= std::sqrt(2.0 * std::numbers::pi) / lambda;
    return std::clamp(1.0 - cdf, 0.0, 1.0);
  }
  double sum = 0;
  for (int j = 1; j <= 100; ++j) {
    const double term = std::exp(-2.0 * j * j * lambda * lambda);
    sum += (j % 2 == 1 ? term : -term);
    if (term < 1e-300) break;
  }
  return std::clamp(2.0 * sum, 0.0, 1.0);
}

KsResult ks_two_sample(std::vector<double> a, std::vector<double> b) {
  KsResult r;
  r.n = a.size();
  r.m = b.size();
  if (a.empty() || b.empty()) return r;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double n = static_cast<double>(a.size()), m = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() && j < b.size()) {
    // Step past every copy of the smallest remaining value in both samples, then compare.
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == x) ++i;
    while (j < b.size() && b[j] == x) ++j;
    const double fa = static_cast<double>(i) / n, fb = static_cast<double>(j) / m;
    if (std::fabs(fa - fb) > d) {
      d = std::fabs(fa - fb);
      r.at = x;
      r.fa_at = fa;
      r.fb_at = fb;
    }
  }
  r.d = d;
  r.p_value = kolmogorov_sf(std::sqrt(n * m / (n + m)) * d);
  return r;
}

}  // namespace chaoslab::analysis
