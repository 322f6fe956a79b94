// Placeholder until this command lands; it says so instead of pretending to work.
#include "commands.hpp"
#include "policies/error.hpp"

namespace chaoslab::app {

void add_tune(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("tune", "(not available yet)");
  sub->allow_extras();
  sub->callback([&exit_code] { throw ConfigError("'tune' is not available in this build yet"); });
  (void)exit_code;
}

}  // namespace chaoslab::app
