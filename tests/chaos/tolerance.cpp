#include "chaos/tolerance.hpp"

#include <doctest/doctest.h>

#include "fakes.hpp"

using namespace chaoslab::chaos;
using chaoslab::chaos::testing::experiment_from;

namespace {

// Builds the tolerance of a one-probe hypothesis, the way a file declares it.
Tolerance tolerance(const std::string& tol_json) {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "steady-state-hypothesis":{"title":"h","probes":[{"type":"probe","name":"p","tolerance":)" +
                                       tol_json + R"(,
      "provider":{"type":"http","url":"http://x"}}]},
    "method":[{"type":"probe","name":"m","provider":{"type":"http","url":"http://x"}}]})");
  return *e.hypothesis->probes.at(0).tolerance;
}

const Json kHttp200 = Json{{"status", 200}, {"headers", Json::object()}, {"body", Json{{"state", "closed"}}}};
const Json kHttp503 = Json{{"status", 503}, {"headers", Json::object()}, {"body", "down"}};

}  // namespace

TEST_CASE("bool and string tolerances compare with Python ==") {
  CHECK(within_tolerance(tolerance("true"), true));
  CHECK_FALSE(within_tolerance(tolerance("true"), false));
  CHECK(within_tolerance(tolerance("true"), 1));  // True == 1 in Python
  CHECK_FALSE(within_tolerance(tolerance("true"), 2));
  // The lab's bug: an http probe's output is a dict, never equal to True.
  CHECK_FALSE(within_tolerance(tolerance("true"), kHttp200));
  CHECK(within_tolerance(tolerance(R"("ok")"), "ok"));
  CHECK_FALSE(within_tolerance(tolerance(R"("ok")"), "OK"));
}

TEST_CASE("an int tolerance compares the http status, or the value itself") {
  CHECK(within_tolerance(tolerance("200"), kHttp200));
  CHECK_FALSE(within_tolerance(tolerance("200"), kHttp503));
  CHECK(within_tolerance(tolerance("3"), 3));
  CHECK(within_tolerance(tolerance("3"), 3.0));
  CHECK_FALSE(within_tolerance(tolerance("3"), "3"));
}

TEST_CASE("list tolerances: status membership, inclusive range of two, else membership") {
  CHECK(within_tolerance(tolerance("[200, 204]"), kHttp200));
  // With a dict output a list of two is membership, not a range (chaoslib checks status first).
  CHECK_FALSE(within_tolerance(tolerance("[200, 599]"), kHttp503));
  CHECK(within_tolerance(tolerance("[1, 3]"), 1));
  CHECK(within_tolerance(tolerance("[1, 3]"), 2.5));
  CHECK(within_tolerance(tolerance("[1, 3]"), 3));
  CHECK_FALSE(within_tolerance(tolerance("[1, 3]"), 4));
  CHECK_FALSE(within_tolerance(tolerance("[1, 3]"), "2"));  // TypeError in Python: not met
  CHECK(within_tolerance(tolerance("[1, 2, 5]"), 5));
  CHECK_FALSE(within_tolerance(tolerance("[1, 2, 5]"), 3));
  CHECK(within_tolerance(tolerance(R"(["a", "b", "c"])"), "b"));
}

TEST_CASE("range tolerance with and without target") {
  CHECK(within_tolerance(tolerance(R"({"type":"range","range":[1,5]})"), 5));
  CHECK(within_tolerance(tolerance(R"({"type":"range","range":[1,5]})"), "4.5"));  // Decimal("4.5")
  CHECK_FALSE(within_tolerance(tolerance(R"({"type":"range","range":[1,5]})"), 5.01));
  CHECK_FALSE(within_tolerance(tolerance(R"({"type":"range","range":[1,5]})"), "abc"));
  CHECK(within_tolerance(tolerance(R"({"type":"range","range":[200,299],"target":"status"})"), kHttp200));
  CHECK_FALSE(within_tolerance(tolerance(R"({"type":"range","range":[200,299],"target":"status"})"), kHttp503));
}

TEST_CASE("regex tolerance searches the value or its target") {
  CHECK(within_tolerance(tolerance(R"({"type":"regex","pattern":"^back"})"), "backend-1"));
  CHECK_FALSE(within_tolerance(tolerance(R"({"type":"regex","pattern":"^end"})"), "backend-1"));
  CHECK(within_tolerance(tolerance(R"({"type":"regex","pattern":"do.n","target":"body"})"), kHttp503));
  CHECK_FALSE(within_tolerance(tolerance(R"({"type":"regex","pattern":"1"})"), 1));  // not a string
}

TEST_CASE("jsonpath tolerance: presence, count and expect") {
  CHECK(within_tolerance(tolerance(R"({"type":"jsonpath","path":"$.body.state"})"), kHttp200));
  CHECK_FALSE(within_tolerance(tolerance(R"({"type":"jsonpath","path":"$.body.nope"})"), kHttp200));
  CHECK(within_tolerance(tolerance(R"({"type":"jsonpath","path":"$.state","target":"body","expect":"closed"})"),
                         kHttp200));
  CHECK_FALSE(within_tolerance(tolerance(R"({"type":"jsonpath","path":"$.state","target":"body","expect":"open"})"),
                               kHttp200));
  // A string body is parsed as JSON first.
  const Json text_body = Json{{"status", 200}, {"body", R"({"items":[{"ok":true},{"ok":false}]})"}};
  CHECK(within_tolerance(tolerance(R"({"type":"jsonpath","path":"$..ok","target":"body","expect":[true,false]})"),
                         text_body));
  CHECK(within_tolerance(tolerance(R"({"type":"jsonpath","path":"$.items[*]","target":"body","count":2})"), text_body));
  CHECK_FALSE(
      within_tolerance(tolerance(R"({"type":"jsonpath","path":"$.items[*]","target":"body","count":3})"), text_body));
  CHECK(within_tolerance(tolerance(R"({"type":"jsonpath","path":"$.items[0].ok","target":"body","expect":true})"),
                         text_body));
}

TEST_CASE("py_truthy follows Python") {
  CHECK_FALSE(py_truthy(nullptr));
  CHECK_FALSE(py_truthy(0));
  CHECK_FALSE(py_truthy(""));
  CHECK_FALSE(py_truthy(Json::array()));
  CHECK_FALSE(py_truthy(Json::object()));
  CHECK(py_truthy(Json{{"status", 500}}));
  CHECK(py_truthy("x"));
  CHECK(py_truthy(0.5));
}
