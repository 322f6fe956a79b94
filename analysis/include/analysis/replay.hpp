// What another breaker setting would have done with recorded calls (`chaoslab replay`): the calls
// read from JSON lines {"t", "outcome", "duration"?} or the lab client's log, sent through a
// CircuitBreaker in time order, and written back as one JSON line per call.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/breaker.hpp"
#include "policies/config.hpp"
#include "policies/time.hpp"

namespace chaoslab::analysis {

// One recorded call: admitted (or not) at `start`, its result applied at `end`.
struct ReplayCall {
  nlohmann::json t;  // printed back as given
  Instant start;
  Instant end;
  Verdict verdict = Verdict::success;
};

enum class ReplayFormat { detect, jsonl, lab };

// Lab calls the lab's breaker rejected have no outcome: skip them or assume one.
enum class LabRejected { skip, failure, success };

// The calls in `lines` (the input's lines, `file` names it in messages). `detect` reads JSON lines
// when the first non-blank line starts with '{', else the lab's log. ConfigError naming the file,
// the line and the key for anything else.
std::vector<ReplayCall> read_replay_calls(const std::vector<std::string>& lines, const std::string& file,
                                          ReplayFormat format, LabRejected rejected);

struct ReplayOutcome {
  bool admitted = false;
  Raised raised = Raised::breaker_error;
  BreakerState state = BreakerState::closed;
};

// The calls through a fresh breaker of `config` whose open-duration jitter draws from `seed`'s
// breaker stream. Admissions and results in time order (ties: input order, admission before
// result), so that overlapping calls see each other as they would have live.
std::vector<ReplayOutcome> replay(const std::vector<ReplayCall>& calls, const BreakerConfig& config,
                                  std::uint64_t seed);

// {"t", "admitted", "raised", "state"} per call, one line each.
void write_replay(std::ostream& out, const std::vector<ReplayCall>& calls, const std::vector<ReplayOutcome>& outcomes);

}  // namespace chaoslab::analysis
