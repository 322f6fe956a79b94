#include "tune/tune.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "../app/sweep_process.hpp"

using namespace chaoslab::app;
using chaoslab::test::run_chaoslab;
using chaoslab::test::ScratchDir;
using chaoslab::test::slurp;
using nlohmann::json;

namespace {

Estimate est(double mean, double half, std::size_t n = 100) { return {mean, mean - half, mean + half, n}; }

Candidate cand(std::size_t point, double cooldown, Estimate avail, double trials, double rps, double ttfs = 5) {
  Candidate c;
  c.point = point;
  c.cooldown_s = cooldown;
  c.availability = avail;
  c.failed_trials = est(trials, 0.1);
  c.backend_rps = est(rps, 0.01);
  c.time_to_first_success_s = est(ttfs, 0.5);
  return c;
}

}  // namespace

TEST_CASE("tune ranking: the cheapest candidate within the best one's interval wins") {
  std::vector<Candidate> cs = {
      cand(0, 0.5, est(0.30, 0.02), 5.0, 1.0),  // best availability, expensive
      cand(1, 2.0, est(0.29, 0.02), 2.0, 0.5),  // within 0.30 - 0.02: tied, and cheaper
      cand(2, 8.0, est(0.20, 0.02), 3.0, 0.6),  // worse on everything than point 1
      cand(3, 1.0, Estimate{}, 1.0, 0.1),       // no value: last
  };
  const Ranking r = rank_candidates(cs, TuneObjective::availability, 1, 1);
  REQUIRE(r.candidates.size() == 4);
  CHECK(r.candidates[0].point == 1);
  CHECK(r.candidates[1].point == 0);
  CHECK(r.candidates[2].point == 2);
  CHECK(r.candidates[3].point == 3);
  CHECK(r.candidates[0].rank == 1);
  CHECK(r.candidates[0].tied);
  CHECK(r.candidates[1].tied);
  CHECK_FALSE(r.candidates[2].tied);
  // cost = trials / 5 + rps / 1
  CHECK(r.candidates[0].cost == doctest::Approx(2.0 / 5 + 0.5));
  CHECK(r.candidates[1].cost == doctest::Approx(1.0 + 1.0));
  CHECK(r.candidates[0].pareto);   // cheaper than the best
  CHECK(r.candidates[1].pareto);   // the best availability
  CHECK_FALSE(r.candidates[2].pareto);  // point 1 beats it on all three
  CHECK_FALSE(r.candidates[3].pareto);
  CHECK(r.reason ==
        "The best objective is cool-down 0.5 s with 30% [28, 32] availability after recovery. 2 candidates come within its "
        "95% interval, so the seeds cannot tell them apart on the objective; among those, cool-down 2 s (29% [27, 31] "
        "availability after recovery) costs least: 2 failed half-open trials and 0.5 attempts/s on the recovering backend, "
        "against 5 and 1 for cool-down 0.5 s.");

  // Narrow intervals: nothing ties with the best, which then wins despite its cost.
  cs[0].availability = est(0.30, 0.005);
  const Ranking narrow = rank_candidates(cs, TuneObjective::availability, 1, 1);
  CHECK(narrow.candidates[0].point == 0);
  CHECK(narrow.reason.find("No other candidate comes within its 95% interval") != std::string::npos);

  // A tolerance wider than the interval ties them again, and says so.
  const Ranking tolerant = rank_candidates(cs, TuneObjective::availability, 1, 1, 0.011);
  CHECK(tolerant.candidates[0].point == 1);
  CHECK(tolerant.reason.find("2 candidates come within the tolerance (1.1 percentage points) of it, close enough to count "
                             "as equal on the objective") != std::string::npos);

  // Weights decide among tied candidates: point 1 has fewer failed trials but more load.
  cs[0].availability = est(0.30, 0.02);
  cs[1].backend_rps = est(1.5, 0.01);
  CHECK(rank_candidates(cs, TuneObjective::availability, 1, 0).candidates[0].point == 1);
  CHECK(rank_candidates(cs, TuneObjective::availability, 0, 1).candidates[0].point == 0);
}

TEST_CASE("tune ranking: the recovery objective prefers a shorter time to first success") {
  std::vector<Candidate> cs = {cand(0, 0.5, est(0.3, 0.01), 5, 1, 3.0), cand(1, 5, est(0.3, 0.01), 1, 0.2, 9.0)};
  cs[0].time_to_first_success_s = est(3.0, 0.2);
  cs[1].time_to_first_success_s = est(9.0, 0.2);
  const Ranking r = rank_candidates(cs, TuneObjective::recovery, 1, 1);
  CHECK(r.candidates[0].point == 0);
  CHECK_FALSE(r.candidates[1].tied);
}

TEST_CASE("tune candidates span the measured restart timing") {
  // Median outage 4.04 s, p95 4.12 s, current cool-down 1 s: a quarter... 4x p95, log-spaced.
  CHECK(default_cooldowns(4.04, 4.12, 1) ==
        std::vector<double>{0.25, 0.43, 0.72, 1, 1.2, 2, 3.4, 4, 4.1, 5.8, 9.8, 16});
  const auto tiny = default_cooldowns(0.05, 0.08, 0);
  CHECK(tiny.front() == 0.05);
  CHECK(tiny.back() == doctest::Approx(0.8));
}

TEST_CASE("tune: end to end on the lab3 chaos scenario, reproducible, with tune.json and a report") {
  ScratchDir s("tune");
  const std::string scenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";
  auto tune = [&](const std::string& out, const std::string& jobs) {
    return run_chaoslab({"tune", scenario, "--seeds", "20", "--pilot-seeds", "5", "--cooldowns", "0.5,2,8", "--set",
                         "/duration_s=120", "--out", (s / out).string(), "--jobs", jobs},
                        s.dir);
  };
  const auto a = tune("a", "2");
  REQUIRE(a.exit_code == 0);
  CHECK(a.err.empty());
  CHECK(a.out.find("tune: " + scenario + ": 3 cool-downs x 20 seeds, window 60 s after a ready endpoint is back\n") == 0);
  CHECK(a.out.find("\nrecommendation: cool-down ") != std::string::npos);
  CHECK(a.out.find("\nwhy: ") != std::string::npos);
  CHECK(a.out.find("report: " + (s / "a/report.html").string()) != std::string::npos);

  const json t = json::parse(slurp(s / "a/tune.json"));
  CHECK(t["format"] == "chaoslab-tune/1");
  REQUIRE(t["candidates"].size() == 3);
  CHECK(t["candidates"][0]["rank"] == 1);
  CHECK(t["recommendation"]["cooldown_s"] == t["candidates"][0]["cooldown_s"]);
  CHECK(t["restart_timing"]["pilot_runs"] == 5);
  CHECK(t["restart_timing"]["outage_p50_s"].get<double>() > 0);
  for (const auto& c : t["candidates"]) {
    CHECK(c["availability"]["n"] == 20);
    CHECK(c["availability"]["mean"].get<double>() >= 0);
    CHECK(c["availability"]["mean"].get<double>() <= 1);
  }
  CHECK(slurp(s / "a/report.html").find("Tuning: recommended cool-down") != std::string::npos);
  // Every run line carries the recovery-window metrics.
  CHECK(slurp(s / "a/runs.jsonl").find(",\"tune\":{\"availability\":") != std::string::npos);

  REQUIRE(tune("b", "1").exit_code == 0);
  CHECK(slurp(s / "a/tune.json") == slurp(s / "b/tune.json"));
  CHECK(slurp(s / "a/runs.jsonl") == slurp(s / "b/runs.jsonl"));
}

TEST_CASE("tune: a scenario without chaos is exit 2 with the reason") {
  ScratchDir s("tune-errors");
  const std::string scenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-phase-b.json";
  const auto r = run_chaoslab({"tune", scenario, "--out", (s / "x").string()}, s.dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "chaoslab: error: " + scenario +
                     ": /chaos: tune needs a scenario with a chaos experiment: the cool-down is tuned against the recovery it "
                     "causes\n");
}
