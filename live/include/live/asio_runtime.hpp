// chaoslab::Runtime in real time: Boost.Asio steady timers on one io_context thread (the single
// logical thread of the client logic) and HTTP calls with cpp-httplib on a bounded pool of worker
// threads, whose outcomes are posted back to that thread. now() counts from construction.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "live/url.hpp"
#include "policies/runtime.hpp"

namespace chaoslab::live {

class AsioRuntime final : public Runtime {
 public:
  // `http_workers` bounds the blocking HTTP calls in flight; more wait in the pool's queue (their
  // timeout still runs from http_get, so a saturated pool shows up as timeouts, not as hangs).
  explicit AsioRuntime(std::size_t http_workers = 16);
  ~AsioRuntime() override;
  AsioRuntime(const AsioRuntime&) = delete;
  AsioRuntime& operator=(const AsioRuntime&) = delete;

  // Runtime. call_after, cancel, resolve and http_get must be called on the io thread (inside a
  // callback, or before run() starts).
  Instant now() const override;
  TimerId call_after(Duration after, std::function<void()> fn) override;
  void cancel(TimerId id) override;
  TargetId resolve(std::string_view url) override;
  void http_get(TargetId target, Duration timeout,
                std::function<void(const HttpResult&)> done) override;

  // Runs the io_context on the calling thread until stop(); work is kept alive while idle.
  void run();
  // Thread-safe: makes run() return as soon as the current callback finishes.
  void stop();
  // Thread-safe: runs fn on the io thread.
  void post(std::function<void()> fn);
  // Thread-safe: runs fn on the io thread and returns its result, or nullopt when the io thread
  // did not get to it within `wait` (fn may still run later: capture nothing short-lived).
  template <class F>
  auto query(F fn, std::chrono::milliseconds wait = std::chrono::seconds(2))
      -> std::optional<decltype(fn())> {
    auto result = std::make_shared<std::promise<decltype(fn())>>();
    auto fut = result->get_future();
    post([fn = std::move(fn), result]() mutable { result->set_value(fn()); });
    if (fut.wait_for(wait) != std::future_status::ready) return std::nullopt;
    return fut.get();
  }

  // Runs `work` (blocking: an HTTP request, a child process) on the worker pool and then
  // `done(result)` on the io thread. Call on the io thread.
  template <class Work, class Done>
  void offload(Work work, Done done) {
    boost::asio::post(pool_, [this, work = std::move(work), done = std::move(done)]() mutable {
      auto result = work();
      post([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
    });
  }

  const HttpUrl& target_url(TargetId id) const { return targets_.at(id); }
  std::size_t pending_timers() const { return timers_.size(); }
  std::size_t http_in_flight() const { return http_in_flight_.load(); }

 private:
  using SteadyClock = std::chrono::steady_clock;

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  SteadyClock::time_point t0_;
  TimerId next_timer_ = 1;
  std::map<TimerId, std::shared_ptr<boost::asio::steady_timer>> timers_;
  std::vector<HttpUrl> targets_;
  std::atomic<std::size_t> http_in_flight_{0};
  boost::asio::thread_pool pool_;  // last: joined before the io_context it posts to goes away
};

// Classifies one finished httplib GET the way the Runtime reports outcomes; exposed for tests.
// `error` is httplib::Error as int; `elapsed` is how long the call took.
OutcomeKind classify_http_error(int error, Duration elapsed, Duration timeout);

}  // namespace chaoslab::live
