#include "liveplan/live_plan.hpp"

#include <memory>
#include <optional>

#include "chaos/experiment.hpp"
#include "policies/error.hpp"

namespace chaoslab::liveplan {
namespace {

live::DelayFn delay_of(const sim::Dist& d) {
  return [d](Rng& rng) { return d.sample_s(rng); };
}

}  // namespace

live::LivePlan make_plan(const sim::Scenario& sc, const std::string& file) {
  const auto& k = sc.kubernetes;
  if (k.replicas != 1)
    throw ConfigError(file + ": local live mode runs one backend replica, the scenario has " +
                      std::to_string(k.replicas) + " (use `chaoslab run`, or Kubernetes)");
  if (sc.backend.behaviour != sim::BackendConfig::Behaviour::lab3)
    throw ConfigError(file + ": /backend: local live mode runs the lab's backend (behaviour lab3) only");
  live::LivePlan plan;
  plan.scenario_file = file;
  plan.scenario_name = sc.name;
  plan.seed = sc.seed;
  plan.duration = sc.duration;
  for (const auto& c : sc.clients) plan.clients.push_back({c.config, c.count, c.start_at});
  plan.failure_rate = sc.backend.failure_rate;
  plan.slow_rate = sc.backend.slow_rate;
  plan.max_delay_ms = sc.backend.max_delay_ms;
  live::PodTemplate& t = plan.pods;
  t.ns = k.ns;
  t.deployment = k.deployment;
  t.labels = k.labels;
  t.grace_period = k.grace_period;
  t.scheduling = delay_of(k.scheduling_s);
  t.container_start = delay_of(k.container_start_s);
  t.app_start = delay_of(k.app_start_s);
  t.replace_delay = delay_of(k.replace_delay_s);
  t.endpoint_delay = delay_of(k.endpoint_delay_s);
  t.crash_backoff_initial = k.crash_backoff_initial;
  t.crash_backoff_max = k.crash_backoff_max;
  t.crash_backoff_reset = k.crash_backoff_reset;
  if (k.readiness) {
    const auto& r = *k.readiness;
    t.readiness = live::ReadinessProbe{r.initial_delay, r.period, r.timeout, r.success_threshold,
                                       r.failure_threshold};
  }
  if (sc.chaos) {
    plan.chaos_start = sc.chaos->start_at;
    const nlohmann::json& ch = sc.doc.at("chaos");
    const nlohmann::json& e = ch.at("experiment");
    const std::string source = sc.chaos->source;
    nlohmann::json config = ch.contains("configuration") ? ch.at("configuration") : nlohmann::json::object();
    plan.load_experiment = [e, source, config, file](const live::LiveEndpoints& ep) {
      chaos::LoadOptions lo;
      // The experiment's services are this run's loopback ones; everything else as the
      // simulator resolves it (defaults, not the caller's environment).
      lo.getenv = [ep](const std::string& key) -> std::optional<std::string> {
        if (key == "CHAOSLAB_BACKEND_URL") return ep.backend_url;
        if (key == "CHAOSLAB_CLIENT_URL") return ep.client_url;
        if (key == "CHAOSLAB_ADMIN_TOKEN") return ep.admin_token;
        return std::nullopt;
      };
      for (auto it = config.begin(); it != config.end(); ++it) lo.config_overrides[it.key()] = it.value();
      lo.config_overrides["backend_url"] = ep.backend_url;
      lo.config_overrides["client_url"] = ep.client_url;
      lo.config_overrides["admin_token"] = ep.admin_token;
      lo.allow_process = true;
      if (e.is_string())
        return std::make_shared<const chaos::Experiment>(chaos::load_experiment(source, lo));
      return std::make_shared<const chaos::Experiment>(
          chaos::parse_experiment(e, file, lo, "/chaos/experiment"));
    };
  }
  return plan;
}

}  // namespace chaoslab::liveplan
