// The live servers' worker pool: capacity is workers + queue, counted without scheduling races.
#include "live/bounded_pool.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <memory>

#include "support.hpp"

using chaoslab::live::BoundedPool;
using chaoslab::live::PoolStats;
using namespace std::chrono_literals;

namespace {

// A job that blocks until released, and reports where it ran. Its state is shared with the job,
// which may still be finishing when the Gate goes out of scope.
class Gate {
 public:
  std::function<void()> job() {
    return [st = st_] {  // shares the state: the Gate may be gone once it was released
      const bool shed = BoundedPool::shedding();
      std::unique_lock lock(st->mu);
      st->shed = shed;
      st->cv.notify_all();
      // A shed job runs on the caller: blocking it would hang the test.
      if (!shed) st->cv.wait(lock, [&] { return st->open; });
    };
  }
  void release() {
    std::lock_guard lock(st_->mu);
    st_->open = true;
    st_->cv.notify_all();
  }
  // Waits until the job ran; true when it ran shed (on the caller).
  bool ran_shed() {
    std::unique_lock lock(st_->mu);
    st_->cv.wait(lock, [&] { return st_->shed.has_value(); });
    return *st_->shed;
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    std::optional<bool> shed;
  };
  std::shared_ptr<State> st_ = std::make_shared<State>();
};

bool wait_busy(const PoolStats& s, std::size_t n) {
  return chaoslab::testing::wait_until([&] { return s.busy.load() == n; });
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
    CHECK(a.ran_shed() == false);
    CHECK(b.ran_shed() == false);
    CHECK(stats->shed.load() == 0);
    a.release();
    b.release();
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
  CHECK(over.ran_shed() == true);
  CHECK(stats->shed.load() == 1);
  CHECK(BoundedPool::shedding() == false);  // only while the shed job runs
  a.release();
  CHECK(queued.ran_shed() == false);  // the freed worker takes the queued job
  queued.release();
  b.release();
}

TEST_CASE("BoundedPool: a finished job frees its worker as soon as busy drops") {
  auto stats = std::make_shared<PoolStats>();
  BoundedPool pool(1, 0, stats);
  for (int round = 0; round < 200; ++round) {
    Gate g;
    g.release();
    pool.enqueue(g.job());
    CHECK(g.ran_shed() == false);
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
    first.release();
    pool.shutdown();
    CHECK(done == 8);
  }
  CHECK(stats->shed.load() == 0);
}
