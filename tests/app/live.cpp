// `chaoslab live`: a compressed scenario with a pod kill, run for real on loopback.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../live/process_support.hpp"

using chaoslab::testing::Chaoslab;
using chaoslab::testing::read_text;
using namespace std::chrono_literals;

TEST_CASE("chaoslab live: a pod kill shows in the trace, the journal and the summary") {
  const std::string fixture = std::string(CHAOSLAB_SOURCE_DIR) + "/tests/app/fixtures/live-kill.json";
  const std::string out = chaoslab::testing::temp_dir("live") + "/run";
  Chaoslab p({"live", fixture, "--out", out, "--json"});
  auto st = p.wait(28s);
  REQUIRE_MESSAGE(st, p.err());
  CHECK(st->code == 0);

  // Trace: pods, refused attempts after the kill, breaker open then closed after the restart.
  std::istringstream trace(read_text(out + "/trace.jsonl"));
  std::string line;
  std::vector<nlohmann::json> ev;
  while (std::getline(trace, line)) ev.push_back(nlohmann::json::parse(line));
  REQUIRE(!ev.empty());
  CHECK(ev[0]["event"] == "meta");
  CHECK(ev[0]["source"] == "live");
  CHECK(ev[0]["seed"] == 7);
  double killed = -1, deleted = -1, refused = -1, opened = -1, replacement_ready = -1, closed = -1,
         ok_after = -1, first_ok_after_kill = -1;
  for (const auto& e : ev) {
    const double t = e["t"];
    const std::string kind = e["event"];
    if (kind == "pod" && e["pod"] == "backend-1" && e["phase"] == "Terminating" && killed < 0) killed = t;
    if (kind == "pod" && e["pod"] == "backend-1" && e["phase"] == "Deleted") deleted = t;
    if (kind == "pod" && e["pod"] == "backend-2" && e["ready"] == true && replacement_ready < 0) replacement_ready = t;
    if (kind == "attempt" && e["outcome"] == "refused" && killed >= 0 && refused < 0) refused = t;
    if (kind == "transition" && e["to"] == "open" && killed >= 0 && opened < 0) opened = t;
    if (kind == "transition" && e["to"] == "closed" && opened >= 0) closed = t;
    if (kind == "call" && e["outcome"] == "ok" && replacement_ready >= 0 && ok_after < 0) ok_after = t;
    if (kind == "attempt" && e["outcome"] == "ok" && deleted >= 0 && first_ok_after_kill < 0) {
      // Sent once the old process was gone: answered by the successor, which the Service routes
      // to only once it is ready (plus the endpoint delay). Not from "Terminating": as on
      // Kubernetes, the old pod may still answer until its endpoint is removed.
      if (t - e["latency_ms"].get<double>() / 1000 > deleted) first_ok_after_kill = t;
    }
  }
  CHECK(killed > 1.5);  // chaos starts at 1 s, the action after a 1 s pause
  CHECK(deleted >= killed);
  CHECK(refused >= killed);
  CHECK(opened >= refused);
  CHECK(replacement_ready > deleted);
  CHECK(closed > opened);
  CHECK(ok_after > 0);
  CHECK(first_ok_after_kill >= replacement_ready);

  // Journal: a completed Chaos Toolkit run that deleted backend-1.
  auto journal = nlohmann::json::parse(read_text(out + "/journal.json"));
  CHECK(journal["status"] == "completed");
  CHECK(journal["deviated"] == false);
  CHECK(journal["platform"] == "chaoslab live");
  REQUIRE(journal["run"].size() == 1);
  CHECK(journal["run"][0]["status"] == "succeeded");
  CHECK(journal["run"][0]["output"] == nlohmann::json::array({"backend-1"}));

  // Summary: the same object the simulator writes, on stdout too.
  auto summary = nlohmann::json::parse(read_text(out + "/summary.json"));
  CHECK(summary == nlohmann::json::parse(p.out()));
  CHECK(summary["seed"] == 7);
  CHECK(summary["calls"]["total"].get<int>() > 20);
  CHECK(summary["transitions"]["closed_to_open"].get<int>() >= 1);
  CHECK(summary["recovery"].is_object());
  CHECK(std::filesystem::exists(out + "/backend-1.log"));
  CHECK(read_text(out + "/backend-2.log").find("listening on 127.0.0.1:") != std::string::npos);
}

TEST_CASE("chaoslab live: scenarios it cannot run locally are errors naming the file") {
  const std::string fixture = std::string(CHAOSLAB_SOURCE_DIR) + "/tests/app/fixtures/live-kill.json";
  Chaoslab p({"live", fixture, "--set", "/kubernetes/replicas=2", "--out", chaoslab::testing::temp_dir("live")});
  auto st = p.wait();
  REQUIRE(st);
  CHECK(st->code == 2);
  CHECK(p.err() == "chaoslab: error: " + fixture +
                       ": local live mode runs one backend replica, the scenario has 2 (use `chaoslab run`, or Kubernetes)\n");
  Chaoslab bad({"live", fixture, "--set", "/backend/failure_rate=2"});
  CHECK(bad.wait()->code == 2);
  CHECK(bad.err().find("/backend/failure_rate") != std::string::npos);
}
