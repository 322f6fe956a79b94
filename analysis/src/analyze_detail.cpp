#include "analysis/analyze_detail.hpp"

namespace chaoslab::analysis {

std::vector<double> RunDetail::all_retry_waits() const {
  std::vector<double> out;
  for (const auto& v : retry_waits_s) out.insert(out.end(), v.begin(), v.end());
  return out;
}

void RunDetailSink::reset() {
  d_ = RunDetail{};
  clients_.clear();
}

RunDetailSink::Client& RunDetailSink::client(int id) {
  const auto i = static_cast<std::size_t>(id < 0 ? 0 : id);
  if (i >= clients_.size()) clients_.resize(i + 1);
  return clients_[i];
}

void RunDetailSink::on_attempt(Instant, const AttemptEvent& e) {
  client(e.client);
  ++d_.attempts_by_status[e.result.status];
}

void RunDetailSink::on_call(Instant, const CallEvent& e) { client(e.client); }

void RunDetailSink::on_retry(Instant, const RetryEvent& e) {
  const auto i = static_cast<std::size_t>(e.attempt < 1 ? 0 : e.attempt - 1);
  if (i >= d_.retry_waits_s.size()) d_.retry_waits_s.resize(i + 1);
  d_.retry_waits_s[i].push_back(to_seconds(e.wait));
}

void RunDetailSink::on_transition(Instant t, const TransitionEvent& e) {
  using S = BreakerState;
  Client& c = client(e.client);
  if (!c.seen) {
    // A recording that starts mid-run (a log fragment) shows its first state only here.
    c.seen = true;
    c.state = e.from;
  }
  d_.time_in_state_s[static_cast<std::size_t>(c.state)] += to_seconds(t - c.since);
  if (c.state == S::open && e.to != S::open && c.entered_seen) d_.open_durations_s.push_back(to_seconds(t - c.since));
  if (e.from == S::closed && e.to == S::open) c.episode_start = t;
  // An episode needs its start: a fragment that begins outside CLOSED has none.
  if (e.to == S::closed && c.episode_start) d_.episodes_s.push_back(to_seconds(t - *c.episode_start));
  if (e.to == S::closed) c.episode_start.reset();
  c.state = e.to;
  c.since = t;
  c.entered_seen = true;
}

RunDetail RunDetailSink::finish(Instant end) {
  RunDetail out = d_;
  for (const auto& c : clients_) {
    if (end > c.since) out.time_in_state_s[static_cast<std::size_t>(c.state)] += to_seconds(end - c.since);
    if (c.state == BreakerState::open) ++out.open_censored;
    if (c.state != BreakerState::closed && c.episode_start) ++out.episodes_censored;
  }
  return out;
}

}  // namespace chaoslab::analysis
