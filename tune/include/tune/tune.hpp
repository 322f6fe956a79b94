// `chaoslab tune`: picks the breaker cool-down (reset_timeout) — and optionally the retry backoff —
// for a chaos scenario from many seeded runs. Every candidate is measured over the whole incident
// (tune_metrics.hpp); the decision model (docs/tuning.md, "The decision") is decide() below.
#pragma once

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace chaoslab::tune {

// What the user asks of the recommendation. Availability is a fraction (0.99 = 99%).
struct TuneLimits {
  std::optional<double> min_availability;  // an SLO over the incident
  // At most this far below the best candidate; unset: 0.01 without min_availability, no limit with it.
  std::optional<double> max_availability_loss;
  std::optional<double> max_load;           // attempts/s on the recovering backend
  std::optional<double> max_failed_trials;  // failed half-open trials per incident
};

struct TuneOptions {
  std::string scenario;
  std::vector<std::pair<std::string, std::string>> sets;  // --set /pointer=value, as `run`
  std::vector<double> cooldowns;  // empty: derived from the pilot's restart timing
  std::string pointer;            // "" = the effective cool-down of every client
  bool backoff = false;           // also try the built-in retry backoff candidates
  std::vector<std::string> knobs;  // --knob /pointer=v1,v2,...: more knobs tuned together
  std::string search;              // "grid", "adaptive"; "": adaptive with more than one knob
  int seeds = 200;
  int pilot_seeds = 100;
  double window_s = 60;
  TuneLimits limits;
  std::string out = "tune-out";
  int jobs = 0;
  bool resume = false;
  bool progress = false;
};

// A mean over runs with its 95% interval; n = 0 when no run had a value.
struct Estimate {
  double mean = NAN, lo = NAN, hi = NAN;
  std::size_t n = 0;
};

// Per-run values of one candidate, in seed order (NaN where a run had no value).
struct RunValues {
  std::vector<double> availability, attempts, down_attempts, failed_trials, backend_rps, open_healthy_s,
      rejected_healthy;
  std::vector<bool> recovered;
};

// Identical on every seed (NaN equal to NaN): the grid merges such candidates, the race drops the
// less gentle one.
bool same_runs(const RunValues& a, const RunValues& b);

// a[i] - b[i] on the seeds where both have a value (a NaN is a run without one): the paired
// differences both the grid's decision and the race's eliminations test.
std::vector<double> paired_differences(const std::vector<double>& a, const std::vector<double>& b);

struct Candidate {
  std::size_t point = 0;
  double cooldown_s = 0;
  std::string backoff;  // "" without --backoff
  // The --knob values, in --knob order: (name, value as text), and each value's place in its
  // knob's gentleness order (0 = gentlest; knobs.hpp).
  std::vector<std::pair<std::string, std::string>> knobs;
  std::vector<int> knob_gentleness;
  RunValues runs;
  // Set by the adaptive search (race.hpp) when it dropped this candidate: why, after how many seeds.
  std::string eliminated;
  std::size_t eliminated_after = 0;
  // Filled by decide():
  Estimate availability, attempts, down_attempts, failed_trials, backend_rps, open_healthy_s, rejected_healthy;
  std::size_t never_recovered = 0;      // runs where no call succeeded after the backend was back
  std::vector<std::string> same_as;     // merged candidates with identical runs (this one is the gentlest)
  double shortest_same_s = NAN;         // the shortest cool-down among it and those merged into it
  bool beyond_run = false;              // the cool-down outlasts the run after the fault
  std::vector<std::string> violates;    // the constraints it fails
  bool feasible = false;
  bool pareto = false;  // no other candidate has at least its availability with at most its attempts, better on one
  int rank = 0;         // 1 = the recommendation (when there is one)
};

struct Decision {
  std::vector<Candidate> candidates;  // merged, in rank order
  bool recommended = false;           // false: candidates.front() is not a recommendation
  int exit_code = 0;                  // 0, or 1 when no recommendation can be made
  double best_availability = NAN;
  double floor = NAN;                 // the availability the recommendation must reach
  std::string binding;                // the constraint that binds ("" if none)
  std::string reason;                 // how the numbers lead to it (or why there is no answer)
};

// Label of a candidate: "0.5 s", "0.5 s / none".
std::string candidate_label(const Candidate& c);

// Gentler first: the longer cool-down, then the gentler backoff (backoff_candidates() order),
// then each --knob's gentler value in --knob order.
bool gentler(const Candidate& a, const Candidate& b);

// Fills a candidate's estimates (availability, attempts, ...) and never_recovered from its runs.
void summarize(Candidate& c);

// A percentile-bootstrap 95% interval of the mean of `v` (NaNs skipped), inside [min, max] of the
// data; deterministic (fixed seed). Used for availability so its interval stays inside [0, 1].
Estimate bootstrap_mean(const std::vector<double>& v);

// The decision model: merge candidates with identical runs (keeping the gentlest), put those with
// never-recovered runs and cool-downs longer than the run after the others, set the availability
// floor max(min_availability, best - max_availability_loss), and recommend the candidate meeting
// every constraint that sends the fewest attempts in the incident (exact ties: the gentler).
// Candidates already merged (same_as filled by the adaptive search) count as given: when all of
// them are one, the knob changes nothing. run_after_fault_s: how long the run lasts after the fault (for beyond_run).
// dropped: candidates the adaptive search eliminated (summarized, never recommended): they count
// for the hints at the edges of the range tried.
Decision decide(std::vector<Candidate> candidates, const TuneLimits& limits, double run_after_fault_s,
                const std::vector<Candidate>& dropped = {});

// A distribution-free 95% interval for the q-quantile of a sample: order statistics whose ranks
// come from the exact binomial distribution. A side that the sample is too small to bound is NaN
// (e.g. the upper end of the p95 with fewer than 72 values).
struct QuantileInterval {
  double value = NAN, lo = NAN, hi = NAN;
};
QuantileInterval quantile_interval(std::vector<double> v, double q);

// Cool-downs to try given the outage (seconds until a ready endpoint is back) seen in the pilot
// runs and the scenario's current cool-down: log-spaced from a fortieth of the median outage (at
// least 0.05 s, so the shortest usually falls below the client's loop period) to
// four times its 95th percentile, plus the median, the p95 and the current value, 2 significant
// digits, sorted, without duplicates.
std::vector<double> default_cooldowns(double outage_p50, double outage_p95, double current);

// The built-in backoff candidates (--backoff), gentlest first: name -> /policies/retry/wait value.
std::vector<std::pair<std::string, nlohmann::json>> backoff_candidates();

// Runs the pilot, the sweep, decides, writes OUT/tune.json (and the tuned OUT/scenario.json),
// prints the recommendation and its evidence. Returns the exit status: 0 with a recommendation,
// 1 without one. (OUT/report.html is written by the caller: app/cmd_tune.cpp.)
int run_tune(const TuneOptions& options);

}  // namespace chaoslab::tune
