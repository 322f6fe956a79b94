// The adaptive search against decide() on the full grid, with made-up candidates whose runs are
// drawn from a seeded generator: the same recommendation, fewer runs, order-independent.
#include "tune/race.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using namespace chaoslab::tune;

namespace {

// Availability and attempts of candidate i on seed k: deterministic per (i, k), with noise that
// is shared across candidates on the same seed (paired seeds help, as in real runs).
struct Truth {
  double availability, attempts;
};

void append(Candidate& c, const Truth& t, std::size_t seed) {
  std::mt19937_64 shared(seed * 7919), own(seed * 104729 + static_cast<std::uint64_t>(c.point));
  std::normal_distribution<double> n(0, 1);
  const double common = n(shared);
  c.runs.availability.push_back(std::clamp(t.availability + 0.03 * common + 0.01 * n(own), 0.0, 1.0));
  c.runs.attempts.push_back(t.attempts + 3 * common + 2 * n(own));
  c.runs.down_attempts.push_back(t.attempts / 2);
  c.runs.failed_trials.push_back(t.attempts / 10);
  c.runs.backend_rps.push_back(t.attempts / 60);
  c.runs.open_healthy_s.push_back(c.cooldown_s);
  c.runs.rejected_healthy.push_back(c.cooldown_s);
  c.runs.recovered.push_back(true);
}

// 6 cool-downs x 5 fail_max: availability falls with the cool-down, attempts fall too.
std::vector<Truth> truths() {
  std::vector<Truth> t;
  for (int cd = 0; cd < 6; ++cd)
    for (int fm = 0; fm < 5; ++fm) t.push_back({0.95 - 0.006 * cd * cd - 0.004 * fm, 120.0 - 15 * cd + 6 * fm});
  return t;
}

std::vector<Candidate> blank() {
  std::vector<Candidate> cs;
  const auto t = truths();
  for (std::size_t i = 0; i < t.size(); ++i) {
    Candidate c;
    c.point = i;
    c.cooldown_s = 0.5 * static_cast<double>(1 << (i / 5));
    c.knobs = {{"fail_max", std::to_string(i % 5 + 1)}};
    c.knob_gentleness = {static_cast<int>(i % 5)};
    cs.push_back(c);
  }
  return cs;
}

}  // namespace

TEST_CASE("tune race: the grid's recommendation with far fewer runs, dropping only candidates clearly out") {
  const auto t = truths();
  constexpr std::size_t kSeeds = 200;
  std::vector<Candidate> grid = blank();
  for (auto& c : grid)
    for (std::size_t k = 0; k < kSeeds; ++k) append(c, t[c.point], k);
  const Decision full = decide(grid, TuneLimits{}, 540);
  REQUIRE(full.recommended);

  auto runner = [&](const std::vector<Candidate*>& alive, std::size_t first, std::size_t count) {
    for (auto* c : alive)
      for (std::size_t k = first; k < first + count; ++k) append(*c, t[c->point], k);
  };
  const RaceResult r = race(blank(), TuneLimits{}, 540, kSeeds, runner);
  const Decision d = decide(r.survivors, TuneLimits{}, 540);
  REQUIRE(d.recommended);
  CHECK(candidate_label(d.candidates[0]) == candidate_label(full.candidates[0]));
  CHECK(r.runs * 5 <= grid.size() * kSeeds);
  CHECK(r.survivors.size() + r.eliminated.size() == grid.size());
  for (const auto& c : r.survivors) CHECK(c.runs.availability.size() == kSeeds);
  for (const auto& c : r.eliminated) {
    CHECK(c.runs.availability.size() == c.eliminated_after);
    CHECK(c.eliminated.find("clearly") != std::string::npos);
  }
  // The rounds: 10 seeds first, growing by half, the last at every seed.
  REQUIRE(!r.rounds.empty());
  CHECK(r.rounds.front().seeds == kRaceFirstRound);
  CHECK(r.rounds.front().alive == grid.size());
  CHECK(r.rounds.back().seeds == kSeeds);

  // The order the candidates come in changes nothing.
  std::vector<Candidate> reversed = blank();
  std::reverse(reversed.begin(), reversed.end());
  const RaceResult again = race(reversed, TuneLimits{}, 540, kSeeds, runner);
  CHECK(again.runs == r.runs);
  REQUIRE(again.survivors.size() == r.survivors.size());
  for (std::size_t i = 0; i < r.survivors.size(); ++i)
    CHECK(candidate_label(again.survivors[i]) == candidate_label(r.survivors[i]));
}

TEST_CASE("tune race: identical candidates are merged into the gentler; a cool-down beyond the run never runs") {
  std::vector<Candidate> cs(3);
  for (std::size_t i = 0; i < cs.size(); ++i) cs[i].point = i;
  cs[0].cooldown_s = 0.1;
  cs[1].cooldown_s = 0.2;
  cs[2].cooldown_s = 1000;
  const Truth same{0.9, 50};
  const RaceResult r = race(cs, TuneLimits{}, 540, 40, [&](const std::vector<Candidate*>& alive, std::size_t first, std::size_t n) {
    for (auto* c : alive) {
      CHECK(c->cooldown_s < 540);
      for (std::size_t k = first; k < first + n; ++k) {
        const auto point = c->point;
        c->point = 0;  // the same draws for both: identical runs
        append(*c, same, k);
        c->runs.open_healthy_s.back() = c->runs.rejected_healthy.back() = 1;
        c->point = point;
      }
    }
  });
  REQUIRE(r.survivors.size() == 1);
  CHECK(r.survivors[0].cooldown_s == 0.2);
  CHECK(r.survivors[0].same_as == std::vector<std::string>{"0.1 s"});
  CHECK(r.runs == 2 * 10 + 1 * 30);
  // Handed to decide() with everything it merged, one candidate is "the knob changes nothing".
  const Decision d = decide(r.survivors, TuneLimits{}, 540);
  CHECK_FALSE(d.recommended);
  CHECK(d.reason.find("No recommendation: all 2 candidates gave identical runs") == 0);
}
