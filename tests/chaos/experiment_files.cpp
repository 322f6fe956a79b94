// The experiment files shipped in chaos/ load, and the pod-kill experiment runs end to end.
#include <doctest/doctest.h>

#include <filesystem>

#include "chaos/experiment.hpp"
#include "chaos/faults.hpp"
#include "chaos/runner.hpp"
#include "fakes.hpp"

using namespace chaoslab;
using namespace chaoslab::chaos;
using chaoslab::chaos::testing::experiment_from;
using chaoslab::chaos::testing::FakeTarget;

namespace {

std::filesystem::path chaos_dir() { return std::filesystem::path(CHAOSLAB_SOURCE_DIR) / "chaos"; }

LoadOptions no_env() {
  LoadOptions o;
  o.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return o;
}

}  // namespace

TEST_CASE("every chaos/*.json file loads without warnings") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(chaos_dir())) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    CAPTURE(entry.path().string());
    const Experiment e = load_experiment(entry.path(), no_env());
    CHECK_FALSE(e.title.empty());
    CHECK_FALSE(e.method.empty());
    CHECK(e.warnings.empty());
  }
  CHECK(files >= 5);
}

TEST_CASE("kill-backend-pod.json: satisfiable hypothesis, the lab's pauses, in-cluster URLs by default") {
  const Experiment e = load_experiment(chaos_dir() / "kill-backend-pod.json", no_env());
  REQUIRE(e.hypothesis);
  REQUIRE(e.hypothesis->probes.size() == 2);
  const Activity& health = e.hypothesis->probes[0];
  CHECK(health.tolerance->kind == Tolerance::Kind::integer);
  CHECK(health.tolerance->value == 200);
  CHECK(std::get<HttpCall>(health.provider).url == "http://client.lab3.svc.cluster.local:8001/health");
  const auto& running = std::get<PythonCall>(e.hypothesis->probes[1].provider);
  CHECK(running.function == Function::pods_in_phase);
  CHECK(running.arguments["ns"] == "lab3");
  CHECK(running.arguments["label_selector"] == "app=backend");
  const Activity& kill = e.method.at(0);
  CHECK(std::get<PythonCall>(kill.provider).function == Function::terminate_pods);
  CHECK(kill.pauses.before == std::chrono::seconds(5));
  CHECK(kill.pauses.after == std::chrono::seconds(30));

  LoadOptions local = no_env();
  local.getenv = [](const std::string& k) -> std::optional<std::string> {
    if (k == "CHAOSLAB_CLIENT_URL") return "http://127.0.0.1:18001";
    return std::nullopt;
  };
  const Experiment l = load_experiment(chaos_dir() / "kill-backend-pod.json", local);
  CHECK(std::get<HttpCall>(l.hypothesis->probes[0].provider).url == "http://127.0.0.1:18001/health");
}

TEST_CASE("kill-backend-pod.json completes against a healthy cluster in 35 s of run time") {
  const Experiment e = load_experiment(chaos_dir() / "kill-backend-pod.json", no_env());
  FakeTarget t;
  t.add_pod("backend-869958bc8d-wlvb2");
  t.answer("http://client.lab3.svc.cluster.local:8001/health", 200, R"({"state":"closed"})", std::chrono::milliseconds(2));
  Rng rng(3);
  ExperimentRunner runner(t, e, rng);
  runner.start();
  t.rt.run();
  CHECK(runner.status() == RunStatus::completed);
  CHECK_FALSE(runner.would_exit_nonzero());
  CHECK(t.deletions.size() == 1);
  CHECK(to_seconds(runner.ended_at()) == doctest::Approx(35.006));
}

TEST_CASE("the lab's original tolerance (true against an http probe) can never be met") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "steady-state-hypothesis":{"title":"Client remains responsive","probes":[{"name":"client-health","type":"probe",
      "tolerance":true,"provider":{"type":"http","timeout":3,"verify_tls":false,"url":"http://client/health"}}]},
    "method":[{"type":"action","name":"terminate","provider":{"type":"python","module":"chaosk8s.pod.actions",
      "func":"terminate_pods","arguments":{"label_selector":"app=backend","ns":"lab3","rand":true}}}]})");
  FakeTarget t;
  t.add_pod("backend-1");
  t.answer("http://client/", 200, R"({"state":"closed"})");
  Rng rng(1);
  ExperimentRunner runner(t, e, rng);
  runner.start();
  t.rt.run();
  CHECK(runner.status() == RunStatus::failed);
  CHECK(runner.steady_state_before()->probes[0].succeeded);
  CHECK(runner.steady_state_before()->probes[0].tolerance_met == false);
  CHECK(t.deletions.empty());
}

TEST_CASE("the http fault experiments post the /admin/faults body the live backend parses") {
  for (const char* file : {"latency-injection.json", "error-burst.json"}) {
    CAPTURE(file);
    const Experiment e = load_experiment(chaos_dir() / file, no_env());
    const auto& inject = std::get<HttpCall>(e.method.at(0).provider);
    CHECK(inject.method == "POST");
    CHECK(inject.url == "http://backend.lab3.svc.cluster.local:8000/admin/faults");
    CHECK(inject.headers.at("Authorization") == "Bearer chaoslab-lab3-admin");
    const FaultRequest fr = parse_fault_request(inject.arguments);  // what POST /admin/faults does with the body
    CHECK_FALSE(fr.action.empty());
    CHECK(e.rollback_strategy == RollbackStrategy::always);
    CHECK(parse_fault_request(std::get<HttpCall>(e.rollbacks.at(0).provider).arguments).action == "clear");
  }
}
