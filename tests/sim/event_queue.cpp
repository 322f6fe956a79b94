#include "sim/event_queue.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "policies/rng.hpp"

using chaoslab::Duration;
using chaoslab::Instant;
using chaoslab::sim::EventQueue;
using namespace std::chrono_literals;

namespace {
Instant at_ms(int ms) { return Instant(Duration(std::chrono::milliseconds(ms))); }

void record(void* ctx, std::uint64_t arg) {
  static_cast<std::vector<std::uint64_t>*>(ctx)->push_back(arg);
}
}  // namespace

TEST_CASE("events run in time order, ties in insertion order") {
  EventQueue q;
  std::vector<std::uint64_t> order;
  q.schedule(at_ms(30), record, &order, 1);
  q.schedule(at_ms(10), record, &order, 2);
  q.schedule(at_ms(20), record, &order, 3);
  q.schedule(at_ms(10), record, &order, 4);
  q.schedule(at_ms(10), [&] { order.push_back(5); });
  q.schedule(at_ms(20), record, &order, 6);
  q.run_until(Instant::max());
  CHECK(order == std::vector<std::uint64_t>{2, 4, 5, 3, 6, 1});
  CHECK(q.processed() == 6);
  CHECK(q.now() == at_ms(30));
  CHECK(q.size() == 0);
}

TEST_CASE("ties keep insertion order across many events and heap growth") {
  EventQueue q;
  std::vector<std::uint64_t> order;
  for (std::uint64_t i = 0; i < 5000; ++i) q.schedule(at_ms(static_cast<int>(i % 7)), record, &order, i);
  q.run_until(Instant::max());
  REQUIRE(order.size() == 5000);
  for (std::size_t k = 1; k < order.size(); ++k) {
    const auto a = order[k - 1], b = order[k];
    const bool ok = (a % 7 < b % 7) || (a % 7 == b % 7 && a < b);
    REQUIRE(ok);
  }
}

TEST_CASE("cancel removes a pending event; cancelling fired or unknown ids does nothing") {
  EventQueue q;
  std::vector<std::uint64_t> order;
  const auto a = q.schedule(at_ms(1), record, &order, 1);
  const auto b = q.schedule(at_ms(2), [&] { order.push_back(2); });
  q.schedule(at_ms(3), record, &order, 3);
  CHECK(q.size() == 3);
  CHECK(q.cancel(b));
  CHECK_FALSE(q.cancel(b));
  CHECK(q.size() == 2);
  q.run_until(Instant::max());
  CHECK(order == std::vector<std::uint64_t>{1, 3});
  CHECK_FALSE(q.cancel(a));
  CHECK_FALSE(q.cancel(0));
  CHECK_FALSE(q.cancel(0xdeadbeefULL));
  CHECK(q.processed() == 2);
}

TEST_CASE("a reused slot is not cancelled through a stale id") {
  EventQueue q;
  std::vector<std::uint64_t> order;
  const auto a = q.schedule(at_ms(5), record, &order, 1);
  CHECK(q.cancel(a));
  const auto b = q.schedule(at_ms(6), record, &order, 2);  // reuses a's slot
  CHECK(a != b);
  CHECK_FALSE(q.cancel(a));
  CHECK(q.pending(b));
  q.run_until(Instant::max());
  CHECK(order == std::vector<std::uint64_t>{2});
}

TEST_CASE("callbacks may schedule and cancel, including their own id") {
  EventQueue q;
  std::vector<std::uint64_t> order;
  chaoslab::TimerId self = 0;
  chaoslab::TimerId victim = 0;
  self = q.schedule(at_ms(1), [&] {
    CHECK_FALSE(q.cancel(self));  // already firing
    CHECK(q.cancel(victim));
    q.schedule(q.now(), record, &order, 7);  // same time: runs after the current event
    order.push_back(1);
  });
  victim = q.schedule(at_ms(2), record, &order, 99);
  q.run_until(Instant::max());
  CHECK(order == std::vector<std::uint64_t>{1, 7});
}

TEST_CASE("scheduling in the past runs at the current time") {
  EventQueue q;
  std::vector<std::uint64_t> order;
  q.schedule(at_ms(10), [&] {
    q.schedule(at_ms(1), record, &order, 2);
    order.push_back(1);
  });
  q.run_until(Instant::max());
  CHECK(order == std::vector<std::uint64_t>{1, 2});
  CHECK(q.now() == at_ms(10));
}

TEST_CASE("run_until stops at the horizon and moves the clock there") {
  EventQueue q;
  std::vector<std::uint64_t> order;
  q.schedule(at_ms(10), record, &order, 1);
  q.schedule(at_ms(20), record, &order, 2);
  q.schedule(at_ms(20), record, &order, 3);
  q.run_until(at_ms(20));
  CHECK(order == std::vector<std::uint64_t>{1, 2, 3});
  q.schedule(at_ms(40), record, &order, 4);
  q.run_until(at_ms(30));
  CHECK(q.now() == at_ms(30));
  CHECK(q.size() == 1);
  q.run_until(Instant::max());
  CHECK(order.back() == 4);
}

TEST_CASE("stop() ends run_until after the current event") {
  EventQueue q;
  std::vector<std::uint64_t> order;
  q.schedule(at_ms(1), [&] { order.push_back(1); q.stop(); });
  q.schedule(at_ms(2), record, &order, 2);
  q.run_until(Instant::max());
  CHECK(order == std::vector<std::uint64_t>{1});
  q.run_until(Instant::max());
  CHECK(order == std::vector<std::uint64_t>{1, 2});
}

TEST_CASE("random schedule/cancel matches a reference ordering") {
  // Property check against a sorted list of (time, insertion) for 20k random operations.
  chaoslab::Rng rng(42);
  EventQueue q;
  std::vector<std::uint64_t> order;
  struct Ref { std::int64_t t; std::uint64_t n; chaoslab::TimerId id; bool live; };
  std::vector<Ref> ref;
  for (std::uint64_t n = 0; n < 20000; ++n) {
    const std::int64_t t = rng.uniform_int(0, 500);
    ref.push_back({t, n, q.schedule(Instant(Duration(t)), record, &order, n), true});
    if (rng.bernoulli(0.3)) {
      auto& victim = ref[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(ref.size()) - 1))];
      CHECK(q.cancel(victim.id) == victim.live);
      victim.live = false;
    }
  }
  std::vector<Ref> expect;
  for (const auto& r : ref) if (r.live) expect.push_back(r);
  std::stable_sort(expect.begin(), expect.end(), [](const Ref& a, const Ref& b) { return a.t < b.t; });
  CHECK(q.size() == expect.size());
  q.run_until(Instant::max());
  REQUIRE(order.size() == expect.size());
  for (std::size_t k = 0; k < order.size(); ++k) REQUIRE(order[k] == expect[k].n);
}

TEST_CASE("reset drops pending events and a reused queue replays identically") {
  EventQueue q;
  std::vector<std::uint64_t> first, second;
  auto fill = [&](std::vector<std::uint64_t>& out) {
    for (int i = 0; i < 100; ++i) q.schedule(at_ms(100 - i), record, &out, static_cast<std::uint64_t>(i));
  };
  fill(first);
  q.schedule(at_ms(1000), [] {});
  q.run_until(at_ms(50));
  const auto ids_before = q.processed();
  CHECK(ids_before == 50);
  q.reset();
  CHECK(q.size() == 0);
  CHECK(q.processed() == 0);
  CHECK(q.now() == Instant{});
  fill(second);
  q.run_until(Instant::max());
  CHECK(second.size() == 100);
  CHECK(std::vector<std::uint64_t>(second.begin(), second.begin() + 50) == first);
}

TEST_CASE("a std::function event lets go of its captures once run, cancelled, thrown out or reset") {
  // Their holders are pooled and reused: each must be emptied, or a capture outlives its event.
  EventQueue q;
  const auto token = std::make_shared<int>(0);
  q.schedule(at_ms(1), [token] {});
  const chaoslab::TimerId cancelled = q.schedule(at_ms(2), [token] {});
  q.schedule(at_ms(3), [token] { throw std::runtime_error("from the callback"); });
  q.schedule(at_ms(4), [token] {});
  CHECK(token.use_count() == 5);
  CHECK(q.step());
  CHECK(token.use_count() == 4);
  CHECK(q.cancel(cancelled));
  CHECK(token.use_count() == 3);
  CHECK_THROWS_AS(q.step(), std::runtime_error);
  CHECK(token.use_count() == 2);
  int ran = 0;
  q.schedule(at_ms(5), [&ran] { ++ran; });  // a holder given back is reused
  q.reset();
  CHECK(token.use_count() == 1);
  CHECK(ran == 0);
  q.schedule(at_ms(1), [&ran] { ++ran; });
  q.run_until(Instant::max());
  CHECK(ran == 1);
}
