// chaoslab::Runtime in virtual time: timers go to the EventQueue, HTTP calls to the simulated
// network/cluster (an HttpModel). The shared client logic runs on it unchanged.
#pragma once

#include <functional>
#include <string_view>

#include "policies/client.hpp"
#include "policies/runtime.hpp"
#include "sim/event_queue.hpp"
#include "sim/run_sinks.hpp"

namespace chaoslab::sim {

// Where simulated HTTP calls go (the cluster model implements it).
class HttpModel {
 public:
  virtual ~HttpModel() = default;
  virtual TargetId resolve(std::string_view url) = 0;
  // `done` is moved from (taken by reference: no extra moves on the per-attempt path).
  virtual void http_get(TargetId target, Duration timeout,
                        std::function<void(const HttpResult&)>&& done) = 0;
  virtual void http_get_fn(TargetId target, Duration timeout, Runtime::HttpDoneFn done, void* ctx,
                           std::uint64_t arg) = 0;
};

class SimRuntime final : public Runtime {
 public:
  explicit SimRuntime(EventQueue& q, HttpModel* http = nullptr) : q_(q), http_(http) {}
  void set_http(HttpModel* http) { http_ = http; }
  EventQueue& queue() { return q_; }

  Instant now() const override { return q_.now(); }
  TimerId call_after(Duration after, std::function<void()> fn) override {
    if (after < Duration::zero()) after = Duration::zero();
    return q_.schedule(q_.now() + after, std::move(fn));
  }
  // A plain event on the queue: nothing to wrap (EventQueue::Fn is the same signature).
  // always_inline: the client's think, retry and breaker timers (GCC kept it out of line).
  [[gnu::always_inline]] TimerId call_after_fn(Duration after, TimerFn fn, void* ctx,
                                               std::uint64_t arg) override {
    if (after < Duration::zero()) after = Duration::zero();
    return q_.schedule(q_.now() + after, fn, ctx, arg);
  }
  void cancel(TimerId id) override { q_.cancel(id); }
  TargetId resolve(std::string_view url) override;
  void http_get(TargetId target, Duration timeout,
                std::function<void(const HttpResult&)> done) override;
  void http_get_fn(TargetId target, Duration timeout, HttpDoneFn done, void* ctx,
                   std::uint64_t arg) override {
    if (!http_) [[unlikely]] no_http_model();
    http_->http_get_fn(target, timeout, done, ctx, arg);
  }

 private:
  [[noreturn]] static void no_http_model();

  EventQueue& q_;
  HttpModel* http_;
};

// The shared client on the simulator's runtime: the same code as Client, with SimRuntime's
// inline now() and timers and RunSinks' direct summary calls instead of virtual calls
// (instantiated in sim_runtime.cpp).
using SimClient = BasicClient<SimRuntime, RunSinks>;

}  // namespace chaoslab::sim

namespace chaoslab {
extern template class BasicClient<sim::SimRuntime, sim::RunSinks>;
}  // namespace chaoslab
