// The replay library (analysis/replay.hpp) in-process: both readers, format detection, the replay
// through a breaker in time order, and the output lines. tests/app/replay.cpp runs the command.
#include "analysis/replay.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/lab_log.hpp"
#include "policies/error.hpp"

namespace fs = std::filesystem;
using namespace chaoslab;
using namespace chaoslab::analysis;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) v.push_back(std::move(l));
  return v;
}

BreakerConfig breaker(const std::string& json) { return parse_breaker(parse_json_text(json, "b.json"), "b.json"); }

// The output lines of replaying `input` (named "in" in messages) through `config`.
std::string replay_text(const std::string& config, const std::string& input,
                        LabRejected rejected = LabRejected::skip, ReplayFormat format = ReplayFormat::detect) {
  const auto calls = read_replay_calls(split_lines(input), "in", format, rejected);
  std::ostringstream out;
  write_replay(out, calls, replay(calls, breaker(config), 1));
  return out.str();
}

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> v;
  for (const auto& l : split_lines(text)) v.push_back(nlohmann::json::parse(l));
  return v;
}

// The error message the readers give for `input`.
std::string error_of(const std::string& input) {
  try {
    (void)read_replay_calls(split_lines(input), "in", ReplayFormat::detect, LabRejected::skip);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("replay: JSON lines through pybreaker(fail_max=2, reset_timeout=1)") {
  // The rejected call's outcome is ignored; the call at 1.5 is the failed trial (opened at 0.5).
  CHECK(replay_text(R"({"fail_max": 2, "reset_timeout": 1})",
                    "{\"t\": 0, \"outcome\": \"failure\"}\n"
                    "{\"t\": 0.5, \"outcome\": \"failure\"}\n"
                    "{\"t\": 1.0, \"outcome\": \"success\"}\n"
                    "\n"
                    "{\"t\": 1.5, \"outcome\": \"failure\"}\n"
                    "{\"t\": 2.5, \"outcome\": \"excluded\"}\n") ==
        "{\"t\":0,\"admitted\":true,\"raised\":\"original\",\"state\":\"closed\"}\n"
        "{\"t\":0.5,\"admitted\":true,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":1.0,\"admitted\":false,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":1.5,\"admitted\":true,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":2.5,\"admitted\":true,\"raised\":\"original\",\"state\":\"closed\"}\n");
}

TEST_CASE("replay: durations let calls overlap - events are applied in time order") {
  // A runs 0..2 and fails; B runs 1..1 and succeeds before A's failure trips the breaker;
  // C at 3 is rejected.
  const auto out = lines_of(replay_text(R"({"fail_max": 1, "reset_timeout": 10})",
                                        "{\"t\": 0, \"outcome\": \"failure\", \"duration\": 2}\n"
                                        "{\"t\": 1, \"outcome\": \"success\"}\n"
                                        "{\"t\": 3, \"outcome\": \"success\"}\n"));
  REQUIRE(out.size() == 3);
  CHECK(out[0]["raised"] == "breaker_error");
  CHECK(out[0]["state"] == "open");
  CHECK(out[1]["admitted"] == true);
  CHECK(out[1]["state"] == "closed");
  CHECK(out[2]["admitted"] == false);
}

TEST_CASE("replay: slow-call windows see the durations") {
  const auto out = lines_of(replay_text(R"({"sliding_window_type": "count_based",
      "sliding_window_size": 2, "minimum_number_of_calls": 2, "slow_call_rate_threshold": 100,
      "slow_call_duration_threshold": 1})",
                                        "{\"t\": 0, \"outcome\": \"success\", \"duration\": 1.5}\n"
                                        "{\"t\": 2, \"outcome\": \"success\", \"duration\": 1.5}\n"
                                        "{\"t\": 4, \"outcome\": \"success\"}\n"));
  CHECK(out[1]["state"] == "open");
  CHECK(out[2]["admitted"] == false);
}

TEST_CASE("replay: the lab's log format is detected - rejected lab calls are skipped by default") {
  const std::string cfg = R"({"fail_max": 2, "reset_timeout": 1})";
  const std::string log = (
      "2025-11-07 13:18:01,046 WARNING Breaker state changed \xE2\x86\x92 CLOSED\n"
      "INFO:     Started server process [1]\n"
      "2025-11-07 13:18:01,761 INFO HTTP Request: GET http://b:8000/work \"HTTP/1.1 200 OK\"\n"
      "2025-11-07 13:18:01,762 INFO Breaker=CLOSED result={'ok': True, 'ts': 1.5}\n"
      "2025-11-07 13:18:04,070 INFO Breaker=CLOSED result={'error': 'timed out'}\n"
      "2025-11-07 13:18:06,200 WARNING [CB Transition] CLOSED -> OPEN\n"
      "2025-11-07 13:18:06,201 WARNING Breaker OPEN: fast-fail without calling backend\n"
      "2025-11-07 13:18:06,201 INFO Breaker=CLOSED result={'error': 'circuit breaker open'}\n"
      "2025-11-07 13:18:06,502 WARNING Breaker state changed \xE2\x86\x92 OPEN\n"
      "2025-11-07 13:18:06,502 WARNING Breaker OPEN: fast-fail without calling backend\n"
      "2025-11-07 13:18:06,503 INFO Breaker=OPEN result={'error': 'circuit breaker open'}\n"
      "2025-11-07 13:18:07,300 WARNING [CB Transition] OPEN -> HALF-OPEN\n"
      "2025-11-07 13:18:07,400 INFO HTTP Request: GET http://b:8000/work \"HTTP/1.1 200 OK\"\n"
      "2025-11-07 13:18:07,401 WARNING [CB Transition] HALF-OPEN -> CLOSED\n"
      "2025-11-07 13:18:07,401 INFO Breaker=OPEN result={'ok': True, 'ts': 2.5}\n");
  CHECK(replay_text(cfg, log) ==
        "{\"t\":1762521481.046,\"admitted\":true,\"raised\":\"none\",\"state\":\"closed\"}\n"
        "{\"t\":1762521482.062,\"admitted\":true,\"raised\":\"original\",\"state\":\"closed\"}\n"
        "{\"t\":1762521484.37,\"admitted\":true,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":1762521487.3,\"admitted\":true,\"raised\":\"none\",\"state\":\"closed\"}\n");
  // With an assumed outcome the rejected call is replayed too (and rejected again here).
  const auto out = lines_of(replay_text(cfg, log, LabRejected::failure));
  REQUIRE(out.size() == 5);
  CHECK(out[3]["t"] == 1762521486.502);
  CHECK(out[3]["admitted"] == false);
  // A breaker with a higher fail_max would have let the third call run.
  CHECK(lines_of(replay_text(R"({"fail_max": 5})", log))[2]["raised"] == "original");
}

TEST_CASE("replay: bad input names the line and the key") {
  struct Row {
    const char* text;
    const char* message;  // after "in:"
  };
  const Row rows[] = {
      {"{\"t\": 0, \"outcome\": \"success\"}\n{\"t\": 1, \"outcome\": \"fail\"}\n",
       "2: /outcome: expected one of success, failure, excluded, got \"fail\""},
      {"{\"t\": 0, \"outcome\": \"success\"}\n\n{\"t\": 1, \"outcome\": \"success\"\n", "3: invalid JSON: "},
      {"{\"t\": 2, \"outcome\": \"success\"}\n{\"t\": 1, \"outcome\": \"success\"}\n",
       "2: /t: calls must be in time order (1 comes after 2)"},
      {"{\"t\": \"0\", \"outcome\": \"success\"}\n", "1: /t: expected a number of seconds, got \"0\""},
      {"{\"t\": 0, \"outcome\": \"success\", \"latency\": 1}\n",
       "1: /latency: unknown key (expected one of: t, outcome, duration)"},
      {"{\"t\": 0}\n", "1: missing key \"outcome\""},
      {"{\"t\": 0, \"outcome\": \"success\", \"duration\": -1}\n",
       "1: /duration: expected a number of seconds >= 0, got -1"},
      {"2025-11-07 13:18:01,762 INFO Breaker=CLOSED result={'ok': True}\ngarbage\n", "2: not a lab log line"},
      {"\n  garbage\n", "2: neither a JSON line nor a lab log line"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    const std::string prefix = std::string("in:") + row.message;
    CHECK(error_of(row.text).substr(0, prefix.size()) == prefix);
  }
}

TEST_CASE("replay of the real lab run with the lab's breaker reproduces every admission decision") {
  const fs::path log = "/work/shared/lab3-reference/result/c/chaos_client.log";
  if (!fs::exists(log)) {
    MESSAGE("skipped: " << log << " not found");
    return;
  }
  // CB_FAIL_MAX=2, CB_RESET_TIMEOUT=1 (the ConfigMap). Rejected calls are replayed too (with an
  // assumed outcome, which never matters when the replay rejects them again).
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  const auto out = lines_of(replay_text(R"({"fail_max": 2, "reset_timeout": 1})", text.str(), LabRejected::failure));
  std::istringstream again(text.str());
  const auto calls = lab_calls(parse_lab_log(again, log.string()));
  REQUIRE(out.size() == calls.size());
  std::size_t mismatches = 0, admitted = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const bool lab_admitted = calls[i].outcome != LabCall::Outcome::rejected;
    mismatches += out[i]["admitted"].get<bool>() != lab_admitted ? 1 : 0;
    admitted += lab_admitted ? 1 : 0;
  }
  MESSAGE("lab calls: " << calls.size() << ", admitted by the lab breaker: " << admitted);
  CHECK(mismatches == 0);
}
