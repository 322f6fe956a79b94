// chaoslab live SCENARIO [-o DIR] [--seed N] [--set /ptr=value]...
// Local live mode (live/live_run.hpp): the scenario's backend as child processes on loopback, its
// clients and its Chaos Toolkit experiment in real time. The scenario is loaded and validated by
// the simulator's loader (app/ may use both sim/ and live/); live/ gets a plain plan.
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

live::DelayFn delay_of(const sim::Dist& d) {
  return [d](Rng& rng) { return d.sample_s(rng); };
}

live::LivePlan make_plan(const sim::Scenario& sc, const std::string& file) {
  const auto& k = sc.kubernetes;
  if (k.replicas != 1)
    throw ConfigError(file + ": local live mode runs one backend replica, the scenario has " +
                      std::to_string(k.replicas) + " (use `chaoslab run`, or Kubernetes)");
  if (sc.backend.behaviour != sim::BackendConfig::Behaviour::lab3)
    throw ConfigError(file + ": /backend: local live mode runs the lab's backend (behaviour lab3) only");
  live::LivePlan plan;
  plan.scenario_file = file;
  plan.scenario_name = sc.name;
  plan.seed = sc.seed;
  plan.duration = sc.duration;
  for (const auto& c : sc.clients) plan.clients.push_back({c.config, c.count, c.start_at});
  plan.failure_rate = sc.backend.failure_rate;
  plan.slow_rate = sc.backend.slow_rate;
  plan.max_delay_ms = sc.backend.max_delay_ms;
  live::PodTemplate& t = plan.pods;
  t.ns = k.ns;
  t.deployment = k.deployment;
  t.labels = k.labels;
  t.grace_period = k.grace_period;
  t.scheduling = delay_of(k.scheduling_s);
  t.container_start = delay_of(k.container_start_s);
  t.app_start = delay_of(k.app_start_s);
  t.replace_delay = delay_of(k.replace_delay_s);
  t.endpoint_delay = delay_of(k.endpoint_delay_s);
  t.crash_backoff_initial = k.crash_backoff_initial;
  t.crash_backoff_max = k.crash_backoff_max;
  t.crash_backoff_reset = k.crash_backoff_reset;
  if (k.readiness) {
    const auto& r = *k.readiness;
    t.readiness = live::ReadinessProbe{r.initial_delay, r.period, r.timeout, r.success_threshold,
                                       r.failure_threshold};
  }
  if (sc.chaos) {
    plan.chaos_start = sc.chaos->start_at;
    const nlohmann::json& ch = sc.doc.at("chaos");
    const nlohmann::json& e = ch.at("experiment");
    const std::string source = sc.chaos->source;
    nlohmann::json config = ch.contains("configuration") ? ch.at("configuration") : nlohmann::json::object();
    plan.load_experiment = [e, source, config, file](const live::LiveEndpoints& ep) {
      chaos::LoadOptions lo;
      // The experiment's services are this run's loopback ones; everything else as the
      // simulator resolves it (defaults, not the caller's environment).
      lo.getenv = [ep](const std::string& key) -> std::optional<std::string> {
        if (key == "CHAOSLAB_BACKEND_URL") return ep.backend_url;
        if (key == "CHAOSLAB_CLIENT_URL") return ep.client_url;
        if (key == "CHAOSLAB_ADMIN_TOKEN") return ep.admin_token;
        return std::nullopt;
      };
      for (auto it = config.begin(); it != config.end(); ++it) lo.config_overrides[it.key()] = it.value();
      lo.config_overrides["backend_url"] = ep.backend_url;
      lo.config_overrides["client_url"] = ep.client_url;
      lo.config_overrides["admin_token"] = ep.admin_token;
      lo.allow_process = true;
      if (e.is_string())
        return std::make_shared<const chaos::Experiment>(chaos::load_experiment(source, lo));
      return std::make_shared<const chaos::Experiment>(
          chaos::parse_experiment(e, file, lo, "/chaos/experiment"));
    };
  }
  return plan;
}

int live_command(const LiveArgs& a) {
  std::vector<std::pair<std::string, std::string>> overrides;
  for (const auto& s : a.sets) overrides.push_back(sim::split_override(s));
  const sim::Scenario sc = sim::load_scenario_file(a.scenario, overrides);
  live::LivePlan plan = make_plan(sc, a.scenario);
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
