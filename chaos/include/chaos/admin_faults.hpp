// The backend's fault admin API (/admin/faults), answered in one place: the live backend's HTTP
// route and the simulated backend both call handle_admin_faults, so a token, a body or an action
// means the same thing in both, down to the status and the JSON answered.
//
//   GET    {"faults": <state>, "rejected": N}
//   GET /admin/faults/rejected (no token): 200 {"rejected": 0}, or 409 {"rejected": N, "error":
//          the last} once N writes (POST, DELETE) were refused since the last clear (404, 401,
//          400, 405). An experiment's hypothesis probes it with tolerance 200, so a fault action
//          that was not applied makes the run deviate under chaoslab and under `chaos run`.
//   POST   {"action", "arguments"?} -> {"applied": action, "faults": <state>}
//          crash: {"applied": "crash", "crashing": true, "exit_code": N} (the caller then exits)
//   DELETE clears -> {"applied": "clear", "faults": <state>}
//   404 without a configured token, 401 without "Authorization: Bearer <token>", 400 for a bad
//   body ({"error": "<pointer>: <message>"}), 405 for another method.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chaos/faults.hpp"
#include "policies/time.hpp"

namespace chaoslab::chaos {

struct AdminRequest {
  std::string_view method;         // GET | POST | DELETE
  std::string_view path = "/admin/faults";  // or "/admin/faults/rejected"
  std::string_view authorization;  // the Authorization header's value ("" when absent)
  std::string_view body;           // POST only
};

struct AdminAnswer {
  int status = 200;
  nlohmann::json body;             // always a JSON object
  bool www_authenticate = false;   // 401: send "WWW-Authenticate: Bearer"
  std::string applied;             // the action applied ("" when none): count it, log it
  FaultEffect effect;              // crash: exit after answering
};

// Checks the token (constant time), parses and validates the body and applies it to `faults` at
// `now`. The caller serialises calls (the live backend holds its fault mutex).
AdminAnswer handle_admin_faults(const AdminRequest& req, std::string_view admin_token, FaultState& faults,
                                Instant now);

}  // namespace chaoslab::chaos
