#include "report_charts.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace chaoslab::report {

using nlohmann::json;

double round_to(double v, int decimals) {
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

double nice_step(double range, int bins) {
  if (!(range > 0) || bins < 1) return 1;
  const double raw = range / bins;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

double quantile_sorted(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

namespace {

json color_encoding(const json& rows, const std::string& field,
                    const std::vector<std::pair<std::string, std::string>>& known) {
  std::vector<std::string> present;
  for (const auto& r : rows) {
    auto it = r.find(field);
    if (it == r.end() || !it->is_string()) continue;
    const std::string v = *it;
    if (std::find(present.begin(), present.end(), v) == present.end()) present.push_back(v);
  }
  // Known values first, in their fixed order, then the others as they appear.
  json domain = json::array();
  json range = json::array();
  for (const auto& [name, color] : known)
    if (std::find(present.begin(), present.end(), name) != present.end()) {
      domain.push_back(name);
      range.push_back(color);
    }
  const char* spare[] = {"#8ab17d", "#b56576", "#6d597a", "#e5989b", "#457b9d", "#a8dadc"};
  std::size_t next = 0;
  for (const auto& v : present) {
    bool is_known = false;
    for (const auto& k : known) is_known = is_known || k.first == v;
    if (is_known) continue;
    domain.push_back(v);
    range.push_back(spare[next++ % std::size(spare)]);
  }
  return {{"field", field}, {"type", "nominal"}, {"title", nullptr},
          {"scale", {{"domain", domain}, {"range", range}}}, {"sort", domain}};
}

}  // namespace

json outcome_color_encoding(const json& rows, const std::string& field) {
  static const std::vector<std::pair<std::string, std::string>> known = {
      {"ok", "#2a9d8f"},      {"http_4xx", "#e9c46a"}, {"http_5xx", "#e76f51"},
      {"timeout", "#f4a261"}, {"refused", "#9d4edd"},  {"reset", "#6d597a"},
      {"breaker_rejected", "#8d99ae"}};
  return color_encoding(rows, field, known);
}

json phase_color_encoding(const json& rows, const std::string& field) {
  static const std::vector<std::pair<std::string, std::string>> known = {
      {"Pending", "#cbd5e1"},          {"ContainerCreating", "#90b4ce"},
      {"Running", "#f6bd60"},          {"Ready", "#2a9d8f"},
      {"Terminating", "#e76f51"},      {"Crashed", "#9b2226"},
      {"chaos action", "#d62828"},     {"chaos pause", "#adb5bd"},
      {"chaos probe", "#457b9d"},      {"steady-state hypothesis", "#1d3557"}};
  return color_encoding(rows, field, known);
}

}  // namespace chaoslab::report
