// `chaoslab calibrate`: the scenario's `kubernetes` timings from what a user can collect on their
// own cluster (docs/calibrate.md). The result is a `kubernetes` block the simulator reads as it is
// (`--set /kubernetes=@timings.json`): one distribution per measured phase, plus a "calibration"
// object the simulator ignores that says how many samples stand behind each phase, at what clock
// resolution, and what could not be measured.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibrate/observations.hpp"
#include "calibrate/pairing.hpp"

namespace chaoslab::calibrate {

struct CalibrateOptions {
  // A lognormal is fitted from this many samples on (and kept when Lilliefors' test accepts it
  // and the clock resolution is under a tenth of its median); fewer: the empirical distribution.
  std::size_t min_fit_samples = 20;
};

// Reads each input by its shape: a directory is a live-mode folder; a JSON file is kubectl
// output (pods or events, either API) or a Chaos Toolkit journal. ConfigError naming the file
// otherwise (not JSON, not Kubernetes JSON, unreadable).
Observations read_inputs(const std::vector<std::string>& inputs);

// The kubernetes block for the measurements.
nlohmann::json timings_block(const Measurements& m, const std::vector<std::string>& inputs,
                             const CalibrateOptions& options = {});

// The same block as a sweep profile, {"name": NAME, "set": {"/kubernetes/KEY": value, ...}}: one
// pointer per key, so a sweep's profiles axis sets the measured timings and keeps the scenario's
// other kubernetes keys (docs/sweeps.md, profiles).
nlohmann::json sweep_profile(const nlohmann::json& block, const std::string& name);

// read_inputs + measure_restarts + timings_block.
nlohmann::json calibrate_inputs(const std::vector<std::string>& inputs, const CalibrateOptions& options = {});

// A table for people: per phase the samples, median, 90th percentile, model and clock; then what
// was not measured and the notes.
std::string timings_to_text(const nlohmann::json& block);

}  // namespace chaoslab::calibrate
