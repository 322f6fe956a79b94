#include "live/backend.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "policies/error.hpp"
#include "abuse_support.hpp"
#include "live/backend_limits.hpp"
#include "support.hpp"

using namespace chaoslab;
using chaoslab::testing::http_get;
using chaoslab::testing::RunningBackend;
using namespace std::chrono_literals;

namespace {

live::BackendConfig quiet(double failure_rate = 0, double slow_rate = 0, int max_delay_ms = 0) {
  live::BackendConfig c;
  c.failure_rate = failure_rate;
  c.slow_rate = slow_rate;
  c.max_delay_ms = max_delay_ms;
  c.seed = 42;
  return c;
}

httplib::Result admin(int port, const std::string& method, const std::string& body,
                      const std::string& token) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(5s);
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  if (method == "POST") return c.Post("/admin/faults", h, body, "application/json");
  if (method == "DELETE") return c.Delete("/admin/faults", h);
  return c.Get("/admin/faults", h);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("backend env: the lab's keys with errors naming the variable") {
  std::map<std::string, std::string> env{{"FAILURE_RATE", "0.7"}, {"SLOW_RATE", "0.9"},
                                         {"MAX_DELAY_MS", "3000"}, {"PORT", "8123"},
                                         {"ADMIN_TOKEN", "s3cret"}};
  auto lookup = [&](std::string_view k) -> std::optional<std::string> {
    auto it = env.find(std::string(k));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  const auto c = live::backend_config_from_env(lookup);
  CHECK(c.failure_rate == 0.7);
  CHECK(c.slow_rate == 0.9);
  CHECK(c.max_delay_ms == 3000);
  CHECK(c.port == 8123);
  CHECK(c.admin_token == "s3cret");

  const auto defaults = live::backend_config_from_env([](std::string_view) { return std::nullopt; });
  CHECK(defaults.failure_rate == 0.2);
  CHECK(defaults.slow_rate == 0.3);
  CHECK(defaults.max_delay_ms == 800);
  CHECK(defaults.port == 8000);
  CHECK(defaults.admin_token.empty());

  auto message = [&](const std::string& key, const std::string& value) {
    auto saved = env;
    env[key] = value;
    std::string what;
    try {
      live::backend_config_from_env(lookup);
    } catch (const ConfigError& e) {
      what = e.what();
    }
    env = saved;
    return what;
  };
  CHECK(message("FAILURE_RATE", "abc") == "FAILURE_RATE: must be a number in [0, 1], got 'abc'");
  CHECK(message("FAILURE_RATE", "1.5") == "FAILURE_RATE: must be a number in [0, 1], got '1.5'");
  CHECK(message("SLOW_RATE", "nan") == "SLOW_RATE: must be a number in [0, 1], got 'nan'");
  CHECK(message("MAX_DELAY_MS", "-1") == "MAX_DELAY_MS: must be an integer in [0, 3600000], got '-1'");
  CHECK(message("MAX_DELAY_MS", "1.5") == "MAX_DELAY_MS: must be an integer in [0, 3600000], got '1.5'");
  CHECK(message("PORT", "http") == "PORT: must be an integer in [0, 65535], got 'http'");
}

TEST_CASE("backend /work: failure and delay rates match the configuration (seeded)") {
  // 0.3 failures, 0.5 slow with U{0..20} ms: 600 requests from 6 concurrent callers.
  RunningBackend b(quiet(0.3, 0.5, 20));
  constexpr int kThreads = 6, kPerThread = 100, kN = kThreads * kPerThread;
  std::mutex mu;
  int failures = 0, ok = 0, slow = 0, other = 0, bad_bodies = 0, too_fast = 0;
  std::map<int, int> delays;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", b.port());
      c.set_keep_alive(true);
      for (int i = 0; i < kPerThread; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto r = c.Get("/work");
        const double took_ms = seconds_since(t0) * 1000;
        std::lock_guard lock(mu);
        if (!r) { ++other; continue; }
        if (r->status == 500) {
          ++failures;
          if (r->body != "backend error") ++bad_bodies;
        } else if (r->status == 200) {
          ++ok;
          auto j = nlohmann::json::parse(r->body, nullptr, false);
          if (!j.is_object() || j.value("ok", false) != true || !j.contains("ts") || !j["ts"].is_number())
            ++bad_bodies;
        } else {
          ++other;
        }
        if (r->has_header("X-Chaoslab-Delay-Ms")) {
          const int d = std::stoi(r->get_header_value("X-Chaoslab-Delay-Ms"));
          ++slow;
          ++delays[d];
          if (took_ms < d) ++too_fast;  // a delayed answer cannot arrive before its delay
        }
      }
    });
  for (auto& t : threads) t.join();
  CHECK(other == 0);
  CHECK(bad_bodies == 0);
  CHECK(failures + ok == kN);
  // Binomial: sd = sqrt(p(1-p)/n) ~ 0.019 for 0.3 and 0.020 for 0.5; allow 4 sd.
  CHECK(std::abs(failures / double(kN) - 0.3) < 0.08);
  CHECK(std::abs(slow / double(kN) - 0.5) < 0.08);
  // Delays: integers 0..20 inclusive, both ends reached, mean near 10.
  REQUIRE(!delays.empty());
  CHECK(delays.begin()->first == 0);
  CHECK(delays.rbegin()->first == 20);
  double sum = 0;
  for (auto [d, n] : delays) {
    CHECK(d >= 0);
    CHECK(d <= 20);
    sum += double(d) * n;
  }
  CHECK(std::abs(sum / slow - 10.0) < 1.5);
  CHECK(too_fast == 0);
  CHECK(b.server().metrics().value("chaoslab_backend_requests_total", {{"path", "/work"}, {"code", "500"}}) == failures);
}

TEST_CASE("backend /work: the same seed gives the same multiset of outcomes") {
  auto run = [] {
    RunningBackend b(quiet(0.5, 0.5, 5));
    std::map<std::string, int> seen;
    for (int i = 0; i < 80; ++i) {
      auto r = http_get(b.port(), "/work");
      REQUIRE(r);
      seen[std::to_string(r->status) + "/" + r->get_header_value("X-Chaoslab-Delay-Ms")]++;
    }
    return seen;
  };
  CHECK(run() == run());
}

TEST_CASE("backend /readyz and /work wait for the start-up delay; /healthz does not") {
  auto cfg = quiet();
  cfg.startup_delay = 2s;  // long enough for the 503 checks on a slow machine
  RunningBackend b(cfg);
  auto ready = http_get(b.port(), "/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 503);
  CHECK(ready->body == "starting\n");
  auto work = http_get(b.port(), "/work");
  REQUIRE(work);
  CHECK(work->status == 503);
  auto live = http_get(b.port(), "/healthz");
  REQUIRE(live);
  CHECK(live->status == 200);
  int status = 0;
  for (int i = 0; i < 500 && status != 200; ++i) {
    std::this_thread::sleep_for(20ms);
    status = http_get(b.port(), "/readyz")->status;
  }
  CHECK(status == 200);
  CHECK(http_get(b.port(), "/work")->status == 200);
  b.server().begin_drain();
  auto draining = http_get(b.port(), "/readyz");
  CHECK(draining->status == 503);
  CHECK(draining->body == "draining\n");
  CHECK(draining->get_header_value("Connection") == "close");
  CHECK(http_get(b.port(), "/work")->status == 200);  // still served while draining
}

TEST_CASE("backend /metrics: counts by path and code, a histogram, in-flight; valid text format") {
  RunningBackend b(quiet(0.5, 0, 0));
  int fails = 0;
  for (int i = 0; i < 30; ++i) fails += http_get(b.port(), "/work")->status == 500;
  http_get(b.port(), "/nope");
  http_get(b.port(), "/healthz");
  auto m = http_get(b.port(), "/metrics");
  REQUIRE(m);
  CHECK(m->status == 200);
  CHECK(m->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  const std::string& t = m->body;
  CHECK(t.find("chaoslab_backend_requests_total{path=\"/work\",code=\"500\"} " + std::to_string(fails) + "\n") != std::string::npos);
  CHECK(t.find("chaoslab_backend_requests_total{path=\"/work\",code=\"200\"} " + std::to_string(30 - fails) + "\n") != std::string::npos);
  CHECK(t.find("chaoslab_backend_requests_total{path=\"other\",code=\"404\"} 1\n") != std::string::npos);
  CHECK(t.find("chaoslab_backend_work_duration_seconds_count 30\n") != std::string::npos);
  CHECK(t.find("chaoslab_backend_work_duration_seconds_bucket{le=\"+Inf\"} 30\n") != std::string::npos);
  CHECK(t.find("chaoslab_backend_in_flight_requests 0\n") != std::string::npos);
  CHECK(t.find("chaoslab_backend_ready 1\n") != std::string::npos);
  CHECK(t.find("# TYPE chaoslab_backend_work_duration_seconds histogram\n") != std::string::npos);
  const auto problems = chaoslab::testing::check_exposition(t);
  CHECK_MESSAGE(problems.empty(), (problems.empty() ? "" : problems.front()));
  bool ran = false;
  const std::string promtool = chaoslab::testing::promtool_check(t, &ran);
  CHECK_MESSAGE(promtool.empty(), promtool);
  if (!ran) MESSAGE("promtool not installed (Debian package prometheus): format checked by the test's parser only");
}

TEST_CASE("backend /admin/faults: 404 without a configured token, 401 without the right one") {
  {
    RunningBackend b(quiet());
    auto r = admin(b.port(), "POST", R"({"action":"clear"})", "anything");
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(admin(b.port(), "GET", "", "")->status == 404);
  }
  auto cfg = quiet();
  cfg.admin_token = "t0ken";
  RunningBackend b(cfg);
  CHECK(admin(b.port(), "POST", R"({"action":"clear"})", "")->status == 401);
  CHECK(admin(b.port(), "POST", R"({"action":"clear"})", "t0ke")->status == 401);
  CHECK(admin(b.port(), "POST", R"({"action":"clear"})", "t0ken!")->status == 401);
  auto bad = admin(b.port(), "DELETE", "", "wrong");
  CHECK(bad->status == 401);
  CHECK(bad->get_header_value("WWW-Authenticate") == "Bearer");
  CHECK(admin(b.port(), "POST", R"({"action":"clear"})", "t0ken")->status == 200);
}

TEST_CASE("backend /admin/faults: inject_errors, read, clear; bad bodies are 400 with the place") {
  auto cfg = quiet();
  cfg.admin_token = "tok";
  RunningBackend b(cfg);
  auto r = admin(b.port(), "POST",
                 R"({"action":"inject_errors","arguments":{"rate":1.0,"status":503,"duration_s":30}})", "tok");
  REQUIRE(r);
  CHECK(r->status == 200);
  auto j = nlohmann::json::parse(r->body);
  CHECK(j["applied"] == "inject_errors");
  CHECK(j["faults"]["errors"]["status"] == 503);
  for (int i = 0; i < 5; ++i) {
    auto w = http_get(b.port(), "/work");
    CHECK(w->status == 503);
    CHECK(w->body == "injected error");
  }
  CHECK(http_get(b.port(), "/healthz")->status == 200);  // probes are not affected by errors
  auto state = nlohmann::json::parse(admin(b.port(), "GET", "", "tok")->body);
  CHECK(state["faults"]["errors"]["rate"] == 1.0);
  CHECK(state["faults"]["hang"].is_null());
  auto metrics = http_get(b.port(), "/metrics")->body;
  CHECK(metrics.find("chaoslab_backend_fault_active{fault=\"errors\"} 1\n") != std::string::npos);
  CHECK(metrics.find("chaoslab_backend_faults_applied_total{action=\"inject_errors\"} 1\n") != std::string::npos);
  CHECK(admin(b.port(), "DELETE", "", "tok")->status == 200);
  CHECK(http_get(b.port(), "/work")->status == 200);

  auto invalid = admin(b.port(), "POST", "{not json", "tok");
  CHECK(invalid->status == 400);
  CHECK(invalid->body.find("body: invalid JSON") != std::string::npos);
  auto unknown = admin(b.port(), "POST", R"({"action":"explode"})", "tok");
  CHECK(unknown->status == 400);
  CHECK(unknown->body.find("/action") != std::string::npos);
  auto range = admin(b.port(), "POST", R"({"action":"inject_errors","arguments":{"rate":2}})", "tok");
  CHECK(range->status == 400);
  CHECK(range->body.find("/arguments/rate") != std::string::npos);
  CHECK(http_get(b.port(), "/work")->status == 200);  // a rejected action changed nothing
}

TEST_CASE("backend faults: injected latency and a hang hold requests; probes hang too") {
  auto cfg = quiet();
  cfg.admin_token = "tok";
  RunningBackend b(cfg);
  REQUIRE(admin(b.port(), "POST", R"({"action":"inject_latency","arguments":{"latency_ms":250}})", "tok")->status == 200);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(http_get(b.port(), "/work")->status == 200);
  CHECK(seconds_since(t0) >= 0.25);
  REQUIRE(admin(b.port(), "DELETE", "", "tok")->status == 200);

  t0 = std::chrono::steady_clock::now();  // before the window opens, so it ends after t0 + 0.4 s
  REQUIRE(admin(b.port(), "POST", R"({"action":"hang","arguments":{"duration_s":0.4}})", "tok")->status == 200);
  CHECK(http_get(b.port(), "/healthz")->status == 200);
  CHECK(seconds_since(t0) >= 0.4);  // held until the window ends
  CHECK(http_get(b.port(), "/work")->status == 200);
}

TEST_CASE("backend faults: a partitioned request is never answered; the worker is freed when the client gives up") {
  auto cfg = quiet();
  cfg.admin_token = "tok";
  RunningBackend b(cfg);
  REQUIRE(admin(b.port(), "POST", R"({"action":"partition","arguments":{"duration_s":30}})", "tok")->status == 200);
  auto r = http_get(b.port(), "/work", {}, 300ms);
  CHECK(!r);  // the client's own read timeout
  CHECK(http_get(b.port(), "/readyz")->status == 200);  // kubelet probes are not affected
  int in_flight = 1;
  for (int i = 0; i < 500 && in_flight != 0; ++i) {
    std::this_thread::sleep_for(20ms);
    in_flight = b.server().in_flight();
  }
  CHECK(in_flight == 0);
  REQUIRE(admin(b.port(), "DELETE", "", "tok")->status == 200);
  CHECK(http_get(b.port(), "/work")->status == 200);
}

TEST_CASE("backend faults: crash answers, then calls the crash hook with the exit code") {
  std::atomic<int> crashed{-1};
  auto cfg = quiet();
  cfg.admin_token = "tok";
  cfg.crash = [&](int code) { crashed = code; };
  RunningBackend b(cfg);
  auto r = admin(b.port(), "POST", R"({"action":"crash","arguments":{"exit_code":7}})", "tok");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(nlohmann::json::parse(r->body)["exit_code"] == 7);
  for (int i = 0; i < 1000 && crashed < 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(crashed == 7);
}

TEST_CASE("backend slots: slow requests hold only their slots; beyond the queue, 503 at once") {
  auto cfg = quiet();
  cfg.admin_token = "tok";
  cfg.workers = 2;
  cfg.queue = 0;
  RunningBackend b(cfg);
  REQUIRE(admin(b.port(), "POST", R"({"action":"inject_latency","arguments":{"latency_ms":3000}})", "tok")->status == 200);
  std::atomic<int> slow_done{0};
  const auto slow = [&] {
    auto r = http_get(b.port(), "/work", {}, 10s);
    if (r && r->status == 200) ++slow_done;
  };
  std::thread slow1(slow);
  CHECK(b.wait_in_flight(1));
  // One worker left: a probe is answered while the slow request sleeps.
  auto probe = http_get(b.port(), "/healthz");
  CHECK((probe && probe->status == 200));
  CHECK(slow_done == 0);
  CHECK(b.wait_busy_workers(1));  // probes take no slot
  std::thread slow2(slow);
  CHECK(b.wait_in_flight(2));
  // Both slots taken, no queue: the next /work is shed at once.
  auto shed = http_get(b.port(), "/work");
  CHECK(shed);  // not REQUIRE: the threads must still be joined
  if (shed) {
    CHECK(shed->status == 503);
    CHECK(shed->body.find("overloaded") != std::string::npos);
    CHECK(shed->get_header_value("Connection") == "close");
  }
  CHECK(slow_done == 0);
  slow1.join();
  slow2.join();
  CHECK(slow_done == 2);
}

TEST_CASE("backend stop: in-flight requests finish; past the bound they are cut with 503") {
  auto cfg = quiet();
  cfg.admin_token = "tok";
  RunningBackend b(cfg);
  REQUIRE(admin(b.port(), "POST", R"({"action":"inject_latency","arguments":{"latency_ms":400}})", "tok")->status == 200);
  int status = 0;
  std::thread t([&] { status = http_get(b.port(), "/work")->status; });
  CHECK(b.wait_in_flight(1));
  CHECK(b.stop() == 0);
  t.join();
  CHECK(status == 200);
  CHECK(!http_get(b.port(), "/healthz", {}, 500ms));  // no longer accepting

  auto cfg2 = quiet();
  cfg2.admin_token = "tok";
  cfg2.shutdown_timeout = 200ms;
  RunningBackend b2(cfg2);
  REQUIRE(admin(b2.port(), "POST", R"({"action":"inject_latency","arguments":{"latency_ms":5000}})", "tok")->status == 200);
  std::thread t2([&] { status = http_get(b2.port(), "/work")->status; });
  CHECK(b2.wait_in_flight(1));
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(b2.stop() == 1);
  t2.join();
  CHECK(status == 503);
  CHECK(seconds_since(t0) < 4.0);  // bounded: not the 5 s of injected latency
}

TEST_CASE("backend: malformed HTTP gets a 4xx, and the server keeps serving") {
  RunningBackend b(quiet());
  httplib::Client c("127.0.0.1", b.port());
  auto r = c.Post("/work", "x", "text/plain");
  REQUIRE(r);
  CHECK(r->status >= 400);
  CHECK(r->status < 500);
  std::string huge(200 * 1024, 'x');
  auto big = c.Post("/admin/faults", huge, "application/json");
  if (big) CHECK(big->status == 413);
  CHECK(http_get(b.port(), "/work")->status == 200);
}

TEST_CASE("backend slots: a queued /work waits for a slot, then is served") {
  auto cfg = quiet();
  cfg.admin_token = "tok";
  cfg.workers = 1;
  cfg.queue = 1;
  RunningBackend b(cfg);
  REQUIRE(admin(b.port(), "POST", R"({"action":"inject_latency","arguments":{"latency_ms":300}})", "tok")->status == 200);
  std::atomic<int> ok{0};
  std::thread first([&] { ok += http_get(b.port(), "/work")->status == 200; });
  CHECK(b.wait_in_flight(1));
  std::thread second([&] { ok += http_get(b.port(), "/work")->status == 200; });
  CHECK(chaoslab::testing::wait_until([&] {
    auto m = http_get(b.port(), "/metrics");
    return m && m->body.find("chaoslab_backend_queued_connections 1\n") != std::string::npos;
  }));
  CHECK(b.server().in_flight() == 1);  // the second waits: one slot
  first.join();
  second.join();
  CHECK(ok == 2);
}

TEST_CASE("backend connections: beyond the connection limit a new one gets 503 at once") {
  using chaoslab::testing::RawConn;
  auto cfg = quiet();
  cfg.max_connections = 3;
  RunningBackend b(cfg);
  CHECK(b.server().connection_limit() == 3);
  std::vector<RawConn> idle;  // connected, nothing sent: they hold the limit
  for (int i = 0; i < 3; ++i) {
    idle.emplace_back(b.port());
    REQUIRE(idle.back().connected());
  }
  REQUIRE(chaoslab::testing::wait_until([&] { return b.server().open_connections() == 3; }));
  auto shed = http_get(b.port(), "/healthz");
  REQUIRE(shed);
  CHECK(shed->status == 503);
  CHECK(shed->body.find("too many connections") != std::string::npos);
  CHECK(shed->get_header_value("Connection") == "close");
  idle.pop_back();
  REQUIRE(chaoslab::testing::wait_until([&] { return b.server().open_connections() == 2; }));
  CHECK(http_get(b.port(), "/healthz")->status == 200);
  CHECK(b.server().metrics().value("chaoslab_backend_shed_connections_total") == 1);
}

TEST_CASE("backend connections: keep-alive and pipelining on one connection; idle and slow heads are cut") {
  using chaoslab::testing::RawConn;
  using chaoslab::testing::status_of;
  RunningBackend b(quiet());
  RawConn c(b.port());
  REQUIRE(c.connected());
  for (int i = 0; i < 3; ++i) {
    c.send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(status_of(c.read_response()) == 200);
  }
  // Two requests in one write: two answers, in order.
  c.send_all("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string both = c.read_response();  // may hold both answers
  if (both.find("HTTP/1.1 404") == std::string::npos) both += c.read_response();
  CHECK(status_of(both) == 200);
  const auto second = both.find("HTTP/1.1 404");
  CHECK(second != std::string::npos);
  CHECK(second > both.find("HTTP/1.1 200"));
  CHECK(b.server().open_connections() == 1);
  // Idle past the keep-alive timeout: closed without a word.
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(c.read(10s).empty());
  CHECK(c.peer_closed());
  CHECK(seconds_since(t0) >= 1.5);  // the 2 s keep-alive timeout, not at once

  // A request head that never ends: cut at the head deadline, whatever arrives meanwhile.
  RawConn slow(b.port());
  REQUIRE(slow.connected());
  slow.send_all("GET /work HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  const auto t1 = std::chrono::steady_clock::now();
  while (!slow.peer_closed() && seconds_since(t1) < 20) {
    slow.send_all("x");
    CHECK(slow.read(200ms).empty());
  }
  CHECK(slow.peer_closed());
  CHECK(seconds_since(t1) >= std::chrono::duration<double>(chaoslab::live::kHeadTimeout).count() - 0.5);
  CHECK(http_get(b.port(), "/healthz")->status == 200);
}

TEST_CASE("backend: a body announced with Expect: 100-continue is asked for, then served") {
  auto cfg = quiet();
  cfg.admin_token = "tok";
  RunningBackend b(cfg);
  chaoslab::testing::RawConn c(b.port());
  REQUIRE(c.connected());
  const std::string body = R"({"action":"clear"})";
  c.send_all("POST /admin/faults HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nExpect: 100-continue\r\n"
             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  CHECK(chaoslab::testing::status_of(c.read(5s, true)) == 100);
  c.send_all(body);
  const std::string r = c.read_response();
  CHECK(chaoslab::testing::status_of(r) == 200);
  CHECK(r.find("\"applied\":\"clear\"") != std::string::npos);
}
