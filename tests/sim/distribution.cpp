#include "sim/distribution.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "policies/error.hpp"

using namespace chaoslab;
using namespace chaoslab::sim;
using json = nlohmann::json;

namespace {
double sample_mean(const Dist& d, int n, std::uint64_t seed = 1) {
  Rng rng(seed);
  double s = 0;
  for (int i = 0; i < n; ++i) s += d.sample(rng);
  return s / n;
}

std::string error_of(const json& j) {
  try {
    parse_dist(j, "f.json", "/x");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("distributions parse from numbers and objects and round-trip") {
  CHECK(parse_dist(json(2.5), "f", "/x") == Dist::constant(2.5));
  for (const char* text : {R"({"type":"constant","value":3})", R"({"type":"uniform","min":1,"max":2})",
                           R"({"type":"exponential","mean":4})", R"({"type":"lognormal","median":1.5,"sigma":0.3})",
                           R"({"type":"empirical","values":[1,2,7]})"}) {
    CAPTURE(text);
    const Dist d = parse_dist(json::parse(text), "f", "/x");
    CHECK(parse_dist(dist_to_json(d), "f", "/x") == d);
  }
}

TEST_CASE("sample means match the documented means") {
  CHECK(sample_mean(Dist::constant(3), 10) == 3);
  CHECK(sample_mean(Dist::uniform(1, 3), 200000) == doctest::Approx(2).epsilon(0.01));
  CHECK(sample_mean(Dist::exponential(5), 200000) == doctest::Approx(5).epsilon(0.01));
  CHECK(Dist::lognormal(2, 0.5).mean() == doctest::Approx(2 * std::exp(0.125)));
  CHECK(sample_mean(Dist::lognormal(2, 0.5), 200000) == doctest::Approx(2 * std::exp(0.125)).epsilon(0.01));
  const Dist e = parse_dist(json::parse(R"({"type":"empirical","values":[1,2,6]})"), "f", "/x");
  CHECK(e.mean() == 3);
  CHECK(sample_mean(e, 200000) == doctest::Approx(3).epsilon(0.01));
  // A lognormal's median is its parameter.
  Rng rng(3);
  int below = 0;
  for (int i = 0; i < 100000; ++i) below += Dist::lognormal(1.2, 0.4).sample(rng) < 1.2;
  CHECK(below / 100000.0 == doctest::Approx(0.5).epsilon(0.02));
}

TEST_CASE("a constant draws nothing; durations are rounded and never negative") {
  Rng a(9), b(9);
  Dist::constant(1).sample(a);
  CHECK(a.next_u64() == b.next_u64());
  Rng r(1);
  CHECK(Dist::constant(1.5).sample_ms(r) == std::chrono::microseconds(1500));
  CHECK(Dist::constant(0.25).sample_s(r) == std::chrono::milliseconds(250));
  CHECK(Dist::constant(0).sample_s(r) == Duration::zero());
}

TEST_CASE("distribution errors name the pointer") {
  CHECK(error_of(json(-1)) == "f.json: /x: must be between 0 and 1000000000, got -1");
  CHECK(error_of(json("fast")) == "f.json: /x: must be a number or a distribution object {\"type\": ...}");
  CHECK(error_of(json::object()) == "f.json: /x: missing \"type\"");
  CHECK(error_of(json{{"type", 3}}) == "f.json: /x/type: must be a string");
  CHECK(error_of(json{{"type", "uniform"}, {"min", 1}}) == "f.json: /x: missing \"max\"");
  CHECK(error_of(json{{"type", "uniform"}, {"min", "1"}, {"max", 2}}) == "f.json: /x/min: must be a number");
  CHECK(error_of(json{{"type", "lognormal"}, {"median", 1}, {"sigma", 11}}) ==
        "f.json: /x/sigma: must be between 0 and 10, got 11");
  CHECK(error_of(json{{"type", "empirical"}, {"values", json::array()}}) ==
        "f.json: /x/values: must be a non-empty array of numbers");
  CHECK(error_of(json{{"type", "empirical"}, {"values", {1, "a"}}}) == "f.json: /x/values/1: must be a number");
  CHECK(error_of(json{{"type", "exponential"}, {"mean", 1}, {"rate", 2}}) == "f.json: /x/rate: unknown key");
}
