// `chaoslab replay`: what another breaker setting would have done with recorded calls. Input is
// JSON lines {"t", "outcome", "duration"?} or the lab client's log (detected from the first
// non-blank line); output is one JSON line per call: {"t", "admitted", "raised", "state"}. The
// reading and the replay are analysis/replay.hpp's; this file reads the files and the options.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/replay.hpp"
#include "commands.hpp"
#include "policies/config.hpp"
#include "policies/error.hpp"

namespace chaoslab::app {
namespace {

struct ReplayOptions {
  std::string breaker_path;
  std::string input_path;  // empty or "-": stdin
  std::string format = "auto";
  std::string lab_rejected = "skip";
  std::uint64_t seed = 1;
};

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError(path + ": cannot read file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void run_replay(const ReplayOptions& opt) {
  const BreakerConfig cfg =
      parse_breaker(parse_json_text(read_file(opt.breaker_path), opt.breaker_path), opt.breaker_path);

  const bool from_stdin = opt.input_path.empty() || opt.input_path == "-";
  const std::string name = from_stdin ? "<stdin>" : opt.input_path;
  std::ifstream file;
  if (!from_stdin) {
    file.open(opt.input_path, std::ios::binary);
    if (!file) throw ConfigError(opt.input_path + ": cannot read file");
  }
  std::istream& in = from_stdin ? std::cin : file;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));

  using analysis::LabRejected;
  using analysis::ReplayFormat;
  const ReplayFormat format = opt.format == "lab"     ? ReplayFormat::lab
                              : opt.format == "jsonl" ? ReplayFormat::jsonl
                                                      : ReplayFormat::detect;
  const LabRejected rejected = opt.lab_rejected == "failure"   ? LabRejected::failure
                               : opt.lab_rejected == "success" ? LabRejected::success
                                                               : LabRejected::skip;
  const auto calls = analysis::read_replay_calls(lines, name, format, rejected);
  analysis::write_replay(std::cout, calls, analysis::replay(calls, cfg, opt.seed));
  if (!std::cout) throw std::runtime_error("cannot write the output");
}

}  // namespace

void add_replay(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<ReplayOptions>();
  auto* sub = app.add_subcommand(
      "replay", "What-if: send recorded calls (JSON lines or the lab's log) through a breaker");
  sub->add_option("--breaker", opt->breaker_path, "breaker configuration (JSON, docs/policies.md)")
      ->required();
  sub->add_option("input", opt->input_path,
                  "recorded calls: JSON lines {\"t\",\"outcome\",\"duration\"?} or a lab client "
                  "log (default: stdin)");
  sub->add_option("--format", opt->format, "input format (default: detected)")
      ->check(CLI::IsMember({"auto", "jsonl", "lab"}));
  sub->add_option("--lab-rejected", opt->lab_rejected,
                  "lab calls the lab's breaker rejected have no outcome: skip them (default) or "
                  "assume one")
      ->check(CLI::IsMember({"skip", "failure", "success"}));
  add_seed_option(sub, opt->seed, "seed for the open-duration jitter (default 1)");
  add_examples(sub, {"chaoslab replay --breaker tests/app/malformed/replay/breaker.json tests/app/malformed/replay/ok.jsonl",
                     "chaoslab replay --breaker tests/app/malformed/replay/breaker.json tests/analysis/fixtures/analyze-lab.log "
                     "--lab-rejected failure"});
  sub->callback([opt, &exit_code] {
    run_replay(*opt);
    exit_code = kExitOk;
  });
}

}  // namespace chaoslab::app
