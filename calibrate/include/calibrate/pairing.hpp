// Pairs each deleted pod with its successor (same owner, created at or after the deletion) and
// measures the restart's phases, in the simulator's terms (docs/simulator.md, "Kubernetes"):
//   replace_delay_s    deletion requested -> successor created
//   scheduling_s       created -> scheduled (PodScheduled / Scheduled / ContainerCreating)
//   container_start_s  scheduled -> the last app container started (init containers and image
//                      pulls included)
//   app_start_s        containers started -> Ready, less half the readiness probe's period (the
//                      simulator adds its own probe ticks)
//   shutdown_s         deletion requested -> the deleted pod's containers exited
// endpoint_delay_s is never measurable from these inputs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "calibrate/observations.hpp"

namespace chaoslab::calibrate {

struct RestartPair {
  std::string deleted;     // "namespace/name" ("" for an anonymous journal kill)
  std::string successor;   // "namespace/name"
  Stamp deleted_at;
  std::string deletion_source;
};

struct PhaseSamples {
  std::vector<double> values;      // seconds, in pair order
  std::int64_t resolution_us = 1;  // the coarsest clock behind any sample
  std::vector<std::string> sources;  // which fields the samples came from (distinct, in order)
  std::vector<std::string> skipped;  // pods left out, and why
  // app_start_s behind a readiness probe: the app came up somewhere in the probe period before
  // Ready, so each sample (its centre) stands for an interval this wide.
  double spread_s = 0;
};

struct Measurements {
  std::vector<RestartPair> pairs;
  std::map<std::string, PhaseSamples> phases;  // by scenario key: "scheduling_s", ...
  std::vector<std::string> notes;
  std::vector<double> image_pull_s;   // Pulling -> Pulled, inside container_start_s
  int crash_restarts = 0;             // CrashLoopBackOff restarts seen on successors
  std::optional<double> readiness_period_s;  // the successors' probe, when they agree
  bool no_probe = false;                     // the successors have no readiness probe
  std::optional<double> grace_period_s;      // the successors' terminationGracePeriodSeconds
};

// The phase keys, in output order.
const std::vector<std::string>& phase_keys();

// ConfigError "no pod deletions found in INPUTS ..." when nothing was deleted, "no successor for
// deleted pod NS/NAME ..." when no deletion has one.
Measurements measure_restarts(const Observations& obs);

}  // namespace chaoslab::calibrate
