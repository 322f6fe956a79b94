// Retry with backoff: tenacity's semantics exactly (stop, wait, retry predicate, reraise, wait
// evaluated before stop as tenacity 9 does), plus Brooker's equal and decorrelated jitter, Polly's
// DecorrelatedJitterBackoffV2 and retry budgets (gRPC token bucket, Envoy percent of active).
// Pure: time is passed in, randomness injected (docs/policies.md has every formula).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "policies/outcome.hpp"
#include "policies/rng.hpp"
#include "policies/time.hpp"
#include "policies/trace.hpp"

namespace chaoslab {

// What a wait or stop strategy sees after attempt n failed.
struct RetryState {
  int attempt = 1;                 // 1-based number of the attempt that just failed
  Duration elapsed{0};             // since the first attempt started
  Duration previous_wait{0};       // the wait before this attempt (0 before the first retry)
  double polly_prev = 0.0;         // DecorrelatedJitterBackoffV2 carry-over
  double decorrelated_prev = 0.0;  // Brooker decorrelated jitter: the previous sleep (seconds)
};

// A wait strategy tree. Values are seconds in the formulas; all results are clamped to >= 0.
struct WaitSpec {
  enum class Kind : std::uint8_t {
    none,                     // 0
    fixed,                    // wait
    random,                   // U(min, max)
    incrementing,             // clamp(start + increment*(n-1), 0, max)
    exponential,              // max(min, min(multiplier*exp_base^(n-1), max))
    random_exponential,       // U(min, exponential value)  (tenacity 9 full jitter)
    exponential_jitter,       // max(0, min(initial*exp_base^(n-1) + U(0, jitter), max))
    equal_jitter,             // e = min(max, multiplier*exp_base^(n-1)); e/2 + U(0, e/2)  (Brooker)
    decorrelated_jitter,      // min(max, U(multiplier, 3*prev))  prev starts at multiplier (Brooker)
    polly_decorrelated_v2,    // Polly DecorrelatedJitterBackoffV2 with median first delay `initial`
    chain,                    // children[min(n, size) - 1], each seeing the same n (tenacity)
    combine,                  // sum of children
  };
  Kind kind = Kind::none;
  double wait = 0;            // fixed
  double min = 0;             // random, exponential, random_exponential
  double max = std::numeric_limits<double>::infinity();
  double multiplier = 1;      // exponential family; decorrelated: base
  double exp_base = 2;
  double initial = 1;         // exponential_jitter, polly
  double jitter = 1;          // exponential_jitter
  double start = 0;           // incrementing
  double increment = 100;     // incrementing
  std::vector<WaitSpec> children;
};

// Computes the next wait for `s`. Draws from rng only for the random kinds, exactly once per
// random leaf, so draw counts match tenacity's.
Duration compute_wait(const WaitSpec& w, RetryState& s, Rng& rng);

struct StopSpec {
  enum class Kind : std::uint8_t {
    never,
    after_attempt,  // n >= attempts
    after_delay,    // elapsed >= delay
    before_delay,   // elapsed + next_wait >= delay
    any,            // stop_any(children...)
    all,            // stop_all(children...)
  };
  Kind kind = Kind::never;
  int attempts = 1;
  Duration delay{0};
  std::vector<StopSpec> children;
};

bool should_stop(const StopSpec& s, const RetryState& st, Duration next_wait);

// Retry budgets shared by all calls of one client.
struct BudgetConfig {
  enum class Kind : std::uint8_t { none, token_bucket, percent_active };
  Kind kind = Kind::none;
  double max_tokens = 10;       // gRPC retryThrottling maxTokens
  double token_ratio = 0.1;     // gRPC tokenRatio
  double budget_percent = 20;   // Envoy retry_budget.budget_percent
  int min_retry_concurrency = 3;
};

class RetryBudget {
 public:
  explicit RetryBudget(BudgetConfig cfg = {});
  // gRPC: retries allowed while tokens > max_tokens / 2. Envoy: while active retries <
  // max(budget_percent% of active requests, min_retry_concurrency).
  bool allow_retry() const;
  void on_attempt_success();
  void on_attempt_failure();
  void request_started() { ++active_requests_; }
  void request_finished() { --active_requests_; }
  void retry_started() { ++active_retries_; }
  void retry_finished() { --active_retries_; }
  double tokens() const { return tokens_; }

 private:
  BudgetConfig cfg_;
  double tokens_;
  int active_requests_ = 0;
  int active_retries_ = 0;
};

struct RetryPolicy {
  StopSpec stop{StopSpec::Kind::after_attempt, 3, {}, {}};
  WaitSpec wait{};
  OutcomeSet retry_on{OutcomeKind::http_5xx};
  bool reraise = true;        // false: the caller sees a RetryError when attempts run out
  Duration attempt_timeout = std::chrono::seconds(2);
  Duration deadline{0};       // overall deadline for the logical call (0 = none)
  BudgetConfig budget{};
};

// One logical call's retry loop as a state machine; the caller performs attempts and sleeps.
class RetrySequence {
 public:
  struct Decision {
    enum class Kind : std::uint8_t { done, retry, give_up } kind = Kind::done;
    Duration wait{0};           // for retry
    Raised raised = Raised::none;  // for done/give_up: what the caller sees
  };

  // `budget` is only consulted (allow_retry); the caller keeps its counters (request_started,
  // retry_started, on_attempt_success, ...), since it alone sees every attempt and call.
  RetrySequence(const RetryPolicy& p, Rng& rng, Instant start, RetryBudget* budget = nullptr);

  // Attempt `attempt()` finished at `now` with `outcome`. tenacity order: not retryable -> done
  // (error passes through); else wait computed, then stop checked; stop -> give_up (reraise:
  // original, else retry_error); budget or deadline exhausted -> give_up; else retry after wait.
  Decision on_attempt(Instant now, OutcomeKind outcome);

  int attempt() const { return state_.attempt; }
  const RetryState& state() const { return state_; }
  // When the policy's overall deadline ends (Instant::max() without one): attempts should not
  // be given a timeout past it.
  Instant deadline_at() const {
    return policy_.deadline > Duration{0} ? start_ + policy_.deadline : Instant::max();
  }

 private:
  const RetryPolicy& policy_;
  Rng& rng_;
  Instant start_;
  RetryBudget* budget_;
  RetryState state_;
};

}  // namespace chaoslab
