// liveplan::make_plan on the shipped live-check scenario: what local live mode runs is what the
// simulator read (seed, duration, clients, backend rates, pod timings), the experiment's URLs are
// the run's own services, and what local live mode cannot run is a ConfigError naming the file.
#include "liveplan/live_plan.hpp"

#include <doctest/doctest.h>

#include <string>

#include "policies/error.hpp"
#include "policies/rng.hpp"
#include "policies/time.hpp"

using namespace chaoslab;

namespace {

const std::string kScenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/live-check.json";

std::string error_of(const std::vector<std::pair<std::string, std::string>>& overrides) {
  try {
    (void)liveplan::make_plan(sim::load_scenario_file(kScenario, overrides), "sc.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("liveplan: the live-check scenario as a plan") {
  const sim::Scenario sc = sim::load_scenario_file(kScenario);
  const live::LivePlan plan = liveplan::make_plan(sc, "sc.json");
  CHECK(plan.scenario_file == "sc.json");
  CHECK(plan.scenario_name == "live-check");
  CHECK(plan.seed == 11);
  CHECK(plan.duration == std::chrono::seconds(40));
  REQUIRE(plan.clients.size() == 1);
  CHECK(plan.clients[0].count == 1);
  CHECK(plan.clients[0].config.target == sc.clients[0].config.target);
  CHECK(plan.failure_rate == doctest::Approx(0.2));
  CHECK(plan.slow_rate == doctest::Approx(0.3));
  CHECK(plan.max_delay_ms == 800);
  CHECK(plan.pods.grace_period == std::chrono::seconds(2));
  REQUIRE(plan.pods.readiness.has_value());
  CHECK(plan.pods.readiness->period == std::chrono::milliseconds(250));
  // The delays draw from the scenario's distributions: replace_delay_s is the constant 0.02.
  Rng rng(1);
  CHECK(to_seconds(plan.pods.replace_delay(rng)) == doctest::Approx(0.02));
  const double sched = to_seconds(plan.pods.scheduling(rng));
  CHECK(sched >= 0.01);
  CHECK(sched <= 0.1);

  // The experiment is loaded against this run's endpoints, not the caller's environment.
  REQUIRE(plan.load_experiment);
  const auto e = plan.load_experiment({"http://127.0.0.1:1234", "http://127.0.0.1:1235", "token"});
  REQUIRE(e != nullptr);
  CHECK(e->configuration.value("backend_url", "") == "http://127.0.0.1:1234");
  CHECK(e->configuration.value("client_url", "") == "http://127.0.0.1:1235");
}

TEST_CASE("liveplan: what local live mode cannot run is a ConfigError naming the file") {
  CHECK(error_of({{"/kubernetes/replicas", "2"}}) ==
        "sc.json: local live mode runs one backend replica, the scenario has 2 (use `chaoslab run`, or Kubernetes)");
  CHECK(error_of({{"/backend/behaviour", "\"service_time\""}, {"/backend/service_time_ms", "10"}}) ==
        "sc.json: /backend: local live mode runs the lab's backend (behaviour lab3) only");
}
