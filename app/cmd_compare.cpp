// chaoslab compare SCENARIO --observed LOG|TRACE|DIR [--seeds N] [--seed S] [--band P]
//                  [--set /ptr=value]... [--journal FILE] [--keep-duration] [--json] [-o FILE]
// Places an observed run in the distribution of N simulations of the scenario; exit 1 when a main
// metric lies outside the band, so it can gate CI. --out writes the --json object to FILE, an
// input of `chaoslab report` (its compare section).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "analysis/compare.hpp"
#include "policies/error.hpp"
#include "sim/scenario.hpp"
#include "sim/sweep_runner.hpp"

namespace chaoslab::app {

namespace {

struct CompareArgs {
  analysis::CompareOptions options;
  std::vector<std::string> sets;
  std::string journal;
  bool keep_duration = false;
  bool json = false;
  std::string out;
};

int compare_command(CompareArgs& a) {
  if (a.options.scenario.empty()) throw ConfigError("compare: the scenario file is required (chaoslab compare SCENARIO --observed LOG)");
  for (const auto& s : a.sets) a.options.overrides.push_back(sim::split_override(s));
  if (!a.journal.empty()) a.options.journal = a.journal;
  a.options.match_duration = !a.keep_duration;
  const analysis::Comparison c = analysis::compare_observed(a.options);
  const std::string json = analysis::comparison_to_json(c).dump() + "\n";
  if (!a.out.empty()) {
    try {
      sim::write_file_atomic(a.out, json);  // a report never reads half a comparison
    } catch (const std::runtime_error& e) {
      std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
      return kExitIoError;
    }
  }
  if (a.json)
    std::cout << json;
  else
    std::cout << analysis::comparison_to_text(c);
  std::cout.flush();
  return c.pass ? kExitOk : kExitCheckFailed;
}

}  // namespace

void add_compare(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CompareArgs>();
  auto* sub = app.add_subcommand("compare", "Place an observed run in the simulator's distribution for a scenario");
  // The scenario is a positional as everywhere; --scenario (the old spelling) stays as a hidden alias.
  auto* scen = sub->add_option("scenario", args->options.scenario, "scenario file to simulate");
  auto* scen_flag = sub->add_option("--scenario", args->options.scenario, "")->group("");
  scen->excludes(scen_flag);
  sub->add_option("--observed", args->options.observed, "lab client log, trace (JSON lines) or live output folder")
      ->required();
  add_seeds_option(sub, args->options.runs, "simulated runs (default 200)", 2);
  sub->add_option("--runs", args->options.runs, "")->group("")->check(whole_number(2, 10000000));  // old name
  add_seed_option(sub, args->options.seed, "base seed; run i uses the i-th derived seed (default 1)");
  sub->add_option("--band", args->options.band,
                  "lower-tail percent P: pass inside the P-th to (100-P)-th simulated percentile (default 1)")
      ->check(number_between(0, 50, "0", "50"));
  add_set_option(sub, args->sets);
  sub->add_option("--journal", args->journal, "Chaos Toolkit journal placing the chaos window on a lab log");
  sub->add_flag("--keep-duration", args->keep_duration,
                "simulate the scenario's own duration instead of the observed run's length");
  sub->add_flag("--json", args->json, "print the comparison as one JSON object");
  add_out_option(sub, args->out, "also write the JSON object to this file (a `chaoslab report` input)");
  // The trace is the one `chaoslab run`'s second example writes: the simulator checked against its own run.
  add_examples(sub, {"chaoslab compare scenarios/lab3-chaos.json --set /duration_s=180 --observed out/run.jsonl --seeds 50",
                     "chaoslab compare scenarios/lab3-chaos.json --set /duration_s=180 --observed out/run.jsonl --seeds 100 "
                     "-o out/compare.json"});
  sub->callback([args, &exit_code] { exit_code = compare_command(*args); });
}

}  // namespace chaoslab::app
