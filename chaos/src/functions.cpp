#include "functions.hpp"

#include <algorithm>
#include <regex>

#include "chaos/faults.hpp"

namespace chaoslab::chaos::detail {
namespace {

using K = ArgSpec::Kind;

std::string str_arg(const Json& args, const char* key) {
  const Json& v = args.at(key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

// chaosk8s lists pods through the API server, which returns them sorted by name.
std::vector<PodInfo> list_matching(Target& target, const PythonCall& call, const std::string& ns,
                                   const std::string& selector) {
  std::vector<PodInfo> pods = target.list_pods(ns, selector);
  // The Target filters already; filtering again keeps selector semantics identical everywhere.
  std::erase_if(pods, [&](const PodInfo& p) {
    static const PodLabels none;
    return !call.selector.matches(p.labels ? *p.labels : none);
  });
  const auto by_name = [](const PodInfo& a, const PodInfo& b) { return a.name < b.name; };
  if (!std::is_sorted(pods.begin(), pods.end(), by_name)) std::stable_sort(pods.begin(), pods.end(), by_name);
  return pods;
}

Json terminate_pods(const PythonCall& call, Target& target, Rng& rng) {
  const Json& a = call.arguments;
  const std::string ns = str_arg(a, "ns");
  std::vector<PodInfo> pods = list_matching(target, call, ns, str_arg(a, "label_selector"));
  if (call.name_pattern) {
    std::erase_if(pods, [&](const PodInfo& p) { return !std::regex_search(p.name, *call.name_pattern); });
  }
  if (a.at("order") == "oldest") {
    std::stable_sort(pods.begin(), pods.end(), [](const PodInfo& x, const PodInfo& y) { return x.created < y.created; });
  }
  if (!a.at("all").get<bool>()) {
    const long long n = static_cast<long long>(pods.size());
    long long qty = a.at("qty").get<long long>();
    if (a.at("mode") == "percentage") qty = (qty * n + 99) / 100;  // math.ceil(qty * n / 100)
    qty = std::min(qty, n);
    if (a.at("rand").get<bool>()) {
      // random.sample(pods, qty): a partial Fisher-Yates shuffle, picks in draw order.
      for (long long i = 0; i < qty; ++i) {
        const auto j = rng.uniform_int(i, n - 1);
        std::swap(pods[static_cast<std::size_t>(i)], pods[static_cast<std::size_t>(j)]);
      }
    }
    pods.resize(static_cast<std::size_t>(qty));
  }
  const long long grace = a.at("grace_period").get<long long>();
  const std::optional<Duration> g =
      grace >= 0 ? std::optional<Duration>(std::chrono::seconds(grace)) : std::nullopt;
  Json deleted = Json::array();
  for (const PodInfo& p : pods) {
    target.delete_pod(ns, p.name, g);
    deleted.push_back(p.name);
  }
  return deleted;
}

Json pods_in_phase(const PythonCall& call, Target& target) {
  const Json& a = call.arguments;
  const std::string selector = str_arg(a, "label_selector");
  const std::string phase = str_arg(a, "phase");
  const bool raise = a.at("raise_on_invalid_phase").get<bool>();
  const auto pods = list_matching(target, call, str_arg(a, "ns"), selector);
  if (pods.empty()) {
    if (!raise) return false;
    throw ActivityError("no pods '" + selector + "' were found");
  }
  for (const PodInfo& p : pods) {
    if (p.phase != phase) {
      if (!raise) return false;
      throw ActivityError("pod '" + selector + "' is in phase '" + p.phase + "' but should be '" + phase + "'");
    }
  }
  return true;
}

long long count_pods(const PythonCall& call, Target& target) {
  const Json& a = call.arguments;
  const auto pods = list_matching(target, call, str_arg(a, "ns"), str_arg(a, "label_selector"));
  const std::string phase = str_arg(a, "phase");  // null -> "": every phase
  if (phase.empty()) return static_cast<long long>(pods.size());
  return std::count_if(pods.begin(), pods.end(), [&](const PodInfo& p) { return p.phase == phase; });
}

Json all_pods_healthy(const PythonCall& call, Target& target) {
  const Json& a = call.arguments;
  const auto pods = target.list_pods(str_arg(a, "ns"), "");
  bool unhealthy = false;
  for (const PodInfo& p : pods) {
    if (p.phase != "Running" && p.phase != "Succeeded") unhealthy = true;  // Failed or not ready
  }
  if (unhealthy) {
    if (!a.at("raise_on_any_unhealthy").get<bool>()) return false;
    throw ActivityError("the system is unhealthy");
  }
  return true;
}

Json deployment_available_and_healthy(const PythonCall& call, Target& target) {
  const Json& a = call.arguments;
  const std::string name = str_arg(a, "name");
  const bool raise = a.at("raise_on_unavailable").get<bool>();
  const DeploymentStatus d = target.deployment(str_arg(a, "ns"), name);
  if (!d.exists) {
    if (!raise) return false;
    throw ActivityError("Deployment '" + name + "' was not found");
  }
  // Kubernetes omits availableReplicas when it is 0, and chaosk8s compares None != replicas:
  // a deployment with no available replica is never healthy, even when scaled to 0.
  if (d.available_replicas == 0 || d.available_replicas != d.replicas) {
    if (!raise) return false;
    throw ActivityError("Deployment '" + name + "' is not healthy");
  }
  return true;
}

Json ns_arg() { return "default"; }

}  // namespace

const std::vector<FunctionSpec>& function_specs() {
  static const std::vector<FunctionSpec> specs = {
      {"chaosk8s.pod.actions",
       "terminate_pods",
       Function::terminate_pods,
       {{"label_selector", K::string_or_null, false, nullptr},
        {"name_pattern", K::string_or_null, false, nullptr},
        {"all", K::boolean, false, false},
        {"rand", K::boolean, false, false},
        {"mode", K::string, false, "fixed"},
        {"qty", K::integer, false, 1},
        {"grace_period", K::integer, false, -1},
        {"ns", K::string, false, ns_arg()},
        {"order", K::string, false, "alphabetic"}}},
      {"chaosk8s.pod.probes",
       "pods_in_phase",
       Function::pods_in_phase,
       {{"label_selector", K::string_or_null, true, nullptr},
        {"phase", K::string, false, "Running"},
        {"ns", K::string, false, ns_arg()},
        {"raise_on_invalid_phase", K::boolean, false, true}}},
      {"chaosk8s.pod.probes",
       "count_pods",
       Function::count_pods,
       {{"label_selector", K::string_or_null, true, nullptr},
        {"phase", K::string_or_null, false, nullptr},
        {"ns", K::string, false, ns_arg()}}},
      {"chaosk8s.pod.probes",
       "count_min_pods",
       Function::count_min_pods,
       {{"label_selector", K::string_or_null, true, nullptr},
        {"phase", K::string_or_null, false, "Running"},
        {"min_count", K::integer, false, 2},
        {"ns", K::string, false, ns_arg()}}},
      {"chaosk8s.pod.probes",
       "all_pods_healthy",
       Function::all_pods_healthy,
       {{"ns", K::string, false, ns_arg()}, {"raise_on_any_unhealthy", K::boolean, false, true}}},
      {"chaosk8s.deployment.probes",
       "deployment_available_and_healthy",
       Function::deployment_available_and_healthy,
       {{"name", K::string, true, nullptr},
        {"ns", K::string, false, ns_arg()},
        {"raise_on_unavailable", K::boolean, false, true}}},
  };
  return specs;
}

Json run_python(const PythonCall& call, Target& target, Rng& rng) {
  switch (call.function) {
    case Function::terminate_pods:
      return terminate_pods(call, target, rng);
    case Function::pods_in_phase:
      return pods_in_phase(call, target);
    case Function::count_pods:
      return count_pods(call, target);
    case Function::count_min_pods:
      return count_pods(call, target) >= call.arguments.at("min_count").get<long long>();
    case Function::all_pods_healthy:
      return all_pods_healthy(call, target);
    case Function::deployment_available_and_healthy:
      return deployment_available_and_healthy(call, target);
    case Function::fault:
      return target.fault(call.func, call.arguments);
  }
  throw ActivityError("unknown function");
}

}  // namespace chaoslab::chaos::detail
