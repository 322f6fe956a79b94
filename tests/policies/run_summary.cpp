#include "policies/run_summary.hpp"

#include <doctest/doctest.h>

using namespace chaoslab;
using namespace std::chrono_literals;

namespace {
Instant at(double s) { return instant_at(s); }
HttpResult result(OutcomeKind k, int status, Duration latency) { return HttpResult{k, status, latency}; }
}  // namespace

TEST_CASE("a chaos run's summary: counts, percentiles, recovery and the per-run metrics") {
  RunSummarySink s;
  using S = BreakerState;
  s.on_pod(at(0), PodEvent{"p1", "Running", true});
  s.on_attempt(at(1), AttemptEvent{0, 0, 1, result(OutcomeKind::ok, 200, 100ms)});
  s.on_call(at(1), CallEvent{0, 0, OutcomeKind::ok, Raised::none, 1, 100ms, S::closed});
  s.on_retry(at(1.5), RetryEvent{0, 1, 1, 1s, OutcomeKind::http_5xx});
  s.on_transition(at(2), TransitionEvent{0, S::closed, S::open});
  s.on_chaos(at(3), ChaosEvent{"kill", "action", "start", "", ""});
  s.on_pod(at(3), PodEvent{"p1", "Terminating", false});
  s.on_chaos(at(3), ChaosEvent{"kill", "action", "end", "succeeded", ""});
  s.on_attempt(at(3.5), AttemptEvent{0, 2, 1, result(OutcomeKind::refused, 0, 1ms)});
  s.on_transition(at(4), TransitionEvent{0, S::open, S::half_open});
  s.on_transition(at(4), TransitionEvent{0, S::half_open, S::open});
  s.on_pod(at(6), PodEvent{"p2", "Running", true});
  s.on_transition(at(7), TransitionEvent{0, S::open, S::half_open});
  s.on_transition(at(7.5), TransitionEvent{0, S::half_open, S::closed});
  s.on_call(at(8), CallEvent{0, 3, OutcomeKind::ok, Raised::none, 1, 300ms, S::closed});
  CHECK(s.ready_endpoint_at(at(2.9)));
  CHECK_FALSE(s.ready_endpoint_at(at(3.2)));
  CHECK(s.ready_endpoint_at(at(6)));
  const RunSummary r = s.finish(at(10), 5, 0);
  CHECK(r.to_json() ==
        R"({"seed":5,"virtual_seconds":10.000000,"events":0,)"
        R"("calls":{"total":2,"ok":2,"http_5xx":0,"timeout":0,"refused":0,"rejected":0,"http_4xx":0,"reset":0},)"
        R"("attempts":{"total":2,"http_2xx":1,"http_5xx":0,"timeout":0,"refused":1,"http_4xx":0,"reset":0},)"
        R"("retries":1,"transitions":{"closed_to_open":1,"open_to_half_open":2,"half_open_to_open":1,"half_open_to_closed":1},)"
        R"("latency_ms":{"p50":200.000,"p95":290.000,"p99":298.000},)"
        R"("recovery":{"outage_s":3.000000,"time_to_first_success_s":2.000000,"time_to_closed_s":1.500000},)"
        R"("retry_amplification":1.000000,"attempts_without_ready_endpoint":1,"failed_half_open_trials":1,)"
        R"("wasted_cooldown_s":2.000000,"peak_backend_queue":null})");
  const std::string text = r.to_text();
  CHECK(text.find("recovery  outage 3.00 s; then first success after 2.00 s, breakers closed after 1.50 s") !=
        std::string::npos);
}

TEST_CASE("without chaos or pod events: no recovery, every attempt had an endpoint") {
  RunSummarySink s;
  s.on_attempt(at(1), AttemptEvent{0, 0, 1, result(OutcomeKind::timeout, 0, 2s)});
  s.on_call(at(1), CallEvent{0, 0, OutcomeKind::timeout, Raised::original, 1, 2s, BreakerState::closed});
  s.on_call(at(2), CallEvent{1, 0, OutcomeKind::breaker_rejected, Raised::breaker_error, 0, 0ms, BreakerState::open});
  const RunSummary r = s.finish(at(3), 1, 42);
  CHECK_FALSE(r.recovery);
  CHECK(r.attempts_without_ready_endpoint == 0);
  CHECK(r.calls.total == 2);
  CHECK(r.calls.timeout == 1);
  CHECK(r.calls.rejected == 1);
  CHECK(r.retry_amplification == doctest::Approx(0.5));
  CHECK_FALSE(r.latency_p50_ms);
  CHECK(r.to_json().find(R"("latency_ms":{"p50":null,"p95":null,"p99":null},"recovery":null)") != std::string::npos);
  CHECK(r.events == 42);
}

TEST_CASE("recovery when the endpoint never comes back, and when it never went away") {
  {
    RunSummarySink s;
    s.on_pod(at(0), PodEvent{"p", "Running", true});
    s.on_chaos(at(5), ChaosEvent{"kill", "action", "end", "succeeded", ""});
    s.on_pod(at(5), PodEvent{"p", "Terminating", false});  // after the action's end: still counted
    const RunSummary r = s.finish(at(20), 1, 0);
    REQUIRE(r.recovery);
    CHECK(r.recovery->outage_s == 0);  // a pod was ready when the action ended
  }
  {
    RunSummarySink s;
    s.on_pod(at(0), PodEvent{"p", "Running", true});
    s.on_pod(at(5), PodEvent{"p", "Terminating", false});
    s.on_chaos(at(5), ChaosEvent{"kill", "action", "end", "succeeded", ""});
    const RunSummary r = s.finish(at(20), 1, 0);
    REQUIRE(r.recovery);
    CHECK(r.recovery->outage_s == doctest::Approx(15));
    CHECK_FALSE(r.recovery->time_to_first_success_s);
    CHECK_FALSE(r.recovery->time_to_closed_s);
  }
}

TEST_CASE("wasted cool-down adds up per client, only while a pod is ready") {
  RunSummarySink s;
  using S = BreakerState;
  s.on_pod(at(0), PodEvent{"p", "Running", true});
  s.on_transition(at(1), TransitionEvent{0, S::closed, S::open});
  s.on_transition(at(2), TransitionEvent{1, S::closed, S::open});
  s.on_pod(at(3), PodEvent{"p", "Terminating", false});
  s.on_pod(at(4), PodEvent{"q", "Running", true});
  s.on_transition(at(5), TransitionEvent{0, S::open, S::half_open});
  const RunSummary r = s.finish(at(6), 1, 0);
  // client 0: [1,3) + [4,5) = 3 s; client 1: [2,3) + [4,6) = 3 s.
  CHECK(r.wasted_cooldown_s == doctest::Approx(6));
}

TEST_CASE("reset() makes a sink reusable with identical results") {
  RunSummarySink s;
  auto feed = [&] {
    s.on_pod(at(0), PodEvent{"p", "Running", true});
    for (int i = 0; i < 50; ++i)
      s.on_call(at(i), CallEvent{0, static_cast<std::uint64_t>(i), OutcomeKind::ok, Raised::none, 1,
                                 std::chrono::milliseconds(i * 7 % 31), BreakerState::closed});
    return s.finish(at(60), 3, 0);
  };
  const RunSummary a = feed();
  s.reset();
  const RunSummary b = feed();
  CHECK(a == b);
  REQUIRE(a.latency_p50_ms);
  CHECK(*a.latency_p50_ms == doctest::Approx(14.5));  // numpy.percentile(v, 50)
}
