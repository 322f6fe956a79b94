// One simulated run of a scenario: the public entry point of the simulator. The sweep, tune and
// report commands call run_scenario() thousands of times per second; without a trace or journal
// it allocates little (a thread-local workspace keeps the event queue and model buffers).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>

#include "chaos/runner.hpp"
#include "policies/rng.hpp"
#include "policies/run_summary.hpp"
#include "policies/trace.hpp"
#include "sim/cluster.hpp"
#include "sim/scenario.hpp"

namespace chaoslab::sim {

struct RunOptions {
  std::ostream* trace = nullptr;    // JSON-lines trace (docs/trace.md)
  std::ostream* journal = nullptr;  // Chaos Toolkit journal, when the scenario has chaos
  TraceSink* sink = nullptr;        // an extra sink for every event (tests, live analysis)
  bool digest = false;              // compute RunResult::digest (a fingerprint of every event)
};

struct RunResult {
  RunSummary summary;
  BackendStats backend;
  std::optional<chaos::RunStatus> chaos_status;  // nullopt without chaos
  bool chaos_deviated = false;
  std::uint64_t digest = 0;  // FNV-1a over every event's time and fields (RunOptions::digest)
};

// The seed of run `index` of a sweep whose base seed is `base` (SplitMix64-derived).
constexpr std::uint64_t run_seed(std::uint64_t base, std::uint64_t index) { return derive_seed(base, index); }

// Runs `scenario` once with run seed `seed` for scenario.duration of virtual time. Components draw
// from their own streams: stream_seed(seed, Stream::backend | network | kubernetes | chaos) and
// stream_seed(seed, Stream::client_base, i) for the i-th client. Thread-safe across threads (each
// thread has its own workspace). Same scenario and seed: byte-identical trace, journal, summary.
RunResult run_scenario(const Scenario& scenario, std::uint64_t seed, const RunOptions& options = {});

}  // namespace chaoslab::sim
