// Runs one experiment over a Target, asynchronously on the Target's Runtime: pauses and timeouts
// are Runtime timers and http activities complete by callback, so the same runner works in the
// simulator's virtual time and in real time. Order and statuses follow chaostoolkit-lib:
// hypothesis before -> method (in order; background activities run concurrently and are awaited
// at the end; a failed activity does not stop the method) -> hypothesis after -> rollbacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chaos/experiment.hpp"
#include "chaos/target.hpp"
#include "policies/rng.hpp"
#include "policies/runtime.hpp"
#include "policies/trace.hpp"

namespace chaoslab::chaos {

enum class RunStatus : std::uint8_t { running, completed, failed, aborted, interrupted };
std::string_view to_string(RunStatus s);

using SysMicros = std::chrono::sys_time<std::chrono::microseconds>;

struct RunnerOptions {
  // The wall-clock time that runtime instant 0 stands for. Journal timestamps are
  // epoch + runtime.now(): virtual in the simulator, and never read from the system clock here.
  SysMicros epoch{};
  std::string platform = "chaoslab";  // journal "platform"
  std::string node = "chaoslab";      // journal "node"
  // Used when an http provider gives no timeout (requests would wait forever).
  Duration default_http_timeout = std::chrono::seconds(30);
  // Override the experiment's "runtime" block, like `chaos run --hypothesis-strategy`.
  std::optional<HypothesisStrategy> hypothesis_strategy;
  std::optional<RollbackStrategy> rollback_strategy;
  // false: chaos trace events carry no `detail` text, so an activity's output is never dumped
  // for them. For a sink that never reads it (the simulator's run summary on its fast path).
  bool trace_detail = true;
};

// One executed activity (a journal "run" entry).
struct ActivityRun {
  const Activity* activity = nullptr;  // points into the Experiment
  Instant start{};
  Instant end{};
  bool succeeded = false;
  // What the provider returned: a value (python and process providers; null when the activity
  // failed without output), or an http provider's response as received. The response is turned
  // into JSON only when something reads output(), so a run that records nothing never builds it.
  std::variant<Json, HttpResponse> result;
  std::string error;                   // ActivityFailed message when !succeeded
  std::optional<bool> tolerance_met;   // hypothesis probes only

  // The output as Chaos Toolkit records it: the value, or for an http response
  // {"status", "headers", "body"} (the body parsed when the response is JSON). Built on each call.
  Json output() const;
};

struct SteadyState {
  bool met = false;
  std::vector<ActivityRun> probes;
};

class ExperimentRunner {
 public:
  // `target`, `experiment`, `rng` and `trace` must outlive the runner. rng feeds the random
  // choices of activities (terminate_pods rand); give it its own stream (Stream::chaos).
  ExperimentRunner(Target& target, const Experiment& experiment, Rng& rng,
                   TraceSink* trace = nullptr, RunnerOptions options = {});
  ~ExperimentRunner();  // cancels pending timers; late http callbacks are ignored
  ExperimentRunner(const ExperimentRunner&) = delete;
  ExperimentRunner& operator=(const ExperimentRunner&) = delete;

  // Begins at runtime().now(). `on_done` runs once when the run has finished (possibly before
  // start() returns, when nothing has to wait).
  void start(std::function<void()> on_done = {});

  // Stops a running experiment as Ctrl-C does in `chaos run`: the activity in progress is
  // abandoned (not recorded), status becomes interrupted, rollbacks play only under the
  // "always" strategy and when `play_rollbacks` (pass false when nothing can run any more, as at
  // the end of a simulation). on_done runs before interrupt() returns unless rollbacks wait.
  void interrupt(bool play_rollbacks = true);

  bool finished() const;
  RunStatus status() const;
  bool deviated() const;
  // `chaos run` exits 1 when the status is not completed or the run deviated.
  bool would_exit_nonzero() const { return status() != RunStatus::completed || deviated(); }

  Instant started_at() const;
  Instant ended_at() const;  // valid once finished
  const std::optional<SteadyState>& steady_state_before() const;
  const std::optional<SteadyState>& steady_state_after() const;
  const std::vector<SteadyState>& steady_states_during() const;
  const std::vector<ActivityRun>& method_runs() const;  // method order
  const std::vector<ActivityRun>& rollback_runs() const;

  // The Chaos Toolkit journal (field order as chaostoolkit writes it). Complete once finished.
  OrderedJson journal() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace chaoslab::chaos
