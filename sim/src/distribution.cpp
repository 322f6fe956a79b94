#include "sim/distribution.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "policies/error.hpp"
#include "sim/format_number.hpp"

namespace chaoslab::sim {

double Dist::sample_other(Rng& rng) const {
  switch (kind) {
    case Kind::constant: return a;
    case Kind::uniform: return rng.uniform(a, b);
    case Kind::exponential: return rng.exponential(a);
    case Kind::lognormal: return a * std::exp(rng.normal(0.0, b));
    case Kind::empirical:
      return values[static_cast<std::size_t>(
          rng.uniform_int(0, static_cast<std::int64_t>(values.size()) - 1))];
  }
  return a;
}

double Dist::mean() const {
  switch (kind) {
    case Kind::constant: return a;
    case Kind::uniform: return (a + b) / 2;
    case Kind::exponential: return a;
    case Kind::lognormal: return a * std::exp(b * b / 2);
    case Kind::empirical: {
      double s = 0;
      for (double v : values) s += v;
      return values.empty() ? 0 : s / static_cast<double>(values.size());
    }
  }
  return a;
}

namespace {


std::string range_error(double max_value, const nlohmann::json& v) {
  return "must be between 0 and " + format_config_number(max_value) + ", got " + v.dump();
}

[[noreturn]] void fail(const std::string& file, const std::string& pointer, const std::string& what) {
  throw ConfigError(file + ": " + (pointer.empty() ? "/" : pointer) + ": " + what);
}

double number(const nlohmann::json& j, const char* key, const std::string& file,
              const std::string& pointer, double max_value) {
  const std::string p = pointer + "/" + key;
  if (!j.contains(key)) fail(file, pointer, std::string("missing \"") + key + "\"");
  const auto& v = j.at(key);
  if (!v.is_number()) fail(file, p, "must be a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < 0 || x > max_value) fail(file, p, range_error(max_value, v));
  return x;
}

void only_keys(const nlohmann::json& j, std::initializer_list<const char*> keys,
               const std::string& file, const std::string& pointer) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* k : keys) known = known || it.key() == k;
    if (!known) fail(file, pointer + "/" + it.key(), "unknown key");
  }
}

}  // namespace

Dist parse_dist(const nlohmann::json& j, const std::string& file, const std::string& pointer,
                double max_value) {
  if (j.is_number()) {
    const double x = j.get<double>();
    if (!std::isfinite(x) || x < 0 || x > max_value) fail(file, pointer, range_error(max_value, j));
    return Dist::constant(x);
  }
  if (!j.is_object())
    fail(file, pointer, "must be a number or a distribution object {\"type\": ...}");
  if (!j.contains("type")) fail(file, pointer, "missing \"type\"");
  if (!j.at("type").is_string()) fail(file, pointer + "/type", "must be a string");
  const std::string type = j.at("type").get<std::string>();
  if (type == "constant") {
    only_keys(j, {"type", "value"}, file, pointer);
    return Dist::constant(number(j, "value", file, pointer, max_value));
  }
  if (type == "uniform") {
    only_keys(j, {"type", "min", "max"}, file, pointer);
    const double lo = number(j, "min", file, pointer, max_value);
    const double hi = number(j, "max", file, pointer, max_value);
    if (hi < lo) fail(file, pointer + "/max", "must be >= min");
    return Dist::uniform(lo, hi);
  }
  if (type == "exponential") {
    only_keys(j, {"type", "mean"}, file, pointer);
    return Dist::exponential(number(j, "mean", file, pointer, max_value));
  }
  if (type == "lognormal") {
    only_keys(j, {"type", "median", "sigma"}, file, pointer);
    const double median = number(j, "median", file, pointer, max_value);
    const double sigma = number(j, "sigma", file, pointer, 10.0);
    return Dist::lognormal(median, sigma);
  }
  if (type == "empirical") {
    only_keys(j, {"type", "values"}, file, pointer);
    if (!j.contains("values")) fail(file, pointer, "missing \"values\"");
    const auto& vs = j.at("values");
    if (!vs.is_array() || vs.empty()) fail(file, pointer + "/values", "must be a non-empty array of numbers");
    Dist d;
    d.kind = Dist::Kind::empirical;
    for (std::size_t i = 0; i < vs.size(); ++i) {
      const std::string p = pointer + "/values/" + std::to_string(i);
      if (!vs[i].is_number()) fail(file, p, "must be a number");
      const double x = vs[i].get<double>();
      if (!std::isfinite(x) || x < 0 || x > max_value) fail(file, p, range_error(max_value, vs[i]));
      d.values.push_back(x);
    }
    return d;
  }
  fail(file, pointer + "/type",
       "unknown distribution \"" + type + "\" (supported: constant, uniform, exponential, lognormal, empirical)");
}

nlohmann::json dist_to_json(const Dist& d) {
  switch (d.kind) {
    case Dist::Kind::constant: return {{"type", "constant"}, {"value", d.a}};
    case Dist::Kind::uniform: return {{"type", "uniform"}, {"min", d.a}, {"max", d.b}};
    case Dist::Kind::exponential: return {{"type", "exponential"}, {"mean", d.a}};
    case Dist::Kind::lognormal: return {{"type", "lognormal"}, {"median", d.a}, {"sigma", d.b}};
    case Dist::Kind::empirical: return {{"type", "empirical"}, {"values", d.values}};
  }
  return nullptr;
}

}  // namespace chaoslab::sim
