#include "sim/scenario.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "policies/config.hpp"
#include "policies/error.hpp"
#include "sim/cluster.hpp"
#include "sim/format_number.hpp"
#include "sim/json_pointer.hpp"
#include "sim/manifests.hpp"

namespace chaoslab::sim {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {


// One JSON object being validated: every key must be known; values are checked as they are read.
class Obj {
 public:
  Obj(const json& j, std::string file, std::string pointer, std::initializer_list<const char*> known)
      : j_(j), file_(std::move(file)), ptr_(std::move(pointer)) {
    if (!j.is_object()) fail(ptr_, "expected an object, got " + json_type_name(j));
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool ok = false;
      for (const char* k : known) ok = ok || it.key() == k;
      if (!ok) {
        std::string list;
        for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        fail(ptr_ + "/" + it.key(), "unknown key (expected one of: " + list + ")");
      }
    }
  }

  [[noreturn]] void fail(const std::string& pointer, const std::string& what) const {
    throw ConfigError(file_ + ": " + (pointer.empty() ? "/" : pointer) + ": " + what);
  }
  std::string at(const char* k) const { return ptr_ + "/" + k; }
  bool has(const char* k) const { return j_.contains(k); }
  const json& get(const char* k) const { return j_.at(k); }
  const std::string& file() const { return file_; }

  // lo < 0 means "> 0" (a positive number).
  double number(const char* k, double lo, double hi, double fallback) const {
    if (!has(k)) return fallback;
    const json& v = get(k);
    if (!v.is_number()) fail(at(k), "expected a number, got " + json_type_name(v));
    const double x = v.get<double>();
    if (lo < 0 ? !(x > 0) : !(x >= lo)) fail(at(k), (lo < 0 ? "must be > 0" : "must be >= " + format_config_number(lo)) + ", got " + v.dump());
    if (!std::isfinite(x) || x > hi) fail(at(k), "must be <= " + format_config_number(hi) + ", got " + v.dump());
    return x;
  }
  Duration seconds(const char* k, double lo, double hi, Duration fallback) const {
    if (!has(k)) return fallback;
    return from_seconds(number(k, lo, hi, 0));
  }
  int integer(const char* k, long long lo, long long hi, int fallback) const {
    if (!has(k)) return fallback;
    const json& v = get(k);
    if (!v.is_number_integer()) fail(at(k), "expected an integer, got " + (v.is_number() ? v.dump() : json_type_name(v)));
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
      fail(at(k), "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + v.dump());
    const long long x = v.get<long long>();
    if (x < lo || x > hi)
      fail(at(k), "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + v.dump());
    return static_cast<int>(x);
  }
  bool boolean(const char* k, bool fallback) const {
    if (!has(k)) return fallback;
    if (!get(k).is_boolean()) fail(at(k), "expected true or false, got " + json_type_name(get(k)));
    return get(k).get<bool>();
  }
  std::string string(const char* k, const std::string& fallback) const {
    if (!has(k)) return fallback;
    if (!get(k).is_string() || get(k).get<std::string>().empty())
      fail(at(k), "expected a non-empty string, got " + json_type_name(get(k)));
    return get(k).get<std::string>();
  }
  Dist dist(const char* k, const Dist& fallback, double max_value) const {
    if (!has(k)) return fallback;
    return parse_dist(get(k), file_, at(k), max_value);
  }

 private:
  const json& j_;
  std::string file_;
  std::string ptr_;
};

constexpr double kMaxSeconds = 1e7;  // about 115 days of virtual time

void load_backend(const json& j, const std::string& file, BackendConfig& b) {
  Obj o(j, file, "/backend",
        {"behaviour", "failure_rate", "slow_rate", "max_delay_ms", "service_time_ms", "error_rate",
         "error_status", "workers", "queue_limit", "overload_status", "admin_token"});
  if (o.has("behaviour")) {
    const std::string v = o.string("behaviour", "");
    if (v == "lab3") {
      b.behaviour = BackendConfig::Behaviour::lab3;
    } else if (v == "service_time") {
      b.behaviour = BackendConfig::Behaviour::service_time;
    } else {
      o.fail(o.at("behaviour"), "expected one of \"lab3\", \"service_time\", got \"" + v + "\"");
    }
  }
  b.failure_rate = o.number("failure_rate", 0, 1, b.failure_rate);
  b.slow_rate = o.number("slow_rate", 0, 1, b.slow_rate);
  b.max_delay_ms = o.integer("max_delay_ms", 0, 3600000, b.max_delay_ms);
  b.service_time_ms = o.dist("service_time_ms", b.service_time_ms, 3.6e6);
  b.error_rate = o.number("error_rate", 0, 1, b.error_rate);
  b.error_status = o.integer("error_status", 100, 599, b.error_status);
  b.workers = o.integer("workers", 0, 100000, b.workers);
  b.queue_limit = o.integer("queue_limit", 0, 10000000, b.queue_limit);
  b.overload_status = o.integer("overload_status", 100, 599, b.overload_status);
  b.admin_token = o.string("admin_token", b.admin_token);
}

void load_network(const json& j, const std::string& file, NetworkConfig& n) {
  Obj o(j, file, "/network", {"hop_latency_ms"});
  n.hop_latency_ms = o.dist("hop_latency_ms", n.hop_latency_ms, 60000);
}

ProbeConfig load_probe(const json& j, const std::string& file, const std::string& ptr) {
  Obj o(j, file, ptr, {"initial_delay_s", "period_s", "timeout_s", "success_threshold", "failure_threshold"});
  ProbeConfig p;
  p.initial_delay = o.seconds("initial_delay_s", 0, 86400, p.initial_delay);
  p.period = o.seconds("period_s", -1, 86400, p.period);
  p.timeout = o.seconds("timeout_s", -1, 86400, p.timeout);
  p.success_threshold = o.integer("success_threshold", 1, 1000, p.success_threshold);
  p.failure_threshold = o.integer("failure_threshold", 1, 1000, p.failure_threshold);
  return p;
}

void load_kubernetes(const json& j, const std::string& file, KubernetesConfig& k) {
  Obj o(j, file, "/kubernetes",
        {"namespace", "deployment", "service", "labels", "replicas", "termination_grace_period_s",
         "readiness_probe", "scheduling_s", "container_start_s", "app_start_s", "shutdown_s", "drain",
         "ignore_sigterm", "endpoint_delay_s", "replace_delay_s", "crash_backoff_initial_s",
         "crash_backoff_max_s", "crash_backoff_reset_s", "calibration"});
  // `chaoslab calibrate`'s provenance (samples, clock, what was not measured): for people and
  // `tune`, not the model.
  if (o.has("calibration") && !o.get("calibration").is_object())
    o.fail(o.at("calibration"), "expected an object (written by chaoslab calibrate), got " + json_type_name(o.get("calibration")));
  k.ns = o.string("namespace", k.ns);
  k.deployment = o.string("deployment", k.deployment);
  k.service = o.string("service", k.service);
  if (o.has("labels")) {
    const json& l = o.get("labels");
    if (!l.is_object() || l.empty()) o.fail(o.at("labels"), "expected a non-empty object of strings");
    k.labels.clear();
    for (auto it = l.begin(); it != l.end(); ++it) {
      if (!it.value().is_string()) o.fail(o.at("labels") + "/" + it.key(), "expected a string, got " + json_type_name(it.value()));
      k.labels[it.key()] = it.value().get<std::string>();
    }
  }
  k.replicas = o.integer("replicas", 0, 1000, k.replicas);
  k.grace_period = o.seconds("termination_grace_period_s", 0, 86400, k.grace_period);
  if (o.has("readiness_probe")) {
    if (o.get("readiness_probe").is_null()) {
      k.readiness.reset();
    } else {
      k.readiness = load_probe(o.get("readiness_probe"), file, o.at("readiness_probe"));
    }
  }
  k.scheduling_s = o.dist("scheduling_s", k.scheduling_s, 86400);
  k.container_start_s = o.dist("container_start_s", k.container_start_s, 86400);
  k.app_start_s = o.dist("app_start_s", k.app_start_s, 86400);
  k.shutdown_s = o.dist("shutdown_s", k.shutdown_s, 86400);
  k.drain = o.boolean("drain", k.drain);
  k.ignore_sigterm = o.boolean("ignore_sigterm", k.ignore_sigterm);
  k.endpoint_delay_s = o.dist("endpoint_delay_s", k.endpoint_delay_s, 86400);
  k.replace_delay_s = o.dist("replace_delay_s", k.replace_delay_s, 86400);
  k.crash_backoff_initial = o.seconds("crash_backoff_initial_s", 0, 86400, k.crash_backoff_initial);
  k.crash_backoff_max = o.seconds("crash_backoff_max_s", 0, 86400, k.crash_backoff_max);
  k.crash_backoff_reset = o.seconds("crash_backoff_reset_s", 0, 86400 * 30, k.crash_backoff_reset);
}

// Replaces top-level keys; for "breaker" and "retry" objects, replaces their keys one by one
// (the client parser reads each of those relative to the profile's values).
void overlay(json& base, const json& over) {
  for (auto it = over.begin(); it != over.end(); ++it) {
    const bool nested = (it.key() == "breaker" || it.key() == "retry") && it.value().is_object() &&
                        base.contains(it.key()) && base[it.key()].is_object();
    if (nested) {
      for (auto jt = it.value().begin(); jt != it.value().end(); ++jt) base[it.key()][jt.key()] = jt.value();
    } else {
      base[it.key()] = it.value();
    }
  }
}

// The client keys the lab's environment sets (client_from_lab_env), as client JSON.
json lab_env_keys(const Manifests& m, bool baseline, const std::string& file) {
  GetEnv getenv = [&m](std::string_view k) -> std::optional<std::string> {
    const auto it = m.client_env.find(std::string(k));
    if (it == m.client_env.end()) return std::nullopt;
    return it->second;
  };
  ClientConfig c;
  try {
    c = client_from_lab_env(getenv);
  } catch (const ConfigError& e) {
    // "VARIABLE: what" -> "FILE: ConfigMap NAME: data.VARIABLE: what"
    const std::string msg = e.what();
    const auto colon = msg.find(':');
    const std::string var = msg.substr(0, colon);
    const auto src = m.env_source.find(var);
    throw ConfigError((src != m.env_source.end() ? src->second : file + ": " + var) +
                      (colon == std::string::npos ? "" : msg.substr(colon)));
  }
  json out = json::object();
  if (m.client_env.count("BACKEND_URL")) out["target"] = c.target;
  if (baseline) return out;
  const json b = breaker_to_json(c.breaker);
  const json r = retry_to_json(c.retry);
  out["breaker"] = {{"fail_max", b.at("fail_max")}, {"reset_timeout", b.at("reset_timeout")}};
  out["retry"] = {{"stop", r.at("stop")}, {"wait", r.at("wait")}};
  return out;
}

fs::path resolve_path(const std::string& scenario_file, const std::string& p) {
  const fs::path path(p);
  if (path.is_absolute()) return path;
  return fs::path(scenario_file).parent_path() / path;
}

}  // namespace

json read_scenario_json(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw ConfigError(path + ": is a directory, not a scenario file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the scenario file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_json_text(ss.str(), path);
}

std::pair<std::string, std::string> split_override(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || text[0] != '/')
    throw ConfigError("--set " + std::string(text) + ": expected /json/pointer=value");
  return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

json apply_override(json doc, std::string_view pointer, std::string_view value, const std::string& file) {
  const std::string where = file + ": --set " + std::string(pointer);
  json v;
  if (!value.empty() && value[0] == '@') {
    // "@FILE": the value is FILE's JSON (`--set /kubernetes=@timings.json`); an object merges
    // into the object already there, member by member, so the scenario's other keys stay.
    const std::string path(value.substr(1));
    std::ifstream in(path, std::ios::binary);
    if (path.empty() || !in) throw ConfigError(where + "=" + std::string(value) + ": cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    v = parse_json_text(ss.str(), path);
    json::json_pointer ptr;
    try {
      ptr = json::json_pointer(std::string(pointer));
    } catch (const json::exception&) {
      throw ConfigError(where + ": not a JSON pointer");
    }
    if (ptr.empty()) throw ConfigError(where + ": cannot replace the whole document");
    if (v.is_object() && doc.contains(ptr) && doc.at(ptr).is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        json::json_pointer member = ptr;
        member.push_back(it.key());
        set_at_pointer(doc, member, it.value(), where, /*append=*/false);
      }
      return doc;
    }
    set_at_pointer(doc, ptr, std::move(v), where, /*append=*/true);
    return doc;
  }
  try {
    v = json::parse(value.begin(), value.end());
  } catch (const json::parse_error&) {
    v = std::string(value);
  } catch (const json::out_of_range&) {  // "1e999": a number, but not one a double can hold
    throw ConfigError(where + ": " + std::string(value) + " is out of the range of a number");
  }
  json::json_pointer ptr;
  try {
    ptr = json::json_pointer(std::string(pointer));
  } catch (const json::exception& e) {
    throw ConfigError(where + ": not a JSON pointer");
  }
  if (ptr.empty()) throw ConfigError(where + ": cannot replace the whole document");
  set_at_pointer(doc, ptr, std::move(v), where, /*append=*/true);
  return doc;
}

Scenario load_scenario(const json& doc, const std::string& file) {
  Scenario s;
  s.file = file;
  s.doc = doc;
  Obj top(doc, file, "",
          {"$schema", "name", "description", "duration_s", "seed", "manifests", "backend", "network",
           "kubernetes", "clients", "policies", "chaos"});
  s.name = top.string("name", fs::path(file).stem().string());
  if (top.has("description") && !doc.at("description").is_string())
    top.fail("/description", "expected a string, got " + json_type_name(doc.at("description")));
  if (!top.has("duration_s")) top.fail("", "missing required key \"duration_s\"");
  s.duration = top.seconds("duration_s", -1, kMaxSeconds, Duration{0});
  if (top.has("seed")) {
    const json& v = doc.at("seed");
    if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<long long>() < 0))
      top.fail("/seed", "expected a non-negative integer, got " + (v.is_number() ? v.dump() : json_type_name(v)));
    s.seed = v.get<std::uint64_t>();
  }

  // Defaults < manifests < the scenario's own fields: read the deployment name first.
  if (top.has("kubernetes") && doc.at("kubernetes").is_object() && doc.at("kubernetes").contains("deployment")) {
    Obj k(doc.at("kubernetes"), file, "/kubernetes",
          {"namespace", "deployment", "service", "labels", "replicas", "termination_grace_period_s",
           "readiness_probe", "scheduling_s", "container_start_s", "app_start_s", "shutdown_s", "drain",
           "ignore_sigterm", "endpoint_delay_s", "replace_delay_s", "crash_backoff_initial_s",
           "crash_backoff_max_s", "crash_backoff_reset_s", "calibration"});
    s.kubernetes.deployment = k.string("deployment", s.kubernetes.deployment);
  }
  std::optional<Manifests> manifests;
  if (top.has("manifests")) {
    const json& m = doc.at("manifests");
    if (!m.is_array() || m.empty()) top.fail("/manifests", "expected a non-empty array of file names");
    std::vector<fs::path> paths;
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (!m[i].is_string() || m[i].get<std::string>().empty())
        top.fail("/manifests/" + std::to_string(i), "expected a file name, got " + json_type_name(m[i]));
      const fs::path p = resolve_path(file, m[i].get<std::string>());
      if (!fs::exists(p)) top.fail("/manifests/" + std::to_string(i), "no such file: " + p.string());
      paths.push_back(p);
    }
    manifests = read_manifests(paths, s.kubernetes.deployment);
    apply_manifests(*manifests, s.kubernetes, s.backend);
    s.manifests = manifests->files;
  }
  if (top.has("backend")) load_backend(doc.at("backend"), file, s.backend);
  if (top.has("network")) load_network(doc.at("network"), file, s.network);
  if (top.has("kubernetes")) load_kubernetes(doc.at("kubernetes"), file, s.kubernetes);
  if (s.kubernetes.crash_backoff_max < s.kubernetes.crash_backoff_initial)
    top.fail("/kubernetes/crash_backoff_max_s", "must be >= crash_backoff_initial_s");

  // Policies shared by every client, checked on their own so errors point into /policies.
  json policies = json::object();
  if (top.has("policies")) {
    policies = doc.at("policies");
    if (!policies.is_object()) top.fail("/policies", "expected an object, got " + json_type_name(policies));
    if (policies.contains("profile")) top.fail("/policies/profile", "a profile is chosen per client (/clients/N/profile)");
    (void)parse_client(policies, file + ": /policies");
  }
  if (!top.has("clients")) top.fail("", "missing required key \"clients\"");
  const json& clients = doc.at("clients");
  if (!clients.is_array() || clients.empty()) top.fail("/clients", "expected a non-empty array of clients");
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const std::string ptr = "/clients/" + std::to_string(i);
    const json& c = clients[i];
    if (!c.is_object()) top.fail(ptr, "expected an object, got " + json_type_name(c));
    ClientSpec spec;
    json own = json::object();
    for (auto it = c.begin(); it != c.end(); ++it)
      if (it.key() != "count" && it.key() != "start_s") own[it.key()] = it.value();
    {
      json mine = json::object();
      if (c.contains("count")) mine["count"] = c.at("count");
      if (c.contains("start_s")) mine["start_s"] = c.at("start_s");
      Obj o(mine, file, ptr, {"count", "start_s"});
      spec.count = o.integer("count", 1, 100000, 1);
      spec.start_at = o.seconds("start_s", 0, kMaxSeconds, Duration{0});
    }
    std::string profile = "default";
    if (own.contains("profile") && own.at("profile").is_string()) profile = own.at("profile").get<std::string>();
    json merged = json::object();
    merged["profile"] = profile;
    if (manifests && (profile == "lab3" || profile == "lab3_baseline"))
      overlay(merged, lab_env_keys(*manifests, profile == "lab3_baseline", file));
    overlay(merged, policies);
    overlay(merged, own);
    spec.config = parse_client(merged, file + ": " + ptr);
    if (service_from_url(spec.config.target) != s.kubernetes.service)
      top.fail(ptr + "/target", "\"" + spec.config.target + "\" names no simulated service (the backend's Service is \"" +
                                    s.kubernetes.service + "\")");
    s.clients.push_back(std::move(spec));
  }

  if (top.has("chaos")) {
    const json& ch = doc.at("chaos");
    Obj o(ch, file, "/chaos", {"experiment", "start_s", "configuration"});
    if (!o.has("experiment")) o.fail("/chaos", "missing required key \"experiment\"");
    ChaosSpec spec;
    spec.start_at = o.seconds("start_s", 0, kMaxSeconds, Duration{0});
    chaos::LoadOptions lo;
    // Deterministic: {"type": "env"} configuration takes its default unless given here.
    lo.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    if (o.has("configuration")) {
      const json& cfg = o.get("configuration");
      if (!cfg.is_object()) o.fail("/chaos/configuration", "expected an object, got " + json_type_name(cfg));
      for (auto it = cfg.begin(); it != cfg.end(); ++it) lo.config_overrides[it.key()] = it.value();
    }
    const json& e = o.get("experiment");
    if (e.is_string()) {
      const fs::path p = resolve_path(file, e.get<std::string>());
      if (!fs::exists(p)) o.fail("/chaos/experiment", "no such file: " + p.string());
      spec.source = p.string();
      spec.experiment = std::make_shared<const chaos::Experiment>(chaos::load_experiment(p, lo));
    } else if (e.is_object()) {
      spec.source = file + ": /chaos/experiment";
      spec.experiment = std::make_shared<const chaos::Experiment>(chaos::parse_experiment(e, file, lo, "/chaos/experiment"));
    } else {
      o.fail("/chaos/experiment", "expected a file name or an experiment object, got " + json_type_name(e));
    }
    s.chaos = std::move(spec);
  }
  return s;
}

Scenario load_scenario_file(const std::string& path,
                            const std::vector<std::pair<std::string, std::string>>& overrides) {
  json doc = read_scenario_json(path);
  for (const auto& [ptr, value] : overrides) doc = apply_override(std::move(doc), ptr, value, path);
  return load_scenario(doc, path);
}

}  // namespace chaoslab::sim
