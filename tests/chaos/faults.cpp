#include "chaos/faults.hpp"

#include <doctest/doctest.h>

using namespace chaoslab;
using namespace chaoslab::chaos;
using nlohmann::json;

namespace {
Instant at_s(double s) { return instant_at(s); }
}  // namespace

TEST_CASE("inject_latency with a window and the probability drawn per request") {
  FaultState f;
  f.apply("inject_latency", json{{"latency_ms", 250}, {"probability", 0.5}, {"duration_s", 10}}, at_s(5));
  CHECK(f.latency_active(at_s(5)));
  CHECK(f.latency_active(at_s(14.999)));
  CHECK_FALSE(f.latency_active(at_s(15)));
  Rng rng(7);
  int delayed = 0;
  for (int i = 0; i < 1000; ++i) {
    const RequestFault r = f.on_request(at_s(6), rng);
    CHECK_FALSE(r.drop);
    CHECK_FALSE(r.error_status);
    if (r.extra_latency == std::chrono::milliseconds(250)) ++delayed;
    else CHECK(r.extra_latency == Duration::zero());
  }
  CHECK(delayed > 400);
  CHECK(delayed < 600);
  // Outside the window no draw is made: the generator is untouched.
  Rng a(1), b(1);
  (void)f.on_request(at_s(20), a);
  CHECK(a.next_u64() == b.next_u64());
}

TEST_CASE("duration 0 lasts until cleared; clear removes everything") {
  FaultState f;
  f.apply("inject_errors", json{{"rate", 1.0}, {"status", 503}}, at_s(0));
  f.apply("partition", json{{"duration_s", 3}}, at_s(0));
  Rng rng(1);
  CHECK(f.on_request(at_s(1), rng).drop);
  const RequestFault later = f.on_request(at_s(1000), rng);
  CHECK_FALSE(later.drop);
  CHECK(later.error_status == 503);
  f.apply("clear", json::object(), at_s(1001));
  CHECK_FALSE(f.any_active(at_s(1001)));
}

TEST_CASE("hang holds requests until the window ends; crash is an effect") {
  FaultState f;
  CHECK_FALSE(f.apply("hang", json{{"duration_s", 2.5}}, at_s(10)).crash);
  Rng rng(1);
  const RequestFault r = f.on_request(at_s(11), rng);
  REQUIRE(r.hold_until);
  CHECK(*r.hold_until == at_s(12.5));
  const FaultEffect e = f.apply("crash", json{{"exit_code", 137}}, at_s(11));
  CHECK(e.crash);
  CHECK(e.exit_code == 137);
  CHECK(f.apply("crash", nullptr, at_s(11)).exit_code == 1);
}

TEST_CASE("to_json shows active faults and remaining time") {
  FaultState f;
  f.apply("inject_latency", json{{"latency_ms", 100}}, at_s(0));
  f.apply("hang", json{{"duration_s", 4}}, at_s(0));
  const json j = f.to_json(at_s(1));
  CHECK(j["latency"] == json{{"latency_ms", 100.0}, {"probability", 1.0}, {"remaining_s", nullptr}});
  CHECK(j["errors"].is_null());
  CHECK(j["hang"] == json{{"remaining_s", 3.0}});
  CHECK(j["partition"].is_null());
  CHECK(f.to_json(at_s(5))["hang"].is_null());
}

TEST_CASE("argument validation messages") {
  FaultState f;
  CHECK_THROWS_WITH_AS(f.apply("slow", json::object(), at_s(0)),
                       "unsupported function 'slow' in module chaoslab.faults; supported: inject_latency, "
                       "inject_errors, hang, crash, partition, clear",
                       FaultError);
  CHECK_THROWS_WITH_AS(validate_fault("inject_latency", json::object()),
                       "/latency_ms: required argument of inject_latency is missing", FaultError);
  CHECK_THROWS_WITH_AS(validate_fault("inject_latency", json{{"latency_ms", -1}}),
                       "/latency_ms: must be a number of milliseconds >= 0", FaultError);
  CHECK_THROWS_WITH_AS(validate_fault("inject_errors", json{{"rate", 1.5}}), "/rate: must be a number between 0 and 1",
                       FaultError);
  CHECK_THROWS_WITH_AS(validate_fault("inject_errors", json{{"rate", 0.5}, {"status", 200.5}}),
                       "/status: must be an integer HTTP status between 100 and 599", FaultError);
  CHECK_THROWS_WITH_AS(validate_fault("hang", json{{"duration_s", 0}}), "/duration_s: must be a number of seconds > 0",
                       FaultError);
  CHECK_THROWS_WITH_AS(validate_fault("crash", json{{"exit_code", 300}}), "/exit_code: must be an integer between 0 and 255",
                       FaultError);
  CHECK_THROWS_WITH_AS(validate_fault("clear", json{{"all", true}}), "/all: unknown argument for clear; it takes none",
                       FaultError);
  CHECK_THROWS_WITH_AS(validate_fault("partition", json::array()), "arguments must be an object", FaultError);
  // A failed apply leaves the state as it was.
  CHECK_THROWS_AS(f.apply("inject_latency", json{{"latency_ms", 5}, {"probability", 2}}, at_s(0)), FaultError);
  CHECK_FALSE(f.latency_on);
}

TEST_CASE("the /admin/faults request body") {
  const FaultRequest r = parse_fault_request(json{{"action", "inject_errors"}, {"arguments", {{"rate", 0.3}}}});
  CHECK(r.action == "inject_errors");
  CHECK(r.arguments == json{{"rate", 0.3}});
  CHECK(parse_fault_request(json{{"action", "clear"}}).arguments == json::object());
  CHECK_THROWS_WITH_AS(parse_fault_request(json{{"arguments", json::object()}}), "/action: required key is missing",
                       FaultError);
  CHECK_THROWS_WITH_AS(parse_fault_request(json{{"action", "boom"}}),
                       "/action: unsupported function 'boom' in module chaoslab.faults; supported: inject_latency, "
                       "inject_errors, hang, crash, partition, clear",
                       FaultError);
  CHECK_THROWS_WITH_AS(parse_fault_request(json{{"action", "hang"}, {"arguments", {{"duration_s", "x"}}}}),
                       "/arguments/duration_s: must be a number of seconds > 0", FaultError);
  CHECK_THROWS_WITH_AS(parse_fault_request(json{{"action", "hang"}, {"token", "x"}}),
                       "/token: unknown key; allowed: action, arguments", FaultError);
}
