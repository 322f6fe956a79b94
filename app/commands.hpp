// Every chaoslab subcommand registers itself on the CLI11 app here. A command's callback stores its
// exit status in `exit_code`; user errors are thrown as chaoslab::ConfigError (exit 2) and reach
// main(), which prints them.
#pragma once

#include <CLI/CLI.hpp>

namespace chaoslab::app {

void add_replay(CLI::App& app, int& exit_code);   // what-if replay of recorded calls (policies)
void add_run(CLI::App& app, int& exit_code);      // one simulated run (sim)
void add_sweep(CLI::App& app, int& exit_code);    // parameter sweeps (sim)
void add_merge(CLI::App& app, int& exit_code);    // join sweep shards
void add_tune(CLI::App& app, int& exit_code);     // cool-down tuning
void add_report(CLI::App& app, int& exit_code);   // HTML report
void add_backend(CLI::App& app, int& exit_code);  // live backend service
void add_client(CLI::App& app, int& exit_code);   // live client service
void add_live(CLI::App& app, int& exit_code);     // local live mode
void add_analyze(CLI::App& app, int& exit_code);  // analyse traces and lab logs
void add_compare(CLI::App& app, int& exit_code);  // simulation vs observation
void add_calibrate(CLI::App& app, int& exit_code);  // restart timings from a cluster

}  // namespace chaoslab::app
