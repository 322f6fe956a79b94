// `chaoslab tune` driven as a process: end to end on the lab3 chaos scenario, the restart-profile
// property, the effective cool-down, the no-answer cases and input errors. The decision model
// itself is tested in tests/tune/tune.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sweep_process.hpp"

using chaoslab::test::run_chaoslab;
using chaoslab::test::ScratchDir;
using chaoslab::test::slurp;
using nlohmann::json;

namespace {

const std::string kScenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";

std::vector<std::string> tune_args(std::vector<std::string> extra, const std::filesystem::path& out,
                                   const std::string& jobs = "2") {
  std::vector<std::string> a = {"tune", "-j", jobs, "-q", "-o", out.string()};
  if (std::find(extra.begin(), extra.end(), "--seeds") == extra.end()) a.insert(a.end(), {"--seeds", "200"});
  a.insert(a.end(), extra.begin(), extra.end());
  // The scenario after a --set: the option must not swallow the positional.
  a.insert(a.end(), {"--set", "/duration_s=120", kScenario});
  return a;
}

}  // namespace

TEST_CASE("tune: end to end on the lab3 chaos scenario, reproducible, order-independent, with an apply that reproduces it") {
  ScratchDir s("tune");
  const auto a = run_chaoslab(tune_args({"--cooldowns", "0.5,2,8"}, s / "a"), s.dir);
  REQUIRE(a.exit_code == 0);
  CHECK(a.err.empty());
  CHECK(a.out.find("tune: " + kScenario + ": 3 cool-downs x 200 seeds, over the incident: from the fault to 60 s after a ready "
                   "endpoint is back\n") == 0);
  CHECK(a.out.find("\nrecommendation: cool-down ") != std::string::npos);
  CHECK(a.out.find("\nwhy: ") != std::string::npos);
  CHECK(a.out.find("\nlab ConfigMap (k8s/configmap.yaml):\n  CB_RESET_TIMEOUT: \"") != std::string::npos);
  CHECK(a.out.find("report: " + (s / "a/report.html").string()) != std::string::npos);

  const json t = json::parse(slurp(s / "a/tune.json"));
  CHECK(t["format"] == "chaoslab-tune/2");
  REQUIRE(t["candidates"].size() == 3);
  CHECK(t["candidates"][0]["rank"] == 1);
  const json& rec = t["recommendation"];
  CHECK(rec["cooldown_s"] == t["candidates"][0]["cooldown_s"]);
  for (const auto& c : t["candidates"]) {
    CHECK(c["availability"]["n"] == 200);
    CHECK(c["availability"]["ci95_lo"].get<double>() >= 0);
    CHECK(c["availability"]["ci95_hi"].get<double>() <= 1);
  }
  // A cool-down that is not whole seconds: the ConfigMap gets the nearest whole value, measured.
  if (rec["cooldown_s"].get<double>() != std::round(rec["cooldown_s"].get<double>())) {
    CHECK(rec["configmap"]["nearest_whole_availability"]["n"] == 200);
    CHECK(a.out.find("# the lab reads CB_RESET_TIMEOUT with int(): ") != std::string::npos);
  }
  CHECK(slurp(s / "a/report.html").find("Tuning: recommended cool-down") != std::string::npos);
  CHECK(slurp(s / "a/runs.jsonl").find(",\"tune\":{\"attempts\":") != std::string::npos);

  // The same answer, byte for byte, with one job and the candidates in another order.
  REQUIRE(run_chaoslab(tune_args({"--cooldowns", "8,0.5,2"}, s / "b", "1"), s.dir).exit_code == 0);
  CHECK(slurp(s / "a/tune.json") == slurp(s / "b/tune.json"));
  CHECK(slurp(s / "a/runs.jsonl") == slurp(s / "b/runs.jsonl"));

  // The apply command carries the user's --set; DIR/scenario.json runs from anywhere and is the same run.
  const std::string apply = rec["apply"].get<std::string>();
  CHECK(apply.find("--set '/duration_s=120' --set '/policies/breaker/reset_timeout=") != std::string::npos);
  std::vector<std::string> run_args = {"run", kScenario, "--json"};
  for (const auto& x : t["set"]) run_args.insert(run_args.end(), {"--set", x.get<std::string>()});
  for (const auto& x : rec["set"]) run_args.insert(run_args.end(), {"--set", x.get<std::string>()});
  const auto via_flags = run_chaoslab(run_args, s.dir);
  std::filesystem::create_directories(s / "elsewhere");
  const auto via_copy = run_chaoslab({"run", (s / "a/scenario.json").string(), "--json"}, s / "elsewhere");
  REQUIRE(via_flags.exit_code == 0);
  REQUIRE(via_copy.exit_code == 0);
  CHECK(via_copy.out == via_flags.out);
}

TEST_CASE("tune: a slower restart profile never gets a shorter cool-down (the four profiles of sweeps/lab3-cooldown.json)") {
  ScratchDir s("tune-profiles");
  std::ifstream in(std::string(CHAOSLAB_SOURCE_DIR) + "/sweeps/lab3-cooldown.json");
  const json sweep = json::parse(in);
  const json& profiles = sweep["axes"][1]["profiles"];
  REQUIRE(profiles.size() == 4);
  double previous = 0;
  for (const auto& p : profiles) {
    std::vector<std::string> extra = {"--cooldowns", "0.5,1,2,5,10,30", "--seeds", "300"};
    for (const auto& [ptr, value] : p["set"].items()) extra.insert(extra.end(), {"--set", ptr + "=" + value.dump()});
    const std::string name = p["name"];
    const auto r = run_chaoslab(tune_args(extra, s / name), s.dir);
    INFO(name << ": " << r.out);
    REQUIRE(r.exit_code == 0);
    const double cd = json::parse(slurp(s / name / "tune.json"))["recommendation"]["cooldown_s"].get<double>();
    CHECK(cd >= previous);
    previous = cd;
  }
}

TEST_CASE("tune: the cool-down every client runs with, or no answer when the knob changes nothing") {
  ScratchDir s("tune-noop");
  // A client with its own breaker block: tune sets its value too, and the apply says so.
  const std::vector<std::string> own = {"--set", "/clients/0/breaker={\"reset_timeout\": 1.3}", "--cooldowns", "0.5,2,8"};
  const auto r = run_chaoslab(tune_args(own, s / "own"), s.dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("--set '/clients/0/breaker/reset_timeout=") != std::string::npos);
  // Only the overridden pointer: every candidate runs the same, exit 1, the client named.
  auto only = own;
  only.insert(only.end(), {"--pointer", "/policies/breaker/reset_timeout"});
  const auto n = run_chaoslab(tune_args(only, s / "only"), s.dir);
  CHECK(n.exit_code == 1);
  CHECK(n.out.find("\nNo recommendation: all 3 candidates gave identical runs on every seed, so the knob changes nothing in "
                   "this scenario. /clients/0/breaker/reset_timeout override(s) /policies/breaker/reset_timeout") !=
        std::string::npos);
  CHECK(n.out.find("\nrecommendation:") == std::string::npos);
  CHECK(json::parse(slurp(s / "only/tune.json"))["recommendation"].is_null());

  // Three replicas: no outage, nothing to tune against.
  const auto three = run_chaoslab(tune_args({"--set", "/kubernetes/replicas=3"}, s / "three"), s.dir);
  CHECK(three.exit_code == 1);
  CHECK(three.out.find("no recommendation: there is no outage: a ready endpoint existed throughout all 100 pilot runs") == 0);

  // A client without a breaker: refused, naming it.
  const auto nb = run_chaoslab(tune_args({"--set", "/clients/-={\"profile\": \"lab3\", \"breaker_enabled\": false}"}, s / "nb"),
                               s.dir);
  CHECK(nb.exit_code == 2);
  CHECK(nb.err == "chaoslab: error: " + kScenario +
                      ": /clients/1: this client has no circuit breaker (breaker_enabled is false): tune sets the cool-down "
                      "of every client, so enable its breaker or tune a scenario without it\n");
}

TEST_CASE("tune: too few seeds is exit 1 with the reason") {
  ScratchDir s("tune-seeds");
  const auto r = run_chaoslab(tune_args({"--cooldowns", "0.5,2", "--seeds", "2"}, s / "x"), s.dir);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("\nNo recommendation: too few seeds to decide: 2 runs per candidate; the decision needs at least 10 "
                   "(--seeds).\n") != std::string::npos);
}

TEST_CASE("tune: a scenario without chaos is exit 2 with the reason") {
  ScratchDir s("tune-errors");
  const std::string scenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-phase-b.json";
  const auto r = run_chaoslab({"tune", scenario, "--out", (s / "x").string()}, s.dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "chaoslab: error: " + scenario +
                     ": /chaos: tune needs a scenario with a chaos experiment: the cool-down is tuned against the recovery it "
                     "causes\n");
  const auto bad = run_chaoslab({"tune", scenario, "--seeds", "0"}, s.dir);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "chaoslab: error: tune: --seeds: \"0\": must be from 2 to 10000000 (see `chaoslab help tune`)\n");
}

TEST_CASE("tune: three knobs, the adaptive search reaches the full grid's recommendation with at most a fifth of its runs") {
  ScratchDir s("tune-knobs");
  // Image-pull restarts on a healthy backend (docs/tuning.md's second case): a real trade-off.
  auto args = [&](const std::string& search, const std::filesystem::path& out, const std::string& jobs) {
    return std::vector<std::string>{"tune", kScenario, "-q", "-j", jobs, "-o", out.string(), "--search", search,
                                    "--set", "/duration_s=130", "--set", "/backend/failure_rate=0", "--set",
                                    "/backend/slow_rate=0", "--set",
                                    R"(/kubernetes/container_start_s={"type":"lognormal","median":15,"sigma":0.5})",
                                    "--cooldowns", "0.5,1,2,5,10", "--knob", "/policies/breaker/fail_max=2,3,5", "--knob",
                                    R"(/policies/retry/stop={"stop_after_attempt":1},{"stop_after_attempt":2},{"stop_after_attempt":3})",
                                    "--seeds", "100"};
  };
  const auto grid = run_chaoslab(args("grid", s / "grid", "2"), s.dir);
  const auto race = run_chaoslab(args("adaptive", s / "race", "2"), s.dir);
  REQUIRE(grid.exit_code == 0);
  REQUIRE(race.exit_code == 0);
  const json g = json::parse(slurp(s / "grid/tune.json"));
  const json r = json::parse(slurp(s / "race/tune.json"));
  CHECK(g["search"]["method"] == "grid");
  CHECK(g["search"]["runs"] == 4500);
  CHECK(r["search"]["method"] == "adaptive");
  CHECK(r["search"]["grid_candidates"] == 45);
  CHECK(r["search"]["grid_runs"] == 4500);
  // The same recommendation: every knob's value, the apply command, the tuned scenario.
  CHECK(r["recommendation"]["cooldown_s"] == g["recommendation"]["cooldown_s"]);
  CHECK(r["candidates"][0]["knobs"] == g["candidates"][0]["knobs"]);
  CHECK(r["recommendation"]["set"] == g["recommendation"]["set"]);
  CHECK(slurp(s / "race/scenario.json") == slurp(s / "grid/scenario.json"));
  // At most a fifth of the grid's runs, counted from the rounds and printed.
  const auto runs = r["search"]["runs"].get<std::size_t>();
  CHECK(runs * 5 <= 4500);
  std::size_t counted = 0, seeds_before = 0;
  for (const auto& round : r["search"]["rounds"]) {
    counted += round["candidates"].get<std::size_t>() * (round["seeds"].get<std::size_t>() - seeds_before);
    seeds_before = round["seeds"].get<std::size_t>();
  }
  CHECK(counted == runs);
  CHECK(race.out.find("\nsearch: adaptive, " + std::to_string(runs) + " runs against 4500 for the full grid (45 candidates x "
                      "100 seeds)") != std::string::npos);
  // Every candidate is listed: those the search dropped with where and why.
  REQUIRE(r["candidates"].size() == 45);
  std::size_t dropped = 0;
  for (const auto& c : r["candidates"]) {
    if (c["eliminated"].is_null()) {
      CHECK(c["runs"] == 100);
      continue;
    }
    ++dropped;
    CHECK(c["runs"] == c["eliminated"]["after_seeds"]);
    const std::string why = c["eliminated"]["why"].get<std::string>();
    CHECK((why.find("clearly") != std::string::npos || why.rfind("same runs as ", 0) == 0));
  }
  CHECK(dropped > 0);
  CHECK(slurp(s / "race/report.html").find("Adaptive search: " + std::to_string(runs) + " runs instead of the full grid") !=
        std::string::npos);
  // Deterministic: one job gives the same bytes.
  REQUIRE(run_chaoslab(args("adaptive", s / "race1", "1"), s.dir).exit_code == 0);
  CHECK(slurp(s / "race1/tune.json") == slurp(s / "race/tune.json"));

  // Interrupted in a middle round (its runs.jsonl cut mid-line, its summary, the later rounds and
  // the results not written yet): --resume completes the same race to the same bytes.
  namespace fs = std::filesystem;
  const std::size_t rounds = r["search"]["rounds"].size();
  REQUIRE(rounds >= 3);
  const std::size_t cut = rounds / 2 + 1;
  fs::copy(s / "race", s / "cut", fs::copy_options::recursive);
  for (std::size_t i = cut + 1; i <= rounds; ++i) fs::remove_all(s / "cut/race" / ("round-" + std::to_string(i)));
  const fs::path cut_round = s / "cut/race" / ("round-" + std::to_string(cut));
  const std::string lines = slurp(cut_round / "runs.jsonl");
  std::ofstream(cut_round / "runs.jsonl", std::ios::trunc) << lines.substr(0, lines.size() / 2);
  for (const char* f : {"summary.csv"}) fs::remove(cut_round / f);
  for (const char* f : {"tune.json", "scenario.json", "report.html"}) fs::remove(s / "cut" / f);
  auto resume = args("adaptive", s / "cut", "2");
  resume.push_back("--resume");
  REQUIRE(run_chaoslab(resume, s.dir).exit_code == 0);
  CHECK(slurp(s / "cut/tune.json") == slurp(s / "race/tune.json"));
  CHECK(slurp(s / "cut/scenario.json") == slurp(s / "race/scenario.json"));
  for (std::size_t i = 1; i <= rounds; ++i) {
    const fs::path round = fs::path("race") / ("round-" + std::to_string(i)) / "runs.jsonl";
    CHECK(slurp(s / "cut" / round) == slurp(s / "race" / round));
  }
  // Without --resume, or with other candidates, the directory is refused (exit 2), not mixed.
  const auto again = run_chaoslab(args("adaptive", s / "cut", "2"), s.dir);
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("pass --resume to complete it") != std::string::npos);
  auto other = args("adaptive", s / "cut", "2");
  *std::find(other.begin(), other.end(), "0.5,1,2,5,10") = "0.5,1,2,5";
  other.push_back("--resume");
  const auto differs = run_chaoslab(other, s.dir);
  CHECK(differs.exit_code == 2);
  CHECK(differs.err.find("describes a different sweep") != std::string::npos);
}

TEST_CASE("tune: --knob values are checked against the scenario, the error naming the pointer") {
  ScratchDir s("tune-knob-errors");
  const auto bad = run_chaoslab({"tune", kScenario, "-o", (s / "x").string(), "--knob", "/policies/breaker/fail_max=0,3"}, s.dir);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "chaoslab: error: --knob /policies/breaker/fail_max: the value 0 does not make a valid scenario: " + kScenario +
                       ": /policies/breaker/fail_max: must be >= 1, got 0\n");
  const auto one = run_chaoslab({"tune", kScenario, "-o", (s / "x").string(), "--knob", "/policies/breaker/fail_max=3"}, s.dir);
  CHECK(one.exit_code == 2);
  CHECK(one.err == "chaoslab: error: --knob /policies/breaker/fail_max=3: give at least two values to choose from\n");
  const auto cd = run_chaoslab({"tune", kScenario, "-o", (s / "x").string(), "--knob", "/policies/breaker/reset_timeout=1,2"}, s.dir);
  CHECK(cd.exit_code == 2);
  CHECK(cd.err.find("the cool-down is always tuned: give its candidates with --cooldowns") != std::string::npos);
}

TEST_CASE("tune: docs/tuning.md quotes the demo's output as the command prints it") {
  ScratchDir s("tune-docs");
  std::ifstream in(std::string(CHAOSLAB_SOURCE_DIR) + "/docs/tuning.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The demo's tune, as scripts/demo runs it (the lines compared do not name the scenario's path).
  const auto r = run_chaoslab({"tune", kScenario, "--set", "/duration_s=180", "--backoff", "--seeds", "500",
                               "-q", "-o", (s / "demo").string()},
                              s.dir);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::istringstream lines(r.out);
  std::size_t quoted = 0;
  for (std::string line; std::getline(lines, line);) {
    // Whole lines the doc quotes: the timing, the decision, the search (cut), the recommendation.
    for (const char* prefix : {"restart timing (", "decision:", "recommendation:"})
      if (line.rfind(prefix, 0) == 0) {
        CHECK_MESSAGE(doc.find("    " + line + "\n") != std::string::npos, line);
        ++quoted;
      }
    if (line.rfind("search:", 0) == 0) {
      CHECK_MESSAGE(doc.find("    " + line.substr(0, 200)) != std::string::npos, line);
      ++quoted;
    }
  }
  CHECK(quoted == 4);
  // The walk-through's figures.
  const json t = json::parse(slurp(s / "demo/tune.json"));
  CHECK(doc.find(std::to_string(t["search"]["runs"].get<std::size_t>() / 1000) + "," +
                 std::to_string(t["search"]["runs"].get<std::size_t>() % 1000) + " runs instead of 24,000") != std::string::npos);
  CHECK(doc.find("0.1 s gave identical runs on every seed") != std::string::npos);
  CHECK(r.out.find("It is the shortest distinct cool-down: the shorter ones tried (down to 0.1 s) gave identical runs") !=
        std::string::npos);
  CHECK(r.out.find("extend --cooldowns") == std::string::npos);
}
