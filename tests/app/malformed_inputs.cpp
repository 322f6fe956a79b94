// Bad input of every kind a user can give, each to the real `chaoslab` process: scenario, sweep,
// Chaos Toolkit experiment, Kubernetes manifest, trace, lab log, replay input, flags and
// environment variables. Each must end with exit status 2 and exactly the expected message: the
// file and the JSON pointer, line or field, and what is wrong. Fixtures: tests/app/malformed/.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "../live/process_support.hpp"

using chaoslab::testing::Chaoslab;
using namespace std::chrono_literals;

namespace {

struct Case {
  std::vector<std::string> args;  // "{M}" stands for the fixture folder, "{T}" for a scratch folder
  std::map<std::string, std::string> env;
  std::string message;  // the whole of stderr, "{M}" expanded
};

std::string expand(std::string s, const std::string& m, const std::string& t) {
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"{M}", m}, {"{T}", t}})
    for (std::size_t at; (at = s.find(key)) != std::string::npos;) s.replace(at, key.size(), value);
  return s;
}

const std::string E = "chaoslab: error: ";

// `chaoslab run` on a wrapper scenario whose experiment or manifests --set replaces.
Case experiment(const std::string& name, const std::string& message) {
  return {{"run", "{M}/scenario/with-chaos.json", "--set", "/chaos/experiment=../experiment/" + name + ".json"},
          {},
          E + "{M}/scenario/../experiment/" + name + ".json: " + message + "\n"};
}
Case manifest(const std::string& name, const std::string& message) {
  return {{"run", "{M}/scenario/with-manifests.json", "--set", "/manifests=[\"../manifest/" + name + ".yaml\"]"},
          {},
          E + message + "\n"};
}
Case scenario(const std::string& name, const std::string& message) {
  return {{"run", "{M}/scenario/" + name + ".json"}, {}, E + "{M}/scenario/" + name + ".json: " + message + "\n"};
}
Case sweep(const std::string& name, const std::string& message) {
  return {{"sweep", "{M}/sweep/" + name + ".json", "--out", "{T}/" + name},
          {},
          E + "{M}/sweep/" + name + ".json: " + message + "\n"};
}
Case analyze(const std::string& file, const std::string& message) {
  return {{"analyze", "{M}/" + file}, {}, E + "{M}/" + file + message + "\n"};
}
Case replay(const std::string& input, const std::string& message, const std::string& breaker = "breaker") {
  return {{"replay", "--breaker", "{M}/replay/" + breaker + ".json", "{M}/replay/" + input},
          {},
          E + message + "\n"};
}
Case backend_env(const std::string& var, const std::string& value, const std::string& message) {
  std::vector<std::string> args{"backend", "--host", "127.0.0.1", "--port", "0"};
  if (var == "PORT") args = {"backend", "--host", "127.0.0.1"};
  return {args, {{var, value}}, E + message + "\n"};
}
Case client_env(const std::string& var, const std::string& value, const std::string& message) {
  return {{"client", "--no-http", "--duration", "0.1"}, {{var, value}}, E + message + "\n"};
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      // Scenario files (chaoslab run).
      scenario("syntax", "line 3, column 1: invalid JSON: syntax error while parsing array - unexpected end of "
                         "input; expected ']'"),
      scenario("empty", "line 1, column 1: invalid JSON: syntax error while parsing value - unexpected end of "
                        "input; expected '[', '{', or a literal"),
      scenario("not-object", "/: expected an object, got an array"),
      scenario("unknown-key", "/durations: unknown key (expected one of: $schema, name, description, duration_s, "
                              "seed, manifests, backend, network, kubernetes, clients, policies, chaos)"),
      scenario("wrong-type", "/duration_s: expected a number, got a string"),
      scenario("negative-duration", "/duration_s: must be > 0, got -1"),
      scenario("client-fail-max", "/clients/1/breaker/fail_max: must be >= 1, got 0"),
      scenario("missing-manifest", "/manifests/0: no such file: {M}/scenario/../manifest/nope.yaml"),
      scenario("bad-distribution", "/kubernetes/app_start_s/median: must be between 0 and 86400, got -1"),
      scenario("no-clients", "/clients: expected a non-empty array of clients"),
      scenario("bad-profile", "/clients/0/profile: expected one of default, lab3, lab3_baseline, got \"lab4\""),
      scenario("nope", "cannot open the scenario file"),
      scenario("number-overflow", "invalid JSON: number overflow parsing '1e999'"),
      // Chaos Toolkit experiments (the scenario's chaos.experiment).
      experiment("unknown-function", "/method/0/provider/func: unsupported function 'explode' in module "
                                     "chaosk8s.pod.actions; supported: terminate_pods"),
      experiment("bad-tolerance", "/steady-state-hypothesis/probes/0/tolerance/range: must be a list of two "
                                  "numbers [low, high]"),
      experiment("bad-regex", "/method/0/provider/arguments/name_pattern: invalid regular expression: Unexpected "
                              "character within '[...]' in regular expression"),
      experiment("no-method", "/method: required key is missing"),
      experiment("fault-rate", "/method/0/provider/arguments/rate: must be a number between 0 and 1"),
      experiment("dangling-ref", "/method/1/ref: no activity is named 'nowhere'; named activities: kill"),
      experiment("syntax", "invalid JSON: [json.exception.parse_error.101] parse error at line 1, column 236: "
                           "syntax error while parsing value - unexpected ']'; expected '[', '{', or a literal"),
      experiment("process-in-sim", "/method/0/provider/type: unsupported provider type 'process' (the simulator "
                                   "cannot run programs); supported: python, http"),
      // Kubernetes manifests (the scenario's manifests).
      manifest("syntax", "{M}/scenario/../manifest/syntax.yaml: line 6, column 5: end of sequence flow not found"),
      manifest("trailing-comma", "{M}/scenario/../manifest/trailing-comma.yaml: line 3, column 93: unexpected ','"),
      manifest("not-mapping", "{M}/scenario/../manifest/not-mapping.yaml: expected a Kubernetes object (a mapping)"),
      manifest("replicas-text", "{M}/scenario/../manifest/replicas-text.yaml: spec.replicas: expected an integer, "
                                "got 'many'"),
      manifest("probe-period-zero", "{M}/scenario/../manifest/probe-period-zero.yaml: "
                                    "spec.template.spec.containers[0].readinessProbe.periodSeconds: must be between "
                                    "1 and 86400, got 0"),
      manifest("configmap-missing", "{M}/scenario/../manifest/configmap-missing.yaml: "
                                    "spec.template.spec.containers[0].envFrom[0].configMapRef.name: ConfigMap "
                                    "'lab-config' is not in the manifests given"),
      manifest("env-value", "{M}/scenario/../manifest/env-value.yaml: ConfigMap lab-config: data.FAILURE_RATE: "
                            "expected a number, got 'lots'"),
      manifest("containers-scalar", "{M}/scenario/../manifest/containers-scalar.yaml: spec.template.spec.containers: "
                                    "expected a non-empty list"),
      // Both made yaml-cpp throw its own exception past the parser (found by fuzz_manifest).
      manifest("container-scalar", "{M}/scenario/../manifest/container-scalar.yaml: "
                                   "spec.template.spec.containers[0]: expected a mapping (a container)"),
      manifest("label-key-list", "{M}/scenario/../manifest/label-key-list.yaml: spec.template.metadata.labels: "
                                 "expected string keys"),
      manifest("kustomization-missing", "{M}/scenario/../manifest/kustomization-missing.yaml: resources[0]: no such "
                                        "file: {M}/scenario/../manifest/backend.yaml"),
      // Sweep files (chaoslab sweep).
      sweep("unknown-axis-key", "/axes/0/colour: unknown key (expected one of: name, pointer, values, linear, log, "
                                "profiles, integer)"),
      sweep("bad-pointer", "/axes/0/pointer: \"policies/breaker/reset_timeout\" is not a JSON pointer (it must "
                           "start with '/')"),
      sweep("linear-no-count", "/axes/0/linear/count: missing (a grid design needs the number of levels)"),
      sweep("missing-scenario", "/scenario: {M}/sweep/../scenario/nope.json: no such file"),
      sweep("seeds-zero", "/seeds: must be at least 1, got 0"),
      sweep("bad-value", "/axes/0/values/1 (c = -2): {M}/sweep/../scenario/with-manifests.json: "
                         "/policies/breaker/reset_timeout: must be >= 0, got -2"),
      sweep("random-no-samples", "/design/samples: missing (how many points to draw)"),
      // Traces and lab logs (chaoslab analyze).
      analyze("trace/unknown-event.jsonl", ":2: /event: unknown event 'explosion' (expected meta, attempt, retry, "
                                           "call, transition, chaos or pod)"),
      analyze("trace/time-backwards.jsonl", ":3: /t: 1.000000 is before the previous event's time"),
      analyze("trace/missing-field.jsonl", ":2: /status: missing"),
      analyze("trace/not-json.jsonl", ":2: not JSON: parse error at line 1, column 28: syntax error while parsing "
                                      "object key - unexpected end of input; expected string literal"),
      analyze("trace/bad-outcome.jsonl", ":2: /outcome: unknown outcome 'fine' (expected ok, http_4xx, http_5xx, "
                                         "timeout, refused, reset or breaker_rejected)"),
      analyze("trace/blank.jsonl", ": empty file: nothing to analyse"),
      analyze("trace/number-overflow.jsonl", ":1: not JSON: number overflow parsing '1e999'"),
      analyze("lab/bad-level.log", ":2: unknown level 'LOUD' (expected DEBUG, INFO, WARNING, ERROR or CRITICAL)"),
      analyze("lab/bad-state.log", ":2: unknown breaker state 'SIDEWAYS' (expected CLOSED, OPEN or HALF-OPEN)"),
      analyze("lab/neither.log", ":1: neither a chaoslab trace (JSON lines) nor a lab client log "
                                 "('YYYY-MM-DD HH:MM:SS,mmm LEVEL message')"),
      analyze("lab/bad-timestamp.log", ":2: invalid timestamp '2025-13-07 10:00:00,300'"),
      analyze("lab/bad-transition.log", ":2: malformed transition 'CLOSED -> AJAR': states are CLOSED, OPEN and "
                                        "HALF-OPEN"),
      // Replay input and its breaker (chaoslab replay).
      replay("unknown-key.jsonl", "{M}/replay/unknown-key.jsonl:2: /latency: unknown key (expected one of: t, "
                                  "outcome, duration)"),
      replay("out-of-order.jsonl", "{M}/replay/out-of-order.jsonl:2: /t: calls must be in time order (1 comes "
                                   "after 5)"),
      replay("bad-outcome.jsonl", "{M}/replay/bad-outcome.jsonl:2: /outcome: expected one of success, failure, "
                                  "excluded, got \"maybe\""),
      replay("negative-duration.jsonl", "{M}/replay/negative-duration.jsonl:1: /duration: expected a number of "
                                        "seconds >= 0, got -1"),
      replay("number-overflow.jsonl", "{M}/replay/number-overflow.jsonl:2: invalid JSON: number overflow parsing "
                                      "'-5E2025'"),
      replay("ok.jsonl", "{M}/replay/breaker-fail-max.json: /fail_max: must be >= 1, got 0", "breaker-fail-max"),
      replay("ok.jsonl", "{M}/replay/breaker-max-interval.json: /open_interval/max_interval: must be >= "
                         "reset_timeout (1), got 0.5", "breaker-max-interval"),
      {{"replay", "--breaker", "{M}/replay/breaker.json", "--format", "lab", "{M}/replay/ok.jsonl"},
       {},
       E + "{M}/replay/ok.jsonl:1: not a lab log line (expected 'YYYY-MM-DD HH:MM:SS,mmm LEVEL message' or a "
           "uvicorn 'LEVEL:  message' line)\n"},
      // Flags.
      {{"run", "{M}/scenario/with-manifests.json", "--seed", "abc"}, {}, E + "run: --seed: \"abc\" is not a whole number from 0 to 18446744073709551615 (see `chaoslab help run`)\n"},
      {{"run", "{M}/scenario/with-manifests.json", "--set", "/duration_s"},
       {},
       E + "--set /duration_s: expected /json/pointer=value\n"},
      {{"run", "{M}/scenario/with-manifests.json", "--set", "duration_s=5"},
       {},
       E + "--set duration_s=5: expected /json/pointer=value\n"},
      {{"run", "{M}/scenario/with-manifests.json", "--set", "/clients/7/count=2"},
       {},
       E + "{M}/scenario/with-manifests.json: --set /clients/7/count: /clients/7 is not an element of the array "
           "(it has 1)\n"},
      // An index too long for an integer was "error: stoull", exit 3.
      {{"run", "{M}/scenario/with-manifests.json", "--set", "/clients/99999999999999999999999/count=2"},
       {},
       E + "{M}/scenario/with-manifests.json: --set /clients/99999999999999999999999/count: "
           "/clients/99999999999999999999999 is not an element of the array (it has 1)\n"},
      {{"run", "{M}/scenario/with-manifests.json", "--set", "/duration_s=1e999"},
       {},
       E + "{M}/scenario/with-manifests.json: --set /duration_s: 1e999 is out of the range of a number\n"},
      {{"run"}, {}, E + "run: scenario is required (see `chaoslab help run`)\n"},
      {{"frobnicate"}, {}, E + "\"frobnicate\" is not a subcommand (run `chaoslab help` for the list)\n"},
      {{"sweep", CHAOSLAB_SOURCE_DIR "/sweeps/lab3-cooldown.json", "--out", "{T}/shard", "--shard", "3/2"},
       {},
       E + "--shard: \"3/2\": I must be below N (expected I/N with 0 <= I < N, e.g. 0/4)\n"},
      {{"backend", "--host", "127.0.0.1", "--port", "70000"}, {}, E + "--port: must be an integer in [0, 65535], got '70000'\n"},
      {{"client", "--config", "a.json", "--scenario", "b.json"}, {}, E + "--config and --scenario: give one of them\n"},
      {{"replay", "--breaker", "{M}/replay/breaker.json", "--format", "xml"}, {}, E + "replay: --format: xml not in {auto,jsonl,lab} (see `chaoslab help replay`)\n"},
      // Environment variables (the lab's keys).
      backend_env("FAILURE_RATE", "nan", "FAILURE_RATE: must be a number in [0, 1], got 'nan'"),
      backend_env("MAX_DELAY_MS", "1e3", "MAX_DELAY_MS: must be an integer in [0, 3600000], got '1e3'"),
      backend_env("PORT", "-1", "PORT: must be an integer in [0, 65535], got '-1'"),
      client_env("CB_FAIL_MAX", "0", "CB_FAIL_MAX: must be >= 1, got 0"),
      client_env("CB_RESET_TIMEOUT", "-1", "CB_RESET_TIMEOUT: must be >= 0, got -1"),
      client_env("RETRY_MAX_ATTEMPTS", "abc", "RETRY_MAX_ATTEMPTS: expected an integer (the lab client reads it with "
                                              "int()), got 'abc'"),
      client_env("RETRY_MAX", "inf", "RETRY_MAX: must be a finite number, got 'inf'"),
      client_env("SEED", "-5", "SEED: must be an unsigned 64-bit integer, got '-5'"),
      client_env("BACKEND_URL", "http://[::1", "BACKEND_URL: URL 'http://[::1': IPv6 literals are not supported"),
  };
  return all;
}

}  // namespace

TEST_CASE("malformed inputs: every kind of bad input exits 2 with the exact message naming where and what") {
  const std::string m = std::string(CHAOSLAB_SOURCE_DIR) + "/tests/app/malformed";
  const std::string t = chaoslab::testing::temp_dir("malformed");
  REQUIRE(cases().size() >= 40);
  std::map<std::string, int> by_command;
  for (const Case& c : cases()) {
    std::vector<std::string> args;
    for (const auto& a : c.args) args.push_back(expand(a, m, t));
    std::string shown;
    for (const auto& a : args) shown += " " + a;
    for (const auto& [k, v] : c.env) shown = " " + k + "=" + v + shown;
    CAPTURE(shown);
    Chaoslab p(args, c.env);
    const auto st = p.wait(30s);
    REQUIRE_MESSAGE(st, "still running after 30 s");
    CHECK(st->signal == 0);
    CHECK(st->code == 2);
    CHECK(p.err() == expand(c.message, m, t));
    CHECK(p.out().empty());
    ++by_command[args.front()];
  }
  std::string summary;
  for (const auto& [cmd, n] : by_command) summary += " " + cmd + ":" + std::to_string(n);
  MESSAGE(cases().size() << " malformed inputs, each exit 2 with its exact message;" << summary);
}
