#include "tune_metrics.hpp"

#include <algorithm>

namespace chaoslab::app {

using nlohmann::json;

void RecoveryWindow::reset() {
  chaos_end_.reset();
  last_ = Instant{};
  calls_.clear();
  attempts_.clear();
  failed_trials_.clear();
}

void RecoveryWindow::on_attempt(Instant t, const AttemptEvent&) {
  last_ = std::max(last_, t);
  if (chaos_end_) attempts_.push_back(t);
}

void RecoveryWindow::on_call(Instant t, const CallEvent& e) {
  last_ = std::max(last_, t);
  if (chaos_end_) calls_.emplace_back(t, e.outcome == OutcomeKind::ok);
}

void RecoveryWindow::on_transition(Instant t, const TransitionEvent& e) {
  last_ = std::max(last_, t);
  if (chaos_end_ && e.from == BreakerState::half_open && e.to == BreakerState::open) failed_trials_.push_back(t);
}

void RecoveryWindow::on_chaos(Instant t, const ChaosEvent& e) {
  last_ = std::max(last_, t);
  // The same origin as RunSummary's recovery: the end of the first chaos action.
  if (!chaos_end_ && e.kind == "action" && e.phase == "end") chaos_end_ = t;
}

json RecoveryWindow::finish(const RunSummary& summary) {
  const json none = {{"availability", nullptr}, {"calls", nullptr}, {"backend_rps", nullptr},
                     {"failed_trials", nullptr}, {"window_s", nullptr}};
  if (!chaos_end_ || !summary.recovery) return none;
  const Instant from = *chaos_end_ + from_seconds(summary.recovery->outage_s);
  const Instant run_end = Instant(from_seconds(summary.virtual_seconds));
  const Instant to = std::min(from + window_, run_end);
  if (to <= from) return none;
  auto inside = [&](Instant t) { return t >= from && t < to; };
  std::size_t calls = 0, ok = 0, attempts = 0, trials = 0;
  for (const auto& [t, good] : calls_)
    if (inside(t)) {
      calls += 1;
      ok += good ? 1 : 0;
    }
  for (Instant t : attempts_) attempts += inside(t) ? 1 : 0;
  for (Instant t : failed_trials_) trials += inside(t) ? 1 : 0;
  const double secs = to_seconds(to - from);
  return {{"availability", calls ? json(static_cast<double>(ok) / static_cast<double>(calls)) : json(nullptr)},
          {"calls", calls},
          {"backend_rps", static_cast<double>(attempts) / secs},
          {"failed_trials", trials},
          {"window_s", secs}};
}

sim::RunExtensionFactory recovery_window_factory(Duration window) {
  return [window] { return std::make_unique<RecoveryWindow>(window); };
}

}  // namespace chaoslab::app
