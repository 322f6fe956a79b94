// A three-knob tune of the demo scenario (scenarios/lab3-chaos.json, 180 s runs as scripts/demo
// sets them): the cool-downs tune derives from the restart timing, x fail_max 2,3,5,8 x retry
// attempts 1,2,3, 200 seeds. The real `chaoslab tune` process with --jobs 1, the adaptive search
// and the full grid alternately, `--reps` times each, timed from spawn to exit. Prints the medians
// (min-max), the runs each used (from tune.json), the grid / adaptive time ratio (median of the
// ratios of each alternating pair) and whether both recommend the same candidate.
//
//   build/bench/bench_tune [--reps N] [--seeds N] [--chaoslab PATH]
//
// Prints figures; asserts nothing about speed (docs/performance.md records them).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"


namespace fs = std::filesystem;
using nlohmann::json;

using chaoslab::bench::median;

namespace {

struct Result {
  double wall = 0;
  json tune;
};

// Runs `chaoslab tune ... --search SEARCH -j 1 -q -o OUT`, output to /dev/null; reads OUT/tune.json.
Result run_tune(const std::string& chaoslab, const fs::path& out, const std::string& search, int seeds) {
  fs::remove_all(out);
  const std::string seeds_text = std::to_string(seeds);
  std::vector<std::string> args = {chaoslab, "tune", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json",
                                   "--set", "/duration_s=180", "--knob", "/policies/breaker/fail_max=2,3,5,8", "--knob",
                                   R"(/policies/retry/stop={"stop_after_attempt":1},{"stop_after_attempt":2},{"stop_after_attempt":3})",
                                   "--seeds", seeds_text, "--search", search, "-j", "1", "-q", "-o", out.string()};
  const chaoslab::bench::Spawned p = chaoslab::bench::spawn_quiet(args, "bench_tune");
  const int status = p.status;
  Result r;
  r.wall = p.wall_s;
  if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
    std::fprintf(stderr, "bench_tune: %s tune failed (status %d)\n", chaoslab.c_str(), status);
    std::exit(1);
  }
  std::ifstream in(out / "tune.json");
  r.tune = json::parse(in);
  fs::remove_all(out);
  return r;
}

std::string recommended(const json& t) {
  if (!t["recommendation"].is_object()) return "no recommendation";
  return t["recommendation"]["set"].dump();
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  int seeds = 200;
  std::string chaoslab = CHAOSLAB_BINARY;
  CLI::App cli{"bench_tune: a three-knob `chaoslab tune` of the demo scenario on one core, adaptive search against the grid"};
  cli.add_option("--reps", reps, "alternating repetitions (medians are printed)")->check(CLI::Range(1, 1000));
  cli.add_option("--seeds", seeds, "tune --seeds")->check(CLI::Range(10, 100000));
  cli.add_option("--chaoslab", chaoslab, "the chaoslab executable to time")->check(CLI::ExistingFile);
  CLI11_PARSE(cli, argc, argv);
  std::string name = "chaoslab-bench-tune-";
  name += std::to_string(::getpid());
  const fs::path dir = fs::temp_directory_path() / name;
  fs::create_directories(dir);

  std::vector<double> adaptive, grid, ratio;
  json last_adaptive, last_grid;
  for (int i = 0; i < reps; ++i) {
    const Result a = run_tune(chaoslab, dir / "adaptive", "adaptive", seeds);
    const Result g = run_tune(chaoslab, dir / "grid", "grid", seeds);
    adaptive.push_back(a.wall);
    grid.push_back(g.wall);
    ratio.push_back(g.wall / a.wall);
    last_adaptive = a.tune;
    last_grid = g.tune;
  }
  fs::remove_all(dir);
  auto range = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.2f s (%.2f-%.2f)", median(v), v.front(), v.back());
    return std::string(buf);
  };
  const json& sa = last_adaptive["search"];
  const json& sg = last_grid["search"];
  std::printf("three-knob tune of lab3-chaos (180 s runs; %zu candidates: cool-downs x fail_max 2,3,5,8 x stop_after_attempt "
              "1,2,3; %d seeds), --jobs 1, %d alternating repetitions, wall clock spawn to exit:\n",
              sg["grid_candidates"].get<std::size_t>(), seeds, reps);
  std::printf("  adaptive: %s, %zu runs\n", range(adaptive).c_str(), sa["runs"].get<std::size_t>());
  std::printf("  grid:     %s, %zu runs\n", range(grid).c_str(), sg["runs"].get<std::size_t>());
  std::printf("  grid / adaptive time: %.1fx (median of pairs); runs: %.1f%% of the grid's\n", median(ratio),
              100.0 * sa["runs"].get<double>() / sg["runs"].get<double>());
  std::printf("  same recommendation: %s (%s)\n", recommended(last_adaptive) == recommended(last_grid) ? "yes" : "NO",
              recommended(last_adaptive).c_str());
  return 0;
}
