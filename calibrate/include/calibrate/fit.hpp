// A lognormal fitted to positive samples by maximum likelihood (the mean and standard deviation
// of their logarithms), and how well it fits: the Kolmogorov-Smirnov distance D between the
// samples and the fitted distribution. Because the parameters come from the same samples, D is
// judged against Lilliefors' 5% critical value for a normal with estimated mean and variance
// (0.886 / sqrt(n), n > 30; tabulated below), not Kolmogorov's.
#pragma once

#include <optional>
#include <vector>

namespace chaoslab::calibrate {

struct LognormalFit {
  double median = 0;   // exp(mean of logs)
  double sigma = 0;    // standard deviation of logs (maximum likelihood: divided by n)
  double ks_d = 0;     // sup |empirical CDF - fitted CDF|
  double critical = 0; // Lilliefors' 5% critical value for n
  bool accepted = false;  // ks_d < critical
};

// nullopt when a sample is <= 0 or there are fewer than 4 samples.
std::optional<LognormalFit> fit_lognormal(const std::vector<double>& samples);

// Lilliefors' 5% critical value of D for n samples (n >= 4).
double lilliefors_critical_5pct(std::size_t n);

}  // namespace chaoslab::calibrate
