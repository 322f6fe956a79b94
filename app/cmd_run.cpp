// chaoslab run SCENARIO [--seed N] [--set /ptr=value]... [--trace FILE] [--journal FILE] [--json]
// One simulated run; prints its summary (docs/trace.md "Run summary").
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chaos/journal.hpp"
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
  errno = 0;
  auto out = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*out)
    throw std::runtime_error(std::string("cannot write the ") + what + " to " + path + ": " +
                             (errno ? std::strerror(errno) : "cannot open the file"));
  return out;
}

void finish_output(std::ofstream& f, const std::string& path, const char* what) {
  errno = 0;
  f.flush();
  f.close();
  if (f.fail())
    throw std::runtime_error(std::string("cannot write the ") + what + " to " + path + ": " +
                             (errno ? std::strerror(errno) : "write failed"));
}

// "a", "b": the probes a deviated run names.
std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out;
}

int run_command(const RunArgs& a) {
  std::vector<std::pair<std::string, std::string>> overrides;
  for (const auto& s : a.sets) overrides.push_back(sim::split_override(s));
  const sim::Scenario scenario = sim::load_scenario_file(a.scenario, overrides);
  if (!a.journal.empty() && !scenario.chaos)
    throw ConfigError(a.scenario + ": --journal needs a scenario with a chaos experiment (/chaos)");

  std::unique_ptr<std::ofstream> trace, journal;
  std::ostringstream journal_text;  // also read back to name the probes of a deviated run
  sim::RunOptions opt;
  if (!a.trace.empty()) opt.trace = (trace = open_output(a.trace, "trace")).get();
  if (!a.journal.empty()) journal = open_output(a.journal, "journal");
  if (scenario.chaos) opt.journal = &journal_text;

  const std::uint64_t seed = a.seed.value_or(scenario.seed);
  const sim::RunResult r = sim::run_scenario(scenario, seed, opt);
  if (trace) finish_output(*trace, a.trace, "trace");
  if (journal) {
    *journal << journal_text.str();
    finish_output(*journal, a.journal, "journal");
  }
  if (a.json) {
    std::cout << r.summary.to_json() << '\n';
  } else {
    std::cout << scenario.name << " (" << a.scenario << ")\n" << r.summary.to_text();
    if (r.chaos_status) {
      std::cout << "chaos     experiment " << chaos::to_string(*r.chaos_status);
      if (r.chaos_deviated) {
        const std::string probes = quoted_list(chaos::missed_probes(journal_text.str()));
        std::cout << ", deviated" << (probes.empty() ? "" : ": steady-state probe " + probes + " missed its tolerance");
      }
      std::cout << '\n';
    }
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void add_run(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand("run", "Simulate one run of a scenario and print its summary");
  sub->add_option("scenario", args->scenario, "scenario file (scenarios/*.json)")->required();
  add_seed_option(sub, args->seed, "run seed (default: the scenario's \"seed\")");
  add_set_option(sub, args->sets);
  sub->add_option("--trace", args->trace, "write the JSON-lines trace (docs/trace.md) to FILE")->type_name("FILE");
  sub->add_option("--journal", args->journal, "write the Chaos Toolkit journal to FILE")->type_name("FILE");
  sub->add_flag("--json", args->json, "print the summary as one JSON object");
  add_examples(sub, {"chaoslab run scenarios/lab3-chaos.json",
                     "chaoslab run scenarios/lab3-chaos.json --set /duration_s=180 --seed 7 --trace out/run.jsonl",
                     "chaoslab run scenarios/mm1.json --json"});
  sub->callback([args, &exit_code] { exit_code = run_command(*args); });
}

}  // namespace chaoslab::app
