#include "calibrate/fit.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "policies/rng.hpp"

using namespace chaoslab::calibrate;

TEST_CASE("fit: lognormal samples give back their median and sigma, and pass Lilliefors") {
  chaoslab::Rng rng(7);
  std::vector<double> v;
  for (int i = 0; i < 400; ++i) v.push_back(0.8 * std::exp(rng.normal(0.0, 0.3)));
  const auto f = fit_lognormal(v);
  REQUIRE(f);
  CHECK(f->median == doctest::Approx(0.8).epsilon(0.05));
  CHECK(f->sigma == doctest::Approx(0.3).epsilon(0.1));
  CHECK(f->critical == doctest::Approx(0.886 / 20));
  CHECK(f->accepted);
}

TEST_CASE("fit: a two-valued sample is rejected; zeros and tiny samples are not fitted") {
  std::vector<double> v;
  for (int i = 0; i < 50; ++i) v.push_back(i % 2 ? 1.0 : 5.0);
  const auto f = fit_lognormal(v);
  REQUIRE(f);
  CHECK_FALSE(f->accepted);
  CHECK(f->ks_d > f->critical);
  CHECK_FALSE(fit_lognormal({0.0, 1, 2, 3, 4}));
  CHECK_FALSE(fit_lognormal({1, 2, 3}));
  CHECK(lilliefors_critical_5pct(10) == doctest::Approx(0.258));
}
