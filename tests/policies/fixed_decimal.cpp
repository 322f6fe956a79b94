#include "policies/fixed_decimal.hpp"

#include <doctest/doctest.h>

#include <charconv>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace chaoslab;

namespace {

std::string reference(double v, int decimals) {
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  return std::string(buf, r.ptr);
}

double parsed(const std::string& text) {
  double v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// The integer path against std::to_chars (which prints as printf's %.*f): the text, and the
// value it reads back as, to the bit.
void check_same(double v, int decimals) {
  const FixedDecimal f = to_fixed_decimal(v, decimals);
  REQUIRE(f.exact);
  std::string text;
  f.append_to(text);
  const std::string want = reference(v, decimals);
  INFO(v, " with ", decimals, " decimals");
  REQUIRE(text == want);
  const double a = f.value(), b = parsed(want);
  REQUIRE(std::memcmp(&a, &b, sizeof a) == 0);
}

}  // namespace

TEST_CASE("fixed decimals by integer arithmetic print what std::to_chars prints, to the bit") {
  std::mt19937_64 rng(15);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int d = 0; d <= 9; ++d) {
    CAPTURE(d);
    for (int i = 0; i < 20000; ++i) {
      // Magnitudes from 1e-12 to 1e6 (a run's seconds and milliseconds, and what a slip makes).
      const double v = std::pow(10.0, -12 + 18 * unit(rng)) * (i % 3 == 0 ? -1 : 1);
      check_same(v, d);
    }
    // Milliseconds from integer nanoseconds, as the summary computes them, and seconds.
    for (std::int64_t ns = 0; ns < 3000000; ns += 997) check_same(static_cast<double>(ns) * 1e-6, d);
    for (std::int64_t ns = 0; ns < 30000000000; ns += 7919993) check_same(static_cast<double>(ns) / 1e9, d);
  }
  // Exact ties round to even, as printf does: dyadic fractions halfway between two outputs.
  for (int d = 0; d <= 6; ++d)
    for (int k = 0; k < 4096; ++k) check_same(static_cast<double>(2 * k + 1) / 128.0, d);
  for (double v : {0.5, 1.5, 2.5, 0.25, 0.125, 0.0078125, -0.5, -2.5, 0.0, -0.0, 1e-300, 4503599.627370495})
    for (int d = 0; d <= 9; ++d) check_same(v, d);
}

TEST_CASE("fixed decimals outside the integer range say so (callers use std::to_chars)") {
  CHECK_FALSE(to_fixed_decimal(1e300, 6).exact);
  CHECK_FALSE(to_fixed_decimal(5e9, 6).exact);
  CHECK(to_fixed_decimal(4e9, 6).exact);
  CHECK_FALSE(to_fixed_decimal(1.0, 10).exact);
  CHECK_FALSE(to_fixed_decimal(std::numeric_limits<double>::infinity(), 3).exact);
  CHECK_FALSE(to_fixed_decimal(std::numeric_limits<double>::quiet_NaN(), 3).exact);
}
