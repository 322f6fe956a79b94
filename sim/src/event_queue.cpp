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
  if (slots_used_ > kSlotMask) throw std::length_error("event queue: too many pending events");
  if ((slots_used_ >> kChunkBits) >= chunks_.size())
    chunks_.push_back(std::make_unique<Slot[]>(kChunkSize));
  return slots_used_++;
}

void EventQueue::free_slot(std::uint32_t i) {
  Slot& s = slot(i);
  s.key = 0;
  s.next_free = free_head_;
  free_head_ = i;
}

bool EventQueue::pending(TimerId id) const {
  const auto i = static_cast<std::uint32_t>(id & kSlotMask);
  return id != 0 && i < slots_used_ && slot(i).key == id;
}

bool EventQueue::cancel(TimerId id) {
  if (!pending(id)) return false;
  const auto i = static_cast<std::uint32_t>(id & kSlotMask);
  Slot& s = slot(i);
  if (!s.fn) s.cb().~function();
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
  if (s.fn) {
    const Fn fn = s.fn;
    void* ctx = s.ctx;
    const std::uint64_t arg = s.arg;
    free_slot(i);
    fn(ctx, arg);
  } else {
    // Run in place (slots never move); the slot is marked fired first so that a cancel of this
    // id from inside the callback is a no-op, and freed after so it is not reused meanwhile.
    s.key = 0;
    struct Release {  // also when the callback throws
      EventQueue* q;
      Slot* s;
      std::uint32_t i;
      ~Release() {
        s->cb().~function();
        q->free_slot(i);
      }
    } release{this, &s, i};
    s.cb()();
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
    const auto i = static_cast<std::uint32_t>(e.key & kSlotMask);
    Slot& s = slot(i);
    if (s.key == e.key && !s.fn) {
      s.cb().~function();
      s.key = 0;
    }
  }
  heap_size_ = 0;
}

void EventQueue::reset() {
  drop_pending();
  // Rebuild the free list in index order so a reused queue hands out slots as a fresh one does.
  free_head_ = kNoSlot;
  for (std::uint32_t i = slots_used_; i-- > 0;) {
    Slot& s = slot(i);
    s.key = 0;
    s.next_free = free_head_;
    free_head_ = i;
  }
  now_ = 0;
  seq_ = 0;
  processed_ = 0;
  live_ = 0;
  stopped_ = false;
}

}  // namespace chaoslab::sim
