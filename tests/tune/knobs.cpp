// --knob parsing: values as JSON, gentlest first whatever order they are given in, and the
// pointers that reach every client.
#include "tune/knobs.hpp"

#include <doctest/doctest.h>

#include "policies/error.hpp"

using namespace chaoslab::tune;
using nlohmann::json;

TEST_CASE("tune knobs: values parsed as JSON, sorted gentlest first, errors naming the knob") {
  const Knob fm = parse_knob("/policies/breaker/fail_max=8,3,5");
  CHECK(fm.name == "fail_max");
  CHECK(fm.labels == std::vector<std::string>{"3", "5", "8"});  // trips sooner: gentler on the backend
  const Knob to = parse_knob("/policies/retry/attempt_timeout=1,4,2");
  CHECK(to.labels == std::vector<std::string>{"4", "2", "1"});  // a time: longer is gentler
  const Knob stop = parse_knob(R"(/policies/retry/stop={"stop_after_attempt":3},{"stop_after_attempt":1})");
  CHECK(stop.name == "stop_after_attempt");
  CHECK(stop.labels == std::vector<std::string>{"1", "3"});
  CHECK(stop.values[0] == json{{"stop_after_attempt", 1}});
  const Knob text = parse_knob("/policies/breaker/sliding_window_type=time_based,count_based");
  CHECK(text.values == std::vector<json>{"count_based", "time_based"});
  CHECK_THROWS_WITH_AS(parse_knob("policies/breaker/fail_max=1,2"),
                       "--knob policies/breaker/fail_max=1,2: expected /json/pointer=value,value,... (e.g. "
                       "/policies/breaker/fail_max=3,5,8)",
                       chaoslab::ConfigError);
  CHECK_THROWS_WITH_AS(parse_knob("/policies/breaker/fail_max=3,3"),
                       "--knob /policies/breaker/fail_max=3,3: the value 3 is given twice", chaoslab::ConfigError);
  CHECK_THROWS_WITH_AS(parse_knob("/policies/breaker/fail_max=3,"), "--knob /policies/breaker/fail_max=3,: an empty value",
                       chaoslab::ConfigError);
}

TEST_CASE("tune knobs: a policies pointer reaches every client that sets its own value") {
  const json doc = {{"clients", json::array({{{"profile", "lab3"}},
                                             {{"profile", "lab3"}, {"breaker", {{"fail_max", 4}}}},
                                             {{"profile", "lab3"}, {"retry", {{"stop", {{"stop_after_attempt", 2}}}}}}})}};
  CHECK(effective_pointers(doc, "/policies/breaker/fail_max") ==
        std::vector<std::string>{"/policies/breaker/fail_max", "/clients/1/breaker/fail_max"});
  CHECK(effective_pointers(doc, "/policies/retry/stop") ==
        std::vector<std::string>{"/policies/retry/stop", "/clients/2/retry/stop"});
  CHECK(effective_pointers(doc, "/backend/failure_rate") == std::vector<std::string>{"/backend/failure_rate"});
}
