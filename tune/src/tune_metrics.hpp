// What `chaoslab tune` measures in every run beyond the run summary: how the clients fared in a
// window that opens when the backend is back (a ready endpoint exists again after the chaos
// action) — the stretch a breaker cool-down decides. Appended to each run's summary as
// "tune": {...}; docs/tuning.md defines every field.
#pragma once

#include <memory>
#include <vector>

#include "policies/time.hpp"
#include "sim/sweep_sim.hpp"

namespace chaoslab::app {

class RecoveryWindow final : public sim::RunExtension {
 public:
  explicit RecoveryWindow(Duration window) : window_(window) {}

  void reset() override;
  void on_attempt(Instant t, const AttemptEvent& e) override;
  void on_call(Instant t, const CallEvent& e) override;
  void on_transition(Instant t, const TransitionEvent& e) override;
  void on_chaos(Instant t, const ChaosEvent& e) override;

  // {"availability": ok calls / calls ended in the window (null when none ended),
  //  "calls": calls ended in the window, "backend_rps": attempts sent per second in the window,
  //  "failed_trials": half-open -> open transitions in the window, "window_s": its length}
  // The window is [chaos action end + recovery.outage_s, + window], cut at the end of the run;
  // every field is null without chaos.
  nlohmann::json finish(const RunSummary& summary) override;

 private:
  Duration window_;
  std::optional<Instant> chaos_end_;
  Instant last_{};
  // Events after the chaos action, kept until finish() knows where the window starts.
  std::vector<std::pair<Instant, bool>> calls_;  // (end, ok)
  std::vector<Instant> attempts_;
  std::vector<Instant> failed_trials_;
};

sim::RunExtensionFactory recovery_window_factory(Duration window);

}  // namespace chaoslab::app
