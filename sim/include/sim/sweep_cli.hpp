// Command-line pieces shared by sweep, merge and tune: --shard parsing, and running a sweep with
// the final message and the exit status for output errors.
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

// Runs the sweep and prints one line about it on stdout. Returns kExitOk, or kExitIoError after
// printing the error when an output could not be written (finished runs stay; --resume goes on).
int run_sweep_reporting(const sim::SweepSpec& spec, const sim::SweepModel& model, const sim::SweepOptions& opts,
                        sim::SweepResult* result = nullptr);

}  // namespace chaoslab::sim
