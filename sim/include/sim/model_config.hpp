// Parameters of the simulated world: the backend's behaviour, the network, and the Kubernetes
// Deployment that runs the backend. Defaults and sources are listed in docs/simulator.md.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "sim/distribution.hpp"

namespace chaoslab::sim {

struct BackendConfig {
  enum class Behaviour : std::uint8_t {
    lab3,          // the lab's GET /work: slow with slow_rate (randint(0, max_delay_ms) ms), then 500
                   // with failure_rate
    service_time,  // service time from service_time_ms, then error_status with error_rate
  };
  Behaviour behaviour = Behaviour::lab3;
  // lab3 (defaults: the lab's backend code; its ConfigMap set 0.7 / 0.9 / 3000)
  double failure_rate = 0.2;
  double slow_rate = 0.3;
  int max_delay_ms = 800;
  // service_time
  Dist service_time_ms = Dist::constant(0);
  double error_rate = 0.0;
  int error_status = 500;
  // Capacity per pod: 0 workers = unlimited concurrency (the lab's asyncio backend); otherwise a
  // FIFO queue in front of `workers` servers, at most queue_limit waiting (0 = no limit), and
  // overload_status answered at once when it is full.
  int workers = 0;
  int queue_limit = 0;
  int overload_status = 503;
  // /admin/faults answers "Authorization: Bearer <admin_token>" (the value k8s/admin-secret.yaml
  // deploys and chaos/*.json send by default); "" disables it (404), as the live backend does.
  std::string admin_token = "chaoslab-lab3-admin";
};

struct NetworkConfig {
  // One way, client <-> pod. A connection refusal costs a round trip.
  Dist hop_latency_ms = Dist::constant(0.25);
};

struct ProbeConfig {
  Duration initial_delay{0};
  Duration period = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(1);
  int success_threshold = 1;
  int failure_threshold = 3;
  bool operator==(const ProbeConfig&) const = default;
};

struct KubernetesConfig {
  std::string ns = "lab3";
  std::string deployment = "backend";
  std::string service = "backend";
  std::map<std::string, std::string> labels{{"app", "backend"}};
  int replicas = 1;
  Duration grace_period = std::chrono::seconds(30);  // terminationGracePeriodSeconds
  std::optional<ProbeConfig> readiness;              // none: Ready when the container starts

  // Timings (seconds).
  Dist scheduling_s = Dist::constant(0.05);        // Pending -> ContainerCreating
  Dist container_start_s = Dist::constant(1.0);    // ContainerCreating -> Running
  Dist app_start_s = Dist::constant(1.0);          // Running -> the app accepts connections
  Dist shutdown_s = Dist::constant(0.1);           // SIGTERM -> exit when idle
  bool drain = true;                               // on SIGTERM, finish accepted requests first
  bool ignore_sigterm = false;                     // the app only dies by SIGKILL
  Dist endpoint_delay_s = Dist::uniform(0.2, 1.0); // readiness change -> kube-proxy routes by it
  Dist replace_delay_s = Dist::constant(0.02);     // deletion -> ReplicaSet creates the successor

  // CrashLoopBackOff: restart k waits min(initial * 2^(k-1), max); reset after `reset` running.
  Duration crash_backoff_initial = std::chrono::seconds(10);
  Duration crash_backoff_max = std::chrono::seconds(300);
  Duration crash_backoff_reset = std::chrono::seconds(600);
};

}  // namespace chaoslab::sim
