// Simulator speed, tracing off. Prints figures; asserts nothing.
//   1. hold model on the bare EventQueue (plain events and std::function events), several queue sizes
//   2. lab3-chaos runs (10 virtual minutes each) per CPU second on one core
//   3. the real model's events per second per core (events / CPU s of the thread) over those runs
// Median of several repetitions. Usage: bench_sim [repetitions] [scenario] [--runs-only]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench_support.hpp"
#include "policies/rng.hpp"
#include "sim/event_queue.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"

using namespace chaoslab;
using namespace chaoslab::sim;

using chaoslab::bench::median;

namespace {

// CPU time of this thread: the figure per core stays meaningful on a machine shared with other
// work (wall time is printed too).
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Hold {
  EventQueue* q;
  Rng* rng;
};

void hold_event(void* ctx, std::uint64_t) {
  auto* h = static_cast<Hold*>(ctx);
  h->q->schedule(h->q->now() + Duration(static_cast<std::int64_t>(h->rng->exponential(1e6))), hold_event, ctx);
}

// The classic hold model: each event schedules one more at now + Exp(1 ms).
double hold_rate(int pending, bool function_events, std::uint64_t n) {
  EventQueue q;
  Rng rng(1);
  Hold h{&q, &rng};
  std::function<void()> again;
  again = [&] { q.schedule(q.now() + Duration(static_cast<std::int64_t>(rng.exponential(1e6))), [&] { again(); }); };
  for (int i = 0; i < pending; ++i) {
    const Instant at(Duration(static_cast<std::int64_t>(rng.exponential(1e6))));
    if (function_events) {
      q.schedule(at, [&] { again(); });
    } else {
      q.schedule(at, hold_event, &h);
    }
  }
  const double t0 = cpu_now();
  while (q.processed() < n) q.step();
  return static_cast<double>(n) / (cpu_now() - t0);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  std::string path = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";
  bool runs_only = false;
  CLI::App cli{"bench_sim: event queue and whole-run throughput per CPU second"};
  cli.add_option("repetitions", reps, "repetitions per figure (the median is printed)")->check(CLI::Range(1, 1000));
  cli.add_option("scenario", path, "scenario file for the run figures")->check(CLI::ExistingFile);
  cli.add_flag("--runs-only", runs_only, "only the scenario runs, not the event queue");
  CLI11_PARSE(cli, argc, argv);

  if (!runs_only) std::printf("hold model (EventQueue alone), per CPU second, median of %d:\n", reps);
  for (int pending : {16, 1000, 100000}) {
    if (runs_only) break;
    for (bool fn : {false, true}) {
      std::vector<double> r;
      for (int i = 0; i < reps; ++i) r.push_back(hold_rate(pending, fn, 5'000'000));
      std::printf("  %6d pending, %-18s %7.2f M events/s\n", pending, fn ? "std::function" : "plain events",
                  median(r) / 1e6);
    }
  }

  const Scenario sc = load_scenario_file(path);
  std::printf("\n%s (%g virtual s per run), tracing off, median of %d:\n", path.c_str(),
              to_seconds(sc.duration), reps);
  const int runs = 2000;
  std::vector<double> runs_per_s, events_per_s, wall_runs_per_s;
  std::uint64_t check = 0;
  for (int rep = 0; rep < reps; ++rep) {
    std::uint64_t events = 0;
    const double t0 = cpu_now();
    const auto w0 = std::chrono::steady_clock::now();
    for (int i = 0; i < runs; ++i) {
      const RunResult r = run_scenario(sc, run_seed(sc.seed, static_cast<std::uint64_t>(i)));
      events += r.summary.events;
      check += r.summary.calls.ok;
    }
    const double s = cpu_now() - t0;
    const double w = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    runs_per_s.push_back(runs / s);
    wall_runs_per_s.push_back(runs / w);
    events_per_s.push_back(static_cast<double>(events) / s);
  }
  std::printf("  %.0f runs per CPU second (%.0f per wall second), %.0f events per run\n", median(runs_per_s),
              median(wall_runs_per_s), median(events_per_s) / median(runs_per_s));
  // One thread: events per CPU second is the rate per core (the real model, tracing off).
  std::printf("  %.2f M events per second per core (events / CPU s), %.0f ns per event\n", median(events_per_s) / 1e6,
              1e9 / median(events_per_s));
  std::printf("  (checksum %llu)\n", static_cast<unsigned long long>(check));
  return 0;
}
