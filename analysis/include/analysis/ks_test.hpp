// Two-sample Kolmogorov-Smirnov test: does an observed sample of durations (OPEN durations, retry
// waits, times to recover) come from the same distribution as the simulated one? Written here,
// with the classic asymptotic p-value (Kolmogorov's limit law of sqrt(n m / (n + m)) D, as R's
// ks.test(exact = FALSE)), so compare needs no statistics library. Conservative with ties.
#pragma once

#include <cstddef>
#include <vector>

namespace chaoslab::analysis {

struct KsResult {
  double d = 0;        // sup |F_a(x) - F_b(x)| over all x
  double p_value = 1;  // asymptotic: Q_KS(sqrt(n m / (n + m)) * d)
  double at = 0;       // the (first) value x where |F_a(x) - F_b(x)| = d; 0 for an empty sample
  double fa_at = 0, fb_at = 0;  // F_a(at) and F_b(at): the ends of the gap D
  std::size_t n = 0, m = 0;
};

// D and its p-value. Ties within and across samples are handled exactly (both empirical CDFs
// step at a shared value together). An empty sample gives d 0 and p-value 1 (no evidence).
KsResult ks_two_sample(std::vector<double> a, std::vector<double> b);

// The Kolmogorov distribution's survival function Q(lambda) = P(K > lambda)
// = 2 sum_{j>=1} (-1)^(j-1) exp(-2 j^2 lambda^2); for small lambda its CDF's theta-function form
// sqrt(2 pi)/lambda sum_{j>=1} exp(-(2j-1)^2 pi^2 / (8 lambda^2)), which converges fast there.
double kolmogorov_sf(double lambda);

}  // namespace chaoslab::analysis
