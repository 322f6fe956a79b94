// The client logic, written once above Runtime: the lab's closed loop (call, log, sleep) or
// open-loop arrivals; per-attempt timeout; breaker and retry composed in either order; every
// attempt, retry, call and breaker transition reported to a TraceSink. The simulator and the live
// client run exactly this code.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "policies/breaker.hpp"
#include "policies/retry.hpp"
#include "policies/runtime.hpp"
#include "policies/trace.hpp"

namespace chaoslab {

struct ClientConfig {
  std::string target = "backend";  // URL (live) or service name (simulation)

  enum class Arrival : std::uint8_t { closed_loop, poisson, fixed_rate };
  Arrival arrival = Arrival::closed_loop;
  Duration think_time = std::chrono::milliseconds(300);  // closed loop: sleep after each call
  double rate_per_s = 1.0;                               // open loop arrivals
  int max_in_flight = 1000;  // open loop: arrivals beyond this are dropped (counted, not sent)

  bool breaker_enabled = true;
  bool retry_enabled = true;
  enum class Composition : std::uint8_t {
    breaker_outside_retry,  // the lab: breaker.call(fetch_with_retry), one outcome per sequence
    retry_outside_breaker,  // every attempt passes the breaker
  };
  Composition composition = Composition::breaker_outside_retry;

  BreakerConfig breaker;
  RetryPolicy retry;  // retry.attempt_timeout is the per-attempt timeout even without retry
};

// Generic over the runtime and sink types: Client (below) runs on any Runtime and TraceSink
// through their virtual calls; the simulator instantiates it for its final SimRuntime and
// RunSinks, so that now(), timers, HTTP calls and the run summary's events are direct calls on
// its per-event path (sim/sim_runtime.hpp).
template <class Rt, class Sink = TraceSink>
class BasicClient {
 public:
  // All references must outlive the client. `rng` is this client's own stream.
  BasicClient(Rt& rt, const ClientConfig& cfg, Rng& rng, Sink& trace, int id = 0);
  ~BasicClient();
  BasicClient(const BasicClient&) = delete;
  BasicClient& operator=(const BasicClient&) = delete;

  // Starts the loop now; no call starts at or after `stop_at`.
  void start(Instant stop_at = Instant::max());
  // No new calls; calls in flight finish and are traced.
  void stop();

  const CircuitBreaker* breaker() const { return breaker_.get(); }
  const ClientConfig& config() const { return cfg_; }
  std::uint64_t calls_started() const { return next_call_; }
  int in_flight() const { return in_flight_; }
  std::uint64_t dropped_arrivals() const { return dropped_; }

 private:
  struct Call;

  void schedule_next_arrival();
  void start_call();
  void begin_sequence(Call* c);
  void send_attempt(Call* c);
  void on_attempt_done(Call* c, const HttpResult& r);
  void handle_attempt_outcome(Call* c, OutcomeKind kind);
  void finish_sequence(Call* c, OutcomeKind kind, Raised raised);
  void finish_call(Call* c, OutcomeKind outcome, Raised raised);
  // Inline fast paths (a recycled Call; the breaker's timer already where it should be): with a
  // long cool-down most calls are rejected and pass through both, once per event.
  [[gnu::always_inline]] Call* acquire_call() {
    if (free_calls_.empty()) [[unlikely]] return new_call();
    Call* c = free_calls_.back();
    free_calls_.pop_back();
    return c;
  }
  Call* new_call();
  [[gnu::always_inline]] void arm_breaker_timer() {
    if (breaker_ && breaker_->next_timer() != breaker_timer_at_) rearm_breaker_timer();
  }
  void rearm_breaker_timer();
  // Timer and HTTP callbacks as plain functions (Runtime::call_after_fn, http_get_fn): ctx is
  // the client, arg the Call's address where one is needed.
  static void on_arrival_timer(void* self, std::uint64_t);
  static void on_think_timer(void* self, std::uint64_t);
  static void on_retry_timer(void* self, std::uint64_t call);
  static void on_breaker_timer(void* self, std::uint64_t);
  static void on_http_done(void* self, std::uint64_t call, const HttpResult& r);
  static void on_transition(void* self, Instant t, BreakerState from, BreakerState to);

  Rt& rt_;
  ClientConfig cfg_;
  Rng& rng_;
  Sink& trace_;
  int id_;
  TargetId target_ = 0;
  std::unique_ptr<CircuitBreaker> breaker_;
  RetryBudget budget_;
  Instant stop_at_ = Instant::max();
  bool running_ = false;
  std::uint64_t next_call_ = 0;
  int in_flight_ = 0;
  std::uint64_t dropped_ = 0;
  TimerId arrival_timer_ = 0;
  TimerId breaker_timer_ = 0;
  Instant breaker_timer_at_ = Instant::max();
  // Calls are recycled so a long run does not allocate per call; callbacks hold raw pointers.
  std::vector<std::unique_ptr<Call>> calls_;
  std::vector<Call*> free_calls_;
};

using Client = BasicClient<Runtime>;
// Defined in policies/client_impl.hpp; instantiated for Runtime in client.cpp.
extern template class BasicClient<Runtime>;

}  // namespace chaoslab
