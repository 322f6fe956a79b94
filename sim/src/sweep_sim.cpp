#include "sim/sweep_sim.hpp"

#include <cmath>
#include <deque>
#include <exception>
#include <future>
#include <mutex>

#include "policies/error.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"

namespace chaoslab::sim {

using nlohmann::json;

namespace {

Scenario load_point(const SweepSpec& spec, const std::vector<Override>& overrides) {
  json doc = spec.scenario;
  for (const auto& [ptr, value] : overrides) set_pointer(doc, ptr, value, spec.scenario_file.string());
  return load_scenario(doc, spec.scenario_file.string());
}

class ScenarioRun final : public PointRun {
 public:
  ScenarioRun(std::shared_ptr<const Scenario> s, const std::string& key, std::unique_ptr<RunExtension> ext)
      : scenario_(std::move(s)), key_(key), ext_(std::move(ext)) {}

  std::string run(std::uint64_t seed) override {
    if (!ext_) return run_scenario(*scenario_, seed).summary.to_json();
    ext_->reset();
    RunOptions opts;
    opts.sink = ext_.get();
    const RunResult r = run_scenario(*scenario_, seed, opts);
    std::string text = r.summary.to_json();
    text.pop_back();  // the closing brace
    text += ",\"" + key_ + "\":" + ext_->finish(r.summary).dump() + "}";
    return text;
  }

  // Without an extension the summary's numbers are at hand: the line gets its text and the
  // statistics get the numbers it reads back as, with no scan of the text.
  void run_into(std::uint64_t seed, std::string& line, RunMetrics& metrics) override {
    if (ext_) return PointRun::run_into(seed, line, metrics);
    const RunResult r = run_scenario(*scenario_, seed);
    r.summary.append_json(line);
    summary_metrics(r.summary, metrics);
  }

 private:
  std::shared_ptr<const Scenario> scenario_;
  std::string key_;
  std::unique_ptr<RunExtension> ext_;
};

class ScenarioModel final : public SweepModel {
 public:
  ScenarioModel(const SweepSpec& spec, std::string key, RunExtensionFactory ext)
      : spec_(spec), key_(std::move(key)), ext_(std::move(ext)) {}

  std::unique_ptr<PointRun> prepare(const std::vector<Override>& overrides) const override {
    json key_j = json::array();
    for (const auto& [p, v] : overrides) key_j.push_back({p, v});
    const std::string key = key_j.dump();
    // Workers reach a new point at about the same time: the first one loads it, the others wait
    // for that load instead of repeating it (with --jobs 2 every point was loaded twice).
    std::promise<std::shared_ptr<const Scenario>> mine;
    std::shared_future<std::shared_ptr<const Scenario>> loaded;
    bool load = false;
    {
      std::lock_guard lock(mu_);
      for (const auto& [k, f] : cache_)
        if (k == key) loaded = f;
      if (!loaded.valid()) {
        loaded = mine.get_future().share();
        load = true;
        cache_.emplace_back(key, loaded);
        if (cache_.size() > 16) cache_.pop_front();
      }
    }
    if (load) {
      try {
        mine.set_value(std::make_shared<const Scenario>(load_point(spec_, overrides)));
      } catch (...) {
        // Not kept: a later prepare of this point tries again (and fails the same way).
        {
          std::lock_guard lock(mu_);
          for (auto it = cache_.begin(); it != cache_.end(); ++it)
            if (it->first == key) {
              cache_.erase(it);
              break;
            }
        }
        mine.set_exception(std::current_exception());
      }
    }
    return make_run(loaded.get());  // rethrows the loading worker's error
  }

 private:
  std::unique_ptr<PointRun> make_run(std::shared_ptr<const Scenario> s) const {
    return std::make_unique<ScenarioRun>(std::move(s), key_, ext_ ? ext_() : nullptr);
  }

  const SweepSpec& spec_;
  std::string key_;
  RunExtensionFactory ext_;
  mutable std::mutex mu_;
  // The last points prepared (or being loaded): workers run the seeds of the same few points at
  // a time.
  mutable std::deque<std::pair<std::string, std::shared_future<std::shared_ptr<const Scenario>>>> cache_;
};

}  // namespace

std::unique_ptr<SweepModel> make_scenario_model(const SweepSpec& spec, std::string extension_key,
                                                RunExtensionFactory extension) {
  return std::make_unique<ScenarioModel>(spec, std::move(extension_key), std::move(extension));
}

void validate_sweep(const SweepSpec& spec) {
  SweepPoint base;
  base.values.resize(spec.axes.size());
  base.profile.assign(spec.axes.size(), -1);
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    const auto& axis = spec.axes[a];
    if (axis.kind == SweepAxis::Kind::profiles) {
      base.values[a] = axis.profiles[0].name;
      base.profile[a] = 0;
    } else {
      base.values[a] = axis.values.empty() ? json(axis.from) : axis.values[0];
    }
  }
  auto check = [&](const SweepPoint& p, const std::string& where) {
    try {
      (void)load_point(spec, point_overrides(spec, p));
    } catch (const ConfigError& e) {
      throw ConfigError(spec.file + ": " + where + ": " + e.what());
    }
  };
  if (spec.axes.empty()) check(base, spec.set.empty() ? "/scenario" : "/set");
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    const auto& axis = spec.axes[a];
    const std::string at = "/axes/" + std::to_string(a);
    SweepPoint p = base;
    if (axis.kind == SweepAxis::Kind::profiles) {
      for (std::size_t i = 0; i < axis.profiles.size(); ++i) {
        p.values[a] = axis.profiles[i].name;
        p.profile[a] = static_cast<int>(i);
        check(p, at + "/profiles/" + std::to_string(i));
      }
      continue;
    }
    std::vector<json> levels = axis.values;
    if (axis.continuous()) {
      levels.push_back(axis.integer ? json(static_cast<std::int64_t>(std::llround(axis.from))) : json(axis.from));
      levels.push_back(axis.integer ? json(static_cast<std::int64_t>(std::llround(axis.to))) : json(axis.to));
    }
    for (std::size_t i = 0; i < levels.size(); ++i) {
      p.values[a] = levels[i];
      check(p, at + (axis.kind == SweepAxis::Kind::values ? "/values/" + std::to_string(i) : std::string()) +
                   " (" + axis.name + " = " + levels[i].dump() + ")");
    }
  }
}

}  // namespace chaoslab::sim
