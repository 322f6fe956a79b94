// The one ISO-8601 parser (policies/iso8601.hpp) with each reader's syntax: journals (the
// default), Kubernetes (lowercase allowed) and the lab's Python log (',' fractions, no zone).
#include "policies/iso8601.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace chaoslab;

namespace {

// Microseconds since the epoch of a UTC date-time.
std::int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s, std::int64_t us = 0) {
  using namespace std::chrono;
  const auto days = sys_days(year_month_day{year{y}, month{mo}, day{d}}).time_since_epoch().count();
  return ((days * 24 + h) * 60 + mi) * 60 * 1000000 + std::int64_t{s} * 1000000 + us;
}

std::optional<std::int64_t> us_of(std::string_view text, const DateTimeSyntax& syntax = {}) {
  const auto dt = parse_date_time(text, syntax);
  if (!dt) return std::nullopt;
  return dt->unix_micros();
}

const DateTimeSyntax kKubernetes{.lowercase = true};
const DateTimeSyntax kLabLog{.fraction_mark = ',', .zone = false};

}  // namespace

TEST_CASE("iso8601: fields, fractions and the resolution the text carries") {
  const auto dt = parse_date_time("2026-12-06T07:08:51.738665Z");
  REQUIRE(dt.has_value());
  CHECK(dt->year == 2026);
  CHECK(dt->month == 12);
  CHECK(dt->day == 6);
  CHECK(dt->hour == 7);
  CHECK(dt->minute == 8);
  CHECK(dt->second == 51);
  CHECK(dt->micros == 738665);
  CHECK(dt->fraction_digits == 6);
  CHECK(dt->offset_minutes == 0);
  CHECK(dt->unix_micros() == utc(2026, 12, 6, 7, 8, 51, 738665));
  // Fewer digits are tenths, hundredths...; more than six are read and dropped (Go writes nine).
  CHECK(parse_date_time("2026-12-06T07:08:51.5")->micros == 500000);
  CHECK(parse_date_time("2026-12-06T07:08:51.5")->fraction_digits == 1);
  CHECK(parse_date_time("2026-12-06T07:08:51.123456789Z")->micros == 123456);
  CHECK(parse_date_time("2026-12-06T07:08:51.123456789Z")->fraction_digits == 9);
  CHECK(parse_date_time("2026-12-06T07:08:51")->fraction_digits == 0);
  // 'T' or ' ' between date and time.
  CHECK(us_of("2026-12-06 07:08:51") == utc(2026, 12, 6, 7, 8, 51));
}

TEST_CASE("iso8601: zones - Z, offsets east and west, none (UTC)") {
  const auto t = utc(2025, 11, 7, 15, 5, 51, 738665);
  CHECK(us_of("2025-11-07T15:05:51.738665") == t);
  CHECK(us_of("2025-11-07T15:05:51.738665Z") == t);
  CHECK(us_of("2025-11-07T15:05:51.738665+00:00") == t);
  CHECK(us_of("2025-11-07T16:05:51.738665+01:00") == t);
  CHECK(us_of("2025-11-07T09:35:51.738665-05:30") == t);
  CHECK(parse_date_time("2025-11-07T09:35:51-05:30")->offset_minutes == -330);
  // Across midnight and the year.
  CHECK(us_of("2026-01-01T00:30:00+01:00") == utc(2025, 12, 31, 23, 30, 0));
}

TEST_CASE("iso8601: each reader's syntax") {
  // Kubernetes: RFC 3339's lowercase 't' and 'z'; the default (journals) refuses them.
  CHECK(us_of("2026-12-06t07:08:51z", kKubernetes) == utc(2026, 12, 6, 7, 8, 51));
  CHECK_FALSE(us_of("2026-12-06t07:08:51Z").has_value());
  CHECK_FALSE(us_of("2026-12-06T07:08:51z").has_value());
  // The lab log: ',' milliseconds and nothing after them; '.' is not its fraction mark.
  CHECK(us_of("2025-11-07 13:18:01,046", kLabLog) == utc(2025, 11, 7, 13, 18, 1, 46000));
  CHECK_FALSE(us_of("2025-11-07 13:18:01,046Z", kLabLog).has_value());
  CHECK_FALSE(us_of("2025-11-07 13:18:01.046", kLabLog).has_value());
  CHECK_FALSE(us_of("2025-11-07 13:18:01,046").has_value());
}

TEST_CASE("iso8601: malformed and impossible date-times are nullopt") {
  for (const char* bad : {"", "2025-11-07", "2025-11-07T15:05", "2025-11-07T15:05:5", "2025-11-07X15:05:51",
                          "2025/11/07T15:05:51", "2025-11-07T15-05-51", "2025-1x-07T15:05:51", "２025-11-07T15:05:51",
                          " 2025-11-07T15:05:51", "2025-11-07T15:05:51 ", "2025-11-07T15:05:51.", "2025-11-07T15:05:51.Z",
                          "2025-11-07T15:05:51+0100", "2025-11-07T15:05:51+01", "2025-11-07T15:05:51+01:00x",
                          "2025-11-07T15:05:51ZZ", "2025-11-07T15:05:51UTC", "2025-13-01T00:00:00",
                          "2025-00-01T00:00:00", "2025-02-29T00:00:00", "2025-04-31T00:00:00", "2025-11-00T00:00:00",
                          "2025-11-07T24:00:00", "2025-11-07T23:60:00", "2025-11-07T23:59:61"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_date_time(bad).has_value());
  }
  // Leap years; a leap second reads as the next second's start.
  CHECK(parse_date_time("2024-02-29T00:00:00").has_value());
  CHECK_FALSE(parse_date_time("2100-02-29T00:00:00").has_value());
  CHECK(parse_date_time("2000-02-29T00:00:00").has_value());
  CHECK(us_of("2016-12-31T23:59:60Z") == utc(2017, 1, 1, 0, 0, 0));
}
