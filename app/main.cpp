// chaoslab: one executable, every feature a subcommand (app/cmd_*.cpp).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "commands.hpp"
#include "policies/error.hpp"
#include "sim/sweep_runner.hpp"

namespace {

// The subcommand being parsed when a parse error struck, for the "see --help" hint.
std::string failing_subcommand(CLI::App& app) {
  for (auto* s : app.get_subcommands([](CLI::App* s) { return s->count() > 0 || s->parsed(); }))
    return s->get_name();
  return "";
}

// The command line as typed, `chaoslab` first, quoted for a shell where needed.
std::string shell_words(int argc, char** argv) {
  std::string out = "chaoslab";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    out += ' ';
    if (!a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%") ==
                          std::string::npos) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chaoslab: tune circuit breakers and retries against real failure timing"};
  int exit_code = chaoslab::kExitOk;
  chaoslab::app::add_all_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return app.exit(CLI::CallForHelp());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // One line, the same prefix as every other error, then where to look.
    const std::string sub = failing_subcommand(app);
    std::string what = e.what();
    if (sub.empty()) {
      const std::string first = argc > 1 ? argv[1] : "";
      if (first.empty())
        what = "no subcommand given";
      else if (first[0] != '-')
        what = "\"" + first + "\" is not a subcommand";
      std::fprintf(stderr, "chaoslab: error: %s (run `chaoslab help` for the list)\n", what.c_str());
    } else {
      std::fprintf(stderr, "chaoslab: error: %s: %s (see `chaoslab help %s`)\n", sub.c_str(), what.c_str(), sub.c_str());
    }
    return chaoslab::kExitBadInput;
  } catch (const chaoslab::ConfigError& e) {
    std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
    return chaoslab::kExitBadInput;
  } catch (const chaoslab::sim::SweepInterrupted& e) {
    // Ctrl-C on a sweep or tune: the runs written so far are kept, and this line continues them.
    std::string cmd = shell_words(argc, argv);
    if (cmd.find(" --resume") == std::string::npos) cmd += " --resume";
    // After a progress bar (a terminal), start a new line.
    std::fprintf(stderr, "%schaoslab: interrupted: %s; continue with:\n  %s\n", ::isatty(STDERR_FILENO) ? "\n" : "",
                 e.what(), cmd.c_str());
    return 130;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
    return chaoslab::kExitIoError;
  }
  return exit_code;
}
