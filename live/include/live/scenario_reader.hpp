// The parts of a scenario file (scenarios/*.json, docs/scenarios.md) that live mode needs: the
// client policy, the backend's /work parameters, the pod timing model and the experiment. live/
// never includes sim/, so this reads them itself; every field it reads is checked with the same
// messages ("FILE: /pointer: what"). Keys that only the simulator uses are left to its loader.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/client.hpp"
#include "policies/rng.hpp"
#include "policies/time.hpp"

namespace chaoslab::live {

// A delay distribution in the scenario's JSON shape: a number, or {"type": "constant"|"uniform"|
// "exponential"|"lognormal"|"empirical", ...} (the simulator's Dist; values in the field's unit).
struct Delay {
  enum class Kind : std::uint8_t { constant, uniform, exponential, lognormal, empirical };
  Kind kind = Kind::constant;
  double a = 0, b = 0;
  std::vector<double> values;
  static Delay constant(double v) { return Delay{Kind::constant, v, 0, {}}; }
  // A draw in seconds (fields ending in _s).
  Duration sample_s(Rng& rng) const;
};
Delay parse_delay(const nlohmann::json& j, const std::string& file, const std::string& pointer);

// How local live mode times a backend "pod" (a process): deletion, replacement and restarts.
struct PodTiming {
  std::string ns = "lab3";
  std::string deployment = "backend";
  std::map<std::string, std::string> labels{{"app", "backend"}};
  Duration grace_period = std::chrono::seconds(30);
  Delay replace_delay_s = Delay::constant(0.02);   // deletion -> successor created
  Delay scheduling_s = Delay::constant(0.05);      // created -> container creating
  Delay container_start_s = Delay::constant(1.0);  // -> process started
  Delay app_start_s = Delay::constant(1.0);        // process started -> ready (--startup-delay)
  Duration crash_backoff_initial = std::chrono::seconds(10);
  Duration crash_backoff_max = std::chrono::seconds(300);
  std::optional<Duration> readiness_period;  // readiness probe period (none: ready at start)
};

struct LiveScenario {
  std::string file;
  std::string name;
  std::uint64_t seed = 1;
  Duration duration = std::chrono::seconds(60);
  ClientConfig client;
  double failure_rate = 0.2;
  double slow_rate = 0.3;
  int max_delay_ms = 800;
  PodTiming pods;
  // The Chaos Toolkit experiment: embedded document, or a file path relative to the scenario.
  nlohmann::json experiment;  // null when none
  std::string experiment_file;
  std::string experiment_pointer;  // where the embedded experiment sits ("/chaos/experiment")
};

// Throws chaoslab::ConfigError naming the file and the JSON pointer.
LiveScenario read_live_scenario(const std::string& path);

}  // namespace chaoslab::live
