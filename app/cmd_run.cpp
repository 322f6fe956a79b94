// chaoslab run SCENARIO [--seed N] [--set /ptr=value]... [--trace FILE] [--journal FILE] [--json]
// One simulated run; prints its summary (docs/trace.md "Run summary").
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "policies/error.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"

namespace chaoslab::app {

namespace {

struct RunArgs {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> sets;
  std::string trace;
  std::string journal;
  bool json = false;
};

std::unique_ptr<std::ofstream> open_output(const std::string& path, const char* what) {
  auto out = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*out) throw std::runtime_error(std::string("cannot write the ") + what + " to " + path);
  return out;
}

int run_command(const RunArgs& a) {
  std::vector<std::pair<std::string, std::string>> overrides;
  for (const auto& s : a.sets) overrides.push_back(sim::split_override(s));
  const sim::Scenario scenario = sim::load_scenario_file(a.scenario, overrides);
  if (!a.journal.empty() && !scenario.chaos)
    throw ConfigError(a.scenario + ": --journal needs a scenario with a chaos experiment (/chaos)");

  std::unique_ptr<std::ofstream> trace, journal;
  sim::RunOptions opt;
  if (!a.trace.empty()) opt.trace = (trace = open_output(a.trace, "trace")).get();
  if (!a.journal.empty()) opt.journal = (journal = open_output(a.journal, "journal")).get();

  const std::uint64_t seed = a.seed.value_or(scenario.seed);
  const sim::RunResult r = sim::run_scenario(scenario, seed, opt);
  for (auto* f : {trace.get(), journal.get()}) {
    if (f && !f->flush()) throw std::runtime_error("cannot write an output file");
  }
  if (a.json) {
    std::cout << r.summary.to_json() << '\n';
  } else {
    std::cout << scenario.name << " (" << a.scenario << ")\n" << r.summary.to_text();
    if (r.chaos_status) {
      std::cout << "chaos     experiment " << chaos::to_string(*r.chaos_status)
                << (r.chaos_deviated ? ", deviated" : "") << '\n';
    }
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void add_run(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand("run", "Simulate one run of a scenario and print its summary");
  sub->add_option("scenario", args->scenario, "Scenario file (scenarios/*.json)")->required();
  sub->add_option("--seed", args->seed, "Run seed (default: the scenario's \"seed\")");
  sub->add_option("--set", args->sets, "Override a scenario value before validation: /json/pointer=value "
                                       "(value parsed as JSON, else taken as a string); repeatable")
      ->take_all();
  sub->add_option("--trace", args->trace, "Write the JSON-lines trace (docs/trace.md) to FILE");
  sub->add_option("--journal", args->journal, "Write the Chaos Toolkit journal to FILE");
  sub->add_flag("--json", args->json, "Print the summary as one JSON object");
  sub->callback([args, &exit_code] { exit_code = run_command(*args); });
}

}  // namespace chaoslab::app
