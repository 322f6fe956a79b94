#include "calibrate/timestamp.hpp"

#include <chrono>
#include <cstdio>

#include "policies/iso8601.hpp"

namespace chaoslab::calibrate {

std::optional<Stamp> parse_stamp(std::string_view s) {
  // RFC 3339 allows a lowercase 't' and 'z'; no offset is UTC (chaostoolkit's journal).
  const auto dt = parse_date_time(s, DateTimeSyntax{.lowercase = true});
  if (!dt) return std::nullopt;
  Stamp out;
  out.us = dt->unix_micros();
  out.resolution_us = 1000000;
  if (dt->fraction_digits > 0) {
    out.resolution_us = 1;
    for (int k = dt->fraction_digits; k < 6; ++k) out.resolution_us *= 10;
  }
  return out;
}

std::string format_stamp(const Stamp& s) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds(s.us)};
  const auto day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<microseconds> tod(t - day);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(tod.hours().count()), static_cast<long long>(tod.minutes().count()),
                static_cast<long long>(tod.seconds().count()), static_cast<long long>(tod.subseconds().count()));
  return buf;
}

}  // namespace chaoslab::calibrate
