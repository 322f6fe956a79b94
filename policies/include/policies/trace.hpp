// What a run records, event by event. The simulator and the live client emit the same events
// through a TraceSink; the JSON-lines schema (docs/trace.md) is written by TraceWriter below, so
// analyze, report and compare read simulated and real runs alike.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "policies/outcome.hpp"
#include "policies/time.hpp"

namespace chaoslab {

enum class BreakerState : std::uint8_t { closed, open, half_open };
std::string_view to_string(BreakerState s);

// How a logical call ended for its caller.
enum class Raised : std::uint8_t { none, original, breaker_error, retry_error };
std::string_view to_string(Raised r);

struct AttemptEvent {
  int client = 0;
  std::uint64_t call = 0;
  int attempt = 1;  // 1-based within the call
  HttpResult result;
};

struct RetryEvent {
  int client = 0;
  std::uint64_t call = 0;
  int attempt = 1;  // the attempt that just failed
  Duration wait{0};
  OutcomeKind cause = OutcomeKind::http_5xx;
};

struct CallEvent {
  int client = 0;
  std::uint64_t call = 0;
  OutcomeKind outcome = OutcomeKind::ok;  // final outcome (breaker_rejected when it raised)
  Raised raised = Raised::none;
  int attempts = 0;                       // HTTP attempts sent for this call
  Duration latency{0};                    // from call start to its end
  BreakerState state_before = BreakerState::closed;
};

struct TransitionEvent {
  int client = 0;
  BreakerState from = BreakerState::closed;
  BreakerState to = BreakerState::open;
};

// Chaos activity boundaries (start/end) from the experiment runner.
struct ChaosEvent {
  std::string activity;
  std::string kind;    // "action" | "probe" | "pause" | "hypothesis"
  std::string phase;   // "start" | "end"
  std::string status;  // "" at start; "succeeded" | "failed" at end
  std::string detail;  // free text (e.g. the deleted pod names)
};

// Pod lifecycle (Kubernetes model in the simulator; process lifecycle in local live mode).
struct PodEvent {
  std::string pod;
  std::string phase;  // Pending | ContainerCreating | Running | Terminating | Deleted | Crashed
  bool ready = false;
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void on_attempt(Instant, const AttemptEvent&) {}
  virtual void on_retry(Instant, const RetryEvent&) {}
  virtual void on_call(Instant, const CallEvent&) {}
  virtual void on_transition(Instant, const TransitionEvent&) {}
  virtual void on_chaos(Instant, const ChaosEvent&) {}
  virtual void on_pod(Instant, const PodEvent&) {}
};

// Forwards every event to several sinks, in the order they were added.
class TraceFanout final : public TraceSink {
 public:
  void add(TraceSink* s) { sinks_.push_back(s); }
  void on_attempt(Instant t, const AttemptEvent& e) override { for (auto* s : sinks_) s->on_attempt(t, e); }
  void on_retry(Instant t, const RetryEvent& e) override { for (auto* s : sinks_) s->on_retry(t, e); }
  void on_call(Instant t, const CallEvent& e) override { for (auto* s : sinks_) s->on_call(t, e); }
  void on_transition(Instant t, const TransitionEvent& e) override { for (auto* s : sinks_) s->on_transition(t, e); }
  void on_chaos(Instant t, const ChaosEvent& e) override { for (auto* s : sinks_) s->on_chaos(t, e); }
  void on_pod(Instant t, const PodEvent& e) override { for (auto* s : sinks_) s->on_pod(t, e); }

 private:
  std::vector<TraceSink*> sinks_;
};

// Writes the JSON-lines trace (docs/trace.md) to a stream the caller owns. Times are printed with
// microsecond precision so that equal runs give equal bytes.
class TraceWriter final : public TraceSink {
 public:
  explicit TraceWriter(std::ostream& out) : out_(out) {}
  // First line: {"t":0,"event":"meta","source":..., "seed":...}.
  void write_meta(std::string_view source, std::uint64_t seed, std::string_view scenario);
  void on_attempt(Instant, const AttemptEvent&) override;
  void on_retry(Instant, const RetryEvent&) override;
  void on_call(Instant, const CallEvent&) override;
  void on_transition(Instant, const TransitionEvent&) override;
  void on_chaos(Instant, const ChaosEvent&) override;
  void on_pod(Instant, const PodEvent&) override;

 private:
  std::ostream& out_;
  std::string line_;
};

// JSON string escaping for hand-formatted lines.
void append_json_string(std::string& out, std::string_view s);

}  // namespace chaoslab
