#include "sim/sweep_spec.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "policies/error.hpp"

using chaoslab::ConfigError;
using nlohmann::json;
namespace sim = chaoslab::sim;
namespace fs = std::filesystem;

namespace {

// A scratch directory with a tiny scenario document (the sweep reads it as JSON; nothing runs).
struct Scratch {
  fs::path dir;
  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "chaoslab-sweep-spec-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    std::ofstream(dir / "base.json") << R"({"duration_s": 60, "policies": {"breaker": {"reset_timeout": 1}},
                                           "clients": [{"profile": "lab3"}], "list": [1, 2]})";
  }
  ~Scratch() { fs::remove_all(dir); }
  sim::SweepSpec parse(const json& doc) const { return sim::parse_sweep(doc, "s.json", dir); }
  std::string error(const json& doc) const {
    try {
      parse(doc);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }
};

json with_axes(json axes) { return {{"scenario", "base.json"}, {"axes", std::move(axes)}}; }

}  // namespace

TEST_CASE("grid points: the first axis varies slowest, profiles by name, seeds per point") {
  Scratch s;
  const auto spec = s.parse({{"scenario", "base.json"},
                             {"axes", json::array({{{"name", "cd"}, {"pointer", "/policies/breaker/reset_timeout"},
                                                    {"values", {1, 5}}},
                                                   {{"name", "restart"},
                                                    {"profiles", json::array({{{"name", "fast"}, {"set", {{"/duration_s", 10}}}},
                                                                              {{"name", "slow"}, {"set", {{"/duration_s", 20}}}},
                                                                              {{"name", "x"}, {"set", {{"/duration_s", 30}}}}})}}})},
                             {"seeds", {{"count", 7}, {"first", 100}}}});
  const auto points = sim::sweep_points(spec);
  REQUIRE(points.size() == 6);
  CHECK(sim::point_params(spec, points[0]).dump() == R"({"cd":1,"restart":"fast"})");
  CHECK(sim::point_params(spec, points[2]).dump() == R"({"cd":1,"restart":"x"})");
  CHECK(sim::point_params(spec, points[3]).dump() == R"({"cd":5,"restart":"fast"})");
  const auto ov = sim::point_overrides(spec, points[4]);
  REQUIRE(ov.size() == 2);
  CHECK(ov[0].first == "/policies/breaker/reset_timeout");
  CHECK(ov[0].second == 5);
  CHECK(ov[1].first == "/duration_s");
  CHECK(ov[1].second == 20);
  CHECK(spec.seeds == 7);
  CHECK(spec.first_seed == 100);
  CHECK(spec.canonical()["runs"] == 42);
}

TEST_CASE("linear and log ranges give tidy levels with exact ends") {
  Scratch s;
  const auto spec = s.parse(with_axes(json::array(
      {{{"pointer", "/duration_s"}, {"linear", {{"from", 0}, {"to", 1}, {"count", 11}}}},
       {{"pointer", "/policies/breaker/reset_timeout"}, {"log", {{"from", 0.5}, {"to", 50}, {"count", 3}}}}})));
  CHECK(spec.axes[0].name == "duration_s");
  CHECK(spec.axes[0].values[3].get<double>() == 0.3);  // not 0.30000000000000004
  CHECK(spec.axes[0].values[10].get<double>() == 1.0);
  CHECK(spec.axes[1].values[0].get<double>() == 0.5);
  CHECK(spec.axes[1].values[1].get<double>() == doctest::Approx(5.0));
  CHECK(spec.axes[1].values[2].get<double>() == 50.0);
  CHECK(sim::sweep_points(spec).size() == 33);
}

TEST_CASE("integer axes round their values") {
  Scratch s;
  const auto spec = s.parse(with_axes(json::array(
      {{{"pointer", "/duration_s"}, {"integer", true}, {"log", {{"from", 1}, {"to", 100}, {"count", 4}}}}})));
  CHECK(json(spec.axes[0].values).dump() == "[1,5,22,100]");
}

TEST_CASE("random and Latin hypercube designs are reproducible from their seed") {
  Scratch s;
  auto doc = [](const char* type, int seed) {
    return json{{"scenario", "base.json"},
                {"axes", json::array({{{"pointer", "/duration_s"}, {"linear", {{"from", 0}, {"to", 10}}}},
                                      {{"pointer", "/policies/breaker/reset_timeout"}, {"values", {1, 2, 3, 4}}}})},
                {"design", {{"type", type}, {"samples", 40}, {"seed", seed}}}};
  };
  for (const char* type : {"random", "latin_hypercube"}) {
    const auto a = sim::sweep_points(s.parse(doc(type, 3)));
    const auto b = sim::sweep_points(s.parse(doc(type, 3)));
    const auto c = sim::sweep_points(s.parse(doc(type, 4)));
    REQUIRE(a.size() == 40);
    bool same_ab = true, same_ac = true;
    for (std::size_t i = 0; i < a.size(); ++i) {
      same_ab = same_ab && a[i].values == b[i].values;
      same_ac = same_ac && a[i].values == c[i].values;
    }
    CHECK(same_ab);
    CHECK_FALSE(same_ac);
  }
  // Latin hypercube: exactly one sample in each of the 40 strata of the continuous axis, and each
  // of the 4 discrete levels drawn 10 times.
  const auto lhs = sim::sweep_points(s.parse(doc("latin_hypercube", 9)));
  std::set<int> strata;
  std::map<int, int> levels;
  for (const auto& p : lhs) {
    strata.insert(static_cast<int>(std::floor(p.values[0].get<double>() / 10.0 * 40)));
    levels[p.values[1].get<int>()] += 1;
  }
  CHECK(strata.size() == 40);
  CHECK(levels == std::map<int, int>{{1, 10}, {2, 10}, {3, 10}, {4, 10}});
}

TEST_CASE("sweep file errors name the file and the JSON pointer") {
  Scratch s;
  CHECK(s.error({{"axes", json::array()}}) ==
        "s.json: /scenario: missing (the path of the base scenario, relative to the sweep file)");
  CHECK(s.error({{"scenario", "nope.json"}, {"axes", json::array()}}) ==
        "s.json: /scenario: " + (s.dir / "nope.json").string() + ": no such file");
  CHECK(s.error({{"scenario", "base.json"}, {"axes", json::array()}, {"sets", json::object()}}) ==
        "s.json: /sets: unknown key (expected one of: description, scenario, set, axes, design, seeds)");
  CHECK(s.error(with_axes(json::array({{{"pointer", "duration_s"}, {"values", {1}}}}))) ==
        "s.json: /axes/0/pointer: \"duration_s\" is not a JSON pointer (it must start with '/')");
  CHECK(s.error(with_axes(json::array({{{"pointer", "/duration_s"}}}))) ==
        "s.json: /axes/0: an axis needs exactly one of \"values\", \"linear\", \"log\" or \"profiles\"");
  CHECK(s.error(with_axes(json::array({{{"pointer", "/duration_s"}, {"values", json::array()}}}))) ==
        "s.json: /axes/0/values: expected a non-empty array");
  CHECK(s.error(with_axes(json::array({{{"pointer", "/duration_s"}, {"linear", {{"from", 1}, {"to", 2}}}}}))) ==
        "s.json: /axes/0/linear/count: missing (a grid design needs the number of levels)");
  CHECK(s.error(with_axes(json::array({{{"pointer", "/duration_s"}, {"log", {{"from", 0}, {"to", 2}, {"count", 2}}}}}))) ==
        "s.json: /axes/0/log/from: a log range needs from > 0");
  CHECK(s.error(with_axes(json::array({{{"pointer", "/duration_s"}, {"values", {1}}, {"step", 2}}}))) ==
        "s.json: /axes/0/step: unknown key (expected one of: name, pointer, values, linear, log, profiles, integer)");
  CHECK(s.error(with_axes(json::array({{{"pointer", "/duration_s"}, {"values", {1}}},
                                       {{"pointer", "/x/duration_s"}, {"values", {2}}}}))) ==
        "s.json: /axes/1/name: duplicate axis name \"duration_s\" (name the axes apart with \"name\")");
  CHECK(s.error(with_axes(json::array({{{"pointer", "/list/5"}, {"values", {1}}}}))) ==
        "s.json: /axes/0/pointer: base.json: /list/5: /list/5 is not an element of the array (it has 2)");
  CHECK(s.error(with_axes(json::array({{{"pointer", "/duration_s/x"}, {"values", {1}}}}))) ==
        "s.json: /axes/0/pointer: base.json: /duration_s/x: /duration_s is a number, not an object or array");
  CHECK(s.error(with_axes(json::array({{{"name", "r"}, {"profiles", json::array({{{"name", "a"}, {"set", {{"/duration_s", 1}}}},
                                                                                 {{"name", "a"}, {"set", {{"/duration_s", 2}}}}})}}}))) ==
        "s.json: /axes/0/profiles/1/name: duplicate profile name \"a\"");
  CHECK(s.error({{"scenario", "base.json"}, {"axes", json::array()}, {"design", {{"type", "sobol"}}}}) ==
        "s.json: /design/type: unknown design \"sobol\" (expected grid, random or latin_hypercube)");
  CHECK(s.error({{"scenario", "base.json"}, {"axes", json::array()}, {"design", {{"type", "random"}}}}) ==
        "s.json: /design/samples: missing (how many points to draw)");
  CHECK(s.error({{"scenario", "base.json"}, {"axes", json::array()}, {"design", {{"type", "grid"}, {"samples", 3}}}}) ==
        "s.json: /design/samples: a grid runs every combination; samples is for random and latin_hypercube");
  CHECK(s.error({{"scenario", "base.json"}, {"axes", json::array()}, {"seeds", {{"count", 0}}}}) ==
        "s.json: /seeds/count: must be at least 1, got 0");
  CHECK(s.error({{"scenario", "base.json"}, {"axes", json::array()}, {"seeds", 2.5}}) ==
        "s.json: /seeds: expected an integer, got 2.5");
}

TEST_CASE("set_pointer creates object members like run --set and refuses to leave arrays") {
  json doc = {{"a", {{"b", 1}}}, {"arr", {1, 2}}};
  sim::set_pointer(doc, "/a/c/d", 5, "f");
  CHECK(doc["a"]["c"]["d"] == 5);
  sim::set_pointer(doc, "/arr/1", "x", "f");
  CHECK(doc["arr"][1] == "x");
  CHECK_THROWS_WITH_AS(sim::set_pointer(doc, "/arr/2", 1, "f"), "f: /arr/2: /arr/2 is not an element of the array (it has 2)",
                       ConfigError);
  CHECK_THROWS_WITH_AS(sim::set_pointer(doc, "/arr/-", 1, "f"), "f: /arr/-: /arr/- is not an element of the array (it has 2)",
                       ConfigError);
  CHECK_THROWS_WITH_AS(sim::set_pointer(doc, "", 1, "f"), "f: the empty pointer \"\" would replace the whole scenario", ConfigError);
}

TEST_CASE("canonical() changes with the scenario's content") {
  Scratch s;
  const json doc = with_axes(json::array({{{"pointer", "/duration_s"}, {"values", {1, 2}}}}));
  const json a = s.parse(doc).canonical();
  std::ofstream(s.dir / "base.json") << R"({"duration_s": 61})";
  const json b = s.parse(doc).canonical();
  CHECK(a["axes"] == b["axes"]);
  CHECK(a["scenario_fingerprint"] != b["scenario_fingerprint"]);
}
