// Reads a chaoslab JSON-lines trace (docs/trace.md; written by the simulator and the live client)
// back into TraceSink events, so a recorded run is summarised by the same sinks that summarise a
// simulated one.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "policies/trace.hpp"

namespace chaoslab::analysis {

struct TraceInfo {
  std::string source;    // the meta line's "source": "sim" | "live" ("" without a meta line)
  std::string scenario;  // the meta line's "scenario"
  std::optional<std::uint64_t> seed;
  Instant end{};         // time of the last event
  std::uint64_t lines = 0;
  std::uint64_t chaos_events = 0;
  std::uint64_t pod_events = 0;
};

// Replays every event of the trace into `sink`, in file order. Each line must be one JSON object
// with a known "event", the fields that event needs with the right types, no unknown fields, and a
// "t" not before the previous line's. Otherwise ConfigError "FILE:LINE: what is wrong".
TraceInfo replay_trace(std::istream& in, const std::string& file, TraceSink& sink);

}  // namespace chaoslab::analysis
