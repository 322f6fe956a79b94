// Random durations and delays of the models (service times, hop latencies, start-up times), drawn
// from the run's own streams with the project's Rng (never std:: distributions). Values are in the
// unit of the scenario field that holds the distribution (the field name says it: *_ms or *_s).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "policies/rng.hpp"
#include "policies/time.hpp"

namespace chaoslab::sim {

struct Dist {
  enum class Kind : std::uint8_t {
    constant,     // value a                       (draws nothing)
    uniform,      // U(a, b)
    exponential,  // mean a
    lognormal,    // median a, sigma b: exp(N(ln a, b))
    empirical,    // one of `values`, each equally likely
  };
  Kind kind = Kind::constant;
  double a = 0;
  double b = 0;
  std::vector<double> values;

  static Dist constant(double v) { return Dist{Kind::constant, v, 0, {}}; }
  static Dist uniform(double lo, double hi) { return Dist{Kind::uniform, lo, hi, {}}; }
  static Dist exponential(double mean) { return Dist{Kind::exponential, mean, 0, {}}; }
  static Dist lognormal(double median, double sigma) { return Dist{Kind::lognormal, median, sigma, {}}; }

  // Uniform and constant inline: the network hop and most Kubernetes delays are uniform, drawn
  // twice per request (a call into distribution.cpp and its switch cost more than the draw).
  double sample(Rng& rng) const {
    if (kind == Kind::uniform) return rng.uniform(a, b);
    if (kind == Kind::constant) return a;
    return sample_other(rng);
  }
  double mean() const;
  // Samples in seconds / milliseconds as a Duration (never negative).
  Duration sample_s(Rng& rng) const { return to_duration(sample(rng) * 1e9); }
  Duration sample_ms(Rng& rng) const { return to_duration(sample(rng) * 1e6); }
  bool is_zero() const { return kind == Kind::constant && a == 0; }

  bool operator==(const Dist&) const = default;

 private:
  double sample_other(Rng& rng) const;
  static Duration to_duration(double ns) {
    return ns <= 0 ? Duration::zero() : Duration(static_cast<std::int64_t>(ns + 0.5));
  }
};

// Parses a distribution: a number (constant) or {"type": "constant", "value"} |
// {"type": "uniform", "min", "max"} | {"type": "exponential", "mean"} |
// {"type": "lognormal", "median", "sigma"} | {"type": "empirical", "values": [...]}.
// Every value must be finite and >= 0 (`max_value` bounds them). Errors:
// ConfigError "FILE: /pointer: what".
Dist parse_dist(const nlohmann::json& j, const std::string& file, const std::string& pointer,
                double max_value = 1e9);
nlohmann::json dist_to_json(const Dist& d);

}  // namespace chaoslab::sim
