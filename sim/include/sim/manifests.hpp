// Reads the lab's Kubernetes manifests (k8s/*.yaml, or a kustomization.yaml listing them) so that
// one set of files drives both the real cluster and the simulator: the backend Deployment's
// replicas, readiness probe and terminationGracePeriodSeconds, its Service, and the environment
// its container gets (env and envFrom ConfigMaps: FAILURE_RATE, SLOW_RATE, MAX_DELAY_MS, CB_*,
// RETRY_*, BACKEND_URL). Errors are ConfigError "FILE: path.in.the.document: what".
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/model_config.hpp"

namespace chaoslab::sim {

struct Manifests {
  std::vector<std::string> files;  // every file read, kustomization resources expanded
  bool has_deployment = false;
  std::string deployment_file;
  std::string ns;
  std::string deployment;
  std::map<std::string, std::string> labels;  // the pod template's labels
  int replicas = 1;
  std::optional<Duration> grace_period;       // absent: Kubernetes' default (30 s)
  bool readiness_set = false;                 // a readinessProbe is declared
  ProbeConfig readiness;
  std::optional<std::string> service;         // the Service selecting the backend's pods
  // The backend container's environment (envFrom ConfigMaps, then env), and the client
  // Deployment's (named "client"), each with the file it came from for messages.
  std::map<std::string, std::string> backend_env;
  std::map<std::string, std::string> client_env;
  bool has_client = false;
  std::map<std::string, std::string> env_source;  // key -> "FILE: ConfigMap NAME: data.KEY"
};

// `deployment` names the backend Deployment (the scenario's kubernetes.deployment).
Manifests read_manifests(const std::vector<std::filesystem::path>& files, const std::string& deployment);

// Applies what the manifests say to the backend model and the Kubernetes model.
// Bad environment values: ConfigError naming the ConfigMap key.
void apply_manifests(const Manifests& m, KubernetesConfig& k8s, BackendConfig& backend);

}  // namespace chaoslab::sim
