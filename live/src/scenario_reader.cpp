#include "live/scenario_reader.hpp"

#include "policies/error.hpp"

namespace chaoslab::live {

Duration Delay::sample_s(Rng& rng) const {
  double v = a;
  switch (kind) {
    case Kind::constant: break;
    case Kind::uniform: v = rng.uniform(a, b); break;
    case Kind::exponential: v = rng.exponential(a); break;
    case Kind::lognormal: v = rng.lognormal(std::log(a), b); break;
    case Kind::empirical:
      v = values.empty() ? 0.0
                         : values[static_cast<std::size_t>(
                               rng.uniform_int(0, static_cast<std::int64_t>(values.size()) - 1))];
      break;
  }
  return v <= 0 ? Duration{0} : from_seconds(v);
}

Delay parse_delay(const nlohmann::json&, const std::string& file, const std::string& pointer) {
  throw ConfigError(file + ": " + pointer + ": not supported yet");
}

LiveScenario read_live_scenario(const std::string& path) {
  throw ConfigError(path + ": live scenarios are not supported in this build yet");
}

}  // namespace chaoslab::live
