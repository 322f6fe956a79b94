#include "analysis/analyze_lab_log.hpp"

#include <algorithm>
#include <variant>

#include "policies/error.hpp"

namespace chaoslab::analysis {
namespace {

using Kind = LabRecord::Kind;

// Events that do not come from log lines (the chaos action and inferred readiness), merged in by time.
struct Extra {
  Instant t;
  std::variant<ChaosEvent, PodEvent> event;
};

// Keeps only what the readiness inference needs from a first pass.
class AttemptTimes final : public TraceSink {
 public:
  void on_attempt(Instant t, const AttemptEvent& e) override { attempts.emplace_back(t, e.result.status != 0); }
  std::vector<std::pair<Instant, bool>> attempts;  // (time, got a response)
};

class Replayer {
 public:
  Replayer(const std::vector<LabRecord>& records, const std::string& file, TraceSink& sink,
           std::vector<Extra> extras, LabLogFacts& facts)
      : records_(records), file_(file), sink_(sink), extras_(std::move(extras)), f_(facts) {}

  void run() {
    for (const auto& r : records_) {
      ++f_.lines;
      if (!r.has_time) {
        ++f_.uvicorn_lines;
        continue;
      }
      if (!origin_) origin_ = r.time_ms;
      std::int64_t ms = r.time_ms;
      if (ms < last_ms_) {
        ++f_.stamps_out_of_order;
        ms = last_ms_;
      }
      last_ms_ = ms;
      const Instant t{std::chrono::milliseconds(ms - *origin_)};
      flush_extras(t);
      if (!in_call_) begin_call();
      switch (r.kind) {
        case Kind::state_seen:
          ++f_.state_seen_lines;
          ++call_lines_;
          ++f_.seen_state[static_cast<std::size_t>(to_breaker_state(r.to))];
          if (!explicit_start_) explicit_start_ = t;
          break;
        case Kind::transition: on_transition(r, t); break;
        case Kind::http_request: on_http(r, t); break;
        case Kind::retry: on_retry(r, t); break;
        case Kind::fast_fail:
          ++f_.fast_fail_lines;
          ++call_lines_;
          break;
        case Kind::call_result: on_result(r, t); break;
        case Kind::uvicorn: ++f_.uvicorn_lines; break;
        case Kind::other: ++f_.other_lines; break;
      }
    }
    if (!origin_) throw ConfigError(file_ + ": no timestamped line: not a lab client log");
    f_.first_ms = *origin_;
    f_.last_ms = last_ms_;
    flush_extras(Instant{std::chrono::milliseconds(last_ms_ - *origin_)});
    if (in_call_ && call_lines_ > 0) f_.trailing_partial_call = true;
  }

 private:
  void flush_extras(Instant t) {
    while (next_extra_ < extras_.size() && extras_[next_extra_].t <= t) {
      const Extra& x = extras_[next_extra_++];
      if (const auto* c = std::get_if<ChaosEvent>(&x.event))
        sink_.on_chaos(x.t, *c);
      else
        sink_.on_pod(x.t, std::get<PodEvent>(x.event));
    }
  }

  void begin_call() {
    in_call_ = true;
    attempts_ = 0;
    call_lines_ = 0;
    retry_pending_ = false;
    tripped_ = false;
    trial_ = false;
    explicit_start_.reset();
    next_attempt_start_.reset();
  }

  // The call's start: a line logged as it began, else the previous result plus the loop's sleep.
  std::optional<Instant> call_start() const {
    if (explicit_start_) return explicit_start_;
    if (prev_result_) return *prev_result_ + kLabLoopSleep;
    return std::nullopt;
  }

  std::optional<Instant> attempt_start() const {
    if (next_attempt_start_) return next_attempt_start_;
    return call_start();
  }

  void unexpected() { ++f_.unexpected_sequences; }

  // An attempt that ended the sequence without a response line.
  void infer_attempt(Instant t, std::optional<OutcomeKind> known) {
    const auto start = attempt_start();
    const Duration latency = start && *start <= t ? t - *start : Duration{0};
    if (start && *start > t) ++f_.inferred_before_start;
    OutcomeKind kind;
    if (known) {
      kind = *known;
    } else {
      kind = start && latency >= kLabTimeoutFloor ? OutcomeKind::timeout : OutcomeKind::refused;
    }
    ++f_.inferred_attempts;
    if (kind == OutcomeKind::timeout) ++f_.inferred_timeouts;
    if (kind == OutcomeKind::refused) ++f_.inferred_refused;
    emit_attempt(t, kind, 0, latency);
  }

  void emit_attempt(Instant t, OutcomeKind kind, int status, Duration latency) {
    ++attempts_;
    AttemptEvent e;
    e.call = call_index_;
    e.attempt = attempts_;
    e.result = HttpResult{kind, status, latency};
    sink_.on_attempt(t, e);
    last_attempt_kind_ = kind;
    retry_pending_ = false;
    next_attempt_start_.reset();
  }

  void on_transition(const LabRecord& r, Instant t) {
    ++f_.transition_lines;
    ++call_lines_;
    const BreakerState from = to_breaker_state(r.from), to = to_breaker_state(r.to);
    if (from == BreakerState::open && to == BreakerState::half_open) {
      if (!explicit_start_) explicit_start_ = t;
      trial_ = true;
      if (attempts_ == 0 && !retry_pending_) ++f_.half_open_at_call_entry;
    }
    if (to == BreakerState::open) {
      // The breaker saw the retry sequence fail: its last attempt is logged unless it had no response.
      if (retry_pending_ || attempts_ == 0) infer_attempt(t, std::nullopt);
      tripped_ = true;
    }
    sink_.on_transition(t, TransitionEvent{0, from, to});
  }

  void on_http(const LabRecord& r, Instant t) {
    ++f_.http_lines;
    ++call_lines_;
    if (attempts_ > 0 && !retry_pending_) unexpected();  // a second attempt without a retry line
    const auto start = attempt_start();
    const Duration latency = start && *start <= t ? t - *start : Duration{0};
    emit_attempt(t, outcome_from_status(r.status), r.status, latency);
  }

  void on_retry(const LabRecord& r, Instant t) {
    ++f_.retry_lines;
    ++call_lines_;
    if (retry_pending_) unexpected();  // two waits without an attempt between them
    RetryEvent e;
    e.call = call_index_;
    e.attempt = std::max(attempts_, 1);
    e.wait = from_seconds(r.wait_s);
    e.cause = attempts_ > 0 ? last_attempt_kind_ : OutcomeKind::http_5xx;
    sink_.on_retry(t, e);
    retry_pending_ = true;
    next_attempt_start_ = t + e.wait;
  }

  void on_result(const LabRecord& r, Instant t) {
    ++f_.result_lines;
    const BreakerState printed = to_breaker_state(r.state);
    ++f_.result_state[static_cast<std::size_t>(printed)];
    const auto outcome = outcome_of(r.result);
    if (!outcome)
      throw ConfigError(file_ + ":" + std::to_string(r.line) + ": unrecognised error result '" + r.text +
                        "' (the lab client reports timeouts, server errors, connection errors and "
                        "'circuit breaker open')");
    CallEvent c;
    c.call = call_index_;
    c.outcome = *outcome;
    c.state_before = printed;
    switch (*outcome) {
      case OutcomeKind::ok:
        c.raised = Raised::none;
        if (attempts_ == 0 && first_call_done_) unexpected();
        if (printed == BreakerState::open) ++f_.open_printed_result_ok;
        break;
      case OutcomeKind::breaker_rejected:
        c.raised = Raised::breaker_error;
        if (printed == BreakerState::closed) ++f_.closed_printed_breaker_open;
        if (!tripped_ && attempts_ > 0) unexpected();
        break;
      case OutcomeKind::timeout:
      case OutcomeKind::refused:
      case OutcomeKind::reset:
        c.raised = Raised::original;
        if (retry_pending_ || attempts_ == 0) infer_attempt(t, *outcome);
        break;
      default:  // http_5xx (4xx is no error to the lab's client)
        c.raised = Raised::original;
        if (retry_pending_ || attempts_ == 0) unexpected();
        break;
    }
    if (trial_) ++f_.trial_calls;
    c.attempts = attempts_;
    const auto start = call_start();
    if (!first_call_done_ && !start) f_.leading_partial_call = true;
    const bool start_known = start.has_value() && *start <= t;
    c.latency = start_known ? t - *start : Duration{0};
    if (c.outcome == OutcomeKind::ok && start_known) f_.ok_latencies_ms.push_back(to_millis(c.latency));
    sink_.on_call(t, c);
    prev_result_ = t;
    first_call_done_ = true;
    in_call_ = false;
    ++call_index_;
  }

  const std::vector<LabRecord>& records_;
  const std::string& file_;
  TraceSink& sink_;
  std::vector<Extra> extras_;
  std::size_t next_extra_ = 0;
  LabLogFacts& f_;

  std::optional<std::int64_t> origin_;
  std::int64_t last_ms_ = 0;
  std::optional<Instant> prev_result_;
  bool first_call_done_ = false;
  std::uint64_t call_index_ = 0;
  // The call in progress.
  bool in_call_ = false;
  int attempts_ = 0;
  int call_lines_ = 0;
  bool retry_pending_ = false;  // a retry wait was logged and its attempt has not been
  bool tripped_ = false;        // a transition into OPEN was logged during the call
  bool trial_ = false;          // the call began with OPEN -> HALF-OPEN
  OutcomeKind last_attempt_kind_ = OutcomeKind::http_5xx;
  std::optional<Instant> explicit_start_;
  std::optional<Instant> next_attempt_start_;
};

}  // namespace

LabLogFacts replay_lab_log(const std::vector<LabRecord>& records, const std::string& file, TraceSink& sink,
                           const std::optional<ChaosWindow>& chaos) {
  if (!chaos) {
    LabLogFacts out;
    Replayer(records, file, sink, {}, out).run();
    return out;
  }
  // First pass: the log's own events, to place the chaos window and infer readiness.
  LabLogFacts facts;
  AttemptTimes times;
  Replayer(records, file, times, {}, facts).run();
  const std::int64_t first_us = facts.first_ms * 1000, last_us = facts.last_ms * 1000;
  const std::int64_t end_us = chaos->end.time_since_epoch().count();
  std::vector<Extra> extras;
  std::optional<double> ready_s;
  const bool inside = end_us >= first_us && end_us <= last_us;
  if (inside) {
    const Instant end_t{std::chrono::microseconds(end_us - first_us)};
    const Instant start_t{std::chrono::microseconds(std::max(chaos->start.time_since_epoch().count(), first_us) - first_us)};
    extras.push_back({Instant{}, PodEvent{"backend", "Running", true}});
    extras.push_back({start_t, ChaosEvent{chaos->activity, "action", "start", "", ""}});
    // The pod is gone when the action returns: its readiness drops first, then the action ends.
    extras.push_back({end_t, PodEvent{"backend", "Terminating", false}});
    extras.push_back({end_t, ChaosEvent{chaos->activity, "action", "end", "succeeded", "from --journal " + chaos->journal}});
    std::optional<Instant> outage, ready;
    for (const auto& [t, responded] : times.attempts) {
      if (t < end_t) continue;
      if (!outage && !responded) outage = t;
      if (outage && responded) {
        ready = t;
        break;
      }
    }
    if (!outage) ready = end_t;  // no attempt failed for want of a backend: no visible outage
    if (ready) {
      extras.push_back({*ready, PodEvent{"backend (replacement, inferred)", "Running", true}});
      ready_s = to_seconds(*ready);
    }
  }
  std::stable_sort(extras.begin(), extras.end(), [](const Extra& a, const Extra& b) { return a.t < b.t; });
  LabLogFacts out;
  Replayer(records, file, sink, std::move(extras), out).run();
  out.chaos = chaos;
  out.chaos_in_log = inside;
  out.ready_again_s = ready_s;
  return out;
}

}  // namespace chaoslab::analysis
