// `chaoslab tune SCENARIO [options]`: recommends a breaker cool-down (and optionally a retry
// backoff) for a chaos scenario from many seeded runs, with the evidence. docs/tuning.md.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

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
  auto o = std::make_shared<TuneOptions>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto min_avail = std::make_shared<double>(NAN);
  auto max_loss = std::make_shared<double>(NAN);
  auto max_load = std::make_shared<double>(NAN);
  auto max_trials = std::make_shared<double>(NAN);
  auto quiet = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("tune", "Recommend a breaker cool-down (and backoff) for a chaos scenario, with evidence");
  sub->add_option("scenario", o->scenario, "scenario with a chaos experiment (scenarios/*.json)")->required();
  sub->add_option("--set", *sets, "override a scenario value first, as in `chaoslab run`: /json/pointer=value (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  sub->add_option("--cooldowns", o->cooldowns, "cool-downs to try, seconds, comma-separated (default: from the restart timing)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(number_in(1e-6, 1e6, false, "cool-downs in seconds, each above 0 and at most 1000000"));
  sub->add_option("--pointer", o->pointer,
                  "put the cool-down at this JSON pointer only (default: the value every client runs with)");
  sub->add_flag("--backoff", o->backoff, "also try the built-in retry backoff candidates (docs/tuning.md)");
  sub->add_option("--min-availability", *min_avail, "SLO: availability over the incident, percent (e.g. 95)")
      ->check(number_in(0, 100, false, "a percentage from 0 to 100"));
  sub->add_option("--max-availability-loss", *max_loss,
                  "at most this many percentage points below the best candidate's availability (default: 1, "
                  "or no limit with --min-availability)")
      ->check(number_in(0, 100, false, "percentage points from 0 to 100"));
  sub->add_option("--max-load", *max_load, "at most this many attempts/s on the recovering backend")
      ->check(number_in(0, 1e9, false, "attempts per second, 0 or more"));
  sub->add_option("--max-failed-trials", *max_trials, "at most this many failed half-open trials per incident")
      ->check(number_in(0, 1e9, false, "a count, 0 or more"));
  sub->add_option("--seeds", o->seeds, "runs per candidate")
      ->capture_default_str()
      ->check(number_in(1, 1000000, true, "a whole number from 1 to 1000000"));
  sub->add_option("--pilot-seeds", o->pilot_seeds, "runs that measure the restart timing")
      ->capture_default_str()
      ->check(number_in(1, 100000, true, "a whole number from 1 to 100000"));
  sub->add_option("--window", o->window_s, "seconds after a ready endpoint is back that the incident lasts")
      ->capture_default_str()
      ->check(number_in(0.001, 1e6, false, "seconds, above 0 and at most 1000000"));
  sub->add_option("-o,--out", o->out, "output directory: the sweep, tune.json, scenario.json, report.html")
      ->capture_default_str();
  sub->add_option("-j,--jobs", o->jobs, "worker threads (default: every core)")
      ->check(number_in(0, 4096, true, "a whole number from 0 to 4096"));
  sub->add_flag("--resume", o->resume, "complete an interrupted tune in --out");
  sub->add_flag("-q,--quiet", *quiet, "no progress bar");
  sub->footer(
      "Examples:\n"
      "  chaoslab tune scenarios/lab3-chaos.json --set /duration_s=180 -o tune-out\n"
      "  chaoslab tune scenarios/lab3-chaos.json --min-availability 10 --backoff\n"
      "  chaoslab tune scenarios/lab3-chaos.json --cooldowns 0.5,1,2,5,10 --seeds 500 -q");
  sub->callback([o, sets, min_avail, max_loss, max_load, max_trials, quiet, &exit_code] {
    o->sets.clear();
    for (const auto& s : *sets) o->sets.push_back(sim::split_override(s));
    o->limits = TuneLimits{};
    if (!std::isnan(*min_avail)) o->limits.min_availability = *min_avail / 100;
    if (!std::isnan(*max_loss)) o->limits.max_availability_loss = *max_loss / 100;
    if (!std::isnan(*max_load)) o->limits.max_load = *max_load;
    if (!std::isnan(*max_trials)) o->limits.max_failed_trials = *max_trials;
    o->progress = !*quiet && ::isatty(STDERR_FILENO) == 1;
    exit_code = run_tune(*o);
    // Without a recommendation (exit 1) the evidence is still worth a page, when tune.json exists.
    if (exit_code == kExitOk || (exit_code == kExitCheckFailed && std::filesystem::exists(std::filesystem::path(o->out) / "tune.json"))) {
      const int r = write_tune_report(*o);
      if (r != kExitOk) exit_code = r;
    }
  });
}

}  // namespace chaoslab::app
