#include "policies/run_summary.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace chaoslab {

void RunSummarySink::reset() {
  s_ = RunSummary{};
  ok_latencies_ns_.clear();
  clients_.clear();
  ready_pods_.clear();
  ready_history_.clear();
  ready_hint_ = 0;
  saw_pods_ = false;
  cooldown_mark_ = Instant{};
  chaos_seen_ = false;
  chaos_at_ = Instant{};
  ready_again_.reset();
  first_success_.reset();
  all_closed_.reset();
  open_breakers_ = 0;
}

RunSummarySink::ClientState& RunSummarySink::client(int id) {
  const auto i = static_cast<std::size_t>(id < 0 ? 0 : id);
  if (i >= clients_.size()) clients_.resize(i + 1);
  return clients_[i];
}

bool RunSummarySink::ready_endpoint_at(Instant t) const {
  if (!saw_pods_) return true;
  // The last change at or before t: u is the first change after t. Attempts start in time order
  // (per client), so the last answer's position is tried first, then a binary search.
  const auto& h = ready_history_;
  std::size_t u = ready_hint_;
  if (!(u <= h.size() && (u == 0 || h[u - 1].first <= t) && (u == h.size() || t < h[u].first))) {
    u = static_cast<std::size_t>(
        std::upper_bound(h.begin(), h.end(), t,
                         [](Instant x, const std::pair<Instant, bool>& e) { return x < e.first; }) -
        h.begin());
    ready_hint_ = u;
  }
  if (u == 0) return false;
  return h[u - 1].second;
}

void RunSummarySink::advance_cooldown(Instant t) {
  if (t <= cooldown_mark_) return;
  const bool ready = !saw_pods_ || !ready_pods_.empty();
  if (ready) {
    const double dt = to_seconds(t - cooldown_mark_);
    for (const auto& c : clients_)
      if (c.state == BreakerState::open) s_.wasted_cooldown_s += dt;
  }
  cooldown_mark_ = t;
}

namespace {
void count(OutcomeCounts& c, OutcomeKind k) {
  ++c.total;
  switch (k) {
    case OutcomeKind::ok: ++c.ok; break;
    case OutcomeKind::http_4xx: ++c.http_4xx; break;
    case OutcomeKind::http_5xx: ++c.http_5xx; break;
    case OutcomeKind::timeout: ++c.timeout; break;
    case OutcomeKind::refused: ++c.refused; break;
    case OutcomeKind::reset: ++c.reset; break;
    case OutcomeKind::breaker_rejected: ++c.rejected; break;
  }
}
}  // namespace

void RunSummarySink::on_attempt(Instant t, const AttemptEvent& e) {
  count(s_.attempts, e.result.kind);
  if (!ready_endpoint_at(t - e.result.latency)) ++s_.attempts_without_ready_endpoint;
}

void RunSummarySink::on_retry(Instant, const RetryEvent&) { ++s_.retries; }

void RunSummarySink::on_call(Instant t, const CallEvent& e) {
  count(s_.calls, e.outcome);
  if (e.outcome == OutcomeKind::ok) {
    ok_latencies_ns_.push_back(e.latency.count());
    if (ready_again_ && !first_success_ && t >= *ready_again_) first_success_ = t;
  }
}

void RunSummarySink::on_transition(Instant t, const TransitionEvent& e) {
  advance_cooldown(t);
  using S = BreakerState;
  if (e.from == S::closed && e.to == S::open) {
    ++s_.transitions.closed_to_open;
  } else if (e.from == S::open && e.to == S::half_open) {
    ++s_.transitions.open_to_half_open;
  } else if (e.from == S::half_open && e.to == S::open) {
    ++s_.transitions.half_open_to_open;
    ++s_.failed_half_open_trials;
  } else if (e.from == S::half_open && e.to == S::closed) {
    ++s_.transitions.half_open_to_closed;
  } else {
    ++s_.transitions.other;
  }
  ClientState& c = client(e.client);
  if (c.state == S::closed && e.to != S::closed) ++open_breakers_;
  if (c.state != S::closed && e.to == S::closed) --open_breakers_;
  c.state = e.to;
  c.since = t;
  if (ready_again_ && !all_closed_ && open_breakers_ == 0) all_closed_ = t;
}

void RunSummarySink::on_chaos(Instant t, const ChaosEvent& e) {
  if (chaos_seen_ || e.kind != "action" || e.phase != "end") return;
  chaos_seen_ = true;
  chaos_at_ = t;
  if (!saw_pods_ || !ready_pods_.empty()) {
    ready_again_ = t;
    if (open_breakers_ == 0) all_closed_ = t;
  }
}

void RunSummarySink::on_pod(Instant t, const PodEvent& e) {
  advance_cooldown(t);
  const bool before = !ready_pods_.empty();
  const auto it = std::find(ready_pods_.begin(), ready_pods_.end(), e.pod);
  if (e.ready && it == ready_pods_.end()) ready_pods_.push_back(e.pod);
  if (!e.ready && it != ready_pods_.end()) ready_pods_.erase(it);
  const bool after = !ready_pods_.empty();
  if (!saw_pods_ || before != after) ready_history_.emplace_back(t, after);
  saw_pods_ = true;
  if (chaos_seen_ && !ready_again_ && after) {
    ready_again_ = t;
    if (open_breakers_ == 0) all_closed_ = t;
  }
}

namespace {
// numpy.percentile's default (linear between closest ranks); reorders v.
double percentile(std::vector<std::int64_t>& v, double p) {
  const double h = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double x0 = static_cast<double>(v[lo]);
  if (lo + 1 >= v.size()) return x0;
  const double x1 = static_cast<double>(*std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end()));
  return x0 + (h - static_cast<double>(lo)) * (x1 - x0);
}
}  // namespace

RunSummary RunSummarySink::finish(Instant end, std::uint64_t seed, std::uint64_t events) {
  advance_cooldown(end);
  RunSummary out = s_;
  out.seed = seed;
  out.events = events;
  out.virtual_seconds = to_seconds(end);
  if (!ok_latencies_ns_.empty()) {
    out.latency_p99_ms = percentile(ok_latencies_ns_, 0.99) * 1e-6;
    out.latency_p95_ms = percentile(ok_latencies_ns_, 0.95) * 1e-6;
    out.latency_p50_ms = percentile(ok_latencies_ns_, 0.50) * 1e-6;
  }
  if (out.calls.total > 0)
    out.retry_amplification = static_cast<double>(out.attempts.total) / static_cast<double>(out.calls.total);
  if (chaos_seen_) {
    Recovery r;
    const Instant ready = ready_again_.value_or(end);
    r.outage_s = to_seconds(ready - chaos_at_);
    if (ready_again_ && first_success_) r.time_to_first_success_s = to_seconds(*first_success_ - ready);
    if (ready_again_ && all_closed_) r.time_to_closed_s = to_seconds(*all_closed_ - ready);
    out.recovery = r;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

FixedDecimal summary_decimal(double v, int decimals) {
  // Tiny negative values from subtraction print as 0, not -0.000. The thresholds are computed
  // once, by the same expression as before (a pow per number was 1 % of a sweep).
  static const auto tiny = [] {
    std::array<double, 10> t{};
    for (int d = 0; d < 10; ++d) t[static_cast<std::size_t>(d)] = 0.5 * std::pow(10.0, -d);
    return t;
  }();
  const double below = decimals >= 0 && decimals < 10 ? tiny[static_cast<std::size_t>(decimals)]
                                                       : 0.5 * std::pow(10.0, -decimals);
  if (std::fabs(v) < below) v = 0;
  return to_fixed_decimal(v, decimals);
}

namespace {

void key(std::string& out, const char* k) {
  if (out.back() != '{') out += ',';
  out += '"';
  out += k;
  out += "\":";
}

void num(std::string& out, const char* k, std::uint64_t v) {
  key(out, k);
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

void fixed(std::string& out, const char* k, double v, int decimals) {
  key(out, k);
  const FixedDecimal f = summary_decimal(v, decimals);
  if (f.exact) {
    f.append_to(out);
    return;
  }
  // std::to_chars prints exactly what printf("%.*f") prints in the C locale, without the locale
  // and format-string machinery; a value too long for the buffer falls back to printf.
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (r.ec == std::errc()) {
    out.append(buf, r.ptr);
    return;
  }
  std::vector<char> big(400);
  std::snprintf(big.data(), big.size(), "%.*f", decimals, v);
  out += big.data();
}

void fixed(std::string& out, const char* k, const std::optional<double>& v, int decimals) {
  if (v) {
    fixed(out, k, *v, decimals);
  } else {
    key(out, k);
    out += "null";
  }
}

void counts(std::string& out, const char* k, const OutcomeCounts& c, bool calls) {
  key(out, k);
  out += '{';
  num(out, "total", c.total);
  num(out, calls ? "ok" : "http_2xx", c.ok);
  num(out, "http_5xx", c.http_5xx);
  num(out, "timeout", c.timeout);
  num(out, "refused", c.refused);
  if (calls) num(out, "rejected", c.rejected);
  num(out, "http_4xx", c.http_4xx);
  num(out, "reset", c.reset);
  out += '}';
}

}  // namespace

std::string RunSummary::to_json() const {
  std::string out;
  out.reserve(640);  // a lab3 summary is about 600 bytes: one allocation
  append_json(out);
  return out;
}

void RunSummary::append_json(std::string& out) const {
  out += '{';
  num(out, "seed", seed);
  fixed(out, "virtual_seconds", virtual_seconds, 6);
  num(out, "events", events);
  counts(out, "calls", calls, true);
  counts(out, "attempts", attempts, false);
  num(out, "retries", retries);
  key(out, "transitions");
  out += '{';
  num(out, "closed_to_open", transitions.closed_to_open);
  num(out, "open_to_half_open", transitions.open_to_half_open);
  num(out, "half_open_to_open", transitions.half_open_to_open);
  num(out, "half_open_to_closed", transitions.half_open_to_closed);
  if (transitions.other) num(out, "other", transitions.other);
  out += '}';
  key(out, "latency_ms");
  out += '{';
  fixed(out, "p50", latency_p50_ms, 3);
  fixed(out, "p95", latency_p95_ms, 3);
  fixed(out, "p99", latency_p99_ms, 3);
  out += '}';
  key(out, "recovery");
  if (recovery) {
    out += '{';
    fixed(out, "outage_s", recovery->outage_s, 6);
    fixed(out, "time_to_first_success_s", recovery->time_to_first_success_s, 6);
    fixed(out, "time_to_closed_s", recovery->time_to_closed_s, 6);
    out += '}';
  } else {
    out += "null";
  }
  fixed(out, "retry_amplification", retry_amplification, 6);
  num(out, "attempts_without_ready_endpoint", attempts_without_ready_endpoint);
  num(out, "failed_half_open_trials", failed_half_open_trials);
  fixed(out, "wasted_cooldown_s", wasted_cooldown_s, 6);
  key(out, "peak_backend_queue");
  if (peak_backend_queue) {
    char buf[16];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, *peak_backend_queue).ptr);
  } else {
    out += "null";
  }
  out += '}';
}

std::string RunSummary::to_text() const {
  char buf[512];
  std::string out;
  auto pct = [](std::uint64_t part, std::uint64_t total) {
    return total ? 100.0 * static_cast<double>(part) / static_cast<double>(total) : 0.0;
  };
  std::snprintf(buf, sizeof buf, "seed %llu: %.1f virtual seconds, %llu events\n",
                static_cast<unsigned long long>(seed), virtual_seconds,
                static_cast<unsigned long long>(events));
  out += buf;
  std::snprintf(buf, sizeof buf,
                "calls     %llu: ok %.1f%%, 5xx %llu, timeout %llu, refused %llu, reset %llu, rejected by breaker %llu\n",
                static_cast<unsigned long long>(calls.total), pct(calls.ok, calls.total),
                static_cast<unsigned long long>(calls.http_5xx), static_cast<unsigned long long>(calls.timeout),
                static_cast<unsigned long long>(calls.refused), static_cast<unsigned long long>(calls.reset),
                static_cast<unsigned long long>(calls.rejected));
  out += buf;
  std::snprintf(buf, sizeof buf, "attempts  %llu (%.2f per call), %llu retries, %llu sent with no ready endpoint\n",
                static_cast<unsigned long long>(attempts.total), retry_amplification.value_or(0.0),
                static_cast<unsigned long long>(retries),
                static_cast<unsigned long long>(attempts_without_ready_endpoint));
  out += buf;
  std::snprintf(buf, sizeof buf,
                "breaker   closed->open %llu, open->half_open %llu, half_open->open %llu, half_open->closed %llu; "
                "%.1f s open while a pod was ready\n",
                static_cast<unsigned long long>(transitions.closed_to_open),
                static_cast<unsigned long long>(transitions.open_to_half_open),
                static_cast<unsigned long long>(transitions.half_open_to_open),
                static_cast<unsigned long long>(transitions.half_open_to_closed), wasted_cooldown_s);
  out += buf;
  if (latency_p50_ms) {
    std::snprintf(buf, sizeof buf, "latency   ok calls p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n", *latency_p50_ms,
                  *latency_p95_ms, *latency_p99_ms);
    out += buf;
  }
  if (recovery) {
    auto secs = [](const std::optional<double>& v) {
      if (!v) return std::string("never");
      char b[48];
      std::snprintf(b, sizeof b, "%.2f s", *v);
      return std::string(b);
    };
    const std::string first = secs(recovery->time_to_first_success_s);
    const std::string closed = secs(recovery->time_to_closed_s);
    std::snprintf(buf, sizeof buf, "recovery  outage %.2f s; then first success after %s, breakers closed after %s\n",
                  recovery->outage_s, first.c_str(), closed.c_str());
    out += buf;
  }
  if (peak_backend_queue) {
    std::snprintf(buf, sizeof buf, "backend   peak %d requests held by one pod\n", *peak_backend_queue);
    out += buf;
  }
  return out;
}

}  // namespace chaoslab
