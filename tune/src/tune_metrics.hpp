// What `chaoslab tune` measures in every run beyond the run summary: how the clients fared over
// the whole incident, from the fault (the end of the chaos action) until a window after the
// backend is back (a ready endpoint exists again). The "down" part is before the backend is back,
// the "recovering" part the window after it. Appended to each run's summary as "tune": {...};
// docs/tuning.md defines every field.
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "policies/time.hpp"
#include "sim/sweep_sim.hpp"

namespace chaoslab::tune {

class IncidentWindow final : public sim::RunExtension {
 public:
  explicit IncidentWindow(Duration window) : window_(window) {}

  void reset() override;
  void on_attempt(Instant t, const AttemptEvent& e) override;
  void on_call(Instant t, const CallEvent& e) override;
  void on_transition(Instant t, const TransitionEvent& e) override;
  void on_chaos(Instant t, const ChaosEvent& e) override;

  // {"availability": ok calls / calls ended in the incident (null when none ended),
  //  "calls": calls ended in the incident,
  //  "down_attempts": attempts sent while no endpoint was ready,
  //  "attempts": attempts sent in the incident (down, then recovering),
  //  "failed_trials": half-open -> open transitions in the incident,
  //  "backend_rps": attempts per second on the recovering backend (the window after it is back),
  //  "open_healthy_s": seconds a breaker was OPEN in that window, summed over clients,
  //  "rejected_healthy": calls the breaker rejected in that window,
  //  "recovered": 1 when an ok call ended after the backend was back, else 0,
  //  "window_s": the length of the recovering part}
  // The incident is [chaos action end, + recovery.outage_s + window], cut at the end of the run;
  // every field is null without chaos.
  nlohmann::json finish(const RunSummary& summary) override;

 private:
  struct Call {
    Instant end;
    bool ok;
    bool rejected;
  };
  Duration window_;
  std::optional<Instant> chaos_end_;
  // Events after the chaos action, kept until finish() knows where the backend came back.
  std::vector<Call> calls_;
  std::vector<Instant> attempts_;
  std::vector<Instant> failed_trials_;
  std::vector<bool> open_at_chaos_;                         // per client
  std::vector<bool> open_now_;                              // per client, as events arrive
  std::vector<std::pair<Instant, std::pair<int, bool>>> opens_;  // (t, (client, now open))
};

sim::RunExtensionFactory incident_window_factory(Duration window);

}  // namespace chaoslab::tune
