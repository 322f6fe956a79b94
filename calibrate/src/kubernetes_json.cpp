#include "calibrate/kubernetes_json.hpp"

#include <cmath>

#include "policies/error.hpp"

namespace chaoslab::calibrate {

using json = nlohmann::json;

namespace {

// A path through one document, for error messages: "FILE: /items/3/status/conditions/0: what".
struct At {
  const std::string& file;
  std::string ptr;
  At sub(const std::string& key) const { return At{file, ptr + "/" + key}; }
  At sub(std::size_t i) const { return At{file, ptr + "/" + std::to_string(i)}; }
  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(file + ": " + (ptr.empty() ? "/" : ptr) + ": " + what);
  }
};

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

const json* object_member(const json& j, const char* key, const At& at) {
  const json* v = member(j, key);
  if (v && !v->is_object()) at.sub(key).fail("expected an object");
  return v;
}

const json* array_member(const json& j, const char* key, const At& at) {
  const json* v = member(j, key);
  if (v && !v->is_array()) at.sub(key).fail("expected an array");
  return v;
}

std::string string_member(const json& j, const char* key, const At& at) {
  const json* v = member(j, key);
  if (!v) return {};
  if (!v->is_string()) at.sub(key).fail("expected a string");
  return v->get<std::string>();
}

std::optional<double> number_member(const json& j, const char* key, const At& at) {
  const json* v = member(j, key);
  if (!v) return std::nullopt;
  if (!v->is_number() || !std::isfinite(v->get<double>())) at.sub(key).fail("expected a number");
  return v->get<double>();
}

std::optional<Stamp> time_member(const json& j, const char* key, const At& at) {
  const json* v = member(j, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) at.sub(key).fail("expected an RFC 3339 time string");
  auto s = parse_stamp(v->get<std::string>());
  if (!s) at.sub(key).fail("not an RFC 3339 time: " + v->dump());
  return s;
}

bool is_events_v1(const json& j) {
  const json* api = member(j, "apiVersion");
  return api && api->is_string() && api->get<std::string>().rfind("events.k8s.io/", 0) == 0;
}

std::string kind_of(const json& j) {
  const json* k = member(j, "kind");
  return k && k->is_string() ? k->get<std::string>() : std::string();
}

void read_container_status(const json& cs, const At& at, bool init, PodObs& pod) {
  if (!cs.is_object()) at.fail("expected an object");
  const std::string name = string_member(cs, "name", at);
  if (name.empty()) at.sub("name").fail("missing");
  ContainerObs& c = pod.containers[(init ? "init:" : "") + name];
  c.init = init;
  if (auto r = number_member(cs, "restartCount", at)) c.restarts = static_cast<int>(*r);
  if (const json* state = object_member(cs, "state", at)) {
    const At sat = at.sub("state");
    if (const json* running = object_member(*state, "running", sat))
      if (auto t = time_member(*running, "startedAt", sat.sub("running"))) c.running_since = t;
    if (const json* term = object_member(*state, "terminated", sat)) {
      if (auto t = time_member(*term, "finishedAt", sat.sub("terminated"))) c.finished = t;
      // An init container that ran to completion: its start is the pod's first container start.
      if (auto t = time_member(*term, "startedAt", sat.sub("terminated")); t && init) c.running_since = t;
    }
  }
  if (const json* last = object_member(cs, "lastState", at)) {
    const At lat = at.sub("lastState");
    if (const json* term = object_member(*last, "terminated", lat)) {
      c.last_started = time_member(*term, "startedAt", lat.sub("terminated"));
      c.last_finished = time_member(*term, "finishedAt", lat.sub("terminated"));
      c.last_reason = string_member(*term, "reason", lat.sub("terminated"));
    }
  }
}

void read_pod(const json& p, const At& at, Observations& obs) {
  const json* meta = object_member(p, "metadata", at);
  if (!meta) at.sub("metadata").fail("missing (not a Pod object)");
  const At mat = at.sub("metadata");
  const std::string name = string_member(*meta, "name", mat);
  if (name.empty()) mat.sub("name").fail("missing");
  std::string ns = string_member(*meta, "namespace", mat);
  if (ns.empty()) ns = "default";
  PodObs& pod = obs.pod(ns, name, at.file);
  if (auto t = time_member(*meta, "creationTimestamp", mat)) keep_first(pod.created, *t);
  if (const json* labels = object_member(*meta, "labels", mat))
    for (auto it = labels->begin(); it != labels->end(); ++it)
      if (it->is_string()) pod.labels[it.key()] = it->get<std::string>();
  if (const json* owners = array_member(*meta, "ownerReferences", mat)) {
    for (std::size_t i = 0; i < owners->size(); ++i) {
      const json& o = (*owners)[i];
      const At oat = mat.sub("ownerReferences").sub(i);
      const std::string kind = string_member(o, "kind", oat);
      const json* controller = member(o, "controller");
      if (kind.empty() || (controller && controller->is_boolean() && !controller->get<bool>())) continue;
      pod.owner = kind + "/" + string_member(o, "name", oat);
    }
  }
  const json* spec = object_member(p, "spec", at);
  if (spec) {
    const At sat = at.sub("spec");
    pod.grace_period_s = number_member(*spec, "terminationGracePeriodSeconds", sat);
    if (const json* containers = array_member(*spec, "containers", sat); containers && !containers->empty()) {
      pod.probe_known = true;
      const At cat = sat.sub("containers").sub(std::size_t{0});
      if (const json* probe = object_member((*containers)[0], "readinessProbe", cat)) {
        // periodSeconds defaults to 10 (Probe v1).
        pod.probe_period_s = number_member(*probe, "periodSeconds", cat.sub("readinessProbe")).value_or(10.0);
      }
    }
  }
  // deletionTimestamp is when the pod will be gone: the request time plus the grace period.
  if (auto del = time_member(*meta, "deletionTimestamp", mat)) {
    std::optional<double> grace = number_member(*meta, "deletionGracePeriodSeconds", mat);
    if (!grace) grace = pod.grace_period_s;
    Stamp requested = *del;
    requested.us -= static_cast<std::int64_t>(std::llround(grace.value_or(30.0) * 1e6));
    note_deletion(pod, requested, "metadata.deletionTimestamp - deletionGracePeriodSeconds");
    if (!grace)
      obs.notes.push_back(at.file + ": pod " + name + " has a deletionTimestamp but no grace period: 30 s assumed");
  }
  const json* status = object_member(p, "status", at);
  if (!status) return;
  const At stat = at.sub("status");
  if (const json* conds = array_member(*status, "conditions", stat)) {
    for (std::size_t i = 0; i < conds->size(); ++i) {
      const json& c = (*conds)[i];
      const At cat = stat.sub("conditions").sub(i);
      if (!c.is_object()) cat.fail("expected an object");
      const std::string type = string_member(c, "type", cat);
      if (string_member(c, "status", cat) != "True") continue;
      const auto t = time_member(c, "lastTransitionTime", cat);
      if (!t) continue;
      if (type == "PodScheduled") keep_first(pod.scheduled, *t);
      if (type == "Ready") keep_last(pod.ready, *t);
    }
  }
  for (const auto& [key, init] : {std::pair{"initContainerStatuses", true}, std::pair{"containerStatuses", false}}) {
    if (const json* list = array_member(*status, key, stat))
      for (std::size_t i = 0; i < list->size(); ++i) read_container_status((*list)[i], stat.sub(key).sub(i), init, pod);
  }
}

// "spec.containers{backend}" -> "backend"; "spec.initContainers{setup}" -> "init:setup".
std::string container_of(const std::string& field_path) {
  const auto open = field_path.find('{');
  const auto close = field_path.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  const std::string name = field_path.substr(open + 1, close - open - 1);
  return field_path.rfind("spec.initContainers", 0) == 0 ? "init:" + name : name;
}

void read_event(const json& e, const At& at, Observations& obs) {
  const bool v1 = is_events_v1(e);
  const char* object_key = v1 ? "regarding" : "involvedObject";
  const json* obj = object_member(e, object_key, at);
  if (!obj) at.sub(object_key).fail("missing (an Event names the object it is about)");
  const At oat = at.sub(object_key);
  const std::string kind = string_member(*obj, "kind", oat);
  const std::string name = string_member(*obj, "name", oat);
  std::string ns = string_member(*obj, "namespace", oat);
  if (ns.empty()) ns = "default";
  const std::string reason = string_member(e, "reason", at);
  const std::string message = string_member(e, v1 ? "note" : "message", at);
  // First occurrence: eventTime (MicroTime) when set, else the whole-second first timestamp.
  std::optional<Stamp> first = time_member(e, "eventTime", at);
  if (!first) first = time_member(e, v1 ? "deprecatedFirstTimestamp" : "firstTimestamp", at);
  std::optional<Stamp> last = first;
  if (const json* series = object_member(e, "series", at))
    if (auto t = time_member(*series, "lastObservedTime", at.sub("series"))) last = t;
  if (auto t = time_member(e, v1 ? "deprecatedLastTimestamp" : "lastTimestamp", at)) keep_last(last, *t);
  if (!first) first = last;
  if (!first) {
    const json* meta = object_member(e, "metadata", at);
    if (meta) first = last = time_member(*meta, "creationTimestamp", at.sub("metadata"));
  }
  if (!first || name.empty()) return;  // nothing to place in time
  int count = 1;
  if (const json* series = object_member(e, "series", at))
    count = static_cast<int>(number_member(*series, "count", at.sub("series")).value_or(1));
  else if (auto c = number_member(e, v1 ? "deprecatedCount" : "count", at))
    count = static_cast<int>(*c);

  if (kind == "ReplicaSet" && reason == "SuccessfulCreate") {
    // "Created pod: backend-7d9c-x2k4p": the owner and the creation time of a pod that may be gone.
    const std::string prefix = "Created pod: ";
    if (message.rfind(prefix, 0) == 0) {
      PodObs& pod = obs.pod(ns, message.substr(prefix.size()), at.file);
      if (pod.owner.empty()) pod.owner = "ReplicaSet/" + name;
      keep_first(pod.created, *first);
    }
    return;
  }
  if (kind != "Pod") return;
  const std::string field_path = string_member(*obj, "fieldPath", oat);
  PodObs& pod = obs.pod(ns, name, at.file);
  if (reason == "Scheduled") {
    keep_first(pod.scheduled, *first);
  } else if (reason == "Pulling") {
    keep_first(pod.first_pulling, *first);
  } else if (reason == "Pulled") {
    keep_last(pod.last_pulled, *last);
  } else if (reason == "Started") {
    const std::string c = container_of(field_path);
    if (!c.empty()) {
      ContainerObs& co = pod.containers[c];
      co.init = c.rfind("init:", 0) == 0;
      keep_first(co.first_started_event, *first);
    }
  } else if (reason == "Killing" && message.rfind("Stopping container", 0) == 0) {
    // The kubelet stops containers when the pod is deleted (not a liveness restart).
    note_deletion(pod, *first, "Killing event");
  } else if (reason == "BackOff") {
    pod.crashes += count;
  }
}

void read_object(const json& j, const At& at, Observations& obs, int& found) {
  const std::string kind = kind_of(j);
  if (kind == "Pod") {
    read_pod(j, at, obs);
    ++found;
  } else if (kind == "Event") {
    read_event(j, at, obs);
    ++found;
  }
}

}  // namespace

bool is_kubernetes_json(const nlohmann::json& doc) {
  if (!doc.is_object()) return false;
  const std::string kind = kind_of(doc);
  if (kind == "Pod" || kind == "Event") return true;
  if (kind != "List" && kind != "PodList" && kind != "EventList") return false;
  return doc.contains("items") && doc.at("items").is_array();
}

void read_kubernetes_json(const nlohmann::json& doc, const std::string& file, Observations& obs) {
  const At root{file, ""};
  int found = 0;
  if (doc.contains("items")) {
    const json* items = array_member(doc, "items", root);
    if (items)
      for (std::size_t i = 0; i < items->size(); ++i) {
        const json& item = (*items)[i];
        if (!item.is_object()) root.sub("items").sub(i).fail("expected an object");
        // A PodList's items may omit their kind; the list says it.
        json copy;
        const json* use = &item;
        if (!item.contains("kind") && (kind_of(doc) == "PodList" || kind_of(doc) == "EventList")) {
          copy = item;
          copy["kind"] = kind_of(doc) == "PodList" ? "Pod" : "Event";
          use = &copy;
        }
        read_object(*use, root.sub("items").sub(i), obs, found);
      }
  } else {
    read_object(doc, root, obs, found);
  }
  if (found == 0) throw ConfigError(file + ": no Pod or Event objects (expected `kubectl get pods -o json` or `kubectl get events -o json`)");
  obs.inputs.push_back(file);
}

}  // namespace chaoslab::calibrate
