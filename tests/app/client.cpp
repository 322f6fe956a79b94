// `chaoslab client` as a real process against a real backend on loopback.
#include <doctest/doctest.h>

#include <signal.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "../live/process_support.hpp"

using chaoslab::testing::Chaoslab;
using chaoslab::testing::http_get;
using chaoslab::testing::RunningBackend;
using namespace std::chrono_literals;

namespace {

chaoslab::live::BackendConfig backend(double failure_rate) {
  chaoslab::live::BackendConfig c;
  c.failure_rate = failure_rate;
  c.slow_rate = 0;
  c.max_delay_ms = 0;
  c.seed = 11;
  return c;
}

std::vector<nlohmann::json> parse_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), "not JSON: " << line);
    out.push_back(j);
  }
  return out;
}

std::map<std::string, int> count_events(const std::vector<nlohmann::json>& lines) {
  std::map<std::string, int> n;
  for (const auto& l : lines) n[l.at("event").get<std::string>()]++;
  return n;
}

}  // namespace

TEST_CASE("chaoslab client: a valid trace, /health and /metrics against a real backend") {
  RunningBackend b(backend(0.5));
  Chaoslab c({"client", "--verbose", "--host", "127.0.0.1", "--port", "0", "--seed", "3", "--duration", "5"},
             {{"BACKEND_URL", b.url()}, {"CB_FAIL_MAX", "5"}, {"CB_RESET_TIMEOUT", "1"},
              {"RETRY_MAX_ATTEMPTS", "2"}, {"RETRY_BASE", "0.2"}, {"RETRY_MAX", "0.1"}});
  auto port = c.wait_for_stderr(R"(/health and /metrics on 127\.0\.0\.1:(\d+))");
  REQUIRE_MESSAGE(port, c.err());
  auto health = http_get(std::stoi(*port), "/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto h = nlohmann::json::parse(health->body);
  CHECK(h["status"] == "ok");
  CHECK(h["breaker_state"].is_string());
  CHECK(h["backend_url"] == b.url());
  CHECK(h["seed"] == 3);
  CHECK(h["config"]["breaker"]["fail_max"] == 5);
  CHECK(h["config"]["retry"]["stop"]["stop_after_attempt"] == 2);
  auto metrics = http_get(std::stoi(*port), "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("chaoslab_client_calls_total{outcome=\"ok\"}") != std::string::npos);
  CHECK(metrics->body.find("# TYPE chaoslab_client_breaker_state gauge") != std::string::npos);
  const auto problems = chaoslab::testing::check_exposition(metrics->body);
  CHECK_MESSAGE(problems.empty(), (problems.empty() ? "" : problems.front()));
  CHECK(chaoslab::testing::promtool_check(metrics->body).empty());

  auto st = c.wait(10s);
  REQUIRE(st);
  CHECK(st->code == 0);
  const auto lines = parse_lines(c.out());
  REQUIRE(!lines.empty());
  CHECK(lines[0]["event"] == "meta");
  CHECK(lines[0]["source"] == "live");
  CHECK(lines[0]["seed"] == 3);
  CHECK(lines[0]["schema"] == "chaoslab-trace/1");
  auto n = count_events(lines);
  CHECK(n["call"] > 3);
  CHECK(n["retry"] > 0);  // half the answers are 500s, retried once
  double last_t = 0;
  int attempts_500 = 0, attempts_200 = 0;
  for (const auto& l : lines) {
    CHECK(l["t"].get<double>() >= last_t);  // time order
    last_t = l["t"].get<double>();
    if (l["event"] == "attempt") {
      attempts_500 += l["status"] == 500;
      attempts_200 += l["status"] == 200;
    }
  }
  CHECK(last_t < 5 + 5);
  // Every attempt the trace shows reached the backend, and nothing else did.
  using chaoslab::live::Labels;
  auto& m = b.server().metrics();
  CHECK(m.value("chaoslab_backend_requests_total", Labels{{"path", "/work"}, {"code", "500"}}) == attempts_500);
  CHECK(m.value("chaoslab_backend_requests_total", Labels{{"path", "/work"}, {"code", "200"}}) == attempts_200);
}

TEST_CASE("chaoslab client --baseline: one attempt per call, no breaker, no retries") {
  RunningBackend b(backend(1.0));
  Chaoslab c({"client", "--baseline", "--no-http", "--url", b.url(), "--duration", "3", "--seed", "1"},
             {{"RETRY_MAX_ATTEMPTS", "3"}});
  auto st = c.wait(10s);
  REQUIRE(st);
  CHECK(st->code == 0);
  CHECK(c.err().empty());  // `kubectl logs` merges stderr: by default the log is only the trace
  const auto lines = parse_lines(c.out());
  auto n = count_events(lines);
  CHECK(n["call"] >= 2);
  CHECK(n["retry"] == 0);
  CHECK(n["transition"] == 0);
  for (const auto& l : lines)
    if (l["event"] == "call") {
      CHECK(l["attempts"] == 1);
      CHECK(l["outcome"] == "http_5xx");
    }
}

TEST_CASE("chaoslab client: the breaker opens on a dead backend; SIGTERM ends the run cleanly") {
  const int port = chaoslab::live::free_loopback_port();
  Chaoslab run({"client", "--verbose", "--no-http", "--url", "http://127.0.0.1:" + std::to_string(port) + "/work", "--seed", "2"},
               {{"CB_FAIL_MAX", "2"}, {"CB_RESET_TIMEOUT", "1"}});
  // Wait for the trace to show a rejected call (the breaker is open), not for a fixed time.
  chaoslab::testing::wait_until(
      [&] { return run.out().find("\"outcome\":\"breaker_rejected\"") != std::string::npos; }, 10s, 10ms);
  run.process.signal(SIGTERM);
  auto st = run.wait(10s);
  REQUIRE(st);
  CHECK(st->code == 0);
  const auto lines = parse_lines(run.out());
  bool refused = false, opened = false, rejected = false;
  for (const auto& l : lines) {
    refused = refused || (l["event"] == "attempt" && l["outcome"] == "refused");
    opened = opened || (l["event"] == "transition" && l["to"] == "open");
    rejected = rejected || (l["event"] == "call" && l["outcome"] == "breaker_rejected");
  }
  CHECK(refused);
  CHECK(opened);
  CHECK(rejected);
  CHECK(run.err().find("stopped after") != std::string::npos);
}

TEST_CASE("chaoslab client: bad lab variables exit 2 naming the variable") {
  struct Case {
    std::map<std::string, std::string> env;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {{{"CB_FAIL_MAX", "two"}}, "chaoslab: error: CB_FAIL_MAX"},
      {{{"RETRY_BASE", "-1"}}, "chaoslab: error: RETRY_BASE"},
      {{{"BACKEND_URL", "ftp://backend/work"}}, "chaoslab: error: BACKEND_URL: URL 'ftp://backend/work': must start with http://"},
      {{{"PORT", "x"}}, "chaoslab: error: PORT: must be an integer in [0, 65535], got 'x'"},
  };
  for (const auto& c : cases) {
    Chaoslab p({"client", "--duration", "0.1"}, c.env);
    auto st = p.wait();
    REQUIRE(st);
    CHECK(st->code == 2);
    CHECK_MESSAGE(p.err().find(c.needle) == 0, p.err());
  }
  Chaoslab missing({"client", "--config", "/nonexistent/policy.json"});
  CHECK(missing.wait()->code == 2);
  CHECK(missing.err().find("/nonexistent/policy.json") != std::string::npos);
}
