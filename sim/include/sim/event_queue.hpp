// The simulator's event queue: events ordered by (virtual time, insertion sequence), so ties run
// in the order they were scheduled, never by address or hash. Events live in one array of
// reusable 32-byte slots (no allocation per event once warm); the heap holds 16-byte
// (time, sequence|slot) keys. Cancellation is lazy: the slot is freed at once and its stale heap
// key is skipped when it surfaces.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "policies/runtime.hpp"
#include "policies/time.hpp"

namespace chaoslab::sim {

class EventQueue {
 public:
  // A plain event: fn(ctx, arg). The models use these; Runtime::call_after uses std::function.
  using Fn = void (*)(void* ctx, std::uint64_t arg);

  EventQueue();
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  Instant now() const { return Instant(Duration(now_)); }

  // Schedules at an absolute time (never before now: earlier times are clamped to now).
  // Inline (forced: GCC kept it out of line, and the call's register saves were a third of it):
  // every model event and timer goes through here.
  [[gnu::always_inline]] TimerId schedule(Instant at, Fn fn, void* ctx, std::uint64_t arg = 0) {
    const std::uint32_t i = alloc_slot();
    Slot& s = slot(i);
    s.fn = fn;
    s.ctx = ctx;
    s.arg = arg;
    return push(at.time_since_epoch().count(), i, s);
  }
  // A Runtime::call_after event: the callback lives outside the slot (the model's timers never
  // take this path; the chaos runner's few per run do), in a pooled holder, so that slots stay
  // plain and can move.
  TimerId schedule(Instant at, std::function<void()>&& fn) {
    std::function<void()>* cb = take_callback();
    *cb = std::move(fn);
    const std::uint32_t i = alloc_slot();
    Slot& s = slot(i);
    s.fn = nullptr;
    s.ctx = cb;
    s.arg = 0;
    return push(at.time_since_epoch().count(), i, s);
  }

  // Cancels a pending event; returns false (and does nothing) for a fired, cancelled or unknown id.
  bool cancel(TimerId id);
  bool pending(TimerId id) const;

  // Runs every event with time <= end in order (the clock stops at the last event run, then is
  // moved to `end` if it is finite), or until stop() is called from an event.
  void run_until(Instant end);
  // Runs the next event; false when none is left.
  bool step();
  void stop() { stopped_ = true; }

  std::uint64_t processed() const { return processed_; }
  std::size_t size() const { return live_; }

  // Drops every pending event and resets the clock, the sequence and the counters; keeps the
  // memory so that a reused queue allocates nothing.
  void reset();

 private:
  // Binary with a branch-free child pick beat 4-ary and 8-ary on the hold model here
  // (docs/simulator.md has the figures); push (here) and pop_top (event_queue.cpp) share it.
  static constexpr std::size_t kArity = 2;
  static constexpr unsigned kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (1ULL << kSlotBits) - 1;
  static constexpr std::uint32_t kNoSlot = 0xffffffffu;

  // Plain data, so the array may grow by moving. fn == nullptr: a std::function event, ctx owns
  // it. A free slot has key 0 and keeps the next free index in arg.
  struct Slot {
    std::uint64_t key = 0;  // sequence << kSlotBits | index; 0 when free or fired
    Fn fn = nullptr;
    void* ctx = nullptr;
    std::uint64_t arg = 0;
  };
  struct Entry {
    std::int64_t t;
    std::uint64_t key;
  };
  // (t, key) as one 128-bit number: one compare, no branch (t is never negative).
  static bool before(std::int64_t at, std::uint64_t akey, const Entry& b) {
    using U = unsigned __int128;
    return ((U(static_cast<std::uint64_t>(at)) << 64) | akey) <
           ((U(static_cast<std::uint64_t>(b.t)) << 64) | b.key);
  }
  static bool before(const Entry& a, const Entry& b) { return before(a.t, a.key, b); }

  // One load from the queue to the slot: the slab of chunks this replaced cost a chain of three
  // dependent loads on every schedule and every event run.
  Slot& slot(std::uint32_t i) { return slots_[i]; }
  const Slot& slot(std::uint32_t i) const { return slots_[i]; }
  [[gnu::always_inline]] std::uint32_t alloc_slot() {
    if (free_head_ == kNoSlot) return new_slot();
    const std::uint32_t i = free_head_;
    free_head_ = static_cast<std::uint32_t>(slot(i).arg);
    return i;
  }
  std::uint32_t new_slot();  // the free list is empty: a never-used slot
  void free_slot(std::uint32_t i);
  // Adds slot i's key to the heap (sift up with a hole instead of swaps).
  // The new key is written as two words into its final place: building it on the stack and
  // copying it (vector::push_back) cost a 16-byte load of two fresh 8-byte stores, which the
  // CPU cannot forward (a tenth of a sweep's time in perf).
  [[gnu::always_inline]] TimerId push(std::int64_t t, std::uint32_t i, Slot& s) {
    if (t < now_) t = now_;
    const std::uint64_t key = (++seq_ << kSlotBits) | i;
    s.key = key;
    if (heap_size_ == heap_cap_) [[unlikely]] grow_heap();
    Entry* h = heap_.get();
    std::size_t pos = heap_size_++;
    while (pos > 0) {
      const std::size_t parent = (pos - 1) / kArity;
      if (!before(t, key, h[parent])) break;
      h[pos] = h[parent];
      pos = parent;
    }
    h[pos].t = t;
    h[pos].key = key;
    ++live_;
    return key;
  }
  std::function<void()>* take_callback();
  void give_back(std::function<void()>* cb);  // empties it for reuse
  void pop_top();
  void run_entry(const Entry& e);
  void drop_pending();  // destroys the callbacks of pending events

  void grow_heap();
  // A binary min-heap in a plain array (see push): heap_size_ entries of heap_cap_.
  std::unique_ptr<Entry[]> heap_;
  std::size_t heap_size_ = 0;
  std::size_t heap_cap_ = 0;
  std::vector<Slot> slots_;
  std::uint32_t free_head_ = kNoSlot;
  // Holders of std::function callbacks: every one made (a deque: stable addresses, made in
  // blocks, so many pending callbacks sit together), and the idle ones.
  std::deque<std::function<void()>> callbacks_;
  std::vector<std::function<void()>*> idle_callbacks_;
  std::int64_t now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t processed_ = 0;
  std::size_t live_ = 0;
  bool stopped_ = false;
};

}  // namespace chaoslab::sim
