// The sweep engine: runs every (point, seed) of a sweep on worker threads and appends one JSON line
// per run to DIR/runs.jsonl in run-index order, so the files are byte-identical whatever the
// number of jobs or shards. Results are written in order, in one write per half window of runs
// (crash safe: a killed sweep leaves a prefix of complete lines, which --resume continues), and
// at most `window` results wait in memory, so memory does not grow with the number of runs.
// summary.csv is aggregated from the runs as they are written, not read back from the file.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/sweep_spec.hpp"
#include "sim/sweep_stats.hpp"

namespace chaoslab::sim {

// Runs the seeds of one point. Each worker prepares its own, so run() needs no locking.
class PointRun {
 public:
  virtual ~PointRun() = default;
  // The summary of one run as a compact JSON object (the `chaoslab run --json` object, no newline).
  virtual std::string run(std::uint64_t seed) = 0;
  // The same run for the sweep runner: appends that object to `line` and sets `metrics` to
  // run_metrics() of it. This default scans the text; a model that has the run's numbers as
  // numbers overrides it and reads nothing back.
  virtual void run_into(std::uint64_t seed, std::string& line, RunMetrics& metrics) {
    const std::string summary = run(seed);
    scan_run_metrics(summary, metrics);
    line += summary;
  }
};

// What a sweep runs. prepare() is called concurrently from several workers.
class SweepModel {
 public:
  virtual ~SweepModel() = default;
  // `overrides` are point_overrides() of one point, applied to the sweep's base scenario.
  virtual std::unique_ptr<PointRun> prepare(const std::vector<Override>& overrides) const = 0;
};

// A --jobs value as the sweep uses it: 0 or less means every core (at least one).
int sweep_jobs(int jobs);

struct SweepOptions {
  std::filesystem::path out_dir;
  int jobs = 0;              // worker threads; 0 = every core
  int shard_index = 0;       // this process runs shard shard_index of shard_count
  int shard_count = 1;
  bool resume = false;       // continue the sweep already in out_dir
  bool progress = false;     // progress bar on stderr (the command enables it on a terminal)
  std::size_t window = 0;    // results that may wait for an earlier run; 0 = 256 per job
  // When set and it turns true (the command's SIGINT handler), the sweep stops after the runs in
  // order so far are written and throws SweepInterrupted; --resume continues from there.
  const std::atomic<bool>* stop = nullptr;
};

struct SweepResult {
  std::size_t first_run = 0;  // this shard's runs are [first_run, end_run)
  std::size_t end_run = 0;
  std::size_t resumed = 0;    // runs already in runs.jsonl
  std::size_t ran = 0;        // runs executed by this call
  int jobs = 1;
  double wall_seconds = 0;    // for the final message only, never written to the files
};

// An output that could not be written (exit status 3). Runs already written stay valid.
class SweepIoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A sweep stopped through SweepOptions::stop (Ctrl-C). Runs already written stay valid.
class SweepInterrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs of shard `index` of `count`: a contiguous range, sizes differing by at most one.
struct RunRange {
  std::size_t first = 0, end = 0;
};
RunRange shard_range(std::size_t runs, int index, int count);

// The run: writes out_dir/sweep.json (canonical description, plus the shard when sharded),
// out_dir/runs.jsonl and, at the end, out_dir/summary.csv.
// Throws ConfigError for a directory that holds another sweep, SweepIoError when writing fails,
// and rethrows the first exception a run raised (runs already written stay; --resume continues).
SweepResult run_sweep(const SweepSpec& spec, const SweepModel& model, const SweepOptions& opts);

// One runs.jsonl line: {"run":R,"point":P,"seed":S,"params":{...},"summary":{...}}\n
// append_run_line() appends it to `out` (the runner reuses one buffer per slot).
void append_run_line(std::string& out, std::size_t run, std::size_t point, std::uint64_t seed,
                     std::string_view params_json, std::string_view summary_json);
// The line up to its summary (`...,"summary":`): the runner appends the summary and "}\n".
void append_run_line_head(std::string& out, std::size_t run, std::size_t point, std::uint64_t seed,
                          std::string_view params_json);
std::string run_line(std::size_t run, std::size_t point, std::uint64_t seed, const std::string& params_json,
                     const std::string& summary_json);

// Checks a runs.jsonl holds complete lines for runs first, first+1, ... in order. Returns how many
// and the byte length of those lines; stops at a torn last line (a crash mid-write). Throws
// ConfigError when a complete line has an unexpected run index.
struct RunsScan {
  std::size_t lines = 0;
  std::uintmax_t bytes = 0;
};
RunsScan scan_runs(const std::filesystem::path& runs_jsonl, std::size_t first_run);

// Writes `text` to `path` via a temporary file and a rename, creating missing parent folders.
// Throws SweepIoError.
void write_file_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace chaoslab::sim
