#include "calibrate/live_folder.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "policies/error.hpp"
#include "sim/scenario.hpp"

namespace chaoslab::calibrate {

namespace fs = std::filesystem;
using json = nlohmann::json;

bool is_live_folder(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::is_regular_file(fs::path(dir) / "trace.jsonl", ec);
}

void read_live_folder(const std::string& dir, Observations& obs) {
  const std::string file = (fs::path(dir) / "trace.jsonl").string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file + ": cannot open");
  const std::string ns = "live:" + dir;
  std::string line;
  int n = 0;
  bool meta = false;
  std::optional<double> period;
  bool probe_known = false;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    const std::string where = file + ": line " + std::to_string(n);
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception&) {
      throw ConfigError(where + ": not JSON");
    }
    if (!j.is_object() || !j.contains("event") || !j.at("event").is_string() || !j.contains("t") ||
        !j.at("t").is_number())
      throw ConfigError(where + ": expected a trace line {\"t\": seconds, \"event\": ...}");
    const std::string event = j.at("event").get<std::string>();
    if (n == 1) {
      if (event != "meta") throw ConfigError(file + ": not a chaoslab trace (the first line is not \"meta\")");
      meta = true;
      // The probe decides what "Ready" adds to the application's start.
      if (j.contains("scenario") && j.at("scenario").is_string()) {
        try {
          const sim::Scenario sc = sim::load_scenario_file(j.at("scenario").get<std::string>());
          probe_known = true;
          if (sc.kubernetes.readiness) period = to_seconds(sc.kubernetes.readiness->period);
        } catch (const std::exception&) {
          obs.notes.push_back(file + ": its scenario " + j.at("scenario").dump() +
                              " cannot be read here: the readiness probe is unknown");
        }
      }
      continue;
    }
    if (event != "pod") continue;
    if (!j.contains("pod") || !j.at("pod").is_string() || !j.contains("phase") || !j.at("phase").is_string())
      throw ConfigError(where + ": a pod line needs \"pod\" and \"phase\" strings");
    const double t = j.at("t").get<double>();
    if (!std::isfinite(t) || t < 0 || t > 1e9) throw ConfigError(where + ": /t: out of range");
    const Stamp s{std::llround(t * 1e6), 1};
    const std::string name = j.at("pod").get<std::string>();
    const std::string phase = j.at("phase").get<std::string>();
    const bool ready = j.value("ready", false);
    PodObs& p = obs.pod(ns, name, file);
    if (p.owner.empty()) {
      const auto dash = name.rfind('-');
      p.owner = "live/" + (dash == std::string::npos ? name : name.substr(0, dash));
      p.probe_known = probe_known;
      p.probe_period_s = period;
    }
    if (phase == "Pending") {
      keep_first(p.created, s);
    } else if (phase == "ContainerCreating") {
      keep_first(p.scheduled, s);
    } else if (phase == "Running") {
      if (p.created) keep_first(p.containers_started, s);  // the initial pod's line is no start
      if (ready) keep_first(p.ready, s);
    } else if (phase == "Terminating") {
      note_deletion(p, s, "live trace (Terminating)");
    } else if (phase == "Deleted") {
      keep_first(p.exited, s);
    } else if (phase == "Crashed") {
      ++p.crashes;
    }
  }
  if (!meta) throw ConfigError(file + ": empty (not a chaoslab trace)");
  obs.inputs.push_back(dir);
}

}  // namespace chaoslab::calibrate
