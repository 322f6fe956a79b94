// A Chaos Toolkit experiment (chaostoolkit-lib 1.45 format), loaded and validated once, with the
// configuration resolved and every activity compiled (function picked, arguments checked and
// defaulted, regexes and JSON paths parsed). Runs reuse it: see runner.hpp.
// docs/chaos.md lists what is supported and how chaoslab differs from Chaos Toolkit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/jsonpath.hpp"
#include "chaos/labels.hpp"
#include "policies/time.hpp"

namespace chaoslab::chaos {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;  // file order kept, for the journal

enum class ActivityType : std::uint8_t { probe, action };
std::string_view to_string(ActivityType t);

// The python functions chaoslab implements, with their Chaos Toolkit module.
enum class Function : std::uint8_t {
  terminate_pods,                    // chaosk8s.pod.actions
  pods_in_phase,                     // chaosk8s.pod.probes
  count_pods,                        // chaosk8s.pod.probes
  count_min_pods,                    // chaosk8s.pod.probes
  all_pods_healthy,                  // chaosk8s.pod.probes
  deployment_available_and_healthy,  // chaosk8s.deployment.probes
  fault,                             // chaoslab.faults.<func> (faults.hpp)
};

struct PythonCall {
  std::string module;
  std::string func;
  Function function = Function::fault;
  // Validated, configuration substituted, defaults filled in (so every argument is present).
  Json arguments = Json::object();
  LabelSelector selector;                      // parsed label_selector, when the function has one
  std::shared_ptr<const std::regex> name_pattern;  // terminate_pods name_pattern, when given
};

struct HttpCall {
  std::string url;
  std::string method = "GET";  // upper case
  std::map<std::string, std::string> headers;
  Json arguments;                  // null when absent; GET: query, otherwise the body
  std::optional<Duration> timeout;  // provider timeout ([connect, read] pairs are summed)
  bool verify_tls = true;
  int max_retries = 0;  // extra attempts after a connection error (requests' HTTPAdapter)
};

// Only loaded when LoadOptions::allow_process is set; run through Target::process().
struct ProcessCall {
  std::string path;
  std::vector<std::string> arguments;  // a string argument is split on whitespace
  std::optional<Duration> timeout;
};

struct Activity;

// A steady-state tolerance (chaoslib hypothesis.within_tolerance), decoded at load time.
struct Tolerance {
  enum class Kind : std::uint8_t {
    equal,     // bool, string (and null/float, compared as Python ==)
    integer,   // int: the http status when the output has one, else the value
    list,      // dict output with status: status in list; else 2 items: inclusive range; else membership
    range,     // {"type":"range","range":[a,b],"target"?}
    regex,     // {"type":"regex","pattern","target"?}
    jsonpath,  // {"type":"jsonpath","path","target"?,"expect"?,"count"?}
    probe,     // {"type":"probe", ...activity}: met when that probe succeeds with a truthy output
  };
  Kind kind = Kind::equal;
  Json value;                      // equal / integer / list: the tolerance as written
  double low = 0, high = 0;        // range
  std::string target;              // range / regex / jsonpath: key of a dict output
  std::string pattern;             // regex (substituted)
  std::shared_ptr<const std::regex> regex;
  std::optional<JsonPath> path;    // jsonpath
  std::optional<Json> expect;      // jsonpath
  std::optional<long long> count;  // jsonpath
  std::shared_ptr<const Activity> probe;  // probe
};

struct Pauses {
  Duration before{0};
  Duration after{0};
};

struct Activity {
  std::string name;
  ActivityType type = ActivityType::probe;
  std::variant<PythonCall, HttpCall, ProcessCall> provider;
  Pauses pauses;
  bool background = false;
  std::optional<Duration> timeout;  // whole-activity bound, enforced by the runner
  std::optional<Tolerance> tolerance;
  OrderedJson raw;      // the activity as written (a {"ref"} resolved), for the journal
  std::string pointer;  // where it is in the file ("/method/0")
};

struct Hypothesis {
  std::string title;
  std::vector<Activity> probes;
};

// chaoslib's runtime strategies (experiment "runtime" block or `chaos run` flags).
enum class HypothesisStrategy : std::uint8_t {
  default_strategy,    // before and after the method
  before_method_only,
  after_method_only,
  during_method_only,  // every `frequency` while the method runs
  continuously,        // before, during and after
};
enum class RollbackStrategy : std::uint8_t {
  default_strategy,  // played unless the run failed or was interrupted
  always,
  never,
  deviated,  // only when the hypothesis deviated after the method
};
std::string_view to_string(HypothesisStrategy s);
std::string_view to_string(RollbackStrategy s);

struct Experiment {
  std::string file;  // as given to the loader, used in messages
  std::string title;
  std::string description;
  std::optional<Hypothesis> hypothesis;
  std::vector<Activity> method;
  std::vector<Activity> rollbacks;
  Json configuration = Json::object();  // resolved values by key

  HypothesisStrategy hypothesis_strategy = HypothesisStrategy::default_strategy;
  Duration hypothesis_frequency = std::chrono::seconds(1);
  bool fail_fast = false;
  double fail_fast_ratio = 0.0;  // percent of failed "during" iterations that stops the run
  RollbackStrategy rollback_strategy = RollbackStrategy::default_strategy;

  std::vector<std::string> warnings;  // accepted but ignored parts ("controls are not supported")
  OrderedJson raw;  // the experiment as written, secret values redacted, for the journal
};

struct LoadOptions {
  // Environment lookup for {"type":"env"} configuration; unset = std::getenv.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // Replace (or add) configuration values after loading, like `chaos run --var key=value`.
  std::map<std::string, Json> config_overrides;
  // Accept "process" providers (local live mode can run them; the simulator cannot).
  bool allow_process = false;
};

// Reads, parses and validates an experiment file. Throws chaoslab::ConfigError
// "FILE: /json/pointer: what is wrong" for anything a user can get wrong.
Experiment load_experiment(const std::filesystem::path& path, const LoadOptions& options = {});

// Same, from an already parsed document. `file` names it in messages; `pointer_prefix` is
// prepended to pointers when the experiment is embedded in another file ("/chaos/experiment").
Experiment parse_experiment(const OrderedJson& doc, const std::string& file,
                            const LoadOptions& options = {}, const std::string& pointer_prefix = "");
Experiment parse_experiment(const Json& doc, const std::string& file,
                            const LoadOptions& options = {}, const std::string& pointer_prefix = "");

// Every supported module and its functions, for messages and docs.
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& supported_functions();

}  // namespace chaoslab::chaos
