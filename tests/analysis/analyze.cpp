// `chaoslab analyze` on hand-written fixtures (exact counts worked out by hand from the lab
// client's code, see the comments), on malformed input (file, line, exit 2), and on the lab's real
// logs when ../shared/lab3-reference is present.
#include "analysis/analyze.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/error.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace chaoslab;
using namespace chaoslab::analysis;
using namespace chaoslab::test;  // Proc, run, scratch (support.hpp)

namespace {

const fs::path kFixtures = fs::path(CHAOSLAB_SOURCE_DIR) / "tests/analysis/fixtures";
const fs::path kLab = "/work/shared/lab3-reference";

std::string fixture(const char* name) { return (kFixtures / name).string(); }

}  // namespace

TEST_CASE("analyze: the hand-written lab log, counted call by call") {
  const Analysis a = analyze_file(fixture("analyze-lab.log"));
  CHECK(a.format == "lab log");
  CHECK(a.duration_s == doctest::Approx(17.2));
  const RunSummary& s = a.summary;
  // 17 result lines: ok (calls 0, 6, 16), one exhausted 5xx (1), one timeout (7), and 12 times
  // 'circuit breaker open': two tripping calls (2, 8), one failed trial (12), nine fast fails.
  CHECK(s.calls.total == 17);
  CHECK(s.calls.ok == 3);
  CHECK(s.calls.http_5xx == 1);
  CHECK(s.calls.timeout == 1);
  CHECK(s.calls.rejected == 12);
  // 9 HTTP lines plus 4 without a response: call 2's third attempt and call 8 (2.0 s after they
  // began: timeouts), call 7 (said 'timed out'), call 12's trial (1 ms: refused).
  CHECK(s.attempts.total == 13);
  CHECK(s.attempts.ok == 3);
  CHECK(s.attempts.http_5xx == 6);
  CHECK(s.attempts.timeout == 3);
  CHECK(s.attempts.refused == 1);
  CHECK(s.retries == 5);
  CHECK(s.transitions.closed_to_open == 2);
  CHECK(s.transitions.open_to_half_open == 3);
  CHECK(s.transitions.half_open_to_open == 1);
  CHECK(s.transitions.half_open_to_closed == 2);
  CHECK(s.failed_half_open_trials == 1);
  CHECK_FALSE(s.recovery.has_value());
  // Ok calls: 0.000 -> 0.501, 8.104 -> 8.301, 15.310 -> 16.701 (starts from the lines logged as
  // they began); numpy percentiles of {197, 501, 1391}.
  REQUIRE(s.latency_p50_ms.has_value());
  CHECK(*s.latency_p50_ms == doctest::Approx(501));
  CHECK(*s.latency_p95_ms == doctest::Approx(1302));
  CHECK(*s.latency_p99_ms == doctest::Approx(1373.2));

  const RunDetail& d = a.detail;
  CHECK(d.attempts_by_status.at(0) == 4);
  CHECK(d.attempts_by_status.at(200) == 3);
  CHECK(d.attempts_by_status.at(500) == 6);
  REQUIRE(d.retry_waits_s.size() == 2);
  const std::vector<double> after1{1.5, 1.2, 1.1, 1.0};
  REQUIRE(d.retry_waits_s[0].size() == after1.size());
  for (std::size_t i = 0; i < after1.size(); ++i) CHECK(d.retry_waits_s[0][i] == doctest::Approx(after1[i]));
  REQUIRE(d.retry_waits_s[1].size() == 1);
  CHECK(d.retry_waits_s[1][0] == doctest::Approx(0.5));
  REQUIRE(d.open_durations_s.size() == 3);
  for (double o : d.open_durations_s) CHECK(o == doctest::Approx(1.204));
  CHECK(d.open_censored == 0);
  REQUIRE(d.episodes_s.size() == 2);
  CHECK(d.episodes_s[0] == doctest::Approx(1.400));
  CHECK(d.episodes_s[1] == doctest::Approx(3.799));
  CHECK(d.time_in_state_s[0] == doctest::Approx(12.001));
  CHECK(d.time_in_state_s[1] == doctest::Approx(3.612));
  CHECK(d.time_in_state_s[2] == doctest::Approx(1.587));

  REQUIRE(a.lab.has_value());
  const LabLogFacts& f = *a.lab;
  CHECK(f.lines == 59);
  CHECK(f.uvicorn_lines == 2);
  CHECK(f.other_lines == 1);
  CHECK(f.result_state[0] == 5);
  CHECK(f.result_state[1] == 12);
  CHECK(f.result_state[2] == 0);
  CHECK(f.seen_state[0] == 3);
  CHECK(f.seen_state[1] == 2);
  CHECK(f.trial_calls == 3);
  CHECK(f.open_printed_result_ok == 2);
  CHECK(f.closed_printed_breaker_open == 2);
  CHECK(f.half_open_at_call_entry == 3);
  CHECK(f.inferred_attempts == 4);
  CHECK(f.inferred_timeouts == 3);  // calls 2 and 8 by their 2.0 s; call 7 by its result
  CHECK(f.inferred_refused == 1);
  CHECK(f.unexpected_sequences == 0);
  CHECK_FALSE(f.leading_partial_call);
  CHECK(f.trailing_partial_call);
}

TEST_CASE("analyze: a log fragment that starts with the breaker OPEN") {
  // Like result/b1: the first line is a call's OPEN -> HALF-OPEN; the OPEN before it has no start.
  const std::string d = "2025-11-07 10:00:0";
  const std::string ff = " WARNING Breaker OPEN: fast-fail without calling backend\n";
  const std::string bo = " INFO Breaker=OPEN result={'error': 'circuit breaker open'}\n";
  const std::string text = d + "0,000 WARNING [CB Transition] OPEN -> HALF-OPEN\n" +
                           d + "2,000 WARNING [CB Transition] HALF-OPEN -> OPEN\n" + d + "2,000" + ff + d + "2,001" + bo +
                           d + "2,301" + ff + d + "2,302" + bo + d + "2,602" + ff + d + "2,602" + bo + d + "2,903" + ff +
                           d + "2,903" + bo + d + "3,204 WARNING [CB Transition] OPEN -> HALF-OPEN\n" + d +
                           "3,400 INFO HTTP Request: GET http://b/work \"HTTP/1.1 200 OK\"\n" + d +
                           "3,400 WARNING [CB Transition] HALF-OPEN -> CLOSED\n" + d +
                           "3,401 INFO Breaker=OPEN result={'ok': True, 'ts': 1.0}\n";
  const Analysis a = analyze_file(scratch().write("fragment.log", text).string());
  CHECK(a.summary.calls.total == 5);
  CHECK(a.summary.calls.rejected == 4);
  CHECK(a.summary.calls.ok == 1);
  CHECK(a.summary.attempts.timeout == 1);  // the first trial: 2.0 s without a response
  CHECK(a.summary.attempts.ok == 1);
  REQUIRE(a.detail.open_durations_s.size() == 1);  // not the OPEN the log starts in
  CHECK(a.detail.open_durations_s[0] == doctest::Approx(1.204));
  CHECK(a.detail.episodes_s.empty());
  CHECK(a.detail.time_in_state_s[1] == doctest::Approx(1.204));
  CHECK(a.detail.time_in_state_s[2] == doctest::Approx(2.196));
  CHECK(a.detail.time_in_state_s[0] == doctest::Approx(0.001));
  CHECK_FALSE(a.lab->leading_partial_call);  // OPEN -> HALF-OPEN is logged as a call begins
}

TEST_CASE("analyze --json keeps the run summary's field names and adds rates per minute") {
  const Proc p = run({"analyze", fixture("analyze-lab.log"), "--json"});
  REQUIRE(p.code == 0);
  const auto j = nlohmann::json::parse(p.out);
  for (const char* k : {"seed", "virtual_seconds", "events", "calls", "attempts", "retries", "transitions",
                        "latency_ms", "recovery", "retry_amplification", "failed_half_open_trials"})
    CHECK(j.contains(k));
  CHECK(j["calls"]["total"] == 17);
  CHECK(j["calls"]["rejected"] == 12);
  CHECK(j["attempts"]["total"] == 13);
  CHECK(j["transitions"]["closed_to_open"] == 2);
  CHECK(j["attempts_by_status"]["none"] == 4);
  CHECK(j["retry_waits"]["by_attempt"][0]["count"] == 4);
  CHECK(j["retry_waits"]["by_attempt"][0]["mean"].get<double>() == doctest::Approx(1.2));
  CHECK(j["rates_per_minute"]["calls"]["total"].get<double>() == doctest::Approx(17 * 60 / 17.2));
  CHECK(j["rates_per_minute"]["retries"].get<double>() == doctest::Approx(5 * 60 / 17.2));
  CHECK(j["open_durations_s"]["count"] == 3);
  CHECK(j["lab_log"]["stale_state"]["closed_printed_breaker_open"] == 2);
}

TEST_CASE("analyze: a chaos window from a journal gives recovery figures on a lab log") {
  const Analysis a = analyze_file(fixture("analyze-lab-chaos.log"), fixture("analyze-journal.json"));
  const RunSummary& s = a.summary;
  CHECK(s.calls.total == 9);
  CHECK(s.calls.ok == 4);
  CHECK(s.calls.refused == 1);
  CHECK(s.calls.rejected == 4);
  CHECK(s.attempts.total == 6);
  CHECK(s.attempts.refused == 2);
  REQUIRE(a.chaos.has_value());
  CHECK(a.chaos->activity == "terminate_backend_pod");
  REQUIRE(a.lab->chaos_in_log);
  // The action ended at 0.600; the first attempt without a response after it is call 2's at
  // 0.853, and the first response after that the trial's 200 at 2.500.
  REQUIRE(a.lab->ready_again_s.has_value());
  CHECK(*a.lab->ready_again_s == doctest::Approx(2.5));
  REQUIRE(s.recovery.has_value());
  CHECK(s.recovery->outage_s == doctest::Approx(1.9));
  REQUIRE(s.recovery->time_to_first_success_s.has_value());
  CHECK(*s.recovery->time_to_first_success_s == doctest::Approx(0.001));
  REQUIRE(s.recovery->time_to_closed_s.has_value());
  CHECK(*s.recovery->time_to_closed_s == doctest::Approx(0.0));
  // Both refused attempts and the trial began while no endpoint was (inferred) ready.
  CHECK(s.attempts_without_ready_endpoint == 3);
}

TEST_CASE("analyze: a chaos window outside the log is reported, not used") {
  // The fixture's log covers 10:00:00-10:00:02.9; move the journal's action an hour later.
  std::string j = test::slurp(kFixtures / "analyze-journal.json");
  for (std::string::size_type p; (p = j.find("T10:00:00.")) != std::string::npos;) j.replace(p, 10, "T11:00:00.");
  const fs::path later = scratch().write("later-journal.json", j);
  const Analysis a = analyze_file(fixture("analyze-lab-chaos.log"), later.string());
  CHECK_FALSE(a.summary.recovery.has_value());
  REQUIRE(a.lab.has_value());
  CHECK_FALSE(a.lab->chaos_in_log);
  bool noted = false;
  for (const auto& n : a.notes) noted = noted || n.find("after the log ends") != std::string::npos;
  CHECK(noted);
}

TEST_CASE("analyze: a trace is summarised by the run summary sink") {
  const Analysis a = analyze_file(fixture("analyze-trace.jsonl"));
  CHECK(a.format == "trace");
  CHECK(a.recorder == "live");
  CHECK(a.summary.seed == 7);
  CHECK(a.duration_s == doctest::Approx(3.6));
  CHECK(a.summary.calls.total == 6);
  CHECK(a.summary.calls.ok == 3);
  CHECK(a.summary.calls.refused == 1);
  CHECK(a.summary.calls.rejected == 2);
  CHECK(a.summary.attempts.total == 6);
  CHECK(a.summary.retries == 1);
  CHECK(a.summary.attempts_without_ready_endpoint == 2);
  REQUIRE(a.summary.recovery.has_value());
  // Action end 0.420, no ready pod until 1.500; first ok call 2.000; closed at 2.000.
  CHECK(a.summary.recovery->outage_s == doctest::Approx(1.08));
  CHECK(*a.summary.recovery->time_to_first_success_s == doctest::Approx(0.5));
  CHECK(*a.summary.recovery->time_to_closed_s == doctest::Approx(0.5));
  CHECK(a.summary.wasted_cooldown_s == doctest::Approx(0.4));  // OPEN 0.801-1.900, ready from 1.500
  REQUIRE(a.detail.open_durations_s.size() == 1);
  CHECK(a.detail.open_durations_s[0] == doctest::Approx(1.099));
  REQUIRE(a.detail.episodes_s.size() == 1);
  CHECK(a.detail.episodes_s[0] == doctest::Approx(1.199));
  CHECK(a.detail.time_in_state_s[2] == doctest::Approx(0.1));
}

TEST_CASE("analyze: a live output folder is read through its trace.jsonl") {
  const fs::path dir = scratch().dir / "live-out";
  fs::create_directories(dir);
  fs::copy_file(kFixtures / "analyze-trace.jsonl", dir / "trace.jsonl", fs::copy_options::overwrite_existing);
  const Analysis a = analyze_file(dir.string());
  CHECK(a.summary.calls.total == 6);
  const fs::path empty = scratch().dir / "empty-dir";
  fs::create_directories(empty);
  CHECK_THROWS_WITH_AS(analyze_file(empty.string()), doctest::Contains("must hold trace.jsonl"), ConfigError);
}

TEST_CASE("analyze: a simulated trace gives the numbers `chaoslab run --json` printed") {
  const fs::path trace = scratch().dir / "sim.jsonl";
  const Proc r = run({"run", (fs::path(CHAOSLAB_SOURCE_DIR) / "scenarios/lab3-phase-b.json").string(), "--seed", "3",
                      "--trace", trace.string(), "--json"});
  REQUIRE(r.code == 0);
  const auto sim = nlohmann::json::parse(r.out);
  const Proc p = run({"analyze", trace.string(), "--json"});
  REQUIRE(p.code == 0);
  const auto obs = nlohmann::json::parse(p.out);
  for (const char* k : {"calls", "attempts", "retries", "transitions", "failed_half_open_trials", "seed"})
    CHECK_MESSAGE(obs[k] == sim[k], k);
  // The trace keeps microseconds, the run nanoseconds.
  for (const char* p : {"p50", "p95", "p99"})
    CHECK(obs["latency_ms"][p].get<double>() == doctest::Approx(sim["latency_ms"][p].get<double>()).epsilon(1e-6));
}

namespace {

struct BadTrace {
  const char* name;
  const char* text;
  const char* message;
};

}  // namespace

TEST_CASE("analyze: malformed traces name the file and line, exit 2") {
  const std::string meta = R"({"t":0,"event":"meta","source":"sim","seed":1,"scenario":"x","schema":"chaoslab-trace/1"})";
  const BadTrace cases[] = {
      {"not-json", "{\"t\":0,\"event\":\"meta\"}\n{not json\n", ":2: not JSON: "},
      {"array", "{\"t\":0,\"event\":\"meta\"}\n[1,2]\n", ":2: expected one JSON object per line"},
      {"no-event", "{\"t\":0}\n", ":1: /event: missing"},
      {"unknown-event", "{\"t\":0,\"event\":\"party\"}\n", ":1: /event: unknown event 'party'"},
      {"unknown-field", "{\"t\":0,\"event\":\"transition\",\"client\":0,\"from\":\"closed\",\"to\":\"open\",\"x\":1}\n",
       ":1: /x: unknown field for a 'transition' event"},
      {"bad-state", "{\"t\":0,\"event\":\"transition\",\"client\":0,\"from\":\"closed\",\"to\":\"ajar\"}\n",
       ":1: /to: unknown breaker state 'ajar'"},
      {"same-state", "{\"t\":0,\"event\":\"transition\",\"client\":0,\"from\":\"open\",\"to\":\"open\"}\n",
       ":1: /to: a transition must change the state"},
      {"negative-t", "{\"t\":-1,\"event\":\"meta\"}\n", ":1: /t: must not be negative"},
      {"backwards",
       "{\"t\":2,\"event\":\"meta\"}\n{\"t\":1,\"event\":\"pod\",\"pod\":\"p\",\"phase\":\"Running\",\"ready\":true}\n",
       ":2: /t: 1.000000 is before the previous event's time"},
      {"bad-outcome",
       "{\"t\":0,\"event\":\"attempt\",\"client\":0,\"call\":0,\"attempt\":1,\"outcome\":\"meh\",\"status\":0,"
       "\"latency_ms\":1}\n",
       ":1: /outcome: unknown outcome 'meh'"},
      {"zero-attempt",
       "{\"t\":0,\"event\":\"attempt\",\"client\":0,\"call\":0,\"attempt\":0,\"outcome\":\"ok\",\"status\":200,"
       "\"latency_ms\":1}\n",
       ":1: /attempt: 0 is outside 1..2147483647"},
      {"string-latency",
       "{\"t\":0,\"event\":\"retry\",\"client\":0,\"call\":0,\"attempt\":1,\"wait_s\":\"1\",\"cause\":\"http_5xx\"}\n",
       ":1: /wait_s: expected a number"},
      {"missing-ready", "{\"t\":0,\"event\":\"pod\",\"pod\":\"p\",\"phase\":\"Running\"}\n", ":1: /ready: missing"},
      {"schema", "{\"t\":0,\"event\":\"meta\",\"schema\":\"chaoslab-trace/9\"}\n", ":1: /schema: unsupported schema"},
      {"neither", "hello\n", ":1: neither a chaoslab trace (JSON lines) nor a lab client log"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const fs::path f = scratch().write(std::string("bad-") + c.name + ".jsonl", c.text);
    const Proc p = run({"analyze", f.string()});
    CHECK(p.code == 2);
    CHECK(p.err.find(f.string() + c.message) != std::string::npos);
    CHECK(p.out.empty());
  }
  (void)meta;
}

TEST_CASE("analyze: malformed lab logs and journals name the file and line, exit 2") {
  const std::string ok_line = "2025-11-07 10:00:00,000 WARNING Breaker state changed → CLOSED\n";
  struct Case {
    const char* name;
    std::string text;
    const char* message;
  };
  const Case cases[] = {
      {"bad-stamp", ok_line + "2025-13-07 10:00:00,000 INFO x\n", ":2: invalid timestamp"},
      {"bad-result", ok_line + "2025-11-07 10:00:01,000 INFO Breaker=CLOSED result={'error': 'gremlins'}\n",
       ":2: unrecognised error result 'gremlins'"},
      {"bad-transition", ok_line + "2025-11-07 10:00:01,000 WARNING [CB Transition] CLOSED => OPEN\n",
       ":2: malformed transition"},
      {"garbage-line", ok_line + "what is this\n", ":2: not a lab log line"},
      {"only-uvicorn", "INFO:     Started server process [1]\n", ": no timestamped line"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const fs::path f = scratch().write(std::string("bad-") + c.name + ".log", c.text);
    const Proc p = run({"analyze", f.string()});
    CHECK(p.code == 2);
    CHECK(p.err.find(f.string() + c.message) != std::string::npos);
  }
  // Journals: the pointer of what is wrong.
  const fs::path log = kFixtures / "analyze-lab-chaos.log";
  const std::pair<const char*, const char*> journals[] = {
      {"{\"run\": 3}", ": /run: missing or not an array"},
      {"{\"run\": []}", ": /run: the journal records no action"},
      {"{\"run\": [{\"activity\": {\"type\": \"action\", \"provider\": {\"func\": \"terminate_pods\"}}, \"start\": "
       "\"yesterday\", \"end\": \"2025-11-07T10:00:00Z\"}]}",
       ": /run/0/start: 'yesterday' is not an ISO-8601 time"},
      {"{\"run\": [{\"activity\": {\"type\": \"action\", \"provider\": {}}, \"start\": \"2025-11-07T10:00:01Z\", "
       "\"end\": \"2025-11-07T10:00:00Z\"}]}",
       ": /run/0/end: before /start"},
      {"[1]", ": a journal is a JSON object"},
      {"{", ": not a JSON journal: "},
  };
  int i = 0;
  for (const auto& [text, message] : journals) {
    CAPTURE(text);
    const fs::path j = scratch().write("journal" + std::to_string(++i) + ".json", text);
    const Proc p = run({"analyze", log.string(), "--journal", j.string()});
    CHECK(p.code == 2);
    CHECK(p.err.find(j.string() + message) != std::string::npos);
  }
  // A journal with a trace: the trace has its own chaos events.
  const Proc p = run({"analyze", fixture("analyze-trace.jsonl"), "--journal", fixture("analyze-journal.json")});
  CHECK(p.code == 2);
  CHECK(p.err.find("a trace records its own chaos events") != std::string::npos);
  const Proc missing = run({"analyze", (scratch().dir / "nope.log").string()});
  CHECK(missing.code == 2);
  CHECK(missing.err.find("nope.log: cannot read") != std::string::npos);
}

TEST_CASE("parse_iso8601 reads journal times with offsets") {
  using namespace std::chrono;
  const auto t = parse_iso8601("2025-11-07T15:05:51.738665+00:00");
  REQUIRE(t.has_value());
  CHECK(format_utc(*t) == "2025-11-07 15:05:51.738665 UTC");
  CHECK(parse_iso8601("2025-11-07T16:05:51.738665+01:00") == t);
  CHECK(parse_iso8601("2025-11-07T15:05:51.738665Z") == t);
  CHECK(parse_iso8601("2025-11-07T15:05:51.7386651234") == t);  // no offset: UTC; digits past 1 us dropped
  CHECK(parse_iso8601("2025-11-07T15:05:51") == sys_days{2025y / 11 / 7} + 15h + 5min + 51s);
  CHECK_FALSE(parse_iso8601("2025-02-30T00:00:00").has_value());
  CHECK_FALSE(parse_iso8601("2025-11-07T15:05:51+0100").has_value());
  CHECK_FALSE(parse_iso8601("2025-11-07").has_value());
}

// The lab's own logs, when the reference folder exists on this machine. Every count below can be
// checked with grep: e.g. rejected calls = "fast-fail" lines, ok calls = "HTTP/1.1 200" lines.
TEST_CASE("analyze: the lab's result/c/chaos_client.log") {
  const fs::path log = kLab / "result/c/chaos_client.log";
  if (!fs::exists(log)) {
    MESSAGE("skipped: " << log << " is not on this machine");
    return;
  }
  const Analysis a = analyze_file(log.string(), (kLab / "result/c/journal.json").string());
  CHECK(a.duration_s == doctest::Approx(5807.923));  // 13:18:01.046 to 14:54:48.969
  const RunSummary& s = a.summary;
  CHECK(s.calls.total == 3531);  // result lines
  CHECK(s.calls.ok == 601);      // 369 printed CLOSED + 232 printed OPEN
  CHECK(s.calls.timeout == 299);
  CHECK(s.calls.http_5xx == 79);
  CHECK(s.calls.rejected == 2552);  // "fast-fail" lines
  CHECK(s.attempts.ok == 601);
  CHECK(s.attempts.http_5xx == 1349);
  CHECK(s.attempts.timeout == 817);
  CHECK(s.attempts.refused == 1);  // stamped before its retry wait ended: a clock step
  CHECK(s.retries == 1151);
  CHECK(s.transitions.closed_to_open == 232);
  CHECK(s.transitions.open_to_half_open == 638);
  CHECK(s.transitions.half_open_to_open == 406);
  CHECK(s.transitions.half_open_to_closed == 232);
  CHECK_FALSE(s.recovery.has_value());  // the journal's window (15:05:51) is after the log's end
  const LabLogFacts& f = *a.lab;
  CHECK_FALSE(f.chaos_in_log);
  CHECK(f.unexpected_sequences == 0);
  CHECK(f.inferred_before_start == 1);
  CHECK(f.result_state[2] == 0);  // the loop never read HALF-OPEN
  CHECK(f.seen_state[2] == 0);
  CHECK(f.open_printed_result_ok == 232);
  CHECK(f.closed_printed_breaker_open == 232);
  CHECK(f.half_open_at_call_entry == 638);
  CHECK(a.detail.retry_waits_s.size() == 2);  // RETRY_MAX_ATTEMPTS 3: waits after attempts 1 and 2
  CHECK(a.detail.retry_waits_s[0].size() == 764);
  CHECK(a.detail.retry_waits_s[1].size() == 387);
  // exp_base 0.2: waits after attempt 2 are 0.2 + U(0,1), shorter than after attempt 1 (1 + U(0,1)).
  for (double w : a.detail.retry_waits_s[0]) CHECK((w >= 1.0 && w <= 2.0));
  for (double w : a.detail.retry_waits_s[1]) CHECK((w >= 0.2 && w <= 1.2));
}

TEST_CASE("analyze: the lab's result/b1/client.log (a fragment, no retries)") {
  const fs::path log = kLab / "result/b1/client.log";
  if (!fs::exists(log)) {
    MESSAGE("skipped: " << log << " is not on this machine");
    return;
  }
  const Proc p = run({"analyze", log.string(), "--json"});
  REQUIRE(p.code == 0);
  const auto j = nlohmann::json::parse(p.out);
  CHECK(j["calls"]["total"] == 177);
  CHECK(j["calls"]["ok"] == 13);
  CHECK(j["calls"]["rejected"] == 152);
  CHECK(j["retries"] == 0);
  CHECK(j["attempts"]["http_5xx"] == 37);
  CHECK(j["transitions"]["closed_to_open"] == 8);
  CHECK(j["transitions"]["open_to_half_open"] == 39);
  CHECK(j["transitions"]["half_open_to_open"] == 30);
  CHECK(j["transitions"]["half_open_to_closed"] == 8);
  CHECK(j["lab_log"]["trailing_partial_call"] == true);
  CHECK(j["lab_log"]["unexpected_sequences"] == 0);
}
