#include "policies/time.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "policies/rng.hpp"

using namespace chaoslab;

namespace {
// std::llround's result for the same product, the rule from_seconds promises.
std::int64_t reference(double s) { return std::llround(s * 1e9); }
}  // namespace

TEST_CASE("from_seconds rounds as std::llround does: halfway cases away from zero") {
  // Products that land exactly on .5 ns, either side of zero, and just below .5.
  for (double ns : {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, -0.49999999999999994, 0.0, -0.0}) {
    CAPTURE(ns);
    CHECK(from_seconds(ns * 1e-9).count() == reference(ns * 1e-9));
  }
  CHECK(from_seconds(2.5e-9).count() == reference(2.5e-9));
  CHECK(from_seconds(1e9).count() == 1'000'000'000'000'000'000LL);  // above 2^52 ns: already integral
  CHECK(from_seconds(-3.0e6).count() == reference(-3.0e6));
}

TEST_CASE("from_seconds equals std::llround on a million doubles of every magnitude in range") {
  Rng rng(15);
  for (int i = 0; i < 1'000'000; ++i) {
    // Random bit patterns: every exponent and mantissa, kept where llround is defined.
    std::uint64_t bits = rng.next_u64();
    double s;
    std::memcpy(&s, &bits, sizeof s);
    if (!std::isfinite(s) || std::fabs(s * 1e9) >= 9.2e18) continue;
    CAPTURE(s);
    REQUIRE(from_seconds(s).count() == reference(s));
    // Values near whole and half nanoseconds, where rounding decides.
    const double near = static_cast<double>(rng.uniform_int(-4'000'000'000LL, 4'000'000'000LL)) / 2 +
                        (rng.uniform01() - 0.5) * 1e-6;
    REQUIRE(from_seconds(near * 1e-9).count() == reference(near * 1e-9));
  }
}
