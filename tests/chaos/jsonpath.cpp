#include "chaos/jsonpath.hpp"

#include <doctest/doctest.h>

using chaoslab::chaos::JsonPath;
using nlohmann::json;

namespace {
const json kDoc = json::parse(R"({"a":{"b":1,"c":[10,20,{"x":3}]},"x":0,"list":[{"x":1},{"y":2},{"x":5}]})");

json match(const char* path) { return json(JsonPath::parse(path).match(kDoc)); }
}  // namespace

TEST_CASE("members, indexes and wildcards") {
  CHECK(match("$") == json::array({kDoc}));
  CHECK(match("$.a.b") == json::array({1}));
  CHECK(match("$['a']['b']") == json::array({1}));
  CHECK(match("$.a.c[0]") == json::array({10}));
  CHECK(match("$.a.c[-1].x") == json::array({3}));
  CHECK(match("$.a.c[7]") == json::array());
  CHECK(match("$.a.*") == json::array({1, json::parse(R"([10,20,{"x":3}])")}));
  CHECK(match("$.list[*].x") == json::array({1, 5}));
  CHECK(match("$.nope.deeper") == json::array());
}

TEST_CASE("recursive descent in document order") {
  CHECK(match("$..x") == json::array({0, 3, 1, 5}));  // pre-order: the root first, members in key order
  CHECK(match("$.list..x") == json::array({1, 5}));
  CHECK(match("$.a..*").size() == 6);  // b, c, 10, 20, {"x":3}, 3
}

TEST_CASE("unsupported syntax is rejected with its offset") {
  CHECK_THROWS_WITH_AS(JsonPath::parse("$.a[?(@.x)]"),
                       "unsupported JSONPath syntax at offset 3 of '$.a[?(@.x)]': expected an index, '*' or a quoted "
                       "name (no filters, slices or unions)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(JsonPath::parse("a.b"), "unsupported JSONPath syntax at offset 0 of 'a.b': a path starts with '$'",
                       std::invalid_argument);
  // stoll's own std::out_of_range would have escaped the callers, which catch invalid_argument.
  CHECK_THROWS_WITH_AS(JsonPath::parse("$.a[99999999999999999999]"),
                       "unsupported JSONPath syntax at offset 3 of '$.a[99999999999999999999]': index out of range",
                       std::invalid_argument);
  CHECK(match("$.a.c[999999999999999999]") == json::array());
  CHECK_THROWS_AS(JsonPath::parse("$.a[0:2]"), std::invalid_argument);
  CHECK_THROWS_AS(JsonPath::parse("$.a[0,1]"), std::invalid_argument);
}
