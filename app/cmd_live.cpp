// chaoslab live SCENARIO [-o DIR] [--seed N] [--set /ptr=value]...
// Local live mode (live/live_run.hpp): the scenario's backend as child processes on loopback, its
// clients and its Chaos Toolkit experiment in real time. The scenario is loaded and validated by
// the simulator's loader; liveplan/ turns it into the plain plan live/ runs.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "live/live_run.hpp"
#include "liveplan/live_plan.hpp"
#include "policies/error.hpp"
#include "sim/scenario.hpp"

namespace chaoslab::app {

namespace {

struct LiveArgs {
  std::string scenario;
  std::string out;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> sets;
  bool json = false;
};

int live_command(const LiveArgs& a) {
  std::vector<std::pair<std::string, std::string>> overrides;
  for (const auto& s : a.sets) overrides.push_back(sim::split_override(s));
  const sim::Scenario sc = sim::load_scenario_file(a.scenario, overrides);
  live::LivePlan plan = liveplan::make_plan(sc, a.scenario);
  if (a.seed) plan.seed = *a.seed;
  plan.out_dir = a.out.empty() ? "live-" + sc.name : a.out;
  plan.log = [](const std::string& line) {
    std::fprintf(stderr, "chaoslab live: %s\n", line.c_str());
    std::fflush(stderr);
  };

  // Ctrl-C or SIGTERM ends the run early but still writes the outputs and stops the pods.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  plan.stop_requested = &stop;
  std::thread signals([&stop, &done, set] {
    int sig = 0;
    sigwait(&set, &sig);
    if (!done) stop = true;
  });
  struct Join {
    std::thread& t;
    std::atomic<bool>& done;
    ~Join() {
      done = true;
      pthread_kill(t.native_handle(), SIGTERM);
      t.join();
    }
  } join{signals, done};

  std::fprintf(stderr, "chaoslab live: %s for %.1f s, outputs in %s\n", sc.name.c_str(),
               to_seconds(plan.duration), plan.out_dir.c_str());
  const live::LiveResult r = live::run_live(plan);
  if (a.json) {
    std::cout << r.summary.to_json() << '\n';
  } else {
    std::cout << sc.name << " (" << a.scenario << ", live" << (r.interrupted ? ", interrupted" : "")
              << ")\n"
              << r.summary.to_text();
    if (r.chaos_status)
      std::cout << "chaos     experiment " << chaos::to_string(*r.chaos_status)
                << (r.chaos_deviated ? ", deviated" : "") << '\n';
    std::cout << "pods      " << r.pods_created << " created\n"
              << "outputs   " << plan.out_dir << "/{trace.jsonl,summary.json"
              << (r.chaos_status ? ",journal.json" : "") << "}\n";
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void add_live(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LiveArgs>();
  auto* sub = app.add_subcommand(
      "live", "Run a scenario against real processes on this machine (backend, client, chaos)");
  sub->add_option("scenario", args->scenario, "Scenario file (scenarios/*.json)")->required();
  add_out_option(sub, args->out, "output directory (default: live-<scenario name>)");
  add_seed_option(sub, args->seed, "run seed (default: the scenario's \"seed\")");
  add_set_option(sub, args->sets);
  sub->add_flag("--json", args->json, "Print the summary as one JSON object");
  add_examples(sub, {"chaoslab live scenarios/live-check.json --set /duration_s=12 -o out/live",
                     "chaoslab live scenarios/live-check.json --set /duration_s=12 --seed 3 -o out/live-json --json"});
  sub->callback([args, &exit_code] { exit_code = live_command(*args); });
}

}  // namespace chaoslab::app
