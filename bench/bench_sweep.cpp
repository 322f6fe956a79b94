// Sweep throughput and memory, end to end: the real `chaoslab sweep` process on lab3-chaos
// (600 virtual seconds per run, 100 cool-down points), writing runs.jsonl and summary.csv, timed
// from spawn to exit (wall clock, the process as a whole). For 10,000 and 100,000 runs, --jobs 1
// and --jobs 2 run alternately, `--reps` times each; it prints medians with min-max, the CPU
// seconds and peak resident memory of the process (from wait4), and the jobs-2 / jobs-1 ratio
// (the median of the ratios of each alternating pair).
//
//   build/bench/bench_sweep [--reps N] [--runs N,N] [--quick] [--chaoslab PATH]
//
// Prints figures; asserts nothing about speed (docs/performance.md records them).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

// `points` cool-downs from 0.5 s to 30 s, `seeds` seeds each, on the lab3 chaos scenario.
void write_sweep_file(const fs::path& path, int points, int seeds) {
  const json doc = {{"scenario", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json"},
                    {"axes", json::array({{{"name", "cooldown_s"},
                                           {"pointer", "/policies/breaker/reset_timeout"},
                                           {"log", {{"from", 0.5}, {"to", 30}, {"count", points}}}}})},
                    {"seeds", {{"count", seeds}, {"first", 1}}}};
  std::ofstream(path) << doc.dump(2) << '\n';
}

struct Sample {
  double wall = 0;     // seconds, spawn to exit
  double cpu = 0;      // user + system seconds of the process
  double rss_mib = 0;  // peak resident memory
};

// Runs `chaoslab sweep FILE --out DIR --jobs J -q` with stdout and stderr to /dev/null.
Sample run_sweep_process(const std::string& chaoslab, const fs::path& file, const fs::path& out, int jobs) {
  fs::remove_all(out);
  const std::string jobs_text = std::to_string(jobs);
  std::vector<std::string> args = {chaoslab, "sweep", file.string(), "--out", out.string(), "--jobs", jobs_text, "-q"};
  const chaoslab::bench::Spawned p = chaoslab::bench::spawn_quiet(args, "bench_sweep");
  const int status = p.status;
  const struct rusage& ru = p.usage;
  Sample s;
  s.wall = p.wall_s;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "bench_sweep: %s sweep failed (status %d)\n", chaoslab.c_str(), status);
    std::exit(1);
  }
  s.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  s.rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
  fs::remove_all(out);
  return s;
}

template <class F>
std::vector<double> field(const std::vector<Sample>& v, F f) {
  std::vector<double> out;
  for (const auto& s : v) out.push_back(f(s));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  std::vector<int> sizes = {10000, 100000};
  bool quick = false;
  std::string chaoslab = CHAOSLAB_BINARY;
  CLI::App cli{"bench_sweep: `chaoslab sweep` runs/s with --jobs 1 and 2, whole process, and its peak memory"};
  cli.add_option("--reps", reps, "alternating repetitions per size (medians are printed)")->check(CLI::Range(1, 1000));
  cli.add_option("--runs", sizes, "sweep sizes in runs (multiples of 100)")->delimiter(',')->check(CLI::Range(100, 10'000'000));
  cli.add_flag("--quick", quick, "2,000 runs, 3 repetitions: a smoke test");
  cli.add_option("--chaoslab", chaoslab, "the chaoslab executable to time")->check(CLI::ExistingFile);
  CLI11_PARSE(cli, argc, argv);
  if (quick) {
    reps = 3;
    sizes = {2000};
  }
  std::string name = "chaoslab-bench-sweep-";  // appended: GCC 12 warns falsely on "literal" + string
  name += std::to_string(::getpid());
  const fs::path dir = fs::temp_directory_path() / name;
  fs::create_directories(dir);

  double load0[3] = {0, 0, 0};
  if (::getloadavg(load0, 3) < 1) load0[0] = -1;
  std::printf("chaoslab sweep on lab3-chaos (600 virtual s per run, 100 cool-down points), runs.jsonl + summary.csv;\n"
              "wall clock from spawn to exit, --jobs 1 and --jobs 2 alternately, medians of %d (load average %.1f at "
              "the start)\n",
              reps, load0[0]);
  for (int runs : sizes) {
    const fs::path file = dir / ("sweep-" + std::to_string(runs) + ".json");
    write_sweep_file(file, 100, runs / 100);
    std::vector<Sample> by_jobs[2];
    std::vector<double> ratios;
    for (int r = 0; r < reps; ++r) {
      // Alternate which goes first, so a slow phase of the machine hits both alike.
      const int order[2] = {r % 2 == 0 ? 1 : 2, r % 2 == 0 ? 2 : 1};
      Sample pair[2];
      for (int jobs : order) pair[jobs - 1] = run_sweep_process(chaoslab, file, dir / "out", jobs);
      by_jobs[0].push_back(pair[0]);
      by_jobs[1].push_back(pair[1]);
      ratios.push_back(pair[0].wall / pair[1].wall);
    }
    for (int j = 0; j < 2; ++j) {
      const auto& v = by_jobs[j];
      const auto rate = field(v, [&](const Sample& s) { return runs / s.wall; });
      const auto rss = field(v, [](const Sample& s) { return s.rss_mib; });
      std::printf("  %7d runs, --jobs %d: %7.0f runs/s (%.0f-%.0f), %.2f s wall, %.2f CPU s, %.0f runs per CPU s, "
                  "peak RSS %.1f MiB\n",
                  runs, j + 1, median(rate), *std::min_element(rate.begin(), rate.end()),
                  *std::max_element(rate.begin(), rate.end()), median(field(v, [](const Sample& s) { return s.wall; })),
                  median(field(v, [](const Sample& s) { return s.cpu; })),
                  runs / median(field(v, [](const Sample& s) { return s.cpu; })),
                  *std::max_element(rss.begin(), rss.end()));
    }
    std::printf("  %7d runs, --jobs 2 / --jobs 1: %.2fx (%.2f-%.2f)\n", runs, median(ratios),
                *std::min_element(ratios.begin(), ratios.end()), *std::max_element(ratios.begin(), ratios.end()));
  }
  // Memory follows the number of points (their descriptions and statistics), not of runs.
  {
    const fs::path file = dir / "sweep-points.json";
    write_sweep_file(file, 1000, 100);
    const Sample s = run_sweep_process(chaoslab, file, dir / "out", 2);
    std::printf("  peak RSS with 1,000 points x 100 seeds, --jobs 2: %.1f MiB\n", s.rss_mib);
  }
  fs::remove_all(dir);
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) < 1) load[0] = -1;
  std::printf("machine: %ld hardware threads, load average %.1f at the end\n", ::sysconf(_SC_NPROCESSORS_ONLN), load[0]);
  return 0;
}
