#include "policies/breaker.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace chaoslab;
using namespace std::chrono_literals;

namespace {

Instant at(double s) { return instant_at(s); }

// Records every hook as "hook@t" (and "from->to@t" for transitions) in call order.
struct Recorder : BreakerListener {
  std::vector<std::string> log;
  static std::string t(Instant i) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(i.time_since_epoch()).count();
    return std::to_string(ms);
  }
  void before_call(Instant i) override { log.push_back("before_call@" + t(i)); }
  void on_success(Instant i) override { log.push_back("success@" + t(i)); }
  void on_failure(Instant i) override { log.push_back("failure@" + t(i)); }
  void state_change(Instant i, BreakerState from, BreakerState to) override {
    log.push_back(std::string(to_string(from)) + "->" + std::string(to_string(to)) + "@" + t(i));
  }
};

BreakerConfig pybreaker(int fail_max, Duration reset, int success_threshold = 1) {
  BreakerConfig c;
  c.fail_max = fail_max;
  c.reset_timeout = reset;
  c.success_threshold = success_threshold;
  return c;
}

// One admitted call that finishes at the same instant.
Raised call(CircuitBreaker& b, double t, Verdict v) {
  REQUIRE(b.try_acquire(at(t)));
  return b.on_result(at(t), v);
}

}  // namespace

TEST_CASE("pybreaker: consecutive failures trip at fail_max; the tripping call raises the breaker error") {
  CircuitBreaker b(pybreaker(3, 10s));
  CHECK(call(b, 0, Verdict::failure) == Raised::original);
  CHECK(b.fail_counter() == 1);
  CHECK(call(b, 1, Verdict::failure) == Raised::original);
  CHECK(b.fail_counter() == 2);
  CHECK(b.state() == BreakerState::closed);
  CHECK(call(b, 2, Verdict::failure) == Raised::breaker_error);
  CHECK(b.state() == BreakerState::open);
  CHECK(b.opened_at() == at(2));
  // pybreaker keeps fail_counter on open; it is reset only on close.
  CHECK(b.fail_counter() == 3);
}

TEST_CASE("pybreaker: a success resets the failure counter") {
  CircuitBreaker b(pybreaker(2, 10s));
  call(b, 0, Verdict::failure);
  CHECK(call(b, 1, Verdict::success) == Raised::none);
  CHECK(b.fail_counter() == 0);
  call(b, 2, Verdict::failure);
  CHECK(b.state() == BreakerState::closed);
}

TEST_CASE("pybreaker: an excluded outcome counts as a success and is re-raised unchanged") {
  CircuitBreaker b(pybreaker(2, 10s));
  call(b, 0, Verdict::failure);
  CHECK(call(b, 1, Verdict::excluded) == Raised::original);
  CHECK(b.fail_counter() == 0);
  CHECK(call(b, 2, Verdict::failure) == Raised::original);
  CHECK(b.state() == BreakerState::closed);
}

TEST_CASE("pybreaker: throw_new_error_on_trip=false raises the original error on the trip") {
  auto cfg = pybreaker(1, 10s);
  cfg.throw_new_error_on_trip = false;
  CircuitBreaker b(cfg);
  CHECK(call(b, 0, Verdict::failure) == Raised::original);
  CHECK(b.state() == BreakerState::open);
}

TEST_CASE("pybreaker: OPEN rejects lazily until opened_at + reset_timeout, then the same call is the trial") {
  CircuitBreaker b(pybreaker(1, 2s));
  Recorder r;
  b.add_listener(&r);
  call(b, 10, Verdict::failure);
  r.log.clear();
  CHECK_FALSE(b.try_acquire(at(10.5)));
  CHECK_FALSE(b.try_acquire(at(11.999)));
  CHECK(r.log.empty());  // rejected calls fire no before_call and change no counter
  CHECK(b.fail_counter() == 1);
  CHECK(b.state() == BreakerState::open);
  CHECK(b.try_acquire(at(12)));  // now == opened_at + reset_timeout is admitted
  CHECK(b.state() == BreakerState::half_open);
  CHECK(r.log == std::vector<std::string>{"open->half_open@12000", "before_call@12000"});
}

TEST_CASE("pybreaker: a failed trial re-opens with a new opened_at and raises the breaker error") {
  CircuitBreaker b(pybreaker(2, 1s));
  call(b, 0, Verdict::failure);
  call(b, 0.1, Verdict::failure);
  REQUIRE(b.state() == BreakerState::open);
  CHECK(call(b, 1.1, Verdict::failure) == Raised::breaker_error);
  CHECK(b.state() == BreakerState::open);
  CHECK(b.opened_at() == at(1.1));
  CHECK(b.fail_counter() == 3);
  CHECK_FALSE(b.try_acquire(at(2.0)));
  CHECK(b.try_acquire(at(2.1)));
}

TEST_CASE("pybreaker: a successful trial closes and resets the failure counter") {
  CircuitBreaker b(pybreaker(2, 1s));
  call(b, 0, Verdict::failure);
  call(b, 0, Verdict::failure);
  CHECK(call(b, 1, Verdict::success) == Raised::none);
  CHECK(b.state() == BreakerState::closed);
  CHECK(b.fail_counter() == 0);
}

TEST_CASE("pybreaker: listener order when a call trips") {
  CircuitBreaker b(pybreaker(1, 1s));
  Recorder r;
  b.add_listener(&r);
  call(b, 0, Verdict::failure);
  CHECK(r.log == std::vector<std::string>{"before_call@0", "failure@0", "closed->open@0"});
}
