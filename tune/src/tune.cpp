#include "tune/tune.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "policies/error.hpp"
#include "sim/format_number.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"
#include "sim/sweep_cli.hpp"
#include "sim/sweep_runner.hpp"
#include "sim/sweep_sim.hpp"
#include "sim/sweep_spec.hpp"
#include "sim/sweep_stats.hpp"
#include "tune/knobs.hpp"
#include "tune/race.hpp"
#include "tune_metrics.hpp"

namespace chaoslab::tune {

using nlohmann::json;
using sim::format_number;
namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMinSeeds = 10;

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

// Mean with a Student-t 95% interval clipped at 0 (counts and rates are never negative).
Estimate t_mean(const std::vector<double>& v) {
  Estimate e;
  double sum = 0;
  for (double x : v)
    if (!std::isnan(x)) {
      sum += x;
      e.n += 1;
    }
  if (e.n == 0) return e;
  e.mean = sum / static_cast<double>(e.n);
  double ss = 0;
  for (double x : v)
    if (!std::isnan(x)) ss += (x - e.mean) * (x - e.mean);
  const double half = e.n >= 2 ? sim::t_quantile_975(e.n - 1) * std::sqrt(ss / static_cast<double>(e.n - 1) / static_cast<double>(e.n)) : 0;
  e.lo = std::max(0.0, e.mean - half);
  e.hi = e.mean + half;
  return e;
}

int backoff_index(const std::string& name) {
  const auto all = backoff_candidates();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].first == name) return static_cast<int>(i);
  return -1;
}

std::string pct(double v) { return format_number(100 * v, 3) + "%"; }

std::string pct(const Estimate& e) {
  if (e.n == 0) return "n/a";
  return format_number(100 * e.mean, 3) + "% [" + format_number(100 * e.lo, 3) + ", " + format_number(100 * e.hi, 3) + "]";
}

std::string num(const Estimate& e, const char* unit = "") {
  if (e.n == 0) return "n/a";
  return format_number(e.mean, 3) + unit;
}

std::string secs(double v) { return format_number(v, 3) + " s"; }

json finite_or_null(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

json estimate_json(const Estimate& e) {
  if (e.n == 0) return nullptr;
  return {{"mean", e.mean}, {"ci95_lo", e.lo}, {"ci95_hi", e.hi}, {"n", e.n}};
}


// 95% interval of the mean paired difference a - b over runs where both have a value.
Estimate paired_difference(const std::vector<double>& a, const std::vector<double>& b) {
  return bootstrap_mean(paired_differences(a, b));
}

}  // namespace

std::string candidate_label(const Candidate& c) {
  std::string s = secs(c.cooldown_s) + (c.backoff.empty() ? "" : " / " + c.backoff);
  for (const auto& [name, value] : c.knobs) s += " / " + name + " " + value;
  return s;
}

bool gentler(const Candidate& a, const Candidate& b) {
  if (a.cooldown_s != b.cooldown_s) return a.cooldown_s > b.cooldown_s;
  if (a.backoff != b.backoff) return backoff_index(a.backoff) < backoff_index(b.backoff);
  return a.knob_gentleness < b.knob_gentleness;
}

void summarize(Candidate& c) {
  c.availability = bootstrap_mean(c.runs.availability);
  c.attempts = t_mean(c.runs.attempts);
  c.down_attempts = t_mean(c.runs.down_attempts);
  c.failed_trials = t_mean(c.runs.failed_trials);
  c.backend_rps = t_mean(c.runs.backend_rps);
  c.open_healthy_s = t_mean(c.runs.open_healthy_s);
  c.rejected_healthy = t_mean(c.runs.rejected_healthy);
  c.never_recovered = static_cast<std::size_t>(std::count(c.runs.recovered.begin(), c.runs.recovered.end(), false));
}

Estimate bootstrap_mean(const std::vector<double>& v) {
  std::vector<double> x;
  for (double d : v)
    if (!std::isnan(d)) x.push_back(d);
  Estimate e;
  e.n = x.size();
  if (x.empty()) return e;
  double sum = 0;
  for (double d : x) sum += d;
  e.mean = sum / static_cast<double>(x.size());
  constexpr int kResamples = 2000;
  std::mt19937_64 rng(0x7e5eedULL);  // fixed: the same data always gives the same interval
  std::vector<double> means(kResamples);
  const std::uint64_t n = x.size();
  for (auto& m : means) {
    double s = 0;
    for (std::uint64_t i = 0; i < n; ++i) s += x[static_cast<std::size_t>(rng() % n)];
    m = s / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  e.lo = std::min(e.mean, means[static_cast<std::size_t>(0.025 * (kResamples - 1))]);
  e.hi = std::max(e.mean, means[static_cast<std::size_t>(0.975 * (kResamples - 1))]);
  return e;
}

Decision decide(std::vector<Candidate> cs, const TuneLimits& lim, double run_after_fault_s, const std::vector<Candidate>& dropped) {
  Decision d;
  std::size_t given = 0;
  for (const auto& c : cs) given += 1 + c.same_as.size();
  // Canonical order, gentlest first, so the answer does not depend on the order given.
  std::sort(cs.begin(), cs.end(), gentler);
  // Merge candidates whose runs are identical on every seed into the gentlest of them.
  std::vector<Candidate> merged;
  for (auto& c : cs) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const Candidate& m) { return same_runs(m.runs, c.runs); });
    if (std::isnan(c.shortest_same_s)) c.shortest_same_s = c.cooldown_s;
    if (same != merged.end()) {
      same->shortest_same_s = std::min(same->shortest_same_s, c.shortest_same_s);
      same->same_as.push_back(candidate_label(c));
      same->same_as.insert(same->same_as.end(), c.same_as.begin(), c.same_as.end());
    }
    else merged.push_back(std::move(c));
  }
  for (auto& c : merged) {
    summarize(c);
    c.beyond_run = c.cooldown_s >= run_after_fault_s;
  }
  // Runs that never recovered (no ok call after the backend was back, before the run ended) count
  // against a candidate: only those with the fewest of them can be recommended (normally none).
  std::size_t fewest_unrecovered = std::numeric_limits<std::size_t>::max();
  for (const auto& c : merged)
    if (!c.beyond_run && c.availability.n > 0) fewest_unrecovered = std::min(fewest_unrecovered, c.never_recovered);
  // More of them than the candidate with the fewest, beyond chance: the upper end of the Wilson 95%
  // interval of its recovered share is below that candidate's share.
  auto more_unrecovered = [&](const Candidate& c) {
    const double n = static_cast<double>(c.runs.recovered.size());
    if (n == 0 || c.never_recovered <= fewest_unrecovered) return false;
    const double p = (n - static_cast<double>(c.never_recovered)) / n, z = 1.96;
    const double upper = (p + z * z / (2 * n) + z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n);
    return upper < (n - static_cast<double>(fewest_unrecovered)) / n;
  };
  auto eligible = [&](const Candidate& c) { return !more_unrecovered(c) && !c.beyond_run && c.availability.n > 0; };

  if (merged.size() == 1 && given > 1) {
    d.candidates = std::move(merged);
    d.candidates[0].rank = 1;
    d.exit_code = 1;
    d.reason = "No recommendation: all " + std::to_string(given) +
               " candidates gave identical runs on every seed, so the knob changes nothing in this scenario.";
    return d;
  }

  // The availability floor: the user's SLO, and at most max_availability_loss below the best.
  const Candidate* best = nullptr;
  for (const auto& c : merged)
    if (eligible(c) && (!best || c.availability.mean > best->availability.mean)) best = &c;
  if (!best) {
    d.candidates = std::move(merged);
    d.exit_code = 1;
    d.reason = "No recommendation: no candidate has a cool-down shorter than the run after the fault and runs with values.";
    for (std::size_t i = 0; i < d.candidates.size(); ++i) d.candidates[i].rank = static_cast<int>(i + 1);
    return d;
  }
  d.best_availability = best->availability.mean;
  // Without an SLO the budget defaults to 1 point; with one, it applies only when given.
  const double rel_loss = lim.max_availability_loss.value_or(lim.min_availability ? 2.0 : 0.01);
  const double relative_floor = best->availability.mean - rel_loss;
  d.floor = std::max(relative_floor, lim.min_availability.value_or(0.0));
  const std::string relative_text = "at most " + format_number(100 * rel_loss, 3) +
                                    " points below the best (" + pct(best->availability.mean) + " at " +
                                    candidate_label(*best) + ")";
  const bool slo_binds = lim.min_availability && *lim.min_availability >= relative_floor;
  const std::string floor_text = slo_binds ? "--min-availability " + pct(*lim.min_availability) : relative_text;

  for (auto& c : merged) {
    if (more_unrecovered(c)) c.violates.push_back(std::to_string(c.never_recovered) + " run(s) never recovered");
    if (c.beyond_run) c.violates.push_back("cool-down outlasts the run");
    if (c.availability.n && c.availability.mean < d.floor - 1e-12)
      c.violates.push_back("availability " + pct(c.availability.mean) + " < " + pct(d.floor) + " (" + floor_text + ")");
    if (lim.max_load && c.backend_rps.n && c.backend_rps.mean > *lim.max_load + 1e-12)
      c.violates.push_back("load " + format_number(c.backend_rps.mean, 3) + " attempts/s > --max-load " +
                           format_number(*lim.max_load, 3));
    if (lim.max_failed_trials && c.failed_trials.n && c.failed_trials.mean > *lim.max_failed_trials + 1e-12)
      c.violates.push_back("failed trials " + format_number(c.failed_trials.mean, 3) + " > --max-failed-trials " +
                           format_number(*lim.max_failed_trials, 3));
    c.feasible = eligible(c) && c.violates.empty();
  }
  // Pareto front among the eligible: availability up, attempts down.
  for (auto& c : merged) {
    c.pareto = eligible(c);
    for (const auto& o : merged) {
      if (&o == &c || !c.pareto || !eligible(o)) continue;
      const bool no_worse = o.availability.mean >= c.availability.mean && o.attempts.mean <= c.attempts.mean;
      const bool better = o.availability.mean > c.availability.mean || o.attempts.mean < c.attempts.mean;
      if (no_worse && better) c.pareto = false;
    }
  }
  // Rank: feasible by attempts (ties: gentler, already the order); then the other eligible ones by
  // availability; then those with never-recovered runs (fewest first); then cool-downs beyond the run.
  auto tier = [&](const Candidate& c) { return c.feasible ? 0 : eligible(c) ? 1 : c.beyond_run ? 3 : 2; };
  std::stable_sort(merged.begin(), merged.end(), [&](const Candidate& a, const Candidate& b) {
    if (tier(a) != tier(b)) return tier(a) < tier(b);
    if (tier(a) == 0) return a.attempts.mean < b.attempts.mean;
    if (tier(a) == 2 && a.never_recovered != b.never_recovered) return a.never_recovered < b.never_recovered;
    return a.availability.mean > b.availability.mean;
  });
  for (std::size_t i = 0; i < merged.size(); ++i) merged[i].rank = static_cast<int>(i + 1);

  const Candidate& top = merged.front();
  if (!top.feasible) {
    d.exit_code = 1;
    d.reason = "No recommendation: no candidate meets every constraint. The closest, " + candidate_label(top) + ", fails: " +
               top.violates.front() + ".";
    d.candidates = std::move(merged);
    return d;
  }
  // Enough seeds? With the budget below the best as the floor, the runs must resolve differences
  // of the budget's size: the paired difference (same seeds) between the best and the
  // recommendation, and between the best and every candidate near the floor, must be known to
  // within the budget. With an SLO as the floor, the recommendation's own interval must not reach
  // more than 1 point below it.
  if (top.availability.n < kMinSeeds) {
    d.exit_code = 1;
    d.reason = "No recommendation: too few seeds to decide: " + std::to_string(top.availability.n) +
               " runs per candidate; the decision needs at least " + std::to_string(kMinSeeds) + " (--seeds).";
    d.candidates = std::move(merged);
    return d;
  }
  auto half_of = [](const Estimate& e) { return e.n ? std::max(e.hi - e.mean, e.mean - e.lo) : 0.0; };
  auto seeds_needed = [&](double half, double allowed) {
    return std::to_string(std::max<std::size_t>(
        kMinSeeds, static_cast<std::size_t>(std::ceil(static_cast<double>(top.availability.n) *
                                                      std::pow(std::max(half, 1e-9) / allowed, 2) * 1.2))));
  };
  if (slo_binds) {
    constexpr double kSloSlack = 0.01;
    if (top.availability.lo < d.floor - kSloSlack) {
      d.exit_code = 1;
      d.reason = "No recommendation: too few seeds to decide. " + std::to_string(top.availability.n) + " runs give " +
                 candidate_label(top) + " an availability of " + pct(top.availability) + ", which reaches more than 1 point below " +
                 floor_text + ". Run at least " +
                 seeds_needed(half_of(top.availability), half_of(top.availability) - (top.availability.lo - (d.floor - kSloSlack))) +
                 " --seeds.";
      d.candidates = std::move(merged);
      return d;
    }
  } else {
    const double budget = rel_loss;
    const Candidate* best_after = nullptr;
    for (const auto& c : merged)
      if (eligible(c) && c.availability.mean == d.best_availability) best_after = &c;
    const Candidate* loosest = &top;
    Estimate diff = paired_difference(best_after->runs.availability, top.runs.availability);
    for (const auto& c : merged) {
      if (!eligible(c) || std::abs(c.availability.mean - d.floor) > budget) continue;
      const Estimate e = paired_difference(best_after->runs.availability, c.runs.availability);
      if (half_of(e) > half_of(diff)) {
        diff = e;
        loosest = &c;
      }
    }
    const double half = half_of(diff);
    if (!(half <= budget)) {
      d.exit_code = 1;
      d.reason = "No recommendation: too few seeds to decide. " + std::to_string(top.availability.n) +
                 " runs give the availability difference between " + candidate_label(*best_after) + " (the best) and " +
                 candidate_label(*loosest) + " as " + format_number(100 * diff.mean, 3) + " points [" +
                 format_number(100 * diff.lo, 3) + ", " + format_number(100 * diff.hi, 3) +
                 "]; the decision needs it within +/-" + format_number(100 * budget, 3) +
                 " points (the availability budget). Run at least " + seeds_needed(half, budget) + " --seeds.";
      d.candidates = std::move(merged);
      return d;
    }
  }
  d.recommended = true;
  // The binding constraint: what stops a candidate that sends fewer attempts.
  const Candidate* next = nullptr;
  for (const auto& c : merged)
    if (!c.feasible && eligible(c) && c.attempts.mean < top.attempts.mean && (!next || c.attempts.mean > next->attempts.mean))
      next = &c;
  std::string reason = candidate_label(top) + " sends the fewest attempts to the backend over the incident (" +
                       num(top.attempts) + " per run: " + num(top.down_attempts) + " while no endpoint was ready, " +
                       num(top.failed_trials) + " failed trials, " + num(top.backend_rps) +
                       " attempts/s on the recovering backend) among the candidates meeting every constraint; its availability "
                       "over the incident is " +
                       pct(top.availability) + ".";
  if (next) {
    const std::string& why = next->violates.front();
    d.binding = why.find("--max-load") != std::string::npos          ? "max-load"
                : why.find("--max-failed-trials") != std::string::npos ? "max-failed-trials"
                : why.find("--min-availability") != std::string::npos  ? "min-availability"
                                                                       : "max-availability-loss";
    reason += " The binding constraint is " +
              (d.binding == "max-load"            ? std::string("--max-load")
               : d.binding == "max-failed-trials" ? std::string("--max-failed-trials")
               : d.binding == "min-availability"  ? "the SLO (--min-availability " + pct(*lim.min_availability) + ")"
                                                  : "the availability budget (--max-availability-loss: " + relative_text + ")") +
              ": " + candidate_label(*next) + " would send fewer attempts (" + num(next->attempts) + ") but fails it: " + why +
              ".";
  } else {
    reason += " No constraint binds: no candidate sends fewer attempts.";
  }
  if (top.never_recovered > 0)
    reason += " Note: " + std::to_string(top.never_recovered) + " of its " + std::to_string(top.runs.recovered.size()) +
              " runs had no successful call after the backend was back (the fewest of any candidate: " +
              std::to_string(fewest_unrecovered) + "); the run may end too soon after the fault (--set /duration_s).";
  if (top.open_healthy_s.n)
    reason += " Its breaker stays OPEN on the recovered backend for " + num(top.open_healthy_s, " s") + " per run (" +
              num(top.rejected_healthy) + " calls rejected).";
  double shortest = top.cooldown_s;
  for (const auto& c : merged) shortest = std::min(shortest, c.shortest_same_s);
  for (const auto& c : dropped) shortest = std::min(shortest, c.cooldown_s);
  double shortest_distinct = top.cooldown_s;
  for (const auto& c : merged) shortest_distinct = std::min(shortest_distinct, c.cooldown_s);
  if (top.cooldown_s == shortest && merged.size() > 1)
    reason += " It is the shortest cool-down tried and no shorter one was seen to act the same: a shorter one may do "
              "better (extend --cooldowns).";
  if (top.cooldown_s == shortest_distinct && top.shortest_same_s < top.cooldown_s && top.shortest_same_s == shortest) {
    // The edge of the range, but bracketed: everything shorter acted the same.
    reason += " It is the shortest distinct cool-down: the shorter ones tried (down to " + secs(top.shortest_same_s) +
              ") gave identical runs on every seed, because a cool-down that ends before a client's next call acts like "
              "any shorter one, so no shorter value can do differently.";
    // The next longer cool-down with the same other settings: what a longer one costs here.
    const Candidate* longer = nullptr;
    for (const std::vector<Candidate>* group : {static_cast<const std::vector<Candidate>*>(&merged), &dropped})
      for (const auto& c : *group)
        if (c.cooldown_s > top.cooldown_s && c.backoff == top.backoff && c.knobs == top.knobs && c.availability.n &&
            (!longer || c.cooldown_s < longer->cooldown_s))
          longer = &c;
    if (longer && !longer->feasible && longer->availability.mean < d.floor)
      reason += " A longer one only costs availability here: the next, " + secs(longer->cooldown_s) + ", loses " +
                format_number(100 * (top.availability.mean - longer->availability.mean), 3) + " points to save " +
                format_number(top.attempts.mean - longer->attempts.mean, 3) + " attempts per run" +
                (longer->runs.recovered.size() < top.runs.recovered.size()
                     ? " (on the " + std::to_string(longer->runs.recovered.size()) + " seeds it ran)"
                     : std::string()) +
                ". When the breaker also opens outside the outage (a flaky backend), a longer cool-down "
                "rejects calls the backend would have served: the lever is the trip condition (--knob "
                "/policies/breaker/fail_max=...), not the cool-down.";
  }
  double longest = 0;
  for (const std::vector<Candidate>* group : {static_cast<const std::vector<Candidate>*>(&merged), &dropped})
    for (const auto& c : *group)
      if (c.cooldown_s < run_after_fault_s) longest = std::max(longest, c.cooldown_s);
  if (top.cooldown_s == longest && merged.size() > 1)
    reason += " It is the longest cool-down tried: a longer one may meet the constraints with fewer attempts "
              "(extend --cooldowns).";
  d.reason = reason;
  d.candidates = std::move(merged);
  return d;
}

QuantileInterval quantile_interval(std::vector<double> v, double q) {
  QuantileInterval r;
  if (v.empty()) return r;
  std::sort(v.begin(), v.end());
  r.value = quantile(v, q);
  const std::size_t n = v.size();
  // cdf[k] = P(Binomial(n, q) <= k): the chance that at most k values fall below the true quantile.
  std::vector<double> cdf(n + 1);
  double acc = 0;
  for (std::size_t k = 0; k <= n; ++k) {
    const double nk = static_cast<double>(n), kk = static_cast<double>(k);
    acc += std::exp(std::lgamma(nk + 1) - std::lgamma(kk + 1) - std::lgamma(nk - kk + 1) + kk * std::log(q) +
                    (nk - kk) * std::log1p(-q));
    cdf[k] = acc;
  }
  // Lower: the largest order statistic x_(l) (1-based) with P(B <= l - 1) <= 2.5%; upper: the
  // smallest x_(u) with P(B >= u) <= 2.5%.
  for (std::size_t l = n; l >= 1; --l)
    if (cdf[l - 1] <= 0.025) {
      r.lo = v[l - 1];
      break;
    }
  for (std::size_t u = 1; u <= n; ++u)
    if (1 - cdf[u - 1] <= 0.025) {
      r.hi = v[u - 1];
      break;
    }
  return r;
}

std::vector<double> default_cooldowns(double p50, double p95, double current) {
  const double lo = std::max(0.05, p50 / 40);
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
      {"exp-0.5x2", {{"wait_exponential_jitter", {{"initial", 0.5}, {"exp_base", 2}, {"max", 8}, {"jitter", 0.5}}}}},
      {"full-jitter", {{"wait_random_exponential", {{"multiplier", 0.2}, {"exp_base", 2}, {"max", 5}}}}},
      {"lab", {{"wait_exponential_jitter", {{"initial", 1}, {"exp_base", 0.2}, {"max", 2}, {"jitter", 1}}}}},
      {"none", {{"wait_none", true}}},
  };
}

namespace {

// The pointers that set the cool-down every client runs with: /policies/breaker/reset_timeout,
// plus /clients/i/breaker/reset_timeout for each client entry that sets its own.
std::vector<std::string> cooldown_pointers(const json& doc, const std::string& file, const sim::Scenario& base) {
  std::vector<std::string> ptrs = {"/policies/breaker/reset_timeout"};
  const json& clients = doc.at("clients");
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (i < base.clients.size() && !base.clients[i].config.breaker_enabled)
      throw ConfigError(file + ": /clients/" + std::to_string(i) +
                        ": this client has no circuit breaker (breaker_enabled is false): tune sets the cool-down of every "
                        "client, so enable its breaker or tune a scenario without it");
    const json& c = clients[i];
    if (c.is_object() && c.contains("breaker") && c["breaker"].is_object() && c["breaker"].contains("reset_timeout"))
      ptrs.push_back("/clients/" + std::to_string(i) + "/breaker/reset_timeout");
  }
  return ptrs;
}

// Which client entries override `pointer` when it is under /policies/ (for the no-op message).
std::string overriding_clients(const json& doc, const std::string& pointer) {
  const std::string prefix = "/policies/";
  if (pointer.rfind(prefix, 0) != 0 || !doc.contains("clients")) return "";
  const json::json_pointer rest(pointer.substr(prefix.size() - 1));
  std::string out;
  for (std::size_t i = 0; i < doc["clients"].size(); ++i)
    if (doc["clients"][i].contains(rest)) out += (out.empty() ? "" : ", ") + ("/clients/" + std::to_string(i) + rest.to_string());
  return out;
}

// Relative paths inside a scenario document (manifests, the experiment file) made absolute, so a
// copy of it runs from anywhere.
json with_absolute_paths(json doc, const std::string& scenario_file) {
  const fs::path dir = fs::absolute(scenario_file).parent_path();
  auto fix = [&](json& v) {
    if (v.is_string() && fs::path(v.get<std::string>()).is_relative())
      v = (dir / v.get<std::string>()).lexically_normal().string();
  };
  if (doc.contains("manifests") && doc["manifests"].is_array())
    for (auto& m : doc["manifests"]) fix(m);
  if (doc.contains("chaos") && doc["chaos"].is_object() && doc["chaos"].contains("experiment")) fix(doc["chaos"]["experiment"]);
  return doc;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Appends one run's "tune" values to a candidate.
void append_run(Candidate& c, const json& t) {
  auto value = [&](const char* k) { return t.contains(k) && t[k].is_number() ? t[k].get<double>() : kNaN; };
  c.runs.availability.push_back(value("availability"));
  c.runs.attempts.push_back(value("attempts"));
  c.runs.down_attempts.push_back(value("down_attempts"));
  c.runs.failed_trials.push_back(value("failed_trials"));
  c.runs.backend_rps.push_back(value("backend_rps"));
  c.runs.open_healthy_s.push_back(value("open_healthy_s"));
  c.runs.rejected_healthy.push_back(value("rejected_healthy"));
  c.runs.recovered.push_back(value("recovered") == 1);
}

// Calls f(point, params, tune values) for every line of DIR/runs.jsonl (point order, seeds in order).
template <class F>
void read_runs(const fs::path& dir, F&& f) {
  std::ifstream in(dir / "runs.jsonl");
  if (!in) throw sim::SweepIoError("cannot read " + (dir / "runs.jsonl").string());
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json r = json::parse(line);
    f(r.at("point").get<std::size_t>(), r.at("params"), r.at("summary").at("tune"));
  }
}

}  // namespace

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
  const std::vector<std::string> pointers =
      opt.pointer.empty() ? cooldown_pointers(doc, opt.scenario, base) : std::vector<std::string>{opt.pointer};
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
  const QuantileInterval q50 = quantile_interval(outage, 0.5), q95 = quantile_interval(outage, 0.95);
  if (quantile(outage, 1) == 0) {
    std::printf("no recommendation: there is no outage: a ready endpoint existed throughout all %zu pilot runs (more than "
                "one replica?), so the fault causes no recovery for a cool-down to be tuned against.\n",
                outage.size());
    return kExitCheckFailed;
  }
  const double run_after_fault = to_seconds(base.duration - base.chaos->start_at);

  std::vector<double> cooldowns = opt.cooldowns.empty() ? default_cooldowns(o50, o95, current) : opt.cooldowns;
  std::sort(cooldowns.begin(), cooldowns.end());
  cooldowns.erase(std::unique(cooldowns.begin(), cooldowns.end()), cooldowns.end());
  const fs::path out(opt.out);
  // The candidates must reach past the slow restarts; a pilot too small to bound the p95 cannot say.
  std::string pilot_warning;
  if (std::isnan(q95.hi))
    pilot_warning = "the pilot (" + std::to_string(outage.size()) + " runs with an outage) is too small to bound the 95th " +
                    "percentile of the restart from above (that needs at least 72), so the candidate range (up to " +
                    secs(cooldowns.back()) + ") cannot be trusted to cover slow restarts: run more --pilot-seeds.";
  else if (cooldowns.back() < q95.hi)
    pilot_warning = "the longest candidate (" + secs(cooldowns.back()) + ") is shorter than the upper end of the restart's " +
                    "95th percentile (" + secs(q95.hi) + "): slow restarts are not covered; add longer --cooldowns.";

  // The knobs: the cool-down, the backoff (--backoff), then every --knob; each value checked
  // against the scenario before any run, the error naming the pointer and the value.
  std::vector<Knob> knobs;
  for (const auto& text : opt.knobs) {
    Knob k = parse_knob(text);
    if (k.pointer.size() >= 22 && k.pointer.substr(k.pointer.size() - 22) == "/breaker/reset_timeout")
      throw ConfigError("--knob " + text + ": the cool-down is always tuned: give its candidates with --cooldowns");
    if (opt.backoff && k.pointer == "/policies/retry/wait")
      throw ConfigError("--knob " + text + ": --backoff already tunes /policies/retry/wait");
    for (const auto& other : knobs)
      if (other.pointer == k.pointer) throw ConfigError("--knob " + text + ": " + k.pointer + " is given twice");
    for (std::size_t i = 0; i < k.values.size(); ++i) {
      json trial = doc;
      for (const auto& p : effective_pointers(doc, k.pointer)) sim::set_pointer(trial, p, k.values[i], "--knob " + k.pointer);
      try {
        (void)sim::load_scenario(trial, opt.scenario);
      } catch (const ConfigError& e) {
        throw ConfigError("--knob " + k.pointer + ": the value " + k.labels[i] + " does not make a valid scenario: " + e.what());
      }
    }
    knobs.push_back(std::move(k));
  }
  std::vector<std::string> all_backoffs;
  if (opt.backoff)
    for (const auto& b : backoff_candidates()) all_backoffs.push_back(b.first);

  // Every candidate of the full grid (the cool-down varies slowest, as the sweep's points do),
  // with the overrides that make it.
  std::vector<Candidate> grid;
  std::vector<std::vector<std::pair<std::string, json>>> grid_sets;
  {
    std::vector<std::size_t> level(2 + knobs.size(), 0);
    std::vector<std::size_t> levels = {cooldowns.size(), std::max<std::size_t>(1, all_backoffs.size())};
    for (const auto& k : knobs) levels.push_back(k.values.size());
    while (true) {
      Candidate c;
      std::vector<std::pair<std::string, json>> set;
      c.point = grid.size();
      c.cooldown_s = cooldowns[level[0]];
      for (const auto& p : pointers) set.emplace_back(p, c.cooldown_s);
      if (!all_backoffs.empty()) {
        c.backoff = all_backoffs[level[1]];
        set.emplace_back("/policies/retry/wait", backoff_candidates()[level[1]].second);
      }
      for (std::size_t k = 0; k < knobs.size(); ++k) {
        c.knobs.emplace_back(knobs[k].name, knobs[k].labels[level[2 + k]]);
        c.knob_gentleness.push_back(static_cast<int>(level[2 + k]));
        for (const auto& p : effective_pointers(doc, knobs[k].pointer)) set.emplace_back(p, knobs[k].values[level[2 + k]]);
      }
      grid.push_back(std::move(c));
      grid_sets.push_back(std::move(set));
      std::size_t i = levels.size();
      while (i > 0 && ++level[i - 1] == levels[i - 1]) level[--i] = 0;
      if (i == 0) break;
    }
  }
  const std::size_t grid_size = grid.size();
  const bool adaptive = opt.search == "adaptive" || (opt.search.empty() && (!all_backoffs.empty() || !knobs.empty()));
  const std::size_t seeds = static_cast<std::size_t>(opt.seeds);

  // Runs `which` (grid indices) on seeds [first, first + count) into `dir`, appending to `into`.
  // As a grid (axes per knob, for a readable sweep.json and summary.csv) or as a list of named
  // candidates (the race's rounds, the ConfigMap's check).
  auto run_points = [&](const fs::path& dir, const std::vector<std::size_t>& which, std::size_t first, std::size_t count,
                        bool as_grid, std::vector<Candidate*> into) -> bool {
    json axes = json::array();
    if (as_grid) {
      json cooldown_profiles = json::array();
      for (double v : cooldowns) {
        json set = json::object();
        for (const auto& p : pointers) set[p] = v;
        cooldown_profiles.push_back({{"name", format_number(v, 9)}, {"set", set}});
      }
      axes.push_back({{"name", "cooldown_s"}, {"profiles", cooldown_profiles}});
      if (!all_backoffs.empty()) {
        json profiles = json::array();
        for (const auto& [name, wait] : backoff_candidates()) profiles.push_back({{"name", name}, {"set", {{"/policies/retry/wait", wait}}}});
        axes.push_back({{"name", "backoff"}, {"profiles", profiles}});
      }
      for (const auto& k : knobs) {
        json profiles = json::array();
        for (std::size_t i = 0; i < k.values.size(); ++i) {
          json set = json::object();
          for (const auto& p : effective_pointers(doc, k.pointer)) set[p] = k.values[i];
          profiles.push_back({{"name", k.labels[i]}, {"set", set}});
        }
        axes.push_back({{"name", k.pointer}, {"profiles", profiles}});
      }
    } else {
      json profiles = json::array();
      for (std::size_t w : which) {
        json set = json::object();
        for (const auto& [p, v] : grid_sets[w]) set[p] = v;
        profiles.push_back({{"name", candidate_label(grid[w])}, {"set", set}});
      }
      axes.push_back({{"name", "candidate"}, {"profiles", profiles}});
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
      throw sim::SweepIoError("cannot create the output directory " + dir.string() + ": " +
                              (ec ? ec.message() : std::string("a file is in the way")));
    // Relative paths inside the scenario (manifests, experiment) stay relative to the original.
    sim::SweepSpec spec = sim::parse_sweep({{"scenario", fs::absolute(opt.scenario).string()},
                                            {"axes", axes},
                                            {"seeds", {{"count", count}, {"first", first + 1}}}},
                                           "chaoslab tune", fs::current_path());
    spec.scenario = doc;
    sim::validate_sweep(spec);
    sim::SweepOptions so;
    so.out_dir = dir;
    so.jobs = opt.jobs;
    so.resume = opt.resume;
    so.progress = opt.progress;
    const auto model = sim::make_scenario_model(spec, "tune", incident_window_factory(from_seconds(opt.window_s)));
    if (sim::run_sweep_reporting(spec, *model, so, nullptr) != kExitOk) return false;
    read_runs(dir, [&](std::size_t point, const json&, const json& t) { append_run(*into.at(point), t); });
    return true;
  };

  std::string knob_text;
  for (const auto& k : knobs) knob_text += " x " + std::to_string(k.values.size()) + " " + k.name;
  std::printf("tune: %s: %zu cool-downs%s%s x %s%d seeds%s, over the incident: from the fault to %s after a ready endpoint is "
              "back\n",
              opt.scenario.c_str(), cooldowns.size(),
              all_backoffs.empty() ? "" : (" x " + std::to_string(all_backoffs.size()) + " backoffs").c_str(),
              knob_text.c_str(), adaptive ? "up to " : "", opt.seeds,
              adaptive ? (" (adaptive search; the full grid is " + std::to_string(grid_size * seeds) + " runs)").c_str() : "",
              secs(opt.window_s).c_str());
  std::fflush(stdout);

  std::vector<Candidate> survivors, eliminated;
  std::vector<RaceRound> rounds;
  std::size_t runs_used = 0;
  if (!adaptive) {
    std::vector<std::size_t> all(grid.size());
    std::vector<Candidate*> into;
    for (std::size_t i = 0; i < grid.size(); ++i) {
      all[i] = i;
      into.push_back(&grid[i]);
    }
    if (!run_points(out, all, 0, seeds, true, into)) return kExitIoError;
    survivors = grid;
    runs_used = grid.size() * seeds;
  } else {
    bool io_ok = true;
    std::size_t round_no = 0;
    RaceResult rr = race(grid, opt.limits, run_after_fault, seeds,
                         [&](const std::vector<Candidate*>& alive, std::size_t first, std::size_t count) {
                           if (!io_ok) return;
                           std::vector<std::size_t> which;
                           for (auto* c : alive) which.push_back(c->point);
                           io_ok = run_points(out / "race" / ("round-" + std::to_string(++round_no)), which, first, count,
                                              false, alive);
                         });
    if (!io_ok) return kExitIoError;
    survivors = std::move(rr.survivors);
    eliminated = std::move(rr.eliminated);
    rounds = std::move(rr.rounds);
    runs_used = rr.runs;
  }

  Decision dec = decide(survivors, opt.limits, run_after_fault, eliminated);
  // Candidates the search dropped rank after those it ran to the end, in the order they went.
  std::stable_sort(eliminated.begin(), eliminated.end(),
                   [](const Candidate& a, const Candidate& b) {
                     if (a.eliminated_after != b.eliminated_after) return a.eliminated_after > b.eliminated_after;
                     const double x = std::isnan(a.availability.mean) ? -1 : a.availability.mean;
                     const double y = std::isnan(b.availability.mean) ? -1 : b.availability.mean;
                     return x > y;
                   });
  std::string reason = dec.reason;
  if (!dec.recommended && dec.candidates.size() == 1) {
    if (!opt.pointer.empty()) {
      const std::string over = overriding_clients(doc, opt.pointer);
      if (!over.empty())
        reason += " " + over + " override(s) " + opt.pointer + " for that client; without --pointer tune sets the value "
                  "every client runs with.";
    }
  }

  for (auto& c : eliminated) {
    c.rank = static_cast<int>(dec.candidates.size() + 1);
    c.violates = {"eliminated: " + c.eliminated};
    dec.candidates.push_back(std::move(c));
  }

  // The apply command: the user's --set flags, then the recommendation's.
  std::vector<std::string> rec_sets;
  const Candidate& rec = dec.candidates.front();
  if (dec.recommended) {
    for (const auto& p : pointers) rec_sets.push_back(p + "=" + format_number(rec.cooldown_s, 9));
    for (const auto& [name, wait] : backoff_candidates())
      if (name == rec.backoff) rec_sets.push_back("/policies/retry/wait=" + wait.dump());
    for (std::size_t k = 0; k < knobs.size(); ++k)
      for (const auto& p : effective_pointers(doc, knobs[k].pointer))
        rec_sets.push_back(p + "=" + knobs[k].values[static_cast<std::size_t>(rec.knob_gentleness[k])].dump());
  }
  std::string apply = "chaoslab run " + shell_quote(opt.scenario);
  for (const auto& [p, v] : opt.sets) apply += " --set " + shell_quote(p + "=" + v);
  for (const auto& s : rec_sets) apply += " --set " + shell_quote(s);

  // The lab's ConfigMap: CB_RESET_TIMEOUT is read with int(), so a fractional cool-down cannot be
  // written there; the nearest whole second that can is measured on the same seeds.
  json configmap = nullptr;
  std::vector<std::string> configmap_lines;
  if (dec.recommended) {
    json tuned_doc = doc;
    for (const auto& st : rec_sets) {
      const auto [p, v] = sim::split_override(st);
      tuned_doc = sim::apply_override(std::move(tuned_doc), p, v, opt.scenario);
    }
    const std::string fail_max = format_number(sim::load_scenario(tuned_doc, opt.scenario).clients[0].config.breaker.fail_max, 9);
    const double whole = std::round(rec.cooldown_s);  // int() of a string: 0 is a valid reset_timeout
    configmap = {{"CB_RESET_TIMEOUT", format_number(whole, 9)}, {"CB_FAIL_MAX", fail_max}};
    configmap_lines.push_back("CB_RESET_TIMEOUT: \"" + format_number(whole, 9) + "\"");
    configmap_lines.push_back("CB_FAIL_MAX: \"" + fail_max + "\"");
    if (whole != rec.cooldown_s) {
      std::optional<Candidate> at_whole;
      for (const auto& c : dec.candidates)
        if (c.cooldown_s == whole && c.backoff == rec.backoff && c.knobs == rec.knobs && c.runs.recovered.size() == seeds)
          at_whole = c;
      if (!at_whole) {
        Candidate extra = grid[rec.point];
        extra.cooldown_s = whole;
        extra.runs = RunValues{};
        extra.point = grid.size();
        auto set = grid_sets[rec.point];
        for (auto& [p, v] : set)
          if (std::find(pointers.begin(), pointers.end(), p) != pointers.end()) v = whole;
        grid.push_back(extra);
        grid_sets.push_back(set);
        if (!run_points(out / "configmap", {extra.point}, 0, seeds, false, {&grid.back()})) return kExitIoError;
        at_whole = grid.back();
      }
      const Estimate a = bootstrap_mean(at_whole->runs.availability);
      double attempts = 0;
      for (double x : at_whole->runs.attempts) attempts += x;
      attempts /= static_cast<double>(std::max<std::size_t>(1, at_whole->runs.attempts.size()));
      configmap["nearest_whole_s"] = whole;
      configmap["nearest_whole_availability"] = estimate_json(a);
      configmap["nearest_whole_attempts"] = attempts;
      configmap_lines[0] += "   # the lab reads CB_RESET_TIMEOUT with int(): " + secs(rec.cooldown_s) +
                                " cannot be written, the nearest whole value " + secs(whole) + " measured " + pct(a) +
                                " availability and " + format_number(attempts, 3) + " attempts per run (against " +
                                pct(rec.availability) + " and " + num(rec.attempts) + ")";
    }
  }
  json cands = json::array();
  for (const auto& c : dec.candidates) {
    json j = {{"rank", c.rank},
              {"point", c.point},
              {"cooldown_s", c.cooldown_s},
              {"availability", estimate_json(c.availability)},
              {"attempts", estimate_json(c.attempts)},
              {"down_attempts", estimate_json(c.down_attempts)},
              {"failed_trials", estimate_json(c.failed_trials)},
              {"backend_rps", estimate_json(c.backend_rps)},
              {"open_healthy_s", estimate_json(c.open_healthy_s)},
              {"rejected_healthy", estimate_json(c.rejected_healthy)},
              {"runs", c.runs.recovered.size()},
              {"never_recovered", c.never_recovered},
              {"same_as", c.same_as},
              {"beyond_run", c.beyond_run},
              {"feasible", c.feasible},
              {"violates", c.violates},
              {"pareto", c.pareto}};
    if (!c.backoff.empty()) j["backoff"] = c.backoff;
    if (!knobs.empty()) {
      json kv = json::object();
      for (std::size_t k = 0; k < knobs.size(); ++k)
        kv[knobs[k].pointer] = knobs[k].values[static_cast<std::size_t>(c.knob_gentleness[k])];
      j["knobs"] = kv;
    }
    j["eliminated"] = c.eliminated.empty() ? json(nullptr)
                                           : json{{"after_seeds", c.eliminated_after}, {"why", c.eliminated}};
    cands.push_back(j);
  }
  json limits = json::object();
  if (opt.limits.max_availability_loss) limits["max_availability_loss"] = *opt.limits.max_availability_loss;
  if (opt.limits.min_availability) limits["min_availability"] = *opt.limits.min_availability;
  if (opt.limits.max_load) limits["max_load"] = *opt.limits.max_load;
  if (opt.limits.max_failed_trials) limits["max_failed_trials"] = *opt.limits.max_failed_trials;
  json recommendation = nullptr;
  if (dec.recommended) {
    recommendation = {{"cooldown_s", rec.cooldown_s}, {"set", rec_sets}, {"apply", apply}, {"binding", dec.binding}};
    if (!rec.backoff.empty()) recommendation["backoff"] = rec.backoff;
    recommendation["configmap"] = configmap;
  }
  json knobs_json = json::array();
  for (const auto& k : knobs) knobs_json.push_back({{"pointer", k.pointer}, {"values", k.values}});
  json rounds_json = json::array();
  for (const auto& r : rounds) rounds_json.push_back({{"seeds", r.seeds}, {"candidates", r.alive}, {"eliminated", r.dropped}});
  const json search_json = {{"method", adaptive ? "adaptive" : "grid"},
                            {"runs", runs_used},
                            {"grid_candidates", grid_size},
                            {"grid_runs", grid_size * seeds},
                            {"rounds", rounds_json}};
  json user_sets = json::array();
  for (const auto& [p, v] : opt.sets) user_sets.push_back(p + "=" + v);
  const json tune = {{"format", "chaoslab-tune/2"},
                     {"scenario", opt.scenario},
                     {"set", user_sets},
                     {"pointers", pointers},
                     {"window_s", opt.window_s},
                     {"seeds", opt.seeds},
                     {"limits", limits},
                     {"best_availability", std::isnan(dec.best_availability) ? json(nullptr) : json(dec.best_availability)},
                     {"availability_floor", std::isnan(dec.floor) ? json(nullptr) : json(dec.floor)},
                     {"restart_timing", {{"pilot_runs", outage.size()}, {"outage_p50_s", o50}, {"outage_p95_s", o95},
                                         {"outage_p50_ci95", {finite_or_null(q50.lo), finite_or_null(q50.hi)}},
                                         {"outage_p95_ci95", {finite_or_null(q95.lo), finite_or_null(q95.hi)}},
                                         {"pilot_warning", pilot_warning.empty() ? json(nullptr) : json(pilot_warning)},
                                         {"outage_min_s", quantile(outage, 0)}, {"outage_max_s", quantile(outage, 1)}}},
                     {"run_after_fault_s", run_after_fault},
                     {"current_cooldown_s", current},
                     {"knobs", knobs_json},
                     {"search", search_json},
                     {"candidates", cands},
                     {"recommendation", recommendation},
                     {"reason", reason}};
  sim::write_file_atomic(out / "tune.json", tune.dump(2) + "\n");

  // The evidence, for people.
  auto ci = [](const QuantileInterval& q) {
    return "[" + (std::isnan(q.lo) ? std::string("?") : format_number(q.lo, 3)) + ", " +
           (std::isnan(q.hi) ? std::string("?") : format_number(q.hi, 3)) + "]";
  };
  std::printf("\nrestart timing (%zu pilot runs): a ready endpoint is back %s after the fault (median, 95%% CI %s; p95 %s, "
              "95%% CI %s)\n",
              outage.size(), secs(o50).c_str(), ci(q50).c_str(), secs(o95).c_str(), ci(q95).c_str());
  if (!pilot_warning.empty()) std::printf("warning: %s\n", pilot_warning.c_str());
  std::printf("decision: the fewest attempts sent to the backend over the incident, among candidates whose availability over "
              "the incident is at least %s%s\n\n",
              std::isnan(dec.floor) ? "n/a" : pct(dec.floor).c_str(),
              (std::string(opt.limits.max_load ? " and load <= " + format_number(*opt.limits.max_load, 3) + " attempts/s" : "") +
               (opt.limits.max_failed_trials ? " and failed trials <= " + format_number(*opt.limits.max_failed_trials, 3) : ""))
                  .c_str());
  const int bw = opt.backoff ? 12 : 0;
  // One column per --knob, as wide as its name or its widest value.
  std::vector<int> kw;
  std::string knob_head, knob_head2;
  for (const auto& k : knobs) {
    int w = static_cast<int>(k.name.size());
    for (const auto& l : k.labels) w = std::max(w, static_cast<int>(l.size()));
    kw.push_back(w);
    knob_head += " " + k.name + std::string(static_cast<std::size_t>(w) - k.name.size(), ' ');
    knob_head2 += std::string(static_cast<std::size_t>(w) + 1, ' ');
  }
  std::printf("%5s %10s %-*s%s %-24s %9s %8s %7s %8s %8s %6s%s %s\n", "rank", "cool-down", bw, opt.backoff ? "backoff" : "",
              knob_head.c_str(), "availability [95% CI]", "attempts", "down", "failed", "backend", "open on", "pareto",
              adaptive ? "  seeds" : "", "notes");
  std::printf("%5s %10s %-*s%s %-24s %9s %8s %7s %8s %8s %6s%s\n", "", "", bw, "", knob_head2.c_str(), "(incident)", "/run",
              "att.", "trials", "att/s", "healthy", "", adaptive ? "    run" : "");
  for (const auto& c : dec.candidates) {
    std::string notes;
    if (!c.same_as.empty()) {
      notes += "same runs as";
      for (const auto& s : c.same_as) notes += " " + s;
      notes += "; ";
    }
    if (c.never_recovered && (c.violates.empty() || c.violates.front().find("never recovered") == std::string::npos))
      notes += std::to_string(c.never_recovered) + " run(s) never recovered; ";
    for (const auto& v : c.violates) notes += v + "; ";
    if (notes.size() >= 2) notes.resize(notes.size() - 2);
    std::string knob_cells;
    for (std::size_t k = 0; k < knobs.size(); ++k) {
      const std::string& v = c.knobs[k].second;
      knob_cells += " " + v + std::string(static_cast<std::size_t>(kw[k]) - std::min(v.size(), static_cast<std::size_t>(kw[k])), ' ');
    }
    const std::string seeds_cell = adaptive ? " " + std::string(6 - std::min<std::size_t>(6, std::to_string(c.runs.recovered.size()).size()), ' ') +
                                                  std::to_string(c.runs.recovered.size())
                                            : "";
    std::printf("%4d%s %10s %-*s%s %-24s %9s %8s %7s %8s %8s %6s%s %s\n", c.rank,
                dec.recommended && c.rank == 1 ? "*" : (!c.eliminated.empty() ? "-" : c.feasible ? " " : "x"),
                secs(c.cooldown_s).c_str(), bw, c.backoff.c_str(), knob_cells.c_str(), pct(c.availability).c_str(),
                num(c.attempts).c_str(), num(c.down_attempts).c_str(), num(c.failed_trials).c_str(), num(c.backend_rps).c_str(),
                num(c.open_healthy_s, " s").c_str(), c.pareto ? "yes" : "", seeds_cell.c_str(), notes.c_str());
  }
  if (adaptive) {
    std::printf("(* recommended, x fails a constraint, - eliminated by the adaptive search; means over the seeds each ran; "
                "availability interval: bootstrap)\n");
    std::string r_text;
    for (const auto& r : rounds)
      r_text += (r_text.empty() ? "" : ", ") + std::to_string(r.alive) + " candidates to " + std::to_string(r.seeds) + " seeds" +
                (r.dropped ? " (" + std::to_string(r.dropped) + " out)" : "");
    std::printf("search: adaptive, %zu runs against %zu for the full grid (%zu candidates x %d seeds), %s of it; rounds: %s\n\n",
                runs_used, grid_size * seeds, grid_size, opt.seeds,
                (format_number(100.0 * static_cast<double>(runs_used) / static_cast<double>(grid_size * seeds), 2) + "%").c_str(),
                r_text.c_str());
  } else {
    std::printf("(* recommended, x fails a constraint; means over %d seeds; availability interval: bootstrap)\n\n", opt.seeds);
  }
  if (dec.recommended) {
    std::string with;
    for (const auto& [name, value] : rec.knobs) with += ", " + name + " " + value;
    std::printf("recommendation: cool-down %s%s%s (now %s)\nwhy: %s\napply: %s\n", secs(rec.cooldown_s).c_str(),
                rec.backoff.empty() ? "" : (" with backoff " + rec.backoff).c_str(), with.c_str(), secs(current).c_str(),
                reason.c_str(), apply.c_str());
    std::printf("lab ConfigMap (k8s/configmap.yaml):\n");
    for (const auto& l : configmap_lines) std::printf("  %s\n", l.c_str());
    if (!rec.backoff.empty()) std::printf("  (the retry backoff is in the lab client's code, not in the ConfigMap)\n");
  } else {
    std::printf("%s\n", reason.c_str());
  }

  if (dec.recommended) {
    sim::write_file_atomic(out / "scenario.json",
                           [&] {
                             json tuned = with_absolute_paths(doc, opt.scenario);
                             for (const auto& s : rec_sets) {
                               const auto [p, v] = sim::split_override(s);
                               tuned = sim::apply_override(std::move(tuned), p, v, opt.scenario);
                             }
                             return tuned.dump(2) + "\n";
                           }());
    std::printf("tuned scenario: %s\n", (out / "scenario.json").c_str());
  }
  return dec.exit_code;
}

bool same_runs(const RunValues& a, const RunValues& b) {
  auto eq = [](const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
    return true;
  };
  return eq(a.availability, b.availability) && eq(a.attempts, b.attempts) && eq(a.down_attempts, b.down_attempts) &&
         eq(a.failed_trials, b.failed_trials) && eq(a.backend_rps, b.backend_rps) && eq(a.open_healthy_s, b.open_healthy_s) &&
         eq(a.rejected_healthy, b.rejected_healthy) && a.recovered == b.recovered;
}

std::vector<double> paired_differences(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (!std::isnan(a[i]) && !std::isnan(b[i])) d.push_back(a[i] - b[i]);
  return d;
}

}  // namespace chaoslab::tune
