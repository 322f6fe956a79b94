#include "analysis/analyze_journal.hpp"

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "policies/error.hpp"
#include "policies/iso8601.hpp"

namespace chaoslab::analysis {

// A journal's times: ISO-8601 with 'T' or ' ', '.' fractions, "Z" or an offset (none: UTC).
std::optional<SysMicros> parse_iso8601(std::string_view s) {
  const auto dt = parse_date_time(s);
  if (!dt) return std::nullopt;
  return SysMicros(std::chrono::microseconds(dt->unix_micros()));
}

std::string format_utc(SysMicros t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02lld:%02lld:%02lld.%06lld UTC", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(hms.hours().count()), static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()), static_cast<long long>(hms.subseconds().count()));
  return buf;
}

ChaosWindow read_chaos_window(const std::string& path) {
  using nlohmann::json;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the journal");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    std::string what = e.what();
    if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw ConfigError(path + ": not a JSON journal: " + what);
  }
  if (!j.is_object()) throw ConfigError(path + ": a journal is a JSON object");
  const auto run = j.find("run");
  if (run == j.end() || !run->is_array()) throw ConfigError(path + ": /run: missing or not an array");
  std::optional<std::size_t> pick;
  auto object_at = [&](const json& parent, const char* k, const std::string& where) -> const json& {
    const auto it = parent.find(k);
    if (it == parent.end() || !it->is_object()) throw ConfigError(path + ": " + where + "/" + k + ": missing or not an object");
    return *it;
  };
  auto text_at = [](const json& o, const char* k) {
    const auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (std::size_t i = 0; i < run->size(); ++i) {
    const std::string where = "/run/" + std::to_string(i);
    if (!(*run)[i].is_object()) throw ConfigError(path + ": " + where + ": expected an object");
    const json& a = object_at((*run)[i], "activity", where);
    if (text_at(a, "type") != "action") continue;
    const json& p = object_at(a, "provider", where + "/activity");
    if (text_at(p, "func") == "terminate_pods") {
      pick = i;
      break;
    }
    if (!pick) pick = i;
  }
  if (!pick) throw ConfigError(path + ": /run: the journal records no action (no chaos window)");
  const std::string ptr = "/run/" + std::to_string(*pick);
  const json& entry = (*run)[*pick];
  ChaosWindow w;
  w.journal = path;
  const json& a = object_at(entry, "activity", ptr);
  w.activity = text_at(a, "name");
  const json& p = object_at(a, "provider", ptr + "/activity");
  w.func = p.contains("func") ? text_at(p, "func") : text_at(p, "url");
  auto time_at = [&](const char* k) {
    const auto it = entry.find(k);
    if (it == entry.end() || !it->is_string()) throw ConfigError(path + ": " + ptr + "/" + k + ": missing or not a string");
    const auto t = parse_iso8601(it->get<std::string>());
    if (!t)
      throw ConfigError(path + ": " + ptr + "/" + k + ": '" + it->get<std::string>() +
                        "' is not an ISO-8601 time");
    return *t;
  };
  w.start = time_at("start");
  w.end = time_at("end");
  if (w.end < w.start) throw ConfigError(path + ": " + ptr + "/end: before /start");
  return w;
}

}  // namespace chaoslab::analysis
