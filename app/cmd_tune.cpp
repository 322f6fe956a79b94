// `chaoslab tune SCENARIO [options]`: recommends a breaker cool-down (and optionally a retry
// backoff) for a chaos scenario from many seeded runs, with the evidence. docs/tuning.md.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "calibrate/provenance.hpp"
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
int write_tune_report(const tune::TuneOptions& o) {
  const std::filesystem::path out(o.out);
  try {
    report::write_report(report::build_report({out.string()}, "chaoslab tune: " + o.scenario), (out / "report.html").string());
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const ConfigError*>(&e)) throw;
    std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
    return kExitIoError;
  }
  std::printf("report: %s\n", (out / "report.html").c_str());
  return kExitOk;
}

// A plain one-line check: "--seeds: must be a whole number from 10 to 1000000".
CLI::Validator number_in(double lo, double hi, bool whole, const std::string& what) {
  return CLI::Validator(
      [=](std::string& s) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi || (whole && v != std::floor(v)))
          return "must be " + what + " (got " + s + ")";
        return "";
      },
      "", "");
}

}  // namespace

void add_tune(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<tune::TuneOptions>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto min_avail = std::make_shared<double>(NAN);
  auto max_loss = std::make_shared<double>(NAN);
  auto max_load = std::make_shared<double>(NAN);
  auto max_trials = std::make_shared<double>(NAN);
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
  sub->add_option("--pointer", o->pointer,
                  "put the cool-down at this JSON pointer only (default: the value every client runs with)");
  sub->add_flag("--backoff", o->backoff, "also try the built-in retry backoff candidates (docs/tuning.md)");
  sub->add_option("--knob", o->knobs,
                  "also tune this JSON pointer over these values, repeatable: --knob /policies/breaker/fail_max=3,5,8")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  sub->add_option("--search", o->search,
                  "grid: every candidate runs every seed; adaptive: a race that drops candidates clearly out (default: "
                  "adaptive with more than one knob)")
      ->check(CLI::IsMember({"grid", "adaptive"}));
  sub->add_option("--min-availability", *min_avail, "SLO: availability over the incident, percent (e.g. 95)")
      ->check(number_in(0, 100, false, "a percentage from 0 to 100"));
  sub->add_option("--max-availability-loss", *max_loss,
                  "at most this many percentage points below the best candidate's availability (default: 1, "
                  "or no limit with --min-availability)")
      ->check(number_in(0, 100, false, "percentage points from 0 to 100"));
  sub->add_option("--max-load", *max_load, "at most this many attempts/s on the recovering backend")
      ->check(non_negative_number());
  sub->add_option("--max-failed-trials", *max_trials, "at most this many failed half-open trials per incident")
      ->check(non_negative_number());
  add_seeds_option(sub, o->seeds, "runs per candidate", 2)->capture_default_str();
  sub->add_option("--pilot-seeds", o->pilot_seeds, "runs that measure the restart timing")
      ->capture_default_str()
      ->check(whole_number(1, 100000));
  sub->add_option("--window", o->window_s, "seconds after a ready endpoint is back that the incident lasts")
      ->capture_default_str()
      ->check(positive_seconds());
  add_out_option(sub, o->out, "output directory: the sweep, tune.json, scenario.json, report.html; locked while written")
      ->capture_default_str();
  add_jobs_option(sub, o->jobs);
  sub->add_flag("--resume", o->resume, "complete an interrupted tune in --out (after Ctrl-C, a crash or a kill)");
  add_quiet_flag(sub, *quiet);
  add_examples(sub, {"chaoslab tune scenarios/lab3-chaos.json --set /duration_s=180 --seeds 50 -o out/tune",
                     "chaoslab tune --set /duration_s=100 scenarios/lab3-chaos.json --cooldowns 1,5,30 --seeds 20 -o out/tune-quick -q",
                     "chaoslab tune scenarios/lab3-chaos.json --set /duration_s=100 --cooldowns 0.5,2,8 --knob "
                     "/policies/breaker/fail_max=2,5 --knob '/policies/retry/stop={\"stop_after_attempt\":2},{\"stop_after_attempt\":3}' "
                     "--seeds 40 -o out/tune-knobs -q"});
  sub->callback([o, sets, min_avail, max_loss, max_load, max_trials, quiet, &exit_code] {
    o->sets.clear();
    for (const auto& s : *sets) o->sets.push_back(sim::split_override(s));
    o->limits = tune::TuneLimits{};
    if (!std::isnan(*min_avail)) o->limits.min_availability = *min_avail / 100;
    if (!std::isnan(*max_loss)) o->limits.max_availability_loss = *max_loss / 100;
    if (!std::isnan(*max_load)) o->limits.max_load = *max_load;
    if (!std::isnan(*max_trials)) o->limits.max_failed_trials = *max_trials;
    o->progress = !*quiet && ::isatty(STDERR_FILENO) == 1;
    const sim::OutputDirLock lock(o->out);
    exit_code = tune::run_tune(*o);
    // Without a recommendation (exit 1) the evidence is still worth a page, when tune.json exists.
    if (exit_code == kExitOk || (exit_code == kExitCheckFailed && std::filesystem::exists(std::filesystem::path(o->out) / "tune.json"))) {
      const int r = write_tune_report(*o);
      if (r != kExitOk) exit_code = r;
    }
    // Which restart timings the recommendation rests on, and how many samples stand behind them.
    std::cout << calibrate::describe_timings(sim::load_scenario_file(o->scenario, o->sets).doc) << std::endl;
  });
}

}  // namespace chaoslab::app
