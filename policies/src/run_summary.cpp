#include "policies/run_summary.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

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


std::string RunSummary::to_json() const {
  std::string out;
  out.reserve(640);  // a lab3 summary is about 600 bytes: one allocation
  append_json(out);
  return out;
}

namespace {

// Writes a summary into a stack buffer with the keys as literals (their punctuation included)
// and one append at the end: a sweep writes a summary per run, and appending key by key to the
// string was most of that cost. Large enough for the longest possible summary (every decimal a
// 300-digit number).
class JsonWriter {
 public:
  template <std::size_t N>
  JsonWriter& lit(const char (&text)[N]) {
    std::memcpy(p_, text, N - 1);
    p_ += N - 1;
    return *this;
  }
  JsonWriter& u64(std::uint64_t v) {
    p_ = std::to_chars(p_, end_, v).ptr;
    return *this;
  }
  JsonWriter& i64(std::int64_t v) {
    p_ = std::to_chars(p_, end_, v).ptr;
    return *this;
  }
  JsonWriter& fixed(double v, int decimals) {
    const FixedDecimal f = summary_decimal(v, decimals);
    if (f.exact) {
      p_ = f.append_to(p_);
      return *this;
    }
    // std::to_chars prints exactly what printf("%.*f") prints in the C locale.
    const auto r = std::to_chars(p_, end_, v, std::chars_format::fixed, decimals);
    if (r.ec == std::errc()) {
      p_ = r.ptr;
    } else {
      p_ += std::snprintf(p_, static_cast<std::size_t>(end_ - p_), "%.*f", decimals, v);
    }
    return *this;
  }
  JsonWriter& fixed(const std::optional<double>& v, int decimals) { return v ? fixed(*v, decimals) : lit("null"); }
  JsonWriter& counts(const OutcomeCounts& c, bool calls) {
    lit("{\"total\":").u64(c.total);
    if (calls) {
      lit(",\"ok\":").u64(c.ok);
    } else {
      lit(",\"http_2xx\":").u64(c.ok);
    }
    lit(",\"http_5xx\":").u64(c.http_5xx).lit(",\"timeout\":").u64(c.timeout).lit(",\"refused\":").u64(c.refused);
    if (calls) lit(",\"rejected\":").u64(c.rejected);
    return lit(",\"http_4xx\":").u64(c.http_4xx).lit(",\"reset\":").u64(c.reset).lit("}");
  }
  void append_to(std::string& out) const { out.append(buf_, static_cast<std::size_t>(p_ - buf_)); }

 private:
  char buf_[8192];
  char* p_ = buf_;
  char* end_ = buf_ + sizeof buf_;
};

}  // namespace

void RunSummary::append_json(std::string& out) const {
  JsonWriter w;
  w.lit("{\"seed\":").u64(seed);
  w.lit(",\"virtual_seconds\":").fixed(virtual_seconds, 6);
  w.lit(",\"events\":").u64(events);
  w.lit(",\"calls\":").counts(calls, true);
  w.lit(",\"attempts\":").counts(attempts, false);
  w.lit(",\"retries\":").u64(retries);
  w.lit(",\"transitions\":{\"closed_to_open\":").u64(transitions.closed_to_open);
  w.lit(",\"open_to_half_open\":").u64(transitions.open_to_half_open);
  w.lit(",\"half_open_to_open\":").u64(transitions.half_open_to_open);
  w.lit(",\"half_open_to_closed\":").u64(transitions.half_open_to_closed);
  if (transitions.other) w.lit(",\"other\":").u64(transitions.other);
  w.lit("},\"latency_ms\":{\"p50\":").fixed(latency_p50_ms, 3);
  w.lit(",\"p95\":").fixed(latency_p95_ms, 3);
  w.lit(",\"p99\":").fixed(latency_p99_ms, 3);
  w.lit("},\"recovery\":");
  if (recovery) {
    w.lit("{\"outage_s\":").fixed(recovery->outage_s, 6);
    w.lit(",\"time_to_first_success_s\":").fixed(recovery->time_to_first_success_s, 6);
    w.lit(",\"time_to_closed_s\":").fixed(recovery->time_to_closed_s, 6);
    w.lit("}");
  } else {
    w.lit("null");
  }
  w.lit(",\"retry_amplification\":").fixed(retry_amplification, 6);
  w.lit(",\"attempts_without_ready_endpoint\":").u64(attempts_without_ready_endpoint);
  w.lit(",\"failed_half_open_trials\":").u64(failed_half_open_trials);
  w.lit(",\"wasted_cooldown_s\":").fixed(wasted_cooldown_s, 6);
  w.lit(",\"peak_backend_queue\":");
  if (peak_backend_queue) {
    w.i64(*peak_backend_queue);
  } else {
    w.lit("null");
  }
  w.lit("}");
  w.append_to(out);
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
