// ISO-8601 / RFC 3339 date-times, one parser for every reader of them: Chaos Toolkit journals
// ("2026-11-22T14:00:05.291847", no offset: UTC), Kubernetes objects ("...05Z", "...05+01:00") and
// the lab client's Python log ("2025-11-07 13:18:01,046"). What each reader accepts beyond the
// common shape is its syntax's choice; ranges beyond the calendar's are the caller's.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace chaoslab {

struct DateTimeSyntax {
  bool lowercase = false;       // 't' and 'z' as well as 'T' and 'Z' (RFC 3339 permits them)
  char fraction_mark = '.';     // '.' (ISO-8601), ',' (Python's logging)
  bool zone = true;             // a trailing "Z" or "+hh:mm"/"-hh:mm" may follow (none: UTC)
};

struct DateTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;  // as written (second: 0..60)
  std::int64_t micros = 0;   // the fraction's first six digits (later ones are dropped)
  int fraction_digits = 0;   // how many the text had (0: whole seconds)
  int offset_minutes = 0;    // east of UTC

  // Microseconds since 1970-01-01T00:00:00Z (a leap second :60 counts as the next second's start).
  std::int64_t unix_micros() const;
};

// "YYYY-MM-DD" then 'T' or ' ' then "HH:MM:SS", an optional fraction (mark and one or more
// digits), then, when syntax.zone, an optional zone; the text must end there. nullopt for any
// other text and for impossible dates and times (month 13, February 30, hour 24, minute 60,
// second 61).
std::optional<DateTime> parse_date_time(std::string_view text, const DateTimeSyntax& syntax = {});

}  // namespace chaoslab
