#include "policies/rng.hpp"

#include <cmath>

namespace chaoslab {

Rng::Rng(std::uint64_t seed) {
  std::uint64_t sm = seed;
  for (auto& w : s_) w = splitmix64(sm);
}

void Rng::reject(unsigned __int128& m, std::uint64_t range) {
  auto low = static_cast<std::uint64_t>(m);
  const std::uint64_t threshold = (0 - range) % range;
  while (low < threshold) {
    m = static_cast<unsigned __int128>(next_u64()) * range;
    low = static_cast<std::uint64_t>(m);
  }
}

double Rng::normal(double mean, double stddev) {
  // Marsaglia polar method; the spare value keeps the draw count per pair fixed.
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return mean + stddev * spare_normal_;
  }
  double u, v, s;
  do {
    u = uniform(-1.0, 1.0);
    v = uniform(-1.0, 1.0);
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * f;
  has_spare_normal_ = true;
  return mean + stddev * u * f;
}

double Rng::lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }

}  // namespace chaoslab
