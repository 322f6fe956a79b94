// A Chaos Toolkit journal (chaostoolkit's journal.json, or chaoslab's): the pod deletions its
// terminate_pods actions made. The deletion happened between the action's start and end, so its
// time is the end with that whole window as its resolution.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "calibrate/observations.hpp"

namespace chaoslab::calibrate {

// True when doc has a journal's shape ({"experiment": {...}, "run": [...]}).
bool is_chaos_journal(const nlohmann::json& doc);

// Adds the deletions of every succeeded terminate_pods action in run[]: the pods its output names
// (a list of names, as chaoslab writes), else one AnonymousKill with the action's namespace and
// label selector. ConfigError "FILE: /run/N/...: what" for a bad time.
void read_chaos_journal(const nlohmann::json& doc, const std::string& file, Observations& obs);

}  // namespace chaoslab::calibrate
