#include "tune/tune.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "policies/error.hpp"
#include "sim/format_number.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"
#include "sim/sweep_cli.hpp"
#include "sim/sweep_runner.hpp"
#include "sim/sweep_sim.hpp"
#include "sim/sweep_spec.hpp"
#include "tune_metrics.hpp"

namespace chaoslab::app {

using nlohmann::json;
using sim::format_number;
namespace fs = std::filesystem;

namespace {

double sig2(double v) {
  if (v <= 0) return v;
  const double p = std::pow(10.0, std::floor(std::log10(v)) - 1);
  return std::round(v / p) * p;
}

double tidy(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return std::strtod(buf, nullptr);
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// Larger is better on the objective.
double goodness(const Candidate& c, TuneObjective o) {
  const Estimate& e = o == TuneObjective::availability ? c.availability : c.time_to_first_success_s;
  if (e.n == 0 || std::isnan(e.mean)) return -std::numeric_limits<double>::infinity();
  return o == TuneObjective::availability ? e.mean : -e.mean;
}

const Estimate& objective_estimate(const Candidate& c, TuneObjective o) {
  return o == TuneObjective::availability ? c.availability : c.time_to_first_success_s;
}

Estimate estimate(const sim::PointStats& p, const std::string& metric) {
  Estimate e;
  auto it = p.metrics.find(metric);
  if (it == p.metrics.end()) return e;
  e.mean = it->second.mean;
  e.lo = it->second.ci_lo;
  e.hi = it->second.ci_hi;
  e.n = it->second.n;
  return e;
}

std::string pct(const Estimate& e) {
  if (e.n == 0) return "n/a";
  return format_number(100 * e.mean, 3) + "% [" + format_number(100 * e.lo, 3) + ", " + format_number(100 * e.hi, 3) + "]";
}

std::string num(const Estimate& e, const char* unit = "") {
  if (e.n == 0) return "n/a";
  return format_number(e.mean, 3) + unit;
}

std::string secs(double v) { return format_number(v, 3) + " s"; }

std::string label(const Candidate& c) {
  return "cool-down " + secs(c.cooldown_s) + (c.backoff.empty() ? "" : " with backoff " + c.backoff);
}

json estimate_json(const Estimate& e) {
  if (e.n == 0) return nullptr;
  return {{"mean", e.mean}, {"ci95_lo", e.lo}, {"ci95_hi", e.hi}, {"n", e.n}};
}

}  // namespace

Ranking rank_candidates(std::vector<Candidate> cs, TuneObjective o, double trial_weight, double load_weight,
                        double tolerance) {
  Ranking r;
  if (cs.empty()) return r;
  double max_trials = 0, max_rps = 0;
  for (const auto& c : cs) {
    if (c.failed_trials.n) max_trials = std::max(max_trials, c.failed_trials.mean);
    if (c.backend_rps.n) max_rps = std::max(max_rps, c.backend_rps.mean);
  }
  for (auto& c : cs) {
    c.cost = (max_trials > 0 && c.failed_trials.n ? trial_weight * c.failed_trials.mean / max_trials : 0) +
             (max_rps > 0 && c.backend_rps.n ? load_weight * c.backend_rps.mean / max_rps : 0);
  }
  // Pareto front on (objective up, failed trials down, load down).
  for (auto& c : cs) {
    c.pareto = goodness(c, o) > -std::numeric_limits<double>::infinity();
    for (const auto& d : cs) {
      if (&c == &d || !c.pareto) continue;
      const bool no_worse = goodness(d, o) >= goodness(c, o) && d.failed_trials.mean <= c.failed_trials.mean &&
                            d.backend_rps.mean <= c.backend_rps.mean;
      const bool better = goodness(d, o) > goodness(c, o) || d.failed_trials.mean < c.failed_trials.mean ||
                          d.backend_rps.mean < c.backend_rps.mean;
      if (no_worse && better) c.pareto = false;
    }
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < cs.size(); ++i)
    if (goodness(cs[i], o) > goodness(cs[best], o) ||
        (goodness(cs[i], o) == goodness(cs[best], o) && cs[i].cost < cs[best].cost))
      best = i;
  const Candidate best_c = cs[best];
  const double half = objective_estimate(best_c, o).half_width();
  const bool by_tolerance = tolerance > half;
  const double bar = goodness(best_c, o) - std::max(half, tolerance);
  const std::string within =
      by_tolerance ? "within the tolerance (" + (o == TuneObjective::availability ? format_number(100 * tolerance, 3) + " percentage points"
                                                                                  : format_number(tolerance, 3) + " s") +
                         ") of it"
                   : "within its 95% interval";
  for (auto& c : cs) c.tied = goodness(c, o) >= bar && goodness(c, o) > -std::numeric_limits<double>::infinity();

  std::stable_sort(cs.begin(), cs.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.tied != b.tied) return a.tied;
    if (a.tied && a.cost != b.cost) return a.cost < b.cost;
    if (goodness(a, o) != goodness(b, o)) return goodness(a, o) > goodness(b, o);
    return a.point < b.point;
  });
  for (std::size_t i = 0; i < cs.size(); ++i) cs[i].rank = static_cast<int>(i + 1);

  const Candidate& chosen = cs.front();
  const bool avail = o == TuneObjective::availability;
  auto obj_text = [&](const Candidate& c) {
    return avail ? pct(c.availability) + " availability after recovery"
                 : format_number(c.time_to_first_success_s.mean, 3) + " s [" + format_number(c.time_to_first_success_s.lo, 3) +
                       ", " + format_number(c.time_to_first_success_s.hi, 3) + "] to the first success after recovery";
  };
  std::size_t tied = 0;
  for (const auto& c : cs) tied += c.tied ? 1 : 0;
  std::string reason;
  if (goodness(chosen, o) == -std::numeric_limits<double>::infinity()) {
    reason = "No candidate produced a value for the objective (did the scenario's chaos action run?).";
  } else if (chosen.point == best_c.point) {
    reason = label(chosen) + " has the best objective: " + obj_text(chosen) + ". ";
    reason += tied > 1 ? std::to_string(tied - 1) + " other candidate(s) come " + within +
                             ", and it also has the lowest cost among them: "
                       : "No other candidate comes " + within + ". Its costs: ";
    reason += num(chosen.failed_trials) + " failed half-open trials and " + num(chosen.backend_rps) +
              " attempts/s on the recovering backend in the window.";
  } else {
    reason = "The best objective is " + label(best_c) + " with " + obj_text(best_c) + ". " + std::to_string(tied) +
             " candidates come " + within +
             (by_tolerance ? ", close enough to count as equal on the objective; among those, "
                           : ", so the seeds cannot tell them apart on the objective; among those, ") +
             label(chosen) + " (" + obj_text(chosen) + ") costs least: " + num(chosen.failed_trials) +
             " failed half-open trials and " + num(chosen.backend_rps) + " attempts/s on the recovering backend, against " +
             num(best_c.failed_trials) + " and " + num(best_c.backend_rps) + " for " + label(best_c) + ".";
  }
  if (chosen.wasted_cooldown_s.n)
    reason += " Its breaker stays OPEN with a ready endpoint for " + num(chosen.wasted_cooldown_s, " s") + " per run on average.";
  double shortest = chosen.cooldown_s, longest = chosen.cooldown_s;
  for (const auto& c : cs) {
    shortest = std::min(shortest, c.cooldown_s);
    longest = std::max(longest, c.cooldown_s);
  }
  if (shortest < longest && (chosen.cooldown_s == shortest || chosen.cooldown_s == longest))
    reason += std::string(" It is the ") + (chosen.cooldown_s == shortest ? "shortest" : "longest") +
              " cool-down tried, so a better one may lie beyond: extend the range with --cooldowns.";
  r.reason = reason;
  r.candidates = std::move(cs);
  return r;
}

std::vector<Candidate> candidates_from_stats(const sim::SweepStats& stats) {
  std::vector<Candidate> out;
  for (const auto& p : stats.points) {
    Candidate c;
    c.point = p.point;
    if (p.params.contains("cooldown_s")) c.cooldown_s = p.params["cooldown_s"].get<double>();
    if (p.params.contains("backoff")) c.backoff = p.params["backoff"].get<std::string>();
    c.availability = estimate(p, "tune.availability");
    c.time_to_first_success_s = estimate(p, "recovery.time_to_first_success_s");
    c.failed_trials = estimate(p, "tune.failed_trials");
    c.backend_rps = estimate(p, "tune.backend_rps");
    c.wasted_cooldown_s = estimate(p, "wasted_cooldown_s");
    c.success_rate = estimate(p, "success_rate");
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<double> default_cooldowns(double p50, double p95, double current) {
  const double lo = std::max(0.1, p50 / 16);
  const double hi = std::max(lo * 8, p95 * 4);
  std::vector<double> v;
  constexpr int n = 9;
  for (int i = 0; i < n; ++i) v.push_back(sig2(std::exp(std::log(lo) + i * (std::log(hi) - std::log(lo)) / (n - 1))));
  v.push_back(sig2(p50));
  v.push_back(sig2(p95));
  if (current > 0) v.push_back(current);
  for (auto& x : v) x = tidy(x);
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !(x > 0); }), v.end());
  return v;
}

std::vector<std::pair<std::string, json>> backoff_candidates() {
  return {
      {"lab", {{"wait_exponential_jitter", {{"initial", 1}, {"exp_base", 0.2}, {"max", 2}, {"jitter", 1}}}}},
      {"exp-0.5x2", {{"wait_exponential_jitter", {{"initial", 0.5}, {"exp_base", 2}, {"max", 8}, {"jitter", 0.5}}}}},
      {"full-jitter", {{"wait_random_exponential", {{"multiplier", 0.2}, {"exp_base", 2}, {"max", 5}}}}},
      {"none", {{"wait_none", true}}},
  };
}

int run_tune(const TuneOptions& opt) {
  // The scenario with the user's --set overrides, exactly as `chaoslab run` reads it.
  json doc = sim::read_scenario_json(opt.scenario);
  for (const auto& [ptr, value] : opt.sets) doc = sim::apply_override(std::move(doc), ptr, value, opt.scenario);
  const sim::Scenario base = sim::load_scenario(doc, opt.scenario);
  if (!base.chaos)
    throw ConfigError(opt.scenario + ": /chaos: tune needs a scenario with a chaos experiment: the cool-down is tuned "
                                     "against the recovery it causes");
  if (base.clients.empty() || !base.clients[0].config.breaker_enabled)
    throw ConfigError(opt.scenario + ": /clients/0: tune needs a client with a circuit breaker");
  const double current = to_seconds(base.clients[0].config.breaker.reset_timeout);

  // Pilot: how long a ready endpoint takes to come back after the chaos action.
  std::vector<double> outage;
  for (int i = 0; i < opt.pilot_seeds; ++i) {
    const sim::RunResult r = sim::run_scenario(base, static_cast<std::uint64_t>(i + 1));
    if (r.summary.recovery) outage.push_back(r.summary.recovery->outage_s);
  }
  if (outage.empty())
    throw ConfigError(opt.scenario + ": /chaos: no pilot run recovered (the chaos action never ran, or no ready endpoint came back)");
  const double o50 = quantile(outage, 0.5), o95 = quantile(outage, 0.95);

  std::vector<double> cooldowns = opt.cooldowns.empty() ? default_cooldowns(o50, o95, current) : opt.cooldowns;
  json axes = json::array({{{"name", "cooldown_s"}, {"pointer", "/policies/breaker/reset_timeout"}, {"values", cooldowns}}});
  if (opt.backoff) {
    json profiles = json::array();
    for (const auto& [name, wait] : backoff_candidates()) profiles.push_back({{"name", name}, {"set", {{"/policies/retry/wait", wait}}}});
    axes.push_back({{"name", "backoff"}, {"profiles", profiles}});
  }
  // The sweep is described in code; its scenario is the document above (overrides included).
  const fs::path out(opt.out);
  {
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec || !fs::is_directory(out))
      throw sim::SweepIoError("cannot create the output directory " + out.string() + ": " +
                              (ec ? ec.message() : std::string("a file is in the way")));
  }
  const fs::path scenario_copy = out / "scenario.json";
  if (!opt.resume || !fs::exists(scenario_copy)) sim::write_file_atomic(scenario_copy, doc.dump(2) + "\n");
  // Relative paths inside the scenario (manifests, experiment) stay relative to the original.
  sim::SweepSpec spec = sim::parse_sweep(
      {{"scenario", fs::absolute(opt.scenario).string()}, {"axes", axes}, {"seeds", {{"count", opt.seeds}, {"first", 1}}}},
      "chaoslab tune", fs::current_path());
  spec.scenario = doc;
  sim::validate_sweep(spec);

  std::printf("tune: %s: %zu cool-downs%s x %d seeds, window %s after a ready endpoint is back\n", opt.scenario.c_str(),
              cooldowns.size(), opt.backoff ? (" x " + std::to_string(backoff_candidates().size()) + " backoffs").c_str() : "",
              opt.seeds, secs(opt.window_s).c_str());
  std::fflush(stdout);
  sim::SweepOptions so;
  so.out_dir = out;
  so.jobs = opt.jobs;
  so.resume = opt.resume;
  so.progress = opt.progress;
  const auto model = sim::make_scenario_model(spec, "tune", recovery_window_factory(from_seconds(opt.window_s)));
  sim::SweepResult sr;
  const int status = sim::run_sweep_reporting(spec, *model, so, &sr);
  if (status != kExitOk) return status;

  const sim::SweepStats stats = sim::summarize_sweep(out);
  const Ranking ranking =
      rank_candidates(candidates_from_stats(stats), opt.objective, opt.trial_weight, opt.load_weight, opt.tolerance);
  const Candidate& rec = ranking.candidates.front();
  const bool avail = opt.objective == TuneObjective::availability;

  json cands = json::array();
  for (const auto& c : ranking.candidates) {
    json j = {{"rank", c.rank},
              {"point", c.point},
              {"cooldown_s", c.cooldown_s},
              {"availability", estimate_json(c.availability)},
              {"time_to_first_success_s", estimate_json(c.time_to_first_success_s)},
              {"failed_trials", estimate_json(c.failed_trials)},
              {"backend_rps", estimate_json(c.backend_rps)},
              {"wasted_cooldown_s", estimate_json(c.wasted_cooldown_s)},
              {"success_rate", estimate_json(c.success_rate)},
              {"cost", c.cost},
              {"tied_with_best", c.tied},
              {"pareto", c.pareto}};
    if (!c.backoff.empty()) j["backoff"] = c.backoff;
    cands.push_back(j);
  }
  json recommendation = {{"cooldown_s", rec.cooldown_s},
                         {"set", json::array({"/policies/breaker/reset_timeout=" + format_number(rec.cooldown_s, 6)})},
                         {"reason", ranking.reason}};
  if (!rec.backoff.empty()) {
    recommendation["backoff"] = rec.backoff;
    for (const auto& [name, wait] : backoff_candidates())
      if (name == rec.backoff) recommendation["set"].push_back("/policies/retry/wait=" + wait.dump());
  }
  const json tune = {{"format", "chaoslab-tune/1"},
                     {"scenario", opt.scenario},
                     {"objective", avail ? "availability" : "recovery"},
                     {"objective_text", avail ? "availability after recovery: ok calls / calls that ended in the window after a "
                                                "ready endpoint exists again (higher is better)"
                                              : "time from a ready endpoint to the first successful call (lower is better)"},
                     {"costs_text", "failed half-open trials in the window, and attempts per second on the recovering backend "
                                    "in the window; each divided by its largest value over the candidates, weighted " +
                                        format_number(opt.trial_weight) + " and " + format_number(opt.load_weight)},
                     {"window_s", opt.window_s},
                     {"tolerance", opt.tolerance},
                     {"seeds", opt.seeds},
                     {"restart_timing", {{"pilot_runs", outage.size()}, {"outage_p50_s", o50}, {"outage_p95_s", o95},
                                         {"outage_min_s", quantile(outage, 0)}, {"outage_max_s", quantile(outage, 1)}}},
                     {"current_cooldown_s", current},
                     {"candidates", cands},
                     {"recommendation", recommendation}};
  sim::write_file_atomic(out / "tune.json", tune.dump(2) + "\n");

  // The evidence, for people.
  std::printf("\nrestart timing (%zu pilot runs): a ready endpoint is back %s after the chaos action (median; p95 %s)\n",
              outage.size(), secs(o50).c_str(), secs(o95).c_str());
  std::printf("objective: %s\ncosts: %s\n\n", tune["objective_text"].get<std::string>().c_str(),
              tune["costs_text"].get<std::string>().c_str());
  const int bw = opt.backoff ? 12 : 0;
  std::printf("%5s %10s %-*s %-26s %13s %9s %9s %10s %6s\n", "rank", "cool-down", bw, opt.backoff ? "backoff" : "",
              avail ? "availability [95% CI]" : "first success [95% CI]", avail ? "1st success" : "availability",
              "failed", "backend", "wasted", "pareto");
  std::printf("%5s %10s %-*s %-26s %13s %9s %9s %10s %6s\n", "", "", bw, "", "", "", "trials", "att/s", "cool-down", "");
  for (const auto& c : ranking.candidates) {
    const std::string obj = avail ? pct(c.availability)
                                  : (c.time_to_first_success_s.n ? format_number(c.time_to_first_success_s.mean, 3) + " s [" +
                                                                       format_number(c.time_to_first_success_s.lo, 3) + ", " +
                                                                       format_number(c.time_to_first_success_s.hi, 3) + "]"
                                                                 : "n/a");
    const std::string other = avail ? num(c.time_to_first_success_s, " s") : pct(c.availability);
    std::printf("%4d%s %10s %-*s %-26s %13s %9s %9s %10s %6s\n", c.rank, c.rank == 1 ? "*" : (c.tied ? "=" : " "),
                secs(c.cooldown_s).c_str(), bw, c.backoff.c_str(), obj.c_str(), other.c_str(), num(c.failed_trials).c_str(),
                num(c.backend_rps).c_str(), num(c.wasted_cooldown_s, " s").c_str(), c.pareto ? "yes" : "");
  }
  std::printf("(* recommended, = tied with the best: within its 95%% interval%s; means over %d seeds, costs in the %s s "
              "window)\n\n",
              opt.tolerance > 0 ? (" or the tolerance " + format_number(opt.tolerance)).c_str() : "", opt.seeds,
              format_number(opt.window_s).c_str());
  std::string set_text;
  for (const auto& s : recommendation["set"]) set_text += " --set '" + s.get<std::string>() + "'";
  std::printf("recommendation: %s (now %s)\n  %s\nwhy: %s\n", label(rec).c_str(), secs(current).c_str(), set_text.c_str(),
              ranking.reason.c_str());
  if (std::abs(rec.cooldown_s - std::round(rec.cooldown_s)) < 1e-9 && rec.cooldown_s >= 1)
    std::printf("lab ConfigMap: CB_RESET_TIMEOUT: \"%.0f\"\n", rec.cooldown_s);
  return kExitOk;
}

}  // namespace chaoslab::app
