#include "analysis/replay.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/lab_log.hpp"
#include "policies/error.hpp"
#include "policies/rng.hpp"

namespace chaoslab::analysis {
namespace {

using nlohmann::json;

// |t| <= 9e9 s keeps t in nanoseconds inside int64.
constexpr double kMaxAbsSeconds = 9e9;

[[noreturn]] void line_fail(const std::string& file, std::size_t line, const std::string& msg) {
  throw ConfigError(file + ":" + std::to_string(line) + ": " + msg);
}

std::vector<ReplayCall> read_json_lines(const std::vector<std::string>& lines,
                                        const std::string& file) {
  std::vector<ReplayCall> calls;
  double prev_t = -kMaxAbsSeconds;
  json prev_json;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t ln = i + 1;
    std::string_view s = lines[i];
    if (s.ends_with('\r')) s.remove_suffix(1);
    if (s.find_first_not_of(" \t") == std::string_view::npos) continue;
    json j;
    try {
      j = json::parse(s.begin(), s.end());
    } catch (const json::parse_error& e) {
      std::string what = e.what();
      const auto colon = what.find(": ");
      line_fail(file, ln, "invalid JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2)));
    } catch (const json::out_of_range& e) {
      // A number beyond double ("1e999") is not a parse_error; e.what() names the literal.
      std::string what = e.what();
      if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
      line_fail(file, ln, "invalid JSON: " + what);
    }
    if (!j.is_object()) line_fail(file, ln, "expected an object {\"t\", \"outcome\"}");
    for (const auto& [k, v] : j.items())
      if (k != "t" && k != "outcome" && k != "duration")
        line_fail(file, ln, "/" + k + ": unknown key (expected one of: t, outcome, duration)");
    if (!j.contains("t")) line_fail(file, ln, "missing key \"t\"");
    if (!j.contains("outcome")) line_fail(file, ln, "missing key \"outcome\"");
    const json& t = j["t"];
    if (!t.is_number()) line_fail(file, ln, "/t: expected a number of seconds, got " + t.dump());
    const double ts = t.get<double>();
    if (!std::isfinite(ts) || std::fabs(ts) > kMaxAbsSeconds)
      line_fail(file, ln, "/t: must be a finite number within +-9e9 seconds, got " + t.dump());
    if (ts < prev_t)
      line_fail(file, ln, "/t: calls must be in time order (" + t.dump() + " comes after " +
                              prev_json.dump() + ")");
    prev_t = ts;
    prev_json = t;
    double duration = 0;
    if (j.contains("duration")) {
      const json& d = j["duration"];
      if (!d.is_number() || !std::isfinite(d.get<double>()) || d.get<double>() < 0 ||
          d.get<double>() > kMaxAbsSeconds)
        line_fail(file, ln, "/duration: expected a number of seconds >= 0, got " + d.dump());
      duration = d.get<double>();
    }
    const json& o = j["outcome"];
    ReplayCall c;
    if (o == "success")
      c.verdict = Verdict::success;
    else if (o == "failure")
      c.verdict = Verdict::failure;
    else if (o == "excluded")
      c.verdict = Verdict::excluded;
    else
      line_fail(file, ln, "/outcome: expected one of success, failure, excluded, got " + o.dump());
    c.t = t;
    c.start = instant_at(ts);
    c.end = c.start + from_seconds(duration);
    calls.push_back(std::move(c));
  }
  return calls;
}

std::vector<ReplayCall> read_lab_log(const std::vector<std::string>& lines, const std::string& file,
                                     LabRejected rejected) {
  std::vector<LabRecord> records;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (auto r = parse_lab_line(lines[i], i + 1, file)) records.push_back(std::move(*r));
  std::vector<ReplayCall> calls;
  for (const auto& lc : lab_calls(records)) {
    ReplayCall c;
    switch (lc.outcome) {
      case LabCall::Outcome::success: c.verdict = Verdict::success; break;
      case LabCall::Outcome::failure: c.verdict = Verdict::failure; break;
      case LabCall::Outcome::rejected:
        // The lab breaker never ran this call: its outcome is unknown.
        if (rejected == LabRejected::skip) continue;
        c.verdict = rejected == LabRejected::failure ? Verdict::failure : Verdict::success;
        break;
    }
    c.t = static_cast<double>(lc.start_ms) / 1000.0;
    c.start = Instant(std::chrono::milliseconds(lc.start_ms));
    c.end = Instant(std::chrono::milliseconds(lc.end_ms));
    calls.push_back(std::move(c));
  }
  return calls;
}

}  // namespace

std::vector<ReplayCall> read_replay_calls(const std::vector<std::string>& lines, const std::string& file,
                                          ReplayFormat format, LabRejected rejected) {
  if (format == ReplayFormat::detect) {
    format = ReplayFormat::jsonl;
    for (const auto& l : lines) {
      const auto p = l.find_first_not_of(" \t\r");
      if (p == std::string::npos) continue;
      format = l[p] == '{' ? ReplayFormat::jsonl : ReplayFormat::lab;
      if (format == ReplayFormat::lab && !looks_like_lab_log(l))
        throw ConfigError(file + ":" + std::to_string(&l - lines.data() + 1) +
                          ": neither a JSON line nor a lab log line");
      break;
    }
  }
  return format == ReplayFormat::lab ? read_lab_log(lines, file, rejected) : read_json_lines(lines, file);
}

std::vector<ReplayOutcome> replay(const std::vector<ReplayCall>& calls, const BreakerConfig& config,
                                  std::uint64_t seed) {
  Rng rng(derive_seed(seed, static_cast<std::uint64_t>(Stream::breaker)));
  CircuitBreaker b(config, &rng);
  struct Event {
    Instant at;
    std::size_t call;
    int phase;  // 0 admission, 1 result
  };
  std::vector<Event> events;
  events.reserve(calls.size() * 2);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    events.push_back({calls[i].start, i, 0});
    events.push_back({calls[i].end, i, 1});
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& x, const Event& y) {
    if (x.at != y.at) return x.at < y.at;
    if (x.call != y.call) return x.call < y.call;
    return x.phase < y.phase;
  });
  std::vector<ReplayOutcome> out(calls.size());
  for (const auto& e : events) {
    ReplayOutcome& o = out[e.call];
    const ReplayCall& c = calls[e.call];
    if (e.phase == 0) {
      o.admitted = b.try_acquire(e.at);
      if (!o.admitted) {
        o.raised = Raised::breaker_error;
        o.state = b.state();
      }
    } else if (o.admitted) {
      o.raised = b.on_result(e.at, c.verdict, c.end - c.start);
      o.state = b.state();
    }
  }
  return out;
}

void write_replay(std::ostream& out, const std::vector<ReplayCall>& calls,
                  const std::vector<ReplayOutcome>& outcomes) {
  std::string buf;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const nlohmann::ordered_json line = {{"t", calls[i].t},
                                         {"admitted", outcomes[i].admitted},
                                         {"raised", std::string(to_string(outcomes[i].raised))},
                                         {"state", std::string(to_string(outcomes[i].state))}};
    buf += line.dump();
    buf += '\n';
    if (buf.size() > (1 << 16)) {
      out << buf;
      buf.clear();
    }
  }
  out << buf << std::flush;
}

}  // namespace chaoslab::analysis
