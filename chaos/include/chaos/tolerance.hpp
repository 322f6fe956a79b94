// Tolerance checks as chaoslib's hypothesis.within_tolerance does them, on probe outputs.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "chaos/experiment.hpp"

namespace chaoslab::chaos {

// Python's == on JSON values: numbers and booleans compare numerically (True == 1), other types
// only with their own type, lists and dicts element by element.
bool py_equal(const Json& a, const Json& b);

// Python truthiness: null, false, 0, "", [] and {} are false.
bool py_truthy(const Json& v);

// Whether `value` is within `tolerance`. Every kind except Kind::probe, which needs to run an
// activity and is therefore evaluated by the runner (precondition: tolerance.kind != probe).
// Where Python would raise (a regex on a number, ordering a string against a number), the
// tolerance is reported as not met.
bool within_tolerance(const Tolerance& tolerance, const Json& value);

// within_tolerance on an http provider's output ({"status": status, "headers", "body"}) without
// building it, for the kinds that only read the status (integer, list): the same answer.
// nullopt for the other kinds, which need the whole output.
std::optional<bool> within_tolerance_status(const Tolerance& tolerance, int status);

}  // namespace chaoslab::chaos
