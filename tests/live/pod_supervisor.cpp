#include "live/pod_supervisor.hpp"

#include <doctest/doctest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "live/live_target.hpp"
#include "support.hpp"

using namespace chaoslab;
using namespace std::chrono_literals;

namespace {

struct PodRecorder final : TraceSink {
  std::vector<std::pair<Instant, PodEvent>> events;
  void on_pod(Instant t, const PodEvent& e) override { events.emplace_back(t, e); }
  std::vector<std::string> of(const std::string& pod) const {
    std::vector<std::string> out;
    for (const auto& [t, e] : events)
      if (e.pod == pod) out.push_back(e.phase + (e.ready ? "+ready" : ""));
    return out;
  }
};

live::PodTemplate fast_template(const std::string& log_dir) {
  live::PodTemplate t;
  t.service_port = live::free_loopback_port();
  t.argv = {CHAOSLAB_BINARY, "backend", "--host", "127.0.0.1", "--failure-rate", "0", "--slow-rate", "0",
            "--admin-token", "tok"};
  t.log_dir = log_dir;
  t.seed = 1;
  t.grace_period = 2s;
  t.scheduling = [](Rng&) { return Duration(10ms); };
  t.container_start = [](Rng&) { return Duration(100ms); };
  t.app_start = [](Rng&) { return Duration(100ms); };
  t.replace_delay = [](Rng&) { return Duration(10ms); };
  t.endpoint_delay = [](Rng&) { return Duration(50ms); };
  t.crash_backoff_initial = 200ms;
  t.readiness = live::ReadinessProbe{Duration{0}, Duration(100ms), Duration(500ms), 1, 3};
  return t;
}

}  // namespace

TEST_CASE("PodSupervisor: deleting the pod terminates its process and a successor becomes ready") {
  chaoslab::testing::ignore_sigpipe();
  const std::string dir = chaoslab::testing::temp_dir("pods");
  live::PodTemplate t = fast_template(dir);
  live::PodSupervisor::Started first = live::PodSupervisor::start_ready_pod(t, 1, 10s);
  const pid_t first_pid = first.process.pid();
  const int first_port = first.port;
  live::AsioRuntime rt;
  Rng rng(3);
  PodRecorder rec;
  live::PodSupervisor pods(rt, t, rng, &rec);
  pods.adopt_running(std::move(first));
  live::LiveTarget target(rt, pods, "tok");

  std::vector<chaos::PodInfo> before, after;
  chaos::DeploymentStatus dep_after;
  std::string unknown_error, selector_error;
  nlohmann::json errors_out, crash_out;
  int work_status = 0;
  int service_before = 0, pod_before = 0;
  bool service_refused_during = false, service_back = false;
  // Each phase waits for the state it checks (polled on the io thread), never for a fixed time:
  // process starts and exits are slow under sanitizers on a busy machine.
  using chaoslab::testing::http_get;
  const auto answers = [&](const char* path) {
    auto r = http_get(t.service_port, path, {}, 200ms);
    return r ? r->status : 0;
  };
  std::function<void()> wait_refused, wait_successor, wait_settled;
  rt.post([&] {
    before = pods.list_pods("lab3", "app=backend");
    // The Service port routes to the ready pod; the pod's own port answers too.
    service_before = answers("/work");
    auto direct = http_get(first_port, "/work");
    pod_before = direct ? direct->status : 0;
    try {
      pods.delete_pod("lab3", "backend-9", std::nullopt);
    } catch (const chaos::ActivityError& e) {
      unknown_error = e.what();
    }
    try {
      pods.list_pods("lab3", "app in (");
    } catch (const chaos::ActivityError& e) {
      selector_error = e.what();
    }
    pods.delete_pod("lab3", "backend-1", std::nullopt);
    wait_refused();
  });
  // No ready endpoint between the kill and the successor's readiness: connections are refused.
  wait_refused = [&] {
    service_refused_during = answers("/healthz") == 0;
    if (service_refused_during || pods.ready_pods() > 0) return wait_successor();
    rt.call_after(10ms, wait_refused);
  };
  wait_successor = [&] {
    if (pods.ready_pods() != 1 || pods.list_pods("lab3", "app=backend").size() != 1 ||
        answers("/healthz") != 200) {
      rt.call_after(20ms, wait_successor);
      return;
    }
    after = pods.list_pods("lab3", "app=backend");
    dep_after = pods.deployment("lab3", "backend");
    service_back = true;
    errors_out = target.fault("inject_errors", {{"rate", 1.0}, {"status", 503}, {"duration_s", 0}});
    work_status = answers("/work");
    crash_out = target.fault("crash", {{"exit_code", 4}});
    wait_settled();
  };
  wait_settled = [&] {
    const auto old_pod = rec.of("backend-1");
    if (rec.of("backend-2").size() >= 6 && !old_pod.empty() && old_pod.back() == "Deleted") return rt.stop();
    rt.call_after(20ms, wait_settled);
  };
  rt.call_after(30s, [&] { rt.stop(); });  // a watchdog: the checks below then say what is missing
  rt.run();

  CHECK(service_before == 200);
  CHECK(pod_before == 200);
  CHECK(service_refused_during);
  CHECK(service_back);
  REQUIRE(before.size() == 1);
  CHECK(before[0].name == "backend-1");
  CHECK(before[0].phase == "Running");
  CHECK(before[0].ready);
  CHECK(unknown_error == "pods \"backend-9\" not found in namespace \"lab3\"");
  CHECK(!selector_error.empty());
  CHECK(pods.list_pods("default", "").empty());
  CHECK(kill(first_pid, 0) == -1);  // SIGTERM ended the first process (and it was reaped)
  CHECK(rec.of("backend-1") == std::vector<std::string>{"Running+ready", "Terminating", "Deleted"});
  REQUIRE(after.size() == 1);
  CHECK(after[0].name == "backend-2");
  CHECK(after[0].ready);
  CHECK(dep_after.exists);
  CHECK(dep_after.ready_replicas == 1);
  CHECK(errors_out["errors"]["status"] == 503);
  CHECK(work_status == 503);
  CHECK(crash_out["crashed"] == "backend-2");
  // The successor's life: created, started, ready, crashed by the fault, restarted in place.
  const auto life = rec.of("backend-2");
  REQUIRE(life.size() >= 6);
  CHECK(std::vector<std::string>(life.begin(), life.begin() + 6) ==
        std::vector<std::string>{"Pending", "ContainerCreating", "Running", "Running+ready", "Crashed", "Running"});
  CHECK(chaoslab::testing::read_text(dir + "/backend-2.log").find("fault crash") != std::string::npos);
  pods.shutdown(2s);
}

TEST_CASE("perform_http: methods, headers, bodies; refused and timed out") {
  live::BackendConfig cfg;
  cfg.admin_token = "tok";
  cfg.failure_rate = 0;
  cfg.slow_rate = 0;
  chaoslab::testing::RunningBackend b(cfg);
  chaos::HttpRequest post;
  post.method = "POST";
  post.url = b.url("/admin/faults");
  post.headers = {{"Authorization", "Bearer tok"}, {"content-type", "application/json"}};
  post.body = R"({"action":"inject_latency","arguments":{"latency_ms":1500}})";
  post.timeout = 2s;
  auto r = live::perform_http(post);
  CHECK(r.connected);
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body)["faults"]["latency"]["latency_ms"] == 1500);
  chaos::HttpRequest slow;
  slow.url = b.url("/work");
  slow.timeout = 300ms;
  auto t = live::perform_http(slow);
  CHECK(!t.connected);
  CHECK(t.timed_out);
  chaos::HttpRequest refused;
  refused.url = "http://127.0.0.1:" + std::to_string(live::free_loopback_port()) + "/";
  auto f = live::perform_http(refused);
  CHECK(!f.connected);
  CHECK(!f.timed_out);
  CHECK(f.error == "connection refused");
  chaos::HttpRequest bad;
  bad.url = "https://example.invalid/";
  CHECK(live::perform_http(bad).error.find("https is not supported") != std::string::npos);
}
