#include "chaos/admin_faults.hpp"

namespace chaoslab::chaos {
namespace {

using nlohmann::json;

// Constant time in the length of the configured token: the answer time says nothing of it.
bool same_secret(std::string_view given, std::string_view token) {
  unsigned diff = given.size() == token.size() ? 0u : 1u;
  for (std::size_t i = 0; i < token.size(); ++i)
    diff |= static_cast<unsigned char>(token[i]) ^ static_cast<unsigned char>(i < given.size() ? given[i] : 0);
  return diff == 0;
}

AdminAnswer reply(int status, json body) {
  AdminAnswer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

// A write (POST, DELETE) that was not applied is counted, whatever the reason (disabled, token,
// body): GET /admin/faults/rejected then answers 409, which an experiment's hypothesis reads.
AdminAnswer refused(const AdminRequest& req, FaultState& faults, AdminAnswer a) {
  if (req.method != "GET") {
    ++faults.rejected;
    faults.last_rejection = std::to_string(a.status) + " " + a.body.value("error", std::string());
  }
  return a;
}

}  // namespace

AdminAnswer handle_admin_faults(const AdminRequest& req, std::string_view admin_token, FaultState& faults,
                                Instant now) {
  if (req.path == "/admin/faults/rejected") {
    // No token needed: a wrong token is one of the mistakes it reports; it tells only a count.
    if (req.method != "GET") return reply(405, {{"error", "method not allowed: use GET"}});
    if (faults.rejected == 0) return reply(200, {{"rejected", 0}});
    return reply(409, {{"rejected", faults.rejected},
                       {"error", std::to_string(faults.rejected) +
                                     " fault request(s) refused since the last clear; the last: " +
                                     faults.last_rejection}});
  }
  if (req.path != "/admin/faults") return reply(404, {{"error", "no such admin resource"}});
  if (admin_token.empty())
    return refused(req, faults, reply(404, {{"error", "fault injection is disabled: no admin token configured"}}));
  constexpr std::string_view kBearer = "Bearer ";
  if (req.authorization.substr(0, kBearer.size()) != kBearer ||
      !same_secret(req.authorization.substr(kBearer.size()), admin_token)) {
    AdminAnswer a = refused(req, faults, reply(401, {{"error", "missing or wrong bearer token"}}));
    a.www_authenticate = true;
    return a;
  }
  if (req.method == "GET") return reply(200, {{"faults", faults.to_json(now)}, {"rejected", faults.rejected}});
  if (req.method == "DELETE") {
    faults.clear();
    AdminAnswer a = reply(200, {{"applied", "clear"}, {"faults", faults.to_json(now)}});
    a.applied = "clear";
    return a;
  }
  if (req.method != "POST")
    return refused(req, faults, reply(405, {{"error", "method not allowed: use GET, POST or DELETE"}}));

  json body;
  try {
    body = json::parse(req.body);
  } catch (const json::exception& e) {
    return refused(req, faults, reply(400, {{"error", std::string("body: invalid JSON: ") + e.what()}}));
  }
  AdminAnswer a;
  try {
    const FaultRequest fr = parse_fault_request(body);
    a.effect = faults.apply(fr.action, fr.arguments, now);
    a.applied = fr.action;
  } catch (const FaultError& e) {
    return refused(req, faults, reply(400, {{"error", e.what()}}));
  }
  a.body = a.effect.crash ? json{{"applied", a.applied}, {"crashing", true}, {"exit_code", a.effect.exit_code}}
                          : json{{"applied", a.applied}, {"faults", faults.to_json(now)}};
  return a;
}

}  // namespace chaoslab::chaos
