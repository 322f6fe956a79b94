// The client's definitions, generic over the runtime type (policies/client.hpp). Included by
// the translation units that instantiate BasicClient: policies/src/client.cpp for Runtime,
// sim/src/sim_runtime.cpp for SimRuntime.
#pragma once

#include <cstdint>
#include <optional>

#include "policies/client.hpp"

namespace chaoslab {


template <class Rt, class Sink>
struct BasicClient<Rt, Sink>::Call {
  std::uint64_t id = 0;
  Instant start{};
  BreakerState state_before = BreakerState::closed;
  int attempts = 0;
  bool breaker_admitted = false;     // breaker_outside_retry: this call holds a breaker admission
  Raised breaker_raised = Raised::none;  // retry_outside_breaker: last attempt's breaker verdict
  std::optional<RetrySequence> seq;
};

namespace client_detail {
// The caller of a finished call sees no exception for a response below 500 (httpx semantics).
inline Raised raised_for(OutcomeKind k) {
  return (k == OutcomeKind::ok || k == OutcomeKind::http_4xx) ? Raised::none : Raised::original;
}
}  // namespace client_detail

template <class Rt, class Sink>
BasicClient<Rt, Sink>::BasicClient(Rt& rt, const ClientConfig& cfg, Rng& rng, Sink& trace, int id)
    : rt_(rt), cfg_(cfg), rng_(rng), trace_(trace), id_(id), budget_(cfg.retry.budget) {
  if (cfg_.breaker_enabled) {
    breaker_ = std::make_unique<CircuitBreaker>(cfg_.breaker, &rng_);
    breaker_->set_transition_hook(on_transition, this);
  }
  target_ = rt_.resolve(cfg_.target);
}

template <class Rt, class Sink>
BasicClient<Rt, Sink>::~BasicClient() {
  if (arrival_timer_) rt_.cancel(arrival_timer_);
  if (breaker_timer_) rt_.cancel(breaker_timer_);
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::start(Instant stop_at) {
  stop_at_ = stop_at;
  running_ = true;
  if (cfg_.arrival == ClientConfig::Arrival::closed_loop) {
    start_call();
  } else {
    schedule_next_arrival();
  }
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::stop() {
  running_ = false;
  if (arrival_timer_) rt_.cancel(arrival_timer_);
  arrival_timer_ = 0;
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::schedule_next_arrival() {
  const double mean_gap = 1.0 / cfg_.rate_per_s;
  const double gap = cfg_.arrival == ClientConfig::Arrival::poisson ? rng_.exponential(mean_gap)
                                                                     : mean_gap;
  const Duration after = from_seconds(gap);
  if (rt_.now() + after >= stop_at_) return;
  arrival_timer_ = rt_.call_after_fn(after, on_arrival_timer, this, 0);
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::on_arrival_timer(void* self, std::uint64_t) {
  auto* c = static_cast<BasicClient*>(self);
  c->arrival_timer_ = 0;
  c->start_call();
  if (c->running_) c->schedule_next_arrival();
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::on_think_timer(void* self, std::uint64_t) {
  auto* c = static_cast<BasicClient*>(self);
  c->arrival_timer_ = 0;
  c->start_call();
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::on_retry_timer(void* self, std::uint64_t call) {
  static_cast<BasicClient*>(self)->send_attempt(reinterpret_cast<Call*>(static_cast<std::uintptr_t>(call)));
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::on_http_done(void* self, std::uint64_t call, const HttpResult& r) {
  static_cast<BasicClient*>(self)->on_attempt_done(reinterpret_cast<Call*>(static_cast<std::uintptr_t>(call)), r);
}

// Breaker transitions go to the trace with the client's id.
template <class Rt, class Sink>
void BasicClient<Rt, Sink>::on_transition(void* self, Instant t, BreakerState from, BreakerState to) {
  auto* c = static_cast<BasicClient*>(self);
  c->trace_.on_transition(t, TransitionEvent{c->id_, from, to});
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::on_breaker_timer(void* self, std::uint64_t) {
  auto* c = static_cast<BasicClient*>(self);
  c->breaker_timer_ = 0;
  c->breaker_timer_at_ = Instant::max();
  c->breaker_->tick(c->rt_.now());
  c->arm_breaker_timer();
}

template <class Rt, class Sink>
typename BasicClient<Rt, Sink>::Call* BasicClient<Rt, Sink>::new_call() {
  calls_.push_back(std::make_unique<Call>());
  return calls_.back().get();
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::start_call() {
  if (!running_ || rt_.now() >= stop_at_) return;
  if (in_flight_ >= cfg_.max_in_flight) {  // only reachable with open-loop arrivals
    ++dropped_;
    return;
  }
  Call* c = acquire_call();
  c->id = next_call_++;
  c->start = rt_.now();
  c->state_before = breaker_ ? breaker_->state() : BreakerState::closed;
  c->attempts = 0;
  c->breaker_admitted = false;
  c->breaker_raised = Raised::none;
  c->seq.reset();
  ++in_flight_;
  budget_.request_started();
  begin_sequence(c);
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::begin_sequence(Call* c) {
  const bool outside = cfg_.composition == ClientConfig::Composition::breaker_outside_retry;
  if (breaker_ && outside) {
    const bool admitted = breaker_->try_acquire(rt_.now());
    arm_breaker_timer();
    if (!admitted) {
      finish_call(c, OutcomeKind::breaker_rejected, Raised::breaker_error);
      return;
    }
    c->breaker_admitted = true;
  }
  if (cfg_.retry_enabled) c->seq.emplace(cfg_.retry, rng_, rt_.now(), &budget_);
  send_attempt(c);
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::send_attempt(Call* c) {
  if (breaker_ && cfg_.composition == ClientConfig::Composition::retry_outside_breaker) {
    // Every attempt passes the breaker; a rejection is an attempt outcome the retry may see.
    const bool admitted = breaker_->try_acquire(rt_.now());
    arm_breaker_timer();
    if (!admitted) {
      c->breaker_raised = Raised::breaker_error;
      handle_attempt_outcome(c, OutcomeKind::breaker_rejected);
      return;
    }
  }
  Duration timeout = cfg_.retry.attempt_timeout;
  if (cfg_.retry.deadline > Duration::zero()) {
    const Duration left = c->start + cfg_.retry.deadline - rt_.now();
    if (left < timeout) timeout = left;
    if (timeout <= Duration::zero()) {
      handle_attempt_outcome(c, OutcomeKind::timeout);
      return;
    }
  }
  ++c->attempts;
  if (c->attempts > 1) budget_.retry_started();
  rt_.http_get_fn(target_, timeout, on_http_done, this, reinterpret_cast<std::uintptr_t>(c));
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::on_attempt_done(Call* c, const HttpResult& r) {
  const Instant now = rt_.now();
  trace_.on_attempt(now, AttemptEvent{id_, c->id, c->attempts, r});
  if (c->attempts > 1) budget_.retry_finished();
  // gRPC retryThrottling: only failures the policy would retry cost a token.
  if (r.kind == OutcomeKind::ok) {
    budget_.on_attempt_success();
  } else if (cfg_.retry.retry_on.contains(r.kind)) {
    budget_.on_attempt_failure();
  }
  OutcomeKind kind = r.kind;
  c->breaker_raised = Raised::none;
  if (breaker_ && cfg_.composition == ClientConfig::Composition::retry_outside_breaker) {
    const Raised raised = breaker_->on_result(now, cfg_.breaker.classify(r.kind), r.latency);
    arm_breaker_timer();
    if (raised == Raised::breaker_error) {
      // The tripping attempt and a failed trial raise the breaker's error instead of their own.
      kind = OutcomeKind::breaker_rejected;
      c->breaker_raised = Raised::breaker_error;
    }
  }
  handle_attempt_outcome(c, kind);
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::handle_attempt_outcome(Call* c, OutcomeKind kind) {
  if (!c->seq) {
    finish_sequence(c, kind, c->breaker_raised == Raised::breaker_error ? Raised::breaker_error
                                                                          : client_detail::raised_for(kind));
    return;
  }
  const RetrySequence::Decision d = c->seq->on_attempt(rt_.now(), kind);
  switch (d.kind) {
    case RetrySequence::Decision::Kind::retry: {
      trace_.on_retry(rt_.now(), RetryEvent{id_, c->id, c->seq->attempt() - 1, d.wait, kind});
      rt_.call_after_fn(d.wait, on_retry_timer, this, reinterpret_cast<std::uintptr_t>(c));
      return;
    }
    case RetrySequence::Decision::Kind::done:
    case RetrySequence::Decision::Kind::give_up: {
      Raised raised = d.raised;
      if (raised == Raised::original && c->breaker_raised == Raised::breaker_error)
        raised = Raised::breaker_error;
      finish_sequence(c, kind, raised);
      return;
    }
  }
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::finish_sequence(Call* c, OutcomeKind kind, Raised raised) {
  if (c->breaker_admitted) {
    // The lab's composition: the whole retry sequence is one breaker outcome.
    const Instant now = rt_.now();
    const Raised b = breaker_->on_result(now, cfg_.breaker.classify(kind), now - c->start);
    arm_breaker_timer();
    if (b == Raised::breaker_error) {
      finish_call(c, OutcomeKind::breaker_rejected, Raised::breaker_error);
      return;
    }
  }
  finish_call(c, kind, raised);
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::finish_call(Call* c, OutcomeKind outcome, Raised raised) {
  const Instant now = rt_.now();
  trace_.on_call(now, CallEvent{id_, c->id, outcome, raised, c->attempts, now - c->start,
                                c->state_before});
  --in_flight_;
  budget_.request_finished();
  c->seq.reset();
  free_calls_.push_back(c);
  if (running_ && cfg_.arrival == ClientConfig::Arrival::closed_loop) {
    arrival_timer_ = rt_.call_after_fn(cfg_.think_time, on_think_timer, this, 0);
  }
}

template <class Rt, class Sink>
void BasicClient<Rt, Sink>::rearm_breaker_timer() {
  const Instant at = breaker_->next_timer();
  if (breaker_timer_) rt_.cancel(breaker_timer_);
  breaker_timer_ = 0;
  breaker_timer_at_ = at;
  if (at == Instant::max()) return;
  const Duration after = at > rt_.now() ? at - rt_.now() : Duration::zero();
  breaker_timer_ = rt_.call_after_fn(after, on_breaker_timer, this, 0);
}

}  // namespace chaoslab
