// `chaoslab replay` run as a real process on real files.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/lab_log.hpp"

namespace fs = std::filesystem;

namespace {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A scratch folder per test process, removed at exit.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("chaoslab-replay-test-" + std::to_string(getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
};

const Scratch& scratch() {
  static Scratch s;
  return s;
}

Run replay(const std::string& args, const std::string& stdin_file = "") {
  const fs::path out = scratch().dir / "stdout.txt";
  const fs::path err = scratch().dir / "stderr.txt";
  std::string cmd = quote(CHAOSLAB_BINARY) + " replay " + args + " >" + quote(out) + " 2>" + quote(err);
  cmd += stdin_file.empty() ? " </dev/null" : " <" + quote(stdin_file);
  const int status = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) v.push_back(nlohmann::json::parse(l));
  return v;
}

}  // namespace

TEST_CASE("replay: JSON lines through pybreaker(fail_max=2, reset_timeout=1)") {
  const auto cfg = scratch().write("b.json", R"({"fail_max": 2, "reset_timeout": 1})");
  const auto in = scratch().write("calls.jsonl",
                                  "{\"t\": 0, \"outcome\": \"failure\"}\n"
                                  "{\"t\": 0.5, \"outcome\": \"failure\"}\n"
                                  "{\"t\": 1.0, \"outcome\": \"success\"}\n"
                                  "\n"
                                  "{\"t\": 1.5, \"outcome\": \"failure\"}\n"
                                  "{\"t\": 2.5, \"outcome\": \"excluded\"}\n");
  const auto r = replay("--breaker " + quote(cfg) + " " + quote(in));
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  // The rejected call's outcome is ignored; the call at 1.5 is the failed trial (opened at 0.5).
  CHECK(r.out ==
        "{\"t\":0,\"admitted\":true,\"raised\":\"original\",\"state\":\"closed\"}\n"
        "{\"t\":0.5,\"admitted\":true,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":1.0,\"admitted\":false,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":1.5,\"admitted\":true,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":2.5,\"admitted\":true,\"raised\":\"original\",\"state\":\"closed\"}\n");
  // The same from stdin.
  const auto s = replay("--breaker " + quote(cfg), in.string());
  CHECK(s.code == 0);
  CHECK(s.out == r.out);
}

TEST_CASE("replay: durations let calls overlap - events are applied in time order") {
  const auto cfg = scratch().write("b1.json", R"({"fail_max": 1, "reset_timeout": 10})");
  // A runs 0..2 and fails; B runs 1..1 and succeeds before A's failure trips the breaker;
  // C at 3 is rejected.
  const auto in = scratch().write("overlap.jsonl",
                                  "{\"t\": 0, \"outcome\": \"failure\", \"duration\": 2}\n"
                                  "{\"t\": 1, \"outcome\": \"success\"}\n"
                                  "{\"t\": 3, \"outcome\": \"success\"}\n");
  const auto r = replay("--breaker " + quote(cfg) + " " + quote(in));
  REQUIRE(r.code == 0);
  const auto out = lines_of(r.out);
  REQUIRE(out.size() == 3);
  CHECK(out[0]["raised"] == "breaker_error");
  CHECK(out[0]["state"] == "open");
  CHECK(out[1]["admitted"] == true);
  CHECK(out[1]["state"] == "closed");
  CHECK(out[2]["admitted"] == false);
}

TEST_CASE("replay: slow-call windows see the durations") {
  const auto cfg = scratch().write("slow.json", R"({"sliding_window_type": "count_based",
      "sliding_window_size": 2, "minimum_number_of_calls": 2, "slow_call_rate_threshold": 100,
      "slow_call_duration_threshold": 1})");
  const auto in = scratch().write("slow.jsonl",
                                  "{\"t\": 0, \"outcome\": \"success\", \"duration\": 1.5}\n"
                                  "{\"t\": 2, \"outcome\": \"success\", \"duration\": 1.5}\n"
                                  "{\"t\": 4, \"outcome\": \"success\"}\n");
  const auto r = replay("--breaker " + quote(cfg) + " " + quote(in));
  REQUIRE(r.code == 0);
  const auto out = lines_of(r.out);
  CHECK(out[1]["state"] == "open");
  CHECK(out[2]["admitted"] == false);
}

TEST_CASE("replay: the lab's log format is detected - rejected lab calls are skipped by default") {
  const auto cfg = scratch().write("lab.json", R"({"fail_max": 2, "reset_timeout": 1})");
  const auto log = scratch().write(
      "client.log",
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
  const auto r = replay("--breaker " + quote(cfg) + " " + quote(log));
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "{\"t\":1762521481.046,\"admitted\":true,\"raised\":\"none\",\"state\":\"closed\"}\n"
        "{\"t\":1762521482.062,\"admitted\":true,\"raised\":\"original\",\"state\":\"closed\"}\n"
        "{\"t\":1762521484.37,\"admitted\":true,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":1762521487.3,\"admitted\":true,\"raised\":\"none\",\"state\":\"closed\"}\n");
  // With an assumed outcome the rejected call is replayed too (and rejected again here).
  const auto f = replay("--lab-rejected failure --breaker " + quote(cfg) + " " + quote(log));
  REQUIRE(f.code == 0);
  const auto out = lines_of(f.out);
  REQUIRE(out.size() == 5);
  CHECK(out[3]["t"] == 1762521486.502);
  CHECK(out[3]["admitted"] == false);
  // A breaker with a higher fail_max would have let the third call run.
  const auto lenient = scratch().write("lenient.json", R"({"fail_max": 5})");
  const auto l = replay("--breaker " + quote(lenient) + " " + quote(log));
  REQUIRE(l.code == 0);
  CHECK(lines_of(l.out)[2]["raised"] == "original");
}

TEST_CASE("replay: bad input is exit 2 with the file, the line and the key") {
  const auto cfg = scratch().write("ok.json", R"({"fail_max": 2})");
  struct Row {
    const char* name;
    const char* text;
    const char* message;  // after "chaoslab: error: <file>:"
  };
  const Row rows[] = {
      {"bad1.jsonl", "{\"t\": 0, \"outcome\": \"success\"}\n{\"t\": 1, \"outcome\": \"fail\"}\n",
       "2: /outcome: expected one of success, failure, excluded, got \"fail\""},
      {"bad2.jsonl", "{\"t\": 0, \"outcome\": \"success\"}\n\n{\"t\": 1, \"outcome\": \"success\"\n",
       "3: invalid JSON: "},
      {"bad3.jsonl", "{\"t\": 2, \"outcome\": \"success\"}\n{\"t\": 1, \"outcome\": \"success\"}\n",
       "2: /t: calls must be in time order (1 comes after 2)"},
      {"bad4.jsonl", "{\"t\": \"0\", \"outcome\": \"success\"}\n",
       "1: /t: expected a number of seconds, got \"0\""},
      {"bad5.jsonl", "{\"t\": 0, \"outcome\": \"success\", \"latency\": 1}\n",
       "1: /latency: unknown key (expected one of: t, outcome, duration)"},
      {"bad6.jsonl", "{\"t\": 0}\n", "1: missing key \"outcome\""},
      {"bad7.jsonl", "{\"t\": 0, \"outcome\": \"success\", \"duration\": -1}\n",
       "1: /duration: expected a number of seconds >= 0, got -1"},
      {"bad8.log", "2025-11-07 13:18:01,762 INFO Breaker=CLOSED result={'ok': True}\ngarbage\n",
       "2: not a lab log line"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const auto in = scratch().write(row.name, row.text);
    const auto r = replay("--breaker " + quote(cfg) + " " + quote(in));
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    const std::string prefix = "chaoslab: error: " + in.string() + ":" + row.message;
    CHECK(r.err.substr(0, prefix.size()) == prefix);
  }
  const auto in = scratch().write("fine.jsonl", "{\"t\": 0, \"outcome\": \"success\"}\n");
  const auto bad_cfg = scratch().write("bad_cfg.json", R"({"fail_max": 0})");
  auto r = replay("--breaker " + quote(bad_cfg) + " " + quote(in));
  CHECK(r.code == 2);
  CHECK(r.err == "chaoslab: error: " + bad_cfg.string() + ": /fail_max: must be >= 1, got 0\n");
  r = replay("--breaker " + quote((scratch().dir / "missing.json").string()) + " " + quote(in));
  CHECK(r.code == 2);
  CHECK(r.err.find("missing.json: cannot read file") != std::string::npos);
  r = replay("--breaker " + quote(cfg) + " " + quote((scratch().dir / "nope.jsonl").string()));
  CHECK(r.code == 2);
  CHECK(r.err.find("nope.jsonl: cannot read file") != std::string::npos);
  r = replay(quote(in));  // --breaker is required
  CHECK(r.code == 2);
}

TEST_CASE("replay of the real lab run with the lab's breaker reproduces every admission decision") {
  const fs::path log = "/work/shared/lab3-reference/result/c/chaos_client.log";
  if (!fs::exists(log)) {
    MESSAGE("skipped: " << log << " not found");
    return;
  }
  // CB_FAIL_MAX=2, CB_RESET_TIMEOUT=1 (the ConfigMap). Rejected calls are replayed too (with an
  // assumed outcome, which never matters when the replay rejects them again).
  const auto cfg = scratch().write("lab3.json", R"({"fail_max": 2, "reset_timeout": 1})");
  const auto r = replay("--lab-rejected failure --breaker " + quote(cfg) + " " + quote(log.string()));
  REQUIRE(r.code == 0);
  const auto out = lines_of(r.out);
  std::ifstream in(log);
  const auto calls = chaoslab::analysis::lab_calls(chaoslab::analysis::parse_lab_log(in, log.string()));
  REQUIRE(out.size() == calls.size());
  std::size_t mismatches = 0, admitted = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const bool lab_admitted = calls[i].outcome != chaoslab::analysis::LabCall::Outcome::rejected;
    mismatches += out[i]["admitted"].get<bool>() != lab_admitted ? 1 : 0;
    admitted += lab_admitted ? 1 : 0;
  }
  MESSAGE("lab calls: " << calls.size() << ", admitted by the lab breaker: " << admitted);
  CHECK(mismatches == 0);
}
