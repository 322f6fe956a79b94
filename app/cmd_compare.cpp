// chaoslab compare --scenario SCENARIO --observed LOG|TRACE|DIR [--runs N] [--seed S] [--band P]
//                  [--set /ptr=value]... [--journal FILE] [--keep-duration] [--json] [--out FILE]
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
  CompareOptions options;
  std::vector<std::string> sets;
  std::string journal;
  bool keep_duration = false;
  bool json = false;
  std::string out;
};

int compare_command(CompareArgs& a) {
  for (const auto& s : a.sets) a.options.overrides.push_back(sim::split_override(s));
  if (!a.journal.empty()) a.options.journal = a.journal;
  a.options.match_duration = !a.keep_duration;
  const Comparison c = compare_observed(a.options);
  const std::string json = comparison_to_json(c).dump() + "\n";
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
    std::cout << comparison_to_text(c);
  std::cout.flush();
  return c.pass ? kExitOk : kExitCheckFailed;
}

}  // namespace

void add_compare(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CompareArgs>();
  auto* sub = app.add_subcommand("compare", "Place an observed run in the simulator's distribution for a scenario");
  sub->add_option("--scenario", args->options.scenario, "Scenario file to simulate")->required();
  sub->add_option("--observed", args->options.observed, "Lab client log, trace (JSON lines) or live output folder")
      ->required();
  sub->add_option("--runs", args->options.runs, "Simulated runs (default 200)");
  sub->add_option("--seed", args->options.seed, "Base seed; run i uses the i-th derived seed (default 1)");
  sub->add_option("--band", args->options.band,
                  "Lower-tail percent P: pass inside the P-th to (100-P)-th simulated percentile (default 1)");
  sub->add_option("--set", args->sets, "Override a scenario value: /json/pointer=value; repeatable")->take_all();
  sub->add_option("--journal", args->journal, "Chaos Toolkit journal placing the chaos window on a lab log");
  sub->add_flag("--keep-duration", args->keep_duration,
                "Simulate the scenario's own duration instead of the observed run's length");
  sub->add_flag("--json", args->json, "Print the comparison as one JSON object");
  sub->add_option("--out", args->out, "Also write the JSON object to this file (a `chaoslab report` input)");
  sub->callback([args, &exit_code] { exit_code = compare_command(*args); });
}

}  // namespace chaoslab::app
