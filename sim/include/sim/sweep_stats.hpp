// Per-point statistics of a sweep, streamed from runs.jsonl (points are contiguous there, so only
// one point's values are held at a time): mean and 95% confidence interval of every numeric
// field of the run summary, plus quantiles of the time-like ones. summary.csv is written from it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace chaoslab::sim {

struct MetricStats {
  std::size_t n = 0;            // runs that had a value (recovery is null without chaos)
  double mean = 0;
  double ci_lo = 0, ci_hi = 0;  // 95% Student-t interval of the mean; equal to mean when n < 2
  double stddev = 0;
  double min = 0, max = 0;
  // Quantiles (type 7) for metrics where the tail matters (metric_has_quantiles).
  bool has_quantiles = false;
  double p05 = 0, p25 = 0, p50 = 0, p75 = 0, p95 = 0;
};

struct PointStats {
  std::size_t point = 0;
  nlohmann::json params;  // axis name -> value
  std::size_t runs = 0;
  std::map<std::string, MetricStats> metrics;
};

struct SweepStats {
  std::vector<std::string> axes;     // axis names in sweep order
  std::vector<std::string> metrics;  // every metric seen, sorted
  std::vector<PointStats> points;    // in point order
  std::size_t runs = 0;
};

// The metrics of one run summary: every numeric leaf as a dotted name ("calls.ok",
// "recovery.time_to_closed_s"; "seed" excluded) plus derived ones: success_rate = calls.ok /
// calls.total.
std::vector<std::pair<std::string, double>> run_metrics(const nlohmann::json& summary);

// Time-like metrics (names ending in _s or _ms, and everything under latency_ms.) get quantiles.
bool metric_has_quantiles(const std::string& name);

// The 0.975 quantile of Student's t with df degrees of freedom (df >= 1).
double t_quantile_975(std::size_t df);

// Reads a sweep directory (sweep.json for the axis names, runs.jsonl for the runs).
SweepStats summarize_sweep(const std::filesystem::path& dir);

// summary.csv: point, the axes, runs, then per metric <m>.mean, <m>.ci95_lo, <m>.ci95_hi,
// [<m>.p50, <m>.p95 for time-like metrics], [<m>.n when some run lacks the metric].
void write_summary_csv(const SweepStats& stats, std::ostream& out);

// Numbers as summary.csv prints them (9 significant digits, no locale).
std::string csv_number(double v);

}  // namespace chaoslab::sim
