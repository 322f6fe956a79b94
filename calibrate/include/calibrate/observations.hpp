// What the inputs say about pods, gathered before pairing: one record per pod (from a pod list,
// events, a journal or a live-mode trace, merged by namespace and name) and the deletions seen.
// Every time keeps its resolution; "first"/"last" fields take the minimum/maximum over all the
// evidence, so events may arrive in any order.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calibrate/timestamp.hpp"

namespace chaoslab::calibrate {

struct ContainerObs {
  bool init = false;
  int restarts = 0;                     // restartCount
  std::optional<Stamp> running_since;   // state.running.startedAt (the latest start)
  std::optional<Stamp> last_started;    // lastState.terminated.startedAt (the previous run)
  std::optional<Stamp> last_finished;   // lastState.terminated.finishedAt
  std::string last_reason;              // lastState.terminated.reason ("Error", "OOMKilled")
  std::optional<Stamp> finished;        // state.terminated.finishedAt (exited for good)
  std::optional<Stamp> first_started_event;  // earliest Started event for this container
};

struct PodObs {
  std::string ns, name;
  std::string owner;        // "ReplicaSet/NAME" from ownerReferences or a SuccessfulCreate event
  std::string source;       // the input that first named it
  std::map<std::string, std::string> labels;
  std::optional<Stamp> created;          // metadata.creationTimestamp / live Pending
  std::optional<Stamp> deletion;         // when deletion was requested (earliest evidence)
  std::string deletion_source;
  std::optional<Stamp> scheduled;        // PodScheduled condition / Scheduled event / ContainerCreating
  std::optional<Stamp> containers_started;  // live mode: the container Running
  std::optional<Stamp> ready;            // Ready condition True / live Running with ready
  std::optional<Stamp> exited;           // live mode: Deleted (the process exited)
  std::optional<Stamp> first_pulling, last_pulled;  // image pull events
  std::optional<double> probe_period_s;  // the first container's readinessProbe.periodSeconds
  bool probe_known = false;              // the pod spec (or the live scenario) was read
  std::optional<double> grace_period_s;  // spec.terminationGracePeriodSeconds
  std::map<std::string, ContainerObs> containers;  // by name ("init:" prefix for init containers)
  int crashes = 0;                       // Crashed lines / BackOff evidence
};

struct Observations {
  std::map<std::string, PodObs> pods;  // key "namespace/name"
  std::vector<std::string> inputs;
  std::vector<std::string> notes;      // said plainly in the output
  // A Chaos Toolkit terminate_pods action that names no pod: its successor is found by
  // namespace and label selector.
  struct AnonymousKill {
    std::string ns, selector, source;
    Stamp at;
  };
  std::vector<AnonymousKill> anonymous_kills;

  PodObs& pod(const std::string& ns, const std::string& name, const std::string& source);
};

// Keeps the earlier (first) or later (last) of two optional stamps; two that agree within the
// coarser resolution are one moment, and the finer record wins.
void keep_first(std::optional<Stamp>& slot, const Stamp& s);
void keep_last(std::optional<Stamp>& slot, const Stamp& s);

// keep_first on the pod's deletion; `source` names it when this evidence is the one kept.
void note_deletion(PodObs& pod, const Stamp& s, const std::string& source);

}  // namespace chaoslab::calibrate
