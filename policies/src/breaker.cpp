// Circuit breaker state machine. The consecutive mode follows pybreaker 1.4 line by line
// (CircuitBreakerState.call/_handle_error/_handle_success and the three state classes); the window
// modes follow resilience4j's CircuitBreakerStateMachine. docs/policies.md has the rules.
#include "policies/breaker.hpp"

#include <algorithm>
#include <cmath>

namespace chaoslab {
namespace {

std::int64_t whole_seconds(Instant t) {
  const auto ns = t.time_since_epoch().count();
  // Floor division so that instants before the epoch land in the right bucket.
  return ns >= 0 ? ns / 1'000'000'000 : -((-ns + 999'999'999) / 1'000'000'000);
}

}  // namespace

CircuitBreaker::CircuitBreaker(BreakerConfig cfg, Rng* rng) : cfg_(std::move(cfg)), rng_(rng) {
  open_duration_ = cfg_.reset_timeout;
}

bool CircuitBreaker::try_acquire_slow(Instant now) {
  // Timer-driven moves that are due count as if their timer had fired just now.
  if (state_ == BreakerState::half_open && cfg_.max_half_open_duration > Duration{0} &&
      now >= half_opened_at_ + cfg_.max_half_open_duration)
    open(now);

  if (state_ == BreakerState::open) {
    // pybreaker's CircuitOpenState.before_call: reject without before_call while the timeout
    // has not elapsed; else move to HALF_OPEN and let this same call through as the trial.
    if (now < opened_at_ + open_duration_) return false;
    half_open(now);
  }
  if (state_ == BreakerState::half_open) {
    if (cfg_.half_open_max_calls > 0 && half_open_in_flight_ >= cfg_.half_open_max_calls)
      return false;
    ++half_open_in_flight_;
  }
  for (auto* l : listeners_) l->before_call(now);
  return true;
}

Raised CircuitBreaker::on_result(Instant now, Verdict v, Duration call_duration) {
  const BreakerState handling = state_;
  if (handling == BreakerState::half_open && half_open_in_flight_ > 0) --half_open_in_flight_;
  const bool windowed = cfg_.trip != BreakerConfig::Trip::consecutive;
  const bool slow = windowed && call_duration > cfg_.slow_call_duration;

  if (v == Verdict::failure) {
    // pybreaker _handle_error: counter, listeners' failure, then the state's on_failure.
    ++fail_counter_;
    for (auto* l : listeners_) l->on_failure(now);
    const Raised trip = cfg_.throw_new_error_on_trip ? Raised::breaker_error : Raised::original;
    switch (handling) {
      case BreakerState::closed:
        if (!windowed) {
          if (fail_counter_ >= cfg_.fail_max) {
            open(now);
            return trip;
          }
          return Raised::original;
        }
        record_window(now, true, slow);
        if (window_trips(now)) {
          open(now);
          return trip;
        }
        return Raised::original;
      case BreakerState::half_open:
        if (!windowed) {
          open(now);
          return trip;
        }
        ++half_open_done_;
        ++half_open_failures_;
        if (slow) ++half_open_slow_;
        if (half_open_judged()) {
          if (half_open_rates_exceeded()) {
            open(now);
            return trip;
          }
          close(now);
        }
        return Raised::original;
      case BreakerState::open:
        // A call admitted before the breaker opened finished late: counted, no transition.
        return Raised::original;
    }
    return Raised::original;
  }

  // pybreaker _handle_success (an excluded error is handled as a success and re-raised as is):
  // reset the counter, the state's on_success, then listeners' success.
  const Raised raised = v == Verdict::excluded ? Raised::original : Raised::none;
  fail_counter_ = 0;
  if (windowed && v == Verdict::excluded) {
    // resilience4j's ignoreExceptions: not recorded in the window at all.
  } else if (handling == BreakerState::half_open) {
    if (!windowed) {
      ++success_counter_;
      if (success_counter_ >= cfg_.success_threshold) close(now);
    } else {
      ++success_counter_;
      ++half_open_done_;
      if (slow) ++half_open_slow_;
      if (half_open_judged()) {
        if (half_open_rates_exceeded())
          open(now);
        else
          close(now);
      }
    }
  } else if (handling == BreakerState::closed && windowed) {
    record_window(now, false, slow);
    if (window_trips(now)) open(now);
  }
  for (auto* l : listeners_) l->on_success(now);
  return raised;
}

void CircuitBreaker::tick(Instant now) {
  if (state_ == BreakerState::open && cfg_.automatic_half_open &&
      now >= opened_at_ + open_duration_) {
    half_open(now);
    return;
  }
  if (state_ == BreakerState::half_open && cfg_.max_half_open_duration > Duration{0} &&
      now >= half_opened_at_ + cfg_.max_half_open_duration)
    open(now);
}

void CircuitBreaker::open(Instant now) {
  opened_at_ = now;
  ++openings_;
  Duration d = cfg_.reset_timeout;
  const double k = static_cast<double>(openings_);
  switch (cfg_.open_growth) {
    case BreakerConfig::OpenGrowth::none: break;
    case BreakerConfig::OpenGrowth::exponential: {
      const double s =
          to_seconds(cfg_.reset_timeout) * std::pow(cfg_.open_backoff_multiplier, k - 1.0);
      d = s >= to_seconds(cfg_.max_open_duration) || !std::isfinite(s) ? cfg_.max_open_duration
                                                                       : from_seconds(s);
      break;
    }
    case BreakerConfig::OpenGrowth::linear: {
      const double s = to_seconds(cfg_.reset_timeout) * k;
      d = s >= to_seconds(cfg_.max_open_duration) ? cfg_.max_open_duration : from_seconds(s);
      break;
    }
  }
  if (cfg_.open_jitter > 0.0 && rng_ != nullptr)
    d = from_seconds(to_seconds(d) * rng_->uniform(1.0 - cfg_.open_jitter, 1.0 + cfg_.open_jitter));
  open_duration_ = std::max(d, Duration{0});
  // pybreaker resets only the success counter on open: fail_counter keeps its value.
  success_counter_ = 0;
  half_open_in_flight_ = 0;
  clear_window();
  set_state(now, BreakerState::open);
}

void CircuitBreaker::close(Instant now) {
  fail_counter_ = 0;
  openings_ = 0;
  half_open_in_flight_ = 0;
  clear_window();
  set_state(now, BreakerState::closed);
}

void CircuitBreaker::half_open(Instant now) {
  half_opened_at_ = now;
  success_counter_ = 0;
  half_open_in_flight_ = 0;
  half_open_failures_ = 0;
  half_open_slow_ = 0;
  half_open_done_ = 0;
  set_state(now, BreakerState::half_open);
}

void CircuitBreaker::set_state(Instant now, BreakerState to) {
  const BreakerState from = state_;
  state_ = to;
  if (hook_) hook_(hook_ctx_, now, from, to);
  for (auto* l : listeners_) l->state_change(now, from, to);
}

void CircuitBreaker::record_window(Instant now, bool failed, bool slow) {
  if (cfg_.trip == BreakerConfig::Trip::count_window) {
    const std::int64_t index = window_.empty() ? 0 : window_.back().bucket + 1;
    window_.push_back({index, failed, slow});
  } else {
    window_.push_back({whole_seconds(now), failed, slow});
  }
  window_failures_ += failed ? 1 : 0;
  window_slow_ += slow ? 1 : 0;
}

// resilience4j: the half-open window holds the permitted trials and is judged once all of them
// have finished (success_threshold trials when half_open_max_calls is 0).
bool CircuitBreaker::half_open_judged() const {
  const int needed =
      cfg_.half_open_max_calls > 0 ? cfg_.half_open_max_calls : cfg_.success_threshold;
  return half_open_done_ >= needed;
}

bool CircuitBreaker::half_open_rates_exceeded() const {
  const double n = half_open_done_;
  return 100.0 * half_open_failures_ / n >= cfg_.failure_rate_threshold ||
         100.0 * half_open_slow_ / n >= cfg_.slow_call_rate_threshold;
}

bool CircuitBreaker::window_trips(Instant now) {
  // Drop samples that fell out of the window.
  auto drop_front = [this] {
    window_failures_ -= window_.front().failed ? 1 : 0;
    window_slow_ -= window_.front().slow ? 1 : 0;
    window_.pop_front();
  };
  if (cfg_.trip == BreakerConfig::Trip::count_window) {
    while (static_cast<int>(window_.size()) > cfg_.window_size) drop_front();
  } else {
    const std::int64_t oldest = whole_seconds(now) - cfg_.window_size + 1;
    while (!window_.empty() && window_.front().bucket < oldest) drop_front();
  }
  const int n = static_cast<int>(window_.size());
  // resilience4j: with a count window smaller than minimumNumberOfCalls the window size rules.
  const int minimum = cfg_.trip == BreakerConfig::Trip::count_window
                          ? std::min(cfg_.minimum_calls, cfg_.window_size)
                          : cfg_.minimum_calls;
  if (n == 0 || n < minimum) return false;
  return 100.0 * window_failures_ / n >= cfg_.failure_rate_threshold ||
         100.0 * window_slow_ / n >= cfg_.slow_call_rate_threshold;
}

void CircuitBreaker::clear_window() {
  window_.clear();
  window_failures_ = 0;
  window_slow_ = 0;
}

}  // namespace chaoslab
