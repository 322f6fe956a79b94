// sim::set_at_pointer: the one pointer walk behind `run --set`, `tune --set` and sweep axes.
#include <doctest/doctest.h>

#include "policies/error.hpp"
#include "sim/json_pointer.hpp"

using chaoslab::ConfigError;
using chaoslab::sim::set_at_pointer;
using nlohmann::json;

namespace {
json::json_pointer P(const char* s) { return json::json_pointer(s); }
}  // namespace

TEST_CASE("set_at_pointer creates missing members, replaces values and appends with -") {
  json doc = {{"a", {{"b", 1}}}, {"arr", {1, 2}}, {"n", nullptr}};
  set_at_pointer(doc, P("/a/c/d"), 5, "p", false);
  set_at_pointer(doc, P("/a/b"), "x", "p", false);
  set_at_pointer(doc, P("/arr/0"), json::object(), "p", false);
  set_at_pointer(doc, P("/n/k"), true, "p", false);  // null becomes an object
  set_at_pointer(doc, P("/arr/-"), 3, "p", true);
  set_at_pointer(doc, P("/a~1b/c~0d"), 7, "p", false);  // RFC 6901 escapes
  CHECK(doc == json::parse(R"({"a":{"b":"x","c":{"d":5}},"arr":[{},2,3],"n":{"k":true},"a/b":{"c~d":7}})"));
}

TEST_CASE("set_at_pointer names where the walk stopped") {
  json doc = {{"arr", {1, 2}}, {"num", 4}, {"s", "t"}};
  CHECK_THROWS_WITH_AS(set_at_pointer(doc, P("/arr/2"), 1, "p", false),
                       "p: /arr/2 is not an element of the array (it has 2)", ConfigError);
  CHECK_THROWS_WITH_AS(set_at_pointer(doc, P("/arr/-"), 1, "p", false),
                       "p: /arr/- is not an element of the array (it has 2)", ConfigError);
  CHECK_THROWS_WITH_AS(set_at_pointer(doc, P("/arr/-/x"), 1, "p", true),
                       "p: /arr/- is not an element of the array (it has 2)", ConfigError);
  CHECK_THROWS_WITH_AS(set_at_pointer(doc, P("/arr/01x"), 1, "p", false),
                       "p: /arr/01x is not an element of the array (it has 2)", ConfigError);
  // Twenty digits and more: no std::out_of_range from the index conversion.
  CHECK_THROWS_WITH_AS(set_at_pointer(doc, P("/arr/99999999999999999999999"), 1, "p", false),
                       "p: /arr/99999999999999999999999 is not an element of the array (it has 2)", ConfigError);
  CHECK_THROWS_WITH_AS(set_at_pointer(doc, P("/num/x/y"), 1, "p", false), "p: /num is a number, not an object or array",
                       ConfigError);
  CHECK_THROWS_WITH_AS(set_at_pointer(doc, P("/s/x"), 1, "p", false), "p: /s is a string, not an object or array",
                       ConfigError);
  CHECK(doc == json::parse(R"({"arr":[1,2],"num":4,"s":"t"})"));
}
