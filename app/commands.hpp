// Every chaoslab subcommand registers itself on the CLI11 app here. A command's callback stores its
// exit status in `exit_code`; user errors are thrown as chaoslab::ConfigError (exit 2) and reach
// main(), which prints them.
//
// The grammar all subcommands share (docs/cli.md) lives here too: the option helpers below give the
// same idea the same name, help text and validation everywhere, and tests/app/cli.cpp walks every
// subcommand to check it.
#pragma once

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include "policies/error.hpp"

namespace chaoslab::app {

void add_replay(CLI::App& app, int& exit_code);   // what-if replay of recorded calls (policies)
void add_run(CLI::App& app, int& exit_code);      // one simulated run (sim)
void add_sweep(CLI::App& app, int& exit_code);    // parameter sweeps (sim)
void add_merge(CLI::App& app, int& exit_code);    // join sweep shards
void add_tune(CLI::App& app, int& exit_code);     // cool-down tuning
void add_report(CLI::App& app, int& exit_code);   // HTML report
void add_backend(CLI::App& app, int& exit_code);  // live backend service
void add_client(CLI::App& app, int& exit_code);   // live client service
void add_live(CLI::App& app, int& exit_code);     // local live mode
void add_analyze(CLI::App& app, int& exit_code);  // analyse traces and lab logs
void add_compare(CLI::App& app, int& exit_code);  // simulation vs observation
void add_calibrate(CLI::App& app, int& exit_code);  // restart timings from a cluster

// The whole command line: every subcommand, `help [SUBCOMMAND]` and --version. main() parses it;
// tests/app/cli.cpp walks it.
inline void add_all_commands(CLI::App& app, int& exit_code) {
  app.name("chaoslab");  // Usage: says "chaoslab", not the path the binary was started by
  app.require_subcommand(1);
  app.set_version_flag("--version", "chaoslab 0.1.0");
  app.footer("Run `chaoslab help SUBCOMMAND` (or `chaoslab SUBCOMMAND --help`) for its options and examples.");
  for (auto add : {add_run, add_sweep, add_merge, add_tune, add_report, add_replay, add_analyze, add_compare,
                   add_backend, add_client, add_live, add_calibrate})
    add(app, exit_code);
  auto* help = app.add_subcommand("help", "Print the help of chaoslab or of one subcommand");
  auto topic = std::make_shared<std::string>();
  help->add_option("subcommand", *topic, "the subcommand to explain");
  help->footer("Examples:\n  chaoslab help\n  chaoslab help sweep\n");
  help->callback([&app, topic, &exit_code] {
    // app.help() would print the selected subcommand's, that is help's own: format the top level.
    if (topic->empty()) {
      std::fputs(app.get_formatter()->make_help(&app, "chaoslab", CLI::AppFormatMode::Normal).c_str(), stdout);
    } else {
      CLI::App* sub = nullptr;
      for (auto* s : app.get_subcommands([](CLI::App*) { return true; }))
        if (s->get_name() == *topic) sub = s;
      if (!sub) throw ConfigError("help: no subcommand \"" + *topic + "\" (run `chaoslab help` for the list)");
      std::fputs(sub->help("chaoslab").c_str(), stdout);
    }
    exit_code = 0;
  });
}

// ---- Validators with plain messages (CLI11's own print ranges as 310-digit numbers).

// A number, parsed whole; false for "abc", "1x", "", "nan".
inline bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno == 0 && std::isfinite(value);
}

// Seconds above 0 (cool-downs, windows, durations).
inline CLI::Validator positive_seconds() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        if (!parse_number(text, v)) return "\"" + text + "\" is not a number of seconds";
        if (v <= 0) return "\"" + text + "\": must be above 0 seconds";
        return {};
      },
      "SECONDS>0");
}

// A number >= 0 (weights, tolerances).
inline CLI::Validator non_negative_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        if (!parse_number(text, v)) return "\"" + text + "\" is not a number";
        if (v < 0) return "\"" + text + "\": must be 0 or more";
        return {};
      },
      "NUMBER>=0");
}

// A number strictly between lo and hi (a tail percent, a fraction).
inline CLI::Validator number_between(double lo, double hi, const std::string& lo_text, const std::string& hi_text) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double v = 0;
        if (!parse_number(text, v)) return "\"" + text + "\" is not a number";
        if (!(v > lo && v < hi)) return "\"" + text + "\": must be above " + lo_text + " and below " + hi_text;
        return {};
      },
      "NUMBER");
}

// A whole number in [lo, hi] ("-1" for a seed is an error, not 18446744073709551615).
inline CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        const std::string range = "from " + std::to_string(lo) + " to " + std::to_string(hi);
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
          return "\"" + text + "\" is not a whole number " + range;
        errno = 0;
        const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
        if (errno != 0 || v < lo || v > hi) return "\"" + text + "\": must be " + range;
        return {};
      },
      "INT");
}

// ---- The shared options (docs/cli.md). Each takes exactly one value per occurrence, so none can
// swallow the positional that follows it (`tune --set /duration_s=100 SCENARIO`).

// -o/--out: where the command writes (a file or a directory, as `what` says).
inline CLI::Option* add_out_option(CLI::App* sub, std::string& out, const std::string& what) {
  return sub->add_option("-o,--out", out, what)->type_name("PATH");
}

// -q/--quiet: no progress bar or chatter on stderr.
inline CLI::Option* add_quiet_flag(CLI::App* sub, bool& quiet, const std::string& what = "no progress bar") {
  return sub->add_flag("-q,--quiet", quiet, what);
}

// -j/--jobs: worker threads, 0 = every core.
inline CLI::Option* add_jobs_option(CLI::App* sub, int& jobs) {
  return sub->add_option("-j,--jobs", jobs, "worker threads (default 0: every core)")
      ->check(whole_number(0, 4096))
      ->type_name("N");
}

// --seeds: seeded runs per point or candidate.
template <class Int>
CLI::Option* add_seeds_option(CLI::App* sub, Int& seeds, const std::string& what, std::uint64_t lo = 1,
                              std::uint64_t hi = 10000000) {
  return sub->add_option("--seeds", seeds, what)->check(whole_number(lo, hi))->type_name("N");
}

// --seed: one run's seed.
template <class Int>
CLI::Option* add_seed_option(CLI::App* sub, Int& seed, const std::string& what) {
  return sub->add_option("--seed", seed, what)->check(whole_number(0, UINT64_MAX))->type_name("N");
}

// --set /json/pointer=value, repeatable, one pair per --set.
inline CLI::Option* add_set_option(CLI::App* sub, std::vector<std::string>& sets) {
  return sub
      ->add_option("--set", sets,
                   "override a scenario value before validation: /json/pointer=value (value parsed as JSON, "
                   "else taken as a string); repeat for more")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->type_name("/PTR=VALUE");
}

// The footer every --help ends with: two or three real commands, run by tests/app/cli.cpp from the
// source directory.
inline void add_examples(CLI::App* sub, std::initializer_list<const char*> examples) {
  std::string text = "Examples:\n";
  for (const char* e : examples) text += std::string("  ") + e + "\n";
  sub->footer(text);
}

}  // namespace chaoslab::app
