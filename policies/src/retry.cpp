// Retry: tenacity 9's wait/stop strategies and its iteration order (Retrying.iter: retry check,
// wait, stop, before_sleep), the jitter families of Brooker and Polly, and retry budgets.
#include "policies/retry.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>

namespace chaoslab {
namespace {

// Waits are capped here so that an unbounded exponential (max = inf) still fits in a Duration.
constexpr double kMaxWaitSeconds = 1e9;

// std::pow(base, k) for an attempt's exponent, remembered per thread for the last base: the same
// call with the same arguments, so the same value, without libm's ~80 instructions per retry.
double pow_attempt(double base, int k) {
  constexpr int kCached = 32;
  if (k < 0 || k >= kCached) return std::pow(base, k);
  struct Cache {
    std::uint64_t base_bits = 0;
    std::uint32_t have = 0;  // bit k: v[k] holds pow(base, k)
    double v[kCached];
  };
  thread_local Cache c;
  const auto bits = std::bit_cast<std::uint64_t>(base);
  if (c.base_bits != bits) {
    c.base_bits = bits;
    c.have = 0;
  }
  if (!((c.have >> k) & 1u)) {
    c.v[k] = std::pow(base, k);
    c.have |= 1u << k;
  }
  return c.v[k];
}

double exponential_value(const WaitSpec& w, int n) {
  // tenacity wait_exponential; an overflow gives `max`, as tenacity's OverflowError branch does.
  const double result = w.multiplier * pow_attempt(w.exp_base, n - 1);
  if (std::isnan(result)) return w.max;
  return std::max(std::max(0.0, w.min), std::min(result, w.max));
}

double wait_seconds(const WaitSpec& w, RetryState& s, Rng& rng) {
  const int n = s.attempt;
  switch (w.kind) {
    case WaitSpec::Kind::none: return 0.0;
    case WaitSpec::Kind::fixed: return w.wait;
    case WaitSpec::Kind::random: return rng.uniform(w.min, w.max);
    case WaitSpec::Kind::incrementing:
      return std::max(0.0, std::min(w.start + w.increment * (n - 1), w.max));
    case WaitSpec::Kind::exponential: return exponential_value(w, n);
    case WaitSpec::Kind::random_exponential: {
      const double high = exponential_value(w, n);
      return rng.uniform(w.min, high);
    }
    case WaitSpec::Kind::exponential_jitter: {
      // tenacity draws the jitter before it computes the power.
      const double jitter = rng.uniform(0.0, w.jitter);
      double result = w.initial * pow_attempt(w.exp_base, n - 1) + jitter;
      if (std::isnan(result)) result = w.max;
      return std::max(std::max(0.0, w.min), std::min(result, w.max));
    }
    case WaitSpec::Kind::equal_jitter: {
      const double e = std::min(w.max, w.multiplier * pow_attempt(w.exp_base, n - 1));
      return e / 2.0 + rng.uniform(0.0, e / 2.0);
    }
    case WaitSpec::Kind::decorrelated_jitter: {
      const double prev = s.decorrelated_prev > 0.0 ? s.decorrelated_prev : w.multiplier;
      const double sleep = std::min(w.max, rng.uniform(w.multiplier, 3.0 * prev));
      s.decorrelated_prev = sleep;
      return sleep;
    }
    case WaitSpec::Kind::polly_decorrelated_v2: {
      // Polly DecorrelatedJitterBackoffV2 with 0-based attempt a = n - 1; 1/1.4 scales the
      // formula so that the median first delay is `initial`.
      const double t = static_cast<double>(n - 1) + rng.uniform01();
      const double next = std::pow(2.0, t) * std::tanh(std::sqrt(4.0 * t));
      if (!std::isfinite(next)) {
        s.polly_prev = next;
        return w.max;
      }
      const double delay = (next - s.polly_prev) / 1.4 * w.initial;
      s.polly_prev = next;
      return std::min(delay, w.max);
    }
    case WaitSpec::Kind::chain: {
      if (w.children.empty()) return 0.0;
      const auto i = static_cast<std::size_t>(
          std::min<std::int64_t>(std::max(n, 1), static_cast<std::int64_t>(w.children.size())));
      return wait_seconds(w.children[i - 1], s, rng);
    }
    case WaitSpec::Kind::combine: {
      double sum = 0.0;
      for (const auto& c : w.children) sum += wait_seconds(c, s, rng);
      return sum;
    }
  }
  return 0.0;
}

}  // namespace

Duration compute_wait(const WaitSpec& w, RetryState& s, Rng& rng) {
  double secs = wait_seconds(w, s, rng);
  if (!(secs > 0.0)) return Duration{0};  // also maps NaN to 0
  return from_seconds(std::min(secs, kMaxWaitSeconds));
}

bool should_stop(const StopSpec& s, const RetryState& st, Duration next_wait) {
  switch (s.kind) {
    case StopSpec::Kind::never: return false;
    case StopSpec::Kind::after_attempt: return st.attempt >= s.attempts;
    case StopSpec::Kind::after_delay: return st.elapsed >= s.delay;
    case StopSpec::Kind::before_delay: return st.elapsed + next_wait >= s.delay;
    case StopSpec::Kind::any:
      return std::any_of(s.children.begin(), s.children.end(),
                         [&](const StopSpec& c) { return should_stop(c, st, next_wait); });
    case StopSpec::Kind::all:
      return std::all_of(s.children.begin(), s.children.end(),
                         [&](const StopSpec& c) { return should_stop(c, st, next_wait); });
  }
  return false;
}

RetryBudget::RetryBudget(BudgetConfig cfg) : cfg_(cfg), tokens_(cfg.max_tokens) {}

bool RetryBudget::allow_retry() const {
  switch (cfg_.kind) {
    case BudgetConfig::Kind::none: return true;
    case BudgetConfig::Kind::token_bucket: return tokens_ > cfg_.max_tokens / 2.0;
    case BudgetConfig::Kind::percent_active: {
      const double limit = std::max(cfg_.budget_percent / 100.0 * active_requests_,
                                    static_cast<double>(cfg_.min_retry_concurrency));
      return active_retries_ < limit;
    }
  }
  return true;
}

void RetryBudget::on_attempt_success() {
  if (cfg_.kind == BudgetConfig::Kind::token_bucket)
    tokens_ = std::min(cfg_.max_tokens, tokens_ + cfg_.token_ratio);
}

void RetryBudget::on_attempt_failure() {
  if (cfg_.kind == BudgetConfig::Kind::token_bucket) tokens_ = std::max(0.0, tokens_ - 1.0);
}

RetrySequence::RetrySequence(const RetryPolicy& p, Rng& rng, Instant start, RetryBudget* budget)
    : policy_(p), rng_(rng), start_(start), budget_(budget) {}

RetrySequence::Decision RetrySequence::on_attempt(Instant now, OutcomeKind outcome) {
  state_.elapsed = now - start_;
  const bool retryable = policy_.retry_on.contains(outcome);

  if (!retryable) {
    Decision d;
    d.kind = Decision::Kind::done;
    d.raised = outcome == OutcomeKind::ok ? Raised::none : Raised::original;
    return d;
  }
  // tenacity 9: the wait is computed before stop is checked, so a random wait draws even when
  // this was the last attempt.
  const Duration wait = compute_wait(policy_.wait, state_, rng_);
  const bool deadline_hit =
      policy_.deadline > Duration{0} && state_.elapsed + wait >= policy_.deadline;
  const bool budget_empty = budget_ != nullptr && !budget_->allow_retry();
  if (should_stop(policy_.stop, state_, wait) || deadline_hit || budget_empty) {
    Decision d;
    d.kind = Decision::Kind::give_up;
    // RetryError.reraise() re-raises the last attempt's error only when it failed; a retry on a
    // result (retry_on contains ok) ends in RetryError either way.
    d.raised = policy_.reraise && outcome != OutcomeKind::ok ? Raised::original
                                                              : Raised::retry_error;
    return d;
  }
  state_.previous_wait = wait;
  ++state_.attempt;
  Decision d;
  d.kind = Decision::Kind::retry;
  d.wait = wait;
  return d;
}

}  // namespace chaoslab
