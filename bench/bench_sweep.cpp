// Sweep throughput and memory: 10,000 lab3-chaos runs (600 virtual seconds each, as
// scenarios/lab3-chaos.json) written to runs.jsonl and summarised, with 1 job and with every core;
// the median of several repetitions. Then the peak resident memory of whole sweeps of 10,000 and
// 100,000 runs (each in a child process), which should not grow with the number of runs.
//
//   build/bench/bench_sweep [--reps N] [--runs N] [--quick]
//
// Prints figures; asserts nothing about speed (docs/sweeps.md records them).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "sim/sweep_runner.hpp"
#include "sim/sweep_sim.hpp"
#include "sim/sweep_spec.hpp"

namespace fs = std::filesystem;
namespace sim = chaoslab::sim;
using nlohmann::json;

using chaoslab::bench::median;

namespace {

// `points` cool-downs from 0.5 s to 30 s, `seeds` seeds each, on the lab3 chaos scenario.
sim::SweepSpec make_spec(int points, int seeds) {
  const json doc = {{"scenario", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json"},
                    {"axes", json::array({{{"name", "cooldown_s"},
                                           {"pointer", "/policies/breaker/reset_timeout"},
                                           {"log", {{"from", 0.5}, {"to", 30}, {"count", points}}}}})},
                    {"seeds", {{"count", seeds}, {"first", 1}}}};
  return sim::parse_sweep(doc, "bench_sweep", fs::current_path());
}

double cpu_seconds() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

double run_once(const sim::SweepSpec& spec, int jobs, const fs::path& dir) {
  fs::remove_all(dir);
  const auto model = sim::make_scenario_model(spec);
  sim::SweepOptions o;
  o.out_dir = dir;
  o.jobs = jobs;
  const auto t0 = std::chrono::steady_clock::now();
  sim::run_sweep(spec, *model, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fs::remove_all(dir);
  return s;
}

// Peak RSS (MiB) of a child process that runs the whole sweep.
double peak_rss_mib(const sim::SweepSpec& spec, int jobs, const fs::path& dir) {
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      run_once(spec, jobs, dir);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_sweep: %s\n", e.what());
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  int runs = 10000;
  bool quick = false;
  CLI::App cli{"bench_sweep: sweep throughput with 1 and 2 jobs, and peak memory at 10x the runs"};
  cli.add_option("--reps", reps, "repetitions per figure (the median is printed)")->check(CLI::Range(1, 1000));
  cli.add_option("--runs", runs, "runs per throughput sweep")->check(CLI::Range(100, 10'000'000));
  cli.add_flag("--quick", quick, "fewer runs, for a smoke test");
  CLI11_PARSE(cli, argc, argv);
  if (quick) {
    reps = 3;
    runs = 2000;
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string name = "chaoslab-bench-sweep-";  // appended: GCC 12 warns falsely on "literal" + string
  name += std::to_string(::getpid());
  const fs::path dir = fs::temp_directory_path() / name;

  std::printf("sweep throughput: %d lab3-chaos runs (600 virtual s each; 100 points x %d seeds), "
              "runs.jsonl + summary.csv, median of %d\n",
              runs, runs / 100, reps);
  const auto spec = make_spec(100, runs / 100);
  std::vector<int> job_counts = {1};
  if (cores > 1) job_counts.push_back(cores);
  // CPU time next to wall time: on a shared machine wall time depends on the neighbours too.
  for (int jobs : job_counts) {
    std::vector<double> t, cpu;
    for (int r = 0; r < reps; ++r) {
      const double c0 = cpu_seconds();
      t.push_back(run_once(spec, jobs, dir));
      cpu.push_back(cpu_seconds() - c0);
    }
    const double m = median(t);
    std::printf("  --jobs %d: %.2f s wall (min %.2f, max %.2f), %.0f runs/s; %.2f CPU s, %.0f runs per CPU second\n", jobs,
                m, *std::min_element(t.begin(), t.end()), *std::max_element(t.begin(), t.end()),
                static_cast<double>(runs) / m, median(cpu), static_cast<double>(runs) / median(cpu));
  }

  // Ten times the runs, once as ten times the seeds and once as ten times the points: memory
  // follows the number of points (their descriptions and statistics), not the number of runs.
  std::printf("peak memory (RSS of a process running the whole sweep, --jobs %d):\n", cores);
  const int base = quick ? 2000 : 10000;
  const struct {
    int points, seeds;
  } shapes[] = {{100, base / 100}, {100, base / 10}, {1000, base / 100}};
  for (const auto& sh : shapes) {
    const double mib = peak_rss_mib(make_spec(sh.points, sh.seeds), cores, dir);
    std::printf("  %7d runs (%4d points x %5d seeds): %.1f MiB\n", sh.points * sh.seeds, sh.points, sh.seeds, mib);
  }
  fs::remove_all(dir);
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) < 1) load[0] = -1;
  std::printf("machine: %d hardware threads, load average %.1f at the end\n", cores, load[0]);
  return 0;
}
