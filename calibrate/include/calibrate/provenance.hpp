// Where a scenario's restart timings come from, in one line, for commands that act on them
// (`chaoslab tune` prints it): a `chaoslab calibrate` block with its sample counts, or the
// scenario's own (hand-written) values.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace chaoslab::calibrate {

// scenario_doc is the scenario document after overrides (sim::Scenario::doc).
std::string describe_timings(const nlohmann::json& scenario_doc);

}  // namespace chaoslab::calibrate
