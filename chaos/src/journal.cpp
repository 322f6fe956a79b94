#include "chaos/journal.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#ifndef CHAOSLAB_VERSION
#define CHAOSLAB_VERSION "0.1.0"
#endif

namespace chaoslab::chaos {

std::string chaoslab_version_string() { return std::string("chaoslab ") + CHAOSLAB_VERSION; }

std::string iso8601(std::chrono::sys_time<std::chrono::microseconds> epoch, Instant t) {
  using namespace std::chrono;
  const auto tp = epoch + floor<microseconds>(t.time_since_epoch());
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  auto rest = tp - day;
  const auto h = duration_cast<hours>(rest);
  rest -= h;
  const auto m = duration_cast<minutes>(rest);
  rest -= m;
  const auto s = duration_cast<seconds>(rest);
  rest -= s;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02lld.%06lld+00:00", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                static_cast<int>(m.count()), static_cast<long long>(s.count()),
                static_cast<long long>(rest.count()));
  return buf;
}

double journal_seconds(Instant start, Instant end) {
  using namespace std::chrono;
  const auto us = floor<microseconds>(end.time_since_epoch()) - floor<microseconds>(start.time_since_epoch());
  return static_cast<double>(us.count()) / 1e6;
}

std::vector<std::string> missed_probes(std::string_view journal_text) {
  const nlohmann::json j = nlohmann::json::parse(journal_text, nullptr, false);
  std::vector<std::string> names;
  if (j.is_discarded()) return names;
  const auto after = j.value("/steady_states/after/probes"_json_pointer, nlohmann::json::array());
  for (const auto& p : after)
    if (!p.value("tolerance_met", true)) names.push_back(p.value("/activity/name"_json_pointer, std::string("?")));
  return names;
}

}  // namespace chaoslab::chaos
