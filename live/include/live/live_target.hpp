// chaos::Target for local live mode: pods are the PodSupervisor's backend processes, http
// providers are real requests (off the io thread), chaoslab.faults go to the running backend pod's
// own POST /admin/faults, and process providers run real programs (argv, never a shell).
#pragma once

#include <string>

#include "chaos/target.hpp"
#include "live/asio_runtime.hpp"
#include "live/pod_supervisor.hpp"

namespace chaoslab::live {

class LiveTarget final : public chaos::Target {
 public:
  LiveTarget(AsioRuntime& rt, PodSupervisor& pods, std::string admin_token);

  Runtime& runtime() override { return rt_; }
  std::vector<chaos::PodInfo> list_pods(const std::string& ns, const std::string& selector) override {
    return pods_.list_pods(ns, selector);
  }
  void delete_pod(const std::string& ns, const std::string& name, std::optional<Duration> grace) override {
    pods_.delete_pod(ns, name, grace);
  }
  chaos::DeploymentStatus deployment(const std::string& ns, const std::string& name) override {
    return pods_.deployment(ns, name);
  }
  void http(const chaos::HttpRequest& req, std::function<void(chaos::HttpResponse)> done) override;
  nlohmann::json fault(const std::string& func, const nlohmann::json& arguments) override;
  void process(const chaos::ProcessRequest& req,
               std::function<void(const chaos::ProcessResult&)> done) override;

 private:
  AsioRuntime& rt_;
  PodSupervisor& pods_;
  std::string admin_token_;
};

// Performs one request (blocking); exposed for tests.
chaos::HttpResponse perform_http(const chaos::HttpRequest& req);

}  // namespace chaoslab::live
