// `chaoslab compare`: is an observed run (a lab log, a live or simulated trace) one the simulator
// could have produced? N seeded simulations of the scenario give every metric a distribution; the
// observed value gets its percentile in it and passes when it lies inside the band (by default the
// 1st to 99th percentile). Duration samples (OPEN durations, retry waits, breaker episodes) are
// compared whole with a two-sample Kolmogorov-Smirnov test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/analyze.hpp"
#include "analysis/ks_test.hpp"

namespace chaoslab::analysis {

struct CompareOptions {
  std::string scenario;                 // scenario file
  std::vector<std::pair<std::string, std::string>> overrides;  // --set, applied in order
  std::string observed;                 // lab log, trace or live output folder
  std::optional<std::string> journal;   // lab logs: the chaos window
  std::size_t runs = 200;
  std::uint64_t seed = 1;               // base seed; run i uses sim::run_seed(seed, i)
  double band = 1.0;                    // lower tail percent: the band is [band, 100 - band]
  // Simulate as long as the observation lasted (/duration_s), so per-minute rates have the
  // spread of runs of that length. Off: the scenario's own duration.
  bool match_duration = true;
};

struct MetricComparison {
  std::string name;
  bool main = false;                  // gates the verdict
  std::optional<double> observed;     // nullopt: never happened ("never" ranks above every value)
  std::size_t simulated_defined = 0;  // runs in which the metric was defined
  // Band edges and median of the simulated values (nullopt when "never" in that many runs).
  std::optional<double> low, median, high;
  std::optional<double> percentile;   // mid-rank of the observed value among the runs, 0..100
  enum class Verdict { pass, fail, not_applicable };
  Verdict verdict = Verdict::not_applicable;
};

// An empirical CDF as points (x, F(x)) to draw with step-after interpolation: the first point is
// (min, 0), then F at every distinct value, or at `max_points` evenly spaced ranks of a larger
// sample (F is exact at each point; between them the drawn step lags by at most 1/max_points).
using EcdfPoints = std::vector<std::pair<double, double>>;
EcdfPoints ecdf_points(std::vector<double> values, std::size_t max_points = 300);

struct DurationComparison {
  std::string name;
  KsResult ks;
  SampleStats observed, simulated;
  EcdfPoints observed_ecdf, simulated_ecdf;    // for the report's chart
};

struct Comparison {
  std::string scenario, observed_file, observed_format;
  std::size_t runs = 0;
  std::uint64_t seed = 0;
  double band_low = 1, band_high = 99;  // percent
  double observed_duration_s = 0, simulated_duration_s = 0;
  std::vector<std::pair<std::string, std::string>> overrides;  // as applied, duration included
  std::vector<MetricComparison> metrics;
  std::vector<DurationComparison> durations;
  Analysis observed;
  bool pass = true;  // every main metric inside the band
};

// Runs the comparison. ConfigError for bad options or input (exit 2).
Comparison compare_observed(const CompareOptions& options);

// Places `observed` among `simulated` (nullopt = never, ranked above every value); band in percent.
MetricComparison place_metric(const std::string& name, bool main, std::optional<double> observed,
                              const std::vector<std::optional<double>>& simulated, double band_low,
                              double band_high);

// The comparison as one JSON object (for --json and the report's compare section):
// {format: "chaoslab-compare/1", scenario, observed:{file, format, duration_s}, runs, seed, band:{low_pct, high_pct},
//  simulated_duration_s, overrides, pass, metrics:[{name, main, observed, simulated:{runs_defined,
//  low, median, high}, percentile, verdict}], durations:[{name, observed:{...}, simulated:{...},
//  ks:{d, p_value, n, m, at, observed_cdf_at, simulated_cdf_at}, ecdf:{observed:[[x, F]...],
//  simulated:[[x, F]...]}}], observed_notes}. Rates are per minute. `chaoslab report` reads this
//  object back (compare --json or --out) and draws the compare section from it.
nlohmann::ordered_json comparison_to_json(const Comparison& c);
std::string comparison_to_text(const Comparison& c);

}  // namespace chaoslab::analysis
