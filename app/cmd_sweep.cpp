// Placeholder until this command lands; it says so instead of pretending to work.
#include "commands.hpp"
#include "policies/error.hpp"

namespace chaoslab::app {

void add_sweep(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("sweep", "(not available yet)");
  sub->allow_extras();
  sub->callback([&exit_code] { throw ConfigError("'sweep' is not available in this build yet"); });
  (void)exit_code;
}

}  // namespace chaoslab::app
