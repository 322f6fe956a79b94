#include "analysis/lab_log.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "policies/error.hpp"

using namespace chaoslab;
using namespace chaoslab::analysis;

namespace {

LabRecord one(const std::string& line) {
  auto r = parse_lab_line(line, 7, "client.log");
  REQUIRE(r.has_value());
  return *r;
}

std::string error_of(const std::string& line) {
  try {
    parse_lab_line(line, 7, "client.log");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

// A hand-written log in the lab's format: a success, a timeout, a retried 500 sequence that
// trips the breaker (fail_max 2), rejected calls, a failed trial and a successful trial.
const char* kFixture =
    "2025-11-07 13:18:01,046 WARNING Breaker state changed \xE2\x86\x92 CLOSED\n"
    "INFO:     Started server process [1]\n"
    "INFO:     Uvicorn running on http://0.0.0.0:8001 (Press CTRL+C to quit)\n"
    "2025-11-07 13:18:01,761 INFO HTTP Request: GET http://backend:8000/work \"HTTP/1.1 200 OK\"\n"
    "2025-11-07 13:18:01,762 INFO Breaker=CLOSED result={'ok': True, 'ts': 1762521481.7607224}\n"
    "2025-11-07 13:18:04,070 INFO Breaker=CLOSED result={'error': 'timed out'}\n"
    "2025-11-07 13:18:04,689 INFO HTTP Request: GET http://backend:8000/work \"HTTP/1.1 500 Internal Server Error\"\n"
    "2025-11-07 13:18:04,689 WARNING Retrying main.fetch_with_retry in 1.25 seconds as it raised TransientError: server error 500.\n"
    "2025-11-07 13:18:06,200 INFO HTTP Request: GET http://backend:8000/work \"HTTP/1.1 500 Internal Server Error\"\n"
    "2025-11-07 13:18:06,200 WARNING [CB Transition] CLOSED -> OPEN\n"
    "2025-11-07 13:18:06,201 WARNING Breaker OPEN: fast-fail without calling backend\n"
    "2025-11-07 13:18:06,201 INFO Breaker=CLOSED result={'error': 'circuit breaker open'}\n"
    "2025-11-07 13:18:06,502 WARNING Breaker state changed \xE2\x86\x92 OPEN\n"
    "2025-11-07 13:18:06,502 WARNING Breaker OPEN: fast-fail without calling backend\n"
    "2025-11-07 13:18:06,503 INFO Breaker=OPEN result={'error': 'circuit breaker open'}\n"
    "2025-11-07 13:18:06,804 WARNING Breaker OPEN: fast-fail without calling backend\n"
    "2025-11-07 13:18:06,805 INFO Breaker=OPEN result={'error': 'circuit breaker open'}\n"
    "2025-11-07 13:18:07,300 WARNING [CB Transition] OPEN -> HALF-OPEN\n"
    "2025-11-07 13:18:08,000 INFO HTTP Request: GET http://backend:8000/work \"HTTP/1.1 500 Internal Server Error\"\n"
    "2025-11-07 13:18:08,001 WARNING [CB Transition] HALF-OPEN -> OPEN\n"
    "2025-11-07 13:18:08,001 WARNING Breaker OPEN: fast-fail without calling backend\n"
    "2025-11-07 13:18:08,002 INFO Breaker=OPEN result={'error': 'circuit breaker open'}\n"
    "\n"
    "2025-11-07 13:18:09,010 WARNING [CB Transition] OPEN -> HALF-OPEN\n"
    "2025-11-07 13:18:09,400 INFO HTTP Request: GET http://backend:8000/work \"HTTP/1.1 200 OK\"\n"
    "2025-11-07 13:18:09,401 WARNING [CB Transition] HALF-OPEN -> CLOSED\n"
    "2025-11-07 13:18:09,401 INFO Breaker=OPEN result={'ok': True, 'ts': 1762521489.4}\n"
    "2025-11-07 13:18:09,702 WARNING Breaker state changed \xE2\x86\x92 CLOSED\n"
    "2025-11-07 13:18:10,000 INFO Breaker=CLOSED result={'error': '[Errno 111] Connection refused'}\n"
    "2025-11-07 13:18:10,400 INFO HTTP Request: GET http://backend:8000/work \"HTTP/1.1 500 Internal Server Error\"\n";

}  // namespace

TEST_CASE("timestamps: 'YYYY-MM-DD HH:MM:SS,mmm' to milliseconds since 1970 (the pod's UTC)") {
  CHECK(one("2025-11-07 13:18:10,192 INFO x").time_ms == 1762521490192);
  CHECK(one("2024-02-29 00:00:00,000 INFO x").time_ms == 1709164800000);  // leap day
  CHECK(one("1970-01-01 00:00:01,001 INFO x").time_ms == 1001);
  CHECK(one("2025-11-07 13:18:10,192 INFO x").t() == doctest::Approx(1762521490.192));
}

TEST_CASE("every line kind of the lab log") {
  SUBCASE("transition") {
    const auto r = one("2025-11-07 13:18:10,192 WARNING [CB Transition] HALF-OPEN -> OPEN");
    CHECK(r.kind == LabRecord::Kind::transition);
    CHECK(r.level == "WARNING");
    CHECK(r.from == LabState::half_open);
    CHECK(r.to == LabState::open);
    CHECK(r.line == 7);
  }
  SUBCASE("state seen by the worker loop (UTF-8 arrow)") {
    const auto r = one("2025-11-07 13:18:10,493 WARNING Breaker state changed \xE2\x86\x92 OPEN");
    CHECK(r.kind == LabRecord::Kind::state_seen);
    CHECK(r.to == LabState::open);
  }
  SUBCASE("fast fail") {
    const auto r = one("2025-11-07 13:18:10,193 WARNING Breaker OPEN: fast-fail without calling backend");
    CHECK(r.kind == LabRecord::Kind::fast_fail);
  }
  SUBCASE("results") {
    struct Row {
      const char* result;
      LabResult kind;
      const char* text;
      int status;
    };
    const Row rows[] = {
        {"{'ok': True, 'ts': 1762521481.7607224}", LabResult::ok, "{'ok': True, 'ts': 1762521481.7607224}", 0},
        {"{'error': 'timed out'}", LabResult::timed_out, "timed out", 0},
        {"{'error': 'circuit breaker open'}", LabResult::breaker_open, "circuit breaker open", 0},
        {"{'error': 'server error 503'}", LabResult::server_error, "server error 503", 503},
        {"{'error': '[Errno 111] Connection refused'}", LabResult::connection_refused,
         "[Errno 111] Connection refused", 0},
        {"{'error': 'All connection attempts failed'}", LabResult::connection_refused,
         "All connection attempts failed", 0},
        {"{'error': 'Server disconnected without sending a response.'}",
         LabResult::connection_reset, "Server disconnected without sending a response.", 0},
        {"{'error': \"can't parse: 'x'\"}", LabResult::other_error, "can't parse: 'x'", 0},
        {"None", LabResult::ok, "None", 0},
    };
    for (const auto& row : rows) {
      CAPTURE(row.result);
      const auto r = one(std::string("2025-11-07 13:18:04,070 INFO Breaker=HALF-OPEN result=") + row.result);
      CHECK(r.kind == LabRecord::Kind::call_result);
      CHECK(r.state == LabState::half_open);
      CHECK(r.result == row.kind);
      CHECK(r.text == row.text);
      CHECK(r.status == row.status);
    }
    CHECK(outcome_of(LabResult::breaker_open) == OutcomeKind::breaker_rejected);
    CHECK(outcome_of(LabResult::server_error) == OutcomeKind::http_5xx);
    CHECK(outcome_of(LabResult::timed_out) == OutcomeKind::timeout);
    CHECK_FALSE(outcome_of(LabResult::other_error).has_value());
  }
  SUBCASE("the other client's lowercase state names") {
    CHECK(one("2025-11-07 13:18:04,070 INFO Breaker=half-open result=None").state ==
          LabState::half_open);
  }
  SUBCASE("httpx request") {
    const auto r = one(
        "2025-11-07 13:18:04,689 INFO HTTP Request: GET "
        "http://backend.lab3.svc.cluster.local:8000/work \"HTTP/1.1 500 Internal Server Error\"");
    CHECK(r.kind == LabRecord::Kind::http_request);
    CHECK(r.method == "GET");
    CHECK(r.url == "http://backend.lab3.svc.cluster.local:8000/work");
    CHECK(r.status == 500);
    CHECK(r.reason == "Internal Server Error");
  }
  SUBCASE("tenacity retry") {
    const auto r = one(
        "2025-11-07 13:18:04,689 WARNING Retrying main.fetch_with_retry in 1.372659907494004 "
        "seconds as it raised TransientError: server error 500.");
    CHECK(r.kind == LabRecord::Kind::retry);
    CHECK(r.function == "main.fetch_with_retry");
    CHECK(r.wait_s == doctest::Approx(1.372659907494004));
    CHECK(r.text == "TransientError: server error 500");
  }
  SUBCASE("uvicorn, no timestamp") {
    const auto r = one("INFO:     Application startup complete.");
    CHECK(r.kind == LabRecord::Kind::uvicorn);
    CHECK_FALSE(r.has_time);
    CHECK(r.level == "INFO");
    CHECK(r.text == "Application startup complete.");
  }
  SUBCASE("other messages of the lab client") {
    const auto r = one("2025-11-07 13:18:04,689 INFO Breaker still OPEN (0.52s/1s)");
    CHECK(r.kind == LabRecord::Kind::other);
    CHECK(r.text == "Breaker still OPEN (0.52s/1s)");
  }
  SUBCASE("CRLF and blank lines") {
    CHECK(one("2025-11-07 13:18:04,689 INFO x\r").text == "x");
    CHECK_FALSE(parse_lab_line("   ", 1, "f").has_value());
  }
}

TEST_CASE("malformed lines: file, line number and what is wrong") {
  struct Row {
    const char* line;
    const char* message;
  };
  const Row rows[] = {
      {"hello", "client.log:7: not a lab log line (expected 'YYYY-MM-DD HH:MM:SS,mmm LEVEL message' or a uvicorn 'LEVEL:  message' line)"},
      {"2025-02-29 10:00:00,000 INFO x", "client.log:7: invalid timestamp '2025-02-29 10:00:00,000'"},
      {"2025-11-07 24:00:00,000 INFO x", "client.log:7: invalid timestamp '2025-11-07 24:00:00,000'"},
      {"2025-11-07 13:18:04,689", "client.log:7: missing level after the timestamp"},
      {"2025-11-07 13:18:04,689 NOTICE x", "client.log:7: unknown level 'NOTICE' (expected DEBUG, INFO, WARNING, ERROR or CRITICAL)"},
      {"2025-11-07 13:18:04,689 WARNING [CB Transition] CLOSED => OPEN",
       "client.log:7: malformed transition 'CLOSED => OPEN': expected FROM -> TO"},
      {"2025-11-07 13:18:04,689 WARNING [CB Transition] CLOSED -> AJAR",
       "client.log:7: malformed transition 'CLOSED -> AJAR': states are CLOSED, OPEN and HALF-OPEN"},
      {"2025-11-07 13:18:04,689 INFO Breaker=SHUT result=None",
       "client.log:7: unknown breaker state 'SHUT' (expected CLOSED, OPEN or HALF-OPEN)"},
      {"2025-11-07 13:18:04,689 INFO Breaker=OPEN result={'error': 'timed out'",
       "client.log:7: malformed call result '{'error': 'timed out'': expected a dict"},
      {"2025-11-07 13:18:04,689 INFO Breaker=OPEN result={'error': timed out}",
       "client.log:7: malformed error result '{'error': timed out}'"},
      {"2025-11-07 13:18:04,689 INFO Breaker=OPEN",
       "client.log:7: malformed call result: missing ' result='"},
      {"2025-11-07 13:18:04,689 INFO HTTP Request: GET http://x \"HTTP/1.1 5xx Oops\"",
       "client.log:7: malformed HTTP status in 'HTTP/1.1 5xx Oops'"},
      {"2025-11-07 13:18:04,689 WARNING Retrying f in soon seconds as it raised E.",
       "client.log:7: malformed retry wait 'soon'"},
      {"2025-11-07 13:18:04,689 WARNING Retrying f in 16372659907494004 seconds as it raised E.",
       "client.log:7: retry wait '16372659907494004' is out of range: at most 1000000 seconds"},
      {"2025-11-07 13:18:04,689 WARNING Breaker state changed to OPEN",
       "client.log:7: malformed state change: expected 'Breaker state changed \xE2\x86\x92 STATE'"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.line);
    CHECK(error_of(r.line) == r.message);
  }
}

TEST_CASE("looks_like_lab_log tells the lab format from JSON lines") {
  CHECK(looks_like_lab_log("2025-11-07 13:18:04,689 INFO x"));
  CHECK(looks_like_lab_log("INFO:     Started server process [1]"));
  CHECK_FALSE(looks_like_lab_log("{\"t\": 0, \"outcome\": \"success\"}"));
  CHECK_FALSE(looks_like_lab_log("t,outcome"));
}

TEST_CASE("a hand-written log: records and calls") {
  std::istringstream in(kFixture);
  const auto records = parse_lab_log(in, "fixture.log");
  CHECK(records.size() == 29);  // 30 lines, one blank
  CHECK(records[1].kind == LabRecord::Kind::uvicorn);
  CHECK(records.back().line == 30);

  const auto calls = lab_calls(records);
  // The last line belongs to a call cut off by the end of the log: ignored.
  REQUIRE(calls.size() == 8);
  using O = LabCall::Outcome;
  struct Expected {
    O outcome;
    double start;  // seconds after 13:18:00
    double end;
    int attempts;
    LabResult result;
  };
  const Expected expected[] = {
      {O::success, 1.046, 1.762, 1, LabResult::ok},             // start: the state line
      {O::failure, 2.062, 4.070, 0, LabResult::timed_out},      // start: previous end + 0.3 s
      {O::failure, 4.370, 6.201, 2, LabResult::breaker_open},   // ran and tripped the breaker
      {O::rejected, 6.502, 6.503, 0, LabResult::breaker_open},  // start: the state line
      {O::rejected, 6.803, 6.805, 0, LabResult::breaker_open},
      {O::failure, 7.300, 8.002, 1, LabResult::breaker_open},   // failed trial
      {O::success, 9.010, 9.401, 1, LabResult::ok},             // successful trial
      {O::failure, 9.702, 10.000, 0, LabResult::connection_refused},
  };
  const std::int64_t base = 1762521480000;  // 2025-11-07 13:18:00,000
  for (std::size_t i = 0; i < calls.size(); ++i) {
    CAPTURE(i);
    CHECK(calls[i].outcome == expected[i].outcome);
    CHECK(calls[i].start_ms - base == std::llround(expected[i].start * 1000));
    CHECK(calls[i].end_ms - base == std::llround(expected[i].end * 1000));
    CHECK(calls[i].attempts == expected[i].attempts);
    CHECK(calls[i].result == expected[i].result);
  }
  CHECK(calls[5].state == LabState::open);
  CHECK(calls[0].line == 5);
}

TEST_CASE("the real lab logs parse without error (when /work/shared/lab3-reference exists)") {
  const std::filesystem::path root = "/work/shared/lab3-reference/result";
  if (!std::filesystem::exists(root)) {
    MESSAGE("skipped: " << root << " not found");
    return;
  }
  for (const char* rel : {"c/chaos_client.log", "b1/client.log", "b2/client.log"}) {
    CAPTURE(rel);
    std::ifstream in(root / rel);
    REQUIRE(in);
    std::vector<LabRecord> records;
    CHECK_NOTHROW(records = parse_lab_log(in, rel));
    CHECK(records.size() > 100);
    const auto calls = lab_calls(records);
    std::size_t results = 0, fast_fails = 0, trips = 0;
    for (const auto& r : records) {
      results += r.kind == LabRecord::Kind::call_result ? 1 : 0;
      fast_fails += r.kind == LabRecord::Kind::fast_fail ? 1 : 0;
      trips += r.kind == LabRecord::Kind::transition && r.to == LabState::open ? 1 : 0;
    }
    CHECK(calls.size() == results);
    // Every breaker error was logged as a fast-fail; those that ran are the transitions into OPEN.
    std::size_t rejected = 0;
    for (const auto& c : calls) rejected += c.outcome == LabCall::Outcome::rejected ? 1 : 0;
    CHECK(rejected + trips == fast_fails);
  }
}
