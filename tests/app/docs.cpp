// Figures the docs quote that a shipped file decides: the default job's size (sweeps/lab3-cooldown.json)
// as docs/sweeps.md, scripts/demo and the sweep file's own description state it. A changed file
// without its docs fails here.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "sim/sweep_spec.hpp"

namespace {

std::string read(const std::string& rel) {
  std::ifstream in(std::string(CHAOSLAB_SOURCE_DIR) + "/" + rel);
  REQUIRE_MESSAGE(in, rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 24000 -> "24,000"
std::string grouped(std::size_t n) {
  const std::string digits = std::to_string(n);
  std::string s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

// Collapses line breaks and repeated spaces (the docs wrap at 100 columns).
std::string one_line(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == ' ' || c == '#') {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("docs: the default job's figures are those of sweeps/lab3-cooldown.json") {
  const std::string path = std::string(CHAOSLAB_SOURCE_DIR) + "/sweeps/lab3-cooldown.json";
  const chaoslab::sim::SweepSpec spec = chaoslab::sim::load_sweep(path);
  REQUIRE(spec.axes.size() == 2);
  const std::size_t cooldowns = spec.axes[0].levels(), profiles = spec.axes[1].levels();
  const std::size_t seeds = static_cast<std::size_t>(spec.seeds);
  const std::size_t runs = chaoslab::sim::sweep_points(spec).size() * seeds;
  CHECK(runs == cooldowns * profiles * seeds);
  const std::string n_seeds = grouped(seeds), n_runs = grouped(runs);
  MESSAGE("default job: " << cooldowns << " cool-downs x " << profiles << " profiles x " << n_seeds << " seeds = " << n_runs
                          << " runs");

  const std::string sweeps_md = one_line(read("docs/sweeps.md"));
  CHECK(sweeps_md.find(std::to_string(cooldowns) + " breaker cool-downs") != std::string::npos);
  CHECK(sweeps_md.find("x " + std::to_string(profiles) + " restart-time profiles") != std::string::npos);
  CHECK(sweeps_md.find("x " + n_seeds + " seeds = " + n_runs + " runs") != std::string::npos);

  const std::string demo = one_line(read("scripts/demo"));
  CHECK(demo.find(std::to_string(cooldowns) + " breaker cool-downs x " + std::to_string(profiles) +
                  " pod restart-time profiles x " + n_seeds + " seeds (sweeps/lab3-cooldown.json, " + n_runs +
                  " runs)") != std::string::npos);

  const std::string own = read("sweeps/lab3-cooldown.json");
  CHECK(own.find(std::to_string(cooldowns) + " cool-downs x " + std::to_string(profiles) + " restart-time profiles x " +
                 std::to_string(seeds) + " seeds (" + n_runs + " runs)") != std::string::npos);
}
