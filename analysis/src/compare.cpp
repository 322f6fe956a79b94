#include "analysis/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "policies/error.hpp"
#include "sim/format_number.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"

namespace chaoslab::analysis {

using ojson = nlohmann::ordered_json;

namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

// numpy's linear percentile over values that may end in +inf ("never").
double percentile_with_never(const std::vector<double>& sorted, double p) {
  const double h = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const double frac = h - static_cast<double>(lo);
  if (lo + 1 >= sorted.size() || frac == 0) return sorted[lo];
  if (std::isinf(sorted[lo + 1])) return kNever;
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

std::optional<double> finite(double v) {
  if (std::isinf(v)) return std::nullopt;
  return v;
}

// F(x) of a sorted sample: the share of values <= x.
double cdf_at(const std::vector<double>& sorted, double x) {
  if (sorted.empty()) return 0;
  return static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), x) - sorted.begin()) /
         static_cast<double>(sorted.size());
}

}  // namespace

EcdfPoints ecdf_points(std::vector<double> v, std::size_t max_points) {
  EcdfPoints out;
  if (v.empty()) return out;
  std::sort(v.begin(), v.end());
  max_points = std::max<std::size_t>(max_points, 2);
  const std::size_t n = v.size();
  out.emplace_back(v.front(), 0.0);
  auto add = [&](std::size_t idx) {
    const double x = v[idx];
    if (out.size() > 1 && out.back().first == x) return;
    out.emplace_back(x, cdf_at(v, x));
  };
  if (n <= max_points) {
    for (std::size_t i = 0; i < n; ++i) add(i);
  } else {
    for (std::size_t i = 0; i < max_points; ++i)
      add(static_cast<std::size_t>(std::llround(static_cast<double>(i) * static_cast<double>(n - 1) /
                                                static_cast<double>(max_points - 1))));
  }
  return out;
}

MetricComparison place_metric(const std::string& name, bool main, std::optional<double> observed,
                              const std::vector<std::optional<double>>& simulated, double band_low,
                              double band_high) {
  MetricComparison m;
  m.name = name;
  m.main = main;
  m.observed = observed;
  std::vector<double> v;
  v.reserve(simulated.size());
  for (const auto& s : simulated) {
    v.push_back(s.value_or(kNever));
    if (s) ++m.simulated_defined;
  }
  if (v.empty() || (!observed && m.simulated_defined == 0)) return m;  // nothing to place
  std::sort(v.begin(), v.end());
  const double x = observed.value_or(kNever);
  const auto below = static_cast<double>(std::lower_bound(v.begin(), v.end(), x) - v.begin());
  const auto equal = static_cast<double>(std::upper_bound(v.begin(), v.end(), x) - v.begin()) - below;
  m.percentile = 100.0 * (below + 0.5 * equal) / static_cast<double>(v.size());
  const double lo = percentile_with_never(v, band_low / 100.0);
  const double hi = percentile_with_never(v, band_high / 100.0);
  m.low = finite(lo);
  m.median = finite(percentile_with_never(v, 0.5));
  m.high = finite(hi);
  m.verdict = (x >= lo && x <= hi) ? MetricComparison::Verdict::pass : MetricComparison::Verdict::fail;
  return m;
}

Comparison compare_observed(const CompareOptions& o) {
  if (o.runs < 2) throw ConfigError("--runs: need at least 2 simulated runs");
  if (!(o.band > 0 && o.band < 50))
    throw ConfigError("--band: " + sim::format_number(o.band) + " is not a lower-tail percent in (0, 50)");
  Comparison c;
  c.scenario = o.scenario;
  c.runs = o.runs;
  c.seed = o.seed;
  c.band_low = o.band;
  c.band_high = 100.0 - o.band;
  c.observed = analyze_file(o.observed, o.journal);
  c.observed_file = c.observed.file;
  c.observed_format = c.observed.format;
  c.observed_duration_s = c.observed.duration_s;
  c.overrides = o.overrides;
  if (o.match_duration) {
    if (!(c.observed.duration_s > 0))
      throw ConfigError(c.observed.file + ": the recording has no length; use --keep-duration");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", c.observed.duration_s);
    c.overrides.emplace_back("/duration_s", buf);
  }
  const sim::Scenario scenario = sim::load_scenario_file(o.scenario, c.overrides);
  c.simulated_duration_s = to_seconds(scenario.duration);

  // Simulate; keep only the per-run metrics and the pooled duration samples.
  const std::vector<Metric> observed_metrics = comparable_metrics(c.observed);
  const std::vector<DurationSample> observed_samples = duration_samples(c.observed);
  std::vector<std::vector<std::optional<double>>> sim_values(observed_metrics.size());
  std::vector<std::vector<double>> pooled(observed_samples.size());
  RunDetailSink detail;
  for (std::size_t i = 0; i < o.runs; ++i) {
    detail.reset();
    sim::RunOptions ro;
    ro.sink = &detail;
    const sim::RunResult r = sim::run_scenario(scenario, sim::run_seed(o.seed, i), ro);
    const Analysis a = analysis_of_run(r.summary, detail.finish(Instant{scenario.duration}));
    const std::vector<Metric> m = comparable_metrics(a);
    for (std::size_t k = 0; k < observed_metrics.size(); ++k) {
      // Metrics are matched by name: a simulated run without chaos has no recovery ones.
      std::optional<double> v;
      for (const auto& mm : m)
        if (mm.name == observed_metrics[k].name) v = mm.value;
      sim_values[k].push_back(v);
    }
    const std::vector<DurationSample> s = duration_samples(a);
    for (std::size_t k = 0; k < s.size() && k < pooled.size(); ++k)
      pooled[k].insert(pooled[k].end(), s[k].values.begin(), s[k].values.end());
  }
  for (std::size_t k = 0; k < observed_metrics.size(); ++k) {
    const Metric& m = observed_metrics[k];
    c.metrics.push_back(place_metric(m.name, m.main, m.value, sim_values[k], c.band_low, c.band_high));
    if (m.main && c.metrics.back().verdict == MetricComparison::Verdict::fail) c.pass = false;
  }
  for (std::size_t k = 0; k < observed_samples.size(); ++k) {
    DurationComparison d;
    d.name = observed_samples[k].name;
    d.ks = ks_two_sample(observed_samples[k].values, pooled[k]);
    d.observed = sample_stats(observed_samples[k].values);
    d.simulated = sample_stats(pooled[k]);
    d.observed_ecdf = ecdf_points(observed_samples[k].values);
    d.simulated_ecdf = ecdf_points(pooled[k]);
    c.durations.push_back(d);
  }
  return c;
}

namespace {

const char* verdict_name(MetricComparison::Verdict v) {
  switch (v) {
    case MetricComparison::Verdict::pass: return "pass";
    case MetricComparison::Verdict::fail: return "fail";
    case MetricComparison::Verdict::not_applicable: return "n/a";
  }
  return "?";
}

ojson opt(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

ojson stats(const SampleStats& s) {
  ojson j;
  j["count"] = s.count;
  if (s.count) {
    j["mean"] = s.mean;
    j["p50"] = s.p50;
    j["p95"] = s.p95;
    j["min"] = s.min;
    j["max"] = s.max;
  }
  return j;
}

std::string num(const std::optional<double>& v, const char* f = "%.3f") {
  if (!v) return "never";
  char buf[48];
  std::snprintf(buf, sizeof buf, f, *v);
  return buf;
}

ojson ecdf_json(const EcdfPoints& pts) {
  ojson a = ojson::array();
  for (const auto& [x, f] : pts)
    a.push_back(ojson::array({std::round(x * 1e6) / 1e6, std::round(f * 1e5) / 1e5}));
  return a;
}

}  // namespace

ojson comparison_to_json(const Comparison& c) {
  ojson j;
  j["format"] = "chaoslab-compare/1";
  j["scenario"] = c.scenario;
  j["observed"] = {{"file", c.observed_file}, {"format", c.observed_format}, {"duration_s", c.observed_duration_s}};
  j["runs"] = c.runs;
  j["seed"] = c.seed;
  j["band"] = {{"low_pct", c.band_low}, {"high_pct", c.band_high}};
  j["simulated_duration_s"] = c.simulated_duration_s;
  j["rates"] = "per minute of each run's length";
  ojson ov = ojson::array();
  for (const auto& [p, v] : c.overrides) ov.push_back(p + "=" + v);
  j["overrides"] = ov;
  j["pass"] = c.pass;
  ojson ms = ojson::array();
  for (const auto& m : c.metrics) {
    ojson e;
    e["name"] = m.name;
    e["main"] = m.main;
    e["observed"] = opt(m.observed);
    e["simulated"] = {{"runs_defined", m.simulated_defined}, {"low", opt(m.low)}, {"median", opt(m.median)},
                      {"high", opt(m.high)}};
    e["percentile"] = opt(m.percentile);
    e["verdict"] = verdict_name(m.verdict);
    ms.push_back(e);
  }
  j["metrics"] = ms;
  ojson ds = ojson::array();
  for (const auto& d : c.durations) {
    ojson e;
    e["name"] = d.name;
    e["observed"] = stats(d.observed);
    e["simulated"] = stats(d.simulated);
    e["ks"] = {{"d", d.ks.d},
               {"p_value", d.ks.p_value},
               {"n", d.ks.n},
               {"m", d.ks.m},
               {"at", d.ks.at},
               {"observed_cdf_at", d.ks.fa_at},
               {"simulated_cdf_at", d.ks.fb_at}};
    e["ecdf"] = {{"observed", ecdf_json(d.observed_ecdf)}, {"simulated", ecdf_json(d.simulated_ecdf)}};
    ds.push_back(e);
  }
  j["durations"] = ds;
  j["observed_notes"] = c.observed.notes;
  return j;
}

std::string comparison_to_text(const Comparison& c) {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s (%s, %.1f min) against %zu runs of %s (seed %llu, %.1f min each); band %g-%g percentile; rates "
                "per minute\n\n",
                c.observed_file.c_str(), c.observed_format.c_str(), c.observed_duration_s / 60.0, c.runs,
                c.scenario.c_str(), static_cast<unsigned long long>(c.seed), c.simulated_duration_s / 60.0,
                c.band_low, c.band_high);
  out += buf;
  std::snprintf(buf, sizeof buf, "%-42s %12s %12s %12s %12s %7s  %s\n", "metric", "observed", "sim low", "sim median",
                "sim high", "pct", "verdict");
  out += buf;
  for (const auto& m : c.metrics) {
    std::string verdict = verdict_name(m.verdict);
    if (!m.main && m.verdict != MetricComparison::Verdict::not_applicable) verdict += " (info)";
    std::snprintf(buf, sizeof buf, "%-42s %12s %12s %12s %12s %7s  %s\n", (m.name + (m.main ? " *" : "")).c_str(),
                  num(m.observed).c_str(), num(m.low).c_str(), num(m.median).c_str(), num(m.high).c_str(),
                  num(m.percentile, "%.1f").c_str(), verdict.c_str());
    out += buf;
  }
  out += "\n";
  std::snprintf(buf, sizeof buf, "%-18s %8s %10s %10s %8s %10s %10s %8s %10s\n", "durations (s)", "obs n", "obs mean",
                "obs p50", "sim n", "sim mean", "sim p50", "KS D", "p-value");
  out += buf;
  for (const auto& d : c.durations) {
    std::snprintf(buf, sizeof buf, "%-18s %8zu %10.4f %10.4f %8zu %10.4f %10.4f %8.4f %10.3g\n", d.name.c_str(),
                  d.observed.count, d.observed.mean, d.observed.p50, d.simulated.count, d.simulated.mean,
                  d.simulated.p50, d.ks.d, d.ks.p_value);
    out += buf;
  }
  for (const auto& n : c.observed.notes) out += "note: " + n + "\n";
  out += c.pass ? "\nPASS: every main metric (*) lies inside the simulated band\n"
                : "\nFAIL: a main metric (*) lies outside the simulated band\n";
  return out;
}

}  // namespace chaoslab::analysis
