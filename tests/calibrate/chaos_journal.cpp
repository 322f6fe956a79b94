#include "calibrate/chaos_journal.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "policies/error.hpp"
#include "support.hpp"

using namespace chaoslab::calibrate;
using json = nlohmann::json;

TEST_CASE("chaos_journal: chaostoolkit's terminate_pods names no pod: a kill by selector, timed by the action") {
  std::ifstream in(fixture("journal-pod-kill.json"));
  const json doc = json::parse(in);
  REQUIRE(is_chaos_journal(doc));
  Observations obs;
  read_chaos_journal(doc, "journal.json", obs);
  CHECK(obs.pods.empty());
  REQUIRE(obs.anonymous_kills.size() == 1);
  const auto& k = obs.anonymous_kills[0];
  CHECK(k.ns == "lab3");
  CHECK(k.selector == "app=backend");
  CHECK(format_stamp(k.at) == "2026-11-22T14:00:05.291847Z");
  CHECK(k.at.resolution_us == 88536);  // the deletion happened somewhere inside the action
}

TEST_CASE("chaos_journal: chaoslab's journal names the pods it deleted; failed actions are not kills") {
  json doc = {{"experiment", json::object()},
              {"run",
               {{{"activity", {{"type", "action"}, {"provider", {{"type", "python"}, {"func", "terminate_pods"}, {"arguments", {{"ns", "lab3"}}}}}}},
                 {"status", "succeeded"}, {"start", "2026-01-01T00:00:01.000000"}, {"end", "2026-01-01T00:00:01.000500"},
                 {"output", {"backend-abc-1"}}},
                {{"activity", {{"type", "action"}, {"provider", {{"type", "python"}, {"func", "terminate_pods"}}}}},
                 {"status", "failed"}, {"start", "2026-01-01T00:00:09"}, {"end", "2026-01-01T00:00:09"}}}}};
  Observations obs;
  read_chaos_journal(doc, "j.json", obs);
  CHECK(obs.anonymous_kills.empty());
  REQUIRE(obs.pods.count("lab3/backend-abc-1"));
  CHECK(obs.pods.at("lab3/backend-abc-1").deletion->resolution_us == 500);
  CHECK(obs.notes.size() == 1);
  doc["run"][0]["end"] = "later";
  CHECK_THROWS_WITH_AS(read_chaos_journal(doc, "j.json", obs), "j.json: /run/0/end: not an ISO 8601 time: \"later\"",
                       chaoslab::ConfigError);
}
