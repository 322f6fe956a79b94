#include "calibrate/pairing.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "calibrate/chaos_journal.hpp"
#include "calibrate/kubernetes_json.hpp"
#include "policies/error.hpp"
#include "support.hpp"

using namespace chaoslab::calibrate;
using json = nlohmann::json;

namespace {

Observations read(const std::vector<std::string>& names) {
  Observations obs;
  for (const auto& n : names) {
    std::ifstream in(fixture(n));
    const json doc = json::parse(in);
    if (is_chaos_journal(doc))
      read_chaos_journal(doc, n, obs);
    else
      read_kubernetes_json(doc, n, obs);
  }
  return obs;
}

std::vector<double> values(const Measurements& m, const std::string& key) {
  const auto it = m.phases.find(key);
  return it == m.phases.end() ? std::vector<double>{} : it->second.values;
}

std::string measure_error(const std::vector<std::string>& names) {
  try {
    measure_restarts(read(names));
  } catch (const chaoslab::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("pairing: pods and events: every phase of one restart, image pull and init container included") {
  const Measurements m = measure_restarts(read({"pods-during-restart.json", "events-core-v1.json"}));
  REQUIRE(m.pairs.size() == 1);
  CHECK(m.pairs[0].deleted == "lab3/backend-7d9c5b8f4-abcde");
  CHECK(m.pairs[0].successor == "lab3/backend-7d9c5b8f4-xk2p9");  // not the client pod
  CHECK(values(m, "replace_delay_s") == std::vector<double>{0.0});
  REQUIRE(values(m, "scheduling_s").size() == 1);
  CHECK(values(m, "scheduling_s")[0] == doctest::Approx(0.412345));
  // Scheduled (30.412345) -> the last app container's first start (log-shipper, 37).
  CHECK(values(m, "container_start_s")[0] == doctest::Approx(6.587655));
  // Started 37 -> Ready 42, less half the 2 s probe period.
  CHECK(values(m, "app_start_s") == std::vector<double>{4.0});
  CHECK(values(m, "shutdown_s") == std::vector<double>{1.0});
  CHECK(m.phases.at("scheduling_s").resolution_us == 1000000);
  CHECK(m.image_pull_s == std::vector<double>{5.0});
  CHECK(m.readiness_period_s == 2.0);
  CHECK(m.grace_period_s == 30.0);
  CHECK(values(m, "endpoint_delay_s").empty());
  CHECK(m.phases.at("endpoint_delay_s").skipped.size() == 1);
}

TEST_CASE("pairing: events.k8s.io/v1 alone: microsecond phases, Ready not measured and said so") {
  const Measurements m = measure_restarts(read({"events-events-k8s-io-v1.json"}));
  REQUIRE(m.pairs.size() == 1);
  CHECK(m.pairs[0].deletion_source == "Killing event");
  // SuccessfulCreate has whole seconds (10:15:30), the Killing event 10:15:30.268113: zero to the clock.
  CHECK(values(m, "replace_delay_s") == std::vector<double>{0.0});
  CHECK(values(m, "container_start_s")[0] == doctest::Approx(37.105 - 30.412345));
  CHECK(values(m, "app_start_s").empty());
  CHECK(m.phases.at("app_start_s").skipped.at(0) == "lab3/backend-7d9c5b8f4-xk2p9: never Ready in the inputs");
  CHECK(values(m, "shutdown_s").empty());
}

TEST_CASE("pairing: CrashLoopBackOff successors: a first start from lastState, or none, and Ready not trusted") {
  const Measurements m = measure_restarts(read({"pods-crashloop.json"}));
  REQUIRE(m.pairs.size() == 2);
  CHECK(m.pairs[0].successor == "shop/api-6c7d8e9f0-new22");
  CHECK(m.pairs[1].successor == "shop/worker-1a2b3c4d5-new44");
  CHECK(m.crash_restarts == 4);
  // api: deleted 12:00:11 - 10 s (the spec's grace), created 12:00:01, first run started 12:00:03.
  CHECK(values(m, "replace_delay_s") == std::vector<double>{0.0, 0.0});
  CHECK(values(m, "container_start_s") == std::vector<double>{2.0});
  const auto& skipped = m.phases.at("container_start_s").skipped;
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0] == "shop/worker-1a2b3c4d5-new44: container worker restarted 3 times and no Started event records its first start");
  CHECK(values(m, "app_start_s").empty());
  CHECK(m.phases.at("app_start_s").skipped[0] ==
        "shop/api-6c7d8e9f0-new22: restarted 1 times, so its Ready condition is from a later start");
  // worker's old pod ran to the end of its grace period (SIGKILL).
  CHECK(values(m, "shutdown_s") == std::vector<double>{10.0});
}

TEST_CASE("pairing: a Chaos Toolkit journal and the pod list taken after the kill") {
  const Measurements m = measure_restarts(read({"journal-pod-kill.json", "pods-successor-only.json"}));
  REQUIRE(m.pairs.size() == 1);
  CHECK(m.pairs[0].deleted.empty());
  CHECK(m.pairs[0].successor == "lab3/backend-7d9c5b8f4-m3n4p");
  CHECK(values(m, "container_start_s") == std::vector<double>{2.0});
  CHECK(values(m, "app_start_s").empty());  // no readiness probe: Ready comes with the start
  CHECK(m.no_probe);
}

TEST_CASE("pairing: no deletion, no successor") {
  CHECK(measure_error({"pods-no-deletion.json"}).rfind("no pod deletions found in pods-no-deletion.json", 0) == 0);
  CHECK(measure_error({"pods-no-successor.json"}) ==
        "no successor for the deleted pod lab3/backend-7d9c5b8f4-abcde (no pod of ReplicaSet/backend-7d9c5b8f4 created "
        "after 2026-11-20T10:15:30.000000Z) in pods-no-successor.json");
  // A kill by selector needs a pod the selector matches, created after it.
  CHECK(measure_error({"journal-pod-kill.json", "pods-no-deletion.json"}) ==
        "no successor for the deleted pod lab3/? (journal-pod-kill.json) (no pod of selector app=backend created after "
        "2026-11-22T14:00:05.291847Z) in journal-pod-kill.json, pods-no-deletion.json");
}
