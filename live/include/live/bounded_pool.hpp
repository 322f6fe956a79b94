// The worker pool behind the live HTTP servers: a fixed number of threads and a bounded queue of
// accepted connections (httplib's own ThreadPool queues without limit). A connection that finds
// the queue full is served at once on the accepting thread with shedding() true; handlers then
// answer 503 with "Connection: close", so overload is visible instead of piling up.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace chaoslab::live {

// Shared with the server so /metrics can read the pool's load after httplib owns the pool.
struct PoolStats {
  std::atomic<std::size_t> busy{0};
  std::atomic<std::size_t> queued{0};
  std::atomic<std::uint64_t> shed{0};
};

class BoundedPool final : public httplib::TaskQueue {
 public:
  BoundedPool(std::size_t threads, std::size_t max_queue, std::shared_ptr<PoolStats> stats);
  ~BoundedPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // True while the current thread serves a connection that did not fit in the queue.
  static bool shedding();

 private:
  void work();

  std::size_t workers_;
  std::size_t max_queue_;
  std::shared_ptr<PoolStats> stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  // Jobs a worker has taken and not yet finished. Counted under mu_ from pop to finish, so a
  // worker that is not yet (or not again) waiting still counts as free capacity.
  std::size_t running_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace chaoslab::live
