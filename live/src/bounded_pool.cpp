#include "live/bounded_pool.hpp"

namespace chaoslab::live {

namespace {
thread_local bool t_shedding = false;
}

BoundedPool::BoundedPool(std::size_t threads, std::size_t max_queue,
                         std::shared_ptr<PoolStats> stats)
    : workers_(threads == 0 ? 1 : threads), max_queue_(max_queue), stats_(std::move(stats)) {
  threads_.reserve(workers_);
  for (std::size_t i = 0; i < workers_; ++i) threads_.emplace_back([this] { work(); });
}

BoundedPool::~BoundedPool() { shutdown(); }

bool BoundedPool::shedding() { return t_shedding; }

void BoundedPool::enqueue(std::function<void()> fn) {
  {
    std::unique_lock lock(mu_);
    // A job for a free worker does not wait; only the rest count against the queue bound.
    if (jobs_.size() + running_ < workers_ + max_queue_ && !stopping_) {
      jobs_.push_back(std::move(fn));
      stats_->queued = jobs_.size();
      lock.unlock();
      cv_.notify_one();
      return;
    }
  }
  // The job owns the accepted socket, so it must run: run it here, marked as shed.
  ++stats_->shed;
  t_shedding = true;
  fn();
  t_shedding = false;
}

void BoundedPool::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void BoundedPool::work() {
  for (bool finished = false;; finished = true) {
    std::function<void()> fn;
    {
      std::unique_lock lock(mu_);
      // busy mirrors running_ (set under the lock): a reader that sees it drop may enqueue at once.
      if (finished) stats_->busy = --running_;
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and every accepted connection was served
      fn = std::move(jobs_.front());
      jobs_.pop_front();
      stats_->busy = ++running_;
      stats_->queued = jobs_.size();
    }
    fn();
  }
}

}  // namespace chaoslab::live
