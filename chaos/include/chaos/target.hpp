// What a Chaos Toolkit experiment acts on. The interpreter (runner.hpp) is written once; the
// simulator implements Target over its Kubernetes model in virtual time, local live mode over real
// processes in wall-clock time. All calls happen on the Runtime's single logical thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/runtime.hpp"
#include "policies/time.hpp"

namespace chaoslab::chaos {

using PodLabels = std::map<std::string, std::string>;

struct PodInfo {
  std::string name;
  std::string ns;
  // Shared (null: no labels): the pods of a Deployment carry their template's labels, and an
  // experiment lists pods several times per run, which should not copy a map per pod.
  std::shared_ptr<const PodLabels> labels;
  std::string phase;        // Kubernetes pod phase: Pending | Running | Succeeded | Failed | Unknown
  bool ready = false;
  bool terminating = false; // deletionTimestamp set
  Instant created{};
};

struct DeploymentStatus {
  bool exists = false;
  int replicas = 0;            // spec.replicas
  int ready_replicas = 0;
  int available_replicas = 0;
  int unavailable_replicas = 0;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
  Duration timeout = std::chrono::seconds(30);
  bool verify_tls = true;  // https only; the provider's verify_tls
};

struct HttpResponse {
  bool connected = false;  // false: connection error or timeout (the activity fails)
  bool timed_out = false;  // not connected because the request's timeout expired
  std::string error;       // why not connected
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

// Thrown by a Target when an activity cannot be carried out; the runner records it as the
// activity's exception (status failed) and goes on, as Chaos Toolkit does.
class ActivityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A process provider (only when the experiment was loaded with LoadOptions::allow_process).
struct ProcessRequest {
  std::string path;
  std::vector<std::string> arguments;
  Duration timeout = std::chrono::seconds(30);
};

struct ProcessResult {
  int status = 0;  // exit status
  std::string stdout_text;
  std::string stderr_text;
};

class Target {
 public:
  virtual ~Target() = default;
  virtual Runtime& runtime() = 0;

  // Pods in namespace `ns` matching a label selector ("app=backend,tier=x"; "" = all).
  virtual std::vector<PodInfo> list_pods(const std::string& ns, const std::string& label_selector) = 0;
  // Starts a graceful deletion; grace nullopt = the pod's terminationGracePeriodSeconds.
  virtual void delete_pod(const std::string& ns, const std::string& name,
                          std::optional<Duration> grace) = 0;
  virtual DeploymentStatus deployment(const std::string& ns, const std::string& name) = 0;

  // An http provider request; `done` runs later on the runtime's thread. The response is passed
  // by value: the runner keeps it, and a Target that built it can move it there.
  virtual void http(const HttpRequest& req, std::function<void(HttpResponse)> done) = 0;

  // chaoslab's own fault actions (module chaoslab.faults, see faults.hpp): applies one and
  // returns the activity's output.
  virtual nlohmann::json fault(const std::string& func, const nlohmann::json& arguments) = 0;

  // A process provider; `done` runs later on the runtime's thread. The default refuses: only a
  // Target that can run programs (local live mode) overrides it.
  virtual void process(const ProcessRequest& req, std::function<void(const ProcessResult&)> done) {
    (void)req;
    (void)done;
    throw ActivityError("process providers are not supported by this target");
  }
};

}  // namespace chaoslab::chaos
