// `chaoslab compare`: percentile placement by hand, a simulated run compared with its own
// scenario (passes) and with another backend (fails, exit 1), bad options (exit 2), and the
// lab's 96.8-minute log against the lab's configuration when the reference folder is present.
#include "analysis/compare.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/error.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace chaoslab;
using namespace chaoslab::analysis;
using namespace chaoslab::test;  // Proc, run, scratch (support.hpp)

namespace {

const fs::path kSource = CHAOSLAB_SOURCE_DIR;
const fs::path kLab = "/work/shared/lab3-reference";

std::vector<std::optional<double>> one_to(int n) {
  std::vector<std::optional<double>> v;
  for (int i = n; i >= 1; --i) v.push_back(i);  // unsorted on purpose
  return v;
}

const std::string kPhaseB = (kSource / "scenarios/lab3-phase-b.json").string();

}  // namespace

TEST_CASE("place_metric: mid-rank percentile and numpy band edges") {
  // 1..100: the 1st percentile is 1 + 0.99 = 1.99, the 99th 99 + 0.01 = 99.01.
  const auto mid = place_metric("x", true, 50.0, one_to(100), 1, 99);
  CHECK(mid.percentile.value() == doctest::Approx(49.5));  // 49 below, 1 equal
  CHECK(mid.low.value() == doctest::Approx(1.99));
  CHECK(mid.median.value() == doctest::Approx(50.5));
  CHECK(mid.high.value() == doctest::Approx(99.01));
  CHECK(mid.verdict == MetricComparison::Verdict::pass);
  CHECK(mid.simulated_defined == 100);
  CHECK(place_metric("x", true, 1.0, one_to(100), 1, 99).verdict == MetricComparison::Verdict::fail);
  CHECK(place_metric("x", true, 99.0, one_to(100), 1, 99).verdict == MetricComparison::Verdict::pass);
  CHECK(place_metric("x", true, 100.0, one_to(100), 1, 99).verdict == MetricComparison::Verdict::fail);
  CHECK(place_metric("x", true, 100.0, one_to(100), 1, 99).percentile.value() == doctest::Approx(99.5));
  // A wider lower tail narrows the band: 5th to 95th = 5.95 .. 95.05.
  const auto narrow = place_metric("x", true, 5.0, one_to(100), 5, 95);
  CHECK(narrow.low.value() == doctest::Approx(5.95));
  CHECK(narrow.verdict == MetricComparison::Verdict::fail);
  // Counts tie: every run saw 0 refused calls and so did the observation.
  const std::vector<std::optional<double>> zeros(50, 0.0);
  const auto tie = place_metric("x", true, 0.0, zeros, 1, 99);
  CHECK(tie.percentile.value() == doctest::Approx(50.0));
  CHECK(tie.verdict == MetricComparison::Verdict::pass);
  CHECK(place_metric("x", true, 0.5, zeros, 1, 99).verdict == MetricComparison::Verdict::fail);
}

TEST_CASE("place_metric: 'never' ranks above every value") {
  std::vector<std::optional<double>> sim = one_to(90);
  sim.resize(100);  // 10 runs never recovered
  const auto never = place_metric("t", true, std::nullopt, sim, 1, 99);
  CHECK(never.percentile.value() == doctest::Approx(95.0));  // 90 below, 10 equal
  CHECK(never.verdict == MetricComparison::Verdict::pass);   // the 99th percentile is "never" too
  CHECK_FALSE(never.high.has_value());
  CHECK(never.simulated_defined == 90);
  // Observed never, but every run recovered: outside.
  CHECK(place_metric("t", true, std::nullopt, one_to(100), 1, 99).verdict == MetricComparison::Verdict::fail);
  // Observed recovered, every run never did: outside (below the band).
  const std::vector<std::optional<double>> nevers(100);
  CHECK(place_metric("t", true, 3.0, nevers, 1, 99).verdict == MetricComparison::Verdict::fail);
  // Nothing on either side: not applicable.
  CHECK(place_metric("t", true, std::nullopt, nevers, 1, 99).verdict == MetricComparison::Verdict::not_applicable);
}

TEST_CASE("compare: a simulated run lies inside its own scenario's band; another backend does not") {
  const fs::path same = scratch().dir / "same.jsonl", other = scratch().dir / "other.jsonl";
  REQUIRE(run({"run", kPhaseB, "--seed", "987654", "--set", "/duration_s=300", "--trace", same.string()}).code == 0);
  REQUIRE(run({"run", kPhaseB, "--seed", "987654", "--set", "/duration_s=300", "--set", "/backend/failure_rate=0.3",
               "--trace", other.string()})
              .code == 0);

  const Proc ok = run({"compare", kPhaseB, "--observed", same.string(), "--seeds", "100", "--json"});
  CHECK(ok.code == 0);
  const auto j = nlohmann::json::parse(ok.out);
  CHECK(j["pass"] == true);
  CHECK(j["runs"] == 100);
  CHECK(j["band"]["low_pct"] == 1.0);
  CHECK(j["band"]["high_pct"] == 99.0);
  CHECK(j["observed"]["format"] == "trace");
  // Simulated as long as the trace lasted (its last event, just under 300 s).
  CHECK(j["simulated_duration_s"].get<double>() == doctest::Approx(j["observed"]["duration_s"].get<double>()));
  CHECK(j["simulated_duration_s"].get<double>() > 290.0);
  int main_metrics = 0;
  for (const auto& m : j["metrics"]) {
    if (m["main"] == true) {
      ++main_metrics;
      CHECK_MESSAGE(m["verdict"] == "pass", m["name"].get<std::string>());
    }
  }
  CHECK(main_metrics == 6);  // rates; the two recovery times join them with chaos
  REQUIRE(j["durations"].size() == 3);
  CHECK(j["durations"][1]["name"] == "retry_wait_s");
  CHECK(j["durations"][1]["ks"]["p_value"].get<double>() > 0.01);  // tenacity's formula on both sides

  // failure_rate 0.3 instead of 0.7: far more successes per minute than the lab's backend allows.
  const Proc bad = run({"compare", kPhaseB, "--observed", other.string(), "--seeds", "100"});
  CHECK(bad.code == 1);
  CHECK(bad.out.find("FAIL: a main metric (*) lies outside the simulated band") != std::string::npos);
  CHECK(bad.out.find("calls_per_min.ok *") != std::string::npos);
}

TEST_CASE("compare: the same options give the same comparison") {
  const fs::path t = scratch().dir / "det.jsonl";
  REQUIRE(run({"run", kPhaseB, "--seed", "5", "--set", "/duration_s=120", "--trace", t.string()}).code == 0);
  CompareOptions o;
  o.scenario = kPhaseB;
  o.observed = t.string();
  o.runs = 20;
  o.seed = 42;
  const auto a = comparison_to_json(compare_observed(o)).dump();
  const auto b = comparison_to_json(compare_observed(o)).dump();
  CHECK(a == b);
  o.seed = 43;
  CHECK(comparison_to_json(compare_observed(o)).dump() != a);
}

TEST_CASE("compare: bad options are errors with exit 2") {
  const fs::path t = scratch().dir / "opts.jsonl";
  REQUIRE(run({"run", kPhaseB, "--set", "/duration_s=30", "--trace", t.string()}).code == 0);
  const Proc band = run({"compare", kPhaseB, "--observed", t.string(), "--band", "60"});
  CHECK(band.code == 2);
  CHECK(band.err.find("--band: ") != std::string::npos);
  const Proc runs = run({"compare", kPhaseB, "--observed", t.string(), "--seeds", "1"});
  CHECK(runs.code == 2);
  CHECK(runs.err == "chaoslab: error: compare: --seeds: \"1\": must be from 2 to 10000000 (see `chaoslab help compare`)\n");
  // The old spellings (--scenario FILE, --runs N) are hidden aliases of the positional and --seeds.
  const Proc old = run({"compare", "--scenario", kPhaseB, "--observed", t.string(), "--runs", "5", "--json"});
  CHECK(old.code != 2);
  CHECK(old.out == run({"compare", kPhaseB, "--observed", t.string(), "--seeds", "5", "--json"}).out);
  const Proc nosc = run({"compare", (scratch().dir / "none.json").string(), "--observed", t.string()});
  CHECK(nosc.code == 2);
  const Proc noobs = run({"compare", kPhaseB, "--observed", (scratch().dir / "none.log").string()});
  CHECK(noobs.code == 2);
  CHECK(noobs.err.find("none.log: cannot read") != std::string::npos);
  // --out that cannot be written (a file where its folder would be): exit 3 naming it, nothing
  // left behind. A folder that is only missing is created (docs/cli.md).
  std::ofstream(scratch().dir / "a-file") << "x";
  const fs::path blocked = scratch().dir / "a-file/c.json";
  const Proc out = run({"compare", kPhaseB, "--observed", t.string(), "--seeds", "5", "--out", blocked.string()});
  CHECK(out.code == 3);
  CHECK(out.err.find("cannot write " + blocked.string()) != std::string::npos);
  CHECK_FALSE(fs::exists(blocked.string() + ".tmp"));
  const Proc made = run({"compare", kPhaseB, "--observed", t.string(), "--seeds", "5", "--out",
                         (scratch().dir / "new-dir/c.json").string()});
  CHECK(made.code <= 1);  // in or out of band: the comparison was written either way
  CHECK(fs::exists(scratch().dir / "new-dir/c.json"));
  const Proc set = run({"compare", kPhaseB, "--observed", t.string(), "--set", "/backend/failure_rate=2"});
  CHECK(set.code == 2);
  CHECK(set.err.find("/backend/failure_rate") != std::string::npos);
}

// The prediction docs/lab3.md reports: the lab's configuration, no calibration to this log.
TEST_CASE("compare: the lab's 96.8-minute log against lab3-phase-b") {
  const fs::path log = kLab / "result/c/chaos_client.log";
  if (!fs::exists(log)) {
    MESSAGE("skipped: " << log << " is not on this machine");
    return;
  }
  CompareOptions o;
  o.scenario = kPhaseB;
  o.observed = log.string();
  o.runs = 200;
  o.seed = 1;
  const Comparison c = compare_observed(o);
  CHECK(c.simulated_duration_s == doctest::Approx(5807.923));
  CHECK(c.pass);
  for (const auto& m : c.metrics)
    if (m.main) CHECK_MESSAGE(m.verdict == MetricComparison::Verdict::pass, m.name);
  // Retry waits and breaker episodes: one distribution each side.
  for (const auto& d : c.durations) {
    if (d.name == "retry_wait_s" || d.name == "episode_s") CHECK_MESSAGE(d.ks.p_value > 0.05, d.name);
    // OPEN lasts 4 loop turns: 4 x 0.300 s simulated, 4 x ~0.303 s in the lab (its loop's own
    // time); the test sees the difference, as it should.
    if (d.name == "open_duration_s") CHECK(d.ks.d > 0.9);
  }
}
