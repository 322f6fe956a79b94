// `chaoslab tune SCENARIO [options]`: recommends a breaker cool-down (and optionally a retry
// backoff) for a chaos scenario from many seeded runs, with the evidence. docs/tuning.md.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "commands.hpp"
#include "policies/error.hpp"
#include "report/report_build.hpp"
#include "report/report_html.hpp"
#include "sim/scenario.hpp"
#include "sim/sweep_cli.hpp"
#include "tune/tune.hpp"

namespace chaoslab::app {
namespace {

// The tune library stops at tune.json; the page for people is the report library's.
int write_tune_report(const TuneOptions& o) {
  const std::filesystem::path out(o.out);
  try {
    write_report(build_report({out.string()}, "chaoslab tune: " + o.scenario), (out / "report.html").string());
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const ConfigError*>(&e)) throw;
    std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
    return kExitIoError;
  }
  std::printf("report: %s\n", (out / "report.html").c_str());
  return kExitOk;
}

}  // namespace

void add_tune(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<TuneOptions>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto objective = std::make_shared<std::string>("availability");
  auto quiet = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("tune", "Recommend a breaker cool-down (and backoff) for a chaos scenario, with evidence");
  sub->add_option("scenario", o->scenario, "scenario with a chaos experiment (scenarios/*.json)")->required();
  add_set_option(sub, *sets);
  sub->add_option("--cooldowns", o->cooldowns, "cool-downs to try, seconds (default: from the scenario's restart timing)")
      ->delimiter(',')
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(positive_seconds());
  sub->add_flag("--backoff", o->backoff, "also try the built-in retry backoff candidates (docs/tuning.md)");
  add_seeds_option(sub, o->seeds, "runs per candidate", 2)->capture_default_str();
  sub->add_option("--pilot-seeds", o->pilot_seeds, "runs that measure the restart timing")
      ->capture_default_str()
      ->check(whole_number(1, 100000));
  sub->add_option("--window", o->window_s, "seconds after a ready endpoint is back that the objective and costs cover")
      ->capture_default_str()
      ->check(positive_seconds());
  sub->add_option("--objective", *objective, "availability (after recovery, default) or recovery (time to first success)")
      ->check(CLI::IsMember({"availability", "recovery"}));
  sub->add_option("--tolerance", o->tolerance,
                  "objective differences up to this count as ties (availability: a fraction, 0.01 = 1 point; recovery: s)")
      ->capture_default_str()
      ->check(non_negative_number());
  sub->add_option("--trial-weight", o->trial_weight, "weight of failed half-open trials in the cost")
      ->capture_default_str()
      ->check(non_negative_number());
  sub->add_option("--load-weight", o->load_weight, "weight of backend attempts/s in the cost")
      ->capture_default_str()
      ->check(non_negative_number());
  add_out_option(sub, o->out, "output directory: the sweep, tune.json, report.html; locked while written")
      ->capture_default_str();
  add_jobs_option(sub, o->jobs);
  sub->add_flag("--resume", o->resume, "complete an interrupted tune in --out (after Ctrl-C, a crash or a kill)");
  add_quiet_flag(sub, *quiet);
  add_examples(sub, {"chaoslab tune scenarios/lab3-chaos.json --set /duration_s=180 --seeds 50 -o out/tune",
                     "chaoslab tune --set /duration_s=100 scenarios/lab3-chaos.json --cooldowns 1,5,30 --seeds 20 -o out/tune-quick -q"});
  sub->callback([o, sets, objective, quiet, &exit_code] {
    o->sets.clear();
    for (const auto& s : *sets) o->sets.push_back(sim::split_override(s));
    o->objective = *objective == "recovery" ? TuneObjective::recovery : TuneObjective::availability;
    o->progress = !*quiet && ::isatty(STDERR_FILENO) == 1;
    const sim::OutputDirLock lock(o->out);
    exit_code = run_tune(*o);
    if (exit_code == kExitOk) exit_code = write_tune_report(*o);
  });
}

}  // namespace chaoslab::app
