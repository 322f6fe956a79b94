#include "sim/cluster.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/sim_runtime.hpp"

using namespace chaoslab;
using namespace chaoslab::sim;
using namespace std::chrono_literals;

namespace {

struct PodLog final : TraceSink {
  struct Entry { double t; std::string pod, phase; bool ready; };
  std::vector<Entry> entries;
  void on_pod(Instant t, const PodEvent& e) override { entries.push_back({to_seconds(t), e.pod, e.phase, e.ready}); }
  std::vector<Entry> of(const std::string& pod) const {
    std::vector<Entry> out;
    for (const auto& e : entries) if (e.pod == pod) out.push_back(e);
    return out;
  }
  const Entry* find(const std::string& pod, const std::string& phase, bool ready) const {
    for (const auto& e : entries) if (e.pod == pod && e.phase == phase && e.ready == ready) return &e;
    return nullptr;
  }
};

// A cluster with constant timings, so every instant below follows from the parameters.
struct World {
  EventQueue q;
  PodLog log;
  Cluster cluster{q, &log};
  SimRuntime rt{q, &cluster};
  Rng b{1}, n{2}, k{3}, c{4};
  KubernetesConfig k8s;
  BackendConfig backend;
  NetworkConfig net;

  World() {
    k8s.scheduling_s = Dist::constant(0.5);
    k8s.container_start_s = Dist::constant(1.0);
    k8s.app_start_s = Dist::constant(2.0);
    k8s.shutdown_s = Dist::constant(0.25);
    k8s.endpoint_delay_s = Dist::constant(0.75);
    k8s.replace_delay_s = Dist::constant(0.0);
    k8s.readiness.reset();
    net.hop_latency_ms = Dist::constant(0);
    backend.behaviour = BackendConfig::Behaviour::service_time;
    backend.service_time_ms = Dist::constant(100);
    backend.failure_rate = 0;
  }
  void start() { cluster.start(k8s, backend, net, {&b, &n, &k, &c}); }
  void run_to(double s) { q.run_until(instant_at(s)); }
  std::string only_pod() const { return log.entries.front().pod; }
  std::string newest_pod() const { return log.entries.back().pod; }

  // Sends one GET at `at` and records its result.
  std::vector<HttpResult> results;
  void get_at(double at, Duration timeout = 10s) {
    q.schedule(instant_at(at), [this, timeout] {
      cluster.http_get(cluster.resolve("backend"), timeout, [this](const HttpResult& r) { results.push_back(r); });
    });
  }
};

}  // namespace

TEST_CASE("initial pods are Running, Ready and routed at t=0") {
  World w;
  w.k8s.replicas = 3;
  w.start();
  CHECK(w.log.entries.size() == 3);
  for (const auto& e : w.log.entries) {
    CHECK(e.t == 0);
    CHECK(e.phase == "Running");
    CHECK(e.ready);
    CHECK(e.pod.rfind("backend-", 0) == 0);
    CHECK(e.pod.size() == std::string("backend-").size() + 9 + 1 + 5);
  }
  CHECK(w.cluster.ready_pods() == 3);
  CHECK(w.cluster.routable_pods() == 3);
  const auto d = w.cluster.deployment("lab3", "backend");
  CHECK(d.exists);
  CHECK(d.ready_replicas == 3);
  CHECK_FALSE(w.cluster.deployment("lab3", "other").exists);
}

TEST_CASE("deletion: SIGTERM at once, replacement overlaps, grace period ends in SIGKILL") {
  World w;
  w.k8s.ignore_sigterm = true;  // the app dies only by SIGKILL: the pod lives the whole grace period
  w.k8s.grace_period = 30s;
  w.start();
  const std::string old = w.only_pod();
  w.q.schedule(instant_at(10), [&] { w.cluster.delete_pod("lab3", old, std::nullopt); });
  w.get_at(10.5);  // kube-proxy still routes to the old pod (0.75 s sync): refused, it stopped accepting
  w.get_at(11.0);  // the endpoint is gone and the successor is not ready: REJECT -> refused
  w.run_to(100);
  REQUIRE(w.log.find(old, "Terminating", false));
  CHECK(w.log.find(old, "Terminating", false)->t == doctest::Approx(10));
  REQUIRE(w.log.find(old, "Deleted", false));
  CHECK(w.log.find(old, "Deleted", false)->t == doctest::Approx(40));  // grace period, then SIGKILL
  std::string fresh;
  for (const auto& e : w.log.entries) if (e.pod != old) fresh = e.pod;
  REQUIRE(!fresh.empty());
  // The successor is created immediately (replace delay 0), while the old pod is still terminating.
  const auto seq = w.log.of(fresh);
  REQUIRE(seq.size() == 3);
  CHECK(seq[0].phase == "Pending");
  CHECK(seq[0].t == doctest::Approx(10));
  CHECK(seq[1].phase == "ContainerCreating");
  CHECK(seq[1].t == doctest::Approx(10.5));
  CHECK(seq[2].phase == "Running");
  CHECK(seq[2].t == doctest::Approx(11.5));
  CHECK(seq[2].ready);  // no readiness probe: Ready when the container starts
  REQUIRE(w.results.size() == 2);
  CHECK(w.results[0].kind == OutcomeKind::refused);
  CHECK(w.results[1].kind == OutcomeKind::refused);
  CHECK(w.cluster.deployment("lab3", "backend").ready_replicas == 1);
}

TEST_CASE("no probe: Ready before the app listens, so early requests are refused") {
  World w;
  w.start();
  const std::string old = w.only_pod();
  w.q.schedule(instant_at(1), [&] { w.cluster.delete_pod("lab3", old, 0s); });
  // Successor: Running + Ready at 2.5, routed at 3.25, app listening at 4.5.
  w.get_at(3.5);
  w.get_at(4.6);
  w.run_to(20);
  REQUIRE(w.results.size() == 2);
  CHECK(w.results[0].kind == OutcomeKind::refused);
  CHECK(w.results[1].kind == OutcomeKind::ok);
  CHECK(w.results[1].latency == 100ms);
}

TEST_CASE("readiness lands on a probe tick after the app is up") {
  World w;
  ProbeConfig p;
  p.initial_delay = 0s;
  p.period = 2s;
  p.success_threshold = 2;
  w.k8s.readiness = p;
  w.start();
  const std::string old = w.only_pod();
  w.q.schedule(instant_at(5), [&] { w.cluster.delete_pod("lab3", old, 0s); });
  w.run_to(60);
  const std::string fresh = w.newest_pod();
  // Scheduled at 5.5 (probe worker ticks 5.5, 7.5, 9.5, ...), container at 6.5, app up at 8.5.
  // Successes at 9.5 and 11.5: Ready at 11.5 with successThreshold 2.
  const auto* ready = w.log.find(fresh, "Running", true);
  REQUIRE(ready);
  CHECK(ready->t == doctest::Approx(11.5));
}

TEST_CASE("readiness respects initialDelaySeconds and failureThreshold under a hang") {
  World w;
  ProbeConfig p;
  p.initial_delay = 5s;
  p.period = 1s;
  p.failure_threshold = 3;
  w.k8s.readiness = p;
  w.start();
  const std::string old = w.only_pod();
  w.q.schedule(instant_at(1), [&] { w.cluster.delete_pod("lab3", old, 0s); });
  // A hang from 20.2 makes every probe fail: unready at the third failure (20.5, 21.5, 22.5).
  w.q.schedule(instant_at(20.2), [&] { w.cluster.fault("hang", {{"duration_s", 10}}); });
  w.run_to(40);
  const std::string fresh = w.newest_pod();
  // Ticks at 1.5 + k; container at 2.5, so probes count from 7.5 (initial delay); app up at 4.5.
  REQUIRE(w.log.find(fresh, "Running", true));
  CHECK(w.log.find(fresh, "Running", true)->t == doctest::Approx(7.5));
  std::vector<double> unready;
  for (const auto& e : w.log.of(fresh)) if (!e.ready && e.t > 20) unready.push_back(e.t);
  REQUIRE(unready.size() == 1);
  CHECK(unready[0] == doctest::Approx(22.5));
  // Ready again at the first tick after the hang ends at 30.2.
  double again = 0;
  for (const auto& e : w.log.of(fresh)) if (e.ready && e.t > 24) { again = e.t; break; }
  CHECK(again == doctest::Approx(30.5));
}

TEST_CASE("CrashLoopBackOff: restarts after 10, 20, 40 ... s, capped at 300 s") {
  World w;
  w.start();
  const std::string pod = w.only_pod();
  // Crash the container each time it has been running for 3 s.
  std::vector<double> crashes, restarts;
  struct Crasher final : TraceSink {
    World* w;
    std::string pod;
    std::vector<double>* restarts;
    void on_pod(Instant t, const PodEvent& e) override {
      if (e.pod == pod && e.phase == "Running" && e.ready) {
        restarts->push_back(to_seconds(t));
        w->q.schedule(t + 3s, [this] { w->cluster.crash_pod(pod); });
      }
    }
  } crasher;
  crasher.w = &w;
  crasher.pod = pod;
  crasher.restarts = &restarts;
  TraceFanout fan;
  fan.add(&w.log);
  fan.add(&crasher);
  w.cluster.set_trace(&fan);
  w.q.schedule(instant_at(3), [&] { w.cluster.crash_pod(pod); });
  w.run_to(2000);
  for (const auto& e : w.log.of(pod)) if (e.phase == "Crashed") crashes.push_back(e.t);
  REQUIRE(crashes.size() >= 8);
  // Restart k begins min(10 * 2^(k-1), 300) s after crash k; the container then takes 1 s.
  const double expect[] = {10, 20, 40, 80, 160, 300, 300};
  for (std::size_t k = 0; k < 7; ++k) CHECK(restarts[k] - crashes[k] == doctest::Approx(expect[k] + 1.0));
}

TEST_CASE("CrashLoopBackOff resets after 10 minutes of clean running") {
  World w;
  w.start();
  const std::string pod = w.only_pod();
  w.q.schedule(instant_at(1), [&] { w.cluster.crash_pod(pod); });      // restart at 11 (+1 s start)
  w.q.schedule(instant_at(15), [&] { w.cluster.crash_pod(pod); });     // backoff 20 s -> 36
  w.q.schedule(instant_at(700), [&] { w.cluster.crash_pod(pod); });    // ran > 600 s: 10 s again
  w.run_to(800);
  std::vector<double> running;
  for (const auto& e : w.log.of(pod)) if (e.phase == "Running" && e.t > 0) running.push_back(e.t);
  REQUIRE(running.size() == 3);
  CHECK(running[0] == doctest::Approx(12));
  CHECK(running[1] == doctest::Approx(36));
  CHECK(running[2] == doctest::Approx(711));
}

TEST_CASE("requests in flight when the process dies are reset; answered ones are not") {
  World w;
  w.backend.service_time_ms = Dist::constant(1000);
  w.k8s.drain = false;
  w.start();
  const std::string pod = w.only_pod();
  w.get_at(0.0);   // answered at 1.0
  w.get_at(0.5);   // still in service at the crash
  w.q.schedule(instant_at(1.2), [&] { w.cluster.crash_pod(pod); });
  w.run_to(5);
  REQUIRE(w.results.size() == 2);
  CHECK(w.results[0].kind == OutcomeKind::ok);
  CHECK(w.results[1].kind == OutcomeKind::reset);
  CHECK(w.results[1].latency == 700ms);
  CHECK(w.cluster.stats().reset == 1);
}

TEST_CASE("graceful shutdown drains accepted requests before the process exits") {
  World w;
  w.backend.service_time_ms = Dist::constant(3000);
  w.start();
  const std::string pod = w.only_pod();
  w.get_at(0.0);
  w.q.schedule(instant_at(1), [&] { w.cluster.delete_pod("lab3", pod, std::nullopt); });
  w.run_to(10);
  REQUIRE(w.results.size() == 1);
  CHECK(w.results[0].kind == OutcomeKind::ok);
  CHECK(w.log.find(pod, "Deleted", false)->t == doctest::Approx(3.0));
}

TEST_CASE("the client's timeout fires first when the answer is late") {
  World w;
  w.backend.service_time_ms = Dist::constant(3000);
  w.start();
  w.get_at(0.0, 2s);
  w.run_to(10);
  REQUIRE(w.results.size() == 1);
  CHECK(w.results[0].kind == OutcomeKind::timeout);
  CHECK(w.results[0].latency == 2s);
}

TEST_CASE("finite workers: FIFO queue, 503 when the queue is full") {
  World w;
  w.backend.workers = 1;
  w.backend.queue_limit = 1;
  w.start();
  for (int i = 0; i < 3; ++i) w.get_at(0.0);
  w.run_to(5);
  REQUIRE(w.results.size() == 3);
  CHECK(w.results[0].kind == OutcomeKind::http_5xx);  // the third: queue full, 503 at once
  CHECK(w.results[0].status == 503);
  CHECK(w.results[1].latency == 100ms);
  CHECK(w.results[2].latency == 200ms);
  CHECK(w.cluster.stats().overloaded == 1);
  CHECK(w.cluster.stats().peak_in_system == 2);
}

TEST_CASE("the lab's /work: slow with SLOW_RATE (0..MAX_DELAY_MS ms inclusive), then 500 with FAILURE_RATE") {
  World w;
  w.backend = BackendConfig{};  // behaviour lab3
  w.backend.slow_rate = 0.5;
  w.backend.failure_rate = 0.25;
  w.backend.max_delay_ms = 4;
  w.start();
  for (int i = 0; i < 20000; ++i) w.get_at(i * 0.01);
  w.run_to(1000);
  REQUIRE(w.results.size() == 20000);
  int fail = 0, zero = 0;
  int by_ms[5] = {};
  for (const auto& r : w.results) {
    fail += r.status == 500;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.latency).count();
    REQUIRE(r.latency == std::chrono::milliseconds(ms));
    REQUIRE(ms <= 4);
    ++by_ms[ms];
    zero += ms == 0;
  }
  CHECK(fail / 20000.0 == doctest::Approx(0.25).epsilon(0.05));
  // P(0 ms) = 0.5 + 0.5/5 = 0.6; P(k ms) = 0.1 for k = 1..4 (both ends included).
  CHECK(zero / 20000.0 == doctest::Approx(0.6).epsilon(0.03));
  for (int k = 1; k <= 4; ++k) CHECK(by_ms[k] / 20000.0 == doctest::Approx(0.1).epsilon(0.1));
}

TEST_CASE("Service routing picks at random among the endpoints") {
  World w;
  w.k8s.replicas = 4;
  w.backend.workers = 1;
  w.start();
  for (int i = 0; i < 4000; ++i) w.get_at(i * 1.0);
  w.run_to(5000);
  CHECK(w.results.size() == 4000);
  CHECK(w.cluster.stats().peak_in_system == 1);
}

TEST_CASE("resolve accepts the service name and URLs, and names what is wrong") {
  World w;
  w.start();
  CHECK(w.cluster.resolve("backend") == w.cluster.resolve("http://backend.lab3.svc.cluster.local:8000/work"));
  CHECK(w.cluster.resolve("http://backend:8000/work") == w.cluster.resolve("backend"));
  CHECK_THROWS_WITH_AS(w.cluster.resolve("http://db:5432/"),
                       "'http://db:5432/' names no simulated service (the cluster has \"backend\")",
                       std::invalid_argument);
  CHECK(service_from_url("http://backend.lab3.svc.cluster.local:8000/work") == "backend");
  // An IP address names no Service and stays whole (it used to be cut to "127").
  CHECK(service_from_url("http://127.0.0.1:8000/work") == "127.0.0.1");
  CHECK(host_from_url("http://127.0.0.1:8000/work") == "127.0.0.1");
  CHECK(host_from_url("http://[::1]:8000/") == "[::1]");
  CHECK_THROWS_WITH_AS(w.cluster.resolve("http://127.0.0.1:8000/work"),
                       "'http://127.0.0.1:8000/work' names no simulated service (the cluster has \"backend\")",
                       std::invalid_argument);
}

TEST_CASE("list_pods filters by namespace and selector and reports Kubernetes phases") {
  World w;
  w.k8s.replicas = 2;
  w.start();
  CHECK(w.cluster.list_pods("lab3", "app=backend").size() == 2);
  CHECK(w.cluster.list_pods("lab3", "app=client").empty());
  CHECK(w.cluster.list_pods("default", "").empty());
  const auto pods = w.cluster.list_pods("lab3", "");
  w.q.schedule(instant_at(1), [&] { w.cluster.delete_pod("lab3", pods[0].name, std::nullopt); });
  w.run_to(1.2);
  const auto now = w.cluster.list_pods("lab3", "app=backend");
  REQUIRE(now.size() == 3);
  CHECK(now[0].terminating);
  CHECK(now[0].phase == "Running");
  CHECK(now[2].phase == "Pending");
  CHECK_THROWS_AS(w.cluster.delete_pod("lab3", "nope", std::nullopt), chaos::ActivityError);
}

TEST_CASE("faults: injected errors and latency, partition drops until the client's timeout") {
  World w;
  w.start();
  w.q.schedule(instant_at(1), [&] { w.cluster.fault("inject_errors", {{"rate", 1.0}, {"status", 503}, {"duration_s", 1}}); });
  w.get_at(1.5);
  w.q.schedule(instant_at(3), [&] { w.cluster.fault("inject_latency", {{"latency_ms", 400}, {"duration_s", 1}}); });
  w.get_at(3.5);
  w.q.schedule(instant_at(5), [&] { w.cluster.fault("partition", {{"duration_s", 1}}); });
  w.get_at(5.5, 2s);
  w.get_at(8.0);
  w.run_to(20);
  REQUIRE(w.results.size() == 4);
  CHECK(w.results[0].status == 503);
  CHECK(w.results[1].latency == 500ms);
  CHECK(w.results[2].kind == OutcomeKind::timeout);
  CHECK(w.results[3].kind == OutcomeKind::ok);
  CHECK_THROWS_AS(w.cluster.fault("explode", nlohmann::json::object()), chaos::ActivityError);
}
