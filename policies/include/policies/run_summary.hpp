// The summary of one run, accumulated from its trace events: the same sink serves the simulator
// (`chaoslab run --json`, sweeps), the live client and `analyze` over a recorded trace, so every
// number means the same thing everywhere. Field meanings: docs/trace.md ("Run summary").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policies/fixed_decimal.hpp"
#include "policies/trace.hpp"

namespace chaoslab {

struct OutcomeCounts {
  std::uint64_t total = 0;
  std::uint64_t ok = 0;        // calls: outcome ok; attempts: http_2xx (status < 400)
  std::uint64_t http_4xx = 0;
  std::uint64_t http_5xx = 0;
  std::uint64_t timeout = 0;
  std::uint64_t refused = 0;
  std::uint64_t reset = 0;
  std::uint64_t rejected = 0;  // calls only: the breaker raised its error
  bool operator==(const OutcomeCounts&) const = default;
};

struct TransitionCounts {
  std::uint64_t closed_to_open = 0;
  std::uint64_t open_to_half_open = 0;
  std::uint64_t half_open_to_open = 0;
  std::uint64_t half_open_to_closed = 0;
  std::uint64_t other = 0;  // e.g. a forced close; not in the JSON unless non-zero
  bool operator==(const TransitionCounts&) const = default;
};

struct Recovery {
  double outage_s = 0;  // from the end of the first chaos action to a ready endpoint again
  std::optional<double> time_to_first_success_s;  // from that moment to the first ok call's end
  std::optional<double> time_to_closed_s;         // ... to every breaker closed
  bool operator==(const Recovery&) const = default;
};

struct RunSummary {
  std::uint64_t seed = 0;
  double virtual_seconds = 0;
  std::uint64_t events = 0;  // simulation events processed (0 for a live run)
  OutcomeCounts calls;
  OutcomeCounts attempts;
  std::uint64_t retries = 0;
  TransitionCounts transitions;
  // Percentiles of successful calls' latency (linear interpolation between closest ranks, as
  // numpy's default); nullopt without a successful call.
  std::optional<double> latency_p50_ms, latency_p95_ms, latency_p99_ms;
  std::optional<Recovery> recovery;  // nullopt when no chaos action ran
  // Issue 4's per-run metrics.
  std::optional<double> retry_amplification;  // attempts per call; nullopt without calls
  std::uint64_t attempts_without_ready_endpoint = 0;
  std::uint64_t failed_half_open_trials = 0;
  double wasted_cooldown_s = 0;  // breaker OPEN while a ready endpoint existed, summed per client
  std::optional<int> peak_backend_queue;  // simulator only

  bool operator==(const RunSummary&) const = default;

  // One JSON object, keys in a fixed order, numbers printed exactly (see docs/trace.md).
  std::string to_json() const;
  // to_json() appended to `out` (a sweep writes it straight into the run's line).
  void append_json(std::string& out) const;
  // A few lines for people.
  std::string to_text() const;
};

// A decimal field as to_json() prints it with `decimals` places (a tiny negative value as 0);
// FixedDecimal::value() is the number that text reads back as. Not exact: to_json() uses
// std::to_chars.
FixedDecimal summary_decimal(double v, int decimals);

// Accumulates a RunSummary from trace events, which must arrive in time order (as both runtimes
// emit them). Reusable: reset() keeps its buffers, so a sweep allocates nothing per run once warm.
class RunSummarySink final : public TraceSink {
 public:
  void reset();

  void on_attempt(Instant, const AttemptEvent&) override;
  void on_retry(Instant, const RetryEvent&) override;
  void on_call(Instant, const CallEvent&) override;
  void on_transition(Instant, const TransitionEvent&) override;
  void on_chaos(Instant, const ChaosEvent&) override;
  void on_pod(Instant, const PodEvent&) override;

  // Closes the open intervals at `end` and computes the percentiles and recovery.
  RunSummary finish(Instant end, std::uint64_t seed, std::uint64_t events);

  // Ready-pod bookkeeping, exposed for tests: ready endpoints known at `t` (a run without pod
  // events counts as always having one).
  bool ready_endpoint_at(Instant t) const;

 private:
  struct ClientState {
    BreakerState state = BreakerState::closed;
    Instant since{};
  };
  void advance_cooldown(Instant t);
  ClientState& client(int id);

  RunSummary s_;
  std::vector<std::int64_t> ok_latencies_ns_;
  std::vector<ClientState> clients_;
  // Ready pods: names currently ready, and the history of (time, any ready) changes.
  std::vector<std::string> ready_pods_;
  std::vector<std::pair<Instant, bool>> ready_history_;
  mutable std::size_t ready_hint_ = 0;  // ready_endpoint_at's last answer (an index into it)
  bool saw_pods_ = false;
  Instant cooldown_mark_{};
  // Recovery
  bool chaos_seen_ = false;
  Instant chaos_at_{};
  std::optional<Instant> ready_again_;
  std::optional<Instant> first_success_;
  std::optional<Instant> all_closed_;
  int open_breakers_ = 0;
};

}  // namespace chaoslab
