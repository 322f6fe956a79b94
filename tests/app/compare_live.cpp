// The CI check of the simulator against reality (docs/validation.md): a 40-second local live run
// of scenarios/live-check.json (the lab client, the backend pod killed 5 s in, compressed pod
// timings), then `chaoslab compare` of its trace against 300 simulations of the same scenario.
// Every main metric of the live run must lie inside the simulated 1st-99th percentile band. When
// it does not, the simulator or the live runtime is wrong: find which, do not widen the band.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep_process.hpp"

namespace fs = std::filesystem;

namespace {

struct Proc {
  int code = -1;
  std::string out, err;
};

Proc run(const fs::path& dir, const std::vector<std::string>& args) {
  const auto r = chaoslab::test::run_chaoslab(args, dir);
  return {r.exit_code, r.out, r.err};
}

}  // namespace

TEST_CASE("compare_live: a local live chaos run lies inside the simulator's band") {
  const fs::path dir = fs::temp_directory_path() / ("chaoslab-compare-live-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string scenario = (fs::path(CHAOSLAB_SOURCE_DIR) / "scenarios/live-check.json").string();
  const fs::path out = dir / "live";

  const Proc live = run(dir, {"live", scenario, "--seed", "11", "--out", out.string()});
  INFO("chaoslab live stderr: " << live.err);
  REQUIRE(live.code == 0);
  REQUIRE(fs::exists(out / "trace.jsonl"));

  const Proc cmp = run(dir, {"compare", scenario, "--observed", out.string(), "--seeds", "300", "--json"});
  INFO("chaoslab compare stderr: " << cmp.err);
  REQUIRE((cmp.code == 0 || cmp.code == 1));
  const auto j = nlohmann::json::parse(cmp.out);
  CHECK(j["observed"]["format"] == "trace");
  // A run whose chaos never happened would pass vacuously.
  bool recovery_seen = false;
  for (const auto& m : j["metrics"]) {
    const std::string name = m["name"];
    if (name == "recovery.outage_s") {
      recovery_seen = true;
      CHECK(m["observed"].get<double>() > 0.0);  // the pod was really gone for a while
    }
    if (m["main"] == true) {
      INFO(name << ": observed " << m["observed"].dump() << ", simulated band " << m["simulated"]["low"].dump()
                << " .. " << m["simulated"]["high"].dump() << ", percentile " << m["percentile"].dump());
      CHECK(m["verdict"] == "pass");
    }
  }
  CHECK(recovery_seen);
  CHECK(j["pass"] == true);
  CHECK(cmp.code == 0);
  std::error_code ec;
  fs::remove_all(dir, ec);
}
