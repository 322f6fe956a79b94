// chaoslab analyze LOG [--json] [--journal FILE]
// Measures one recorded run (a chaoslab trace, a live output folder, or the lab's Python client
// log) with the run summary's definitions; --json keeps the summary's field names.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "analysis/analyze.hpp"
#include "commands.hpp"
#include "policies/error.hpp"

namespace chaoslab::app {

namespace {

struct AnalyzeArgs {
  std::string input;
  std::string journal;
  bool json = false;
};

int analyze_command(const AnalyzeArgs& a) {
  const analysis::Analysis r = analysis::analyze_file(a.input, a.journal.empty() ? std::nullopt : std::optional<std::string>(a.journal));
  if (a.json)
    std::cout << analysis::analysis_to_json(r).dump() << '\n';
  else
    std::cout << analysis::analysis_to_text(r);
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void add_analyze(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<AnalyzeArgs>();
  auto* sub = app.add_subcommand(
      "analyze", "Measure a recorded run: a chaoslab trace (sim or live), a live --out folder, or the lab's client log");
  sub->add_option("log", args->input, "Trace (JSON lines), live output folder, or lab client log")->required();
  sub->add_option("--journal", args->journal,
                  "Chaos Toolkit journal whose terminate action marks the chaos window (lab logs)");
  sub->add_flag("--json", args->json, "Print one JSON object (the run summary's field names, then analyze's own)");
  add_examples(sub, {"chaoslab analyze tests/analysis/fixtures/analyze-trace.jsonl",
                     "chaoslab analyze tests/analysis/fixtures/analyze-lab-chaos.log --journal tests/analysis/fixtures/analyze-journal.json --json"});
  sub->callback([args, &exit_code] { exit_code = analyze_command(*args); });
}

}  // namespace chaoslab::app
