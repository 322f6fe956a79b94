#include "policies/retry.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace chaoslab;
using namespace std::chrono_literals;

namespace {

Instant at(double s) { return instant_at(s); }

WaitSpec fixed(double w) {
  WaitSpec s;
  s.kind = WaitSpec::Kind::fixed;
  s.wait = w;
  return s;
}

}  // namespace

TEST_CASE("tenacity: stop_after_attempt(3) gives three attempts then re-raises") {
  RetryPolicy p;
  p.wait = fixed(0.5);
  Rng rng(1);
  RetrySequence seq(p, rng, at(0));
  auto d1 = seq.on_attempt(at(0.1), OutcomeKind::http_5xx);
  CHECK(d1.kind == RetrySequence::Decision::Kind::retry);
  CHECK(d1.wait == 500ms);
  CHECK(seq.attempt() == 2);
  auto d2 = seq.on_attempt(at(0.7), OutcomeKind::http_5xx);
  CHECK(d2.kind == RetrySequence::Decision::Kind::retry);
  auto d3 = seq.on_attempt(at(1.3), OutcomeKind::http_5xx);
  CHECK(d3.kind == RetrySequence::Decision::Kind::give_up);
  CHECK(d3.raised == Raised::original);
}

TEST_CASE("tenacity: a non-retryable outcome passes through at once") {
  RetryPolicy p;  // retry_on = {http_5xx}
  Rng rng(1);
  RetrySequence seq(p, rng, at(0));
  auto d = seq.on_attempt(at(2), OutcomeKind::timeout);
  CHECK(d.kind == RetrySequence::Decision::Kind::done);
  CHECK(d.raised == Raised::original);
  RetrySequence ok(p, rng, at(0));
  CHECK(ok.on_attempt(at(0.1), OutcomeKind::ok).raised == Raised::none);
}

TEST_CASE("tenacity: reraise=false ends in RetryError") {
  RetryPolicy p;
  p.reraise = false;
  p.stop = {StopSpec::Kind::after_attempt, 1, {}, {}};
  Rng rng(1);
  RetrySequence seq(p, rng, at(0));
  auto d = seq.on_attempt(at(0.1), OutcomeKind::http_5xx);
  CHECK(d.kind == RetrySequence::Decision::Kind::give_up);
  CHECK(d.raised == Raised::retry_error);
}

TEST_CASE("tenacity: wait_exponential_jitter draws the jitter even after the last attempt") {
  RetryPolicy p;
  p.wait.kind = WaitSpec::Kind::exponential_jitter;
  p.wait.initial = 1;
  p.wait.exp_base = 0.2;
  p.wait.max = 2;
  p.wait.jitter = 1;
  Rng rng(42), shadow(42);
  RetrySequence seq(p, rng, at(0));
  const double u1 = shadow.uniform01();
  auto d1 = seq.on_attempt(at(0), OutcomeKind::http_5xx);
  CHECK(to_seconds(d1.wait) == doctest::Approx(std::min(1.0 + u1, 2.0)).epsilon(1e-9));
  const double u2 = shadow.uniform01();
  auto d2 = seq.on_attempt(at(2), OutcomeKind::http_5xx);
  CHECK(to_seconds(d2.wait) == doctest::Approx(0.2 + u2).epsilon(1e-9));
  seq.on_attempt(at(4), OutcomeKind::http_5xx);  // the third attempt: give up, but still a draw
  shadow.uniform01();
  CHECK(rng.next_u64() == shadow.next_u64());
}

namespace {

WaitSpec make(WaitSpec::Kind k) {
  WaitSpec s;
  s.kind = k;
  return s;
}

double wait_at(const WaitSpec& w, int n, Rng& rng) {
  RetryState st;
  st.attempt = n;
  return to_seconds(compute_wait(w, st, rng));
}

}  // namespace

TEST_CASE("deterministic waits: table of n -> seconds, computed by hand from tenacity's formulas") {
  struct Row {
    const char* name;
    WaitSpec w;
    std::vector<double> expected;  // n = 1, 2, ...
  };
  WaitSpec incr = make(WaitSpec::Kind::incrementing);
  incr.start = 1;
  incr.increment = 2;
  incr.max = 4;  // clamp(1 + 2(n-1), 0, 4)
  WaitSpec decr = make(WaitSpec::Kind::incrementing);
  decr.start = 3;
  decr.increment = -2;  // 3, 1, 0 (clamped), 0
  WaitSpec expo = make(WaitSpec::Kind::exponential);
  expo.multiplier = 0.5;
  expo.max = 3;
  expo.min = 0.75;  // max(0.75, min(0.5 * 2^(n-1), 3))
  WaitSpec shrink = make(WaitSpec::Kind::exponential);
  shrink.exp_base = 0.2;  // 1 * 0.2^(n-1)
  WaitSpec overflow = make(WaitSpec::Kind::exponential);
  overflow.max = 7;  // 2^(2000) overflows: tenacity returns max
  WaitSpec chain = make(WaitSpec::Kind::chain);
  chain.children = {fixed(1), fixed(2), incr};  // the last one sees the real n
  WaitSpec combine = make(WaitSpec::Kind::combine);
  combine.children = {fixed(0.25), expo};
  const std::vector<Row> rows = {
      {"none", make(WaitSpec::Kind::none), {0, 0, 0}},
      {"fixed", fixed(1.5), {1.5, 1.5, 1.5}},
      {"incrementing", incr, {1, 3, 4, 4}},
      {"incrementing down", decr, {3, 1, 0, 0}},
      {"exponential", expo, {0.75, 1, 2, 3, 3}},
      {"exponential base 0.2", shrink, {1, 0.2, 0.04, 0.008}},
      {"chain", chain, {1, 2, 4, 4}},
      {"combine", combine, {1.0, 1.25, 2.25, 3.25}},
  };
  Rng rng(7);
  for (const auto& row : rows) {
    CAPTURE(row.name);
    for (std::size_t i = 0; i < row.expected.size(); ++i) {
      CAPTURE(i + 1);
      CHECK(wait_at(row.w, static_cast<int>(i + 1), rng) ==
            doctest::Approx(row.expected[i]).epsilon(1e-9));
    }
  }
  CHECK(wait_at(overflow, 2001, rng) == doctest::Approx(7));
  Rng untouched(7);
  CHECK(rng.next_u64() == untouched.next_u64());  // deterministic kinds draw nothing
}

TEST_CASE("random waits: one draw per random leaf, values from the formulas") {
  const std::uint64_t seed = 12345;
  for (int n = 1; n <= 6; ++n) {
    CAPTURE(n);
    SUBCASE("wait_random: U(min, max)") {
      WaitSpec w = make(WaitSpec::Kind::random);
      w.min = 0.5;
      w.max = 2.5;
      Rng rng(seed), shadow(seed);
      CHECK(wait_at(w, n, rng) == doctest::Approx(0.5 + 2.0 * shadow.uniform01()));
    }
    SUBCASE("wait_random_exponential: U(min, max(min, min(mult*base^(n-1), max)))") {
      WaitSpec w = make(WaitSpec::Kind::random_exponential);
      w.multiplier = 0.5;
      w.min = 0.1;
      w.max = 4;
      Rng rng(seed), shadow(seed);
      const double high = std::max(0.1, std::min(0.5 * std::pow(2.0, n - 1), 4.0));
      CHECK(wait_at(w, n, rng) == doctest::Approx(shadow.uniform(0.1, high)));
    }
    SUBCASE("wait_exponential_jitter: max(0, min(initial*base^(n-1) + U(0, jitter), max))") {
      WaitSpec w = make(WaitSpec::Kind::exponential_jitter);
      w.initial = 0.5;
      w.jitter = 0.25;
      w.max = 10;
      Rng rng(seed), shadow(seed);
      const double u = shadow.uniform(0, 0.25);
      CHECK(wait_at(w, n, rng) == doctest::Approx(std::min(0.5 * std::pow(2.0, n - 1) + u, 10.0)));
    }
    SUBCASE("equal jitter (Brooker): e/2 + U(0, e/2), e = min(cap, base*2^(n-1))") {
      WaitSpec w = make(WaitSpec::Kind::equal_jitter);
      w.multiplier = 0.1;
      w.max = 1;
      Rng rng(seed), shadow(seed);
      const double e = std::min(1.0, 0.1 * std::pow(2.0, n - 1));
      CHECK(wait_at(w, n, rng) == doctest::Approx(e / 2 + shadow.uniform(0, e / 2)));
    }
  }
}

TEST_CASE("decorrelated jitter (Brooker): sleep = min(cap, U(base, 3 x previous sleep))") {
  WaitSpec w = make(WaitSpec::Kind::decorrelated_jitter);
  w.multiplier = 0.1;
  w.max = 2;
  Rng rng(99), shadow(99);
  RetryState st;
  double prev = 0.1;  // the first sleep draws from U(base, 3*base)
  for (int n = 1; n <= 10; ++n) {
    st.attempt = n;
    const double expected = std::min(2.0, shadow.uniform(0.1, 3 * prev));
    CHECK(to_seconds(compute_wait(w, st, rng)) == doctest::Approx(expected).epsilon(1e-9));
    prev = expected;
  }
}

TEST_CASE("Polly DecorrelatedJitterBackoffV2: t = a + U, next = 2^t tanh(sqrt(4t)), (next-prev)/1.4 x d") {
  WaitSpec w = make(WaitSpec::Kind::polly_decorrelated_v2);
  w.initial = 0.2;
  Rng rng(5), shadow(5);
  RetryState st;
  double prev = 0;
  double sum = 0;
  for (int n = 1; n <= 8; ++n) {
    st.attempt = n;
    const double t = (n - 1) + shadow.uniform01();
    const double next = std::pow(2.0, t) * std::tanh(std::sqrt(4.0 * t));
    const double expected = (next - prev) / 1.4 * 0.2;
    prev = next;
    const double got = to_seconds(compute_wait(w, st, rng));
    CHECK(got == doctest::Approx(expected).epsilon(1e-9));
    CHECK(got > 0);
    sum += got;
  }
  // The delays telescope: their sum is next_last / 1.4 * d.
  CHECK(sum == doctest::Approx(prev / 1.4 * 0.2).epsilon(1e-6));
}

TEST_CASE("wait_combine draws its random children in order - wait_chain draws only the chosen one") {
  WaitSpec r1 = make(WaitSpec::Kind::random);
  r1.min = 0;
  r1.max = 1;
  WaitSpec r2 = make(WaitSpec::Kind::random);
  r2.min = 10;
  r2.max = 20;
  WaitSpec combine = make(WaitSpec::Kind::combine);
  combine.children = {r1, r2};
  Rng rng(3), shadow(3);
  const double a = shadow.uniform(0, 1);
  const double b = shadow.uniform(10, 20);
  CHECK(wait_at(combine, 1, rng) == doctest::Approx(a + b));
  WaitSpec chain = make(WaitSpec::Kind::chain);
  chain.children = {r1, r2};
  CHECK(wait_at(chain, 5, rng) == doctest::Approx(shadow.uniform(10, 20)));
  CHECK(rng.next_u64() == shadow.next_u64());
}

TEST_CASE("property: every random wait stays within its bounds over many seeds") {
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    Rng rng(seed);
    for (int n = 1; n <= 20; ++n) {
      CAPTURE(seed);
      CAPTURE(n);
      WaitSpec ej = make(WaitSpec::Kind::exponential_jitter);
      ej.initial = 1;
      ej.exp_base = 0.2;
      ej.max = 2;
      const double base = std::pow(0.2, n - 1);
      const double v = wait_at(ej, n, rng);
      CHECK(v >= std::min(base, 2.0) - 1e-9);
      CHECK(v <= std::min(base + 1, 2.0) + 1e-9);

      WaitSpec re = make(WaitSpec::Kind::random_exponential);
      re.multiplier = 0.5;
      re.max = 30;
      const double hi = std::min(0.5 * std::pow(2.0, n - 1), 30.0);
      const double r = wait_at(re, n, rng);
      CHECK(r >= 0);
      CHECK(r <= hi + 1e-9);

      WaitSpec eq = make(WaitSpec::Kind::equal_jitter);
      eq.multiplier = 0.5;
      eq.max = 30;
      const double e = wait_at(eq, n, rng);
      CHECK(e >= hi / 2 - 1e-9);
      CHECK(e <= hi + 1e-9);

      WaitSpec pv2 = make(WaitSpec::Kind::polly_decorrelated_v2);
      pv2.initial = 1;
      pv2.max = 60;
      const double p = wait_at(pv2, n, rng);  // fresh state each time: the first-delay formula
      CHECK(p >= 0);
      CHECK(p <= 60 + 1e-9);
    }
    // Decorrelated: never below base, never above the cap, never above 3x the previous sleep.
    WaitSpec dj = make(WaitSpec::Kind::decorrelated_jitter);
    dj.multiplier = 0.05;
    dj.max = 5;
    RetryState st;
    double prev = 0.05;
    for (int n = 1; n <= 30; ++n) {
      st.attempt = n;
      const double s = to_seconds(compute_wait(dj, st, rng));
      CHECK(s >= 0.05 - 1e-9);
      CHECK(s <= std::min(5.0, 3 * prev) + 1e-9);
      prev = s;
    }
  }
}

TEST_CASE("unbounded exponential waits are capped so that they fit in a Duration") {
  WaitSpec w = make(WaitSpec::Kind::exponential);
  Rng rng(1);
  CHECK(wait_at(w, 5000, rng) == doctest::Approx(1e9));
}

TEST_CASE("stop strategies (tenacity): table") {
  StopSpec attempts{StopSpec::Kind::after_attempt, 3, {}, {}};
  StopSpec after{StopSpec::Kind::after_delay, {}, 10s, {}};
  StopSpec before{StopSpec::Kind::before_delay, {}, 10s, {}};
  StopSpec any{StopSpec::Kind::any, {}, {}, {attempts, after}};
  StopSpec all{StopSpec::Kind::all, {}, {}, {attempts, after}};
  StopSpec never{};
  struct Row {
    int n;
    double elapsed;
    double next_wait;
    bool attempts, after, before, any, all, never;
  };
  const std::vector<Row> rows = {
      {1, 0, 0, false, false, false, false, false, false},
      {3, 0, 0, true, false, false, true, false, false},
      {2, 10, 0, false, true, true, true, false, false},
      {2, 9, 0.999, false, false, false, false, false, false},
      {2, 9, 1, false, false, true, false, false, false},  // elapsed + next_wait >= 10
      {4, 12, 0, true, true, true, true, true, false},
  };
  for (const auto& r : rows) {
    RetryState st;
    st.attempt = r.n;
    st.elapsed = from_seconds(r.elapsed);
    const Duration w = from_seconds(r.next_wait);
    CAPTURE(r.n);
    CAPTURE(r.elapsed);
    CHECK(should_stop(attempts, st, w) == r.attempts);
    CHECK(should_stop(after, st, w) == r.after);
    CHECK(should_stop(before, st, w) == r.before);
    CHECK(should_stop(any, st, w) == r.any);
    CHECK(should_stop(all, st, w) == r.all);
    CHECK(should_stop(never, st, w) == r.never);
  }
}

TEST_CASE("stop_before_delay sees the wait just computed (wait before stop)") {
  RetryPolicy p;
  p.stop = {StopSpec::Kind::before_delay, {}, 5s, {}};
  p.wait = fixed(2);
  Rng rng(1);
  RetrySequence seq(p, rng, at(0));
  CHECK(seq.on_attempt(at(1), OutcomeKind::http_5xx).kind == RetrySequence::Decision::Kind::retry);
  // elapsed 3 + wait 2 >= 5: give up now rather than sleep past the limit.
  CHECK(seq.on_attempt(at(3), OutcomeKind::http_5xx).kind == RetrySequence::Decision::Kind::give_up);
}

TEST_CASE("retry state: attempt, elapsed and previous_wait follow the sequence") {
  RetryPolicy p;
  p.stop = {StopSpec::Kind::never, {}, {}, {}};
  p.wait = make(WaitSpec::Kind::incrementing);
  p.wait.start = 1;
  p.wait.increment = 1;
  Rng rng(1);
  RetrySequence seq(p, rng, at(100));
  auto d = seq.on_attempt(at(100.5), OutcomeKind::http_5xx);
  CHECK(d.wait == 1s);
  CHECK(seq.attempt() == 2);
  CHECK(seq.state().elapsed == 500ms);
  CHECK(seq.state().previous_wait == 1s);
  d = seq.on_attempt(at(102), OutcomeKind::http_5xx);
  CHECK(d.wait == 2s);
  CHECK(seq.attempt() == 3);
  CHECK(seq.state().elapsed == 2s);
}

TEST_CASE("retry_on selects the retryable outcome kinds - others pass through without a draw") {
  RetryPolicy p;
  p.retry_on = {OutcomeKind::timeout, OutcomeKind::refused};
  p.wait = make(WaitSpec::Kind::random);
  p.wait.max = 1;
  Rng rng(8), shadow(8);
  RetrySequence a(p, rng, at(0));
  CHECK(a.on_attempt(at(0), OutcomeKind::http_5xx).kind == RetrySequence::Decision::Kind::done);
  CHECK(rng.next_u64() == shadow.next_u64());
  RetrySequence b(p, rng, at(0));
  CHECK(b.on_attempt(at(0), OutcomeKind::refused).kind == RetrySequence::Decision::Kind::retry);
}

TEST_CASE("retrying on a result (retry_on contains ok) ends in RetryError even with reraise") {
  RetryPolicy p;
  p.retry_on = {OutcomeKind::ok};
  p.stop = {StopSpec::Kind::after_attempt, 2, {}, {}};
  Rng rng(1);
  RetrySequence seq(p, rng, at(0));
  CHECK(seq.on_attempt(at(0), OutcomeKind::ok).kind == RetrySequence::Decision::Kind::retry);
  auto d = seq.on_attempt(at(1), OutcomeKind::ok);
  CHECK(d.kind == RetrySequence::Decision::Kind::give_up);
  CHECK(d.raised == Raised::retry_error);
}

TEST_CASE("deadline: no retry whose wait would end at or after start + deadline") {
  RetryPolicy p;
  p.stop = {StopSpec::Kind::never, {}, {}, {}};
  p.wait = fixed(1);
  p.deadline = 3s;
  Rng rng(1);
  RetrySequence seq(p, rng, at(10));
  CHECK(seq.deadline_at() == at(13));
  CHECK(seq.on_attempt(at(10.5), OutcomeKind::http_5xx).kind == RetrySequence::Decision::Kind::retry);
  CHECK(seq.on_attempt(at(11.9), OutcomeKind::http_5xx).kind == RetrySequence::Decision::Kind::retry);
  auto d = seq.on_attempt(at(12), OutcomeKind::http_5xx);  // 2 + 1 >= 3
  CHECK(d.kind == RetrySequence::Decision::Kind::give_up);
  CHECK(d.raised == Raised::original);
  RetryPolicy none;
  RetrySequence s2(none, rng, at(0));
  CHECK(s2.deadline_at() == Instant::max());
}

TEST_CASE("token bucket budget (gRPC retryThrottling): retries while tokens > max/2") {
  BudgetConfig c;
  c.kind = BudgetConfig::Kind::token_bucket;
  c.max_tokens = 4;
  c.token_ratio = 0.5;
  RetryBudget b(c);
  CHECK(b.tokens() == 4);
  CHECK(b.allow_retry());
  b.on_attempt_failure();  // 3
  CHECK(b.allow_retry());
  b.on_attempt_failure();  // 2 = max/2: blocked
  CHECK(b.tokens() == 2);
  CHECK_FALSE(b.allow_retry());
  b.on_attempt_success();  // 2.5
  CHECK(b.allow_retry());
  for (int i = 0; i < 10; ++i) b.on_attempt_failure();
  CHECK(b.tokens() == 0);  // floor at 0
  for (int i = 0; i < 20; ++i) b.on_attempt_success();
  CHECK(b.tokens() == 4);  // ceiling at max_tokens

  RetryPolicy p;
  p.stop = {StopSpec::Kind::never, {}, {}, {}};
  p.budget = c;
  RetryBudget empty(c);
  empty.on_attempt_failure();
  empty.on_attempt_failure();
  Rng rng(1);
  RetrySequence seq(p, rng, at(0), &empty);
  auto d = seq.on_attempt(at(0), OutcomeKind::http_5xx);
  CHECK(d.kind == RetrySequence::Decision::Kind::give_up);
  CHECK(d.raised == Raised::original);
  CHECK(empty.tokens() == 2);  // the sequence only consults the budget
}

TEST_CASE("percent-of-active budget (Envoy): active retries < max(pct x active requests, min)") {
  BudgetConfig c;
  c.kind = BudgetConfig::Kind::percent_active;
  c.budget_percent = 20;
  c.min_retry_concurrency = 2;
  RetryBudget b(c);
  for (int i = 0; i < 20; ++i) b.request_started();  // limit max(4, 2) = 4
  for (int i = 0; i < 4; ++i) {
    CHECK(b.allow_retry());
    b.retry_started();
  }
  CHECK_FALSE(b.allow_retry());
  b.retry_finished();
  CHECK(b.allow_retry());
  for (int i = 0; i < 15; ++i) b.request_finished();  // 5 active: limit max(1, 2) = 2
  CHECK_FALSE(b.allow_retry());                        // 3 retries active
  b.retry_finished();
  b.retry_finished();
  CHECK(b.allow_retry());  // 1 < 2
  BudgetConfig none;
  RetryBudget unlimited(none);
  CHECK(unlimited.allow_retry());
}
