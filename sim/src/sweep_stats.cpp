#include "sim/sweep_stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <set>

#include "policies/error.hpp"

namespace chaoslab::sim {

using nlohmann::json;

namespace {

void flatten(const json& j, const std::string& prefix, std::vector<std::pair<std::string, double>>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  } else if (j.is_number()) {
    if (prefix != "seed") out.emplace_back(prefix, j.get<double>());
  }
}

double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

MetricStats describe(const std::string& name, std::vector<double>& v) {
  MetricStats s;
  s.n = v.size();
  // Welford in run order: the same runs give the same bits whatever the jobs were.
  double mean = 0, m2 = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double d = v[i] - mean;
    mean += d / static_cast<double>(i + 1);
    m2 += d * (v[i] - mean);
  }
  s.mean = mean;
  s.ci_lo = s.ci_hi = mean;
  if (s.n >= 2) {
    s.stddev = std::sqrt(m2 / static_cast<double>(s.n - 1));
    const double half = t_quantile_975(s.n - 1) * s.stddev / std::sqrt(static_cast<double>(s.n));
    s.ci_lo = mean - half;
    s.ci_hi = mean + half;
  }
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  if (metric_has_quantiles(name)) {
    s.has_quantiles = true;
    s.p05 = quantile(v, 0.05);
    s.p25 = quantile(v, 0.25);
    s.p50 = quantile(v, 0.50);
    s.p75 = quantile(v, 0.75);
    s.p95 = quantile(v, 0.95);
  }
  return s;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string param_cell(const json& v) {
  if (v.is_string()) return csv_cell(v.get<std::string>());
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number()) return csv_number(v.get<double>());
  return csv_cell(v.dump());
}

}  // namespace

std::vector<std::pair<std::string, double>> run_metrics(const json& summary) {
  std::vector<std::pair<std::string, double>> out;
  flatten(summary, "", out);
  const auto calls = summary.find("calls");
  if (calls != summary.end() && calls->is_object()) {
    auto ok = calls->find("ok");
    auto total = calls->find("total");
    if (ok != calls->end() && total != calls->end() && ok->is_number() && total->is_number() &&
        total->get<double>() > 0)
      out.emplace_back("success_rate", ok->get<double>() / total->get<double>());
  }
  return out;
}

bool metric_has_quantiles(const std::string& name) {
  return ends_with(name, "_s") || ends_with(name, "_ms") || name.rfind("latency_ms.", 0) == 0;
}

double t_quantile_975(std::size_t df) {
  static constexpr double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                     2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                     2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return std::numeric_limits<double>::infinity();
  if (df <= 30) return table[df - 1];
  // Cornish-Fisher expansion around the normal quantile; error < 1e-4 for df > 30.
  const double z = 1.959963984540054;
  const double n = static_cast<double>(df);
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

SweepStats summarize_sweep(const std::filesystem::path& dir) {
  SweepStats stats;
  const auto manifest_path = dir / "sweep.json";
  {
    std::ifstream in(manifest_path);
    if (!in) throw ConfigError(manifest_path.string() + ": cannot read (not a sweep directory?)");
    json manifest = json::parse(in, nullptr, false);
    if (manifest.is_discarded() || !manifest.contains("axes"))
      throw ConfigError(manifest_path.string() + ": not a chaoslab sweep description");
    for (const auto& a : manifest["axes"]) stats.axes.push_back(a.at("name").get<std::string>());
  }

  const auto runs_path = dir / "runs.jsonl";
  std::ifstream in(runs_path);
  if (!in) throw ConfigError(runs_path.string() + ": cannot read");
  std::set<std::string> names;
  std::map<std::string, std::vector<double>> values;
  PointStats current;
  bool have_point = false;
  auto finish_point = [&] {
    if (!have_point) return;
    for (auto& [name, v] : values)
      if (!v.empty()) current.metrics[name] = describe(name, v);
    stats.points.push_back(std::move(current));
    current = PointStats{};
    values.clear();
  };

  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("point") || !j.contains("summary"))
      throw ConfigError(runs_path.string() + ":" + std::to_string(line_no) + ": not a sweep run line");
    const auto point = j["point"].get<std::size_t>();
    if (!have_point || point != current.point) {
      finish_point();
      current.point = point;
      current.params = j.value("params", json::object());
      have_point = true;
    }
    current.runs += 1;
    stats.runs += 1;
    for (auto& [name, v] : run_metrics(j["summary"])) {
      values[name].push_back(v);
      names.insert(name);
    }
  }
  finish_point();
  stats.metrics.assign(names.begin(), names.end());
  return stats;
}

void write_summary_csv(const SweepStats& stats, std::ostream& out) {
  // A metric some run lacks (recovery without chaos, latency without successes) gets an n column.
  std::set<std::string> partial;
  for (const auto& p : stats.points)
    for (const auto& m : stats.metrics) {
      auto it = p.metrics.find(m);
      if (it == p.metrics.end() || it->second.n != p.runs) partial.insert(m);
    }
  // Cells are appended one by one (GCC 12 warns falsely about `"," + std::string` at -O2).
  std::string row;
  auto cell = [&row](const std::string& v) {
    row += ',';
    row += v;
  };
  auto column = [&](const std::string& metric, const char* stat) {
    row += ',';
    row += metric;
    row += stat;
  };
  row = "point";
  for (const auto& a : stats.axes) cell(csv_cell(a));
  row += ",runs";
  for (const auto& m : stats.metrics) {
    column(m, ".mean");
    column(m, ".ci95_lo");
    column(m, ".ci95_hi");
    if (metric_has_quantiles(m)) {
      column(m, ".p50");
      column(m, ".p95");
    }
    if (partial.count(m)) column(m, ".n");
  }
  out << row << '\n';
  for (const auto& p : stats.points) {
    row = std::to_string(p.point);
    for (const auto& a : stats.axes) cell(p.params.contains(a) ? param_cell(p.params[a]) : std::string());
    cell(std::to_string(p.runs));
    for (const auto& m : stats.metrics) {
      auto it = p.metrics.find(m);
      const bool has = it != p.metrics.end();
      const MetricStats s = has ? it->second : MetricStats{};
      cell(has ? csv_number(s.mean) : std::string());
      cell(has ? csv_number(s.ci_lo) : std::string());
      cell(has ? csv_number(s.ci_hi) : std::string());
      if (metric_has_quantiles(m)) {
        cell(has ? csv_number(s.p50) : std::string());
        cell(has ? csv_number(s.p95) : std::string());
      }
      if (partial.count(m)) cell(std::to_string(s.n));
    }
    out << row << '\n';
  }
}

}  // namespace chaoslab::sim
