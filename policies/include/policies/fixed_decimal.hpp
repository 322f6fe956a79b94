// Numbers with a fixed count of decimals (a run summary's seconds and milliseconds) by integer
// arithmetic: the same digits as printf("%.*f") and std::to_chars(fixed) print, correctly rounded
// from the double's exact value with ties to even, at a fraction of std::to_chars' cost (a sweep
// prints seven of them per run). The value the text reads back as comes from the same integer,
// so a sweep gets its statistics without parsing its own output.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace chaoslab {

// v rounded to `decimals` places: sign and magnitude in units of 10^-decimals. `exact` is false
// when integer arithmetic cannot do it (decimals outside 0..9, not finite, |v| * 10^decimals at
// or above 2^52): callers then fall back to std::to_chars.
struct FixedDecimal {
  std::uint64_t units = 0;
  int decimals = 0;
  bool negative = false;
  bool exact = false;

  // The double the printed text reads back as (std::from_chars, strtod): units / 10^decimals is
  // one correctly rounded division of two exactly represented numbers, as the parser rounds.
  double value() const;
  // Appends the text: [-]integer part, then '.' and `decimals` digits when decimals > 0.
  void append_to(std::string& out) const;
  // Writes that text at `p` (room for 32 characters); returns its end.
  char* append_to(char* p) const;
};

inline constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
inline constexpr std::uint64_t kPow10Int[] = {1,      10,      100,      1000,      10000,
                                              100000, 1000000, 10000000, 100000000, 1000000000};

inline FixedDecimal to_fixed_decimal(double v, int decimals) {
  FixedDecimal f;
  f.decimals = decimals;
  if (decimals < 0 || decimals > 9 || !std::isfinite(v)) return f;
  const double scale = kPow10[decimals];
  const double a = std::fabs(v);
  const double p = a * scale;
  if (!(p < 4503599627370496.0)) return f;  // 2^52: below it p - nearbyint(p) is exact
  // a * scale == p + e exactly (scale is exact and the rounding error of a product is a double).
  const double e = std::fma(a, scale, -p);
  double n = std::nearbyint(p);  // ties to even, the default rounding mode
  const double frac = p - n;
  // Only a p exactly halfway can be pushed across by e (|e| <= half an ulp of p); e == 0 is a true
  // tie and stays even.
  if (frac == 0.5 && e > 0) n += 1;
  if (frac == -0.5 && e < 0) n -= 1;
  f.units = static_cast<std::uint64_t>(n);
  f.negative = std::signbit(v);
  f.exact = true;
  return f;
}

inline double FixedDecimal::value() const {
  const double m = static_cast<double>(units) / kPow10[decimals];
  return negative ? -m : m;
}

inline char* FixedDecimal::append_to(char* p) const {
  if (negative) *p++ = '-';
  const std::uint64_t unit = kPow10Int[decimals];
  p = std::to_chars(p, p + 24, units / unit).ptr;
  if (decimals > 0) {
    *p++ = '.';
    std::uint64_t frac = units % unit;
    for (int i = decimals - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    p += decimals;
  }
  return p;
}

inline void FixedDecimal::append_to(std::string& out) const {
  char buf[32];
  out.append(buf, append_to(buf));
}

}  // namespace chaoslab
