#include "sim/scenario.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "policies/error.hpp"
#include "sim/run.hpp"

using namespace chaoslab;
using namespace chaoslab::sim;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kSource = CHAOSLAB_SOURCE_DIR;

json minimal() {
  return json::parse(R"({"duration_s": 10, "clients": [{"profile": "lab3"}]})");
}

std::string error_of(const json& doc, const std::string& file = "s.json") {
  try {
    load_scenario(doc, file);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

json with(const char* pointer, const json& value, json doc = minimal()) {
  doc[json::json_pointer(pointer)] = value;
  return doc;
}

std::set<std::string> expected_keys(const std::string& message) {
  // "...: unknown key (expected one of: a, b, c)"
  const auto open = message.find("expected one of: ");
  std::set<std::string> out;
  if (open == std::string::npos) return out;
  std::string list = message.substr(open + 17);
  list.pop_back();
  std::istringstream in(list);
  for (std::string k; std::getline(in, k, ',');) out.insert(k.substr(k.find_first_not_of(' ')));
  return out;
}

std::set<std::string> schema_keys(const json& schema_object) {
  std::set<std::string> out;
  for (auto it = schema_object["properties"].begin(); it != schema_object["properties"].end(); ++it) out.insert(it.key());
  return out;
}

}  // namespace

TEST_CASE("every shipped scenario validates, loads and runs") {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(kSource + "/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    CAPTURE(entry.path().string());
    const Scenario sc = load_scenario_file(entry.path().string(), {{"/duration_s", "20"}});
    CHECK(!sc.clients.empty());
    const RunResult r = run_scenario(sc, 1);
    CHECK(r.summary.calls.total > 0);
    ++n;
  }
  CHECK(n >= 5);
}

TEST_CASE("lab3 scenarios take the backend, probe and client settings from the manifests") {
  const Scenario sc = load_scenario_file(kSource + "/scenarios/lab3-chaos.json");
  CHECK(sc.backend.behaviour == BackendConfig::Behaviour::lab3);
  CHECK(sc.backend.failure_rate == 0.7);
  CHECK(sc.backend.slow_rate == 0.9);
  CHECK(sc.backend.max_delay_ms == 3000);
  CHECK(sc.kubernetes.replicas == 1);
  CHECK(sc.kubernetes.ns == "lab3");
  CHECK(sc.kubernetes.grace_period == std::chrono::seconds(30));
  REQUIRE(sc.kubernetes.readiness);
  CHECK(sc.kubernetes.readiness->period == std::chrono::seconds(2));
  REQUIRE(sc.clients.size() == 1);
  const ClientConfig& c = sc.clients[0].config;
  CHECK(c.breaker_enabled);
  CHECK(c.retry_enabled);
  CHECK(c.breaker.fail_max == 2);
  CHECK(c.breaker.reset_timeout == std::chrono::seconds(1));
  CHECK(c.retry.stop.attempts == 3);
  CHECK(c.retry.wait.kind == WaitSpec::Kind::exponential_jitter);
  CHECK(c.retry.wait.exp_base == 0.2);
  CHECK(c.retry.wait.max == 2.0);
  CHECK(c.target == "http://backend.lab3.svc.cluster.local:8000/work");
  REQUIRE(sc.chaos);
  CHECK(sc.chaos->start_at == std::chrono::seconds(60));
  CHECK(sc.chaos->source.find("kill-backend-pod.json") != std::string::npos);
  const Scenario a = load_scenario_file(kSource + "/scenarios/lab3-phase-a.json");
  CHECK_FALSE(a.clients[0].config.breaker_enabled);
  CHECK_FALSE(a.clients[0].config.retry_enabled);
  CHECK(a.clients[0].config.retry.attempt_timeout == std::chrono::seconds(2));
}

TEST_CASE("precedence: defaults < manifests < scenario fields < --set") {
  json doc = json::parse(R"({"duration_s": 10, "manifests": ["k8s/kustomization.yaml"],
                             "backend": {"failure_rate": 0.1}, "clients": [{"profile": "lab3"}]})");
  const Scenario a = load_scenario(doc, kSource + "/x.json");
  CHECK(a.backend.failure_rate == 0.1);   // the scenario beats the ConfigMap's 0.7
  CHECK(a.backend.slow_rate == 0.9);      // the ConfigMap beats the code default 0.3
  CHECK(a.backend.max_delay_ms == 3000);
  doc = apply_override(doc, "/backend/failure_rate", "0.25");
  CHECK(load_scenario(doc, kSource + "/x.json").backend.failure_rate == 0.25);
  // A client override of one breaker key keeps the ConfigMap's other settings.
  doc = apply_override(doc, "/clients/0/breaker/reset_timeout", "7.5");
  const Scenario b = load_scenario(doc, kSource + "/x.json");
  CHECK(b.clients[0].config.breaker.reset_timeout == std::chrono::milliseconds(7500));
  CHECK(b.clients[0].config.breaker.fail_max == 2);
  // Shared policies apply to every client, a client's own keys win.
  doc = apply_override(doc, "/policies", R"({"breaker": {"fail_max": 9}, "think_time": 1})");
  const Scenario c = load_scenario(doc, kSource + "/x.json");
  CHECK(c.clients[0].config.breaker.fail_max == 9);
  CHECK(c.clients[0].config.breaker.reset_timeout == std::chrono::milliseconds(7500));
  CHECK(c.clients[0].config.think_time == std::chrono::seconds(1));
}

TEST_CASE("validation errors name the file and the JSON pointer") {
  CHECK(error_of(json::array()) == "s.json: /: expected an object, got an array");
  CHECK(error_of(json::parse(R"({"clients": [{}]})")) == "s.json: /: missing required key \"duration_s\"");
  CHECK(error_of(json::parse(R"({"duration_s": 1})")) == "s.json: /: missing required key \"clients\"");
  CHECK(error_of(with("/duration_s", 0)) == "s.json: /duration_s: must be > 0, got 0");
  CHECK(error_of(with("/duration_s", "10")) == "s.json: /duration_s: expected a number, got a string");
  CHECK(error_of(with("/duration_s", 1e8)) == "s.json: /duration_s: must be <= 10000000, got 100000000.0");
  CHECK(error_of(with("/seed", -1)) == "s.json: /seed: expected a non-negative integer, got -1");
  CHECK(error_of(with("/seed", 1.5)) == "s.json: /seed: expected a non-negative integer, got 1.5");
  CHECK(error_of(with("/colour", 1)) ==
        "s.json: /colour: unknown key (expected one of: $schema, name, description, duration_s, seed, manifests, "
        "backend, network, kubernetes, clients, policies, chaos)");
  CHECK(error_of(with("/backend/failure_rate", 1.5)) == "s.json: /backend/failure_rate: must be <= 1, got 1.5");
  CHECK(error_of(with("/backend/behaviour", "fast")) ==
        "s.json: /backend/behaviour: expected one of \"lab3\", \"service_time\", got \"fast\"");
  CHECK(error_of(with("/backend/workers", -1)) == "s.json: /backend/workers: must be between 0 and 100000, got -1");
  CHECK(error_of(with("/backend/workers", 2.5)) == "s.json: /backend/workers: expected an integer, got 2.5");
  CHECK(error_of(with("/backend/service_time_ms", json{{"type", "gamma"}})) ==
        "s.json: /backend/service_time_ms/type: unknown distribution \"gamma\" (supported: constant, uniform, "
        "exponential, lognormal, empirical)");
  CHECK(error_of(with("/backend/service_time_ms", json{{"type", "uniform"}, {"min", 5}, {"max", 1}})) ==
        "s.json: /backend/service_time_ms/max: must be >= min");
  CHECK(error_of(with("/network/hop_latency_ms", json{{"type", "exponential"}})) ==
        "s.json: /network/hop_latency_ms: missing \"mean\"");
  CHECK(error_of(with("/network/hop_latency_ms", json{{"type", "constant"}, {"value", 1}, {"x", 2}})) ==
        "s.json: /network/hop_latency_ms/x: unknown key");
  CHECK(error_of(with("/kubernetes/replicas", "2")) == "s.json: /kubernetes/replicas: expected an integer, got a string");
  CHECK(error_of(with("/kubernetes/readiness_probe", json{{"period_s", 0}})) ==
        "s.json: /kubernetes/readiness_probe/period_s: must be > 0, got 0");
  CHECK(error_of(with("/kubernetes/readiness_probe", json{{"periodSeconds", 2}})) ==
        "s.json: /kubernetes/readiness_probe/periodSeconds: unknown key (expected one of: initial_delay_s, period_s, "
        "timeout_s, success_threshold, failure_threshold)");
  CHECK(error_of(with("/kubernetes/labels", json{{"app", 1}})) == "s.json: /kubernetes/labels/app: expected a string, got a number");
  CHECK(error_of(with("/kubernetes/crash_backoff_max_s", 5)) ==
        "s.json: /kubernetes/crash_backoff_max_s: must be >= crash_backoff_initial_s");
  CHECK(error_of(with("/clients", json::array())) == "s.json: /clients: expected a non-empty array of clients");
  CHECK(error_of(with("/clients/0/count", 0)) == "s.json: /clients/0/count: must be between 1 and 100000, got 0");
  CHECK(error_of(with("/clients/0/breaker/fail_max", 0)) == "s.json: /clients/0/breaker/fail_max: must be >= 1, got 0");
  CHECK(error_of(with("/clients/0/target", "http://db:5432/")) ==
        "s.json: /clients/0/target: \"http://db:5432/\" names no simulated service (the backend's Service is \"backend\")");
  CHECK(error_of(with("/policies", json{{"profile", "lab3"}})) ==
        "s.json: /policies/profile: a profile is chosen per client (/clients/N/profile)");
  CHECK(error_of(with("/policies/retry", json{{"attempt_timeout", -1}})) ==
        "s.json: /policies/retry/attempt_timeout: must be > 0, got -1");
  CHECK(error_of(with("/chaos", json::object())) == "s.json: /chaos: missing required key \"experiment\"");
  CHECK(error_of(with("/chaos/experiment", 5)) ==
        "s.json: /chaos/experiment: expected a file name or an experiment object, got a number");
  CHECK(error_of(with("/chaos/experiment", "missing.json"), "dir/s.json") ==
        "dir/s.json: /chaos/experiment: no such file: dir/missing.json");
  CHECK(error_of(with("/manifests", json::array({"nope.yaml"})), "dir/s.json") ==
        "dir/s.json: /manifests/0: no such file: dir/nope.yaml");
}

TEST_CASE("an inline experiment is validated with pointers into the scenario") {
  json doc = with("/chaos/experiment", json::parse(R"({"title": "t", "description": "d", "method": [
      {"type": "action", "name": "x", "provider": {"type": "python", "module": "chaosk8s.pod.actions",
       "func": "terminate_pods", "arguments": {"label_selector": "app=backend", "ns": "lab3", "qty": "one"}}}]})"));
  const std::string msg = error_of(doc);
  CHECK(msg.rfind("s.json: /chaos/experiment/method/0/provider/arguments/qty", 0) == 0);
  doc["chaos"]["experiment"]["method"][0]["provider"]["arguments"].erase("qty");
  const Scenario sc = load_scenario(doc, "s.json");
  REQUIRE(sc.chaos);
  CHECK(sc.chaos->experiment->method.size() == 1);
  CHECK(sc.chaos->source == "s.json: /chaos/experiment");
}

TEST_CASE("the JSON Schema names exactly the keys the loader accepts, with valid defaults") {
  std::ifstream in(kSource + "/docs/scenario.schema.json");
  const json schema = json::parse(in);
  auto loader_keys = [](const char* pointer) {
    json doc = minimal();
    if (std::string(pointer) == "/kubernetes/readiness_probe") doc["kubernetes"]["readiness_probe"] = json::object();
    doc[json::json_pointer(std::string(pointer) + "/zz_unknown")] = 1;
    return expected_keys(error_of(doc));
  };
  CHECK(loader_keys("") == schema_keys(schema));
  for (const char* section : {"backend", "network", "kubernetes", "chaos"}) {
    CAPTURE(section);
    json doc = minimal();
    if (std::string(section) == "chaos") {
      doc["chaos"] = {{"experiment", "x.json"}, {"zz_unknown", 1}};
      CHECK(expected_keys(error_of(doc)) == schema_keys(schema["properties"][section]));
      continue;
    }
    CHECK(loader_keys((std::string("/") + section).c_str()) == schema_keys(schema["properties"][section]));
    // Every documented default is accepted where it stands.
    for (auto it = schema["properties"][section]["properties"].begin();
         it != schema["properties"][section]["properties"].end(); ++it) {
      if (!it.value().contains("default")) continue;
      CAPTURE(it.key());
      CHECK(error_of(with((std::string("/") + section + "/" + it.key()).c_str(), it.value()["default"])) == "(no error)");
    }
  }
  CHECK(loader_keys("/kubernetes/readiness_probe") ==
        schema_keys(schema["properties"]["kubernetes"]["properties"]["readiness_probe"]["oneOf"][1]));
  // Client entries: the loader's own keys plus the client parser's.
  std::set<std::string> client;
  {
    json doc = minimal();
    doc["clients"][0]["zz_unknown"] = 1;
    client = expected_keys(error_of(doc));
  }
  client.insert({"count", "start_s"});
  CHECK(client == schema_keys(schema["properties"]["clients"]["items"]));
  // The documented defaults are the model's defaults.
  const Scenario d = load_scenario(minimal(), "s.json");
  const auto& k = schema["properties"]["kubernetes"]["properties"];
  CHECK(to_seconds(d.kubernetes.grace_period) == doctest::Approx(k["termination_grace_period_s"]["default"].get<double>()));
  CHECK(d.kubernetes.endpoint_delay_s == parse_dist(k["endpoint_delay_s"]["default"], "", ""));
  CHECK(d.kubernetes.container_start_s == parse_dist(k["container_start_s"]["default"], "", ""));
  CHECK(d.network.hop_latency_ms == parse_dist(schema["properties"]["network"]["properties"]["hop_latency_ms"]["default"], "", ""));
  CHECK(d.backend.failure_rate == schema["properties"]["backend"]["properties"]["failure_rate"]["default"].get<double>());
}

TEST_CASE("--set: values parse as JSON, else as strings; pointers must exist up to the parent") {
  json doc = minimal();
  CHECK(split_override("/a/b=1=2") == std::pair<std::string, std::string>{"/a/b", "1=2"});
  CHECK_THROWS_WITH_AS(split_override("a=1"), "--set a=1: expected /json/pointer=value", ConfigError);
  CHECK_THROWS_WITH_AS(split_override("/a"), "--set /a: expected /json/pointer=value", ConfigError);
  doc = apply_override(doc, "/backend/failure_rate", "0.5");
  CHECK(doc["backend"]["failure_rate"] == 0.5);
  doc = apply_override(doc, "/name", "hello world");
  CHECK(doc["name"] == "hello world");
  doc = apply_override(doc, "/name", "\"5\"");
  CHECK(doc["name"] == "5");
  doc = apply_override(doc, "/clients/-", R"({"profile": "lab3_baseline"})");
  CHECK(doc["clients"].size() == 2);
  doc = apply_override(doc, "/clients/1/count", "3");
  CHECK(doc["clients"][1]["count"] == 3);
  CHECK_THROWS_WITH_AS(apply_override(doc, "/clients/5/count", "1", "f.json"),
                       "f.json: --set /clients/5/count: /clients/5 is not an element of the array (it has 2)", ConfigError);
  CHECK_THROWS_WITH_AS(apply_override(doc, "/duration_s/x", "1", "f.json"),
                       "f.json: --set /duration_s/x: /duration_s is a number, not an object or array", ConfigError);
  CHECK_THROWS_WITH_AS(apply_override(doc, "", "1", "f.json"), "f.json: --set : cannot replace the whole document",
                       ConfigError);
  CHECK(load_scenario(doc, "s.json").clients.size() == 2);
}

TEST_CASE("--set POINTER=@FILE: the file's JSON; an object merges into the object there") {
  const fs::path dir = fs::temp_directory_path() / ("chaoslab-test-set-file-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string timings = (dir / "timings.json").string();
  std::ofstream(timings) << R"({"app_start_s": {"type": "empirical", "values": [1.5, 2.5]}, "calibration": {"restarts": 2}})";
  json doc = minimal();
  doc["kubernetes"] = {{"replicas", 3}, {"app_start_s", 9}};
  doc = apply_override(doc, "/kubernetes", "@" + timings, "f.json");
  CHECK(doc["kubernetes"]["replicas"] == 3);  // kept
  CHECK(doc["kubernetes"]["calibration"]["restarts"] == 2);
  const Scenario sc = load_scenario(doc, "s.json");
  CHECK(sc.kubernetes.replicas == 3);
  CHECK(sc.kubernetes.app_start_s.values == std::vector<double>{1.5, 2.5});
  // No object there yet: set as a whole; a scalar file value replaces.
  doc = apply_override(minimal(), "/kubernetes", "@" + timings);
  CHECK(doc["kubernetes"].size() == 2);
  std::ofstream(dir / "n.json") << "0.3";
  CHECK(apply_override(doc, "/backend/failure_rate", std::string("@").append((dir / "n.json").string()))["backend"]["failure_rate"] == 0.3);
  CHECK_THROWS_WITH_AS(apply_override(doc, "/kubernetes", "@/nonexistent.json", "f.json"),
                       "f.json: --set /kubernetes=@/nonexistent.json: cannot read /nonexistent.json", ConfigError);
  std::ofstream(dir / "bad.json") << "{";
  try {
    apply_override(doc, "/kubernetes", std::string("@").append((dir / "bad.json").string()));
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).rfind((dir / "bad.json").string() + ": line 1, column 2", 0) == 0);
  }
  doc["kubernetes"]["calibration"] = 5;
  CHECK_THROWS_WITH_AS(load_scenario(doc, "s.json"),
                       "s.json: /kubernetes/calibration: expected an object (written by chaoslab calibrate), got a number",
                       ConfigError);
  fs::remove_all(dir);
}

TEST_CASE("load_scenario_file: syntax errors name the line and column") {
  const fs::path dir = fs::temp_directory_path() / "chaoslab-test-scenario";
  fs::create_directories(dir);
  const fs::path f = dir / "bad.json";
  std::ofstream(f) << "{\n  \"duration_s\": 10,\n  \"clients\": [}\n";
  try {
    load_scenario_file(f.string());
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).rfind(f.string() + ": line 3, column ", 0) == 0);
  }
  CHECK_THROWS_WITH_AS(load_scenario_file((dir / "none.json").string()),
                       ((dir / "none.json").string() + ": cannot open the scenario file").c_str(), ConfigError);
  fs::remove_all(dir);
}
