#include "chaos/experiment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include "chaos/faults.hpp"
#include "functions.hpp"
#include "json_util.hpp"
#include "policies/error.hpp"

namespace chaoslab::chaos {
namespace {

using detail::to_ordered;
using detail::to_plain;

constexpr std::string_view kPhases[] = {"Pending", "Running", "Succeeded", "Failed", "Unknown"};
constexpr std::string_view kHttpMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};

std::string escape_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string at(const std::string& ptr, std::string_view key) { return ptr + "/" + escape_token(key); }
std::string at(const std::string& ptr, std::size_t i) { return ptr + "/" + std::to_string(i); }

template <typename Range>
std::string join(const Range& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string type_name(const OrderedJson& v) {
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "null";
}

enum class Context { hypothesis, method, rollback, tolerance };

class Loader {
 public:
  Loader(const std::string& file, const std::string& prefix, const LoadOptions& options)
      : file_(file), prefix_(prefix), opt_(options) {}

  Experiment load(const OrderedJson& doc);

 private:
  [[noreturn]] void fail(const std::string& ptr, const std::string& msg) const {
    const std::string where = prefix_ + ptr;
    throw ConfigError(file_ + ": " + (where.empty() ? "" : where + ": ") + msg);
  }
  void warn(const std::string& ptr, const std::string& msg) {
    exp_.warnings.push_back(file_ + ": " + prefix_ + ptr + ": " + msg);
  }

  void check_keys(const OrderedJson& obj, const std::string& ptr, std::initializer_list<std::string_view> allowed) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
        fail(at(ptr, it.key()), "unknown key; allowed: " + join(allowed));
    }
  }
  const OrderedJson& require_object(const OrderedJson& v, const std::string& ptr) const {
    if (!v.is_object()) fail(ptr, "must be an object, got " + type_name(v));
    return v;
  }
  static const OrderedJson* find(const OrderedJson& obj, std::string_view key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  std::string string_at(const OrderedJson& obj, const std::string& ptr, std::string_view key, bool required,
                        bool non_empty, std::string dflt = "") const {
    const OrderedJson* v = find(obj, key);
    if (!v) {
      if (required) fail(at(ptr, key), "required key is missing");
      return dflt;
    }
    if (!v->is_string()) fail(at(ptr, key), "must be a string, got " + type_name(*v));
    std::string s = v->get<std::string>();
    if (non_empty && s.empty()) fail(at(ptr, key), "must be a non-empty string");
    return s;
  }
  Duration seconds(const OrderedJson& v, const std::string& ptr, bool zero_ok) const {
    if (!v.is_number()) fail(ptr, std::string("must be a number of seconds ") + (zero_ok ? ">= 0" : "> 0") + ", got " + type_name(v));
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || (!zero_ok && d == 0) || d > kMaxSeconds)
      fail(ptr, std::string("must be a number of seconds ") + (zero_ok ? ">= 0" : "> 0"));
    return from_seconds(d);
  }

  void load_configuration(const OrderedJson* cfg);
  void load_secrets(const OrderedJson* secrets, OrderedJson& raw);
  void load_runtime(const OrderedJson& rt, const std::string& ptr);
  void collect_names(const OrderedJson& list, const std::string& ptr);

  OrderedJson substitute(const OrderedJson& v, const std::string& ptr) const;
  std::string substitute_string(const std::string& s, const std::string& ptr) const;
  const Json& variable(const std::string& name, const std::string& s, const std::string& ptr) const;

  Activity parse_activity(const OrderedJson& a, const std::string& ptr, Context ctx);
  void parse_python(Activity& act, const OrderedJson& p, const std::string& ptr, Context ctx);
  void parse_http(Activity& act, const OrderedJson& p, const std::string& ptr);
  void parse_process(Activity& act, const OrderedJson& p, const std::string& ptr);
  Tolerance parse_tolerance(const OrderedJson& t, const std::string& ptr);

  const std::string& file_;
  std::string prefix_;
  const LoadOptions& opt_;
  Experiment exp_;
  std::set<std::string> secret_names_;
  std::map<std::string, std::vector<std::pair<std::string, const OrderedJson*>>> named_;
};

// ---------------------------------------------------------------------------------------------
// Configuration and substitution

void Loader::load_configuration(const OrderedJson* cfg) {
  Json& conf = exp_.configuration;
  if (cfg) {
    require_object(*cfg, "/configuration");
    for (auto it = cfg->begin(); it != cfg->end(); ++it) {
      const std::string key = it.key();
      const std::string ptr = at("/configuration", key);
      const OrderedJson& v = *it;
      if (!(v.is_object() && v.contains("type"))) {
        conf[key] = to_plain(v);
        continue;
      }
      const std::string type = string_at(v, ptr, "type", true, true);
      if (type != "env")
        fail(at(ptr, "type"), "unsupported configuration type '" + type +
                                  "'; supported: env (or a literal value; dynamic configuration probes are not supported)");
      check_keys(v, ptr, {"type", "key", "default", "env_var_type"});
      const std::string env_key = string_at(v, ptr, "key", true, true);
      const std::string var_type = string_at(v, ptr, "env_var_type", false, true, "str");
      static constexpr std::string_view kTypes[] = {"str", "int", "float", "bool", "json"};
      if (std::find(std::begin(kTypes), std::end(kTypes), var_type) == std::end(kTypes))
        fail(at(ptr, "env_var_type"), "must be one of str, int, float, bool, json, got \"" + var_type + "\"");
      if (opt_.config_overrides.count(key)) continue;
      std::optional<std::string> env;
      if (opt_.getenv) {
        env = opt_.getenv(env_key);
      } else if (const char* e = std::getenv(env_key.c_str())) {
        env = std::string(e);
      }
      if (!env) {
        const OrderedJson* d = find(v, "default");
        if (!d) fail(ptr, "environment variable " + env_key + " is not set and the entry has no default");
        conf[key] = to_plain(*d);
        continue;
      }
      const std::string& s = *env;
      const std::string bad = "environment variable " + env_key + "='" + s + "' is not a valid " + var_type;
      if (var_type == "str") {
        conf[key] = s;
      } else if (var_type == "int") {
        std::size_t used = 0;
        long long n = 0;
        try {
          n = std::stoll(s, &used);
        } catch (const std::exception&) {
          fail(ptr, bad);
        }
        if (used != s.size()) fail(ptr, bad);
        conf[key] = n;
      } else if (var_type == "float") {
        std::size_t used = 0;
        double d = 0;
        try {
          d = std::stod(s, &used);
        } catch (const std::exception&) {
          fail(ptr, bad);
        }
        if (used != s.size() || !std::isfinite(d)) fail(ptr, bad);
        conf[key] = d;
      } else if (var_type == "bool") {
        std::string l = s;
        std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (l == "true" || l == "1" || l == "yes") conf[key] = true;
        else if (l == "false" || l == "0" || l == "no") conf[key] = false;
        else fail(ptr, bad);
      } else {
        Json parsed = Json::parse(s, nullptr, false);
        if (parsed.is_discarded()) fail(ptr, bad);
        conf[key] = parsed;
      }
    }
  }
  for (const auto& [k, v] : opt_.config_overrides) conf[k] = v;
}

void Loader::load_secrets(const OrderedJson* secrets, OrderedJson& raw) {
  if (!secrets) return;
  require_object(*secrets, "/secrets");
  OrderedJson& redacted = raw["secrets"];
  for (auto scope = secrets->begin(); scope != secrets->end(); ++scope) {
    require_object(*scope, at("/secrets", scope.key()));
    for (auto s = scope->begin(); s != scope->end(); ++s) {
      secret_names_.insert(s.key());
      redacted[scope.key()][s.key()] = "<redacted>";
    }
  }
}

const Json& Loader::variable(const std::string& name, const std::string& s, const std::string& ptr) const {
  auto it = exp_.configuration.find(name);
  if (it != exp_.configuration.end()) return *it;
  if (secret_names_.count(name))
    fail(ptr, "\"" + s + "\" refers to secret '" + name +
                  "'; chaoslab never reads secrets: put the value in \"configuration\"");
  std::vector<std::string> keys;
  for (auto k = exp_.configuration.begin(); k != exp_.configuration.end(); ++k) keys.push_back(k.key());
  fail(ptr, "\"" + s + "\" refers to unknown configuration key '" + name + "'; defined: " +
                (keys.empty() ? std::string("none") : join(keys)));
}

bool ident_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

std::string stringify(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Python string.Template semantics: ${name} and $name are replaced, $$ is a literal $.
// ${name} must name a configuration key; $name is left alone when it names nothing (a "$" in a
// regex stays a "$").
std::string Loader::substitute_string(const std::string& s, const std::string& ptr) const {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    const char n = s[i + 1];
    if (n == '$') {
      out += '$';
      ++i;
    } else if (n == '{') {
      const std::size_t close = s.find('}', i + 2);
      if (close == std::string::npos) fail(ptr, "\"" + s + "\" has an unterminated ${");
      const std::string name = s.substr(i + 2, close - i - 2);
      out += stringify(variable(name, s, ptr));
      i = close;
    } else if (ident_start(n)) {
      std::size_t j = i + 1;
      while (j < s.size() && ident_char(s[j])) ++j;
      const std::string name = s.substr(i + 1, j - i - 1);
      auto it = exp_.configuration.find(name);
      if (it != exp_.configuration.end()) {
        out += stringify(*it);
        i = j - 1;
      } else {
        out += s[i];
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

OrderedJson Loader::substitute(const OrderedJson& v, const std::string& ptr) const {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.find('$') == std::string::npos) return v;
    // A string that is exactly one "${name}" takes the value with its type (a number stays a number).
    if (s.size() > 3 && s.rfind("${", 0) == 0 && s.back() == '}' && s.find('}') == s.size() - 1)
      return to_ordered(variable(s.substr(2, s.size() - 3), s, ptr));
    return substitute_string(s, ptr);
  }
  if (v.is_object()) {
    OrderedJson o = OrderedJson::object();
    for (auto it = v.begin(); it != v.end(); ++it) o[it.key()] = substitute(*it, at(ptr, it.key()));
    return o;
  }
  if (v.is_array()) {
    OrderedJson o = OrderedJson::array();
    for (std::size_t i = 0; i < v.size(); ++i) o.push_back(substitute(v[i], at(ptr, i)));
    return o;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Activities

void Loader::collect_names(const OrderedJson& list, const std::string& ptr) {
  if (!list.is_array()) return;  // reported where the list is parsed
  for (std::size_t i = 0; i < list.size(); ++i) {
    const OrderedJson& a = list[i];
    if (!a.is_object() || a.contains("ref")) continue;
    auto n = a.find("name");
    if (n != a.end() && n->is_string()) named_[n->get<std::string>()].emplace_back(at(ptr, i), &a);
  }
}

Activity Loader::parse_activity(const OrderedJson& a, const std::string& ptr, Context ctx) {
  if (!a.is_object()) fail(ptr, "an activity must be an object, got " + type_name(a));
  if (const OrderedJson* ref = find(a, "ref")) {
    if (ctx == Context::tolerance) fail(at(ptr, "ref"), "a tolerance probe cannot be a reference");
    check_keys(a, ptr, {"ref"});
    if (!ref->is_string() || ref->get<std::string>().empty()) fail(at(ptr, "ref"), "must be a non-empty string");
    const std::string name = ref->get<std::string>();
    auto it = named_.find(name);
    if (it == named_.end()) {
      std::vector<std::string> names;
      for (const auto& [k, v] : named_) names.push_back(k);
      fail(at(ptr, "ref"), "no activity is named '" + name + "'; named activities: " +
                               (names.empty() ? std::string("none") : join(names)));
    }
    const auto& defs = it->second;
    for (const auto& d : defs)
      if (*d.second != *defs.front().second)
        fail(at(ptr, "ref"), "ambiguous reference: '" + name + "' names different activities at " + prefix_ +
                                 defs.front().first + " and " + prefix_ + d.first);
    // Only non-reference activities are named (collect_names), so a reference cannot loop.
    return parse_activity(*defs.front().second, defs.front().first, ctx);
  }

  check_keys(a, ptr, {"type", "name", "provider", "pauses", "background", "timeout", "tolerance", "controls"});
  Activity act;
  act.pointer = ptr;
  act.raw = a;
  const std::string type = string_at(a, ptr, "type", true, false);
  if (type == "probe") act.type = ActivityType::probe;
  else if (type == "action") act.type = ActivityType::action;
  else fail(at(ptr, "type"), "must be \"probe\" or \"action\", got \"" + type + "\"");
  act.name = string_at(a, ptr, "name", true, true);
  if (ctx == Context::hypothesis && act.type != ActivityType::probe)
    fail(at(ptr, "type"), "the steady-state hypothesis takes probes only");

  const OrderedJson* provider = find(a, "provider");
  if (!provider) fail(at(ptr, "provider"), "required key is missing");
  const std::string pptr = at(ptr, "provider");
  require_object(*provider, pptr);
  const std::string ptype = string_at(*provider, pptr, "type", true, false);
  const std::string supported = opt_.allow_process ? "python, http, process" : "python, http";
  if (ctx == Context::tolerance && ptype != "http")
    fail(at(pptr, "type"), "a tolerance probe receives the probe's output as argument 'value', which only an http "
                           "provider can take here; supported: http");
  if (ptype == "python") {
    parse_python(act, *provider, pptr, ctx);
  } else if (ptype == "http") {
    parse_http(act, *provider, pptr);
  } else if (ptype == "process" && opt_.allow_process) {
    parse_process(act, *provider, pptr);
  } else if (ptype == "process") {
    fail(at(pptr, "type"), "unsupported provider type 'process' (the simulator cannot run programs); supported: " +
                               supported);
  } else {
    fail(at(pptr, "type"), "unsupported provider type '" + ptype + "'; supported: " + supported);
  }

  if (const OrderedJson* pauses = find(a, "pauses")) {
    const std::string ptr_p = at(ptr, "pauses");
    require_object(*pauses, ptr_p);
    check_keys(*pauses, ptr_p, {"before", "after"});
    if (const OrderedJson* b = find(*pauses, "before"))
      act.pauses.before = seconds(substitute(*b, at(ptr_p, "before")), at(ptr_p, "before"), true);
    if (const OrderedJson* b = find(*pauses, "after"))
      act.pauses.after = seconds(substitute(*b, at(ptr_p, "after")), at(ptr_p, "after"), true);
  }
  if (const OrderedJson* bg = find(a, "background")) {
    if (!bg->is_boolean()) fail(at(ptr, "background"), "must be a boolean, got " + type_name(*bg));
    act.background = bg->get<bool>();
    if (act.background && (ctx == Context::hypothesis || ctx == Context::tolerance))
      fail(at(ptr, "background"), "only method and rollback activities can run in the background");
  }
  if (const OrderedJson* t = find(a, "timeout")) act.timeout = seconds(*t, at(ptr, "timeout"), false);
  if (find(a, "controls")) warn(at(ptr, "controls"), "controls are not supported by chaoslab and are ignored");

  const OrderedJson* tol = find(a, "tolerance");
  if (ctx == Context::hypothesis && !tol) fail(at(ptr, "tolerance"), "a steady-state probe needs a tolerance");
  if (tol) {
    if (act.type != ActivityType::probe) fail(at(ptr, "tolerance"), "only probes have a tolerance");
    if (ctx == Context::tolerance) fail(at(ptr, "tolerance"), "a tolerance probe has no tolerance of its own");
    act.tolerance = parse_tolerance(*tol, at(ptr, "tolerance"));
    if (ctx != Context::hypothesis)
      warn(at(ptr, "tolerance"), "only steady-state probes are checked against a tolerance; this one is ignored, as in "
                                 "Chaos Toolkit");
  }
  return act;
}

void Loader::parse_python(Activity& act, const OrderedJson& p, const std::string& ptr, Context ctx) {
  check_keys(p, ptr, {"type", "module", "func", "arguments", "secrets"});
  PythonCall call;
  call.module = string_at(p, ptr, "module", true, true);
  call.func = string_at(p, ptr, "func", true, true);
  (void)ctx;

  const std::string aptr = at(ptr, "arguments");
  OrderedJson args = OrderedJson::object();
  if (const OrderedJson* a = find(p, "arguments")) {
    require_object(*a, aptr);
    args = substitute(*a, aptr);
  }

  std::vector<std::string_view> modules;
  for (const auto& [m, fs] : supported_functions()) modules.push_back(m);
  auto mod = std::find_if(supported_functions().begin(), supported_functions().end(),
                          [&](const auto& e) { return e.first == call.module; });
  if (mod == supported_functions().end())
    fail(at(ptr, "module"), "unsupported module '" + call.module + "'; supported: " + join(modules));
  if (std::find(mod->second.begin(), mod->second.end(), call.func) == mod->second.end())
    fail(at(ptr, "func"), "unsupported function '" + call.func + "' in module " + call.module +
                              "; supported: " + join(mod->second));

  if (call.module == kFaultModule) {
    call.function = Function::fault;
    call.arguments = to_plain(args);
    try {
      validate_fault(call.func, call.arguments);
    } catch (const FaultError& e) {
      fail(e.pointer().empty() ? aptr : aptr + e.pointer(), e.message());
    }
    act.provider = std::move(call);
    return;
  }

  const auto& specs = detail::function_specs();
  const auto spec = std::find_if(specs.begin(), specs.end(),
                                 [&](const detail::FunctionSpec& s) { return s.module == call.module && s.func == call.func; });
  call.function = spec->id;
  std::vector<std::string_view> names;
  for (const auto& s : spec->args) names.push_back(s.name);
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (std::find(names.begin(), names.end(), it.key()) == names.end())
      fail(at(aptr, it.key()), "unknown argument for " + call.func + "; supported: " + join(names));
  }
  Json out = Json::object();
  for (const auto& s : spec->args) {
    const std::string ptr_arg = at(aptr, s.name);
    auto it = args.find(s.name);
    if (it == args.end()) {
      if (s.required) fail(ptr_arg, "required argument of " + call.func + " is missing");
      out[std::string(s.name)] = s.default_value;
      continue;
    }
    const OrderedJson& v = *it;
    using K = detail::ArgSpec::Kind;
    switch (s.kind) {
      case K::string:
        if (!v.is_string()) fail(ptr_arg, "must be a string, got " + type_name(v));
        break;
      case K::string_or_null:
        if (!v.is_string() && !v.is_null()) fail(ptr_arg, "must be a string or null, got " + type_name(v));
        break;
      case K::boolean:
        if (!v.is_boolean()) fail(ptr_arg, "must be a boolean, got " + type_name(v));
        break;
      case K::integer:
        if (!v.is_number_integer()) fail(ptr_arg, "must be an integer, got " + type_name(v));
        break;
    }
    out[std::string(s.name)] = to_plain(v);
  }

  // Checks chaosk8s makes at run time (or never), made here so a mistake fails before the run.
  auto one_of = [&](const char* key, std::initializer_list<std::string_view> allowed) {
    const std::string v = out.at(key).get<std::string>();
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (auto x : allowed) list += (list.empty() ? "\"" : ", \"") + std::string(x) + "\"";
      fail(at(aptr, key), "must be one of " + list + ", got \"" + v + "\"");
    }
  };
  auto phase_ok = [&](const char* key) {
    if (out.at(key).is_null()) return;
    const std::string v = out.at(key).get<std::string>();
    if (std::find(std::begin(kPhases), std::end(kPhases), v) == std::end(kPhases))
      fail(at(aptr, key), "must be a pod phase (Pending, Running, Succeeded, Failed, Unknown), got \"" + v + "\"");
  };
  if (out.contains("label_selector") && out["label_selector"].is_string()) {
    try {
      call.selector = LabelSelector::parse(out["label_selector"].get<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(at(aptr, "label_selector"), e.what());
    }
  }
  switch (call.function) {
    case Function::terminate_pods: {
      one_of("mode", {"fixed", "percentage"});
      one_of("order", {"alphabetic", "oldest"});
      if (out["qty"].get<long long>() < 0) fail(at(aptr, "qty"), "must be an integer >= 0");
      if (out["grace_period"].get<long long>() < -1)
        fail(at(aptr, "grace_period"), "must be -1 (the pod's own grace period) or a number of seconds >= 0");
      if (out["name_pattern"].is_string()) {
        try {
          call.name_pattern = std::make_shared<const std::regex>(out["name_pattern"].get<std::string>());
        } catch (const std::regex_error& e) {
          fail(at(aptr, "name_pattern"), std::string("invalid regular expression: ") + e.what());
        }
      }
      break;
    }
    case Function::pods_in_phase:
      phase_ok("phase");
      break;
    case Function::count_pods:
      phase_ok("phase");
      break;
    case Function::count_min_pods:
      phase_ok("phase");
      if (out["min_count"].get<long long>() < 0) fail(at(aptr, "min_count"), "must be an integer >= 0");
      break;
    case Function::deployment_available_and_healthy:
      if (out["name"].get<std::string>().empty()) fail(at(aptr, "name"), "must be a non-empty string");
      break;
    default:
      break;
  }
  call.arguments = std::move(out);
  act.provider = std::move(call);
}

void Loader::parse_http(Activity& act, const OrderedJson& p, const std::string& ptr) {
  check_keys(p, ptr, {"type", "url", "method", "headers", "arguments", "timeout", "verify_tls", "max_retries", "secrets"});
  HttpCall call;
  if (!find(p, "url")) fail(at(ptr, "url"), "required key is missing");
  const OrderedJson url = substitute(p["url"], at(ptr, "url"));
  if (!url.is_string() || url.get<std::string>().empty()) fail(at(ptr, "url"), "must be a non-empty string");
  call.url = url.get<std::string>();
  if (call.url.rfind("http://", 0) != 0 && call.url.rfind("https://", 0) != 0)
    fail(at(ptr, "url"), "must be an http:// or https:// URL, got \"" + call.url + "\"");
  std::string method = string_at(p, ptr, "method", false, true, "GET");
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (std::find(std::begin(kHttpMethods), std::end(kHttpMethods), method) == std::end(kHttpMethods))
    fail(at(ptr, "method"), "unsupported HTTP method \"" + method + "\"; supported: " + join(kHttpMethods));
  call.method = method;
  if (const OrderedJson* h = find(p, "headers")) {
    const std::string hptr = at(ptr, "headers");
    require_object(*h, hptr);
    const OrderedJson hs = substitute(*h, hptr);
    for (auto it = hs.begin(); it != hs.end(); ++it) {
      if (!it->is_string()) fail(at(hptr, it.key()), "a header value must be a string, got " + type_name(*it));
      call.headers[it.key()] = it->get<std::string>();
    }
  }
  if (const OrderedJson* a = find(p, "arguments")) {
    const std::string aptr = at(ptr, "arguments");
    const OrderedJson args = substitute(*a, aptr);
    if (method == "GET") {
      require_object(args, aptr);
      for (auto it = args.begin(); it != args.end(); ++it) {
        const bool scalar_list = it->is_array() && std::all_of(it->begin(), it->end(), [](const OrderedJson& e) {
                                   return e.is_primitive();
                                 });
        if (!it->is_primitive() && !scalar_list)
          fail(at(aptr, it.key()), "a GET query argument must be a scalar or a list of scalars");
      }
    } else if (!args.is_object() && !args.is_string() && !args.is_null()) {
      fail(aptr, "must be an object (sent as JSON or form fields) or a string body, got " + type_name(args));
    }
    call.arguments = to_plain(args);
  }
  if (const OrderedJson* t = find(p, "timeout")) {
    const std::string tptr = at(ptr, "timeout");
    if (t->is_array()) {
      if (t->size() != 2) fail(tptr, "must be a number of seconds or a [connect, read] pair");
      call.timeout = seconds((*t)[0], at(tptr, 0), false) + seconds((*t)[1], at(tptr, 1), false);
    } else {
      call.timeout = seconds(*t, tptr, false);
    }
  }
  if (const OrderedJson* v = find(p, "verify_tls")) {
    if (!v->is_boolean()) fail(at(ptr, "verify_tls"), "must be a boolean, got " + type_name(*v));
    call.verify_tls = v->get<bool>();
  }
  if (const OrderedJson* r = find(p, "max_retries")) {
    if (!r->is_number_integer() || r->get<long long>() < 0 || r->get<long long>() > 10)
      fail(at(ptr, "max_retries"), "must be an integer between 0 and 10");
    call.max_retries = static_cast<int>(r->get<long long>());
  }
  act.provider = std::move(call);
}

void Loader::parse_process(Activity& act, const OrderedJson& p, const std::string& ptr) {
  check_keys(p, ptr, {"type", "path", "arguments", "timeout", "secrets"});
  ProcessCall call;
  if (!find(p, "path")) fail(at(ptr, "path"), "required key is missing");
  const OrderedJson path = substitute(p["path"], at(ptr, "path"));
  if (!path.is_string() || path.get<std::string>().empty()) fail(at(ptr, "path"), "must be a non-empty string");
  call.path = path.get<std::string>();
  if (const OrderedJson* a = find(p, "arguments")) {
    const std::string aptr = at(ptr, "arguments");
    const OrderedJson args = substitute(*a, aptr);
    if (args.is_string()) {
      std::istringstream in(args.get<std::string>());
      for (std::string w; in >> w;) call.arguments.push_back(w);
    } else if (args.is_array()) {
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (!args[i].is_string()) fail(at(aptr, i), "must be a string");
        call.arguments.push_back(args[i].get<std::string>());
      }
    } else {
      fail(aptr, "must be a string or a list of strings");
    }
  }
  if (const OrderedJson* t = find(p, "timeout")) call.timeout = seconds(*t, at(ptr, "timeout"), false);
  act.provider = std::move(call);
}

Tolerance Loader::parse_tolerance(const OrderedJson& t, const std::string& ptr) {
  Tolerance tol;
  if (t.is_boolean() || t.is_string()) {
    tol.kind = Tolerance::Kind::equal;
    tol.value = to_plain(t);
    return tol;
  }
  if (t.is_number_integer()) {
    tol.kind = Tolerance::Kind::integer;
    tol.value = to_plain(t);
    return tol;
  }
  if (t.is_array()) {
    tol.kind = Tolerance::Kind::list;
    tol.value = to_plain(t);
    return tol;
  }
  if (!t.is_object()) fail(ptr, "must be a boolean, an integer, a string, a list or an object, got " + type_name(t));
  const std::string type = string_at(t, ptr, "type", true, false);
  auto target = [&] { tol.target = string_at(t, ptr, "target", false, true); };
  if (type == "range") {
    check_keys(t, ptr, {"type", "range", "target"});
    tol.kind = Tolerance::Kind::range;
    const OrderedJson* r = find(t, "range");
    if (!r) fail(at(ptr, "range"), "required key is missing");
    if (!r->is_array() || r->size() != 2 || !(*r)[0].is_number() || !(*r)[1].is_number())
      fail(at(ptr, "range"), "must be a list of two numbers [low, high]");
    tol.low = (*r)[0].get<double>();
    tol.high = (*r)[1].get<double>();
    if (tol.low > tol.high) fail(at(ptr, "range"), "low must not be greater than high");
    target();
  } else if (type == "regex") {
    check_keys(t, ptr, {"type", "pattern", "target"});
    tol.kind = Tolerance::Kind::regex;
    if (!find(t, "pattern")) fail(at(ptr, "pattern"), "required key is missing");
    const OrderedJson pat = substitute(t["pattern"], at(ptr, "pattern"));
    if (!pat.is_string()) fail(at(ptr, "pattern"), "must be a string, got " + type_name(pat));
    tol.pattern = pat.get<std::string>();
    try {
      tol.regex = std::make_shared<const std::regex>(tol.pattern);
    } catch (const std::regex_error& e) {
      fail(at(ptr, "pattern"), std::string("invalid regular expression: ") + e.what());
    }
    target();
  } else if (type == "jsonpath") {
    check_keys(t, ptr, {"type", "path", "target", "expect", "count"});
    tol.kind = Tolerance::Kind::jsonpath;
    if (!find(t, "path")) fail(at(ptr, "path"), "required key is missing");
    const OrderedJson path = substitute(t["path"], at(ptr, "path"));
    if (!path.is_string() || path.get<std::string>().empty()) fail(at(ptr, "path"), "must be a non-empty string");
    try {
      tol.path = JsonPath::parse(path.get<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(at(ptr, "path"), e.what());
    }
    if (const OrderedJson* e = find(t, "expect")) tol.expect = to_plain(*e);
    if (const OrderedJson* c = find(t, "count")) {
      if (!c->is_number_integer() || c->get<long long>() < 0) fail(at(ptr, "count"), "must be an integer >= 0");
      tol.count = c->get<long long>();
    }
    target();
  } else if (type == "probe") {
    tol.kind = Tolerance::Kind::probe;
    tol.probe = std::make_shared<const Activity>(parse_activity(t, ptr, Context::tolerance));
  } else {
    fail(at(ptr, "type"), "unsupported tolerance type '" + type + "'; supported: range, regex, jsonpath, probe");
  }
  return tol;
}

void Loader::load_runtime(const OrderedJson& rt, const std::string& ptr) {
  require_object(rt, ptr);
  check_keys(rt, ptr, {"hypothesis", "rollbacks"});
  if (const OrderedJson* h = find(rt, "hypothesis")) {
    const std::string hp = at(ptr, "hypothesis");
    require_object(*h, hp);
    check_keys(*h, hp, {"strategy", "freq", "fail_fast", "fail_fast_ratio"});
    const std::string s = string_at(*h, hp, "strategy", false, true, "default");
    static const std::pair<std::string_view, HypothesisStrategy> kStrategies[] = {
        {"default", HypothesisStrategy::default_strategy},
        {"before-method-only", HypothesisStrategy::before_method_only},
        {"after-method-only", HypothesisStrategy::after_method_only},
        {"during-method-only", HypothesisStrategy::during_method_only},
        {"continuously", HypothesisStrategy::continuously}};
    auto it = std::find_if(std::begin(kStrategies), std::end(kStrategies), [&](const auto& e) { return e.first == s; });
    if (it == std::end(kStrategies))
      fail(at(hp, "strategy"), "unsupported hypothesis strategy \"" + s +
                                   "\"; supported: default, before-method-only, after-method-only, during-method-only, continuously");
    exp_.hypothesis_strategy = it->second;
    if (const OrderedJson* f = find(*h, "freq")) exp_.hypothesis_frequency = seconds(*f, at(hp, "freq"), false);
    if (const OrderedJson* f = find(*h, "fail_fast")) {
      if (!f->is_boolean()) fail(at(hp, "fail_fast"), "must be a boolean, got " + type_name(*f));
      exp_.fail_fast = f->get<bool>();
    }
    if (const OrderedJson* f = find(*h, "fail_fast_ratio")) {
      if (!f->is_number() || f->get<double>() < 0 || f->get<double>() > 100)
        fail(at(hp, "fail_fast_ratio"), "must be a percentage between 0 and 100");
      exp_.fail_fast_ratio = f->get<double>();
    }
  }
  if (const OrderedJson* r = find(rt, "rollbacks")) {
    const std::string rp = at(ptr, "rollbacks");
    require_object(*r, rp);
    check_keys(*r, rp, {"strategy"});
    const std::string s = string_at(*r, rp, "strategy", false, true, "default");
    if (s == "default") exp_.rollback_strategy = RollbackStrategy::default_strategy;
    else if (s == "always") exp_.rollback_strategy = RollbackStrategy::always;
    else if (s == "never") exp_.rollback_strategy = RollbackStrategy::never;
    else if (s == "deviated") exp_.rollback_strategy = RollbackStrategy::deviated;
    else fail(at(rp, "strategy"), "unsupported rollback strategy \"" + s + "\"; supported: default, always, never, deviated");
  }
}

Experiment Loader::load(const OrderedJson& doc) {
  if (!doc.is_object()) fail("", "an experiment must be a JSON object, got " + type_name(doc));
  check_keys(doc, "", {"version", "title", "description", "tags", "configuration", "secrets", "steady-state-hypothesis",
                       "method", "rollbacks", "controls", "runtime", "extensions", "contributions", "dry"});
  exp_.file = file_;
  exp_.raw = doc;

  load_configuration(find(doc, "configuration"));
  load_secrets(find(doc, "secrets"), exp_.raw);

  const OrderedJson title = substitute(doc.contains("title") ? doc["title"] : OrderedJson(), "/title");
  if (!doc.contains("title")) fail("/title", "required key is missing");
  if (!title.is_string() || title.get<std::string>().empty()) fail("/title", "must be a non-empty string");
  exp_.title = title.get<std::string>();
  exp_.raw["title"] = exp_.title;
  exp_.description = string_at(doc, "", "description", true, true);
  if (const OrderedJson* v = find(doc, "version"); v && !v->is_string())
    fail("/version", "must be a string, got " + type_name(*v));
  if (const OrderedJson* tags = find(doc, "tags")) {
    if (!tags->is_array()) fail("/tags", "must be a list of strings");
    for (std::size_t i = 0; i < tags->size(); ++i)
      if (!(*tags)[i].is_string() || (*tags)[i].get<std::string>().empty()) fail(at("/tags", i), "must be a non-empty string");
  }
  if (const OrderedJson* d = find(doc, "dry"); d && !d->is_null())
    fail("/dry", "dry runs are not supported; remove the key or set it to null");
  if (const OrderedJson* e = find(doc, "extensions")) {
    if (!e->is_array()) fail("/extensions", "must be a list");
    for (std::size_t i = 0; i < e->size(); ++i) {
      if (!(*e)[i].is_object()) fail(at("/extensions", i), "must be an object");
      string_at((*e)[i], at("/extensions", i), "name", true, true);
    }
  }
  if (const OrderedJson* c = find(doc, "contributions")) require_object(*c, "/contributions");
  if (find(doc, "controls")) warn("/controls", "controls are not supported by chaoslab and are ignored");
  if (const OrderedJson* rt = find(doc, "runtime")) load_runtime(*rt, "/runtime");

  const OrderedJson* hypo = find(doc, "steady-state-hypothesis");
  const OrderedJson* method = find(doc, "method");
  const OrderedJson* rollbacks = find(doc, "rollbacks");
  if (hypo && hypo->is_object() && hypo->contains("probes"))
    collect_names((*hypo)["probes"], "/steady-state-hypothesis/probes");
  if (method) collect_names(*method, "/method");
  if (rollbacks) collect_names(*rollbacks, "/rollbacks");

  if (hypo) {
    const std::string hp = "/steady-state-hypothesis";
    require_object(*hypo, hp);
    check_keys(*hypo, hp, {"title", "probes", "controls"});
    Hypothesis h;
    h.title = string_at(*hypo, hp, "title", true, true);
    if (find(*hypo, "controls")) warn(at(hp, "controls"), "controls are not supported by chaoslab and are ignored");
    if (const OrderedJson* probes = find(*hypo, "probes")) {
      if (!probes->is_array()) fail(at(hp, "probes"), "must be a list, got " + type_name(*probes));
      for (std::size_t i = 0; i < probes->size(); ++i)
        h.probes.push_back(parse_activity((*probes)[i], at(at(hp, "probes"), i), Context::hypothesis));
    }
    exp_.hypothesis = std::move(h);
  }

  if (!method) fail("/method", "required key is missing");
  if (!method->is_array() || method->empty()) fail("/method", "must be a non-empty list of activities");
  for (std::size_t i = 0; i < method->size(); ++i)
    exp_.method.push_back(parse_activity((*method)[i], at("/method", i), Context::method));
  if (rollbacks) {
    if (!rollbacks->is_array()) fail("/rollbacks", "must be a list, got " + type_name(*rollbacks));
    for (std::size_t i = 0; i < rollbacks->size(); ++i)
      exp_.rollbacks.push_back(parse_activity((*rollbacks)[i], at("/rollbacks", i), Context::rollback));
  }
  return std::move(exp_);
}

}  // namespace

std::string_view to_string(ActivityType t) { return t == ActivityType::probe ? "probe" : "action"; }

std::string_view to_string(HypothesisStrategy s) {
  switch (s) {
    case HypothesisStrategy::default_strategy: return "default";
    case HypothesisStrategy::before_method_only: return "before-method-only";
    case HypothesisStrategy::after_method_only: return "after-method-only";
    case HypothesisStrategy::during_method_only: return "during-method-only";
    case HypothesisStrategy::continuously: return "continuously";
  }
  return "default";
}

std::string_view to_string(RollbackStrategy s) {
  switch (s) {
    case RollbackStrategy::default_strategy: return "default";
    case RollbackStrategy::always: return "always";
    case RollbackStrategy::never: return "never";
    case RollbackStrategy::deviated: return "deviated";
  }
  return "default";
}

const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& supported_functions() {
  static const auto table = [] {
    std::vector<std::pair<std::string_view, std::vector<std::string_view>>> t;
    for (const auto& s : detail::function_specs()) {
      auto it = std::find_if(t.begin(), t.end(), [&](const auto& e) { return e.first == s.module; });
      if (it == t.end()) {
        t.push_back({s.module, {}});
        it = t.end() - 1;
      }
      it->second.push_back(s.func);
    }
    t.push_back({kFaultModule, std::vector<std::string_view>(std::begin(kFaultFunctions), std::end(kFaultFunctions))});
    return t;
  }();
  return table;
}

Experiment parse_experiment(const OrderedJson& doc, const std::string& file, const LoadOptions& options,
                            const std::string& pointer_prefix) {
  return Loader(file, pointer_prefix, options).load(doc);
}

Experiment parse_experiment(const Json& doc, const std::string& file, const LoadOptions& options,
                            const std::string& pointer_prefix) {
  return parse_experiment(to_ordered(doc), file, options, pointer_prefix);
}

Experiment load_experiment(const std::filesystem::path& path, const LoadOptions& options) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(file + ": cannot read the experiment file");
  std::ostringstream text;
  text << in.rdbuf();
  OrderedJson doc;
  try {
    doc = OrderedJson::parse(text.str());
  } catch (const OrderedJson::exception& e) {  // parse_error, or out_of_range for "1e999"
    throw ConfigError(file + ": invalid JSON: " + e.what());
  }
  return parse_experiment(doc, file, options);
}

}  // namespace chaoslab::chaos
