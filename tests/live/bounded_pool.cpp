// The live servers' worker pool: capacity is workers + queue, counted without scheduling races.
#include "live/bounded_pool.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>

using chaoslab::live::BoundedPool;
using chaoslab::live::PoolStats;
using namespace std::chrono_literals;

namespace {

// A job that blocks until released, and reports where it ran.
struct Gate {
  std::promise<void> release;
  std::shared_future<void> opened = release.get_future().share();
  std::promise<bool> ran_shed;
  std::future<bool> where = ran_shed.get_future();

  std::function<void()> job() {
    // Owns its copy of the future: the Gate may be gone once it was released.
    return [this, open = opened] {
      const bool shed = BoundedPool::shedding();
      ran_shed.set_value(shed);
      if (!shed) open.wait();  // a shed job runs on the caller: blocking it would hang the test
    };
  }
};

bool wait_busy(const PoolStats& s, std::size_t n) {
  for (int i = 0; i < 5000; ++i) {
    if (s.busy.load() == n) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

}  // namespace

TEST_CASE("BoundedPool: workers that have not started yet still count as free") {
  // Enqueued right after construction: the threads may not have reached their wait yet, and
  // neither job may be shed for that.
  for (int round = 0; round < 50; ++round) {
    auto stats = std::make_shared<PoolStats>();
    BoundedPool pool(2, 0, stats);
    Gate a, b;
    pool.enqueue(a.job());
    pool.enqueue(b.job());
    CHECK(a.where.get() == false);
    CHECK(b.where.get() == false);
    CHECK(stats->shed.load() == 0);
    a.release.set_value();
    b.release.set_value();
  }
}

TEST_CASE("BoundedPool: beyond workers + queue, a job runs on the caller marked as shed") {
  auto stats = std::make_shared<PoolStats>();
  BoundedPool pool(2, 1, stats);
  Gate a, b, queued, over;
  pool.enqueue(a.job());
  pool.enqueue(b.job());
  REQUIRE(wait_busy(*stats, 2));
  pool.enqueue(queued.job());  // waits in the queue
  CHECK(stats->queued.load() == 1);
  pool.enqueue(over.job());  // runs inline
  CHECK(over.where.get() == true);
  CHECK(stats->shed.load() == 1);
  CHECK(BoundedPool::shedding() == false);  // only while the shed job runs
  a.release.set_value();
  CHECK(queued.where.get() == false);  // the freed worker takes the queued job
  queued.release.set_value();
  b.release.set_value();
}

TEST_CASE("BoundedPool: a finished job frees its worker as soon as busy drops") {
  auto stats = std::make_shared<PoolStats>();
  BoundedPool pool(1, 0, stats);
  for (int round = 0; round < 200; ++round) {
    Gate g;
    g.release.set_value();
    pool.enqueue(g.job());
    CHECK(g.where.get() == false);
    REQUIRE(wait_busy(*stats, 0));
  }
  CHECK(stats->shed.load() == 0);
}

TEST_CASE("BoundedPool: shutdown runs every accepted job before the workers exit") {
  auto stats = std::make_shared<PoolStats>();
  int done = 0;
  {
    BoundedPool pool(1, 8, stats);
    Gate first;
    pool.enqueue(first.job());
    for (int i = 0; i < 8; ++i) pool.enqueue([&] { ++done; });
    first.release.set_value();
    pool.shutdown();
    CHECK(done == 8);
  }
  CHECK(stats->shed.load() == 0);
}
