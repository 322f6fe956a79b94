#include "sim/event_queue.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace chaoslab::sim {

EventQueue::EventQueue() { grow_heap(); }

void EventQueue::grow_heap() {
  const std::size_t cap = heap_cap_ == 0 ? 256 : heap_cap_ * 2;
  auto bigger = std::make_unique<Entry[]>(cap);
  std::copy(heap_.get(), heap_.get() + heap_size_, bigger.get());
  heap_ = std::move(bigger);
  heap_cap_ = cap;
}
EventQueue::~EventQueue() { drop_pending(); }

std::uint32_t EventQueue::new_slot() {
  if (slots_.size() > kSlotMask) throw std::length_error("event queue: too many pending events");
  slots_.emplace_back();
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

std::function<void()>* EventQueue::take_callback() {
  if (idle_callbacks_.empty()) {
    return &callbacks_.emplace_back();
  }
  std::function<void()>* cb = idle_callbacks_.back();
  idle_callbacks_.pop_back();
  return cb;
}

void EventQueue::give_back(std::function<void()>* cb) {
  *cb = nullptr;
  idle_callbacks_.push_back(cb);
}

void EventQueue::free_slot(std::uint32_t i) {
  Slot& s = slot(i);
  s.key = 0;
  s.arg = free_head_;
  free_head_ = i;
}

bool EventQueue::pending(TimerId id) const {
  const auto i = static_cast<std::uint32_t>(id & kSlotMask);
  return id != 0 && i < slots_.size() && slot(i).key == id;
}

bool EventQueue::cancel(TimerId id) {
  if (!pending(id)) return false;
  const auto i = static_cast<std::uint32_t>(id & kSlotMask);
  Slot& s = slot(i);
  if (!s.fn) give_back(static_cast<std::function<void()>*>(s.ctx));
  free_slot(i);
  --live_;
  return true;
}

void EventQueue::pop_top() {
  const std::size_t n = --heap_size_;
  const Entry last = heap_[n];
  if (n == 0) return;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t first = pos * kArity + 1;
    if (first >= n) break;
    std::size_t best = first;
    if (first + 1 < n) best += static_cast<std::size_t>(before(heap_[first + 1], heap_[first]));
    if (!before(heap_[best], last)) break;
    heap_[pos] = heap_[best];
    pos = best;
  }
  heap_[pos] = last;
}

void EventQueue::run_entry(const Entry& e) {
  const auto i = static_cast<std::uint32_t>(e.key & kSlotMask);
  Slot& s = slot(i);
  now_ = e.t;
  ++processed_;
  --live_;
  const Fn fn = s.fn;
  void* ctx = s.ctx;
  const std::uint64_t arg = s.arg;
  // Freed before the call: the event may schedule others (and grow the array), and a cancel of
  // its own id from inside is a no-op.
  free_slot(i);
  if (fn) {
    fn(ctx, arg);
  } else {
    auto* cb = static_cast<std::function<void()>*>(ctx);
    struct GiveBack {  // also when the callback throws
      EventQueue* q;
      std::function<void()>* cb;
      ~GiveBack() { q->give_back(cb); }
    } give_back_after{this, cb};
    (*cb)();
  }
}

bool EventQueue::step() {
  while (heap_size_ != 0) {
    const Entry top = heap_[0];
    pop_top();
    if (slot(static_cast<std::uint32_t>(top.key & kSlotMask)).key != top.key) continue;  // cancelled
    run_entry(top);
    return true;
  }
  return false;
}

void EventQueue::run_until(Instant end) {
  const std::int64_t end_ns = end.time_since_epoch().count();
  stopped_ = false;
  while (heap_size_ != 0 && !stopped_) {
    const Entry top = heap_[0];
    if (top.t > end_ns) break;
    pop_top();
    if (slot(static_cast<std::uint32_t>(top.key & kSlotMask)).key != top.key) continue;
    run_entry(top);
  }
  if (!stopped_ && end != Instant::max() && now_ < end_ns) now_ = end_ns;
}

void EventQueue::drop_pending() {
  for (std::size_t k = 0; k < heap_size_; ++k) {
    const Entry& e = heap_[k];
    Slot& s = slot(static_cast<std::uint32_t>(e.key & kSlotMask));
    if (s.key == e.key && !s.fn) {
      give_back(static_cast<std::function<void()>*>(s.ctx));
      s.key = 0;
    }
  }
  heap_size_ = 0;
}

void EventQueue::reset() {
  drop_pending();
  // Rebuild the free list in index order so a reused queue hands out slots as a fresh one does.
  free_head_ = kNoSlot;
  for (auto i = static_cast<std::uint32_t>(slots_.size()); i-- > 0;) free_slot(i);
  now_ = 0;
  seq_ = 0;
  processed_ = 0;
  live_ = 0;
  stopped_ = false;
}

}  // namespace chaoslab::sim
