// Circuit breaker: pybreaker's semantics exactly (mode pybreaker), plus resilience4j-style
// failure-rate windows, half-open caps, growing and jittered open durations and timer-driven
// half-open (docs/policies.md). Pure: time is passed in, randomness is injected.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "policies/outcome.hpp"
#include "policies/rng.hpp"
#include "policies/time.hpp"
#include "policies/trace.hpp"

namespace chaoslab {

// How the breaker counts one finished call.
enum class Verdict : std::uint8_t { success, failure, excluded };

struct BreakerConfig {
  enum class Trip : std::uint8_t {
    consecutive,  // pybreaker: fail_counter >= fail_max
    count_window, // resilience4j COUNT_BASED: the last window_size calls
    time_window,  // resilience4j TIME_BASED: the last window_size seconds, 1 s buckets
  };
  Trip trip = Trip::consecutive;

  // pybreaker
  int fail_max = 5;
  Duration reset_timeout = std::chrono::seconds(60);
  int success_threshold = 1;
  bool throw_new_error_on_trip = true;

  // failure-rate windows (trip != consecutive)
  int window_size = 100;
  int minimum_calls = 100;
  double failure_rate_threshold = 50.0;   // percent
  double slow_call_rate_threshold = 100.0;  // percent
  Duration slow_call_duration = std::chrono::seconds(60);

  // Half-open: 0 = admit every call (pybreaker); n = at most n trials in flight (resilience4j
  // permittedNumberOfCallsInHalfOpenState, Polly: 1). Extra calls are rejected.
  int half_open_max_calls = 0;
  // Re-open when half-open lasts longer than this (0 = never).
  Duration max_half_open_duration{0};

  // Open duration for the k-th consecutive opening (k = 1 after a close):
  //   min(reset_timeout * open_backoff_multiplier^(k-1), max_open_duration)   (exponential), or
  //   min(reset_timeout * k, max_open_duration)                               (linear, Envoy)
  // then scaled by U(1 - open_jitter, 1 + open_jitter).
  enum class OpenGrowth : std::uint8_t { none, exponential, linear };
  OpenGrowth open_growth = OpenGrowth::none;
  double open_backoff_multiplier = 2.0;
  Duration max_open_duration = std::chrono::seconds(300);
  double open_jitter = 0.0;

  // Timer-driven OPEN -> HALF_OPEN (resilience4j automaticTransitionFromOpenToHalfOpenEnabled);
  // pybreaker moves lazily, on the next call.
  bool automatic_half_open = false;

  // Outcome classification: failure_on counts as a failure, exclude as a success (pybreaker's
  // `exclude`), everything else as a success.
  OutcomeSet failure_on{OutcomeKind::http_5xx, OutcomeKind::timeout, OutcomeKind::refused,
                        OutcomeKind::reset};
  OutcomeSet exclude{};

  Verdict classify(OutcomeKind k) const {
    if (exclude.contains(k)) return Verdict::excluded;
    return failure_on.contains(k) ? Verdict::failure : Verdict::success;
  }
};

// pybreaker's listener hooks, in its order.
class BreakerListener {
 public:
  virtual ~BreakerListener() = default;
  virtual void before_call(Instant) {}
  virtual void on_success(Instant) {}
  virtual void on_failure(Instant) {}
  virtual void state_change(Instant, BreakerState /*from*/, BreakerState /*to*/) {}
};

class CircuitBreaker {
 public:
  // `rng` is needed only with open_jitter > 0; it must outlive the breaker.
  explicit CircuitBreaker(BreakerConfig cfg, Rng* rng = nullptr);

  // A call that wants to start at `now`. Applies the lazy OPEN -> HALF_OPEN move, fires
  // before_call when admitted. Rejected calls change no counter. The rejection while OPEN is
  // inline: with a long cool-down most of a run's calls end there.
  bool try_acquire(Instant now) {
    if (state_ == BreakerState::open && now < opened_at_ + open_duration_) return false;
    return try_acquire_slow(now);
  }

  // The admitted call finished. Returns what pybreaker would raise to the caller:
  // none, original (the call's own error, incl. excluded ones, and trips or failed trials with
  // throw_new_error_on_trip=false) or breaker_error (the tripping call, a failed trial).
  // `call_duration` feeds the slow-call rate of the window modes. In window modes an excluded
  // outcome is not recorded (resilience4j ignoreExceptions); in pybreaker mode it is a success.
  Raised on_result(Instant now, Verdict v, Duration call_duration = Duration{0});

  // For automatic_half_open: when the breaker wants its tick() (Instant::max() if never).
  Instant next_timer() const {
    if (state_ == BreakerState::open && cfg_.automatic_half_open) return opened_at_ + open_duration_;
    if (state_ == BreakerState::half_open && cfg_.max_half_open_duration > Duration{0})
      return half_opened_at_ + cfg_.max_half_open_duration;
    return Instant::max();
  }
  void tick(Instant now);

  BreakerState state() const { return state_; }
  int fail_counter() const { return fail_counter_; }
  int success_counter() const { return success_counter_; }
  Instant opened_at() const { return opened_at_; }
  Duration current_open_duration() const { return open_duration_; }
  int consecutive_openings() const { return openings_; }
  const BreakerConfig& config() const { return cfg_; }

  void add_listener(BreakerListener* l) { listeners_.push_back(l); }
  // A plain function told of every state change (before the listeners): the client's trace uses
  // it instead of a listener, whose empty before_call/on_success/on_failure would be called
  // through a pointer on every call.
  using TransitionFn = void (*)(void* ctx, Instant now, BreakerState from, BreakerState to);
  void set_transition_hook(TransitionFn fn, void* ctx) {
    hook_ = fn;
    hook_ctx_ = ctx;
  }

 private:
  bool try_acquire_slow(Instant now);
  void open(Instant now);
  void close(Instant now);
  void half_open(Instant now);
  void set_state(Instant now, BreakerState to);
  bool window_trips(Instant now);
  bool half_open_judged() const;
  bool half_open_rates_exceeded() const;
  void record_window(Instant now, bool failed, bool slow);
  void clear_window();

  BreakerConfig cfg_;
  Rng* rng_;
  BreakerState state_ = BreakerState::closed;
  int fail_counter_ = 0;
  int success_counter_ = 0;
  int half_open_in_flight_ = 0;
  int half_open_failures_ = 0;
  int half_open_slow_ = 0;
  int half_open_done_ = 0;
  int openings_ = 0;
  Instant opened_at_{};
  Instant half_opened_at_{};
  Duration open_duration_{0};
  // Window samples: (second or call index, failed, slow) kept in time order.
  struct Sample { std::int64_t bucket; bool failed; bool slow; };
  std::deque<Sample> window_;
  int window_failures_ = 0;
  int window_slow_ = 0;
  std::vector<BreakerListener*> listeners_;
  TransitionFn hook_ = nullptr;
  void* hook_ctx_ = nullptr;
};

}  // namespace chaoslab
