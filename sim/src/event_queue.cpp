#include "sim/event_queue.hpp"

#include <stdexcept>
#include <utility>

namespace chaoslab::sim {

namespace {
// Binary with a branch-free child pick beat 4-ary and 8-ary on the hold model here
// (docs/simulator.md has the figures).
constexpr std::size_t kArity = 2;
}  // namespace

EventQueue::EventQueue() { heap_.reserve(256); }
EventQueue::~EventQueue() = default;

std::uint32_t EventQueue::alloc_slot() {
  if (free_head_ != kNoSlot) {
    const std::uint32_t i = free_head_;
    free_head_ = slot(i).next_free;
    return i;
  }
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

TimerId EventQueue::push(std::int64_t t, std::uint32_t i) {
  if (t < now_) t = now_;
  const std::uint64_t key = (++seq_ << kSlotBits) | i;
  slot(i).key = key;
  // Sift up with a hole instead of swaps.
  std::size_t pos = heap_.size();
  heap_.push_back(Entry{t, key});
  const Entry e{t, key};
  while (pos > 0) {
    const std::size_t parent = (pos - 1) / kArity;
    if (!before(e, heap_[parent])) break;
    heap_[pos] = heap_[parent];
    pos = parent;
  }
  heap_[pos] = e;
  ++live_;
  return key;
}

TimerId EventQueue::schedule(Instant at, Fn fn, void* ctx, std::uint64_t arg) {
  const std::uint32_t i = alloc_slot();
  Slot& s = slot(i);
  s.fn = fn;
  s.ctx = ctx;
  s.arg = arg;
  return push(at.time_since_epoch().count(), i);
}

TimerId EventQueue::schedule(Instant at, std::function<void()>&& fn) {
  const std::uint32_t i = alloc_slot();
  Slot& s = slot(i);
  s.fn = nullptr;
  s.cb = std::move(fn);
  return push(at.time_since_epoch().count(), i);
}

bool EventQueue::pending(TimerId id) const {
  const auto i = static_cast<std::uint32_t>(id & kSlotMask);
  return id != 0 && i < slots_used_ && slot(i).key == id;
}

bool EventQueue::cancel(TimerId id) {
  if (!pending(id)) return false;
  const auto i = static_cast<std::uint32_t>(id & kSlotMask);
  Slot& s = slot(i);
  if (!s.fn) s.cb = nullptr;
  free_slot(i);
  --live_;
  return true;
}

void EventQueue::pop_top() {
  const Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
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
    s.cb();
    s.cb = nullptr;
    free_slot(i);
  }
}

bool EventQueue::step() {
  while (!heap_.empty()) {
    const Entry top = heap_.front();
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
  while (!heap_.empty() && !stopped_) {
    const Entry top = heap_.front();
    if (top.t > end_ns) break;
    pop_top();
    if (slot(static_cast<std::uint32_t>(top.key & kSlotMask)).key != top.key) continue;
    run_entry(top);
  }
  if (!stopped_ && end != Instant::max() && now_ < end_ns) now_ = end_ns;
}

void EventQueue::reset() {
  for (const Entry& e : heap_) {
    const auto i = static_cast<std::uint32_t>(e.key & kSlotMask);
    Slot& s = slot(i);
    if (s.key == e.key && !s.fn) s.cb = nullptr;
  }
  heap_.clear();
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
