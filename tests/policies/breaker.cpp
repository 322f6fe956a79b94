#include "policies/breaker.hpp"

#include <doctest/doctest.h>

#include <cmath>
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

TEST_CASE("pybreaker: consecutive failures trip at fail_max - the tripping call raises the breaker error") {
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

namespace {

// One row of a scripted run: a call at `t` (admitted or not), finishing at the same instant with
// verdict `v`, and what the breaker must report afterwards.
struct Step {
  double t;
  Verdict v;
  bool admitted;
  Raised raised;
  BreakerState state;
  int fail_counter;
  int success_counter;
};

void run_table(CircuitBreaker& b, const std::vector<Step>& steps) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    CAPTURE(i);
    CAPTURE(s.t);
    const bool admitted = b.try_acquire(at(s.t));
    CHECK(admitted == s.admitted);
    if (admitted) CHECK(b.on_result(at(s.t), s.v) == s.raised);
    CHECK(b.state() == s.state);
    CHECK(b.fail_counter() == s.fail_counter);
    CHECK(b.success_counter() == s.success_counter);
  }
}

constexpr auto S = Verdict::success;
constexpr auto F = Verdict::failure;
constexpr auto X = Verdict::excluded;
constexpr auto kNone = Raised::none;
constexpr auto kOrig = Raised::original;
constexpr auto kErr = Raised::breaker_error;
constexpr auto kClosed = BreakerState::closed;
constexpr auto kOpen = BreakerState::open;
constexpr auto kHalf = BreakerState::half_open;

}  // namespace

TEST_CASE("pybreaker table: fail_max=2, reset_timeout=1s, success_threshold=1 (the lab's ConfigMap)") {
  CircuitBreaker b(pybreaker(2, 1s));
  run_table(b, {
                   {0.0, S, true, kNone, kClosed, 0, 0},
                   {0.3, F, true, kOrig, kClosed, 1, 0},
                   {0.6, X, true, kOrig, kClosed, 0, 0},   // excluded resets like a success
                   {0.9, F, true, kOrig, kClosed, 1, 0},
                   {1.2, F, true, kErr, kOpen, 2, 0},      // trips: opened_at = 1.2
                   {1.5, S, false, kNone, kOpen, 2, 0},    // rejected, nothing counted
                   {2.19, F, false, kNone, kOpen, 2, 0},
                   {2.2, F, true, kErr, kOpen, 3, 0},      // trial fails: re-open at 2.2
                   {3.1, S, false, kNone, kOpen, 3, 0},
                   {3.2, S, true, kNone, kClosed, 0, 1},   // trial succeeds: close
                   {3.5, F, true, kOrig, kClosed, 1, 1},
                   {3.8, F, true, kErr, kOpen, 2, 0},      // success counter reset on open
                   {4.8, X, true, kOrig, kClosed, 0, 1},   // excluded trial closes too
               });
}

TEST_CASE("pybreaker table: success_threshold=2 needs two trial successes - a failure re-opens") {
  CircuitBreaker b(pybreaker(1, 2s, 2));
  run_table(b, {
                   {0, F, true, kErr, kOpen, 1, 0},
                   {2, S, true, kNone, kHalf, 0, 1},   // first success: still half-open
                   {2.5, F, true, kErr, kOpen, 1, 0},  // any failure re-opens, success counter reset
                   {4.5, S, true, kNone, kHalf, 0, 1},
                   {4.6, S, true, kNone, kClosed, 0, 2},  // pybreaker keeps success_counter on close
                   {5, F, true, kErr, kOpen, 1, 0},
               });
}

TEST_CASE("pybreaker: throw_new_error_on_trip=false makes a failed trial raise the original error") {
  // pybreaker 1.x source: CircuitHalfOpenState.on_failure raises the original error when
  // open() returns throw_new_error_on_trip=False.
  auto cfg = pybreaker(1, 1s);
  cfg.throw_new_error_on_trip = false;
  CircuitBreaker b(cfg);
  run_table(b, {
                   {0, F, true, kOrig, kOpen, 1, 0},
                   {1, F, true, kOrig, kOpen, 2, 0},
               });
}

TEST_CASE("pybreaker: listener order for a successful and a failed trial") {
  CircuitBreaker b(pybreaker(1, 1s));
  Recorder r;
  b.add_listener(&r);
  call(b, 0, Verdict::failure);
  call(b, 1, Verdict::success);
  CHECK(r.log == std::vector<std::string>{"before_call@0", "failure@0", "closed->open@0",
                                          "open->half_open@1000", "before_call@1000",
                                          "half_open->closed@1000", "success@1000"});
  r.log.clear();
  call(b, 2, Verdict::failure);  // fail_max=1: trips again
  call(b, 3, Verdict::failure);  // failed trial
  CHECK(r.log == std::vector<std::string>{"before_call@2000", "failure@2000", "closed->open@2000",
                                          "open->half_open@3000", "before_call@3000",
                                          "failure@3000", "half_open->open@3000"});
}

TEST_CASE("listeners are called in registration order and get the time of the change") {
  CircuitBreaker b(pybreaker(1, 1s));
  std::vector<std::string> order;
  struct Named : BreakerListener {
    std::vector<std::string>* out;
    std::string name;
    void state_change(Instant t, BreakerState, BreakerState) override {
      out->push_back(name + "@" + Recorder::t(t));
    }
  } a, c;
  a.out = c.out = &order;
  a.name = 'a';  // not "a": GCC 12 -O3 reports a false -Wrestrict on that
  c.name = 'c';
  b.add_listener(&a);
  b.add_listener(&c);
  REQUIRE(b.try_acquire(at(0.5)));
  b.on_result(at(0.75), Verdict::failure);
  CHECK(order == std::vector<std::string>{"a@750", "c@750"});
  CHECK(b.opened_at() == at(0.75));  // opened when the call finished, not when it started
}

TEST_CASE("a result arriving while OPEN (admitted before the trip) is counted without a transition") {
  CircuitBreaker b(pybreaker(1, 10s));
  REQUIRE(b.try_acquire(at(0)));
  REQUIRE(b.try_acquire(at(0)));
  CHECK(b.on_result(at(1), Verdict::failure) == Raised::breaker_error);
  CHECK(b.on_result(at(2), Verdict::failure) == Raised::original);
  CHECK(b.state() == BreakerState::open);
  CHECK(b.opened_at() == at(1));
  CHECK(b.fail_counter() == 2);
}

TEST_CASE("half-open admits every call by default (pybreaker), at most n with half_open_max_calls") {
  SUBCASE("pybreaker: no cap") {
    CircuitBreaker b(pybreaker(1, 1s));
    call(b, 0, Verdict::failure);
    CHECK(b.try_acquire(at(1)));
    CHECK(b.try_acquire(at(1.1)));
    CHECK(b.try_acquire(at(1.2)));
  }
  SUBCASE("cap 1 (Polly, the lab's unused CB_HALF_OPEN_MAX_CALLS=1)") {
    auto cfg = pybreaker(1, 1s, 2);
    cfg.half_open_max_calls = 1;
    CircuitBreaker b(cfg);
    call(b, 0, Verdict::failure);
    CHECK(b.try_acquire(at(1)));
    CHECK_FALSE(b.try_acquire(at(1.1)));  // one trial in flight
    CHECK(b.on_result(at(1.2), Verdict::success) == Raised::none);
    CHECK(b.state() == BreakerState::half_open);  // success_threshold 2
    CHECK(b.try_acquire(at(1.3)));
    CHECK_FALSE(b.try_acquire(at(1.3)));
    b.on_result(at(1.4), Verdict::success);
    CHECK(b.state() == BreakerState::closed);
    CHECK(b.try_acquire(at(1.5)));
    CHECK(b.try_acquire(at(1.5)));  // closed: no cap
  }
}

TEST_CASE("max_half_open_duration re-opens a half-open state that lasts too long") {
  auto cfg = pybreaker(1, 1s);
  cfg.half_open_max_calls = 1;
  cfg.max_half_open_duration = 5s;
  CircuitBreaker b(cfg);
  Recorder r;
  b.add_listener(&r);
  call(b, 0, Verdict::failure);
  REQUIRE(b.try_acquire(at(1)));  // the trial hangs
  CHECK(b.next_timer() == at(6));
  CHECK_FALSE(b.try_acquire(at(5.9)));
  SUBCASE("lazily on the next call") {
    r.log.clear();
    CHECK_FALSE(b.try_acquire(at(6)));  // re-opened at 6, so this call is rejected
    CHECK(b.state() == BreakerState::open);
    CHECK(b.opened_at() == at(6));
    CHECK(r.log == std::vector<std::string>{"half_open->open@6000"});
    CHECK(b.try_acquire(at(7)));
  }
  SUBCASE("by tick()") {
    b.tick(at(5.5));
    CHECK(b.state() == BreakerState::half_open);
    b.tick(at(6));
    CHECK(b.state() == BreakerState::open);
    CHECK(b.next_timer() == Instant::max());  // not automatic: OPEN waits for a call
  }
}

TEST_CASE("automatic half-open: next_timer() and tick() move OPEN -> HALF_OPEN without a call") {
  auto cfg = pybreaker(1, 2s);
  cfg.automatic_half_open = true;
  CircuitBreaker b(cfg);
  Recorder r;
  b.add_listener(&r);
  CHECK(b.next_timer() == Instant::max());
  call(b, 1, Verdict::failure);
  CHECK(b.next_timer() == at(3));
  b.tick(at(2.9));
  CHECK(b.state() == BreakerState::open);
  b.tick(at(3));
  CHECK(b.state() == BreakerState::half_open);
  CHECK(r.log.back() == "open->half_open@3000");
  CHECK(b.next_timer() == Instant::max());

  CircuitBreaker lazy(pybreaker(1, 2s));
  call(lazy, 1, Verdict::failure);
  CHECK(lazy.next_timer() == Instant::max());
  lazy.tick(at(10));
  CHECK(lazy.state() == BreakerState::open);  // pybreaker: only a call moves it
}

TEST_CASE("open duration growth with consecutive openings (resilience4j IntervalFunction, Envoy)") {
  struct Row {
    BreakerConfig::OpenGrowth growth;
    double multiplier;
    std::vector<double> expected;  // open duration after openings 1..n (no close in between)
  };
  const std::vector<Row> rows = {
      {BreakerConfig::OpenGrowth::none, 2, {1, 1, 1, 1}},
      // min(1 * 2^(k-1), 5)
      {BreakerConfig::OpenGrowth::exponential, 2, {1, 2, 4, 5, 5}},
      // min(1 * 1.5^(k-1), 5): 1, 1.5, 2.25, 3.375, 5
      {BreakerConfig::OpenGrowth::exponential, 1.5, {1, 1.5, 2.25, 3.375, 5}},
      // min(1 * k, 5)
      {BreakerConfig::OpenGrowth::linear, 2, {1, 2, 3, 4, 5, 5}},
  };
  for (const auto& row : rows) {
    auto cfg = pybreaker(1, 1s);
    cfg.open_growth = row.growth;
    cfg.open_backoff_multiplier = row.multiplier;
    cfg.max_open_duration = 5s;
    CircuitBreaker b(cfg);
    double t = 0;
    call(b, t, Verdict::failure);
    for (std::size_t k = 0; k < row.expected.size(); ++k) {
      CAPTURE(k);
      CHECK(b.consecutive_openings() == static_cast<int>(k + 1));
      CHECK(to_seconds(b.current_open_duration()) == doctest::Approx(row.expected[k]));
      t += to_seconds(b.current_open_duration());
      CHECK_FALSE(b.try_acquire(at(t - 0.001)));
      call(b, t, Verdict::failure);  // failed trial: the next opening
    }
    // A close resets the growth.
    t += to_seconds(b.current_open_duration());
    call(b, t, Verdict::success);
    REQUIRE(b.state() == BreakerState::closed);
    call(b, t, Verdict::failure);
    CHECK(b.consecutive_openings() == 1);
    CHECK(b.current_open_duration() == 1s);
  }
}

TEST_CASE("open jitter: duration x U(1-j, 1+j), drawn from the injected Rng, deterministic per seed") {
  auto cfg = pybreaker(1, 10s);
  cfg.open_jitter = 0.25;
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    Rng rng(seed), shadow(seed);
    CircuitBreaker b(cfg, &rng);
    call(b, 0, Verdict::failure);
    const double expected = 10.0 * shadow.uniform(0.75, 1.25);
    CHECK(to_seconds(b.current_open_duration()) == doctest::Approx(expected).epsilon(1e-9));
    CHECK(b.current_open_duration() >= 7500ms);
    CHECK(b.current_open_duration() <= 12500ms);
  }
}

TEST_CASE("property: exponential growth with jitter stays within (cap-bounded base x (1-j),  x (1+j))") {
  auto cfg = pybreaker(1, 1s);
  cfg.open_growth = BreakerConfig::OpenGrowth::exponential;
  cfg.open_backoff_multiplier = 3;
  cfg.max_open_duration = 20s;
  cfg.open_jitter = 0.5;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng(seed);
    CircuitBreaker b(cfg, &rng);
    double t = 0;
    call(b, t, Verdict::failure);
    for (int k = 1; k <= 8; ++k) {
      const double base = std::min(std::pow(3.0, k - 1), 20.0);
      const double d = to_seconds(b.current_open_duration());
      CHECK(d >= base * 0.5 - 1e-9);
      CHECK(d <= base * 1.5 + 1e-9);
      t += d;
      call(b, t, Verdict::failure);
    }
  }
}

namespace {
BreakerConfig window(BreakerConfig::Trip trip, int size, int min_calls, double rate) {
  BreakerConfig c;
  c.trip = trip;
  c.window_size = size;
  c.minimum_calls = min_calls;
  c.failure_rate_threshold = rate;
  c.reset_timeout = 10s;
  return c;
}
}  // namespace

TEST_CASE("count window: opens when the failure rate of the last n calls reaches the threshold") {
  CircuitBreaker b(window(BreakerConfig::Trip::count_window, 4, 4, 50));
  // window F          1/1 (below minimum)
  //        F S S S    1/4 = 25%
  //        S S S F    1/4 (the first F slid out)
  //        S S F F    2/4 = 50% -> open
  const std::vector<std::pair<Verdict, Raised>> calls = {
      {F, kOrig}, {S, kNone}, {S, kNone}, {S, kNone}, {F, kOrig}, {F, kErr}};
  double t = 0;
  for (auto [v, r] : calls) {
    CAPTURE(t);
    CHECK(call(b, t, v) == r);
    t += 0.1;
  }
  CHECK(b.state() == BreakerState::open);
}

TEST_CASE("count window: nothing trips below minimum_number_of_calls") {
  CircuitBreaker b(window(BreakerConfig::Trip::count_window, 10, 5, 50));
  for (int i = 0; i < 4; ++i) CHECK(call(b, i, F) == kOrig);
  CHECK(b.state() == BreakerState::closed);
  CHECK(call(b, 4, F) == kErr);  // 5/5 = 100%
}

TEST_CASE("count window smaller than minimum_number_of_calls: the window size rules (resilience4j)") {
  CircuitBreaker b(window(BreakerConfig::Trip::count_window, 3, 100, 60));
  call(b, 0, S);
  call(b, 1, F);
  CHECK(call(b, 2, F) == kErr);  // 2/3 = 66.7% >= 60 with 3 calls recorded
}

TEST_CASE("slow-call rate: successful calls slower than the threshold can open the breaker") {
  auto cfg = window(BreakerConfig::Trip::count_window, 4, 4, 100);
  cfg.slow_call_rate_threshold = 50;
  cfg.slow_call_duration = 1s;
  CircuitBreaker b(cfg);
  auto timed = [&](double t, Verdict v, Duration d) {
    REQUIRE(b.try_acquire(at(t)));
    return b.on_result(at(t), v, d);
  };
  CHECK(timed(0, S, 2s) == kNone);
  CHECK(timed(1, S, 1s) == kNone);  // exactly the threshold is not slow ("slower than")
  CHECK(timed(2, S, 100ms) == kNone);
  CHECK(b.state() == BreakerState::closed);
  CHECK(timed(3, S, 1500ms) == kNone);  // 2/4 slow = 50% -> open; the call itself succeeded
  CHECK(b.state() == BreakerState::open);
}

TEST_CASE("time window: a success can open it too, once the minimum is reached") {
  CircuitBreaker b(window(BreakerConfig::Trip::time_window, 10, 2, 50));
  CHECK(call(b, 0.5, F) == kOrig);  // {F@0}: below minimum
  CHECK(call(b, 1.0, S) == kNone);  // {F@0, S@1}: 1/2 = 50% -> open, the success itself passes
  CHECK(b.state() == BreakerState::open);
}

TEST_CASE("time window: old failures slide out") {
  CircuitBreaker b(window(BreakerConfig::Trip::time_window, 10, 3, 60));
  call(b, 0.0, F);
  call(b, 5.0, S);
  call(b, 9.9, S);   // 1/3 = 33%
  call(b, 10.5, F);  // bucket 0 dropped (oldest kept is 1): {S@5, S@9, F@10} 1/3
  call(b, 11.0, F);  // {S@5, S@9, F@10, F@11} 2/4 = 50%
  CHECK(b.state() == BreakerState::closed);
  CHECK(call(b, 12.0, F) == kErr);  // 3/5 = 60%
}

TEST_CASE("window half-open: the permitted trials are judged together") {
  auto cfg = window(BreakerConfig::Trip::count_window, 2, 2, 50);
  cfg.half_open_max_calls = 2;
  cfg.reset_timeout = 1s;
  SUBCASE("one failure in two trials: 50% re-opens") {
    CircuitBreaker b(cfg);
    call(b, 0, F);
    call(b, 0, F);
    REQUIRE(b.state() == BreakerState::open);
    REQUIRE(b.try_acquire(at(1)));
    REQUIRE(b.try_acquire(at(1)));
    CHECK_FALSE(b.try_acquire(at(1)));
    CHECK(b.on_result(at(1.1), F) == kOrig);  // not judged yet
    CHECK(b.state() == BreakerState::half_open);
    CHECK(b.on_result(at(1.2), S) == kNone);
    CHECK(b.state() == BreakerState::open);
    CHECK(b.opened_at() == at(1.2));
  }
  SUBCASE("two successes close, with a fresh window") {
    CircuitBreaker b(cfg);
    call(b, 0, F);
    call(b, 0, F);
    call(b, 1, S);
    CHECK(b.state() == BreakerState::half_open);
    call(b, 1, S);
    CHECK(b.state() == BreakerState::closed);
    CHECK(call(b, 2, F) == kOrig);  // 1 call in the new window: below minimum
  }
}

TEST_CASE("window modes ignore excluded outcomes (resilience4j ignoreExceptions)") {
  CircuitBreaker b(window(BreakerConfig::Trip::count_window, 2, 2, 50));
  CHECK(call(b, 0, X) == kOrig);
  CHECK(call(b, 1, X) == kOrig);
  CHECK(call(b, 2, F) == kOrig);  // only one recorded call
  CHECK(b.state() == BreakerState::closed);
  CHECK(call(b, 3, S) == kNone);  // F S: 50% -> open
  CHECK(b.state() == BreakerState::open);
}

TEST_CASE("BreakerConfig::classify: exclude wins, failure_on fails, the rest succeeds") {
  BreakerConfig c;
  c.exclude = {OutcomeKind::http_4xx, OutcomeKind::timeout};
  CHECK(c.classify(OutcomeKind::ok) == Verdict::success);
  CHECK(c.classify(OutcomeKind::http_4xx) == Verdict::excluded);
  CHECK(c.classify(OutcomeKind::timeout) == Verdict::excluded);
  CHECK(c.classify(OutcomeKind::http_5xx) == Verdict::failure);
  CHECK(c.classify(OutcomeKind::refused) == Verdict::failure);
  CHECK(c.classify(OutcomeKind::reset) == Verdict::failure);
  CHECK(c.classify(OutcomeKind::breaker_rejected) == Verdict::success);
}
