#include "sim/sweep_sim.hpp"

#include <atomic>
#include <cmath>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <set>
#include <thread>

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

// A point's identity: its overrides as JSON text.
std::string point_key(const std::vector<Override>& overrides) {
  json key = json::array();
  for (const auto& [p, v] : overrides) key.push_back({p, v});
  return key.dump();
}

class ScenarioModel final : public SweepModel {
 public:
  ScenarioModel(const SweepSpec& spec, std::string key, RunExtensionFactory ext)
      : spec_(spec), key_(std::move(key)), ext_(std::move(ext)) {}

  // Keeps a scenario validate_sweep() loaded for the point with these overrides, so prepare()
  // does not load it again (with one axis, validation loads every point of the sweep).
  void keep(const std::vector<Override>& overrides, Scenario scenario) {
    std::lock_guard lock(mu_);
    if (kept_.size() >= kMaxKept) return;
    kept_.emplace_back(point_key(overrides), std::make_shared<const Scenario>(std::move(scenario)));
  }

  std::unique_ptr<PointRun> prepare(const std::vector<Override>& overrides) const override {
    const std::string key = point_key(overrides);
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
        // Validated: moves to the cache as a finished load (both workers of a point find it there).
        for (auto it = kept_.begin(); it != kept_.end(); ++it)
          if (it->first == key) {
            std::promise<std::shared_ptr<const Scenario>> done;
            done.set_value(std::move(it->second));
            loaded = done.get_future().share();
            kept_.erase(it);
            cache_.emplace_back(key, loaded);
            if (cache_.size() > 16) cache_.pop_front();
            break;
          }
      }
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

  // Validated scenarios kept for the run, at most this many (a sweep of many points keeps its
  // first ones; memory stays bounded).
  static constexpr std::size_t kMaxKept = 256;

  const SweepSpec& spec_;
  std::string key_;
  RunExtensionFactory ext_;
  mutable std::mutex mu_;
  mutable std::vector<std::pair<std::string, std::shared_ptr<const Scenario>>> kept_;
  // The last points prepared (or being loaded): workers run the seeds of the same few points at
  // a time.
  mutable std::deque<std::pair<std::string, std::shared_future<std::shared_ptr<const Scenario>>>> cache_;
};

void validate_points(const SweepSpec& spec, ScenarioModel* keep, int jobs);

}  // namespace

std::unique_ptr<SweepModel> make_scenario_model(const SweepSpec& spec, std::string extension_key,
                                                RunExtensionFactory extension) {
  return std::make_unique<ScenarioModel>(spec, std::move(extension_key), std::move(extension));
}

void validate_sweep(const SweepSpec& spec) { validate_points(spec, nullptr, 1); }

void validate_sweep(const SweepSpec& spec, SweepModel& model, int jobs) {
  validate_points(spec, dynamic_cast<ScenarioModel*>(&model), sweep_jobs(jobs));
}

namespace {

void validate_points(const SweepSpec& spec, ScenarioModel* keep, int jobs) {
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
  // The checks in order; the error reported is the first one's in this order, whatever thread
  // found it. A check of the same overrides as an earlier one would fail the same way after it:
  // skipped (a range's ends are its first and last values).
  struct Check {
    std::vector<Override> overrides;
    std::string where;
  };
  std::vector<Check> checks;
  std::set<std::string> seen;
  auto check = [&](const SweepPoint& p, std::string where) {
    std::vector<Override> overrides = point_overrides(spec, p);
    if (seen.insert(point_key(overrides)).second) checks.push_back({std::move(overrides), std::move(where)});
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

  // A sweep of many points spends most of its start-up here: the loads run on `jobs` threads.
  std::vector<std::exception_ptr> errors(checks.size());
  std::atomic<std::size_t> next{0};
  auto one = [&](std::size_t i) {
    try {
      Scenario loaded = load_point(spec, checks[i].overrides);
      if (keep) keep->keep(checks[i].overrides, std::move(loaded));
    } catch (const ConfigError& e) {
      errors[i] = std::make_exception_ptr(ConfigError(spec.file + ": " + checks[i].where + ": " + e.what()));
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < checks.size();) one(i);
  };
  // The first load parses the manifests, which later loads reuse: alone, so no thread repeats it.
  if (!checks.empty()) one(next.fetch_add(1));
  const std::size_t threads = std::min<std::size_t>(checks.size(), static_cast<std::size_t>(std::max(1, jobs)));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

}  // namespace chaoslab::sim
