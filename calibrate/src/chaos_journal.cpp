#include "calibrate/chaos_journal.hpp"

#include "policies/error.hpp"

namespace chaoslab::calibrate {

using json = nlohmann::json;

bool is_chaos_journal(const json& doc) {
  return doc.is_object() && doc.contains("run") && doc.at("run").is_array() && doc.contains("experiment");
}

void read_chaos_journal(const json& doc, const std::string& file, Observations& obs) {
  const json& run = doc.at("run");
  for (std::size_t i = 0; i < run.size(); ++i) {
    const json& r = run[i];
    const std::string at = file + ": /run/" + std::to_string(i);
    if (!r.is_object() || !r.contains("activity") || !r.at("activity").is_object()) continue;
    const json& a = r.at("activity");
    if (a.value("type", "") != "action" || !a.contains("provider") || !a.at("provider").is_object()) continue;
    const json& p = a.at("provider");
    if (!p.contains("func") || p.at("func") != "terminate_pods") continue;
    if (r.contains("status") && r.at("status") != "succeeded") {
      obs.notes.push_back(at + ": terminate_pods did not succeed: not counted");
      continue;
    }
    auto stamp = [&](const char* key) {
      if (!r.contains(key) || !r.at(key).is_string()) throw ConfigError(at + "/" + key + ": missing or not a string");
      auto s = parse_stamp(r.at(key).get<std::string>());
      if (!s) throw ConfigError(at + "/" + key + ": not an ISO 8601 time: " + r.at(key).dump());
      return *s;
    };
    const Stamp start = stamp("start");
    Stamp when = stamp("end");
    when.resolution_us = std::max(when.resolution_us, when.us - start.us);
    const json args = p.contains("arguments") && p.at("arguments").is_object() ? p.at("arguments") : json::object();
    const std::string ns = args.contains("ns") && args.at("ns").is_string() ? args.at("ns").get<std::string>() : "default";
    const json* out = r.contains("output") ? &r.at("output") : nullptr;
    if (out && out->is_array() && !out->empty() && (*out)[0].is_string()) {
      for (const auto& name : *out) {
        if (!name.is_string()) continue;
        PodObs& pod = obs.pod(ns, name.get<std::string>(), file);
        note_deletion(pod, when, "Chaos Toolkit journal (terminate_pods end)");
      }
    } else {
      Observations::AnonymousKill k;
      k.ns = ns;
      k.selector = args.contains("label_selector") && args.at("label_selector").is_string()
                       ? args.at("label_selector").get<std::string>()
                       : "";
      k.source = file;
      k.at = when;
      obs.anonymous_kills.push_back(std::move(k));
    }
  }
  obs.inputs.push_back(file);
}

}  // namespace chaoslab::calibrate
