// Per-point statistics of a sweep, streamed from runs.jsonl (points are contiguous there, so only
// one point's values are held at a time): mean and 95% confidence interval of every numeric
// field of the run summary, plus quantiles of the time-like ones. summary.csv is written from it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/run_summary.hpp"

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

// run_metrics() read straight from a summary's JSON text, without a DOM: the same names and the
// same values to the bit (integers through their integer value, decimals correctly rounded as
// nlohmann's parser rounds them). `names` holds each name followed by '\n'. Reuse one object: once
// warm, a scan allocates nothing. Falls back to the DOM for text it does not handle (escaped keys).
struct RunMetrics {
  std::string names;
  std::vector<double> values;
  std::uint32_t layout = 0;  // summary_metrics(): the layout `names` belongs to (0: none)
};
void scan_run_metrics(std::string_view summary_json, RunMetrics& out);

// scan_run_metrics(summary.to_json()) from the numbers themselves, without the text: every
// decimal as its printed text reads back (summary_decimal), the same names in the same order.
// Names are rebuilt only when the summary's layout (which optional fields are null) changes.
void summary_metrics(const RunSummary& summary, RunMetrics& out);

// Builds SweepStats from runs given in run order (points contiguous, as runs.jsonl holds them):
// the one aggregation behind summarize_sweep() and the sweep runner's summary of the runs it
// has just run, so both give the same summary.csv.
class SweepStatsBuilder {
 public:
  explicit SweepStatsBuilder(std::vector<std::string> axes);
  // True when a run of `point` starts a new point: call begin_point() before add_run().
  bool new_point(std::size_t point) const { return !have_point_ || point != current_.point; }
  void begin_point(std::size_t point, nlohmann::json params);
  void add_run(const RunMetrics& m);
  SweepStats finish();

  // A finished point's values, not yet described: the sweep runner has its workers describe
  // points (sorts for the quantiles), so the thread that writes the files only collects values.
  struct Pending {
    PointStats stats;  // point, params, runs; metrics filled by describe()
    std::vector<std::pair<std::string, std::vector<double>>> columns;  // name -> values in run order
  };
  // From now on a finished point waits in pending() instead of being described here.
  void defer_points() { defer_ = true; }
  std::vector<Pending>& pending() { return pending_; }
  // The statistics of a pending point (any thread): the same as an undeferred builder's.
  static PointStats describe(Pending&& p);
  // A described point back (any order); finish() puts the points in point order.
  void add_described(PointStats p);

 private:
  struct Shape {  // a set of metric names seen before, and where each one's values go
    std::string names;
    std::uint32_t layout = 0;  // RunMetrics::layout of those names, when they came with one
    std::vector<std::vector<double>*> columns;
  };
  void finish_point();
  const Shape& shape_of(const RunMetrics& m);

  SweepStats stats_;
  PointStats current_;
  bool have_point_ = false;
  // Kept across points (emptied, not erased) so the shapes' column pointers stay valid.
  std::map<std::string, std::vector<double>> values_;
  std::vector<Shape> shapes_;
  bool defer_ = false;
  std::vector<Pending> pending_;
};

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
