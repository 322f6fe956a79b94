// Where a simulated run's events go: its RunSummary, always, and whatever else listens (a trace
// writer, the digest, a caller's sink) only when something does. A final class with the summary
// as a member, so the clients' per-event calls are direct (no virtual call, no fan-out loop) on
// a sweep's path, where the summary is the only listener.
#pragma once

#include "policies/run_summary.hpp"
#include "policies/trace.hpp"

namespace chaoslab::sim {

class RunSinks final : public TraceSink {
 public:
  RunSummarySink summary;
  // Also told every event, after the summary (nullptr: nobody else listens).
  TraceSink* more = nullptr;

  void on_attempt(Instant t, const AttemptEvent& e) override { tell([&](auto& s) { s.on_attempt(t, e); }); }
  void on_retry(Instant t, const RetryEvent& e) override { tell([&](auto& s) { s.on_retry(t, e); }); }
  void on_call(Instant t, const CallEvent& e) override { tell([&](auto& s) { s.on_call(t, e); }); }
  void on_transition(Instant t, const TransitionEvent& e) override { tell([&](auto& s) { s.on_transition(t, e); }); }
  void on_chaos(Instant t, const ChaosEvent& e) override { tell([&](auto& s) { s.on_chaos(t, e); }); }
  void on_pod(Instant t, const PodEvent& e) override { tell([&](auto& s) { s.on_pod(t, e); }); }

 private:
  // The summary as its own (final) type, so its call is direct; the others through TraceSink.
  template <class F>
  void tell(F f) {
    f(summary);
    if (more) f(*more);
  }
};

}  // namespace chaoslab::sim
