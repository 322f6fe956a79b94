#include "calibrate/kubernetes_json.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "policies/error.hpp"
#include "support.hpp"

using namespace chaoslab::calibrate;
using json = nlohmann::json;

namespace {

json load(const std::string& name) {
  std::ifstream in(fixture(name));
  return json::parse(in);
}

std::string error_of(const json& doc) {
  Observations obs;
  try {
    read_kubernetes_json(doc, "f.json", obs);
  } catch (const chaoslab::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

double at(const std::optional<Stamp>& s) { return static_cast<double>(s->us % 100000000) * 1e-6; }  // s within the 100 s

}  // namespace

TEST_CASE("kubernetes_json: a pod list: owners, deletion request time, conditions, init and app containers") {
  Observations obs;
  read_kubernetes_json(load("pods-during-restart.json"), "pods.json", obs);
  REQUIRE(obs.pods.size() == 3);
  const PodObs& old = obs.pods.at("lab3/backend-7d9c5b8f4-abcde");
  CHECK(old.owner == "ReplicaSet/backend-7d9c5b8f4");
  // deletionTimestamp 10:16:00 is the end of the 30 s grace period: requested at 10:15:30.
  CHECK(format_stamp(*old.deletion) == "2026-11-20T10:15:30.000000Z");
  CHECK(old.deletion->resolution_us == 1000000);
  CHECK(format_stamp(*old.containers.at("backend").finished) == "2026-11-20T10:15:31.000000Z");
  const PodObs& s = obs.pods.at("lab3/backend-7d9c5b8f4-xk2p9");
  CHECK_FALSE(s.deletion);
  CHECK(format_stamp(*s.scheduled) == "2026-11-20T10:15:30.000000Z");
  CHECK(format_stamp(*s.ready) == "2026-11-20T10:15:42.000000Z");
  CHECK(s.probe_period_s == 2.0);
  CHECK(s.grace_period_s == 30.0);
  CHECK(s.labels.at("app") == "backend");
  REQUIRE(s.containers.size() == 3);
  CHECK(s.containers.at("init:wait-config").init);
  CHECK(format_stamp(*s.containers.at("init:wait-config").running_since) == "2026-11-20T10:15:33.000000Z");
  CHECK(format_stamp(*s.containers.at("log-shipper").running_since) == "2026-11-20T10:15:37.000000Z");
  CHECK(obs.inputs == std::vector<std::string>{"pods.json"});
}

TEST_CASE("kubernetes_json: core/v1 events out of order: first Started per container, Killing as deletion, pulls") {
  Observations obs;
  read_kubernetes_json(load("events-core-v1.json"), "events.json", obs);
  const PodObs& old = obs.pods.at("lab3/backend-7d9c5b8f4-abcde");
  CHECK(old.deletion_source == "Killing event");
  CHECK(format_stamp(*old.deletion) == "2026-11-20T10:15:30.000000Z");
  const PodObs& s = obs.pods.at("lab3/backend-7d9c5b8f4-xk2p9");
  CHECK(s.owner == "ReplicaSet/backend-7d9c5b8f4");  // from SuccessfulCreate
  CHECK(format_stamp(*s.created) == "2026-11-20T10:15:30.000000Z");
  CHECK(format_stamp(*s.scheduled) == "2026-11-20T10:15:30.412345Z");  // the scheduler's eventTime
  CHECK(s.scheduled->resolution_us == 1);
  CHECK(format_stamp(*s.first_pulling) == "2026-11-20T10:15:31.000000Z");
  CHECK(format_stamp(*s.last_pulled) == "2026-11-20T10:15:36.000000Z");
  CHECK(format_stamp(*s.containers.at("backend").first_started_event) == "2026-11-20T10:15:36.000000Z");
  CHECK(s.containers.at("init:wait-config").init);
  CHECK_FALSE(s.ready);  // events do not say when a pod turned Ready
}

TEST_CASE("kubernetes_json: events.k8s.io/v1: regarding, note, eventTime in microseconds, deprecated fields") {
  Observations obs;
  read_kubernetes_json(load("events-events-k8s-io-v1.json"), "events.json", obs);
  const PodObs& old = obs.pods.at("lab3/backend-7d9c5b8f4-abcde");
  CHECK(format_stamp(*old.deletion) == "2026-11-20T10:15:30.268113Z");
  const PodObs& s = obs.pods.at("lab3/backend-7d9c5b8f4-xk2p9");
  CHECK(s.owner == "ReplicaSet/backend-7d9c5b8f4");
  CHECK(s.created->resolution_us == 1000000);  // deprecatedFirstTimestamp: whole seconds
  CHECK(at(s.containers.at("log-shipper").first_started_event) == doctest::Approx(37.105));
  CHECK(format_stamp(*s.last_pulled) == "2026-11-20T10:15:35.930000Z");
}

TEST_CASE("kubernetes_json: the pod list and both event shapes agree where they overlap") {
  Observations obs;
  read_kubernetes_json(load("pods-during-restart.json"), "pods.json", obs);
  read_kubernetes_json(load("events-core-v1.json"), "core.json", obs);
  const PodObs& s = obs.pods.at("lab3/backend-7d9c5b8f4-xk2p9");
  // The PodScheduled condition (10:15:30, whole seconds) and the Scheduled event (10:15:30.412345)
  // are one moment: the finer one is kept.
  CHECK(format_stamp(*s.scheduled) == "2026-11-20T10:15:30.412345Z");
  CHECK(format_stamp(*s.ready) == "2026-11-20T10:15:42.000000Z");
}

TEST_CASE("kubernetes_json: missing fields are skipped, wrong ones named") {
  json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p-1"}}}};
  Observations obs;
  read_kubernetes_json(pod, "f.json", obs);
  const PodObs& p = obs.pods.at("default/p-1");
  CHECK_FALSE(p.created);
  CHECK(p.containers.empty());
  CHECK_FALSE(p.probe_known);

  CHECK(error_of({{"kind", "Pod"}}) == "f.json: /metadata: missing (not a Pod object)");
  CHECK(error_of({{"kind", "Pod"}, {"metadata", {{"name", "p"}, {"creationTimestamp", "noon"}}}}) ==
        "f.json: /metadata/creationTimestamp: not an RFC 3339 time: \"noon\"");
  CHECK(error_of({{"kind", "List"}, {"items", {{{"kind", "Pod"}, {"metadata", {{"name", "p"}}}, {"status", {{"conditions", 3}}}}}}}) ==
        "f.json: /items/0/status/conditions: expected an array");
  CHECK(error_of({{"kind", "List"}, {"items", {{{"kind", "Event"}, {"reason", "Started"}}}}}) ==
        "f.json: /items/0/involvedObject: missing (an Event names the object it is about)");
  CHECK(error_of({{"kind", "List"}, {"items", json::array()}}) ==
        "f.json: no Pod or Event objects (expected `kubectl get pods -o json` or `kubectl get events -o json`)");
  CHECK_FALSE(is_kubernetes_json({{"hello", 1}}));
  CHECK(is_kubernetes_json({{"kind", "PodList"}, {"items", json::array()}}));
}
