// `chaoslab tune SCENARIO [options]`: recommends a breaker cool-down (and optionally a retry
// backoff) for a chaos scenario from many seeded runs, with the evidence. docs/tuning.md.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "calibrate/provenance.hpp"
#include "commands.hpp"
#include "policies/error.hpp"
#include "report/report_build.hpp"
#include "report/report_html.hpp"
#include "sim/scenario.hpp"
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
  sub->add_option("--set", *sets, "override a scenario value first, as in `chaoslab run`: /json/pointer=value")->take_all();
  sub->add_option("--cooldowns", o->cooldowns, "cool-downs to try, seconds (default: from the scenario's restart timing)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  sub->add_flag("--backoff", o->backoff, "also try the built-in retry backoff candidates (docs/tuning.md)");
  sub->add_option("--seeds", o->seeds, "runs per candidate")->capture_default_str()->check(CLI::Range(2, 10000000));
  sub->add_option("--pilot-seeds", o->pilot_seeds, "runs that measure the restart timing")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  sub->add_option("--window", o->window_s, "seconds after a ready endpoint is back that the objective and costs cover")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("--objective", *objective, "availability (after recovery, default) or recovery (time to first success)")
      ->check(CLI::IsMember({"availability", "recovery"}));
  sub->add_option("--tolerance", o->tolerance,
                  "objective differences up to this count as ties (availability: a fraction, 0.01 = 1 point; recovery: s)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--trial-weight", o->trial_weight, "weight of failed half-open trials in the cost")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--load-weight", o->load_weight, "weight of backend attempts/s in the cost")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--out", o->out, "output directory: the sweep, tune.json, report.html")->capture_default_str();
  sub->add_option("-j,--jobs", o->jobs, "worker threads (default: every core)")->check(CLI::NonNegativeNumber);
  sub->add_flag("--resume", o->resume, "complete an interrupted tune in --out");
  sub->add_flag("-q,--quiet", *quiet, "no progress bar");
  sub->callback([o, sets, objective, quiet, &exit_code] {
    o->sets.clear();
    for (const auto& s : *sets) o->sets.push_back(sim::split_override(s));
    o->objective = *objective == "recovery" ? TuneObjective::recovery : TuneObjective::availability;
    o->progress = !*quiet && ::isatty(STDERR_FILENO) == 1;
    exit_code = run_tune(*o);
    if (exit_code == kExitOk) exit_code = write_tune_report(*o);
    // Which restart timings the recommendation rests on, and how many samples stand behind them.
    std::cout << calibrate::describe_timings(sim::load_scenario_file(o->scenario, o->sets).doc) << std::endl;
  });
}

}  // namespace chaoslab::app
