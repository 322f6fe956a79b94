// `kubectl get pods -o json` and `kubectl get events -o json` (core/v1 Event and
// events.k8s.io/v1 Event, as a List, a PodList/EventList or one object) read into Observations.
// Field names follow the Kubernetes API reference (Pod v1, Event v1, events.k8s.io/v1 Event).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "calibrate/observations.hpp"

namespace chaoslab::calibrate {

// True when doc looks like kubectl output (a Pod, an Event or a list of them).
bool is_kubernetes_json(const nlohmann::json& doc);

// Adds every Pod and Event of doc. ConfigError "FILE: /json/pointer: what" for a field of the
// wrong type or a time that is not RFC 3339; "FILE: no Pod or Event objects" when there are none.
// Missing optional fields are skipped (the phase they feed is then not measured for that pod).
void read_kubernetes_json(const nlohmann::json& doc, const std::string& file, Observations& obs);

}  // namespace chaoslab::calibrate
