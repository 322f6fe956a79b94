#include "tune_metrics.hpp"

#include <algorithm>

namespace chaoslab::tune {

using nlohmann::json;

void IncidentWindow::reset() {
  chaos_end_.reset();
  calls_.clear();
  attempts_.clear();
  failed_trials_.clear();
  open_at_chaos_.clear();
  open_now_.clear();
  opens_.clear();
}

void IncidentWindow::on_attempt(Instant t, const AttemptEvent&) {
  if (chaos_end_) attempts_.push_back(t);
}

void IncidentWindow::on_call(Instant t, const CallEvent& e) {
  if (chaos_end_) calls_.push_back({t, e.outcome == OutcomeKind::ok, e.outcome == OutcomeKind::breaker_rejected});
}

void IncidentWindow::on_transition(Instant t, const TransitionEvent& e) {
  if (e.client < 0) return;
  const auto c = static_cast<std::size_t>(e.client);
  if (open_now_.size() <= c) open_now_.resize(c + 1, false);
  const bool open = e.to == BreakerState::open;
  if (chaos_end_ && open != open_now_[c]) opens_.push_back({t, {e.client, open}});
  open_now_[c] = open;
  if (chaos_end_ && e.from == BreakerState::half_open && e.to == BreakerState::open) failed_trials_.push_back(t);
}

void IncidentWindow::on_chaos(Instant t, const ChaosEvent& e) {
  // The same origin as RunSummary's recovery: the end of the first chaos action.
  if (!chaos_end_ && e.kind == "action" && e.phase == "end") {
    chaos_end_ = t;
    open_at_chaos_ = open_now_;
  }
}

json IncidentWindow::finish(const RunSummary& summary) {
  const json none = {{"availability", nullptr},     {"calls", nullptr},          {"down_attempts", nullptr},
                     {"attempts", nullptr},
                     {"failed_trials", nullptr},    {"backend_rps", nullptr},    {"open_healthy_s", nullptr},
                     {"rejected_healthy", nullptr}, {"recovered", nullptr},      {"window_s", nullptr}};
  if (!chaos_end_ || !summary.recovery) return none;
  const Instant fault = *chaos_end_;
  const Instant back = fault + from_seconds(summary.recovery->outage_s);
  const Instant run_end = Instant(from_seconds(summary.virtual_seconds));
  const Instant to = std::min(back + window_, run_end);
  if (to <= back) return none;  // the backend was not back before the run ended
  std::size_t calls = 0, ok = 0, rejected = 0, down_attempts = 0, recovering_attempts = 0, trials = 0;
  for (const auto& c : calls_) {
    if (c.end >= to) continue;
    calls += 1;
    ok += c.ok ? 1 : 0;
    rejected += c.rejected && c.end >= back ? 1 : 0;
  }
  for (Instant t : attempts_) {
    if (t < back) down_attempts += 1;
    else if (t < to) recovering_attempts += 1;
  }
  for (Instant t : failed_trials_) trials += t < to ? 1 : 0;
  // Time OPEN inside [back, to), per client, from the state at the fault and the changes since.
  std::vector<bool> open = open_at_chaos_;
  std::vector<Instant> since(open.size(), fault);
  Duration open_healthy{0};
  auto close_span = [&](std::size_t c, Instant t) {
    const Instant a = std::max(since[c], back), b = std::min(t, to);
    if (b > a) open_healthy += b - a;
  };
  for (const auto& [t, change] : opens_) {
    const auto c = static_cast<std::size_t>(change.first);
    if (open.size() <= c) {
      open.resize(c + 1, false);
      since.resize(c + 1, fault);
    }
    if (open[c] && !change.second) close_span(c, t);
    if (!open[c] && change.second) since[c] = t;
    open[c] = change.second;
  }
  for (std::size_t c = 0; c < open.size(); ++c)
    if (open[c]) close_span(c, to);
  const bool recovered = summary.recovery->time_to_first_success_s.has_value();
  const double secs = to_seconds(to - back);
  return {{"availability", calls ? json(static_cast<double>(ok) / static_cast<double>(calls)) : json(nullptr)},
          {"calls", calls},
          {"down_attempts", down_attempts},
          {"attempts", down_attempts + recovering_attempts},
          {"failed_trials", trials},
          {"backend_rps", static_cast<double>(recovering_attempts) / secs},
          {"open_healthy_s", to_seconds(open_healthy)},
          {"rejected_healthy", rejected},
          {"recovered", recovered ? 1 : 0},
          {"window_s", secs}};
}

sim::RunExtensionFactory incident_window_factory(Duration window) {
  return [window] { return std::make_unique<IncidentWindow>(window); };
}

}  // namespace chaoslab::tune
