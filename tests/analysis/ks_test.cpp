// The two-sample Kolmogorov-Smirnov statistic and its asymptotic p-value against values computed
// by hand from the definitions (D by walking both empirical CDFs; Q from its series).
#include "analysis/ks_test.hpp"

#include <doctest/doctest.h>

#include <cmath>

using chaoslab::analysis::kolmogorov_sf;
using chaoslab::analysis::ks_two_sample;

TEST_CASE("kolmogorov_sf matches the alternating series at hand-computed points") {
  // Q(1) = 2 (e^-2 - e^-8 + e^-18 - ...) = 2 (0.1353352832 - 0.0003354626 + 0.0000000152)
  CHECK(kolmogorov_sf(1.0) == doctest::Approx(0.2699996716).epsilon(1e-9));
  // Q(1.5) = 2 (e^-4.5 - e^-18 + ...) = 2 (0.0111089965 - 0.0000000152)
  CHECK(kolmogorov_sf(1.5) == doctest::Approx(0.0222179626).epsilon(1e-8));
  // Q(0.5) = 1 - sqrt(2 pi)/0.5 (e^-(pi^2/2) + e^-(9 pi^2/2) + ...) = 1 - 5.0132565 * 0.0071918833
  CHECK(kolmogorov_sf(0.5) == doctest::Approx(0.9639452436).epsilon(1e-9));
  // The textbook critical values: 5 % at 1.358, 1 % at 1.628.
  CHECK(kolmogorov_sf(1.358) == doctest::Approx(0.05).epsilon(0.01));
  CHECK(kolmogorov_sf(1.628) == doctest::Approx(0.01).epsilon(0.01));
  CHECK(kolmogorov_sf(0.0) == 1.0);
  CHECK(kolmogorov_sf(-1.0) == 1.0);
  CHECK(kolmogorov_sf(10.0) < 1e-80);  // 2 e^-200
}

TEST_CASE("both forms of Q agree where they meet") {
  // Below 1.18 the theta form is used, above it the alternating series: no jump at the switch.
  CHECK(kolmogorov_sf(1.1799999) == doctest::Approx(kolmogorov_sf(1.18)).epsilon(1e-6));
  for (double x = 0.2; x < 3.0; x += 0.05) CHECK(kolmogorov_sf(x) >= kolmogorov_sf(x + 0.05));
}

TEST_CASE("D walks both empirical CDFs") {
  // a = {1,2,3,4}, b = {3,...,8}: at x = 4, F_a = 1 and F_b = 2/6, so D = 2/3.
  const auto r = ks_two_sample({4, 3, 2, 1}, {8, 7, 6, 5, 4, 3});
  CHECK(r.n == 4);
  CHECK(r.m == 6);
  CHECK(r.d == doctest::Approx(2.0 / 3.0));
  CHECK(r.at == 4.0);  // where the report's ECDF chart marks D
  // lambda = sqrt(24 / 10) * 2/3 = 1.0327956; Q by its series: 2 (e^-2.1333 - e^-8.5333 + e^-19.2)
  CHECK(r.p_value == doctest::Approx(0.2364901).epsilon(1e-6));
}

TEST_CASE("identical samples give D 0 and p 1; disjoint samples give D 1") {
  const auto same = ks_two_sample({1, 2, 3}, {3, 2, 1});
  CHECK(same.d == 0.0);
  CHECK(same.p_value == 1.0);
  const auto apart = ks_two_sample({1, 2, 3}, {4, 5});
  CHECK(apart.d == 1.0);
  CHECK(apart.at == 3.0);  // F_a reaches 1 at 3 while F_b is still 0
  CHECK(apart.fa_at == 1.0);
  CHECK(apart.fb_at == 0.0);
  // lambda = sqrt(6/5) = 1.0954451: Q = 2 (e^-2.4 - e^-9.6 + e^-21.6) = 2 (0.0907180 - 0.0000677)
  CHECK(apart.p_value == doctest::Approx(0.1813005).epsilon(1e-5));
}

TEST_CASE("ties across samples step together") {
  // a = {1,1,2}, b = {1,2,2}: after 1, F_a = 2/3, F_b = 1/3; after 2 both 1. D = 1/3, not 2/3.
  const auto r = ks_two_sample({1, 1, 2}, {1, 2, 2});
  CHECK(r.d == doctest::Approx(1.0 / 3.0));
  CHECK(r.at == 1.0);
  CHECK(r.fa_at == doctest::Approx(2.0 / 3.0));
  CHECK(r.fb_at == doctest::Approx(1.0 / 3.0));
}

TEST_CASE("an empty sample is no evidence") {
  const auto r = ks_two_sample({}, {1, 2});
  CHECK(r.d == 0.0);
  CHECK(r.p_value == 1.0);
  CHECK(r.n == 0);
  CHECK(r.m == 2);
}
