// Time as the policies see it: integer nanoseconds on a run-relative clock.
// The simulator's virtual clock and the live runtime's steady clock both count from the start of
// a run, so the same policy code runs on either without knowing which.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>

namespace chaoslab {

using Duration = std::chrono::nanoseconds;

// A clock type used only to tag time points; it has no now(): time is always injected.
struct RunClock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = Duration;
  using time_point = std::chrono::time_point<RunClock, Duration>;
  static constexpr bool is_steady = true;
};

using Instant = RunClock::time_point;

constexpr double to_seconds(Duration d) { return static_cast<double>(d.count()) * 1e-9; }
constexpr double to_seconds(Instant t) { return to_seconds(t.time_since_epoch()); }
constexpr double to_millis(Duration d) { return static_cast<double>(d.count()) * 1e-6; }

// Rounds to the nearest nanosecond, halfway cases away from zero (std::llround's rule). Callers
// validate finiteness and range first. Below 2^52 the integer part and the remainder are exact,
// so this is llround's result without the libm call (every retry wait comes through here).
inline Duration from_seconds(double s) {
  const double x = s * 1e9;
  if (!(std::fabs(x) < 0x1p52)) return Duration(std::llround(x));  // already integral, or NaN
  auto i = static_cast<std::int64_t>(x);  // toward zero
  const double rest = x - static_cast<double>(i);
  if (rest >= 0.5) ++i;
  if (rest <= -0.5) --i;
  return Duration(i);
}
inline Instant instant_at(double s) { return Instant(from_seconds(s)); }

}  // namespace chaoslab
