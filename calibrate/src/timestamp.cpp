#include "calibrate/timestamp.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace chaoslab::calibrate {

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

int num(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

std::optional<Stamp> parse_stamp(std::string_view s) {
  using namespace std::chrono;
  if (!(s.size() >= 19 && digits(s, 0, 4) && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' && digits(s, 8, 2) &&
        (s[10] == 'T' || s[10] == 't' || s[10] == ' ') && digits(s, 11, 2) && s[13] == ':' && digits(s, 14, 2) &&
        s[16] == ':' && digits(s, 17, 2)))
    return std::nullopt;
  const year_month_day ymd{year{num(s, 0, 4)}, month{static_cast<unsigned>(num(s, 5, 2))},
                           day{static_cast<unsigned>(num(s, 8, 2))}};
  const int h = num(s, 11, 2), mi = num(s, 14, 2), sec = num(s, 17, 2);
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  Stamp out;
  out.resolution_us = 1000000;
  std::size_t i = 19;
  std::int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    const std::size_t begin = ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == begin) return std::nullopt;
    // Microseconds from the first six digits (Go writes up to nine: below any clock here).
    const std::size_t n = i - begin;
    for (std::size_t k = 0; k < 6; ++k) frac = frac * 10 + (k < n ? s[begin + k] - '0' : 0);
    out.resolution_us = 1;
    for (std::size_t k = n; k < 6; ++k) out.resolution_us *= 10;
  }
  std::int64_t offset_min = 0;
  if (i < s.size()) {
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
    } else if ((s[i] == '+' || s[i] == '-') && i + 6 == s.size() && digits(s, i + 1, 2) && s[i + 3] == ':' &&
               digits(s, i + 4, 2)) {
      offset_min = num(s, i + 1, 2) * 60 + num(s, i + 4, 2);
      if (s[i] == '-') offset_min = -offset_min;
    } else {
      return std::nullopt;
    }
  }
  const std::int64_t days = sys_days(ymd).time_since_epoch().count();
  out.us = ((days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60) * 1000000) + frac;
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
