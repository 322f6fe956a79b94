// chaos::Target over the simulated cluster: the Chaos Toolkit interpreter deletes pods, reads
// deployments, applies chaoslab.faults and sends http probes in virtual time.
#pragma once

#include <memory>
#include <vector>

#include "chaos/target.hpp"
#include "policies/client.hpp"
#include "sim/cluster.hpp"
#include "sim/sim_runtime.hpp"

namespace chaoslab::sim {

class SimTarget final : public chaos::Target {
 public:
  // `clients` answer http probes to the "client" service (GET /health: breaker state).
  SimTarget(SimRuntime& rt, Cluster& cluster, const std::vector<std::unique_ptr<SimClient>>& clients)
      : rt_(rt), cluster_(cluster), clients_(clients) {}

  Runtime& runtime() override { return rt_; }
  std::vector<chaos::PodInfo> list_pods(const std::string& ns, const std::string& selector) override {
    return cluster_.list_pods(ns, selector);
  }
  void delete_pod(const std::string& ns, const std::string& name, std::optional<Duration> grace) override {
    cluster_.delete_pod(ns, name, grace);
  }
  chaos::DeploymentStatus deployment(const std::string& ns, const std::string& name) override {
    return cluster_.deployment(ns, name);
  }
  void http(const chaos::HttpRequest& req, std::function<void(chaos::HttpResponse)> done) override;
  nlohmann::json fault(const std::string& func, const nlohmann::json& arguments) override {
    return cluster_.fault(func, arguments);
  }

 private:
  void admin_faults(const chaos::HttpRequest& req, std::function<void(chaos::HttpResponse)> done);

  SimRuntime& rt_;
  Cluster& cluster_;
  const std::vector<std::unique_ptr<SimClient>>& clients_;
};

}  // namespace chaoslab::sim
