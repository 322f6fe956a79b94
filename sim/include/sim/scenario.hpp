// Scenario files (scenarios/*.json, documented in docs/scenarios.md and docs/scenario.schema.json):
// what to simulate, for how long, with which clients, policies and chaos experiment. A scenario is
// loaded and validated once; runs (run.hpp) reuse it with different seeds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/experiment.hpp"
#include "policies/client.hpp"
#include "sim/model_config.hpp"

namespace chaoslab::sim {

struct ClientSpec {
  ClientConfig config;
  int count = 1;               // identical clients, each with its own random stream
  Duration start_at{0};        // when they start (closed loop: first call; open loop: arrivals)
};

struct ChaosSpec {
  std::shared_ptr<const chaos::Experiment> experiment;
  std::string source;          // the experiment file, or "FILE: /chaos/experiment" when inline
  Duration start_at{0};        // when the experiment starts (hypothesis before, then the method)
};

struct Scenario {
  std::string file;            // as given; names the scenario in messages and traces
  std::string name;
  Duration duration{0};
  std::uint64_t seed = 1;      // the run seed `chaoslab run` uses without --seed
  BackendConfig backend;
  NetworkConfig network;
  KubernetesConfig kubernetes;
  std::vector<ClientSpec> clients;
  std::optional<ChaosSpec> chaos;
  std::vector<std::string> manifests;  // files read, kustomizations expanded
  nlohmann::json doc;          // the document as validated (overrides applied)
};

// Reads a scenario file as JSON (syntax errors: ConfigError "FILE: line L, column C: ...").
nlohmann::json read_scenario_json(const std::string& path);

// Splits "--set" text "/json/pointer=value"; ConfigError when there is no '=' or no pointer.
std::pair<std::string, std::string> split_override(std::string_view text);

// Sets doc[pointer] = value, value parsed as JSON when it is valid JSON, else taken as a string
// ("5" is the number 5, "abc" the string "abc", "\"5\"" the string "5"). Missing object members
// on the way are created; an array index must exist or be "-" (append). "@PATH" takes the value
// from the JSON file PATH; when that is an object and an object is already at the pointer, its
// members are set one by one (a shallow merge). ConfigError "FILE: --set POINTER: what" otherwise.
nlohmann::json apply_override(nlohmann::json doc, std::string_view pointer, std::string_view value,
                              const std::string& file = "scenario");

// Validates a scenario document and builds the Scenario: unknown keys, wrong types and
// out-of-range values are ConfigError "FILE: /json/pointer: what". Relative paths (manifests,
// chaos.experiment) are resolved against the directory of `file`.
Scenario load_scenario(const nlohmann::json& doc, const std::string& file);

// read_scenario_json + overrides ("/pointer", "value") in order + load_scenario.
Scenario load_scenario_file(const std::string& path,
                            const std::vector<std::pair<std::string, std::string>>& overrides = {});

}  // namespace chaoslab::sim
