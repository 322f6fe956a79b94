#include "calibrate/provenance.hpp"

#include "calibrate/pairing.hpp"

namespace chaoslab::calibrate {

using json = nlohmann::json;

std::string describe_timings(const json& doc) {
  const json* k = nullptr;
  if (doc.is_object() && doc.contains("kubernetes") && doc.at("kubernetes").is_object()) k = &doc.at("kubernetes");
  const json* cal = k && k->contains("calibration") && k->at("calibration").is_object() ? &k->at("calibration") : nullptr;
  if (!cal || !cal->contains("phases") || !cal->at("phases").is_object()) {
    std::string set;
    for (const auto& key : phase_keys())
      if (k && k->contains(key)) set += (set.empty() ? "" : ", ") + key;
    return "restart timings: not calibrated (" +
           (set.empty() ? std::string("the simulator's defaults") : "the scenario's own " + set + ", defaults for the rest") +
           "; `chaoslab calibrate` measures them on a cluster)";
  }
  std::string line = "restart timings: calibrated from ";
  const auto restarts = cal->value("restarts", 0);
  line += std::to_string(restarts) + " restart" + (restarts == 1 ? "" : "s");
  if (cal->contains("inputs") && cal->at("inputs").is_array()) {
    std::string in;
    for (const auto& i : cal->at("inputs"))
      if (i.is_string()) in += (in.empty() ? "" : ", ") + i.get<std::string>();
    if (!in.empty()) line += " (" + in + ")";
  }
  line += ":";
  std::string sep = " ";
  for (auto it = cal->at("phases").begin(); it != cal->at("phases").end(); ++it) {
    if (!it->is_object()) continue;
    line += sep + it.key() + " " + std::to_string(it->value("samples", 0)) + " samples";
    sep = ", ";
  }
  if (cal->contains("not_measured") && cal->at("not_measured").is_object() && !cal->at("not_measured").empty()) {
    line += "; not measured (scenario values):";
    sep = " ";
    for (auto it = cal->at("not_measured").begin(); it != cal->at("not_measured").end(); ++it) {
      line += sep + it.key();
      sep = ", ";
    }
  }
  return line;
}

}  // namespace chaoslab::calibrate
