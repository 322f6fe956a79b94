#include "report_compare.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "policies/error.hpp"
#include "report_charts.hpp"

namespace chaoslab::report {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "chaoslab-compare/1";
constexpr const char* kPctTitle = "percentile of the observed value among the simulated runs";
constexpr const char* kShare = "share of the sample <= x";

[[noreturn]] void bad(const std::string& path, const std::string& pointer, const std::string& what) {
  throw ConfigError(path + ": " + pointer + ": " + what);
}

const json& need(const json& j, const std::string& key, const std::string& path, const std::string& at) {
  if (!j.is_object()) bad(path, at, "expected an object");
  auto it = j.find(key);
  if (it == j.end()) bad(path, at + "/" + key, "missing");
  return *it;
}

double need_number(const json& j, const std::string& key, const std::string& path, const std::string& at) {
  const json& v = need(j, key, path, at);
  if (!v.is_number()) bad(path, at + "/" + key, "expected a number");
  return v.get<double>();
}

// A number or null ("never happened" for an observed value, "never" for a band edge).
std::optional<double> opt_number(const json& j, const std::string& key, const std::string& path, const std::string& at) {
  const json& v = need(j, key, path, at);
  if (v.is_null()) return std::nullopt;
  if (!v.is_number()) bad(path, at + "/" + key, "expected a number or null");
  return v.get<double>();
}

std::string need_string(const json& j, const std::string& key, const std::string& path, const std::string& at) {
  const json& v = need(j, key, path, at);
  if (!v.is_string()) bad(path, at + "/" + key, "expected a string");
  return v.get<std::string>();
}

const json& need_array(const json& j, const std::string& key, const std::string& path, const std::string& at) {
  const json& v = need(j, key, path, at);
  if (!v.is_array()) bad(path, at + "/" + key, "expected an array");
  return v;
}

// 1 -> "1st", 99 -> "99th", 2.5 -> "2.5th".
std::string ordinal(double p) {
  const std::string n = format_number(p);
  if (p != std::floor(p)) return n + "th";
  const long v = std::lround(p);
  if (v % 100 >= 11 && v % 100 <= 13) return n + "th";
  switch (v % 10) {
    case 1: return n + "st";
    case 2: return n + "nd";
    case 3: return n + "rd";
    default: return n + "th";
  }
}

std::string cell(const std::optional<double>& v) { return v ? format_number(*v, 4) : "never"; }

// "p = 0.77", "p = 3.1e-05", "p < 1e-300".
std::string p_text(double p) {
  if (p <= 0) return "p < 1e-300";
  char buf[32];
  if (p >= 1e-3)
    std::snprintf(buf, sizeof buf, "p = %.3g", p);
  else
    std::snprintf(buf, sizeof buf, "p = %.2g", p);
  return buf;
}

std::string duration_label(const std::string& name) {
  if (name == "open_duration_s") return "OPEN durations";
  if (name == "retry_wait_s") return "Retry waits";
  if (name == "episode_s") return "Breaker episodes (CLOSED -> OPEN until CLOSED again: the time to recover)";
  return name;
}

// The sample's ECDF points as chart rows; checks each is [x, F].
void ecdf_rows(const json& points, const std::string& series, json& rows, const std::string& path, const std::string& at) {
  if (!points.is_array()) bad(path, at, "expected an array of [x, F] points");
  for (std::size_t i = 0; i < points.size(); ++i) {
    const json& p = points[i];
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number())
      bad(path, at + "/" + std::to_string(i), "expected [x, F]");
    rows.push_back({{"series", series}, {"x", p[0]}, {"F", p[1]}});
  }
}

}  // namespace

bool looks_like_comparison(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  // A trace is several objects, one a line: parsing stops with an error at the second one.
  const json j = json::parse(in, nullptr, false);
  return !j.is_discarded() && j.is_object() && j.contains("format") && j["format"] == kFormat;
}

void add_compare_sections(ReportPage& page, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the file");
  const json c = json::parse(in, nullptr, false);
  if (c.is_discarded() || !c.is_object() || c.value("format", "") != kFormat)
    throw ConfigError(path + ": not a chaoslab compare result (`chaoslab compare --json` or `--out`)");

  const std::string scenario = need_string(c, "scenario", path, "");
  const json& observed = need(c, "observed", path, "");
  const std::string observed_file = need_string(observed, "file", path, "/observed");
  const std::string observed_format = need_string(observed, "format", path, "/observed");
  const double observed_s = need_number(observed, "duration_s", path, "/observed");
  const double runs = need_number(c, "runs", path, "");
  need_number(c, "seed", path, "");
  const std::string seed = c["seed"].dump();
  const json& band = need(c, "band", path, "");
  const double band_low = need_number(band, "low_pct", path, "/band");
  const double band_high = need_number(band, "high_pct", path, "/band");
  const double simulated_s = need_number(c, "simulated_duration_s", path, "");
  const json& pass_v = need(c, "pass", path, "");
  if (!pass_v.is_boolean()) bad(path, "/pass", "expected true or false");
  const bool pass = pass_v.get<bool>();
  const json& metrics = need_array(c, "metrics", path, "");
  const json& durations = need_array(c, "durations", path, "");

  const std::string band_text = ordinal(band_low) + " to " + ordinal(band_high) + " percentile";
  ReportSection s;
  s.title = std::string("Compare (") + (pass ? "PASS" : "FAIL") + "): " + observed_file + " against the simulator";

  std::string overrides;
  if (auto it = c.find("overrides"); it != c.end() && it->is_array())
    for (const auto& o : *it)
      if (o.is_string()) overrides += (overrides.empty() ? "" : ", ") + o.get<std::string>();
  s.paragraph("Observed: " + observed_file + " (" + observed_format + ", " + format_number(observed_s / 60.0, 4) +
              " min). Simulated: " + format_number(runs) + " runs of " + scenario + " (seed " + seed +
              ", " + format_number(simulated_s / 60.0, 4) + " min each" +
              (overrides.empty() ? std::string() : "; with " + overrides) +
              "). Each metric of the observed run is placed among the simulated values: its percentile (mid-rank) and "
              "whether it lies inside the simulated " + band_text + " band. Rates are per minute of each run.");

  // Rows of the percentile chart and the table; the verdict first, so a reader sees it at once.
  json rows = json::array();
  ReportTable table;
  table.caption = "Every metric: * = main metric (gates the verdict and the exit status); the others are information. "
                  "Highlighted: outside the band. 'never': did not happen in the run (ranks above every value).";
  table.header = {"metric", "observed", "sim. " + ordinal(band_low) + " pct", "sim. median",
                  "sim. " + ordinal(band_high) + " pct", "runs defined", "percentile", "verdict"};
  std::vector<std::string> failed_main, outside_info;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const std::string at = "/metrics/" + std::to_string(i);
    const json& m = metrics[i];
    const std::string name = need_string(m, "name", path, at);
    const json& main_v = need(m, "main", path, at);
    if (!main_v.is_boolean()) bad(path, at + "/main", "expected true or false");
    const bool main = main_v.get<bool>();
    const auto obs = opt_number(m, "observed", path, at);
    const json& sim = need(m, "simulated", path, at);
    const auto low = opt_number(sim, "low", path, at + "/simulated");
    const auto median = opt_number(sim, "median", path, at + "/simulated");
    const auto high = opt_number(sim, "high", path, at + "/simulated");
    const double defined = need_number(sim, "runs_defined", path, at + "/simulated");
    const auto pct = opt_number(m, "percentile", path, at);
    const std::string verdict = need_string(m, "verdict", path, at);
    const std::string label = name + (main ? " *" : "");
    std::string shown = verdict;
    if (verdict == "fail") (main ? failed_main : outside_info).push_back(name);
    if (!main && verdict == "pass") shown = "inside (info)";
    if (!main && verdict == "fail") shown = "outside (info)";
    if (main && verdict == "fail") shown = "FAIL";
    if (verdict == "fail") table.highlight_rows.push_back(static_cast<int>(table.rows.size()));
    table.rows.push_back({label, cell(obs), cell(low), cell(median), cell(high), format_number(defined),
                          pct ? format_number(*pct, 3) : "n/a", shown});
    if (!pct) continue;
    const std::string group = main ? (verdict == "pass" ? "main: inside" : "main: OUTSIDE")
                                   : (verdict == "pass" ? "information: inside" : "information: outside");
    rows.push_back({{"metric", label},
                    {"percentile", round_to(*pct, 2)},
                    {"band_lo", band_low},
                    {"band_hi", band_high},
                    {"mid", 50},
                    {"group", group},
                    {"observed", cell(obs)},
                    {"band", cell(low) + " .. " + cell(high)},
                    {"median", cell(median)}});
  }

  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  if (pass)
    s.paragraph("Verdict: PASS. Every main metric lies inside the simulated " + band_text + " band" +
                (outside_info.empty() ? std::string(", and so does every other metric.")
                                      : ". Outside it, for information only: " + list(outside_info) + "."));
  else
    s.paragraph("Verdict: FAIL (compare exits 1). Outside the simulated " + band_text + " band: " + list(failed_main) +
                (outside_info.empty() ? std::string(".") : "; for information also " + list(outside_info) + "."));
  if (auto it = c.find("observed_notes"); it != c.end() && it->is_array())
    for (const auto& n : *it)
      if (n.is_string()) s.paragraph("Note on the observed run: " + n.get<std::string>());

  if (!rows.empty()) {
    const json color = {{"field", "group"},
                        {"type", "nominal"},
                        {"title", nullptr},
                        {"scale", {{"domain", json::array({"main: inside", "main: OUTSIDE", "information: inside",
                                                           "information: outside"})},
                                   {"range", json::array({"#2a9d8f", "#d62828", "#8fb8d8", "#f4a261"})}}}};
    const json tooltip = json::array({{{"field", "metric"}},
                                      {{"field", "observed"}},
                                      {{"field", "median"}, {"title", "simulated median"}},
                                      {{"field", "band"}, {"title", "simulated band"}},
                                      {{"field", "percentile"}, {"title", "percentile"}}});
    const json y = {{"field", "metric"}, {"type", "nominal"}, {"sort", nullptr}, {"title", nullptr},
                    {"axis", {{"labelLimit", 320}}}};
    const json x_scale = {{"domain", json::array({0, 100})}, {"nice", false}};
    s.chart({"Where the observed run falls among the simulated runs",
             "One row per metric: the grey bar is the simulated " + band_text +
                 " band, the tick the simulated median (50th), the dot the observed value's percentile among the " +
                 format_number(runs) + " simulated runs. A red dot is a main metric (*) outside the band: there reality "
                 "and the simulator differ enough to fail the check; orange is an informational metric outside it.",
             {{"width", 560},
              {"height", {{"step", 17}}},
              {"data", {{"values", rows}}},
              {"encoding", {{"y", y}}},
              {"layer",
               json::array(
                   {{{"mark", {{"type", "bar"}, {"height", 9}, {"color", "#dde5ee"}}},
                     {"encoding",
                      {{"x", {{"field", "band_lo"}, {"type", "quantitative"}, {"scale", x_scale},
                              {"title", kPctTitle}}},
                       {"x2", {{"field", "band_hi"}}}}}},
                    {{"mark", {{"type", "tick"}, {"color", "#7b8794"}, {"thickness", 1.5}, {"size", 11}}},
                     {"encoding", {{"x", {{"field", "mid"}, {"type", "quantitative"}, {"title", kPctTitle}}}}}},
                    {{"mark", {{"type", "point"}, {"filled", true}, {"size", 70}, {"opacity", 0.95}}},
                     {"encoding",
                      {{"x", {{"field", "percentile"}, {"type", "quantitative"}, {"title", kPctTitle}}},
                       {"color", color},
                       {"tooltip", tooltip}}}}})}}});
  }
  s.table(std::move(table));

  // The duration distributions: observed ECDF against the pooled simulated one.
  ReportTable dtable;
  dtable.caption = "Duration samples (seconds): the observed run's against every simulated run's pooled, two-sample "
                   "Kolmogorov-Smirnov test (asymptotic p-value). Reported, not gated: a pooled sample of tens of "
                   "thousands of values makes the test see differences of milliseconds.";
  dtable.header = {"sample", "observed n", "observed mean", "observed p50", "simulated n", "simulated mean",
                   "simulated p50", "KS D", "p-value"};
  for (std::size_t i = 0; i < durations.size(); ++i) {
    const std::string at = "/durations/" + std::to_string(i);
    const json& d = durations[i];
    const std::string name = need_string(d, "name", path, at);
    const json& o = need(d, "observed", path, at);
    const json& sm = need(d, "simulated", path, at);
    const json& ks = need(d, "ks", path, at);
    const double n = need_number(o, "count", path, at + "/observed");
    const double m = need_number(sm, "count", path, at + "/simulated");
    const double dval = need_number(ks, "d", path, at + "/ks");
    const double p = need_number(ks, "p_value", path, at + "/ks");
    auto stat = [&](const json& j, const char* key, const std::string& where) {
      return j.contains(key) ? format_number(need_number(j, key, path, where), 4) : std::string("-");
    };
    dtable.rows.push_back({name, format_number(n), stat(o, "mean", at + "/observed"), stat(o, "p50", at + "/observed"),
                           format_number(m), stat(sm, "mean", at + "/simulated"), stat(sm, "p50", at + "/simulated"),
                           n > 0 && m > 0 ? format_number(dval, 3) : "-", n > 0 && m > 0 ? p_text(p) : "-"});
    if (!(n > 0 && m > 0)) {
      s.paragraph(duration_label(name) + ": no chart, " +
                  (n > 0 ? std::string("the simulated runs had none") : std::string("the observed run had none")) +
                  " (observed " + format_number(n) + ", simulated " + format_number(m) + ").");
      continue;
    }
    const json& ecdf = need(d, "ecdf", path, at);
    const std::string obs_series = "observed (n = " + format_number(n) + ")";
    const std::string sim_series = "simulated, pooled (n = " + format_number(m) + ")";
    json lines = json::array();
    ecdf_rows(need(ecdf, "observed", path, at + "/ecdf"), obs_series, lines, path, at + "/ecdf/observed");
    ecdf_rows(need(ecdf, "simulated", path, at + "/ecdf"), sim_series, lines, path, at + "/ecdf/simulated");
    const double x_at = need_number(ks, "at", path, at + "/ks");
    const double f_obs = need_number(ks, "observed_cdf_at", path, at + "/ks");
    const double f_sim = need_number(ks, "simulated_cdf_at", path, at + "/ks");
    const std::string ks_text = "D = " + format_number(dval, 3) + ", " + p_text(p);
    const json color = {{"field", "series"},
                        {"type", "nominal"},
                        {"title", nullptr},
                        {"scale", {{"domain", json::array({obs_series, sim_series})},
                                   {"range", json::array({"#d62828", "#2f6f9f"})}}}};
    // The x range of both curves; a sample of one repeated value (OPEN durations of exactly the
    // cool-down plus loop turns) would give an empty domain, so it is widened by 5 % each side.
    double lo_x = lines[0]["x"].get<double>(), hi_x = lo_x;
    for (const auto& r : lines) {
      lo_x = std::min(lo_x, r["x"].get<double>());
      hi_x = std::max(hi_x, r["x"].get<double>());
    }
    json x_scale = {{"zero", false}};
    if (hi_x - lo_x <= 1e-9 * std::max(1.0, std::fabs(hi_x))) {
      const double pad = lo_x != 0 ? 0.05 * std::fabs(lo_x) : 0.05;
      x_scale["domain"] = json::array({lo_x - pad, hi_x + pad});
    }
    json layers = json::array(
        {{{"data", {{"values", lines}}},
          {"mark", {{"type", "line"}, {"interpolate", "step-after"}, {"strokeWidth", 2}}},
          {"encoding",
           {{"x", {{"field", "x"}, {"type", "quantitative"}, {"title", "seconds"}, {"scale", x_scale}}},
            {"y", {{"field", "F"}, {"type", "quantitative"}, {"title", kShare},
                   {"scale", {{"domain", json::array({0, 1})}}}, {"axis", {{"format", "%"}}}}},
            {"color", color}}}}});
    std::string d_text = "The two curves are identical (D = 0).";
    if (dval > 0) {
      const json mark_d = json::array({{{"x", x_at},
                                        {"lo", std::min(f_obs, f_sim)},
                                        {"hi", std::max(f_obs, f_sim)},
                                        {"mid", (f_obs + f_sim) / 2},
                                        {"label", "D = " + format_number(dval, 3)}}});
      layers.push_back({{"data", {{"values", mark_d}}},
                        {"mark", {{"type", "rule"}, {"color", "#1f2933"}, {"strokeWidth", 2.5}}},
                        {"encoding",
                         {{"x", {{"field", "x"}, {"type", "quantitative"}, {"title", "seconds"}}},
                          {"y", {{"field", "lo"}, {"type", "quantitative"}, {"title", kShare}}},
                          {"y2", {{"field", "hi"}}}}}});
      layers.push_back({{"data", {{"values", mark_d}}},
                        {"mark", {{"type", "text"}, {"align", "left"}, {"dx", 6}, {"fontSize", 11}, {"color", "#1f2933"}}},
                        {"encoding",
                         {{"x", {{"field", "x"}, {"type", "quantitative"}, {"title", "seconds"}}},
                          {"y", {{"field", "mid"}, {"type", "quantitative"}, {"title", kShare}}},
                          {"text", {{"field", "label"}}}}}});
      d_text = "The black bar marks the largest vertical distance between the two curves, the KS statistic D (at " +
               format_number(x_at, 4) + " s).";
    }
    s.chart({duration_label(name) + ": observed against simulated (KS " + ks_text + ")",
             "Empirical CDFs: the share of the sample at or below each duration. " + d_text +
                 " Curves that lie on each other: the simulator reproduces this distribution; a horizontal gap: the "
                 "observed durations are systematically longer or shorter.",
             {{"width", 560}, {"height", 240}, {"layer", layers}}});
  }
  s.table(std::move(dtable));
  page.sections.push_back(std::move(s));
}

}  // namespace chaoslab::report
