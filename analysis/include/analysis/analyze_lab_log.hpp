// The lab's Python client log (analysis/lab_log.hpp parses its lines) rebuilt into chaoslab trace
// events: calls, attempts, retry waits and transitions, with what the log leaves out inferred from
// the client's code (../shared/lab3-reference/README.md):
// - a timeout or connection error logs no "HTTP Request" line: when a call's sequence ends in a
//   failure and its last attempt has no response line, that attempt is inferred; it counts as a
//   timeout when it lasted at least kLabTimeoutFloor (the client's 2 s timeout, less clock slack),
//   else as refused;
// - the `Breaker=` state is read before the call: a half-open trial prints OPEN, the call that
//   trips the breaker prints CLOSED with 'circuit breaker open'. Calls are classified from the
//   transitions logged during them, never from that field;
// - "Breaker state changed → X" lines are the worker loop's reads, not transitions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analyze_journal.hpp"
#include "analysis/lab_log.hpp"
#include "policies/trace.hpp"

namespace chaoslab::analysis {

inline constexpr Duration kLabTimeout = std::chrono::seconds(2);
inline constexpr Duration kLabTimeoutFloor = std::chrono::milliseconds(1900);
inline constexpr Duration kLabLoopSleep = std::chrono::milliseconds(300);

struct LabLogFacts {
  std::int64_t first_ms = 0, last_ms = 0;  // stamps of the first and last timestamped lines (UTC)
  std::uint64_t lines = 0;                 // non-blank lines
  std::uint64_t uvicorn_lines = 0, other_lines = 0;
  std::uint64_t transition_lines = 0, state_seen_lines = 0, fast_fail_lines = 0, result_lines = 0,
                http_lines = 0, retry_lines = 0;
  std::array<std::uint64_t, 3> result_state{};  // the `Breaker=X` of result lines, by BreakerState
  std::array<std::uint64_t, 3> seen_state{};    // "Breaker state changed → X" lines, by BreakerState
  // Artefacts of the stale `Breaker=` field.
  std::uint64_t trial_calls = 0;                  // half-open trials (each printed Breaker=OPEN)
  std::uint64_t open_printed_result_ok = 0;       // Breaker=OPEN result={'ok': ...}
  std::uint64_t closed_printed_breaker_open = 0;  // Breaker=CLOSED 'circuit breaker open' (tripping call)
  std::uint64_t half_open_at_call_entry = 0;      // OPEN -> HALF-OPEN logged as a call began
  // Inference.
  std::uint64_t inferred_attempts = 0, inferred_timeouts = 0, inferred_refused = 0;
  // Inferred attempts stamped before they could have begun (the pod's wall clock stepped back).
  std::uint64_t inferred_before_start = 0;
  std::uint64_t unexpected_sequences = 0;  // line orders the lab client cannot produce (should be 0)
  std::uint64_t stamps_out_of_order = 0;   // stamps earlier than the line before (kept at that time)
  bool leading_partial_call = false;       // the log starts inside a call (its start is unknown)
  bool trailing_partial_call = false;      // lines after the last result: counted, call not
  // Latencies (ms) of ok calls whose start is known: the summary's percentiles use these when the
  // first call's start is unknown.
  std::vector<double> ok_latencies_ms;
  // The chaos window from --journal, placed on the log's clock.
  std::optional<ChaosWindow> chaos;
  bool chaos_in_log = false;
  std::optional<double> ready_again_s;  // inferred: first response after the outage began (s since start)
};

// Replays the records into `sink` in time order (t = 0 at the first stamped line). With a chaos
// window inside the log, also a chaos action end at its time and inferred pod readiness: ready
// from the start, not ready from the action's end to the first HTTP response that follows the
// first attempt without response after it. ConfigError "FILE:LINE: ..." for an error result the
// client cannot have produced ({'error': ...} text that is no timeout, 5xx, connection error or
// breaker error), and for a log without a stamped line.
LabLogFacts replay_lab_log(const std::vector<LabRecord>& records, const std::string& file, TraceSink& sink,
                           const std::optional<ChaosWindow>& chaos = std::nullopt);

}  // namespace chaoslab::analysis
