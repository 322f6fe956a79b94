#include "sim/sweep_runner.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "policies/error.hpp"
#include "policies/rng.hpp"
#include "sim/sweep_merge.hpp"
#include "sim/sweep_stats.hpp"
#include "../support/files.hpp"

using chaoslab::ConfigError;
using nlohmann::json;
namespace sim = chaoslab::sim;
namespace fs = std::filesystem;

namespace {

using chaoslab::test::slurp;

// A scratch folder with the base document the fake sweeps point at.
struct Scratch : chaoslab::test::ScratchDir {
  Scratch() : ScratchDir("sweep-runner") { write("base.json", R"({"a": 1, "b": 1})"); }
};

// A model whose "summary" is a pure function of the point's overrides and the seed, with a
// seed-dependent amount of busy work so that workers finish out of order.
class FakeModel final : public sim::SweepModel {
 public:
  explicit FakeModel(std::uint64_t fail_at_seed = 0) : fail_at_seed_(fail_at_seed) {}
  std::unique_ptr<sim::PointRun> prepare(const std::vector<sim::Override>& ov) const override {
    double a = 0, b = 0;
    for (const auto& [p, v] : ov) (p == "/a" ? a : b) = v.get<double>();
    prepares_ += 1;
    return std::make_unique<Run>(a, b, fail_at_seed_);
  }
  mutable std::atomic<int> prepares_{0};

 private:
  struct Run final : sim::PointRun {
    Run(double a, double b, std::uint64_t fail) : a_(a), b_(b), fail_(fail) {}
    std::string run(std::uint64_t seed) override {
      if (seed == fail_) throw std::runtime_error("run failed at seed " + std::to_string(seed));
      chaoslab::Rng rng(seed * 7919 + static_cast<std::uint64_t>(a_ * 100 + b_));
      volatile double sink = 0;
      for (std::uint64_t i = 0, n = rng.next_u64() % 20000; i < n; ++i) sink = sink + 1e-9;
      const int ok = static_cast<int>(rng.uniform_int(0, 10));
      json s = {{"seed", seed},
                {"calls", {{"total", 10}, {"ok", ok}}},
                {"recovery", seed % 5 == 0 ? json(nullptr) : json({{"time_to_first_success_s", a_ + rng.uniform01()}})},
                {"b_plus_ok", b_ + ok}};
      return s.dump();
    }
    double a_, b_;
    std::uint64_t fail_;
  };
  std::uint64_t fail_at_seed_;
};

sim::SweepSpec make_spec(const fs::path& dir, int seeds = 25) {
  return sim::parse_sweep({{"scenario", "base.json"},
                           {"axes", json::array({{{"pointer", "/a"}, {"values", {1, 2, 3}}},
                                                 {{"pointer", "/b"}, {"values", {10, 20}}}})},
                           {"seeds", {{"count", seeds}, {"first", 1}}}},
                          "fake-sweep.json", dir);
}

sim::SweepOptions opts(const fs::path& out, int jobs) {
  sim::SweepOptions o;
  o.out_dir = out;
  o.jobs = jobs;
  return o;
}

}  // namespace

TEST_CASE("runs.jsonl and summary.csv are byte-identical for 1, 2 and 5 jobs and a tiny window") {
  Scratch s;
  const auto spec = make_spec(s.dir);
  FakeModel model;
  sim::run_sweep(spec, model, opts(s.dir / "j1", 1));
  sim::run_sweep(spec, model, opts(s.dir / "j2", 2));
  auto o5 = opts(s.dir / "j5", 5);
  o5.window = 3;  // workers must wait for the writer
  const auto r5 = sim::run_sweep(spec, model, o5);
  CHECK(r5.ran == 150);
  const std::string runs = slurp(s.dir / "j1/runs.jsonl");
  CHECK(runs == slurp(s.dir / "j2/runs.jsonl"));
  CHECK(runs == slurp(s.dir / "j5/runs.jsonl"));
  CHECK(slurp(s.dir / "j1/summary.csv") == slurp(s.dir / "j5/summary.csv"));
  // Ordered by run index; run r is point r / 25 with seed 1 + r % 25.
  std::istringstream in(runs);
  std::string line;
  std::size_t r = 0;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    CHECK(j["run"] == r);
    CHECK(j["point"] == r / 25);
    CHECK(j["seed"] == 1 + r % 25);
    ++r;
  }
  CHECK(r == 150);
  CHECK(runs.substr(0, 52) == R"({"run":0,"point":0,"seed":1,"params":{"a":1,"b":10},)");
}

TEST_CASE("shards merged equal the unsharded sweep; merge refuses gaps, overlaps and strangers") {
  Scratch s;
  const auto spec = make_spec(s.dir, 7);  // 42 runs: shards of 14
  FakeModel model;
  sim::run_sweep(spec, model, opts(s.dir / "all", 2));
  std::vector<fs::path> shards;
  for (int i = 0; i < 3; ++i) {
    auto o = opts(s.dir / ("shard" + std::to_string(i)), 1 + i);
    o.shard_index = i;
    o.shard_count = 3;
    const auto r = sim::run_sweep(spec, model, o);
    CHECK(r.end_run - r.first_run == 14);
    shards.push_back(o.out_dir);
  }
  CHECK_THROWS_WITH_AS(sim::merge_sweeps({shards[0], shards[2]}, s.dir / "m"),
                       "merge: runs 14-27 are missing (no shard given covers them)", ConfigError);
  CHECK_THROWS_WITH_AS(sim::merge_sweeps({shards[0], shards[1], shards[1], shards[2]}, s.dir / "m"),
                       (shards[1].string() + ": shard 1/3 overlaps " + shards[1].string() + " (runs 14-27 are in both)").c_str(),
                       ConfigError);
  const auto other = sim::parse_sweep({{"scenario", "base.json"}, {"axes", json::array({{{"pointer", "/a"}, {"values", {9}}}})}},
                                      "other.json", s.dir);
  sim::run_sweep(other, model, opts(s.dir / "other", 1));
  CHECK_THROWS_WITH_AS(sim::merge_sweeps({shards[0], s.dir / "other"}, s.dir / "m"),
                       ((s.dir / "other").string() + ": belongs to a different sweep than " + shards[0].string() +
                        " (compare their sweep.json)").c_str(),
                       ConfigError);
  // Shards given in any order.
  sim::merge_sweeps({shards[2], shards[0], shards[1]}, s.dir / "m");
  for (const char* f : {"runs.jsonl", "summary.csv", "sweep.json"}) CHECK(slurp(s.dir / "m" / f) == slurp(s.dir / "all" / f));
  CHECK_THROWS_WITH_AS(sim::merge_sweeps(shards, s.dir / "m"),
                       ((s.dir / "m").string() + ": already holds a sweep; merge into a new directory").c_str(), ConfigError);
}

TEST_CASE("--resume completes a torn sweep to the same bytes; a finished directory is not overwritten") {
  Scratch s;
  const auto spec = make_spec(s.dir);
  FakeModel model;
  sim::run_sweep(spec, model, opts(s.dir / "ref", 2));
  const std::string ref = slurp(s.dir / "ref/runs.jsonl");

  fs::create_directories(s.dir / "torn");
  fs::copy_file(s.dir / "ref/sweep.json", s.dir / "torn/sweep.json");
  // 40 whole lines and half of the 41st, as a kill -9 during a write could leave.
  std::size_t pos = 0;
  for (int i = 0; i < 40; ++i) pos = ref.find('\n', pos) + 1;
  std::ofstream(s.dir / "torn/runs.jsonl", std::ios::binary) << ref.substr(0, pos + 30);
  CHECK(sim::scan_runs(s.dir / "torn/runs.jsonl", 0).lines == 40);

  CHECK_THROWS_WITH_AS(sim::run_sweep(spec, model, opts(s.dir / "torn", 2)),
                       ((s.dir / "torn").string() +
                        ": already holds a sweep (sweep.json); pass --resume to complete it, or choose another --out directory")
                           .c_str(),
                       ConfigError);
  auto o = opts(s.dir / "torn", 3);
  o.resume = true;
  const auto r = sim::run_sweep(spec, model, o);
  CHECK(r.resumed == 40);
  CHECK(r.ran == 110);
  CHECK(slurp(s.dir / "torn/runs.jsonl") == ref);
  CHECK(slurp(s.dir / "torn/summary.csv") == slurp(s.dir / "ref/summary.csv"));

  // Resuming with another sweep description is refused.
  const auto other = make_spec(s.dir, 26);
  CHECK_THROWS_WITH_AS(sim::run_sweep(other, model, o),
                       ((s.dir / "torn/sweep.json").string() +
                        ": describes a different sweep (field \"runs\" differs); --resume continues only the same sweep "
                        "file, scenario and shard")
                           .c_str(),
                       ConfigError);
}

TEST_CASE("a failing run stops the sweep; the runs before it stay and are whole") {
  Scratch s;
  const auto spec = make_spec(s.dir);
  FakeModel model(/*fail_at_seed=*/13);
  CHECK_THROWS_WITH(sim::run_sweep(spec, model, opts(s.dir / "f", 2)), "run failed at seed 13");
  const auto scan = sim::scan_runs(s.dir / "f/runs.jsonl", 0);
  CHECK(scan.lines <= 12);  // run 12 (seed 13) and anything after it never reached the file
  CHECK(scan.bytes == fs::file_size(s.dir / "f/runs.jsonl"));
}

TEST_CASE("an output directory that cannot be created is an I/O error naming it") {
  Scratch s;
  std::ofstream(s.dir / "file") << "x";
  FakeModel model;
  CHECK_THROWS_WITH_AS(sim::run_sweep(make_spec(s.dir), model, opts(s.dir / "file/out", 1)),
                       ("cannot create the output directory " + (s.dir / "file/out").string() + ": Not a directory").c_str(),
                       sim::SweepIoError);
}

TEST_CASE("shard ranges cover every run once, sizes differ by at most one") {
  for (std::size_t runs : {0u, 1u, 7u, 100u, 1001u}) {
    for (int n : {1, 2, 3, 8}) {
      std::size_t next = 0;
      for (int i = 0; i < n; ++i) {
        const auto r = sim::shard_range(runs, i, n);
        CHECK(r.first == next);
        CHECK(r.end - r.first <= runs / n + 1);
        next = r.end;
      }
      CHECK(next == runs);
    }
  }
}

TEST_CASE("summary statistics: mean, Student-t interval, quantiles, missing values") {
  CHECK(sim::t_quantile_975(1) == doctest::Approx(12.706));
  CHECK(sim::t_quantile_975(30) == doctest::Approx(2.042));
  CHECK(sim::t_quantile_975(60) == doctest::Approx(2.0003).epsilon(1e-4));
  CHECK(sim::t_quantile_975(1000000) == doctest::Approx(1.95996).epsilon(1e-5));

  Scratch s;
  const fs::path d = s.dir / "stats";
  fs::create_directories(d);
  std::ofstream(d / "sweep.json") << R"({"axes": [{"name": "cd"}]})";
  {
    std::ofstream runs(d / "runs.jsonl");
    const double ttr[] = {1, 2, 3, 4};
    for (int i = 0; i < 4; ++i)
      runs << sim::run_line(i, 0, i + 1, R"({"cd":0.5})",
                            json({{"seed", i + 1}, {"calls", {{"total", 4}, {"ok", i}}},
                                  {"recovery", {{"time_to_first_success_s", ttr[i]}}}})
                                .dump());
    runs << sim::run_line(4, 1, 1, R"({"cd":"a,b"})", json({{"calls", {{"total", 2}, {"ok", 2}}}, {"recovery", nullptr}}).dump());
  }
  const auto st = sim::summarize_sweep(d);
  REQUIRE(st.points.size() == 2);
  const auto& m = st.points[0].metrics.at("recovery.time_to_first_success_s");
  CHECK(m.n == 4);
  CHECK(m.mean == 2.5);
  // sd = 1.2910; half width = 3.182 * 1.2910 / 2
  CHECK(m.ci_hi - m.mean == doctest::Approx(3.182 * 1.2909944 / 2).epsilon(1e-6));
  CHECK(m.p50 == 2.5);
  CHECK(m.p95 == doctest::Approx(3.85));
  CHECK(st.points[0].metrics.at("success_rate").mean == doctest::Approx(0.375));
  CHECK(st.points[1].metrics.count("recovery.time_to_first_success_s") == 0);

  std::ostringstream csv;
  sim::write_summary_csv(st, csv);
  CHECK(csv.str() ==
        "point,cd,runs,calls.ok.mean,calls.ok.ci95_lo,calls.ok.ci95_hi,calls.total.mean,calls.total.ci95_lo,"
        "calls.total.ci95_hi,recovery.time_to_first_success_s.mean,recovery.time_to_first_success_s.ci95_lo,"
        "recovery.time_to_first_success_s.ci95_hi,recovery.time_to_first_success_s.p50,"
        "recovery.time_to_first_success_s.p95,recovery.time_to_first_success_s.n,success_rate.mean,success_rate.ci95_lo,"
        "success_rate.ci95_hi\n"
        "0,0.5,4,1.5,-0.553972168,3.55397217,4,4,4,2.5,0.446027832,4.55397217,2.5,3.85,4,0.375,-0.138493042,0.888493042\n"
        "1,\"a,b\",1,2,2,2,2,2,2,,,,,,0,1,1,1\n");
}
