#include "policies/iso8601.hpp"

#include <chrono>

namespace chaoslab {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int num(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

std::int64_t DateTime::unix_micros() const {
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  const std::int64_t days = sys_days(ymd).time_since_epoch().count();
  return (days * 86400 + hour * 3600 + minute * 60 + second - std::int64_t{offset_minutes} * 60) * 1000000 + micros;
}

std::optional<DateTime> parse_date_time(std::string_view s, const DateTimeSyntax& syntax) {
  using namespace std::chrono;
  const bool t_mark = s.size() > 10 && (s[10] == 'T' || s[10] == ' ' || (syntax.lowercase && s[10] == 't'));
  if (!(s.size() >= 19 && digits(s, 0, 4) && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' && digits(s, 8, 2) &&
        t_mark && digits(s, 11, 2) && s[13] == ':' && digits(s, 14, 2) && s[16] == ':' && digits(s, 17, 2)))
    return std::nullopt;
  DateTime dt;
  dt.year = num(s, 0, 4);
  dt.month = num(s, 5, 2);
  dt.day = num(s, 8, 2);
  dt.hour = num(s, 11, 2);
  dt.minute = num(s, 14, 2);
  dt.second = num(s, 17, 2);
  const year_month_day ymd{year{dt.year}, month{static_cast<unsigned>(dt.month)}, day{static_cast<unsigned>(dt.day)}};
  if (!ymd.ok() || dt.hour > 23 || dt.minute > 59 || dt.second > 60) return std::nullopt;
  std::size_t i = 19;
  if (i < s.size() && s[i] == syntax.fraction_mark) {
    const std::size_t begin = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == begin) return std::nullopt;
    dt.fraction_digits = static_cast<int>(i - begin);
    for (std::size_t k = 0; k < 6; ++k) dt.micros = dt.micros * 10 + (begin + k < i ? s[begin + k] - '0' : 0);
  }
  if (i == s.size()) return dt;
  if (!syntax.zone) return std::nullopt;
  if ((s[i] == 'Z' || (syntax.lowercase && s[i] == 'z')) && i + 1 == s.size()) return dt;
  if ((s[i] == '+' || s[i] == '-') && i + 6 == s.size() && digits(s, i + 1, 2) && s[i + 3] == ':' &&
      digits(s, i + 4, 2)) {
    dt.offset_minutes = num(s, i + 1, 2) * 60 + num(s, i + 4, 2);
    if (s[i] == '-') dt.offset_minutes = -dt.offset_minutes;
    return dt;
  }
  return std::nullopt;
}

}  // namespace chaoslab
