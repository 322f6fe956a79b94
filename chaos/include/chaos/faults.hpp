// chaoslab's own fault actions (Chaos Toolkit module "chaoslab.faults"), defined once here so the
// simulated backend (sim/) and the live backend's POST /admin/faults (live/) mean the same thing.
//
//   inject_latency(latency_ms, probability=1.0, duration_s=0)  every request is delayed by
//       latency_ms with the given probability; duration_s 0 = until cleared
//   inject_errors(rate, status=500, duration_s=0)  a request is answered at once with `status`
//       with probability `rate` (after any injected latency)
//   hang(duration_s)       the process stops answering: a request arriving in the window is held
//                          and served when the window ends (probes hang too)
//   crash(exit_code=1)     the process exits now; Kubernetes restarts the container
//                          (CrashLoopBackOff). Not a state: apply() returns it as an effect.
//   partition(duration_s)  client -> backend traffic is dropped: a request arriving in the window
//                          is never answered (the client sees its own timeout); kubelet probes
//                          are not affected
//   clear()                removes every active fault
//
// Calling an action again replaces that action's previous setting. Windows are [now, now+d).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "policies/rng.hpp"
#include "policies/time.hpp"

namespace chaoslab::chaos {

// The longest duration an experiment or a fault may state (a year): keeps Instant arithmetic far
// from overflow.
inline constexpr double kMaxSeconds = 86400.0 * 365;
inline constexpr std::string_view kFaultModule = "chaoslab.faults";
inline constexpr std::string_view kFaultFunctions[] = {"inject_latency", "inject_errors", "hang",
                                                       "crash",          "partition",     "clear"};

// A bad fault function or argument. `pointer` is relative to the arguments object ("/rate"), or
// empty when the function itself is wrong; what() is "<pointer>: <message>" (or the message).
class FaultError : public std::invalid_argument {
 public:
  FaultError(std::string pointer, std::string message);
  const std::string& pointer() const { return pointer_; }
  const std::string& message() const { return message_; }

 private:
  std::string pointer_;
  std::string message_;
};

// Checks a function name and its arguments (types, ranges, unknown keys); throws FaultError.
void validate_fault(std::string_view func, const nlohmann::json& arguments);

// The body of POST /admin/faults: {"action": "<func>", "arguments": {...}} ("arguments" optional).
struct FaultRequest {
  std::string action;
  nlohmann::json arguments = nlohmann::json::object();
};
// Parses and validates a request body; throws FaultError (pointer relative to the body).
FaultRequest parse_fault_request(const nlohmann::json& body);

// What the owner of a FaultState must do after apply(), beyond the state change.
struct FaultEffect {
  bool crash = false;
  int exit_code = 0;
};

// How one incoming request is treated under the active faults.
struct RequestFault {
  bool drop = false;                  // partition: never answered
  std::optional<Instant> hold_until;  // hang: serve it at this instant, not before
  Duration extra_latency{0};          // inject_latency: added before normal handling
  std::optional<int> error_status;    // inject_errors: answer this status, skip normal handling
};

struct FaultState {
  bool latency_on = false;
  Duration latency{0};
  double latency_probability = 1.0;
  std::optional<Instant> latency_until;  // nullopt: until cleared

  bool errors_on = false;
  double error_rate = 0.0;
  int error_status = 500;
  std::optional<Instant> errors_until;

  std::optional<Instant> hang_until;
  std::optional<Instant> partition_until;

  // Admin writes refused since the last clear (admin_faults.hpp): an experiment's hypothesis
  // reads the count, so a refused fault action cannot pass for an applied one.
  int rejected = 0;
  std::string last_rejection;

  // Validates and applies one action at `now`; throws FaultError and leaves the state unchanged.
  FaultEffect apply(std::string_view func, const nlohmann::json& arguments, Instant now);
  void clear() { *this = FaultState{}; }

  bool latency_active(Instant now) const;
  bool errors_active(Instant now) const;
  bool hung(Instant now) const { return hang_until && now < *hang_until; }
  bool partitioned(Instant now) const { return partition_until && now < *partition_until; }
  bool any_active(Instant now) const;

  // Decides the fate of a request arriving at `now`. Draws from `rng` in a fixed order, one
  // uniform per active probabilistic fault: latency (if active), then errors (if active); a
  // dropped request draws nothing.
  RequestFault on_request(Instant now, Rng& rng) const;

  // {"latency": {"latency_ms", "probability", "remaining_s"|null} | null,
  //  "errors": {"rate", "status", "remaining_s"|null} | null,
  //  "hang": {"remaining_s"} | null, "partition": {"remaining_s"} | null}
  // Expired windows show as null. This is also the output of a chaoslab.faults activity.
  nlohmann::json to_json(Instant now) const;
};

}  // namespace chaoslab::chaos
