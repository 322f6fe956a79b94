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
