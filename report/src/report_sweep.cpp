#include "report_sweep.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "policies/error.hpp"
#include "report_charts.hpp"
#include "report_tune.hpp"
#include "sim/sweep_stats.hpp"

namespace chaoslab::report {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<KeyMetric>& key_metrics() {
  static const std::vector<KeyMetric> metrics = {
      {"success_rate", "call success rate", true},
      {"recovery.time_to_first_success_s", "time to first success after recovery (s)", false},
      {"recovery.time_to_closed_s", "time to breaker CLOSED after recovery (s)", false},
      {"wasted_cooldown_s", "wasted cool-down: OPEN with a ready endpoint, summed over clients (client-s)", false},
      {"failed_half_open_trials", "failed half-open trials", false},
      {"attempts_without_ready_endpoint", "attempts sent with no ready endpoint", false},
      {"retry_amplification", "retry amplification (attempts per call)", false},
      {"peak_backend_queue", "peak backend queue", false},
  };
  return metrics;
}

namespace {

struct Axis {
  std::string name;
  std::string title;        // for people: "cool-down (s)" for cooldown_s
  std::string key;          // field name in the chart data (Vega-Lite reads dots as nesting)
  std::string kind;         // values, linear, log, profiles
  json levels = json::array();  // grid levels / profile names, in order
  bool numeric = true;
};

struct SweepInfo {
  std::vector<Axis> axes;
  std::string design = "grid";
  std::string scenario;
  std::size_t seeds = 0;
};

// An axis name as a title with its unit: cooldown_s -> "cool-down (s)", latency_ms -> "latency (ms)".
std::string axis_title(const std::string& name) {
  std::string base = name, unit;
  for (const char* u : {"_ms", "_s"}) {
    const std::string suffix = u;
    if (base.size() > suffix.size() && base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0) {
      base.resize(base.size() - suffix.size());
      unit = suffix.substr(1);
      break;
    }
  }
  for (char& c : base) c = c == '_' ? ' ' : c;
  if (base == "cooldown") base = "cool-down";
  return unit.empty() ? base : base + " (" + unit + ")";
}

// The unit in a metric label's last parentheses ("... (s)" -> "s"), "%" for the success rate.
std::string metric_unit(const KeyMetric& m) {
  if (m.name == "success_rate") return "%";
  const auto open = m.label.rfind('('), close = m.label.rfind(')');
  if (open == std::string::npos || close != m.label.size() - 1) return "";
  return m.label.substr(open + 1, close - open - 1);
}

// Colour scales that stay distinct: ten hues, enough for every axis charted by colour (an axis
// with more levels gets small multiples instead).
constexpr std::size_t kMaxColourLevels = 10;

SweepInfo read_info(const fs::path& dir) {
  std::ifstream in(dir / "sweep.json");
  json m = json::parse(in, nullptr, false);
  if (m.is_discarded() || !m.is_object()) throw ConfigError((dir / "sweep.json").string() + ": not a sweep description");
  SweepInfo info;
  info.design = m["design"].value("type", "grid");
  info.scenario = m.value("scenario", "");
  info.seeds = m["seeds"].value("count", 0);
  for (const auto& a : m["axes"]) {
    Axis axis;
    axis.name = a.at("name");
    axis.title = axis_title(axis.name);
    axis.key = "axis" + std::to_string(info.axes.size());
    axis.kind = a.value("kind", "values");
    if (axis.kind == "profiles") {
      for (const auto& p : a["profiles"]) axis.levels.push_back(p["name"]);
      axis.numeric = false;
    } else {
      axis.levels = a.value("levels", json::array());
      for (const auto& v : axis.levels) axis.numeric = axis.numeric && v.is_number();
    }
    info.axes.push_back(std::move(axis));
  }
  return info;
}

// Chart data field of a metric statistic: dots in names would read as nested fields.
std::string fk(const std::string& metric, const char* stat) {
  std::string k;
  for (char c : metric) k += (c == '.') ? '_' : c;
  return k + "__" + stat;
}

bool has_metric(const sim::SweepStats& st, const std::string& m) {
  return std::find(st.metrics.begin(), st.metrics.end(), m) != st.metrics.end();
}

// Axis values on discrete scales: a grid axis keeps its levels in order.
bool discrete_axis(const SweepInfo& info, const Axis& a) { return info.design == "grid" || !a.numeric; }

json axis_encoding(const SweepInfo& info, const Axis& a, bool as_ordinal) {
  json e = {{"field", a.key}, {"title", a.title}};
  // A grid's levels are discrete (two replica counts are 1 and 3, not a range 1.0-3.0).
  if (as_ordinal || !a.numeric || discrete_axis(info, a)) {
    e["type"] = a.numeric ? "ordinal" : "nominal";
    json sort = json::array();
    for (const auto& v : a.levels) sort.push_back(v);
    if (!sort.empty() && discrete_axis(info, a)) e["sort"] = sort;
    e["axis"] = {{"labelAngle", 0}, {"labelOverlap", true}};
    if (a.numeric) e["axis"]["format"] = ".3~r";  // log-spaced levels: 1.39, not 1.39157884
    if (a.levels.size() > 8) e["axis"]["labelAngle"] = -45;
  } else {
    e["type"] = "quantitative";
    // Cool-downs and timeouts are usually spaced by factors: a log scale keeps them apart.
    double lo = 0, hi = 0;
    bool positive = !a.levels.empty();
    for (const auto& v : a.levels) {
      if (!v.is_number() || v.get<double>() <= 0) {
        positive = false;
        break;
      }
      const double d = v.get<double>();
      lo = lo == 0 ? d : std::min(lo, d);
      hi = std::max(hi, d);
    }
    if (a.kind == "log" || (positive && hi / lo >= 20)) e["scale"] = {{"type", "log"}};
    e["axis"] = {{"format", ".3~r"}, {"labelOverlap", true}};
  }
  return e;
}

// Tooltip field of an axis, numbers rounded for people.
json axis_tooltip(const Axis& a) {
  json t = {{"field", a.key}, {"title", a.title}};
  if (a.numeric) t["format"] = ".4~r";
  return t;
}

json point_rows(const SweepInfo& info, const sim::SweepStats& st, const std::vector<std::string>& metrics) {
  json rows = json::array();
  for (const auto& p : st.points) {
    json r = {{"point", p.point}, {"runs", p.runs}};
    for (const auto& a : info.axes)
      if (p.params.contains(a.name)) r[a.key] = p.params[a.name];
    for (const auto& m : metrics) {
      auto s = p.metrics.find(m);
      if (s == p.metrics.end()) continue;
      r[fk(m, "mean")] = round_to(s->second.mean, 6);
      r[fk(m, "lo")] = round_to(s->second.ci_lo, 6);
      r[fk(m, "hi")] = round_to(s->second.ci_hi, 6);
      r[fk(m, "n")] = s->second.n;
      if (s->second.has_quantiles) {
        r[fk(m, "p05")] = round_to(s->second.p05, 6);
        r[fk(m, "p25")] = round_to(s->second.p25, 6);
        r[fk(m, "p50")] = round_to(s->second.p50, 6);
        r[fk(m, "p75")] = round_to(s->second.p75, 6);
        r[fk(m, "p95")] = round_to(s->second.p95, 6);
      }
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

json heatmap(const SweepInfo& info, const json& rows, const KeyMetric& m, const Axis& x, const Axis& y) {
  const std::string field = fk(m.name, "mean");
  const bool grid = discrete_axis(info, x) && discrete_axis(info, y);
  const std::string unit = metric_unit(m);
  const bool pct = m.name == "success_rate";
  // The colour bar in the cells' unit, with a short title (the chart's heading has the metric).
  json legend = {{"orient", "right"}, {"title", unit.empty() ? "mean" : "mean (" + unit + ")"},
                 {"gradientLength", std::clamp(40 * static_cast<int>(y.levels.size()), 80, 200)}};
  legend["format"] = pct ? ".0%" : ".3~r";
  json color = {{"field", field}, {"type", "quantitative"}, {"title", m.label},
                {"scale", {{"scheme", m.higher_is_better ? "blues" : "oranges"}}}, {"legend", legend}};
  json tooltip = json::array({axis_tooltip(x), axis_tooltip(y),
                              {{"field", field}, {"title", m.label + " (mean)"}, {"format", ".3~f"}},
                              {{"field", fk(m.name, "lo")}, {"title", "95% CI low"}, {"format", ".3~f"}},
                              {{"field", fk(m.name, "hi")}, {"title", "95% CI high"}, {"format", ".3~f"}},
                              {{"field", "runs"}}});
  const json filter = {{"filter", "isValid(datum['" + field + "'])"}};
  if (!grid) {
    return {{"width", 460}, {"height", 300}, {"data", {{"values", rows}}}, {"transform", json::array({filter})},
            {"mark", {{"type", "circle"}, {"size", 90}, {"opacity", 0.9}}},
            {"encoding", {{"x", axis_encoding(info, x, false)}, {"y", axis_encoding(info, y, false)},
                          {"color", color}, {"tooltip", tooltip}}}};
  }
  const int nx = std::max<int>(1, static_cast<int>(x.levels.size()));
  const int ny = std::max<int>(1, static_cast<int>(y.levels.size()));
  const std::string fmt = pct ? ".1%" : ".3~r";
  // Dark text on light cells, white on dark ones: both schemes darken as the value grows.
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& r : rows)
    if (r.contains(field) && r[field].is_number()) {
      lo = std::min(lo, r[field].get<double>());
      hi = std::max(hi, r[field].get<double>());
    }
  const double dark_from = std::isfinite(lo) ? lo + 0.55 * (hi - lo) : 0;
  json text_enc = {{"x", axis_encoding(info, x, true)}, {"y", axis_encoding(info, y, true)},
                   {"text", {{"field", field}, {"type", "quantitative"}, {"format", fmt}}},
                   {"color", {{"condition", {{"test", "datum['" + field + "'] > " + std::to_string(dark_from) +
                                                          (hi > lo ? "" : " && false")},
                                             {"value", "#ffffff"}}},
                              {"value", "#1f2933"}}}};
  json layers = json::array({{{"mark", {{"type", "rect"}}}, {"encoding", {{"color", color}, {"tooltip", tooltip}}}}});
  if (nx <= 12) layers.push_back({{"mark", {{"type", "text"}, {"fontSize", 10}}}, {"encoding", text_enc}});  // else: hover
  return {{"width", std::min(720, 64 * nx)}, {"height", std::min(400, 40 * ny)},
          {"data", {{"values", rows}}},
          {"transform", json::array({filter})},
          {"encoding", {{"x", axis_encoding(info, x, true)}, {"y", axis_encoding(info, y, true)}}},
          {"layer", layers}};
}

// Metric against one axis: mean with its 95% interval, one line per level of another axis (up to
// ten, in distinct colours; more levels get one small chart each).
json metric_vs_axis(const SweepInfo& info, const json& rows, const KeyMetric& m, const Axis& x, const Axis* by) {
  const std::string mean = fk(m.name, "mean");
  const bool ordinal_x = !x.numeric || discrete_axis(info, x);
  json enc = {{"x", axis_encoding(info, x, false)}};
  const bool facet = by && by->levels.size() > kMaxColourLevels;
  json color;
  if (by && !facet) {
    color = {{"field", by->key}, {"type", "nominal"}, {"title", by->title}, {"scale", {{"scheme", "tableau10"}}}};
    json sort = json::array();
    for (const auto& v : by->levels) sort.push_back(v);
    if (!sort.empty()) color["sort"] = sort;
    // Swatches at full strength, as lines: the pale bands would otherwise set their look.
    color["legend"] = {{"symbolOpacity", 1}, {"symbolStrokeWidth", 3}, {"symbolType", x.numeric ? "stroke" : "circle"}};
    if (by->numeric) color["legend"]["format"] = ".3~r";
  }
  const json filter = {{"filter", "isValid(datum['" + mean + "'])"}};
  const std::string unit = metric_unit(m);
  const std::string y_title = m.label + (unit.empty() && m.name != "success_rate" ? " (count)" : "");
  json band = {{"mark", {{"type", ordinal_x && !x.numeric ? "rule" : "area"}, {"opacity", ordinal_x && !x.numeric ? 0.6 : 0.15}}},
               {"encoding", {{"y", {{"field", fk(m.name, "lo")}, {"type", "quantitative"}, {"title", y_title}}},
                             {"y2", {{"field", fk(m.name, "hi")}}}}}};
  json tooltip = json::array({axis_tooltip(x), {{"field", mean}, {"title", "mean"}, {"format", ".3~f"}},
                              {{"field", fk(m.name, "lo")}, {"title", "95% CI low"}, {"format", ".3~f"}},
                              {{"field", fk(m.name, "hi")}, {"title", "95% CI high"}, {"format", ".3~f"}}});
  json line = {{"mark", {{"type", "line"}, {"point", {{"filled", true}, {"size", 40}}}, {"strokeWidth", 2}}},
               {"encoding", {{"y", {{"field", mean}, {"type", "quantitative"}, {"title", y_title}}}, {"tooltip", tooltip}}}};
  if (!x.numeric) line["mark"] = {{"type", "point"}, {"filled", true}, {"size", 60}};
  if (by && !facet) {
    band["encoding"]["color"] = color;
    line["encoding"]["color"] = color;
    line["encoding"]["tooltip"].push_back(axis_tooltip(*by));
  } else {
    band["mark"]["color"] = "#2f6f9f";
    line["mark"]["color"] = "#2f6f9f";
  }
  if (m.name == "success_rate") {
    line["encoding"]["y"]["axis"] = {{"format", "%"}};
    band["encoding"]["y"]["axis"] = {{"format", "%"}};
  }
  if (facet) {
    // One y title per small chart would run into the next row's: the heading names the metric.
    band["encoding"]["y"]["title"] = nullptr;
    line["encoding"]["y"]["title"] = nullptr;
    json f = {{"field", by->key}, {"type", by->numeric ? "ordinal" : "nominal"}, {"title", by->title}};
    json sort = json::array();
    for (const auto& v : by->levels) sort.push_back(v);
    if (!sort.empty()) f["sort"] = sort;
    if (by->numeric) f["header"] = {{"format", ".3~r"}};
    return {{"data", {{"values", rows}}}, {"transform", json::array({filter})}, {"facet", f}, {"columns", 4},
            {"spec", {{"width", 190}, {"height", 130}, {"encoding", enc}, {"layer", json::array({band, line})}}}};
  }
  return {{"width", 440}, {"height", 240}, {"data", {{"values", rows}}}, {"transform", json::array({filter})},
          {"encoding", enc}, {"layer", json::array({band, line})}};
}

// Time-to-recover at every point: whiskers p5-p95, box p25-p75, tick at the median.
json distribution_chart(const SweepInfo& info, const json& rows, const KeyMetric& m, const Axis& x, const Axis* by) {
  const std::string f = m.name;
  json x_enc = axis_encoding(info, x, true);
  json enc = {{"x", x_enc}};
  if (by) {
    json off = {{"field", by->key}, {"type", "nominal"}, {"title", by->title}};
    json sort = json::array();
    for (const auto& v : by->levels) sort.push_back(v);
    if (!sort.empty()) off["sort"] = sort;
    enc["xOffset"] = off;
    json color = off;
    color["scale"] = {{"scheme", by->levels.size() > kMaxColourLevels ? "tableau20" : "tableau10"}};
    if (by->numeric) color["legend"] = {{"format", ".3~r"}};
    enc["color"] = color;
  }
  const json tooltip = json::array({axis_tooltip(x),
                                    {{"field", fk(f, "p05")}, {"title", "p5"}, {"format", ".2f"}},
                                    {{"field", fk(f, "p25")}, {"title", "p25"}, {"format", ".2f"}},
                                    {{"field", fk(f, "p50")}, {"title", "median"}, {"format", ".2f"}},
                                    {{"field", fk(f, "p75")}, {"title", "p75"}, {"format", ".2f"}},
                                    {{"field", fk(f, "p95")}, {"title", "p95"}, {"format", ".2f"}},
                                    {{"field", fk(f, "n")}, {"title", "runs with a value"}}});
  const json filter = {{"filter", "isValid(datum['" + fk(f, "p50") + "'])"}};
  json whisker = {{"mark", {{"type", "rule"}}},
                  {"encoding", {{"y", {{"field", fk(f, "p05")}, {"type", "quantitative"}, {"title", m.label}}},
                                {"y2", {{"field", fk(f, "p95")}}}}}};
  json box = {{"mark", {{"type", "bar"}, {"width", {{"band", 0.7}}}}},
              {"encoding", {{"y", {{"field", fk(f, "p25")}, {"type", "quantitative"}}}, {"y2", {{"field", fk(f, "p75")}}},
                            {"tooltip", tooltip}}}};
  // A short horizontal stroke as a point shape: unlike tick marks, points follow xOffset.
  json median = {{"mark", {{"type", "point"}, {"shape", "M-1,0L1,0"}, {"size", 90}, {"strokeWidth", 2},
                           {"filled", false}, {"color", "#1f2933"}, {"opacity", 1}}},
                 {"encoding", {{"y", {{"field", fk(f, "p50")}, {"type", "quantitative"}}}}}};
  if (!by) {
    box["mark"]["color"] = "#f4a261";
    whisker["mark"]["color"] = "#52606d";
  }
  const int n = std::max<int>(1, static_cast<int>(x.levels.size())) * (by ? std::max<int>(1, static_cast<int>(by->levels.size())) : 1);
  return {{"width", std::clamp(26 * n, 320, 900)}, {"height", 240}, {"data", {{"values", rows}}},
          {"transform", json::array({filter})}, {"encoding", enc}, {"layer", json::array({whisker, box, median})}};
}

ReportTable points_table(const SweepInfo& info, const sim::SweepStats& st) {
  ReportTable t;
  t.caption = "Every point: mean over its seeds, with the 95% confidence interval of the mean";
  for (const auto& a : info.axes) t.header.push_back(a.title);
  t.header.push_back("runs");
  std::vector<const KeyMetric*> shown;
  for (const auto& m : key_metrics())
    if (has_metric(st, m.name)) {
      shown.push_back(&m);
      t.header.push_back(m.label);
    }
  for (const auto& p : st.points) {
    std::vector<std::string> row;
    for (const auto& a : info.axes) {
      const json& v = p.params.contains(a.name) ? p.params[a.name] : json();
      row.push_back(v.is_string() ? v.get<std::string>() : v.is_number() ? format_number(v.get<double>(), 4) : v.dump());
    }
    row.push_back(std::to_string(p.runs));
    for (const auto* m : shown) {
      auto s = p.metrics.find(m->name);
      if (s == p.metrics.end()) {
        row.push_back("n/a");
        continue;
      }
      const bool pct = m->name == "success_rate";
      const double k = pct ? 100 : 1;
      std::string cell = format_number(s->second.mean * k, 3);
      if (s->second.n >= 2)
        cell += " [" + format_number(s->second.ci_lo * k, 3) + ", " + format_number(s->second.ci_hi * k, 3) + "]";
      if (pct) cell += " %";
      row.push_back(cell);
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace

void add_sweep_sections(ReportPage& page, const std::string& dir_text) {
  const fs::path dir(dir_text);
  if (fs::exists(dir / "tune.json")) add_tune_sections(page, dir_text);
  if (!fs::exists(dir / "runs.jsonl")) return;  // an adaptive tune: no single sweep to show
  const SweepInfo info = read_info(dir);
  const sim::SweepStats st = sim::summarize_sweep(dir);

  std::vector<std::string> wanted;
  for (const auto& m : key_metrics())
    if (has_metric(st, m.name)) wanted.push_back(m.name);
  const json rows = point_rows(info, st, wanted);

  ReportSection s;
  s.title = "Sweep: " + dir.filename().string();
  if (s.title == "Sweep: ") s.title = "Sweep: " + dir_text;
  std::string intro = std::to_string(st.runs) + " runs of " + (info.scenario.empty() ? std::string("the scenario") : info.scenario) +
                      ": " + std::to_string(st.points.size()) + " points (" + info.design + " design) x " +
                      std::to_string(info.seeds) + " seeds. Axes: ";
  for (std::size_t i = 0; i < info.axes.size(); ++i)
    intro += (i ? ", " : "") + info.axes[i].name + " (" + std::to_string(info.axes[i].levels.size()) + " " +
             (info.axes[i].kind == "profiles" ? "profiles" : "levels") + ")";
  if (info.axes.empty()) intro += "none";
  intro += ". Intervals are 95% Student-t intervals of the mean over seeds.";
  s.paragraph(intro);
  if (st.runs == 0) {
    s.paragraph("The sweep has no runs yet.");
    page.sections.push_back(std::move(s));
    return;
  }

  const Axis* x = info.axes.size() >= 1 ? &info.axes[0] : nullptr;
  const Axis* y = info.axes.size() >= 2 ? &info.axes[1] : nullptr;
  const std::string averaged =
      info.axes.size() > 2 ? " Points that differ only in the other axes are drawn over each other; hover for values." : "";

  if (x && y) {
    for (const auto& m : key_metrics()) {
      if (!has_metric(st, m.name)) continue;
      if (m.name != "success_rate" && m.name != "recovery.time_to_first_success_s" && m.name != "recovery.time_to_closed_s" &&
          m.name != "wasted_cooldown_s")
        continue;
      s.chart({"Heatmap: " + m.label,
               "Mean " + m.label + " at every combination of " + x->title + " and " + y->title + " (" +
                   (m.higher_is_better ? "darker is better" : "darker is worse") + ")." + averaged,
               heatmap(info, rows, m, *x, *y)});
    }
  }
  if (x) {
    for (std::size_t a = 0; a < info.axes.size(); ++a) {
      const Axis& ax = info.axes[a];
      const Axis* by = a == 0 ? y : x;
      for (const auto& m : key_metrics()) {
        if (!has_metric(st, m.name)) continue;
        if (m.name != "success_rate" && m.name != "recovery.time_to_first_success_s") continue;
        s.chart({m.label + " against " + ax.title,
                 "Mean over seeds with its 95% interval" +
                     std::string(by ? (by->levels.size() > kMaxColourLevels ? ", one chart per " : ", one line per ") +
                                          by->title
                                    : "") +
                     "." +
                     (m.name == "success_rate" && ax.name.find("attempt") != std::string::npos
                          ? " With retry attempts on the x axis this is the lab's Figure B, over many seeds."
                          : std::string()),
                 metric_vs_axis(info, rows, m, ax, by)});
      }
    }
    for (const auto& name : {"recovery.time_to_first_success_s", "recovery.time_to_closed_s"}) {
      if (!has_metric(st, name)) continue;
      const KeyMetric* m = nullptr;
      for (const auto& k : key_metrics())
        if (k.name == name) m = &k;
      s.chart({"Distribution of " + m->label,
               "At every point over its seeds: the box spans the 25th to 75th percentile, the line marks the median, "
               "the whiskers reach the 5th and 95th percentiles. Runs where it never happened are left out (see n)." +
                   averaged,
               distribution_chart(info, rows, *m, *x, y)});
    }
  }
  s.table(points_table(info, st));
  page.sections.push_back(std::move(s));
}

}  // namespace chaoslab::report
