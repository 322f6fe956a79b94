// The chaosk8s functions chaoslab implements, run through the runner against a fake cluster.
#include <doctest/doctest.h>

#include <set>

#include "chaos/runner.hpp"
#include "fakes.hpp"

using namespace chaoslab;
using namespace chaoslab::chaos;
using chaoslab::chaos::testing::experiment_from;
using chaoslab::chaos::testing::FakeTarget;

namespace {

std::string one_activity(const std::string& module, const std::string& func, const std::string& args) {
  return R"({"title":"t","description":"d","method":[{"type":"action","name":"a","provider":{"type":"python",
    "module":")" + module + R"(","func":")" + func + R"(","arguments":)" + args + "}}]}";
}

// Runs one python activity and returns its run record.
ActivityRun run_one(FakeTarget& target, const std::string& module, const std::string& func, const std::string& args,
                    std::uint64_t seed = 1) {
  const Experiment e = experiment_from(one_activity(module, func, args));
  Rng rng(seed);
  ExperimentRunner runner(target, e, rng);
  runner.start();
  target.rt.run();
  REQUIRE(runner.finished());
  REQUIRE(runner.method_runs().size() == 1);
  ActivityRun r = runner.method_runs()[0];
  r.activity = nullptr;  // points into the local experiment
  return r;
}

ActivityRun terminate(FakeTarget& t, const std::string& args, std::uint64_t seed = 1) {
  return run_one(t, "chaosk8s.pod.actions", "terminate_pods", args, seed);
}

FakeTarget five_pods() {
  FakeTarget t;
  // Listed out of name order, with creation times that do not follow names.
  t.add_pod("backend-c", "Running", 30);
  t.add_pod("backend-a", "Running", 20);
  t.add_pod("backend-e", "Running", 10);
  t.add_pod("backend-b", "Running", 50);
  t.add_pod("backend-d", "Running", 40);
  t.add_pod("client-x", "Running", 0, {{"app", "client"}});
  t.add_pod("backend-z", "Running", 0, {{"app", "backend"}}, "other-ns");
  return t;
}

}  // namespace

TEST_CASE("terminate_pods: defaults pick the first pod by name in the namespace") {
  FakeTarget t = five_pods();
  const ActivityRun r = terminate(t, R"({"label_selector":"app=backend","ns":"lab3"})");
  CHECK(r.succeeded);
  CHECK(r.output() == Json::array({"backend-a"}));
  REQUIRE(t.deletions.size() == 1);
  CHECK(t.deletions[0].ns == "lab3");
  CHECK_FALSE(t.deletions[0].grace);  // grace_period -1: the pod's own
}

TEST_CASE("terminate_pods: qty, capped at the number of pods, and all") {
  FakeTarget t = five_pods();
  CHECK(terminate(t, R"({"label_selector":"app=backend","ns":"lab3","qty":3})").output() ==
        Json::array({"backend-a", "backend-b", "backend-c"}));
  FakeTarget u = five_pods();
  CHECK(terminate(u, R"({"label_selector":"app=backend","ns":"lab3","qty":9})").output().size() == 5);
  FakeTarget v = five_pods();
  CHECK(terminate(v, R"({"label_selector":"app=backend","ns":"lab3","all":true,"qty":1})").output().size() == 5);
  FakeTarget w = five_pods();
  CHECK(terminate(w, R"({"label_selector":"app=backend","ns":"lab3","qty":0})").output() == Json::array());
  FakeTarget x = five_pods();
  // No selector: every pod in the namespace.
  CHECK(terminate(x, R"({"ns":"lab3","all":true})").output().size() == 6);
}

TEST_CASE("terminate_pods: percentage mode rounds up and is capped") {
  FakeTarget t = five_pods();
  // ceil(30 * 5 / 100) = ceil(1.5) = 2
  CHECK(terminate(t, R"({"label_selector":"app=backend","ns":"lab3","mode":"percentage","qty":30})").output().size() == 2);
  FakeTarget u = five_pods();
  CHECK(terminate(u, R"({"label_selector":"app=backend","ns":"lab3","mode":"percentage","qty":1})").output().size() == 1);
  FakeTarget v = five_pods();
  CHECK(terminate(v, R"({"label_selector":"app=backend","ns":"lab3","mode":"percentage","qty":250})").output().size() == 5);
  FakeTarget w = five_pods();
  CHECK(terminate(w, R"({"label_selector":"app=backend","ns":"lab3","mode":"percentage","qty":0})").output().size() == 0);
}

TEST_CASE("terminate_pods: order oldest sorts by creation time") {
  FakeTarget t = five_pods();
  CHECK(terminate(t, R"({"label_selector":"app=backend","ns":"lab3","order":"oldest","qty":2})").output() ==
        Json::array({"backend-e", "backend-a"}));
}

TEST_CASE("terminate_pods: name_pattern is a regex search") {
  FakeTarget t = five_pods();
  CHECK(terminate(t, R"({"ns":"lab3","name_pattern":"-[b-d]$","all":true})").output() ==
        Json::array({"backend-b", "backend-c", "backend-d"}));
  FakeTarget u = five_pods();
  CHECK(terminate(u, R"({"ns":"lab3","name_pattern":"nothing"})").output() == Json::array());
}

TEST_CASE("terminate_pods: rand picks from the injected generator, reproducibly") {
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    FakeTarget t = five_pods();
    const Json out = terminate(t, R"({"label_selector":"app=backend","ns":"lab3","rand":true,"qty":2})", seed).output();
    REQUIRE(out.size() == 2);
    CHECK(out[0] != out[1]);
    for (const auto& n : out) {
      CHECK(n.get<std::string>().rfind("backend-", 0) == 0);
      seen.insert(n.get<std::string>());
    }
    FakeTarget again = five_pods();
    CHECK(terminate(again, R"({"label_selector":"app=backend","ns":"lab3","rand":true,"qty":2})", seed).output() == out);
  }
  CHECK(seen.size() == 5);  // every backend pod gets picked for some seed
  CHECK(seen.count("backend-z") == 0);
}

TEST_CASE("terminate_pods: grace_period is passed on") {
  FakeTarget t = five_pods();
  terminate(t, R"({"label_selector":"app=client","ns":"lab3","grace_period":0})");
  REQUIRE(t.deletions.size() == 1);
  CHECK(t.deletions[0].name == "client-x");
  CHECK(t.deletions[0].grace == Duration::zero());
  FakeTarget u = five_pods();
  terminate(u, R"({"label_selector":"app=client","ns":"lab3","grace_period":45})");
  CHECK(u.deletions[0].grace == std::chrono::seconds(45));
}

TEST_CASE("pods_in_phase raises like chaosk8s, or returns false when asked not to") {
  FakeTarget t;
  t.add_pod("backend-1", "Running");
  t.add_pod("backend-2", "Pending");
  const char* m = "chaosk8s.pod.probes";
  ActivityRun r = run_one(t, m, "pods_in_phase", R"({"label_selector":"app=backend","ns":"lab3"})");
  CHECK_FALSE(r.succeeded);
  CHECK(r.error == "pod 'app=backend' is in phase 'Pending' but should be 'Running'");
  r = run_one(t, m, "pods_in_phase", R"({"label_selector":"app=backend","ns":"lab3","raise_on_invalid_phase":false})");
  CHECK(r.succeeded);
  CHECK(r.output() == false);
  r = run_one(t, m, "pods_in_phase", R"({"label_selector":"app=nothing","ns":"lab3"})");
  CHECK(r.error == "no pods 'app=nothing' were found");
  t.pods[1].phase = "Running";
  r = run_one(t, m, "pods_in_phase", R"({"label_selector":"app=backend","ns":"lab3"})");
  CHECK(r.output() == true);
}

TEST_CASE("count_pods and count_min_pods") {
  FakeTarget t;
  t.add_pod("backend-1", "Running");
  t.add_pod("backend-2", "Pending");
  t.add_pod("backend-3", "Running");
  const char* m = "chaosk8s.pod.probes";
  CHECK(run_one(t, m, "count_pods", R"({"label_selector":"app=backend","ns":"lab3"})").output() == 3);
  CHECK(run_one(t, m, "count_pods", R"({"label_selector":"app=backend","ns":"lab3","phase":"Pending"})").output() == 1);
  CHECK(run_one(t, m, "count_pods", R"({"label_selector":"app=backend"})").output() == 0);  // ns "default"
  CHECK(run_one(t, m, "count_min_pods", R"({"label_selector":"app=backend","ns":"lab3"})").output() == true);
  CHECK(run_one(t, m, "count_min_pods", R"({"label_selector":"app=backend","ns":"lab3","min_count":3})").output() == false);
}

TEST_CASE("all_pods_healthy looks at every pod of the namespace") {
  FakeTarget t;
  t.add_pod("backend-1", "Running");
  t.add_pod("job-1", "Succeeded", 0, {{"app", "job"}});
  const char* m = "chaosk8s.pod.probes";
  CHECK(run_one(t, m, "all_pods_healthy", R"({"ns":"lab3"})").output() == true);
  t.add_pod("client-1", "Pending", 0, {{"app", "client"}});
  CHECK(run_one(t, m, "all_pods_healthy", R"({"ns":"lab3"})").error == "the system is unhealthy");
  CHECK(run_one(t, m, "all_pods_healthy", R"({"ns":"lab3","raise_on_any_unhealthy":false})").output() == false);
}

TEST_CASE("deployment_available_and_healthy compares available with desired replicas") {
  FakeTarget t;
  const char* m = "chaosk8s.deployment.probes";
  const char* args = R"({"name":"backend","ns":"lab3"})";
  CHECK(run_one(t, m, "deployment_available_and_healthy", args).error == "Deployment 'backend' was not found");
  t.deployments["lab3/backend"] = DeploymentStatus{true, 2, 2, 2, 0};
  CHECK(run_one(t, m, "deployment_available_and_healthy", args).output() == true);
  t.deployments["lab3/backend"] = DeploymentStatus{true, 2, 1, 1, 1};
  CHECK(run_one(t, m, "deployment_available_and_healthy", args).error == "Deployment 'backend' is not healthy");
  // Scaled to zero: Kubernetes omits availableReplicas, chaosk8s sees None != 0.
  t.deployments["lab3/backend"] = DeploymentStatus{true, 0, 0, 0, 0};
  CHECK(run_one(t, m, "deployment_available_and_healthy", args).error == "Deployment 'backend' is not healthy");
  CHECK(run_one(t, m, "deployment_available_and_healthy", R"({"name":"backend","ns":"lab3","raise_on_unavailable":false})")
            .output() == false);
}

TEST_CASE("chaoslab.faults functions reach Target::fault with their arguments as written") {
  FakeTarget t;
  const ActivityRun r =
      run_one(t, "chaoslab.faults", "inject_latency", R"({"latency_ms":400,"probability":0.25,"duration_s":60})");
  CHECK(r.succeeded);
  REQUIRE(t.fault_calls.size() == 1);
  CHECK(t.fault_calls[0].first == "inject_latency");
  CHECK(t.fault_calls[0].second == Json{{"latency_ms", 400}, {"probability", 0.25}, {"duration_s", 60}});
  CHECK(r.output()["latency"]["latency_ms"] == 400.0);
  CHECK(r.output()["latency"]["remaining_s"] == 60.0);
}
