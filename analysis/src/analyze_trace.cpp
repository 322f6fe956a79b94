#include "analyze_trace.hpp"

#include <cmath>
#include <initializer_list>
#include <istream>
#include <limits>
#include <string_view>

#include <nlohmann/json.hpp>

#include "policies/error.hpp"

namespace chaoslab::analysis {
namespace {

using nlohmann::json;

class LineReader {
 public:
  LineReader(const std::string& file, std::uint64_t line, const json& j) : file_(file), line_(line), j_(j) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(file_ + ":" + std::to_string(line_) + ": " + what);
  }

  // Every key must be one the event defines.
  void only(std::initializer_list<std::string_view> keys) const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool known = false;
      for (auto k : keys) known = known || it.key() == k;
      if (!known) fail("/" + it.key() + ": unknown field for a '" + j_.at("event").get<std::string>() + "' event");
    }
  }

  const json& at(const char* k) const {
    const auto it = j_.find(k);
    if (it == j_.end()) fail(std::string("/") + k + ": missing");
    return *it;
  }

  double number(const char* k) const {
    const json& v = at(k);
    if (!v.is_number()) fail(std::string("/") + k + ": expected a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(std::string("/") + k + ": not a finite number");
    return d;
  }

  double non_negative(const char* k) const {
    const double d = number(k);
    if (d < 0) fail(std::string("/") + k + ": must not be negative");
    return d;
  }

  long long integer(const char* k, long long lo, long long hi) const {
    const json& v = at(k);
    if (!v.is_number_integer()) fail(std::string("/") + k + ": expected an integer");
    const long long i = v.get<long long>();
    if (i < lo || i > hi)
      fail(std::string("/") + k + ": " + std::to_string(i) + " is outside " + std::to_string(lo) + ".." +
           std::to_string(hi));
    return i;
  }

  std::string string(const char* k) const {
    const json& v = at(k);
    if (!v.is_string()) fail(std::string("/") + k + ": expected a string");
    return v.get<std::string>();
  }

  std::string optional_string(const char* k) const { return j_.contains(k) ? string(k) : std::string(); }

  bool boolean(const char* k) const {
    const json& v = at(k);
    if (!v.is_boolean()) fail(std::string("/") + k + ": expected true or false");
    return v.get<bool>();
  }

  OutcomeKind outcome(const char* k) const {
    const std::string s = string(k);
    const auto o = outcome_from_string(s);
    if (!o)
      fail(std::string("/") + k + ": unknown outcome '" + s +
           "' (expected ok, http_4xx, http_5xx, timeout, refused, reset or breaker_rejected)");
    return *o;
  }

  BreakerState state(const char* k) const {
    const std::string s = string(k);
    for (auto st : {BreakerState::closed, BreakerState::open, BreakerState::half_open})
      if (to_string(st) == s) return st;
    fail(std::string("/") + k + ": unknown breaker state '" + s + "' (expected closed, open or half_open)");
  }

  Raised raised(const char* k) const {
    const std::string s = string(k);
    for (auto r : {Raised::none, Raised::original, Raised::breaker_error, Raised::retry_error})
      if (to_string(r) == s) return r;
    fail(std::string("/") + k + ": unknown value '" + s + "' (expected none, original, breaker_error or retry_error)");
  }

 private:
  const std::string& file_;
  std::uint64_t line_;
  const json& j_;
};

constexpr long long kMaxInt = 2147483647;

}  // namespace

TraceInfo replay_trace(std::istream& in, const std::string& file, TraceSink& sink) {
  TraceInfo info;
  std::string text;
  Instant last{};
  bool any = false;
  while (std::getline(in, text)) {
    ++info.lines;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    json j;
    try {
      j = json::parse(text);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for "1e999"
      // nlohmann's message starts with "[json.exception.parse_error.101] parse error at ...".
      std::string what = e.what();
      if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
      throw ConfigError(file + ":" + std::to_string(info.lines) + ": not JSON: " + what);
    }
    if (!j.is_object())
      throw ConfigError(file + ":" + std::to_string(info.lines) + ": expected one JSON object per line");
    const LineReader r(file, info.lines, j);
    const std::string event = r.string("event");
    const double ts = r.non_negative("t");
    if (ts > 1e9) r.fail("/t: " + std::to_string(ts) + " s is not a time since the start of a run");
    const Instant t = instant_at(ts);
    if (t < last) r.fail("/t: " + std::to_string(ts) + " is before the previous event's time");
    last = t;
    any = true;
    if (event == "meta") {
      r.only({"t", "event", "source", "seed", "scenario", "schema"});
      info.source = r.optional_string("source");
      info.scenario = r.optional_string("scenario");
      if (j.contains("seed")) {
        if (!j["seed"].is_number_unsigned()) r.fail("/seed: expected a non-negative integer");
        info.seed = j["seed"].get<std::uint64_t>();
      }
      const std::string schema = r.optional_string("schema");
      if (!schema.empty() && schema != "chaoslab-trace/1")
        r.fail("/schema: unsupported schema '" + schema + "' (this build reads chaoslab-trace/1)");
    } else if (event == "attempt") {
      r.only({"t", "event", "client", "call", "attempt", "outcome", "status", "latency_ms"});
      AttemptEvent e;
      e.client = static_cast<int>(r.integer("client", 0, kMaxInt));
      e.call = static_cast<std::uint64_t>(r.integer("call", 0, std::numeric_limits<long long>::max()));
      e.attempt = static_cast<int>(r.integer("attempt", 1, kMaxInt));
      e.result.kind = r.outcome("outcome");
      if (e.result.kind == OutcomeKind::breaker_rejected) r.fail("/outcome: an attempt cannot be breaker_rejected");
      e.result.status = static_cast<int>(r.integer("status", 0, 999));
      e.result.latency = from_seconds(r.non_negative("latency_ms") / 1000.0);
      sink.on_attempt(t, e);
    } else if (event == "retry") {
      r.only({"t", "event", "client", "call", "attempt", "wait_s", "cause"});
      RetryEvent e;
      e.client = static_cast<int>(r.integer("client", 0, kMaxInt));
      e.call = static_cast<std::uint64_t>(r.integer("call", 0, std::numeric_limits<long long>::max()));
      e.attempt = static_cast<int>(r.integer("attempt", 1, kMaxInt));
      e.wait = from_seconds(r.non_negative("wait_s"));
      e.cause = r.outcome("cause");
      sink.on_retry(t, e);
    } else if (event == "call") {
      r.only({"t", "event", "client", "call", "outcome", "raised", "attempts", "latency_ms", "state"});
      CallEvent e;
      e.client = static_cast<int>(r.integer("client", 0, kMaxInt));
      e.call = static_cast<std::uint64_t>(r.integer("call", 0, std::numeric_limits<long long>::max()));
      e.outcome = r.outcome("outcome");
      e.raised = r.raised("raised");
      e.attempts = static_cast<int>(r.integer("attempts", 0, kMaxInt));
      e.latency = from_seconds(r.non_negative("latency_ms") / 1000.0);
      e.state_before = r.state("state");
      sink.on_call(t, e);
    } else if (event == "transition") {
      r.only({"t", "event", "client", "from", "to"});
      TransitionEvent e;
      e.client = static_cast<int>(r.integer("client", 0, kMaxInt));
      e.from = r.state("from");
      e.to = r.state("to");
      if (e.from == e.to) r.fail("/to: a transition must change the state");
      sink.on_transition(t, e);
    } else if (event == "chaos") {
      r.only({"t", "event", "activity", "kind", "phase", "status", "detail"});
      ChaosEvent e;
      e.activity = r.string("activity");
      e.kind = r.string("kind");
      e.phase = r.string("phase");
      if (e.phase != "start" && e.phase != "end") r.fail("/phase: expected start or end");
      e.status = r.optional_string("status");
      e.detail = r.optional_string("detail");
      ++info.chaos_events;
      sink.on_chaos(t, e);
    } else if (event == "pod") {
      r.only({"t", "event", "pod", "phase", "ready"});
      PodEvent e;
      e.pod = r.string("pod");
      e.phase = r.string("phase");
      e.ready = r.boolean("ready");
      ++info.pod_events;
      sink.on_pod(t, e);
    } else {
      r.fail("/event: unknown event '" + event + "' (expected meta, attempt, retry, call, transition, chaos or pod)");
    }
  }
  if (!any) throw ConfigError(file + ": empty trace (no events)");
  info.end = last;
  return info;
}

}  // namespace chaoslab::analysis
