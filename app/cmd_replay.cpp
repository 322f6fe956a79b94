// `chaoslab replay`: what another breaker setting would have done with recorded calls. Input is
// JSON lines {"t", "outcome", "duration"?} or the lab client's log (detected from the first
// non-blank line); output is one JSON line per call: {"t", "admitted", "raised", "state"}.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "analysis/lab_log.hpp"
#include "policies/breaker.hpp"
#include "policies/config.hpp"
#include "policies/error.hpp"

namespace chaoslab::app {
namespace {

using nlohmann::json;

// One recorded call: admitted (or not) at `start`, its result applied at `end`.
struct ReplayCall {
  json t;  // printed back as given
  Instant start;
  Instant end;
  Verdict verdict = Verdict::success;
};

struct ReplayOptions {
  std::string breaker_path;
  std::string input_path;  // empty or "-": stdin
  std::string format = "auto";
  std::string lab_rejected = "skip";
  std::uint64_t seed = 1;
};

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
                                     const std::string& rejected) {
  std::vector<analysis::LabRecord> records;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (auto r = analysis::parse_lab_line(lines[i], i + 1, file)) records.push_back(std::move(*r));
  std::vector<ReplayCall> calls;
  for (const auto& lc : analysis::lab_calls(records)) {
    ReplayCall c;
    switch (lc.outcome) {
      case analysis::LabCall::Outcome::success: c.verdict = Verdict::success; break;
      case analysis::LabCall::Outcome::failure: c.verdict = Verdict::failure; break;
      case analysis::LabCall::Outcome::rejected:
        // The lab breaker never ran this call: its outcome is unknown.
        if (rejected == "skip") continue;
        c.verdict = rejected == "failure" ? Verdict::failure : Verdict::success;
        break;
    }
    c.t = static_cast<double>(lc.start_ms) / 1000.0;
    c.start = Instant(std::chrono::milliseconds(lc.start_ms));
    c.end = Instant(std::chrono::milliseconds(lc.end_ms));
    calls.push_back(std::move(c));
  }
  return calls;
}

struct Outcome {
  bool admitted = false;
  Raised raised = Raised::breaker_error;
  BreakerState state = BreakerState::closed;
};

// Admissions and results in time order (ties: input order, admission before result), so that
// overlapping calls see each other as they would have live.
std::vector<Outcome> replay(const std::vector<ReplayCall>& calls, CircuitBreaker& b) {
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
  std::vector<Outcome> out(calls.size());
  for (const auto& e : events) {
    Outcome& o = out[e.call];
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

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError(path + ": cannot read file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void run_replay(const ReplayOptions& opt) {
  const BreakerConfig cfg =
      parse_breaker(parse_json_text(read_file(opt.breaker_path), opt.breaker_path), opt.breaker_path);

  const bool from_stdin = opt.input_path.empty() || opt.input_path == "-";
  const std::string name = from_stdin ? "<stdin>" : opt.input_path;
  std::ifstream file;
  if (!from_stdin) {
    file.open(opt.input_path, std::ios::binary);
    if (!file) throw ConfigError(opt.input_path + ": cannot read file");
  }
  std::istream& in = from_stdin ? std::cin : file;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));

  std::string format = opt.format;
  if (format == "auto") {
    format = "jsonl";
    for (const auto& l : lines) {
      const auto p = l.find_first_not_of(" \t\r");
      if (p == std::string::npos) continue;
      format = l[p] == '{' ? "jsonl" : "lab";
      if (format == "lab" && !analysis::looks_like_lab_log(l))
        throw ConfigError(name + ":" + std::to_string(&l - lines.data() + 1) +
                          ": neither a JSON line nor a lab log line");
      break;
    }
  }
  const auto calls =
      format == "lab" ? read_lab_log(lines, name, opt.lab_rejected) : read_json_lines(lines, name);

  Rng rng(derive_seed(opt.seed, static_cast<std::uint64_t>(Stream::breaker)));
  CircuitBreaker breaker(cfg, &rng);
  const auto outcomes = replay(calls, breaker);
  std::string buf;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const nlohmann::ordered_json line = {{"t", calls[i].t},
                 {"admitted", outcomes[i].admitted},
                 {"raised", std::string(to_string(outcomes[i].raised))},
                 {"state", std::string(to_string(outcomes[i].state))}};
    buf += line.dump();
    buf += '\n';
    if (buf.size() > (1 << 16)) {
      std::cout << buf;
      buf.clear();
    }
  }
  std::cout << buf << std::flush;
  if (!std::cout) throw std::runtime_error("cannot write the output");
}

}  // namespace

void add_replay(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<ReplayOptions>();
  auto* sub = app.add_subcommand(
      "replay", "What-if: send recorded calls (JSON lines or the lab's log) through a breaker");
  sub->add_option("--breaker", opt->breaker_path, "breaker configuration (JSON, docs/policies.md)")
      ->required();
  sub->add_option("input", opt->input_path,
                  "recorded calls: JSON lines {\"t\",\"outcome\",\"duration\"?} or a lab client "
                  "log (default: stdin)");
  sub->add_option("--format", opt->format, "input format (default: detected)")
      ->check(CLI::IsMember({"auto", "jsonl", "lab"}));
  sub->add_option("--lab-rejected", opt->lab_rejected,
                  "lab calls the lab's breaker rejected have no outcome: skip them (default) or "
                  "assume one")
      ->check(CLI::IsMember({"skip", "failure", "success"}));
  add_seed_option(sub, opt->seed, "seed for the open-duration jitter (default 1)");
  add_examples(sub, {"chaoslab replay --breaker tests/app/malformed/replay/breaker.json tests/app/malformed/replay/ok.jsonl",
                     "chaoslab replay --breaker tests/app/malformed/replay/breaker.json tests/analysis/fixtures/analyze-lab.log "
                     "--lab-rejected failure"});
  sub->callback([opt, &exit_code] {
    run_replay(*opt);
    exit_code = kExitOk;
  });
}

}  // namespace chaoslab::app
