// The scenario sweep model on the real lab3 chaos scenario: the files of a fixed 1,000-run sweep
// are pinned by digest, so a faster runner, writer or simulator cannot change a byte unnoticed.
#include "sim/sweep_sim.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "policies/error.hpp"
#include "sim/sweep_runner.hpp"
#include "sim/sweep_spec.hpp"
#include "../support/files.hpp"

using nlohmann::json;
namespace sim = chaoslab::sim;
namespace fs = std::filesystem;

namespace {

// 10 cool-downs (a log range: non-integer parameters) x 100 seeds of lab3-chaos, 600 virtual s.
sim::SweepSpec pinned_spec() {
  const json doc = {{"scenario", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json"},
                    {"axes", json::array({{{"name", "cooldown_s"},
                                           {"pointer", "/policies/breaker/reset_timeout"},
                                           {"log", {{"from", 0.5}, {"to", 30}, {"count", 10}}}}})},
                    {"seeds", {{"count", 100}, {"first", 1}}}};
  return sim::parse_sweep(doc, "pinned-sweep", fs::current_path());
}

std::string hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Recorded from the code before the sweep throughput work (issue 15). A change here is a change
// in simulation results or in the file format: it needs a reason, not a new constant.
constexpr const char* kRunsDigest = "8209aa9b5d6710e8";
constexpr const char* kSummaryDigest = "37f6c433b022ba47";
constexpr std::size_t kRunsBytes = 767340;

}  // namespace

TEST_CASE("a 1,000-run lab3-chaos sweep writes the pinned bytes with 1, 2 and 3 jobs") {
  chaoslab::test::ScratchDir s("sweep-sim");
  const auto spec = pinned_spec();
  const auto model = sim::make_scenario_model(spec);
  for (int jobs : {1, 2, 3}) {
    CAPTURE(jobs);
    sim::SweepOptions o;
    std::string name = "j";  // appended: GCC 12 warns falsely on "literal" + string
    name += std::to_string(jobs);
    o.out_dir = s.dir / name;
    o.jobs = jobs;
    if (jobs == 3) o.window = 5;  // workers wait for the writer
    const auto r = sim::run_sweep(spec, *model, o);
    CHECK(r.ran == 1000);
    const std::string runs = chaoslab::test::slurp(o.out_dir / "runs.jsonl");
    const std::string summary = chaoslab::test::slurp(o.out_dir / "summary.csv");
    INFO("runs.jsonl ", runs.size(), " bytes, fnv1a64 ", hex(sim::fnv1a64(runs)), "; summary.csv fnv1a64 ",
            hex(sim::fnv1a64(summary)));
    CHECK(runs.size() == kRunsBytes);
    CHECK(hex(sim::fnv1a64(runs)) == kRunsDigest);
    CHECK(hex(sim::fnv1a64(summary)) == kSummaryDigest);
  }
}

TEST_CASE("validation on several threads keeps its scenarios for the run: the pinned bytes, the first error") {
  chaoslab::test::ScratchDir s("sweep-validate");
  const auto spec = pinned_spec();
  const auto model = sim::make_scenario_model(spec);
  sim::validate_sweep(spec, *model, 2);  // every point loaded here, none again by the run
  sim::SweepOptions o;
  o.out_dir = s.dir / "validated";
  o.jobs = 2;
  CHECK(sim::run_sweep(spec, *model, o).ran == 1000);
  const std::string runs = chaoslab::test::slurp(o.out_dir / "runs.jsonl");
  CHECK(hex(sim::fnv1a64(runs)) == kRunsDigest);
  CHECK(hex(sim::fnv1a64(chaoslab::test::slurp(o.out_dir / "summary.csv"))) == kSummaryDigest);

  // Two bad levels: the error names the first in the file's order, whichever thread saw it.
  const json bad = {{"scenario", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json"},
                    {"axes", json::array({{{"name", "cd"},
                                           {"pointer", "/policies/breaker/reset_timeout"},
                                           {"values", {1, 2, -2, 3, -3, 4}}}})}};
  const auto bad_spec = sim::parse_sweep(bad, "bad-sweep", fs::current_path());
  for (int jobs : {1, 2, 4}) {
    CAPTURE(jobs);
    const auto m = sim::make_scenario_model(bad_spec);
    try {
      sim::validate_sweep(bad_spec, *m, jobs);
      FAIL("no error");
    } catch (const chaoslab::ConfigError& e) {
      CHECK(std::string(e.what()).find("bad-sweep: /axes/0/values/2 (cd = -2): ") == 0);
    }
  }
}
