// Policy configuration from JSON (parameter names follow the library each option matches:
// pybreaker, resilience4j, tenacity, Brooker, Polly, gRPC, Envoy) and from the lab's environment
// keys. docs/policies.md documents every key, its default and its formula.
//
// Every parser takes `where`, the place the value came from, used as the prefix of error
// messages: either "FILE" (the value is the file's root) or "FILE: /json/pointer" (the value sits
// at that pointer). Errors are chaoslab::ConfigError "FILE: /pointer/of/the/bad/key: what".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "policies/breaker.hpp"
#include "policies/client.hpp"
#include "policies/retry.hpp"

namespace chaoslab {

BreakerConfig parse_breaker(const nlohmann::json& j, const std::string& where);
RetryPolicy parse_retry(const nlohmann::json& j, const std::string& where);
WaitSpec parse_wait(const nlohmann::json& j, const std::string& where);
StopSpec parse_stop(const nlohmann::json& j, const std::string& where);
BudgetConfig parse_budget(const nlohmann::json& j, const std::string& where);
ClientConfig parse_client(const nlohmann::json& j, const std::string& where);

// The same shapes written back (every key, defaults included); parse_*(to_json(x)) == x.
nlohmann::json breaker_to_json(const BreakerConfig& c);
nlohmann::json retry_to_json(const RetryPolicy& p);
nlohmann::json wait_to_json(const WaitSpec& w);
nlohmann::json stop_to_json(const StopSpec& s);
nlohmann::json budget_to_json(const BudgetConfig& b);
nlohmann::json client_to_json(const ClientConfig& c);

// Parses JSON text; a syntax error becomes ConfigError "FILE: line L, column C: ...".
nlohmann::json parse_json_text(std::string_view text, const std::string& file);

// Outcome kind names as used in "exclude", "failure_on" and "retry_on".
OutcomeSet parse_outcome_list(const nlohmann::json& j, const std::string& where);

// The lab client (client_service/main.py) configured from its environment: BACKEND_URL,
// CB_FAIL_MAX, CB_RESET_TIMEOUT, RETRY_MAX_ATTEMPTS, RETRY_BASE, RETRY_MAX, with the lab code's
// defaults when unset (http://backend:8000/work, 2, 1, 1, 0.2, 2.0) and its exact meaning:
// pybreaker(fail_max, reset_timeout) outside tenacity(stop_after_attempt, wait_exponential_jitter
// (initial=1, jitter=1, exp_base=RETRY_BASE, max=RETRY_MAX), retry only on 5xx, reraise=True),
// 2 s timeout, closed loop with 0.3 s sleep. Bad values: ConfigError "VARIABLE: ...".
using GetEnv = std::function<std::optional<std::string>(std::string_view)>;
ClientConfig client_from_lab_env(const GetEnv& getenv);

// The lab client with its ConfigMap values (CB_FAIL_MAX 2, CB_RESET_TIMEOUT 1,
// RETRY_MAX_ATTEMPTS 3, RETRY_BASE 0.2, RETRY_MAX 2.0), simulation profile "lab3".
ClientConfig lab3_client();
// Phase A: no breaker, no retry, 2 s timeout, same closed loop (profile "lab3_baseline").
ClientConfig lab3_baseline_client();

}  // namespace chaoslab
