// The adaptive search of `chaoslab tune` (docs/tuning.md, "Several knobs"): a race in the style of
// F-race. Every candidate still in the race runs the same seeds, in rounds that double the seeds
// run so far (10, 20, 40, ... up to --seeds); after each round a candidate is dropped only when it
// clearly cannot be the recommendation of decide(): its availability is clearly below the floor
// (paired with the current best on the same seeds), it clearly breaks --max-load or
// --max-failed-trials, it clearly sends more attempts than a candidate clearly inside the floor,
// or its runs so far are identical to a gentler candidate's (merged into it). "Clearly" is a
// paired 3-sigma interval over the seeds so far. The survivors then run every seed and decide()
// picks among them, as it does for the full grid.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "tune/tune.hpp"

namespace chaoslab::tune {

struct RaceRound {
  std::size_t seeds = 0;  // seeds run so far by every candidate still in the race
  std::size_t alive = 0;  // candidates that ran this round
  std::size_t dropped = 0;
};

struct RaceResult {
  std::vector<Candidate> survivors;   // ran every seed of the race
  std::vector<Candidate> eliminated;  // Candidate::eliminated says why, eliminated_after when
  std::vector<RaceRound> rounds;
  std::size_t runs = 0;  // runs spent
};

// Runs seeds [first, first + count) (0-based seed indices) of every candidate in `alive`,
// appending each run's values to its Candidate::runs in seed order.
using RunSeeds = std::function<void(const std::vector<Candidate*>& alive, std::size_t first, std::size_t count)>;

// The first round's seeds (and the least a comparison rests on).
inline constexpr std::size_t kRaceFirstRound = 10;

RaceResult race(std::vector<Candidate> candidates, const TuneLimits& limits, double run_after_fault_s, std::size_t seeds,
                const RunSeeds& run);

}  // namespace chaoslab::tune
