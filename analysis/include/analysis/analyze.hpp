// `chaoslab analyze`: one recorded run (a chaoslab trace from the simulator or the live client,
// or the lab's Python client log) measured with the same sinks as a simulated run, so both can be
// diffed field by field. The comparable metrics (per-minute rates, ratios, durations) are defined
// here once for `compare` and the report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/analyze_detail.hpp"
#include "analysis/analyze_journal.hpp"
#include "analysis/analyze_lab_log.hpp"
#include "policies/run_summary.hpp"

namespace chaoslab::analysis {

struct Analysis {
  std::string file;
  std::string format;    // "trace" | "lab log" | "simulation" (a run made in-process)
  std::string recorder;  // trace meta "source" ("sim", "live"), "lab" for a lab log
  std::string scenario;
  RunSummary summary;    // policies/run_summary.hpp: the fields of `chaoslab run --json`
  RunDetail detail;
  double duration_s = 0;  // the recording's length: last stamp minus first (lab log), last event (trace)
  std::optional<LabLogFacts> lab;
  std::optional<ChaosWindow> chaos;  // from --journal
  std::vector<std::string> notes;    // what a reader must know to trust the figures
};

// Reads PATH (a trace if its first non-blank line is a JSON object, a lab log if it looks like
// one; a directory is read as a live/sim output folder holding trace.jsonl). `journal`, for lab
// logs, places the chaos window (its terminate action's end) on the log's clock. ConfigError
// (exit 2) for unreadable or malformed input, naming the file and line.
Analysis analyze_file(const std::string& path, const std::optional<std::string>& journal = std::nullopt);

// The analysis of a run made in-process (compare's simulations): its summary, and its detail from
// a RunDetailSink that saw the same events.
Analysis analysis_of_run(const RunSummary& summary, const RunDetail& detail);

// The analyze --json document: the run summary's fields under their names (calls, attempts,
// retries, transitions, latency_ms, recovery, ...) followed by this command's own (source,
// duration_s, attempts_by_status, retry_waits, time_in_state_s, open_durations_s, episodes_s,
// rates_per_minute, chaos_window, lab_log).
nlohmann::ordered_json analysis_to_json(const Analysis& a);
std::string analysis_to_text(const Analysis& a);

// One number compare places in the simulated distribution. Rates are per minute of the
// recording, so runs of different lengths compare; `main` marks the metrics that gate.
struct Metric {
  std::string name;
  std::optional<double> value;  // nullopt: not defined for this run (no chaos, no success, ...)
  bool main = false;
};
std::vector<Metric> comparable_metrics(const Analysis& a);

// Samples compare tests with Kolmogorov-Smirnov: name and values in seconds.
struct DurationSample {
  std::string name;
  std::vector<double> values;
};
std::vector<DurationSample> duration_samples(const Analysis& a);

// Sample statistics (percentiles as numpy's default, linear between closest ranks).
struct SampleStats {
  std::size_t count = 0;
  double mean = 0, min = 0, p50 = 0, p95 = 0, max = 0;
};
SampleStats sample_stats(std::vector<double> v);
// p in [0, 1]; v must be sorted and non-empty.
double percentile_sorted(const std::vector<double>& v, double p);

}  // namespace chaoslab::analysis
