// Command-line pieces shared by sweep, merge and tune: --shard parsing, the output directory's
// lock, and running a sweep with Ctrl-C, the final message and the exit status for output errors.
#pragma once

#include <string>

#include "sim/sweep_runner.hpp"

namespace chaoslab::sim {

struct Shard {
  int index = 0;
  int count = 1;
};

// "I/N" with 0 <= I < N. ConfigError("--shard: ...") otherwise.
Shard parse_shard(const std::string& text);

// Holds DIR/.chaoslab.lock (flock) while a command writes DIR, created if missing: a second
// sweep, tune or --resume of the same directory gets ConfigError naming the pid that holds it. The
// lock goes with the process, however it ends; the file stays (removing it would race).
class OutputDirLock {
 public:
  explicit OutputDirLock(const std::string& dir);
  ~OutputDirLock();
  OutputDirLock(const OutputDirLock&) = delete;
  OutputDirLock& operator=(const OutputDirLock&) = delete;

 private:
  int fd_ = -1;
};

// Runs the sweep and prints one line about it on stdout. Returns kExitOk, or kExitIoError after
// printing the error when an output could not be written (finished runs stay; --resume goes on).
// Ctrl-C (SIGINT) stops it after the runs written in order: sim::SweepInterrupted reaches main(),
// which prints the --resume command. A second Ctrl-C kills at once.
int run_sweep_reporting(const sim::SweepSpec& spec, const sim::SweepModel& model, const sim::SweepOptions& opts,
                        sim::SweepResult* result = nullptr);

}  // namespace chaoslab::sim
