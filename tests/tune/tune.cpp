#include "tune/tune.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace chaoslab::tune;

namespace {

// A candidate whose n runs have availability a (+/- a small seeded wobble) and `attempts` attempts.
Candidate cand(double cooldown, double avail, double attempts, int n = 100, std::string backoff = "") {
  Candidate c;
  c.cooldown_s = cooldown;
  c.backoff = std::move(backoff);
  for (int i = 0; i < n; ++i) {
    const double wobble = 0.002 * ((i * 7919) % 11 - 5) / 5.0;
    c.runs.availability.push_back(std::clamp(avail + wobble, 0.0, 1.0));
    c.runs.attempts.push_back(attempts + (i % 3));
    c.runs.down_attempts.push_back(attempts / 2);
    c.runs.failed_trials.push_back(attempts / 40);
    c.runs.backend_rps.push_back(attempts / 60);
    c.runs.open_healthy_s.push_back(cooldown);
    c.runs.rejected_healthy.push_back(cooldown * 3);
    c.runs.recovered.push_back(true);
  }
  return c;
}

// Availability falls and attempts fall as the cool-down grows: the usual trade-off.
std::vector<Candidate> tradeoff() {
  return {cand(0.5, 0.950, 120), cand(1, 0.946, 80), cand(2, 0.938, 50), cand(4, 0.920, 30), cand(8, 0.880, 20)};
}

std::vector<double> cooldowns_of(const Decision& d) {
  std::vector<double> v;
  for (const auto& c : d.candidates) v.push_back(c.cooldown_s);
  return v;
}

}  // namespace

TEST_CASE("tune decision: the fewest attempts within the availability budget, the binding constraint named") {
  const Decision d = decide(tradeoff(), TuneLimits{}, 540);
  REQUIRE(d.recommended);
  CHECK(d.exit_code == 0);
  // Best 95%, floor 94%: 1 s (94.6%) qualifies, 2 s (93.8%) does not; 1 s sends fewer attempts than 0.5 s.
  CHECK(d.candidates[0].cooldown_s == 1);
  CHECK(d.floor == doctest::Approx(0.94));
  CHECK(d.binding == "max-availability-loss");
  CHECK(d.reason.find("The binding constraint is the availability budget (--max-availability-loss: at most 1 points below "
                      "the best (95% at 0.5 s)): 2 s would send fewer attempts") != std::string::npos);
  CHECK(cooldowns_of(d) == std::vector<double>{1, 0.5, 2, 4, 8});
  CHECK(d.candidates[2].violates.front().find("availability 93.8% < 94%") == 0);

  // A wider budget moves it to a longer cool-down; an SLO above the relative floor binds instead.
  TuneLimits wide;
  wide.max_availability_loss = 0.05;
  CHECK(decide(tradeoff(), wide, 540).candidates[0].cooldown_s == 4);
  TuneLimits slo;
  slo.max_availability_loss = 0.05;
  slo.min_availability = 0.93;
  const Decision s = decide(tradeoff(), slo, 540);
  CHECK(s.candidates[0].cooldown_s == 2);
  CHECK(s.binding == "min-availability");
  // A load limit that the shorter candidates exceed, while the budget is wide.
  TuneLimits load;
  load.max_availability_loss = 0.5;
  load.max_failed_trials = 1;  // failed trials = attempts / 40: 3, 2, 1.25, 0.75, 0.5
  const Decision l = decide(tradeoff(), load, 540);
  CHECK(l.candidates[0].cooldown_s == 8);
  CHECK(l.reason.find("No constraint binds") != std::string::npos);
  CHECK(l.reason.find("It is the longest cool-down tried") != std::string::npos);
  load.max_failed_trials = 0.4;
  const Decision none = decide(tradeoff(), load, 540);
  CHECK_FALSE(none.recommended);
  CHECK(none.exit_code == 1);
  CHECK(none.reason.find("No recommendation: no candidate meets every constraint.") == 0);
}

TEST_CASE("tune decision: independent of the order of the candidates; exact ties go to the gentler") {
  auto cs = tradeoff();
  const auto want = cooldowns_of(decide(cs, TuneLimits{}, 540));
  std::reverse(cs.begin(), cs.end());
  CHECK(cooldowns_of(decide(cs, TuneLimits{}, 540)) == want);
  std::rotate(cs.begin(), cs.begin() + 2, cs.end());
  CHECK(cooldowns_of(decide(cs, TuneLimits{}, 540)) == want);

  // Same attempts, same availability, different (but not identical-run) candidates: the longer wins.
  std::vector<Candidate> tie = {cand(1, 0.95, 50), cand(3, 0.95, 50)};
  tie[1].runs.open_healthy_s[0] += 1;  // not the same runs, so not merged
  CHECK(decide(tie, TuneLimits{}, 540).candidates[0].cooldown_s == 3);
  std::reverse(tie.begin(), tie.end());
  CHECK(decide(tie, TuneLimits{}, 540).candidates[0].cooldown_s == 3);
  // Backoffs at the same cool-down: the gentler backoff (earlier in backoff_candidates()) wins a tie.
  std::vector<Candidate> bt = {cand(1, 0.95, 50, 100, "none"), cand(1, 0.95, 50, 100, "exp-0.5x2")};
  bt[0].runs.open_healthy_s[0] += 1;
  CHECK(decide(bt, TuneLimits{}, 540).candidates[0].backoff == "exp-0.5x2");
}

TEST_CASE("tune decision: identical candidates are merged and labelled; a knob that changes nothing gives no answer") {
  auto cs = tradeoff();
  Candidate twin = cs[1];
  twin.cooldown_s = 1.2;  // e.g. the client loops every 0.3 s: 1 s and 1.2 s act the same
  cs.push_back(twin);
  const Decision d = decide(cs, TuneLimits{}, 540);
  REQUIRE(d.candidates.size() == 5);
  CHECK(d.candidates[0].cooldown_s == 1.2);  // the gentlest of the two
  CHECK(d.candidates[0].same_as == std::vector<std::string>{"1 s"});

  std::vector<Candidate> same = {cand(1, 0.9, 40), cand(5, 0.9, 40), cand(20, 0.9, 40)};
  for (auto& c : same) c.runs.open_healthy_s.assign(100, 0);
  for (auto& c : same) c.runs.rejected_healthy.assign(100, 0);
  const Decision n = decide(same, TuneLimits{}, 540);
  CHECK_FALSE(n.recommended);
  CHECK(n.exit_code == 1);
  CHECK(n.reason == "No recommendation: all 3 candidates gave identical runs on every seed, so the knob changes nothing in "
                    "this scenario.");
}

TEST_CASE("tune decision: never-recovered runs and cool-downs beyond the run rank last and are not Pareto") {
  auto cs = tradeoff();
  cs[0].runs.recovered[3] = false;  // 0.5 s: one run never recovered
  cs.push_back(cand(1000, 0.2, 5));  // longer than the run after the fault
  const Decision d = decide(cs, TuneLimits{}, 540);
  REQUIRE(d.recommended);
  // The best that recovered every time is 1 s (94.6%): the floor drops to 93.6% and 2 s meets it.
  CHECK(d.candidates[0].cooldown_s == 2);
  const auto& half = *std::find_if(d.candidates.begin(), d.candidates.end(), [](auto& c) { return c.cooldown_s == 0.5; });
  CHECK(half.never_recovered == 1);
  CHECK_FALSE(half.pareto);
  CHECK(half.violates.front() == "1 run(s) never recovered");
  CHECK(d.candidates[d.candidates.size() - 2].cooldown_s == 0.5);
  CHECK(d.candidates.back().cooldown_s == 1000);
  CHECK(d.candidates.back().beyond_run);
  CHECK_FALSE(d.candidates.back().pareto);
  // The best availability is now the best among those that recovered: 94.6% at 1 s.
  CHECK(d.best_availability == doctest::Approx(0.946).epsilon(0.001));
}

TEST_CASE("tune decision: too few seeds is no answer, and intervals stay inside [0, 100] %") {
  std::vector<Candidate> cs = {cand(0.5, 0.5, 100, 2), cand(2, 0.45, 60, 2)};
  cs[0].runs.availability = {0.0, 1.0};
  cs[1].runs.availability = {1.0, 0.0};
  const Decision d = decide(cs, TuneLimits{}, 540);
  CHECK_FALSE(d.recommended);
  CHECK(d.exit_code == 1);
  CHECK(d.reason.find("No recommendation: too few seeds to decide: 2 runs per candidate; the decision needs at least 10") == 0);
  for (const auto& c : d.candidates) {
    CHECK(c.availability.lo >= 0);
    CHECK(c.availability.hi <= 1);
  }
  // Enough runs, but too noisy to place the candidates against a 1 point budget.
  std::vector<Candidate> noisy = {cand(0.5, 0.5, 100, 30), cand(2, 0.45, 60, 30)};
  for (int i = 0; i < 30; ++i) {
    noisy[0].runs.availability[i] = i % 2 ? 0.96 : 0.1;  // mean 0.53, near the floor
    noisy[1].runs.availability[i] = i % 3 ? 0.8 : 0.0;
  }
  const Decision nd = decide(noisy, TuneLimits{}, 540);
  CHECK_FALSE(nd.recommended);
  CHECK(nd.reason.find("No recommendation: too few seeds to decide. 30 runs give the availability difference between") == 0);
  CHECK(nd.reason.find("the decision needs it within +/-1 points (the availability budget). Run at least ") !=
        std::string::npos);
  const Estimate e = bootstrap_mean({0.98, 1.0, 1.0});
  CHECK(e.lo >= 0.98);
  CHECK(e.hi <= 1.0);
  CHECK(e.mean == doctest::Approx(0.99333).epsilon(1e-4));
}

TEST_CASE("tune candidates span the measured restart timing") {
  // Median outage 4.04 s, p95 4.12 s, current 1 s: 1/40 of the median (0.1 s, below the lab client's
  // 0.3 s loop) to 4x the p95, log-spaced, plus the median, the p95 and the current value.
  CHECK(default_cooldowns(4.04, 4.12, 1) == std::vector<double>{0.1, 0.19, 0.36, 0.68, 1, 1.3, 2.4, 4, 4.1, 4.6, 8.7, 16});
  const auto tiny = default_cooldowns(0.05, 0.08, 0);
  CHECK(tiny.front() == 0.05);
  CHECK(tiny.back() == doctest::Approx(0.4));  // at least 8x the shortest
}

TEST_CASE("tune restart timing: order-statistic intervals for the median and the p95, open where the pilot is too small") {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  const QuantileInterval m = quantile_interval(v, 0.5);
  CHECK(m.value == doctest::Approx(50.5));
  // Exact binomial ranks for n = 100: x(40) .. x(61).
  CHECK(m.lo == 40);
  CHECK(m.hi == 61);
  const QuantileInterval p = quantile_interval(v, 0.95);
  CHECK(p.lo == 90);
  CHECK(p.hi == 100);
  // 40 values cannot bound the p95 from above (0.95^40 > 2.5%), nor 71; 72 can (0.95^72 < 2.5%).
  std::vector<double> small(v.begin(), v.begin() + 40);
  CHECK(std::isnan(quantile_interval(small, 0.95).hi));
  CHECK(!std::isnan(quantile_interval(small, 0.95).lo));
  CHECK(std::isnan(quantile_interval(std::vector<double>(v.begin(), v.begin() + 71), 0.95).hi));
  CHECK(!std::isnan(quantile_interval(std::vector<double>(v.begin(), v.begin() + 72), 0.95).hi));
}

TEST_CASE("tune decision: at the short edge, a hint to extend the range, unless shorter cool-downs acted the same") {
  // Availability falls with every step of cool-down (a flaky backend): the shortest wins.
  std::vector<Candidate> cs = {cand(0.2, 0.30, 50), cand(0.4, 0.25, 45), cand(0.8, 0.20, 40)};
  const Decision edge = decide(cs, TuneLimits{}, 540);
  REQUIRE(edge.recommended);
  CHECK(edge.candidates[0].cooldown_s == 0.2);
  CHECK(edge.reason.find("It is the shortest cool-down tried and no shorter one was seen to act the same: a shorter one "
                         "may do better (extend --cooldowns).") != std::string::npos);
  // Extending the range below the client's call period: the shorter one acts the same. No hint
  // to extend again; the reason says why the edge is the answer and what a longer one costs.
  Candidate twin = cand(0.1, 0.30, 50);
  twin.runs = cs[0].runs;
  cs.push_back(twin);
  const Decision bracketed = decide(cs, TuneLimits{}, 540);
  REQUIRE(bracketed.recommended);
  CHECK(bracketed.candidates[0].cooldown_s == 0.2);
  CHECK(bracketed.candidates[0].same_as == std::vector<std::string>{"0.1 s"});
  CHECK(bracketed.reason.find("extend --cooldowns") == std::string::npos);
  CHECK(bracketed.reason.find("It is the shortest distinct cool-down: the shorter ones tried (down to 0.1 s) gave identical "
                              "runs on every seed") != std::string::npos);
  CHECK(bracketed.reason.find("A longer one only costs availability here: the next, 0.4 s, loses 5 points to save 5 attempts "
                              "per run.") != std::string::npos);
}
