#include "chaos/experiment.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <regex>

#include "fakes.hpp"
#include "policies/error.hpp"

using namespace chaoslab;
using namespace chaoslab::chaos;
using chaoslab::chaos::testing::experiment_from;

namespace {

OrderedJson base() {
  return OrderedJson::parse(R"({
    "title": "t", "description": "d",
    "method": [{"type": "action", "name": "kill",
                "provider": {"type": "python", "module": "chaosk8s.pod.actions", "func": "terminate_pods",
                             "arguments": {"label_selector": "app=backend", "ns": "lab3"}}}]})");
}

OrderedJson with_hypothesis(OrderedJson probe) {
  OrderedJson e = base();
  e["steady-state-hypothesis"] = {{"title", "h"}, {"probes", OrderedJson::array({std::move(probe)})}};
  return e;
}

OrderedJson http_probe(OrderedJson tolerance) {
  OrderedJson p = {{"type", "probe"}, {"name", "health"}, {"provider", {{"type", "http"}, {"url", "http://c/health"}}}};
  if (!tolerance.is_null()) p["tolerance"] = std::move(tolerance);
  return p;
}

Experiment load(const OrderedJson& doc, const LoadOptions& options = {}) {
  return parse_experiment(doc, "test.json", options);
}

#define CHECK_CONFIG_ERROR(expr, message) CHECK_THROWS_WITH_AS(expr, message, chaoslab::ConfigError)

}  // namespace

TEST_CASE("a minimal experiment loads with the function's defaults filled in") {
  const Experiment e = load(base());
  CHECK(e.title == "t");
  CHECK(e.description == "d");
  CHECK_FALSE(e.hypothesis);
  REQUIRE(e.method.size() == 1);
  const Activity& a = e.method[0];
  CHECK(a.name == "kill");
  CHECK(a.type == ActivityType::action);
  CHECK(a.pointer == "/method/0");
  const auto& py = std::get<PythonCall>(a.provider);
  CHECK(py.function == Function::terminate_pods);
  CHECK(py.arguments == Json::parse(R"({"label_selector":"app=backend","name_pattern":null,"all":false,"rand":false,
      "mode":"fixed","qty":1,"grace_period":-1,"ns":"lab3","order":"alphabetic"})"));
  CHECK(a.raw == base()["method"][0]);  // as written, for the journal
}

TEST_CASE("experiment structure errors name the file and the JSON pointer") {
  CHECK_CONFIG_ERROR(load(OrderedJson::array()), "test.json: an experiment must be a JSON object, got a list");
  OrderedJson e = base();
  e["foo"] = 1;
  CHECK_CONFIG_ERROR(load(e), "test.json: /foo: unknown key; allowed: version, title, description, tags, configuration, "
                              "secrets, steady-state-hypothesis, method, rollbacks, controls, runtime, extensions, "
                              "contributions, dry");
  e = base();
  e.erase("title");
  CHECK_CONFIG_ERROR(load(e), "test.json: /title: required key is missing");
  e = base();
  e["title"] = "";
  CHECK_CONFIG_ERROR(load(e), "test.json: /title: must be a non-empty string");
  e = base();
  e.erase("description");
  CHECK_CONFIG_ERROR(load(e), "test.json: /description: required key is missing");
  e = base();
  e["description"] = 3;
  CHECK_CONFIG_ERROR(load(e), "test.json: /description: must be a string, got a number");
  e = base();
  e.erase("method");
  CHECK_CONFIG_ERROR(load(e), "test.json: /method: required key is missing");
  e["method"] = OrderedJson::array();
  CHECK_CONFIG_ERROR(load(e), "test.json: /method: must be a non-empty list of activities");
  e = base();
  e["tags"] = {"ok", ""};
  CHECK_CONFIG_ERROR(load(e), "test.json: /tags/1: must be a non-empty string");
  e = base();
  e["version"] = 1;
  CHECK_CONFIG_ERROR(load(e), "test.json: /version: must be a string, got a number");
  e = base();
  e["dry"] = "actions";
  CHECK_CONFIG_ERROR(load(e), "test.json: /dry: dry runs are not supported; remove the key or set it to null");
  e = base();
  e["rollbacks"] = OrderedJson::object();
  CHECK_CONFIG_ERROR(load(e), "test.json: /rollbacks: must be a list, got an object");
  e = base();
  e["runtime"] = {{"rollbacks", {{"strategy", "sometimes"}}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /runtime/rollbacks/strategy: unsupported rollback strategy \"sometimes\"; "
                              "supported: default, always, never, deviated");
  e = base();
  e["runtime"] = {{"hypothesis", {{"strategy", "sometimes"}}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /runtime/hypothesis/strategy: unsupported hypothesis strategy \"sometimes\"; "
                              "supported: default, before-method-only, after-method-only, during-method-only, "
                              "continuously");
}

TEST_CASE("activity errors") {
  OrderedJson e = base();
  e["method"][0]["type"] = "task";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/type: must be \"probe\" or \"action\", got \"task\"");
  e = base();
  e["method"][0].erase("name");
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/name: required key is missing");
  e = base();
  e["method"][0]["when"] = "now";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/when: unknown key; allowed: type, name, provider, pauses, "
                              "background, timeout, tolerance, controls");
  e = base();
  e["method"][0]["provider"]["type"] = "ruby";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/type: unsupported provider type 'ruby'; supported: python, http");
  e = base();
  e["method"][0]["provider"] = {{"type", "process"}, {"path", "kubectl"}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/type: unsupported provider type 'process' (the simulator "
                              "cannot run programs); supported: python, http");
  LoadOptions with_process;
  with_process.allow_process = true;
  const Experiment p = load(e, with_process);
  CHECK(std::get<ProcessCall>(p.method[0].provider).path == "kubectl");
  e = base();
  e["method"][0]["timeout"] = 0;
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/timeout: must be a number of seconds > 0");
  e = base();
  e["method"][0]["pauses"] = {{"before", -1}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/pauses/before: must be a number of seconds >= 0");
  e["method"][0]["pauses"] = {{"during", 1}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/pauses/during: unknown key; allowed: before, after");
  e = base();
  e["method"][0]["background"] = "yes";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/background: must be a boolean, got a string");
  e = base();
  e["method"][0]["tolerance"] = true;
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/tolerance: only probes have a tolerance");
  e = base();
  e["method"].push_back({{"ref", "nope"}});
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/1/ref: no activity is named 'nope'; named activities: kill");
}

TEST_CASE("python provider errors list what is supported") {
  OrderedJson e = base();
  e["method"][0]["provider"]["module"] = "chaosaws.ec2.actions";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/module: unsupported module 'chaosaws.ec2.actions'; "
                              "supported: chaosk8s.pod.actions, chaosk8s.pod.probes, chaosk8s.deployment.probes, "
                              "chaoslab.faults");
  e = base();
  e["method"][0]["provider"]["func"] = "foo";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/func: unsupported function 'foo' in module "
                              "chaosk8s.pod.actions; supported: terminate_pods");
  e = base();
  e["method"][0]["provider"]["module"] = "chaosk8s.pod.probes";
  e["method"][0]["provider"]["func"] = "pods_not_in_phase";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/func: unsupported function 'pods_not_in_phase' in module "
                              "chaosk8s.pod.probes; supported: pods_in_phase, count_pods, count_min_pods, "
                              "all_pods_healthy");
  e = base();
  e["method"][0]["provider"]["arguments"]["namespace"] = "lab3";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/namespace: unknown argument for terminate_pods; "
                              "supported: label_selector, name_pattern, all, rand, mode, qty, grace_period, ns, order");
  e = base();
  e["method"][0]["provider"]["arguments"]["qty"] = "1";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/qty: must be an integer, got a string");
  e["method"][0]["provider"]["arguments"]["qty"] = -1;
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/qty: must be an integer >= 0");
  e = base();
  e["method"][0]["provider"]["arguments"]["mode"] = "all";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/mode: must be one of \"fixed\", \"percentage\", "
                              "got \"all\"");
  e = base();
  e["method"][0]["provider"]["arguments"]["order"] = "newest";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/order: must be one of \"alphabetic\", \"oldest\", "
                              "got \"newest\"");
  e = base();
  e["method"][0]["provider"]["arguments"]["grace_period"] = -2;
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/grace_period: must be -1 (the pod's own grace "
                              "period) or a number of seconds >= 0");
  e = base();
  e["method"][0]["provider"]["arguments"]["rand"] = 1;
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/rand: must be a boolean, got a number");
  e = base();
  e["method"][0]["provider"]["arguments"]["label_selector"] = "app in backend";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/label_selector: bad label selector requirement "
                              "'app in backend': expected a (v1,v2) set");
  e = base();
  e["method"][0]["provider"]["arguments"]["name_pattern"] = "backend-(";
  CHECK_THROWS_AS(load(e), ConfigError);
  try {
    load(e);
  } catch (const ConfigError& err) {
    CHECK(std::string(err.what()).rfind("test.json: /method/0/provider/arguments/name_pattern: invalid regular expression: ", 0) == 0);
  }
  e = base();
  e["method"][0]["provider"] = {{"type", "python"}, {"module", "chaosk8s.pod.probes"}, {"func", "pods_in_phase"}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/label_selector: required argument of "
                              "pods_in_phase is missing");
  e["method"][0]["provider"]["arguments"] = {{"label_selector", "app=backend"}, {"phase", "running"}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/phase: must be a pod phase (Pending, Running, "
                              "Succeeded, Failed, Unknown), got \"running\"");
  e["method"][0]["provider"] = {{"type", "python"},
                                {"module", "chaosk8s.deployment.probes"},
                                {"func", "deployment_available_and_healthy"},
                                {"arguments", {{"name", "backend"}, {"label_selector", "app=backend"}}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/label_selector: unknown argument for "
                              "deployment_available_and_healthy; supported: name, ns, raise_on_unavailable");
}

TEST_CASE("chaoslab.faults arguments are checked at load time") {
  OrderedJson e = base();
  e["method"][0]["provider"] = {{"type", "python"}, {"module", "chaoslab.faults"}, {"func", "slow"}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/func: unsupported function 'slow' in module "
                              "chaoslab.faults; supported: inject_latency, inject_errors, hang, crash, partition, clear");
  e["method"][0]["provider"]["func"] = "inject_latency";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/latency_ms: required argument of inject_latency "
                              "is missing");
  e["method"][0]["provider"]["arguments"] = {{"latency_ms", 100}, {"jitter", 5}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/jitter: unknown argument for inject_latency; "
                              "supported: latency_ms, probability, duration_s");
  e["method"][0]["provider"]["func"] = "inject_errors";
  e["method"][0]["provider"]["arguments"] = {{"rate", 2}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/rate: must be a number between 0 and 1");
  e["method"][0]["provider"]["arguments"] = {{"rate", 0.5}, {"status", 503}, {"duration_s", 10}};
  const Experiment ok = load(e);
  CHECK(std::get<PythonCall>(ok.method[0].provider).function == Function::fault);
  CHECK(std::get<PythonCall>(ok.method[0].provider).arguments == Json{{"rate", 0.5}, {"status", 503}, {"duration_s", 10}});
}

TEST_CASE("http provider errors") {
  OrderedJson e = base();
  e["method"][0]["provider"] = {{"type", "http"}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/url: required key is missing");
  e["method"][0]["provider"]["url"] = "ftp://backend/x";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/url: must be an http:// or https:// URL, got \"ftp://backend/x\"");
  e["method"][0]["provider"]["url"] = "http://backend/x";
  e["method"][0]["provider"]["method"] = "fetch";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/method: unsupported HTTP method \"FETCH\"; supported: GET, "
                              "POST, PUT, PATCH, DELETE, HEAD, OPTIONS");
  e["method"][0]["provider"]["method"] = "post";
  e["method"][0]["provider"]["headers"] = {{"X-Retries", 3}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/headers/X-Retries: a header value must be a string, got a number");
  e["method"][0]["provider"].erase("headers");
  e["method"][0]["provider"]["timeout"] = {1};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/timeout: must be a number of seconds or a [connect, read] pair");
  e["method"][0]["provider"]["timeout"] = {1, 2.5};
  e["method"][0]["provider"]["expected_status"] = 200;
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/expected_status: unknown key; allowed: type, url, method, "
                              "headers, arguments, timeout, verify_tls, max_retries, secrets");
  e["method"][0]["provider"].erase("expected_status");
  const Experiment ok = load(e);
  const auto& http = std::get<HttpCall>(ok.method[0].provider);
  CHECK(http.method == "POST");
  CHECK(http.timeout == std::chrono::milliseconds(3500));
  e["method"][0]["provider"]["method"] = "GET";
  e["method"][0]["provider"]["arguments"] = {{"filter", {{"a", 1}}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments/filter: a GET query argument must be a scalar or a "
                              "list of scalars");
}

TEST_CASE("steady-state hypothesis and tolerance errors") {
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe(nullptr))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance: a steady-state probe needs a tolerance");
  OrderedJson action = http_probe(200);
  action["type"] = "action";
  CHECK_CONFIG_ERROR(load(with_hypothesis(action)),
                     "test.json: /steady-state-hypothesis/probes/0/type: the steady-state hypothesis takes probes only");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe(1.5))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance: must be a boolean, an integer, a string, a "
                     "list or an object, got a number");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "between"}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/type: unsupported tolerance type 'between'; "
                     "supported: range, regex, jsonpath, probe");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "range"}, {"range", {1}}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/range: must be a list of two numbers [low, high]");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "range"}, {"range", {5, 1}}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/range: low must not be greater than high");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "regex"}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/pattern: required key is missing");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "jsonpath"}, {"path", "$.a[?(@.x)]"}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/path: unsupported JSONPath syntax at offset 3 "
                     "of '$.a[?(@.x)]': expected an index, '*' or a quoted name (no filters, slices or unions)");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "jsonpath"}, {"path", "$.a"}, {"count", -1}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/count: must be an integer >= 0");
  CHECK_CONFIG_ERROR(
      load(with_hypothesis(http_probe({{"type", "probe"},
                                       {"name", "check"},
                                       {"provider",
                                        {{"type", "python"}, {"module", "chaosk8s.pod.probes"}, {"func", "count_pods"}}}}))),
      "test.json: /steady-state-hypothesis/probes/0/tolerance/provider/type: a tolerance probe receives the probe's output "
      "as argument 'value', which only an http provider can take here; supported: http");
  OrderedJson bg = http_probe(200);
  bg["background"] = true;
  CHECK_CONFIG_ERROR(load(with_hypothesis(bg)), "test.json: /steady-state-hypothesis/probes/0/background: only method and "
                                                "rollback activities can run in the background");
  OrderedJson e = with_hypothesis(http_probe(200));
  e["steady-state-hypothesis"].erase("title");
  CHECK_CONFIG_ERROR(load(e), "test.json: /steady-state-hypothesis/title: required key is missing");
}

TEST_CASE("configuration: literals, env with default, typed env, overrides and substitution") {
  OrderedJson e = base();
  e["configuration"] = OrderedJson::parse(R"({
    "client_url": {"type": "env", "key": "CLIENT_URL", "default": "http://client.lab3.svc.cluster.local:8001"},
    "wait": {"type": "env", "key": "WAIT_S", "env_var_type": "float"},
    "ns": "lab3", "n": 2})");
  e["method"][0]["pauses"] = {{"after", "${wait}"}};
  e["method"][0]["provider"]["arguments"] = {{"ns", "${ns}"}, {"qty", "${n}"}, {"label_selector", "app=$ns-backend"}};
  e["method"].push_back(http_probe(nullptr));
  e["method"][1]["provider"]["url"] = "${client_url}/health?cost=$$5";
  LoadOptions opt;
  opt.getenv = [](const std::string& k) -> std::optional<std::string> {
    if (k == "WAIT_S") return "2.5";
    return std::nullopt;
  };
  Experiment x = load(e, opt);
  CHECK(x.configuration["wait"] == 2.5);
  CHECK(x.method[0].pauses.after == std::chrono::milliseconds(2500));
  const auto& py = std::get<PythonCall>(x.method[0].provider);
  CHECK(py.arguments["ns"] == "lab3");
  CHECK(py.arguments["qty"] == 2);  // "${n}" alone keeps the number's type
  CHECK(py.arguments["label_selector"] == "app=lab3-backend");
  CHECK(std::get<HttpCall>(x.method[1].provider).url == "http://client.lab3.svc.cluster.local:8001/health?cost=$5");
  CHECK(x.method[1].raw["provider"]["url"] == "${client_url}/health?cost=$$5");  // the journal keeps it as written

  opt.config_overrides["client_url"] = "http://127.0.0.1:18001";
  x = load(e, opt);
  CHECK(std::get<HttpCall>(x.method[1].provider).url == "http://127.0.0.1:18001/health?cost=$5");

  opt.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  CHECK_CONFIG_ERROR(load(e, opt),
                     "test.json: /configuration/wait: environment variable WAIT_S is not set and the entry has no default");
  opt.getenv = [](const std::string&) -> std::optional<std::string> { return "soon"; };
  CHECK_CONFIG_ERROR(load(e, opt), "test.json: /configuration/wait: environment variable WAIT_S='soon' is not a valid float");

  e = base();
  e["configuration"] = {{"base", "http://b"}};
  e["method"].push_back(http_probe(nullptr));
  e["method"][1]["provider"]["url"] = "${nope}/x";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/1/provider/url: \"${nope}/x\" refers to unknown configuration key 'nope'; "
                              "defined: base");
  e["secrets"] = {{"k8s", {{"token", "s3cr3t"}}}};
  e["method"][1]["provider"]["url"] = "http://b/${token}";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/1/provider/url: \"http://b/${token}\" refers to secret 'token'; chaoslab "
                              "never reads secrets: put the value in \"configuration\"");
  e["configuration"]["probe"] = {{"type", "probe"}, {"name", "x"}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /configuration/probe/type: unsupported configuration type 'probe'; supported: "
                              "env (or a literal value; dynamic configuration probes are not supported)");
}

TEST_CASE("secrets are accepted but never kept; controls are reported as ignored") {
  OrderedJson e = base();
  e["secrets"] = {{"k8s", {{"token", "s3cr3t"}, {"ca", {{"type", "env"}, {"key", "CA"}}}}}};
  e["controls"] = {{{"name", "tracing"}}};
  const Experiment x = load(e);
  CHECK(x.raw["secrets"] == OrderedJson{{"k8s", {{"token", "<redacted>"}, {"ca", "<redacted>"}}}});
  CHECK(x.raw.dump().find("s3cr3t") == std::string::npos);
  REQUIRE(x.warnings.size() == 1);
  CHECK(x.warnings[0] == "test.json: /controls: controls are not supported by chaoslab and are ignored");
}

TEST_CASE("references resolve to the named activity, wherever it is defined") {
  OrderedJson e = with_hypothesis(http_probe(200));
  e["method"].push_back({{"ref", "health"}});
  e["rollbacks"] = {{{"ref", "kill"}}};
  const Experiment x = load(e);
  REQUIRE(x.method.size() == 2);
  CHECK(x.method[1].name == "health");
  CHECK(x.method[1].raw == http_probe(200));
  CHECK(x.rollbacks[0].name == "kill");
  e["method"].push_back({{"type", "probe"}, {"name", "health"}, {"provider", {{"type", "http"}, {"url", "http://other"}}}});
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/1/ref: ambiguous reference: 'health' names different activities at "
                              "/steady-state-hypothesis/probes/0 and /method/2");
}

TEST_CASE("runtime strategies are read from the experiment") {
  OrderedJson e = base();
  e["runtime"] = OrderedJson::parse(
      R"({"hypothesis":{"strategy":"continuously","freq":2,"fail_fast":true,"fail_fast_ratio":50},"rollbacks":{"strategy":"always"}})");
  const Experiment x = load(e);
  CHECK(x.hypothesis_strategy == HypothesisStrategy::continuously);
  CHECK(x.hypothesis_frequency == std::chrono::seconds(2));
  CHECK(x.fail_fast);
  CHECK(x.fail_fast_ratio == 50);
  CHECK(x.rollback_strategy == RollbackStrategy::always);
}

TEST_CASE("an experiment embedded in another file reports pointers from that file's root") {
  OrderedJson e = base();
  e.erase("title");
  CHECK_CONFIG_ERROR(parse_experiment(e, "scenarios/x.json", {}, "/chaos/experiment"),
                     "scenarios/x.json: /chaos/experiment/title: required key is missing");
  CHECK_CONFIG_ERROR(parse_experiment(Json::parse(e.dump()), "scenarios/x.json", {}, "/chaos/experiment"),
                     "scenarios/x.json: /chaos/experiment/title: required key is missing");
}

TEST_CASE("load_experiment reports unreadable files and invalid JSON") {
  CHECK_CONFIG_ERROR(load_experiment("/nonexistent/x.json"), "/nonexistent/x.json: cannot read the experiment file");
  const std::string path = std::string(CHAOSLAB_BINARY) + ".test_bad_experiment.json";
  {
    std::ofstream out(path);
    out << "{\"title\": ";
  }
  CHECK_THROWS_AS(load_experiment(path), ConfigError);
  try {
    load_experiment(path);
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).rfind(path + ": invalid JSON: ", 0) == 0);
  }
  std::remove(path.c_str());
}

TEST_CASE("more exact messages: configuration, secrets, metadata, providers, tolerances") {
  OrderedJson e = base();
  e["configuration"] = {{"n", {{"type", "env"}, {"key", "N"}, {"env_var_type", "integer"}}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /configuration/n/env_var_type: must be one of str, int, float, bool, json, got "
                              "\"integer\"");
  e["configuration"] = {{"n", {{"type", "env"}, {"key", "N"}, {"fallback", 1}}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /configuration/n/fallback: unknown key; allowed: type, key, default, env_var_type");
  e["configuration"] = {{"n", {{"type", "env"}, {"key", "N"}, {"env_var_type", "int"}}}};
  LoadOptions env;
  env.getenv = [](const std::string&) -> std::optional<std::string> { return "12x"; };
  CHECK_CONFIG_ERROR(load(e, env), "test.json: /configuration/n: environment variable N='12x' is not a valid int");
  env.getenv = [](const std::string&) -> std::optional<std::string> { return "12"; };
  CHECK(load(e, env).configuration["n"] == 12);
  e = base();
  e["secrets"] = {{"k8s", "token"}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /secrets/k8s: must be an object, got a string");
  e = base();
  e["extensions"] = {{{"version", 1}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /extensions/0/name: required key is missing");
  e = base();
  e["contributions"] = "high";
  CHECK_CONFIG_ERROR(load(e), "test.json: /contributions: must be an object, got a string");
  e = base();
  e["runtime"] = {{"hypothesis", {{"freq", 0}}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /runtime/hypothesis/freq: must be a number of seconds > 0");
  e["runtime"] = {{"hypothesis", {{"fail_fast_ratio", 120}}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /runtime/hypothesis/fail_fast_ratio: must be a percentage between 0 and 100");
  e["runtime"] = {{"rollback", {{"strategy", "always"}}}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /runtime/rollback: unknown key; allowed: hypothesis, rollbacks");

  e = base();
  e["method"][0]["provider"] = "terminate_pods";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider: must be an object, got a string");
  e["method"][0] = "kill";
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0: an activity must be an object, got a string");
  e = base();
  e["method"][0]["provider"]["arguments"] = {"app=backend"};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments: must be an object, got a list");
  e = base();
  e["method"][0]["provider"] = {{"type", "http"}, {"url", "http://b/x"}, {"method", "POST"}, {"arguments", 5}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/arguments: must be an object (sent as JSON or form fields) "
                              "or a string body, got a number");
  e["method"][0]["provider"] = {{"type", "http"}, {"url", "http://b/x"}, {"verify_tls", "no"}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/verify_tls: must be a boolean, got a string");
  e["method"][0]["provider"] = {{"type", "http"}, {"url", "http://b/x"}, {"max_retries", 11}};
  CHECK_CONFIG_ERROR(load(e), "test.json: /method/0/provider/max_retries: must be an integer between 0 and 10");
  LoadOptions proc;
  proc.allow_process = true;
  e["method"][0]["provider"] = {{"type", "process"}, {"path", "kubectl"}, {"arguments", {"get", 1}}};
  CHECK_CONFIG_ERROR(load(e, proc), "test.json: /method/0/provider/arguments/1: must be a string");
  e["method"][0]["provider"] = {{"type", "process"}, {"path", "kubectl"}, {"arguments", "get pods -n lab3"}};
  CHECK(std::get<ProcessCall>(load(e, proc).method[0].provider).arguments ==
        std::vector<std::string>{"get", "pods", "-n", "lab3"});

  std::string regex_what;
  try {
    std::regex r("(unclosed");
  } catch (const std::regex_error& x) {
    regex_what = x.what();
  }
  const std::string regex_message =
      "test.json: /steady-state-hypothesis/probes/0/tolerance/pattern: invalid regular expression: " + regex_what;
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "regex"}, {"pattern", "(unclosed"}}))),
                     regex_message.c_str());
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "regex"}, {"pattern", "x"}, {"target", 1}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/target: must be a string, got a number");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "range"}, {"range", {1, 2}}, {"step", 1}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/step: unknown key; allowed: type, range, target");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "probe"}, {"ref", "kill"}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/ref: a tolerance probe cannot be a reference");
  CHECK_CONFIG_ERROR(load(with_hypothesis(http_probe({{"type", "probe"},
                                                      {"name", "judge"},
                                                      {"tolerance", true},
                                                      {"provider", {{"type", "http"}, {"url", "http://j"}}}}))),
                     "test.json: /steady-state-hypothesis/probes/0/tolerance/tolerance: a tolerance probe has no "
                     "tolerance of its own");
}

TEST_CASE("a tolerance outside the hypothesis is reported as ignored") {
  OrderedJson e = base();
  e["method"].push_back(http_probe(true));
  const Experiment x = load(e);
  REQUIRE(x.warnings.size() == 1);
  CHECK(x.warnings[0] == "test.json: /method/1/tolerance: only steady-state probes are checked against a tolerance; this "
                         "one is ignored, as in Chaos Toolkit");
}
