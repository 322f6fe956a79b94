// Sweeps of simulator scenarios: the SweepModel that loads each point's scenario (base scenario +
// overrides, validated by load_scenario) and runs seeds with run_scenario().
#pragma once

#include <memory>

#include "sim/sweep_runner.hpp"
#include "sim/sweep_spec.hpp"

namespace chaoslab::sim {

// Runs with run_scenario(); the summary line is RunSummary::to_json(). Points prepared by several
// workers at once share one loaded Scenario.
std::unique_ptr<SweepModel> make_scenario_model(const SweepSpec& spec);

// Loads the scenario of every axis level (the other axes at their first level) and of both ends
// of every range, so a bad value fails before any run: ConfigError
// "SWEEP: /axes/N...: SCENARIO: /json/pointer: what".
void validate_sweep(const SweepSpec& spec);

}  // namespace chaoslab::sim
