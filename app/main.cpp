// chaoslab: one executable, every feature a subcommand (app/cmd_*.cpp).
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "policies/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"chaoslab: tune circuit breakers and retries against real failure timing"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "chaoslab 0.1.0");
  int exit_code = chaoslab::kExitOk;
  namespace a = chaoslab::app;
  for (auto add : {a::add_run, a::add_sweep, a::add_merge, a::add_tune, a::add_report,
                   a::add_replay, a::add_analyze, a::add_compare, a::add_backend, a::add_client,
                   a::add_live, a::add_calibrate})
    add(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : chaoslab::kExitBadInput;
  } catch (const chaoslab::ConfigError& e) {
    std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
    return chaoslab::kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
    return chaoslab::kExitIoError;
  }
  return exit_code;
}
