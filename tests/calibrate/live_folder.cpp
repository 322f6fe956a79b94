#include "calibrate/live_folder.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "calibrate/pairing.hpp"
#include "policies/error.hpp"

using namespace chaoslab::calibrate;
namespace fs = std::filesystem;

namespace {

struct Folder {
  fs::path dir;
  explicit Folder(const std::string& trace) {
    static int n = 0;
    dir = fs::temp_directory_path() / ("chaoslab-calibrate-live-" + std::to_string(getpid()) + "-" + std::to_string(++n));
    fs::create_directories(dir);
    std::ofstream(dir / "trace.jsonl") << trace;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// A live run's pod lines (docs/trace.md), with a scenario that cannot be read here.
const char* kTrace =
    R"({"t":0.000000,"event":"meta","source":"live","seed":11,"scenario":"/nonexistent/s.json","schema":"chaoslab-trace/1"}
{"t":0.000000,"event":"pod","pod":"backend-1","phase":"Running","ready":true}
{"t":0.500000,"event":"call","client":0,"outcome":"ok"}
{"t":5.010000,"event":"pod","pod":"backend-1","phase":"Terminating","ready":false}
{"t":5.030000,"event":"pod","pod":"backend-2","phase":"Pending","ready":false}
{"t":5.080000,"event":"pod","pod":"backend-2","phase":"ContainerCreating","ready":false}
{"t":5.130000,"event":"pod","pod":"backend-1","phase":"Deleted","ready":false}
{"t":5.600000,"event":"pod","pod":"backend-2","phase":"Running","ready":false}
{"t":6.350000,"event":"pod","pod":"backend-2","phase":"Running","ready":true}
)";

}  // namespace

TEST_CASE("live_folder: pod lines become a restart with microsecond phases") {
  Folder f(kTrace);
  CHECK(is_live_folder(f.dir.string()));
  Observations obs;
  read_live_folder(f.dir.string(), obs);
  CHECK(obs.notes.size() == 1);  // the scenario (for the probe) could not be read
  const Measurements m = measure_restarts(obs);
  REQUIRE(m.pairs.size() == 1);
  CHECK(m.pairs[0].successor == "live:" + f.dir.string() + "/backend-2");
  CHECK(m.phases.at("replace_delay_s").values[0] == doctest::Approx(0.02));
  CHECK(m.phases.at("scheduling_s").values[0] == doctest::Approx(0.05));
  CHECK(m.phases.at("container_start_s").values[0] == doctest::Approx(0.52));
  CHECK(m.phases.at("app_start_s").values[0] == doctest::Approx(0.75));  // probe unknown: all of it
  CHECK(m.phases.at("shutdown_s").values[0] == doctest::Approx(0.12));
  CHECK(m.phases.at("shutdown_s").resolution_us == 1);
}

TEST_CASE("live_folder: the scenario's probe period is taken off the readiness") {
  const std::string scenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/live-check.json";  // period 0.25 s
  std::string trace = kTrace;
  trace.replace(trace.find("/nonexistent/s.json"), 19, scenario);
  Folder f(trace);
  Observations obs;
  read_live_folder(f.dir.string(), obs);
  CHECK(obs.notes.empty());
  const Measurements m = measure_restarts(obs);
  CHECK(m.phases.at("app_start_s").values[0] == doctest::Approx(0.75 - 0.125));
  CHECK(m.readiness_period_s == 0.25);
}

TEST_CASE("live_folder: not a trace") {
  Folder empty("");
  Observations obs;
  const std::string empty_msg = (empty.dir / "trace.jsonl").string() + ": empty (not a chaoslab trace)";
  CHECK_THROWS_WITH_AS(read_live_folder(empty.dir.string(), obs), empty_msg.c_str(), chaoslab::ConfigError);
  Folder bad("{\"t\":0,\"event\":\"meta\"}\nnot json\n");
  const std::string bad_msg = (bad.dir / "trace.jsonl").string() + ": line 2: not JSON";
  CHECK_THROWS_WITH_AS(read_live_folder(bad.dir.string(), obs), bad_msg.c_str(), chaoslab::ConfigError);
  CHECK_FALSE(is_live_folder("/nonexistent"));
}
