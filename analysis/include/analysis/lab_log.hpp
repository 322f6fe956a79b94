// The lab client's Python log (client_service/main.py, logging format
// "%(asctime)s %(levelname)s %(message)s", UTC in the pod) read into typed records, plus the
// mapping from those records to one entry per logical call (used by `replay` and `analyze`).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/outcome.hpp"
#include "policies/trace.hpp"

namespace chaoslab::analysis {

// pybreaker state names as the lab printed them: CLOSED, OPEN, HALF-OPEN.
enum class LabState : std::uint8_t { closed, open, half_open };
std::string_view to_string(LabState s);
BreakerState to_breaker_state(LabState s);

// What `Breaker=X result={...}` said about a call.
enum class LabResult : std::uint8_t {
  ok,                  // {'ok': True, 'ts': ...} (any dict without 'error', or None)
  timed_out,           // {'error': 'timed out'} (httpx ReadTimeout/ConnectTimeout)
  breaker_open,        // {'error': 'circuit breaker open'}: CircuitBreakerError
  server_error,        // {'error': 'server error 500'}: the re-raised TransientError
  connection_refused,  // connection errors ("Connection refused", "All connection attempts failed")
  connection_reset,    // "Server disconnected ...", "Connection reset ..."
  other_error,         // any other {'error': ...}
};
std::string_view to_string(LabResult r);
// chaoslab's name for the result (breaker_open -> breaker_rejected); none for other_error.
std::optional<OutcomeKind> outcome_of(LabResult r);

struct LabRecord {
  enum class Kind : std::uint8_t {
    transition,    // [CB Transition] CLOSED -> OPEN                 (the breaker's listener)
    state_seen,    // Breaker state changed → OPEN                   (worker loop, before a call)
    fast_fail,     // Breaker OPEN: fast-fail without calling backend (CircuitBreakerError caught)
    call_result,   // Breaker=CLOSED result={'error': 'timed out'}   (after every call)
    http_request,  // HTTP Request: GET http://... "HTTP/1.1 500 Internal Server Error" (httpx)
    retry,         // Retrying main.fetch_with_retry in 1.37 seconds as it raised TransientError: ...
    uvicorn,       // INFO:     Started server process [1]           (no timestamp)
    other,         // any other timestamped message
  };
  Kind kind = Kind::other;
  std::size_t line = 0;     // 1-based line number in the file
  bool has_time = false;    // false only for uvicorn lines
  std::int64_t time_ms = 0; // milliseconds since 1970-01-01 00:00:00 of the stamp's clock
  std::string level;        // DEBUG | INFO | WARNING | ERROR | CRITICAL (uvicorn lines too)

  LabState from = LabState::closed;  // transition
  LabState to = LabState::closed;    // transition, state_seen
  LabState state = LabState::closed; // call_result: read before the call, may be stale
  LabResult result = LabResult::ok;  // call_result
  int status = 0;                    // http_request; call_result with server_error
  std::string method, url, reason;   // http_request
  double wait_s = 0;                 // retry: the announced sleep in seconds
  std::string function;              // retry: the retried function
  // call_result: the error text; retry: "TransientError: server error 500"; uvicorn and other:
  // the message.
  std::string text;

  double t() const { return static_cast<double>(time_ms) / 1000.0; }  // seconds
};

// Parses one line (no trailing newline; a trailing '\r' is ignored). Blank lines give nullopt.
// A malformed line throws ConfigError "FILE:LINE: what is wrong".
std::optional<LabRecord> parse_lab_line(std::string_view line, std::size_t line_no,
                                        const std::string& file);
std::vector<LabRecord> parse_lab_log(std::istream& in, const std::string& file);

// True when the line starts like a lab log line (a "YYYY-MM-DD HH:MM:SS,mmm " stamp or a uvicorn
// "LEVEL:    " prefix): used to tell the lab format from JSON lines.
bool looks_like_lab_log(std::string_view line);

// One logical call of the lab's worker loop, rebuilt from the records between two result lines.
struct LabCall {
  enum class Outcome : std::uint8_t {
    success,   // result ok
    failure,   // an error result, or 'circuit breaker open' for a call that ran and tripped the
               // breaker or failed its trial (a transition into OPEN was logged during the call)
    rejected,  // 'circuit breaker open' without a transition: the lab breaker never ran the call
  };
  Outcome outcome = Outcome::success;
  std::int64_t start_ms = 0;  // estimated, see lab_calls()
  std::int64_t end_ms = 0;    // the result line's stamp
  std::size_t line = 0;       // the result line
  LabState state = LabState::closed;
  LabResult result = LabResult::ok;
  int attempts = 0;           // HTTP responses logged during the call (timeouts log none)
};

// Calls in log order. A call ends at its `Breaker=... result=` line. Its start is the earliest
// of the `Breaker state changed` and `OPEN -> HALF-OPEN` lines logged during it (both are logged
// as the call begins); otherwise the previous result + 0.3 s (the loop's sleep), capped at the
// end; for the first call, its end. Lines after the last result line (a call cut off by the end of
// the log) are ignored.
std::vector<LabCall> lab_calls(const std::vector<LabRecord>& records);

}  // namespace chaoslab::analysis
