// Sweeps of simulator scenarios: the SweepModel that loads each point's scenario (base scenario +
// overrides, validated by load_scenario) and runs seeds with run_scenario().
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "policies/run_summary.hpp"
#include "policies/trace.hpp"
#include "sim/sweep_runner.hpp"
#include "sim/sweep_spec.hpp"

namespace chaoslab::sim {

// Extra per-run metrics computed from a run's events (it is the run's TraceSink), appended to
// the run's summary object under one key. One instance per worker, reset() before every run.
class RunExtension : public TraceSink {
 public:
  virtual void reset() = 0;
  // A JSON object of numbers (or nulls), given the finished run's summary.
  virtual nlohmann::json finish(const RunSummary& summary) = 0;
};
using RunExtensionFactory = std::function<std::unique_ptr<RunExtension>()>;

// Runs with run_scenario(); the summary line is RunSummary::to_json(), plus
// "<extension_key>": {...} when an extension is given. Points prepared by several workers at once
// share one loaded Scenario.
std::unique_ptr<SweepModel> make_scenario_model(const SweepSpec& spec, std::string extension_key = "",
                                                RunExtensionFactory extension = {});

// Loads the scenario of every axis level (the other axes at their first level) and of both ends
// of every range, so a bad value fails before any run: ConfigError
// "SWEEP: /axes/N...: SCENARIO: /json/pointer: what".
void validate_sweep(const SweepSpec& spec);
// The same on `jobs` threads (0: every core), keeping what it loaded in `model` (a
// make_scenario_model() of this spec): the run then does not load those points again (with one
// axis, validation loads every point). The error is the same whatever the jobs.
void validate_sweep(const SweepSpec& spec, SweepModel& model, int jobs);

}  // namespace chaoslab::sim
