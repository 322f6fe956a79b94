// `chaoslab report INPUT... [-o report.html] [--title T]`: one self-contained HTML page (charts inlined, no
// network) from sweep directories, traces and lab logs. docs/reports.md.
#include <cstdio>

#include "commands.hpp"
#include "policies/error.hpp"
#include "report/report_build.hpp"

namespace chaoslab::app {

void add_report(CLI::App& app, int& exit_code) {
  struct Options {
    std::vector<std::string> inputs;
    std::string output = "report.html";
    std::string title = "chaoslab report";
  };
  auto opts = std::make_shared<Options>();
  auto* sub = app.add_subcommand("report", "HTML report (offline, Vega-Lite charts) from sweeps, traces and lab logs");
  sub->add_option("inputs", opts->inputs, "sweep/tune output directories, JSON-lines traces, lab client logs")
      ->required();
  add_out_option(sub, opts->output, "the HTML file to write")->capture_default_str();
  // --output was report's name before the grammar (docs/cli.md); kept as a hidden alias.
  sub->add_option("--output", opts->output, "")->group("");
  sub->add_option("--title", opts->title, "page title")->capture_default_str();
  add_examples(sub, {"chaoslab report out/sweep -o out/sweep.html",
                     "chaoslab report out/run.jsonl tests/analysis/fixtures/analyze-lab.log -o out/run.html --title 'one run'"});
  sub->callback([opts, &exit_code] {
    const report::ReportPage page = report::build_report(opts->inputs, opts->title);
    try {
      report::write_report(page, opts->output);
    } catch (const std::runtime_error& e) {
      std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
      exit_code = kExitIoError;
      return;
    }
    std::printf("report: %s (%d charts)\n", opts->output.c_str(), report::count_charts(page));
    exit_code = kExitOk;
  });
}

}  // namespace chaoslab::app
