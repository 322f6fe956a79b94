// The command-line grammar of docs/cli.md (app/commands.hpp, app/main.cpp): walked over every
// subcommand's options in-process, then checked on the real executable: Usage, help, one-line
// errors with exit 2, and every --help example run as printed.
#include <doctest/doctest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../live/process_support.hpp"
#include "commands.hpp"

using chaoslab::testing::Chaoslab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::vector<CLI::App*> subcommands(CLI::App& app) {
  return app.get_subcommands([](CLI::App*) { return true; });
}

bool visible(const CLI::Option* o) { return !o->get_group().empty(); }

// The example lines of a subcommand's help footer.
std::vector<std::string> examples(const CLI::App* sub) {
  std::vector<std::string> lines;
  std::istringstream in(sub->get_footer());
  std::string line;
  bool in_examples = false;
  while (std::getline(in, line)) {
    if (line == "Examples:") in_examples = true;
    else if (in_examples && line.rfind("  chaoslab ", 0) == 0) lines.push_back(line.substr(2));
  }
  return lines;
}

struct Result {
  int code;
  std::string out, err;
};

Result run(const std::vector<std::string>& args) {
  Chaoslab p(args);
  const auto st = p.wait(60s);
  REQUIRE_MESSAGE(st, "still running after 60 s");
  return {st->code, p.out(), p.err()};
}

}  // namespace

TEST_CASE("cli: every subcommand follows the one grammar (docs/cli.md)") {
  CLI::App app{"chaoslab"};
  int exit_code = 0;
  chaoslab::app::add_all_commands(app, exit_code);
  CHECK(app.get_name() == "chaoslab");
  // The canonical spelling of each shared idea: long name -> short name ("" = none).
  const std::map<std::string, std::string> canonical = {
      {"out", "o"}, {"quiet", "q"}, {"jobs", "j"}, {"seeds", ""}, {"seed", ""}, {"set", ""}};
  const std::set<std::string> replaced = {"output", "runs", "scenario"};  // hidden aliases only
  std::size_t subs = 0, options = 0;
  for (CLI::App* sub : subcommands(app)) {
    const std::string name = sub->get_name();
    CAPTURE(name);
    ++subs;
    // Two or three examples, each this subcommand.
    const auto ex = examples(sub);
    CHECK(ex.size() >= 1);
    CHECK(ex.size() <= 3);
    if (name != "merge") CHECK(ex.size() >= 2);
    for (const auto& e : ex) CHECK(e.rfind("chaoslab " + name, 0) == 0);
    for (const CLI::Option* o : sub->get_options()) {
      if (o->get_name() == "--help" || o->get_name() == "-h,--help") continue;
      CAPTURE(o->get_name());
      ++options;
      if (o->nonpositional()) {
        // No option takes more than one value per occurrence: none can swallow a positional.
        CHECK((o->get_expected_max() <= 1 || !o->get_allow_extra_args()));
        for (const auto& l : o->get_lnames()) {
          if (visible(o) && replaced.count(l) && !(name == "client" && l == "scenario"))
            FAIL_CHECK("--" << l << " is replaced by the grammar; it may only be a hidden alias");
          const auto c = canonical.find(l);
          if (c == canonical.end() || !visible(o)) continue;
          const auto& shorts = o->get_snames();
          if (c->second.empty())
            CHECK(shorts.empty());
          else
            CHECK((shorts.size() == 1 && shorts[0] == c->second));
        }
      }
    }
  }
  CHECK(subs == 13);  // twelve commands and help
  MESSAGE(subs << " subcommands, " << options << " options checked");
}

TEST_CASE("cli: Usage says chaoslab; help and help SUBCOMMAND; --help ends with examples") {
  const Result top = run({"help"});
  CHECK(top.code == 0);
  CHECK(top.out.find("Usage: chaoslab ") != std::string::npos);
  CHECK(top.out.find(CHAOSLAB_BINARY) == std::string::npos);
  for (const char* s : {"run", "sweep", "merge", "tune", "report", "replay", "analyze", "compare", "backend", "client",
                        "live"})
    CHECK(top.out.find(std::string("  ") + s) != std::string::npos);

  const Result sweep = run({"help", "sweep"});
  CHECK(sweep.code == 0);
  CHECK(sweep.out.find("Usage: chaoslab sweep") != std::string::npos);
  CHECK(sweep.out.find("Examples:\n  chaoslab sweep ") != std::string::npos);
  const Result same = run({"sweep", "--help"});
  CHECK(same.code == 0);
  CHECK(same.out == sweep.out);

  const Result none = run({"help", "nope"});
  CHECK(none.code == 2);
  CHECK(none.err == "chaoslab: error: help: no subcommand \"nope\" (run `chaoslab help` for the list)\n");
}

TEST_CASE("cli: parser errors are one plain line, chaoslab: error:, exit 2") {
  const std::string chaos = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";
  const std::string tmp = chaoslab::testing::temp_dir("cli-errors");
  const std::string bad_sweep = tmp + "/bad.json";
  std::ofstream(bad_sweep) << "{\"scenario\": \"x.json\",\n  \"axes\": [}\n";
  const std::string E = "chaoslab: error: ";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"tune", chaos, "--cooldowns", "0"},
       E + "tune: --cooldowns: \"0\": must be above 0 seconds (see `chaoslab help tune`)\n"},
      {{"tune", chaos, "--cooldowns", "-1"},
       E + "tune: --cooldowns: \"-1\": must be above 0 seconds (see `chaoslab help tune`)\n"},
      {{"tune", chaos, "--cooldowns", "1,abc"},
       E + "tune: --cooldowns: \"abc\" is not a number of seconds (see `chaoslab help tune`)\n"},
      {{"tune", chaos, "--window", "0"},
       E + "tune: --window: \"0\": must be above 0 seconds (see `chaoslab help tune`)\n"},
      {{"tune", chaos, "--window", "abc"},
       E + "tune: --window: \"abc\" is not a number of seconds (see `chaoslab help tune`)\n"},
      {{"tune", chaos, "--seeds", "1"}, E + "tune: --seeds: \"1\": must be from 2 to 10000000 (see `chaoslab help tune`)\n"},
      {{"run", chaos, "--seed", "-1"},
       E + "run: --seed: \"-1\" is not a whole number from 0 to 18446744073709551615 (see `chaoslab help run`)\n"},
      {{"run", chaos, "--seed", "abc"},
       E + "run: --seed: \"abc\" is not a whole number from 0 to 18446744073709551615 (see `chaoslab help run`)\n"},
      {{"compare", chaos, "--observed", chaos, "--band", "90"},
       E + "compare: --band: \"90\": must be above 0 and below 50 (see `chaoslab help compare`)\n"},
      {{"compare", chaos, "--observed", chaos, "--band", "x"},
       E + "compare: --band: \"x\" is not a number (see `chaoslab help compare`)\n"},
      {{"run", "/tmp"}, E + "/tmp: is a directory, not a scenario file\n"},
      {{"sweep", "/tmp", "-o", tmp + "/s"}, E + "/tmp: is a directory, not a sweep file\n"},
      {{"sweep", bad_sweep, "-o", tmp + "/s"},
       E + bad_sweep + ": line 2, column 12: invalid JSON: syntax error while parsing value - unexpected '}'; expected '[', '{', "
                       "or a literal\n"},
      {{"sweep", chaos, "--jobs", "-2", "-o", tmp + "/s"},
       E + "sweep: --jobs: \"-2\" is not a whole number from 0 to 4096 (see `chaoslab help sweep`)\n"},
      {{"run", chaos, "--bogus"}, E + "run: The following argument was not expected: --bogus (see `chaoslab help run`)\n"},
      {{"run"}, E + "run: scenario is required (see `chaoslab help run`)\n"},
      {{}, E + "no subcommand given (run `chaoslab help` for the list)\n"},
      {{"frobnicate"}, E + "\"frobnicate\" is not a subcommand (run `chaoslab help` for the list)\n"},
  };
  for (const auto& [args, message] : cases) {
    std::string shown;
    for (const auto& a : args) shown += " " + a;
    CAPTURE(shown);
    const Result r = run(args);
    CHECK(r.code == 2);
    CHECK(r.err == message);
    CHECK(r.out.empty());
  }
}

TEST_CASE("cli: options cannot swallow the positional") {
  const std::string chaos = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";
  // --set before the scenario, then another option: the scenario is still the positional.
  const Result a = run({"run", "--set", "/duration_s=30", chaos, "--seed", "3", "--json"});
  CHECK(a.code == 0);
  const Result b = run({"run", chaos, "--seed", "3", "--set", "/duration_s=30", "--json"});
  CHECK(b.code == 0);
  CHECK(a.out == b.out);
  CHECK(a.out.find("\"virtual_seconds\":30") != std::string::npos);
}

TEST_CASE("cli: a trace that cannot be written names the OS reason, exit 3") {
  const std::string chaos = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";
  const Result r = run({"run", chaos, "--trace", "/nonexistent-dir/t.jsonl"});
  CHECK(r.code == 3);
  CHECK(r.err == "chaoslab: error: cannot write the trace to /nonexistent-dir/t.jsonl: No such file or directory\n");
  const Result j = run({"run", chaos, "--journal", "/proc/version"});
  CHECK(j.code == 3);
  CHECK(j.err.rfind("chaoslab: error: cannot write the journal to /proc/version: ", 0) == 0);
}

TEST_CASE("cli: every --help example runs as printed, from the source directory's files") {
  CLI::App app{"chaoslab"};
  int exit_code = 0;
  chaoslab::app::add_all_commands(app, exit_code);
  // A scratch working directory that sees the shipped inputs (scenarios/, sweeps/, tests/, chaos/,
  // k8s/) and takes the outputs (out/).
  const fs::path work = chaoslab::testing::temp_dir("cli-examples");
  for (const char* d : {"scenarios", "sweeps", "tests", "chaos", "k8s", "docs"})
    fs::create_directory_symlink(fs::path(CHAOSLAB_SOURCE_DIR) / d, work / d);
  fs::create_directory(work / "out");
  const std::string bin_dir = fs::path(CHAOSLAB_BINARY).parent_path().string();
  std::size_t ran = 0;
  for (CLI::App* sub : subcommands(app)) {
    for (const std::string& line : examples(sub)) {
      CAPTURE(line);
      const bool service = sub->get_name() == "backend";  // runs until SIGTERM
      chaoslab::live::SpawnOptions o;
      o.stdout_path = work.string() + "/example.out";
      o.stderr_path = work.string() + "/example.err";
      chaoslab::live::ChildProcess p({"/bin/sh", "-c", "cd '" + work.string() + "' && PATH='" + bin_dir + "':\"$PATH\" exec " + line}, o);
      if (service) {
        bool listening = false;
        for (int i = 0; i < 3000 && !listening && !p.poll(); ++i) {
          listening = chaoslab::testing::read_text(o.stderr_path).find("listening on") != std::string::npos;
          if (!listening) std::this_thread::sleep_for(10ms);
        }
        const std::string err = chaoslab::testing::read_text(o.stderr_path);
        if (!listening && err.find("Address already in use") != std::string::npos) {
          MESSAGE("skipped (its port is taken on this machine): " << line);
          p.wait_for(10s);
          continue;
        }
        CHECK_MESSAGE(listening, err);
        p.signal(SIGTERM);
      }
      const auto st = p.wait_for(300s);
      REQUIRE_MESSAGE(st, "still running after 300 s");
      CHECK_MESSAGE(st->code == 0, chaoslab::testing::read_text(o.stderr_path));
      ++ran;
    }
  }
  MESSAGE(ran << " examples ran");
  CHECK(ran >= 20);
}
