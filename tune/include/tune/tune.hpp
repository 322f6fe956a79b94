// `chaoslab tune`: picks the breaker cool-down (reset_timeout) — and optionally the retry backoff —
// for a chaos scenario from a sweep of candidates over many seeds. The candidates come from the
// scenario's own restart timing (pilot runs measure how long a ready endpoint takes to come back);
// the ranking rule is stated in docs/tuning.md and printed with the numbers it used.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/sweep_stats.hpp"

namespace chaoslab::app {

enum class TuneObjective {
  availability,  // maximise ok calls / calls in the window after a ready endpoint is back
  recovery,      // minimise the time from a ready endpoint to the first successful call
};

struct TuneOptions {
  std::string scenario;
  std::vector<std::pair<std::string, std::string>> sets;  // --set /pointer=value, as `run`
  std::vector<double> cooldowns;  // empty: derived from the pilot's restart timing
  bool backoff = false;           // also try the built-in retry backoff candidates
  int seeds = 200;
  int pilot_seeds = 40;
  double window_s = 60;
  TuneObjective objective = TuneObjective::availability;
  double tolerance = 0;           // objective differences this small count as ties (see rank_candidates)
  double trial_weight = 1;        // cost weights (see rank_candidates)
  double load_weight = 1;
  std::string out = "tune-out";
  int jobs = 0;
  bool resume = false;
  bool progress = false;
};

// A mean over seeds with its 95% interval; n = 0 when no run had a value.
struct Estimate {
  double mean = NAN, lo = NAN, hi = NAN;
  std::size_t n = 0;
  double half_width() const { return n >= 2 ? hi - mean : 0.0; }
};

struct Candidate {
  std::size_t point = 0;
  double cooldown_s = 0;
  std::string backoff;  // "" without --backoff
  Estimate availability, time_to_first_success_s, failed_trials, backend_rps, wasted_cooldown_s, success_rate;
  bool pareto = false;  // no other candidate is as good on all of availability, failed trials, load and better on one
  bool tied = false;    // its objective is within the best candidate's 95% interval
  double cost = 0;      // trial_weight * trials / max trials + load_weight * rps / max rps
  int rank = 0;         // 1 = the recommendation
};

struct Ranking {
  std::vector<Candidate> candidates;  // in rank order; candidates[0] is the recommendation
  std::string reason;                 // one paragraph: how the numbers lead to it
};

// The rule: the best candidate on the objective sets a bar at its mean minus (plus, for
// recovery) the larger of the half-width of its 95% interval and `tolerance` (availability as a
// fraction, recovery in seconds); every candidate past the bar is tied with it; among the tied,
// the lowest cost wins (ties: the better objective, then the lower point index). The others
// follow by objective. Candidates without a value rank last.
Ranking rank_candidates(std::vector<Candidate> candidates, TuneObjective objective, double trial_weight,
                        double load_weight, double tolerance = 0);

// Candidates from a finished tune sweep's statistics.
std::vector<Candidate> candidates_from_stats(const sim::SweepStats& stats);

// Cool-downs to try given the outage (seconds until a ready endpoint is back) seen in the pilot
// runs and the scenario's current cool-down: log-spaced from a quarter of the median outage to
// four times its 95th percentile, plus the median, the p95 and the current value, 2 significant
// digits, sorted, without duplicates.
std::vector<double> default_cooldowns(double outage_p50, double outage_p95, double current);

// The built-in backoff candidates (--backoff): name -> /policies/retry/wait value.
std::vector<std::pair<std::string, nlohmann::json>> backoff_candidates();

// Runs the pilot, the sweep, ranks, writes OUT/tune.json, prints the recommendation and its
// evidence. Returns the exit status. (OUT/report.html is written by the caller: app/cmd_tune.cpp.)
int run_tune(const TuneOptions& options);

}  // namespace chaoslab::app
