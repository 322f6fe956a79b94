// `chaoslab live`: one scenario against real processes on this machine, in real time. The backend
// runs as `chaoslab backend` child processes managed like a one-replica Deployment
// (pod_supervisor.hpp), the clients are the shared Client over AsioRuntime in this process, and
// the scenario's Chaos Toolkit experiment runs with the same ExperimentRunner as in the
// simulator over a LiveTarget. Outputs match the simulator's: trace.jsonl, journal.json,
// summary.json (plus one log per backend pod).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chaos/experiment.hpp"
#include "chaos/runner.hpp"
#include "live/pod_supervisor.hpp"
#include "policies/client.hpp"
#include "policies/run_summary.hpp"

namespace chaoslab::live {

// Where the experiment's http providers must go: the loopback services of this run.
struct LiveEndpoints {
  std::string backend_url;  // http://127.0.0.1:<port> (no path)
  std::string client_url;   // http://127.0.0.1:<port> of the first client's /health
  std::string admin_token;  // the backends' /admin/faults token for this run
};

struct LiveClientPlan {
  ClientConfig config;  // its target's path is kept; host and port become the local backend
  int count = 1;
  Duration start_at{0};
};

struct LivePlan {
  std::string scenario_file;
  std::string scenario_name;
  std::uint64_t seed = 1;
  Duration duration = std::chrono::seconds(30);
  std::vector<LiveClientPlan> clients;
  // The backend's GET /work (the lab's behaviour).
  double failure_rate = 0.2;
  double slow_rate = 0.3;
  int max_delay_ms = 800;
  // Pod timings and metadata; run_live fills in the process, port, logs and seed.
  PodTemplate pods;
  // Loads the experiment with its URLs pointed at this run's services; unset: no chaos.
  std::function<std::shared_ptr<const chaos::Experiment>(const LiveEndpoints&)> load_experiment;
  Duration chaos_start{0};
  std::string backend_executable;  // `chaoslab`; default: this executable
  std::string out_dir;
  Duration ready_timeout = std::chrono::seconds(15);  // for the first backend pod
  std::atomic<bool>* stop_requested = nullptr;         // set from a signal handler thread
  std::function<void(const std::string&)> log;         // progress lines; unset: quiet
};

struct LiveResult {
  RunSummary summary;
  std::optional<chaos::RunStatus> chaos_status;
  bool chaos_deviated = false;
  std::size_t pods_created = 0;
  bool interrupted = false;  // stopped early by stop_requested
  LiveEndpoints endpoints;
};

// Runs the plan to its end (blocking) and writes out_dir/{trace.jsonl, journal.json (with an
// experiment), summary.json, <pod>.log}. Throws std::runtime_error when the services cannot be
// started or an output cannot be written.
LiveResult run_live(const LivePlan& plan);

}  // namespace chaoslab::live
