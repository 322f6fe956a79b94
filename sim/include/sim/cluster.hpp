// The simulated world behind the client: one Kubernetes Deployment (pods with phases, probes,
// graceful deletion, ReplicaSet replacement, CrashLoopBackOff), its Service (kube-proxy routes at
// random among the endpoints it has been told about, after a propagation delay), the backend
// process in each pod (the lab's /work or a general service-time model with finite workers and a
// FIFO queue), chaoslab.faults on the backend, and the network hops in between.
// Everything runs on the EventQueue; randomness comes from the run's component streams.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chaos/admin_faults.hpp"
#include "chaos/faults.hpp"
#include "chaos/labels.hpp"
#include "chaos/target.hpp"
#include "policies/rng.hpp"
#include "policies/trace.hpp"
#include "sim/event_queue.hpp"
#include "sim/model_config.hpp"
#include "sim/sim_runtime.hpp"

namespace chaoslab::sim {

// Figures of one backend over a run (all pods together).
struct BackendStats {
  std::uint64_t arrivals = 0;    // requests that reached a live backend process
  std::uint64_t served = 0;      // service completed (the client may have given up already)
  std::uint64_t overloaded = 0;  // answered overload_status because the queue was full
  std::uint64_t reset = 0;       // broken by the process dying
  int peak_in_system = 0;        // most requests one pod held at once (waiting + in service)
  double sojourn_sum_s = 0;      // finite workers only: arrival -> service end, summed
  double area_s = 0;             // finite workers only: integral of requests held over time
};

// The Kubernetes Service a URL or name points at: "backend", "backend.lab3.svc.cluster.local",
// "http://backend.lab3.svc.cluster.local:8000/work" all name "backend".
std::string service_from_url(std::string_view url);
// The host of a URL as written ("backend.lab3.svc.cluster.local", "127.0.0.1", "[::1]").
std::string host_from_url(std::string_view url);

class Cluster final : public HttpModel {
 public:
  struct Streams {
    Rng* backend;
    Rng* network;
    Rng* kubernetes;
    Rng* chaos;
  };

  Cluster(EventQueue& q, TraceSink* trace);
  ~Cluster() override;
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Starts a run at the queue's current time: `replicas` pods already Running, Ready and routed.
  // The configs must outlive the run. Call once per run; reset() first when reusing.
  void start(const KubernetesConfig& k8s, const BackendConfig& backend, const NetworkConfig& net,
             Streams streams);
  // Forgets the run (the EventQueue is reset by its owner); keeps memory for the next one.
  void reset();
  void set_trace(TraceSink* trace) { trace_ = trace; }

  // HttpModel: "backend", "http://backend.lab3.svc.cluster.local:8000/work", ...
  TargetId resolve(std::string_view url) override;
  void http_get(TargetId target, Duration timeout,
                std::function<void(const HttpResult&)>&& done) override;
  void http_get_fn(TargetId target, Duration timeout, Runtime::HttpDoneFn done, void* ctx,
                   std::uint64_t arg) override;
  // A request from outside the clients (chaos http probes): `work` runs the backend's /work
  // behaviour, otherwise a health endpoint answers 200 at once.
  void http_probe(bool work, Duration timeout, std::function<void(const HttpResult&)>&& done);
  // The service name `url` names, or nullopt when it is not this cluster's.
  std::optional<std::string> service_of(std::string_view url) const;

  // The Kubernetes API as the chaos runner sees it.
  std::vector<chaos::PodInfo> list_pods(const std::string& ns, const std::string& selector) const;
  void delete_pod(const std::string& ns, const std::string& name, std::optional<Duration> grace);
  chaos::DeploymentStatus deployment(const std::string& ns, const std::string& name) const;
  // chaoslab.faults on the backend (every pod); crash picks one running pod at random.
  nlohmann::json fault(const std::string& func, const nlohmann::json& arguments);
  // The backend's /admin/faults, answered as the live backend answers it (chaos::handle_admin_faults
  // with the scenario's backend admin_token); a crash exits one running container.
  chaos::AdminAnswer admin_faults(const chaos::AdminRequest& req);
  // The container of pod `name` exits (restartPolicy Always: CrashLoopBackOff).
  void crash_pod(const std::string& name);

  int ready_pods() const;       // pods whose Ready condition is true
  int routable_pods() const;    // endpoints kube-proxy currently routes to
  const BackendStats& stats() const { return stats_; }
  const chaos::FaultState& faults() const { return faults_; }
  std::size_t pods_created() const;

 private:
  struct Pod;
  struct Req;
  enum class ReqKind : std::uint8_t;

  // Pod lifecycle
  std::uint32_t create_pod(bool initial);
  void pod_event(const Pod& p, std::string_view phase);
  void set_ready(std::uint32_t pi, bool ready, bool emit);
  void start_container(std::uint32_t pi);
  void begin_termination(std::uint32_t pi, Duration grace);
  void process_exit(std::uint32_t pi, bool deleted);
  void maybe_exit_when_idle(std::uint32_t pi);
  void schedule_probe(std::uint32_t pi, Instant at);
  void unpark_probe(std::uint32_t pi);
  // After a fault action: turns the per-request check on, re-evaluates held probes and carries
  // out a crash (one running container at random). Returns the crashed pod's name, or "".
  std::string fault_applied(const chaos::FaultEffect& effect);
  void replace_if_needed();
  std::uint32_t find_pod(const std::string& ns, const std::string& name) const;
  static std::uint64_t pack(std::uint32_t pi, std::uint32_t gen) {
    return (static_cast<std::uint64_t>(gen) << 32) | pi;
  }

  static void ev_scheduled(void* ctx, std::uint64_t arg);
  static void ev_container_started(void* ctx, std::uint64_t arg);
  static void ev_app_up(void* ctx, std::uint64_t arg);
  static void ev_probe(void* ctx, std::uint64_t arg);
  static void ev_endpoint(void* ctx, std::uint64_t arg);
  static void ev_exit(void* ctx, std::uint64_t arg);
  static void ev_kill(void* ctx, std::uint64_t arg);
  static void ev_restart(void* ctx, std::uint64_t arg);
  static void ev_replace(void* ctx, std::uint64_t arg);

  // Requests
  std::uint32_t alloc_req();
  void free_req(std::uint32_t ri);
  // Sends request ri (allocated, its callback set).
  void send(std::uint32_t ri, bool plain, Duration timeout);
  void accept(std::uint32_t ri, std::uint32_t pi, Instant arrive, Duration hop_back, bool plain);
  void complete_at(std::uint32_t ri, Instant at, OutcomeKind kind, int status);
  void link(std::uint32_t ri, std::uint32_t pi);
  void unlink(std::uint32_t ri);
  void start_service(std::uint32_t ri, std::uint32_t pi);
  void note_held(Pod& p);
  static void ev_complete(void* ctx, std::uint64_t arg);
  static void ev_arrive(void* ctx, std::uint64_t arg);
  static void ev_service_end(void* ctx, std::uint64_t arg);

  EventQueue& q_;
  TraceSink* trace_;
  const KubernetesConfig* k8s_ = nullptr;
  const BackendConfig* backend_ = nullptr;
  const NetworkConfig* net_ = nullptr;
  Streams rng_{};
  bool finite_ = false;
  std::string template_hash_;
  std::map<std::string, std::string> pod_labels_;  // every pod's labels (template + pod-template-hash)
  // The same, shared by the PodInfo list_pods returns; replaced only when the labels change.
  std::shared_ptr<const chaos::PodLabels> listed_labels_;
  // list_pods' last label selector, parsed (the chaos runner asks with the same few selectors).
  mutable std::optional<std::pair<std::string, chaos::LabelSelector>> selector_;
  PodEvent pod_event_;  // refilled for each pod event (keeps its strings' capacity across runs)

  std::vector<Pod> pods_;
  std::vector<std::uint32_t> endpoints_;  // kube-proxy's view, ascending pod index
  std::vector<Req> reqs_;
  std::uint32_t free_req_ = 0xffffffffu;
  chaos::FaultState faults_;
  bool faults_touched_ = false;  // no fault was ever applied: skip the per-request check
  BackendStats stats_;
};

}  // namespace chaoslab::sim
