// The one narrow interface between the shared client logic and the world it runs in
// (FoundationDB's INetwork, TigerBeetle's Time): now, timers, and an HTTP call whose outcome comes
// back as a value. sim/ implements it in virtual time, live/ with Boost.Asio and cpp-httplib.
// Everything above it (client loop, retry, breaker, tracing) is written once.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "policies/outcome.hpp"
#include "policies/time.hpp"

namespace chaoslab {

using TimerId = std::uint64_t;   // 0 is never a valid id
using TargetId = std::uint32_t;

class Runtime {
 public:
  virtual ~Runtime() = default;

  // Time since the start of the run.
  virtual Instant now() const = 0;

  // Runs fn once, `after` from now, on the runtime's single logical thread. Callbacks never run
  // re-entrantly inside call_after. Keep captures small (two pointers fit std::function's
  // in-place buffer, so the simulator's hot path does not allocate).
  virtual TimerId call_after(Duration after, std::function<void()> fn) = 0;

  // Cancels a pending timer; cancelling a fired or unknown id does nothing.
  virtual void cancel(TimerId id) = 0;

  // Resolves a URL (live) or service name (simulation) once, at set-up; throws
  // std::invalid_argument naming the URL when it cannot be used.
  virtual TargetId resolve(std::string_view url) = 0;

  // Sends one GET to the target. `done` runs exactly once, later, on the runtime's thread, with
  // the outcome; the runtime enforces `timeout` (outcome timeout, latency == timeout).
  virtual void http_get(TargetId target, Duration timeout,
                        std::function<void(const HttpResult&)> done) = 0;

  // The same two operations with a plain function and its context instead of a std::function:
  // the client's per-call path uses these, and the simulator queues them without type erasure
  // (no wrapper to build, move, invoke through and destroy per timer and per attempt). The
  // defaults wrap them into the std::function versions, so a runtime need not implement them.
  using TimerFn = void (*)(void* ctx, std::uint64_t arg);
  using HttpDoneFn = void (*)(void* ctx, std::uint64_t arg, const HttpResult& result);
  virtual TimerId call_after_fn(Duration after, TimerFn fn, void* ctx, std::uint64_t arg) {
    return call_after(after, [fn, ctx, arg] { fn(ctx, arg); });
  }
  virtual void http_get_fn(TargetId target, Duration timeout, HttpDoneFn done, void* ctx,
                           std::uint64_t arg) {
    http_get(target, timeout, [done, ctx, arg](const HttpResult& r) { done(ctx, arg, r); });
  }
};

}  // namespace chaoslab
