// `chaoslab backend` as a real process: configuration errors, graceful SIGTERM, crash.
#include <doctest/doctest.h>

#include <signal.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "../live/process_support.hpp"

using chaoslab::testing::Chaoslab;
using chaoslab::testing::http_get;
using namespace std::chrono_literals;

namespace {

int wait_port(Chaoslab& p) {
  auto port = p.wait_for_stderr(R"(listening on 127\.0\.0\.1:(\d+))");
  REQUIRE_MESSAGE(port, p.err());
  return std::stoi(*port);
}

httplib::Result post_fault(int port, const std::string& body, const std::string& token) {
  httplib::Client c("127.0.0.1", port);
  return c.Post("/admin/faults", {{"Authorization", "Bearer " + token}}, body, "application/json");
}

// Waits until the backend's /metrics reports n requests in flight: the request under test is
// then holding a worker, however busy the machine is.
bool wait_in_flight(int port, int n) {
  const std::string line = "\nchaoslab_backend_in_flight_requests " + std::to_string(n) + "\n";
  return chaoslab::testing::wait_until(
      [&] {
        auto m = http_get(port, "/metrics");
        return m && m->status == 200 && m->body.find(line) != std::string::npos;
      },
      5s, 10ms);
}

}  // namespace

TEST_CASE("chaoslab backend: invalid configuration exits 2 naming the variable") {
  struct Case {
    std::map<std::string, std::string> env;
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"FAILURE_RATE", "abc"}}, {}, "chaoslab: error: FAILURE_RATE: must be a number in [0, 1], got 'abc'\n"},
      {{{"SLOW_RATE", "1.01"}}, {}, "chaoslab: error: SLOW_RATE: must be a number in [0, 1], got '1.01'\n"},
      {{{"MAX_DELAY_MS", "ten"}}, {}, "chaoslab: error: MAX_DELAY_MS: must be an integer in [0, 3600000], got 'ten'\n"},
      {{{"PORT", "65536"}}, {}, "chaoslab: error: PORT: must be an integer in [0, 65535], got '65536'\n"},
      {{}, {"--failure-rate", "-0.1"}, "chaoslab: error: --failure-rate: must be a number in [0, 1], got '-0.1'\n"},
      {{}, {"--startup-delay", "soon"}, "chaoslab: error: --startup-delay: must be a number of seconds >= 0, got 'soon'\n"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"backend", "--host", "127.0.0.1", "--port", "0"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    if (c.env.count("PORT")) args = {"backend", "--host", "127.0.0.1"};
    Chaoslab p(args, c.env);
    auto st = p.wait();
    REQUIRE(st);
    CHECK(st->code == 2);
    CHECK(p.err() == c.message);
  }
}

TEST_CASE("chaoslab backend: SIGTERM stops accepting, finishes the request in flight, exits 0") {
  Chaoslab p({"backend", "--host", "127.0.0.1", "--port", "0", "--admin-token", "tok", "--seed", "1",
              "--failure-rate", "0", "--slow-rate", "0"});
  const int port = wait_port(p);
  REQUIRE(http_get(port, "/readyz")->status == 200);
  REQUIRE(post_fault(port, R"({"action":"inject_latency","arguments":{"latency_ms":5000}})", "tok")->status == 200);
  int status = 0;
  std::string body;
  std::thread request([&] {
    auto r = http_get(port, "/work", {}, 20s);
    if (r) {
      status = r->status;
      body = r->body;
    }
  });
  CHECK(wait_in_flight(port, 1));
  p.process.signal(SIGTERM);
  CHECK(p.wait_for_stderr(R"(SIGTERM: draining \(1 in flight\))"));
  // The listener closes right after the message: poll rather than guess.
  CHECK(chaoslab::testing::wait_until([&] { return !http_get(port, "/healthz", {}, 300ms); }, 2s, 25ms));
  CHECK(!p.process.poll());  // still finishing the request
  request.join();
  CHECK(status == 200);
  CHECK(nlohmann::json::parse(body)["ok"] == true);
  auto st = p.wait();
  REQUIRE(st);
  CHECK(st->code == 0);
  CHECK(st->signal == 0);
  CHECK(p.err().find("SIGTERM: draining (1 in flight)") != std::string::npos);
  CHECK(p.err().find("chaoslab backend: stopped") != std::string::npos);
}

TEST_CASE("chaoslab backend: with a drain delay, /readyz is 503 while /work is still served") {
  // A drain of 3 s: the checks below need it to last, however slowly they run.
  Chaoslab p({"backend", "--host", "127.0.0.1", "--port", "0", "--drain-delay", "3", "--failure-rate", "0",
              "--slow-rate", "0"});
  const int port = wait_port(p);
  p.process.signal(SIGTERM);
  REQUIRE(p.wait_for_stderr("draining"));
  auto ready = http_get(port, "/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 503);
  CHECK(ready->body == "draining\n");
  auto work = http_get(port, "/work");
  REQUIRE(work);
  CHECK(work->status == 200);
  auto st = p.wait(15s);
  REQUIRE(st);
  CHECK(st->code == 0);
}

TEST_CASE("chaoslab backend: the crash fault exits with its code; the environment configures the service") {
  // A flag given twice takes its last value.
  Chaoslab p({"backend", "--host", "127.0.0.1", "--port", "0", "--slow-rate", "1", "--slow-rate", "0"},
             {{"ADMIN_TOKEN", "envtok"}, {"FAILURE_RATE", "1"}, {"SLOW_RATE", "0.5"}});
  const int port = wait_port(p);
  CHECK(p.err().find("FAILURE_RATE=1 SLOW_RATE=0") != std::string::npos);
  auto w = http_get(port, "/work");
  REQUIRE(w);
  CHECK(w->status == 500);
  CHECK(w->body == "backend error");
  CHECK(post_fault(port, R"({"action":"crash","arguments":{"exit_code":9}})", "wrong")->status == 401);
  auto r = post_fault(port, R"({"action":"crash","arguments":{"exit_code":9}})", "envtok");
  REQUIRE(r);
  CHECK(r->status == 200);
  auto st = p.wait();
  REQUIRE(st);
  CHECK(st->code == 9);
}

TEST_CASE("chaoslab backend: a port in use is an I/O error (exit 3), not a crash") {
  Chaoslab first({"backend", "--host", "127.0.0.1", "--port", "0"});
  const int port = wait_port(first);
  Chaoslab second({"backend", "--host", "127.0.0.1", "--port", std::to_string(port)});
  auto st = second.wait();
  REQUIRE(st);
  CHECK(st->code == 3);
  CHECK(second.err().find("cannot bind 127.0.0.1:" + std::to_string(port)) != std::string::npos);
  first.process.signal(SIGTERM);
  CHECK(first.wait()->code == 0);
}
