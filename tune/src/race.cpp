#include "tune/race.hpp"

#include <algorithm>
#include <cmath>

#include "sim/format_number.hpp"

namespace chaoslab::tune {

namespace {

// "Clearly": a 3-sigma interval. Many candidates are compared after every round, so each single
// comparison must be far surer than 95% for the race to keep the grid's answer.
constexpr double kZ = 3;

struct Interval {
  double mean = NAN, lo = NAN, hi = NAN;
  std::size_t n = 0;
};

Interval interval_of(const std::vector<double>& d) {
  Interval e;
  double sum = 0;
  for (double x : d) sum += x;
  e.n = d.size();
  if (e.n < 2) return e;
  e.mean = sum / static_cast<double>(e.n);
  double ss = 0;
  for (double x : d) ss += (x - e.mean) * (x - e.mean);
  const double half = kZ * std::sqrt(ss / static_cast<double>(e.n - 1) / static_cast<double>(e.n));
  e.lo = e.mean - half;
  e.hi = e.mean + half;
  return e;
}

// a - b on the seeds where both have a value.
Interval paired(const std::vector<double>& a, const std::vector<double>& b) {
  return interval_of(paired_differences(a, b));
}

Interval single(const std::vector<double>& a) {
  std::vector<double> d;
  for (double x : a)
    if (!std::isnan(x)) d.push_back(x);
  return interval_of(d);
}

double mean_of(const std::vector<double>& a) {
  double s = 0;
  std::size_t n = 0;
  for (double x : a)
    if (!std::isnan(x)) {
      s += x;
      ++n;
    }
  return n ? s / static_cast<double>(n) : NAN;
}


std::string points(const Interval& e) {
  return sim::format_number(100 * e.mean, 3) + " points [" + sim::format_number(100 * e.lo, 3) + ", " +
         sim::format_number(100 * e.hi, 3) + "]";
}

}  // namespace

RaceResult race(std::vector<Candidate> cs, const TuneLimits& lim, double run_after_fault_s, std::size_t seeds,
                const RunSeeds& run) {
  RaceResult r;
  std::sort(cs.begin(), cs.end(), gentler);  // the same race whatever order the candidates came in
  const double budget = lim.max_availability_loss.value_or(lim.min_availability ? 2.0 : 0.01);
  std::vector<Candidate*> alive;
  std::vector<Candidate*> dropped;
  for (auto& c : cs) {
    if (c.cooldown_s >= run_after_fault_s) {
      c.eliminated = "cool-down outlasts the run after the fault";
      dropped.push_back(&c);
    } else {
      alive.push_back(&c);
    }
  }
  std::size_t done = 0;
  while (!alive.empty() && done < seeds) {
    const std::size_t next = std::min(seeds, done == 0 ? std::min(seeds, kRaceFirstRound) : done + (done + 1) / 2);
    run(alive, done, next - done);
    r.runs += alive.size() * (next - done);
    done = next;
    RaceRound round{done, alive.size(), 0};
    if (done < kRaceFirstRound || alive.size() == 1) {
      r.rounds.push_back(round);
      continue;
    }
    const std::string after = " after " + std::to_string(done) + " seeds";
    // Every verdict of this round rests on the values before it, so the order does not matter.
    std::vector<std::string> why(alive.size());
    // Runs identical so far to a gentler candidate's (alive is gentlest first): merged into it.
    for (std::size_t i = 0; i < alive.size(); ++i)
      for (std::size_t j = 0; j < i && why[i].empty(); ++j)
        if (why[j].empty() && same_runs(alive[i]->runs, alive[j]->runs)) {
          why[i] = "same runs as " + candidate_label(*alive[j]) + " on every seed" + after;
          alive[j]->same_as.push_back(candidate_label(*alive[i]));
          const double own = std::isnan(alive[j]->shortest_same_s) ? alive[j]->cooldown_s : alive[j]->shortest_same_s;
          const double other = std::isnan(alive[i]->shortest_same_s) ? alive[i]->cooldown_s : alive[i]->shortest_same_s;
          alive[j]->shortest_same_s = std::min(own, other);
        }
    // The leader: the best mean availability (ties: the gentler).
    Candidate* lead = nullptr;
    for (auto* c : alive) {
      const double m = mean_of(c->runs.availability);
      if (!std::isnan(m) && (!lead || m > mean_of(lead->runs.availability))) lead = c;
    }
    if (lead) {
      // Clearly inside the floor (and every other limit): not clearly below any candidate by the budget.
      auto clearly_inside = [&](const Candidate& d) {
        for (auto* e : alive)
          if (e != &d && !(paired(d.runs.availability, e->runs.availability).lo > -budget)) return false;
        if (lim.min_availability && !(single(d.runs.availability).lo >= *lim.min_availability)) return false;
        if (lim.max_load && !(single(d.runs.backend_rps).hi <= *lim.max_load)) return false;
        if (lim.max_failed_trials && !(single(d.runs.failed_trials).hi <= *lim.max_failed_trials)) return false;
        return std::count(d.runs.recovered.begin(), d.runs.recovered.end(), false) == 0;
      };
      std::vector<const Candidate*> inside;
      for (auto* d : alive)
        if (clearly_inside(*d)) inside.push_back(d);
      for (std::size_t i = 0; i < alive.size(); ++i) {
        Candidate& c = *alive[i];
        if (!why[i].empty() || &c == lead) continue;
        const Interval gap = paired(c.runs.availability, lead->runs.availability);
        if (gap.hi < -budget) {
          why[i] = "availability clearly below the floor: " + points(gap) + " against " + candidate_label(*lead) + after;
          continue;
        }
        const Interval own = single(c.runs.availability);
        if (lim.min_availability && own.hi < *lim.min_availability) {
          why[i] = "availability clearly below --min-availability" + after;
          continue;
        }
        if (lim.max_load && single(c.runs.backend_rps).lo > *lim.max_load) {
          why[i] = "load clearly above --max-load" + after;
          continue;
        }
        if (lim.max_failed_trials && single(c.runs.failed_trials).lo > *lim.max_failed_trials) {
          why[i] = "failed trials clearly above --max-failed-trials" + after;
          continue;
        }
        // Clearly dominated: another candidate has clearly more availability and clearly fewer
        // attempts (and the limits cannot tell them apart the other way): whatever the floor, it is
        // preferred whenever this one qualifies.
        for (const auto* d : alive) {
          if (d == &c || !why[i].empty()) continue;
          if (lim.max_load && !(single(d->runs.backend_rps).hi <= *lim.max_load)) continue;
          if (lim.max_failed_trials && !(single(d->runs.failed_trials).hi <= *lim.max_failed_trials)) continue;
          const Interval better = paired(d->runs.availability, c.runs.availability);
          const Interval fewer = paired(c.runs.attempts, d->runs.attempts);
          if (better.lo > 0 && fewer.lo > 0)
            why[i] = "clearly dominated by " + candidate_label(*d) + " (" + points(better) + " availability, " +
                     sim::format_number(fewer.mean, 3) + " fewer attempts per run)" + after;
        }
        if (!why[i].empty()) continue;
        for (const auto* d : inside) {
          if (d == &c) continue;
          const Interval more = paired(c.runs.attempts, d->runs.attempts);
          if (more.lo > 0) {
            why[i] = "clearly more attempts than " + candidate_label(*d) + " (+" + sim::format_number(more.mean, 3) +
                     " per run), which is clearly inside the floor" + after;
            break;
          }
        }
      }
    }
    std::vector<Candidate*> still;
    for (std::size_t i = 0; i < alive.size(); ++i) {
      if (why[i].empty()) {
        still.push_back(alive[i]);
        continue;
      }
      alive[i]->eliminated = why[i];
      alive[i]->eliminated_after = done;
      dropped.push_back(alive[i]);
      ++round.dropped;
    }
    alive = std::move(still);
    r.rounds.push_back(round);
  }
  for (auto* c : alive) r.survivors.push_back(std::move(*c));
  for (auto* c : dropped) {
    summarize(*c);
    r.eliminated.push_back(std::move(*c));
  }
  return r;
}

}  // namespace chaoslab::tune
