// The shared client loop over a scripted fake runtime: composition orders, timeouts, retries and
// the closed loop's timing, checked event by event.
#include "policies/client.hpp"

#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <utility>
#include <vector>

using namespace chaoslab;
using namespace std::chrono_literals;

namespace {

// Virtual-time runtime whose HTTP answers come from a script (one entry per attempt).
class ScriptedRuntime final : public Runtime {
 public:
  struct Answer {
    OutcomeKind kind;
    int status;
    Duration latency;
  };
  std::deque<Answer> script;
  std::vector<Instant> sent_at;

  Instant now() const override { return now_; }
  TimerId call_after(Duration after, std::function<void()> fn) override {
    const TimerId id = ++next_id_;
    queue_.emplace(std::make_pair(now_ + after, id), std::move(fn));
    return id;
  }
  void cancel(TimerId id) override {
    for (auto it = queue_.begin(); it != queue_.end(); ++it)
      if (it->first.second == id) {
        queue_.erase(it);
        return;
      }
  }
  TargetId resolve(std::string_view) override { return 7; }
  void http_get(TargetId target, Duration timeout,
                std::function<void(const HttpResult&)> done) override {
    REQUIRE(target == 7);
    REQUIRE_FALSE(script.empty());
    sent_at.push_back(now_);
    Answer a = script.front();
    script.pop_front();
    HttpResult r{a.kind, a.status, a.latency};
    if (a.latency >= timeout) r = HttpResult{OutcomeKind::timeout, 0, timeout};
    call_after(r.latency, [r, done = std::move(done)] { done(r); });
  }
  // Runs events up to and including `until`.
  void run_until(Instant until) {
    while (!queue_.empty() && queue_.begin()->first.first <= until) {
      auto node = queue_.extract(queue_.begin());
      now_ = node.key().first;
      node.mapped()();
    }
    now_ = until;
  }

 private:
  Instant now_{};
  TimerId next_id_ = 0;
  std::map<std::pair<Instant, TimerId>, std::function<void()>> queue_;
};

struct Recorder final : TraceSink {
  std::vector<std::pair<Instant, AttemptEvent>> attempts;
  std::vector<std::pair<Instant, RetryEvent>> retries;
  std::vector<std::pair<Instant, CallEvent>> calls;
  std::vector<std::pair<Instant, TransitionEvent>> transitions;
  void on_attempt(Instant t, const AttemptEvent& e) override { attempts.emplace_back(t, e); }
  void on_retry(Instant t, const RetryEvent& e) override { retries.emplace_back(t, e); }
  void on_call(Instant t, const CallEvent& e) override { calls.emplace_back(t, e); }
  void on_transition(Instant t, const TransitionEvent& e) override { transitions.emplace_back(t, e); }
};

ClientConfig lab_like() {
  ClientConfig c;
  c.breaker.fail_max = 2;
  c.breaker.reset_timeout = 1s;
  c.retry.stop = StopSpec{StopSpec::Kind::after_attempt, 3, {}, {}};
  c.retry.wait = WaitSpec{};
  c.retry.wait.kind = WaitSpec::Kind::fixed;
  c.retry.wait.wait = 0.5;
  c.retry.retry_on = OutcomeSet{OutcomeKind::http_5xx};
  c.retry.attempt_timeout = 2s;
  return c;
}

const ScriptedRuntime::Answer k500{OutcomeKind::http_5xx, 500, 100ms};
const ScriptedRuntime::Answer k200{OutcomeKind::ok, 200, 100ms};

}  // namespace

TEST_CASE("breaker outside retry: a whole retry sequence is one breaker outcome") {
  ScriptedRuntime rt;
  Recorder rec;
  Rng rng(1);
  rt.script = {k500, k500, k500, k500, k500, k500};
  Client client(rt, lab_like(), rng, rec);
  client.start();
  // Call 0: 3 attempts at 0, 0.6, 1.2 s (0.1 s latency + 0.5 s wait), ends at 1.3 s.
  rt.run_until(Instant(1300ms));
  REQUIRE(rec.calls.size() == 1);
  CHECK(rec.calls[0].second.outcome == OutcomeKind::http_5xx);
  CHECK(rec.calls[0].second.raised == Raised::original);
  CHECK(rec.calls[0].second.attempts == 3);
  CHECK(rec.retries.size() == 2);
  CHECK(rec.retries[0].second.attempt == 1);
  CHECK(rec.retries[1].second.attempt == 2);
  CHECK(rec.retries[0].second.wait == 500ms);
  CHECK(rt.sent_at == std::vector<Instant>{Instant(0ms), Instant(600ms), Instant(1200ms)});
  CHECK(client.breaker()->fail_counter() == 1);
  CHECK(client.breaker()->state() == BreakerState::closed);
  // Call 1 starts after the 0.3 s think time and trips the breaker: the caller sees its error.
  rt.run_until(Instant(2900ms));
  REQUIRE(rec.calls.size() == 2);
  CHECK(rec.calls[1].second.outcome == OutcomeKind::breaker_rejected);
  CHECK(rec.calls[1].second.raised == Raised::breaker_error);
  CHECK(rec.calls[1].second.attempts == 3);
  REQUIRE(rec.transitions.size() == 1);
  CHECK(rec.transitions[0].first == Instant(2900ms));
  CHECK(rec.transitions[0].second.from == BreakerState::closed);
  CHECK(rec.transitions[0].second.to == BreakerState::open);
}

TEST_CASE("an open breaker rejects without calling, then admits a trial after reset_timeout") {
  ScriptedRuntime rt;
  Recorder rec;
  Rng rng(1);
  ClientConfig cfg = lab_like();
  cfg.retry_enabled = false;
  rt.script = {k500, k500, k200};
  Client client(rt, cfg, rng, rec);
  client.start();
  // Calls at 0 and 0.4 fail; the second trips (opened at 0.5). Calls at 0.8, 1.1, 1.4 are
  // rejected at once; the call at 1.7 (>= 0.5 + 1) is the half-open trial and succeeds.
  rt.run_until(Instant(1800ms));
  REQUIRE(rec.calls.size() == 6);
  CHECK(rec.calls[1].second.raised == Raised::breaker_error);
  for (int i = 2; i <= 4; ++i) {
    CHECK(rec.calls[i].second.outcome == OutcomeKind::breaker_rejected);
    CHECK(rec.calls[i].second.attempts == 0);
    CHECK(rec.calls[i].second.state_before == BreakerState::open);
  }
  CHECK(rec.calls[5].second.outcome == OutcomeKind::ok);
  CHECK(rec.calls[5].first == Instant(1800ms));
  REQUIRE(rec.transitions.size() == 3);
  CHECK(rec.transitions[1].first == Instant(1700ms));
  CHECK(rec.transitions[1].second.to == BreakerState::half_open);
  CHECK(rec.transitions[2].second.to == BreakerState::closed);
  CHECK(rt.sent_at.size() == 3);
}

TEST_CASE("timeouts and refusals are not retried by the lab's predicate") {
  ScriptedRuntime rt;
  Recorder rec;
  Rng rng(1);
  rt.script = {{OutcomeKind::ok, 200, 3s}, {OutcomeKind::refused, 0, 1ms}};
  Client client(rt, lab_like(), rng, rec);
  client.start();
  rt.run_until(Instant(2302ms));
  REQUIRE(rec.calls.size() == 2);
  CHECK(rec.calls[0].first == Instant(2s));
  CHECK(rec.calls[0].second.outcome == OutcomeKind::timeout);
  CHECK(rec.calls[0].second.attempts == 1);
  CHECK(rec.attempts[0].second.result.latency == 2s);
  CHECK(rec.calls[1].second.outcome == OutcomeKind::breaker_rejected);  // second failure trips
  CHECK(rec.retries.empty());
}

TEST_CASE("retry outside breaker: every attempt passes the breaker") {
  ScriptedRuntime rt;
  Recorder rec;
  Rng rng(1);
  ClientConfig cfg = lab_like();
  cfg.composition = ClientConfig::Composition::retry_outside_breaker;
  rt.script = {k500, k500};
  Client client(rt, cfg, rng, rec);
  client.start();
  rt.run_until(Instant(900ms));
  // Attempt 2 trips the breaker; its error is not retryable (retry_on is 5xx only).
  REQUIRE(rec.calls.size() == 1);
  CHECK(rec.calls[0].second.attempts == 2);
  CHECK(rec.calls[0].second.outcome == OutcomeKind::breaker_rejected);
  CHECK(rec.calls[0].second.raised == Raised::breaker_error);
  CHECK(rec.retries.size() == 1);
}

TEST_CASE("retry outside breaker can retry through the breaker's rejections") {
  ScriptedRuntime rt;
  Recorder rec;
  Rng rng(1);
  ClientConfig cfg = lab_like();
  cfg.composition = ClientConfig::Composition::retry_outside_breaker;
  cfg.breaker.fail_max = 1;
  cfg.retry.retry_on.insert(OutcomeKind::breaker_rejected);
  cfg.retry.wait.wait = 0.6;
  rt.script = {k500, k200};
  Client client(rt, cfg, rng, rec);
  client.start();
  // 0: 500 trips (opened 0.1). 0.7: rejected (0.7 < 1.1). 1.3: trial admitted, 200 at 1.4.
  rt.run_until(Instant(1400ms));
  REQUIRE(rec.calls.size() == 1);
  CHECK(rec.calls[0].second.outcome == OutcomeKind::ok);
  CHECK(rec.calls[0].second.attempts == 2);
  CHECK(rec.retries.size() == 2);
  CHECK(rt.sent_at == std::vector<Instant>{Instant(0ms), Instant(1300ms)});
}

TEST_CASE("baseline client: no breaker, no retry, closed loop with think time") {
  ScriptedRuntime rt;
  Recorder rec;
  Rng rng(1);
  ClientConfig cfg;
  cfg.breaker_enabled = false;
  cfg.retry_enabled = false;
  rt.script = {k500, k200, k500, k200};
  Client client(rt, cfg, rng, rec);
  client.start(Instant(1500ms));
  rt.run_until(Instant(10s));
  // Calls start at 0, 0.4, 0.8, 1.2; none at 1.6 (stop_at 1.5).
  REQUIRE(rec.calls.size() == 4);
  CHECK(client.breaker() == nullptr);
  CHECK(rec.calls[0].second.outcome == OutcomeKind::http_5xx);
  CHECK(rec.calls[3].first == Instant(1300ms));
  CHECK(rt.sent_at.back() == Instant(1200ms));
}

TEST_CASE("open-loop fixed-rate arrivals overlap and respect max_in_flight") {
  ScriptedRuntime rt;
  Recorder rec;
  Rng rng(1);
  ClientConfig cfg;
  cfg.breaker_enabled = false;
  cfg.retry_enabled = false;
  cfg.arrival = ClientConfig::Arrival::fixed_rate;
  cfg.rate_per_s = 10;
  cfg.max_in_flight = 3;
  for (int i = 0; i < 20; ++i) rt.script.push_back({OutcomeKind::ok, 200, 1s});
  Client client(rt, cfg, rng, rec);
  client.start(Instant(2s));
  rt.run_until(Instant(5s));
  // Arrivals every 0.1 s from 0.1 to 1.9: each lasts 1 s, so only 3 may be in flight.
  CHECK(client.dropped_arrivals() > 0);
  CHECK(rec.calls.size() + client.dropped_arrivals() == 19);
  CHECK(client.in_flight() == 0);
}
