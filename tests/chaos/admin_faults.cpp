#include "chaos/admin_faults.hpp"

#include <doctest/doctest.h>

using namespace chaoslab;
using namespace chaoslab::chaos;
using nlohmann::json;

namespace {
AdminAnswer call(FaultState& f, std::string_view method, std::string_view auth, std::string_view body = "",
                 std::string_view path = "/admin/faults", std::string_view token = "tok") {
  return handle_admin_faults({method, path, auth, body}, token, f, instant_at(5));
}
int rejected_status(FaultState& f) { return call(f, "GET", "", "", "/admin/faults/rejected").status; }
}  // namespace

TEST_CASE("admin faults: an applied action answers the state and changes the FaultState") {
  FaultState f;
  const AdminAnswer a = call(f, "POST", "Bearer tok", R"({"action": "inject_errors", "arguments": {"rate": 0.9, "status": 503, "duration_s": 20}})");
  CHECK(a.status == 200);
  CHECK(a.applied == "inject_errors");
  CHECK(a.body["applied"] == "inject_errors");
  CHECK(a.body["faults"]["errors"]["status"] == 503);
  CHECK(f.errors_active(instant_at(24.9)));
  CHECK_FALSE(f.errors_active(instant_at(25)));
  const AdminAnswer g = call(f, "GET", "Bearer tok");
  CHECK(g.status == 200);
  CHECK(g.body == json{{"faults", f.to_json(instant_at(5))}, {"rejected", 0}});
  CHECK(rejected_status(f) == 200);
  const AdminAnswer d = call(f, "DELETE", "Bearer tok");
  CHECK(d.applied == "clear");
  CHECK_FALSE(f.any_active(instant_at(5)));
}

TEST_CASE("admin faults: crash is an effect for the caller, not a state") {
  FaultState f;
  const AdminAnswer a = call(f, "POST", "Bearer tok", R"({"action": "crash", "arguments": {"exit_code": 3}})");
  CHECK(a.status == 200);
  CHECK(a.effect.crash);
  CHECK(a.effect.exit_code == 3);
  CHECK(a.body == json{{"applied", "crash"}, {"crashing", true}, {"exit_code", 3}});
}

TEST_CASE("admin faults: refused writes change nothing, are counted, and /rejected answers 409") {
  FaultState f;
  // Wrong or missing token: 401 with WWW-Authenticate, whatever the body.
  for (std::string_view auth : {"", "Bearer nope", "Bearer tok2", "Basic tok", "bearer tok"}) {
    const AdminAnswer a = call(f, "POST", auth, R"({"action": "hang", "arguments": {"duration_s": 5}})");
    CHECK(a.status == 401);
    CHECK(a.www_authenticate);
    CHECK(a.applied.empty());
  }
  CHECK_FALSE(f.hung(instant_at(5)));
  CHECK(f.rejected == 5);
  const AdminAnswer r = call(f, "GET", "", "", "/admin/faults/rejected");
  CHECK(r.status == 409);
  CHECK(r.body["rejected"] == 5);
  CHECK(r.body["error"] == "5 fault request(s) refused since the last clear; the last: 401 missing or wrong bearer token");
  // A GET with a wrong token is refused but is not a fault request.
  CHECK(call(f, "GET", "Bearer x").status == 401);
  CHECK(f.rejected == 5);
  // A clear with the token starts over.
  CHECK(call(f, "POST", "Bearer tok", R"({"action": "clear"})").status == 200);
  CHECK(rejected_status(f) == 200);

  // Bad bodies: 400 with the pointer, counted.
  const AdminAnswer bad = call(f, "POST", "Bearer tok", R"({"action": "inject_errors", "arguments": {"rate": 2}})");
  CHECK(bad.status == 400);
  CHECK(bad.body["error"] == "/arguments/rate: must be a number between 0 and 1");
  CHECK(call(f, "POST", "Bearer tok", "{not json").status == 400);
  CHECK(call(f, "POST", "Bearer tok", R"({"action": "explode"})").body["error"].get<std::string>().rfind("/action: unsupported function 'explode'", 0) == 0);
  CHECK(f.rejected == 3);
  CHECK_FALSE(f.errors_active(instant_at(5)));
  CHECK(call(f, "PUT", "Bearer tok").status == 405);
  CHECK(rejected_status(f) == 409);
}

TEST_CASE("admin faults: without a token the API is disabled (404), and a write is still counted") {
  FaultState f;
  const AdminAnswer a = call(f, "POST", "Bearer ", R"({"action": "clear"})", "/admin/faults", "");
  CHECK(a.status == 404);
  CHECK(a.body["error"] == "fault injection is disabled: no admin token configured");
  CHECK(f.rejected == 1);
  CHECK(call(f, "GET", "", "", "/admin/faults/rejected", "").status == 409);
  CHECK(call(f, "GET", "Bearer tok", "", "/admin/other").status == 404);
  CHECK(call(f, "POST", "", "", "/admin/faults/rejected").status == 405);
}
