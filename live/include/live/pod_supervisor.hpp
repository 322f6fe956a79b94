// Local live mode's stand-in for a Kubernetes Deployment and its Service: each backend "pod" is a
// `chaoslab backend` child process with its own loopback port (the pod IP: probes, faults) and a
// gated listener on the Service's port that is open only while the pod is a ready endpoint
// (kube-proxy: the endpoint follows readiness after endpoint_delay; with no endpoint, connections
// to the Service are refused). It follows the simulator's pod model
// (sim/src/cluster.cpp) in real time: deletion sends SIGTERM and SIGKILL after the grace period
// while the ReplicaSet creates the successor after replace_delay; a new pod is Pending for
// `scheduling`, ContainerCreating for `container_start`, then Running, and its process starts
// `app_start` later (before that, connections are refused, as with an app still booting); a
// process that exits on its own is Crashed and restarted in place after CrashLoopBackOff.
// Readiness comes from GET /readyz on the probe's period, or from the container start without a
// probe. Every phase change is a PodEvent. All methods run on the runtime's io thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chaos/target.hpp"
#include "live/asio_runtime.hpp"
#include "live/process.hpp"
#include "policies/rng.hpp"
#include "policies/trace.hpp"

namespace chaoslab::live {

using DelayFn = std::function<Duration(Rng&)>;

struct ReadinessProbe {
  Duration initial_delay{0};
  Duration period = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(1);
  int success_threshold = 1;
  int failure_threshold = 3;
};

struct PodTemplate {
  std::string ns = "lab3";
  std::string deployment = "backend";
  std::map<std::string, std::string> labels{{"app", "backend"}};
  Duration grace_period = std::chrono::seconds(30);
  DelayFn scheduling, container_start, app_start, replace_delay;  // unset: zero
  DelayFn endpoint_delay;  // readiness change -> the Service routes by it (unset: zero)
  Duration crash_backoff_initial = std::chrono::seconds(10);
  Duration crash_backoff_max = std::chrono::seconds(300);
  Duration crash_backoff_reset = std::chrono::seconds(600);
  std::optional<ReadinessProbe> readiness;

  // The process: `argv` plus "--port <pod port> --service-port <service_port> [--service-open]
  // --seed <pod seed>"; output appended to log_dir/<pod>.log.
  std::vector<std::string> argv;
  int service_port = 0;
  std::string log_dir;
  std::uint64_t seed = 0;  // pod n gets derive_seed(seed, n)
};

class PodSupervisor {
 public:
  // `rng` times the pods (give it Stream::kubernetes); `trace` may be null. Pods in `initial`
  // were started and found ready before the run (start_ready_pod): they begin Running and ready.
  PodSupervisor(AsioRuntime& rt, PodTemplate tmpl, Rng& rng, TraceSink* trace);
  ~PodSupervisor();
  PodSupervisor(const PodSupervisor&) = delete;
  PodSupervisor& operator=(const PodSupervisor&) = delete;

  // A pod process started before the run by start_ready_pod.
  struct Started {
    ChildProcess process;
    int port = 0;
  };

  // Adopts a process started before the run (io thread or before rt.run()): Running, ready and
  // an endpoint.
  void adopt_running(Started started);

  std::vector<chaos::PodInfo> list_pods(const std::string& ns, const std::string& selector) const;
  void delete_pod(const std::string& ns, const std::string& name, std::optional<Duration> grace);
  chaos::DeploymentStatus deployment(const std::string& ns, const std::string& name) const;
  // A running, not terminating pod with a process, and its own port (for faults).
  std::optional<std::pair<std::string, int>> running_pod() const;

  int ready_pods() const;
  std::size_t pods_created() const { return pods_.size(); }

  // After the run (io loop stopped): SIGTERM every process, SIGKILL whatever is left after
  // `grace`. Blocking.
  void shutdown(Duration grace);

  // Starts pod process number `index` of `tmpl` with its Service listener open and waits
  // (blocking) until GET /readyz answers 200; throws std::runtime_error with the end of its log
  // when it exits or `timeout` passes.
  static Started start_ready_pod(const PodTemplate& tmpl, int index, Duration timeout);
  static std::string pod_name(const PodTemplate& tmpl, int index);

 private:
  enum class Stage : std::uint8_t { pending, creating, running, crashed, gone };
  struct Pod {
    std::string name;
    int index = 0;
    Stage stage = Stage::pending;
    bool ready = false;
    bool terminating = false;
    bool sigterm = false;
    Instant created{};
    Instant container_started{};
    std::uint32_t gen = 0;  // bumped when the container ends: stale timers see a new gen
    ChildProcess process;
    int port = 0;           // the process's own port
    TargetId readyz = 0;    // GET /readyz on it
    bool endpoint = false;  // the Service routes to it (its gated listener is open)
    std::uint32_t ep_version = 0;
    std::uint32_t ep_applied = 0;
    TimerId kill_timer = 0;
    TimerId probe_timer = 0;
    int backoff_step = 0;
    int probe_ok = 0;
    int probe_fail = 0;
  };

  Pod& create_pod();
  void event(const Pod& p, const char* phase);
  void schedule(Duration after, Pod& p, void (PodSupervisor::*step)(Pod&));
  void on_scheduled(Pod& p);
  void on_container_started(Pod& p);
  void on_app_up(Pod& p);
  void on_restart(Pod& p);
  void on_kill(Pod& p);
  void set_ready(Pod& p, bool ready, bool emit = true);
  void apply_endpoint(Pod& p, std::uint32_t version, bool endpoint);
  void probe(Pod& p);
  void reap();
  void process_exit(Pod& p, bool deleted);
  void replace();
  Duration draw(const DelayFn& f);
  Pod* find(const std::string& ns, const std::string& name);

  AsioRuntime& rt_;
  PodTemplate t_;
  Rng& rng_;
  TraceSink* trace_;
  std::vector<std::unique_ptr<Pod>> pods_;
  int next_index_ = 1;
  TimerId reap_timer_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for late probe callbacks
};

}  // namespace chaoslab::live
