// The python functions chaoslab implements: their argument specifications (used by the loader)
// and their execution against a Target (used by the runner). Internal to chaos/.
#pragma once

#include <string_view>
#include <vector>

#include "chaos/experiment.hpp"
#include "chaos/target.hpp"
#include "policies/rng.hpp"

namespace chaoslab::chaos::detail {

struct ArgSpec {
  enum class Kind { string, string_or_null, boolean, integer };
  std::string_view name;
  Kind kind;
  bool required;
  Json default_value;  // used when not required and absent
};

struct FunctionSpec {
  std::string_view module;
  std::string_view func;
  Function id;
  std::vector<ArgSpec> args;  // empty for chaoslab.faults (validated by faults.hpp)
};

const std::vector<FunctionSpec>& function_specs();

// Runs a python activity now. Returns its output; throws ActivityError when it fails the way
// the chaosk8s function raises ActivityFailed.
Json run_python(const PythonCall& call, Target& target, Rng& rng);

}  // namespace chaoslab::chaos::detail
