#include "calibrate/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "calibrate/chaos_journal.hpp"
#include "calibrate/fit.hpp"
#include "calibrate/kubernetes_json.hpp"
#include "calibrate/live_folder.hpp"
#include "policies/config.hpp"
#include "policies/error.hpp"

namespace chaoslab::calibrate {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

double micro(double s) { return std::round(s * 1e6) / 1e6; }

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(pos);
  const double frac = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] + frac * (v[i + 1] - v[i]) : v[i];
}

std::string when(const std::string& pod_key, const Stamp& s) {
  if (pod_key.rfind("live:", 0) == 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "t = %.6f s", static_cast<double>(s.us) * 1e-6);
    return buf;
  }
  return format_stamp(s);
}

}  // namespace

Observations read_inputs(const std::vector<std::string>& inputs) {
  if (inputs.empty()) throw ConfigError("calibrate: no inputs");
  Observations obs;
  for (const auto& path : inputs) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      if (!is_live_folder(path))
        throw ConfigError(path + ": a directory without trace.jsonl (not a chaoslab live folder)");
      read_live_folder(path, obs);
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    const json doc = parse_json_text(ss.str(), path);
    if (is_kubernetes_json(doc)) {
      read_kubernetes_json(doc, path, obs);
    } else if (is_chaos_journal(doc)) {
      read_chaos_journal(doc, path, obs);
    } else {
      throw ConfigError(path + ": not Kubernetes JSON (expected `kubectl get pods -o json`, `kubectl get events -o json`, "
                               "a Chaos Toolkit journal or a chaoslab live folder)");
    }
  }
  return obs;
}

json timings_block(const Measurements& m, const std::vector<std::string>& inputs, const CalibrateOptions& options) {
  json block = json::object();
  json cal = json::object();
  cal["format"] = "chaoslab-calibration/1";
  cal["inputs"] = inputs;
  cal["restarts"] = m.pairs.size();
  json pairs = json::array();
  for (const auto& p : m.pairs)
    pairs.push_back({{"deleted", p.deleted.empty() ? json(nullptr) : json(p.deleted)},
                     {"successor", p.successor},
                     {"deleted_at", when(p.successor, p.deleted_at)},
                     {"deletion_from", p.deletion_source}});
  cal["pairs"] = pairs;
  json phases = json::object();
  json not_measured = json::object();
  for (const auto& key : phase_keys()) {
    const auto it = m.phases.find(key);
    if (it == m.phases.end() || it->second.values.empty()) {
      std::string why = "no sample";
      if (it != m.phases.end() && !it->second.skipped.empty()) {
        why = it->second.skipped.front();
        if (it->second.skipped.size() > 1) why += " (and " + std::to_string(it->second.skipped.size() - 1) + " more)";
      }
      not_measured[key] = why + "; the scenario's value stays";
      continue;
    }
    const PhaseSamples& ph = it->second;
    const double resolution = static_cast<double>(ph.resolution_us) * 1e-6;
    json info = {{"samples", ph.values.size()},
                 {"resolution_s", resolution},
                 {"from", ph.sources},
                 {"min", micro(*std::min_element(ph.values.begin(), ph.values.end()))},
                 {"median", micro(quantile(ph.values, 0.5))},
                 {"p90", micro(quantile(ph.values, 0.9))},
                 {"max", micro(*std::max_element(ph.values.begin(), ph.values.end()))}};
    if (!ph.skipped.empty()) info["left_out"] = ph.skipped;
    json dist;
    std::optional<LognormalFit> fit;
    if (ph.values.size() >= options.min_fit_samples) fit = fit_lognormal(ph.values);
    if (fit) {
      info["fit"] = {{"type", "lognormal"}, {"median", micro(fit->median)}, {"sigma", micro(fit->sigma)},
                     {"ks_d", micro(fit->ks_d)}, {"lilliefors_5pct", micro(fit->critical)}};
    }
    if (fit && fit->accepted && resolution < fit->median / 10) {
      dist = {{"type", "lognormal"}, {"median", micro(fit->median)}, {"sigma", micro(fit->sigma)}};
      info["model"] = "lognormal";
    } else {
      json values = json::array();
      // A sample that stands for an interval (a probe period) is written as four points across it:
      // the simulator's own probe ticks then land as the real ones could have.
      static constexpr double kAcross[] = {0.375, 0.125, -0.125, -0.375};
      for (double v : ph.values) {
        if (ph.spread_s > 0) {
          for (double k : kAcross) values.push_back(micro(std::max(0.0, v + k * ph.spread_s)));
        } else {
          values.push_back(micro(v));
        }
      }
      if (ph.spread_s > 0) info["values_per_sample"] = 4;
      dist = {{"type", "empirical"}, {"values", values}};
      std::string why;
      if (ph.values.size() < options.min_fit_samples)
        why = "empirical: fewer than " + std::to_string(options.min_fit_samples) + " samples";
      else if (!fit)
        why = "empirical: a sample is 0 (below the clock's resolution), no lognormal fits";
      else if (!fit->accepted)
        why = "empirical: the lognormal fit is rejected (Lilliefors, 5%)";
      else
        why = "empirical: the clock resolution is over a tenth of the fitted median";
      info["model"] = why;
    }
    block[key] = dist;
    phases[key] = info;
  }
  if (m.grace_period_s) block["termination_grace_period_s"] = *m.grace_period_s;
  cal["phases"] = phases;
  cal["not_measured"] = not_measured;
  if (!m.image_pull_s.empty()) {
    json pulls = json::array();
    for (double v : m.image_pull_s) pulls.push_back(micro(v));
    cal["image_pull_s"] = pulls;  // inside container_start_s
  }
  cal["crash_restarts"] = m.crash_restarts;
  if (m.readiness_period_s) cal["readiness_probe_period_s"] = *m.readiness_period_s;
  if (m.no_probe) cal["readiness_probe"] = "none";
  cal["notes"] = m.notes;
  block["calibration"] = cal;
  return block;
}

json sweep_profile(const json& block, const std::string& name) {
  json set = json::object();
  for (auto it = block.begin(); it != block.end(); ++it) set["/kubernetes/" + it.key()] = it.value();
  return {{"name", name}, {"set", set}};
}

json calibrate_inputs(const std::vector<std::string>& inputs, const CalibrateOptions& options) {
  const Observations obs = read_inputs(inputs);
  return timings_block(measure_restarts(obs), inputs, options);
}

std::string timings_to_text(const json& block) {
  const json& cal = block.at("calibration");
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%zu restart%s paired (deleted pod -> successor)\n",
                cal.at("restarts").get<std::size_t>(), cal.at("restarts").get<std::size_t>() == 1 ? "" : "s");
  out += line;
  std::snprintf(line, sizeof line, "%-18s %7s %10s %10s %10s  %s\n", "phase", "samples", "median s", "p90 s", "clock s", "model");
  out += line;
  for (auto it = cal.at("phases").begin(); it != cal.at("phases").end(); ++it) {
    const json& p = it.value();
    std::snprintf(line, sizeof line, "%-18s %7zu %10.3f %10.3f %10g  %s\n", it.key().c_str(),
                  p.at("samples").get<std::size_t>(), p.at("median").get<double>(), p.at("p90").get<double>(),
                  p.at("resolution_s").get<double>(), p.at("model").get<std::string>().c_str());
    out += line;
  }
  for (auto it = cal.at("not_measured").begin(); it != cal.at("not_measured").end(); ++it)
    out += "not measured: " + it.key() + ": " + it.value().get<std::string>() + "\n";
  for (const auto& n : cal.at("notes")) out += "note: " + n.get<std::string>() + "\n";
  return out;
}

}  // namespace chaoslab::calibrate
