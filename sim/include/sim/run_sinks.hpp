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

  void on_attempt(Instant t, const AttemptEvent& e) override {
    summary.on_attempt(t, e);
    if (more) more->on_attempt(t, e);
  }
  void on_retry(Instant t, const RetryEvent& e) override {
    summary.on_retry(t, e);
    if (more) more->on_retry(t, e);
  }
  void on_call(Instant t, const CallEvent& e) override {
    summary.on_call(t, e);
    if (more) more->on_call(t, e);
  }
  void on_transition(Instant t, const TransitionEvent& e) override {
    summary.on_transition(t, e);
    if (more) more->on_transition(t, e);
  }
  void on_chaos(Instant t, const ChaosEvent& e) override {
    summary.on_chaos(t, e);
    if (more) more->on_chaos(t, e);
  }
  void on_pod(Instant t, const PodEvent& e) override {
    summary.on_pod(t, e);
    if (more) more->on_pod(t, e);
  }
};

}  // namespace chaoslab::sim
