// Knobs tuned beside the cool-down (`--knob /pointer=v1,v2,...`): which values, where they go in
// the scenario (every client that sets its own value too) and which value is gentler on the
// backend, for ties.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace chaoslab::tune {

struct Knob {
  std::string pointer;                // as given, e.g. /policies/breaker/fail_max
  std::string name;                   // its last token, for labels: fail_max
  std::vector<nlohmann::json> values;  // in gentleness order, gentlest first
  std::vector<std::string> labels;     // the values as text: "3", {"stop_after_attempt":2}
};

// Parses "POINTER=V1,V2,..." (values are JSON, or plain text taken as a string; commas inside
// {...}, [...] or "..." do not split). Values are sorted gentlest first: a number (or an object
// whose one member is a number) that is a time (the name holds "timeout", "wait", "interval" or
// "delay") is gentler when longer; other numbers (fail_max, stop_after_attempt, ...) when smaller,
// since they trip sooner or retry less; anything else in the order of its JSON text.
// ConfigError("--knob TEXT: what") for bad syntax or duplicate values.
Knob parse_knob(const std::string& text);

// The pointers that set `pointer` for every client: the pointer itself, plus /clients/N/REST for
// each client entry that sets its own REST when `pointer` is /policies/REST (a per-client value
// overrides policies).
std::vector<std::string> effective_pointers(const nlohmann::json& doc, const std::string& pointer);

}  // namespace chaoslab::tune
