// `chaoslab calibrate` as a user runs it: fixtures in, a kubernetes block out, accepted by run,
// tune and sweep; bad input is one line and exit 2; and the round trip through local live mode.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep_process.hpp"

using chaoslab::test::run_chaoslab;
using chaoslab::test::ScratchDir;
using chaoslab::test::slurp;
using json = nlohmann::json;

namespace {

std::string fixture(const std::string& name) {
  return std::string(CHAOSLAB_SOURCE_DIR) + "/tests/calibrate/fixtures/" + name;
}

const std::string kSource = CHAOSLAB_SOURCE_DIR;

}  // namespace

TEST_CASE("calibrate: pods, events and a journal to timings.json; run and tune take it with --set @") {
  ScratchDir s("calibrate");
  const std::string out = (s / "timings.json").string();
  const auto c = run_chaoslab({"calibrate", fixture("pods-during-restart.json"), fixture("events-core-v1.json"), "-o", out}, s.dir);
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  CHECK(c.err.empty());
  CHECK(c.out.find("1 restart paired") == 0);
  CHECK(c.out.find("not measured: endpoint_delay_s") != std::string::npos);
  const json block = json::parse(slurp(out));
  CHECK(block["container_start_s"]["values"][0].get<double>() == doctest::Approx(6.587655));

  const std::string scenario = kSource + "/scenarios/lab3-chaos.json";
  const auto r = run_chaoslab({"run", scenario, "--set", "/duration_s=120", "--set", "/kubernetes=@" + out, "--json"}, s.dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json summary = json::parse(r.out);
  // The successor is Ready no sooner than the calibrated phases allow (0 + 0.41 + 6.59 + 4 s).
  CHECK(summary["recovery"]["outage_s"].get<double>() > 10.9);

  const auto t = run_chaoslab({"tune", scenario, "--seeds", "4", "--pilot-seeds", "2", "--cooldowns", "1,4", "--set",
                               "/duration_s=90", "--set", "/kubernetes=@" + out, "--out", (s / "tune").string(), "-q"},
                              s.dir);
  INFO(t.err);
  // 4 seeds are too few for a recommendation (exit 1); the provenance line is printed either way.
  REQUIRE((t.exit_code == 0 || t.exit_code == 1));
  CHECK(t.out.find("restart timings: calibrated from 1 restart (" + fixture("pods-during-restart.json")) != std::string::npos);
  CHECK(t.out.find("app_start_s 1 samples") != std::string::npos);
  CHECK(t.out.find("not measured (scenario values): endpoint_delay_s") != std::string::npos);
}

TEST_CASE("calibrate: a sweep profile for a profiles axis") {
  ScratchDir s("calibrate-sweep");
  const std::string profile = (s / "profile.json").string();
  REQUIRE(run_chaoslab({"calibrate", fixture("pods-crashloop.json"), "--sweep-profile", "shop", "-o", profile}, s.dir).exit_code == 0);
  const json p = json::parse(slurp(profile));
  CHECK(p["name"] == "shop");
  CHECK(p["set"]["/kubernetes/container_start_s"] == json{{"type", "empirical"}, {"values", {2.0}}});
  const json sweep = {{"scenario", kSource + "/scenarios/lab3-chaos.json"},
                      {"set", {{"/duration_s", 90}}},
                      {"axes", {{{"name", "restart"}, {"profiles", {p}}}}},
                      {"design", {{"type", "grid"}}},
                      {"seeds", {{"count", 2}, {"first", 1}}}};
  std::ofstream(s / "sweep.json") << sweep.dump();
  const auto r = run_chaoslab({"sweep", (s / "sweep.json").string(), "--out", (s / "out").string(), "-q"}, s.dir);
  INFO(r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("calibrate: bad input is one line naming the file, exit 2; an unwritable output exit 3") {
  ScratchDir s("calibrate-bad");
  const std::string out = (s / "t.json").string();
  struct Case {
    std::vector<std::string> inputs;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{fixture("not-kubernetes.json")}, fixture("not-kubernetes.json") + ": not Kubernetes JSON"},
      {{fixture("not-json.txt")}, fixture("not-json.txt") + ": line 1, column 1"},
      {{fixture("pods-no-deletion.json")}, "no pod deletions found in " + fixture("pods-no-deletion.json")},
      {{fixture("pods-no-successor.json")}, "no successor for the deleted pod lab3/backend-7d9c5b8f4-abcde"},
      {{(s / "missing.json").string()}, (s / "missing.json").string() + ": cannot open"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"calibrate"};
    args.insert(args.end(), c.inputs.begin(), c.inputs.end());
    args.insert(args.end(), {"-o", out});
    const auto r = run_chaoslab(args, s.dir);
    CAPTURE(c.message);
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("chaoslab: error: " + c.message, 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(std::filesystem::exists(out));
  }
  // A missing folder is created (as sweep and tune create theirs); a file in the way is exit 3.
  const auto made = run_chaoslab({"calibrate", fixture("pods-crashloop.json"), "-o", (s / "new/dir/t.json").string()}, s.dir);
  CHECK(made.exit_code == 0);
  CHECK(std::filesystem::exists(s / "new/dir/t.json"));
  const auto blocked = s.write("a-file", "x") / "t.json";
  const auto w = run_chaoslab({"calibrate", fixture("pods-crashloop.json"), "-o", blocked.string()}, s.dir);
  CHECK(w.exit_code == 3);
  CHECK(w.err.rfind("chaoslab: error: cannot write " + blocked.string() + ": ", 0) == 0);
  const auto missing = run_chaoslab({"run", kSource + "/scenarios/lab3-chaos.json", "--set", "/kubernetes=@" + out}, s.dir);
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "chaoslab: error: " + kSource + "/scenarios/lab3-chaos.json: --set /kubernetes=@" + out + ": cannot read " + out + "\n");
  std::ofstream(s / "bad.json") << R"({"app_start_s": {"type": "lognormal"}})";
  const auto invalid = run_chaoslab({"run", kSource + "/scenarios/lab3-chaos.json", "--set", "/kubernetes=@" + (s / "bad.json").string()}, s.dir);
  CHECK(invalid.exit_code == 2);
  CHECK(invalid.err.find("/kubernetes/app_start_s: missing \"median\"") != std::string::npos);
}

// The round trip: a short local live run of live-check.json (its pod killed 5 s in), calibrated from
// its folder, fed back into the simulator, places that live run inside the simulated band.
TEST_CASE("calibrate: timings from a live run reproduce its recovery within the simulated band") {
  ScratchDir s("calibrate-live");
  const std::string scenario = kSource + "/scenarios/live-check.json";
  const std::string live = (s / "live").string();
  const auto l = run_chaoslab({"live", scenario, "--seed", "11", "--set", "/duration_s=15", "--out", live}, s.dir);
  INFO(l.err);
  REQUIRE(l.exit_code == 0);
  const std::string timings = (s / "timings.json").string();
  const auto c = run_chaoslab({"calibrate", live, "-o", timings}, s.dir);
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  const json block = json::parse(slurp(timings));
  const json& cal = block["calibration"];
  CHECK(cal["restarts"] == 1);
  for (const char* k : {"replace_delay_s", "scheduling_s", "container_start_s", "app_start_s", "shutdown_s"}) {
    CAPTURE(k);
    CHECK(cal["phases"][k]["samples"] == 1);
    CHECK(cal["phases"][k]["resolution_s"].get<double>() <= 0.125);
  }
  CHECK(cal["readiness_probe_period_s"] == 0.25);

  const auto cmp = run_chaoslab({"compare", "--scenario", scenario, "--observed", live, "--runs", "200", "--set",
                                 "/duration_s=15", "--set", "/kubernetes=@" + timings, "--json"},
                                s.dir);
  INFO(cmp.err);
  REQUIRE((cmp.exit_code == 0 || cmp.exit_code == 1));
  const json j = json::parse(cmp.out);
  bool outage = false;
  for (const auto& m : j["metrics"]) {
    INFO(m["name"].get<std::string>() << ": observed " << m["observed"].dump() << ", band " << m["simulated"]["low"].dump()
                                      << " .. " << m["simulated"]["high"].dump());
    if (m["name"] == "recovery.outage_s") {
      // Constant timings can collapse the band onto one probe tick; the live tick drifts by
      // milliseconds (real timers, probe latency): within one probe period (0.25 s) of it.
      outage = true;
      CHECK(m["observed"].get<double>() >= m["simulated"]["low"].get<double>() - 0.25);
      CHECK(m["observed"].get<double>() <= m["simulated"]["high"].get<double>() + 0.25);
    }
    if (m["main"] == true) CHECK(m["verdict"] == "pass");
  }
  CHECK(outage);
  CHECK(cmp.exit_code == 0);
}

namespace {

// The doc's example blocks: each "$ chaoslab ..." command (with its "\" continuation lines) and
// the output lines quoted under it ("   ..." marks lines left out).
struct Quoted {
  std::vector<std::string> args;
  std::vector<std::string> lines;
};
std::vector<Quoted> quoted_commands(const std::string& doc) {
  std::vector<Quoted> out;
  std::istringstream in(doc);
  bool in_block = false, continued = false, has_command = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("```", 0) == 0) {
      in_block = !in_block;
      has_command = false;  // output belongs to the command of its own block
      continue;
    }
    if (!in_block) continue;
    if (line.rfind("$ chaoslab ", 0) == 0 || continued) {
      if (!continued) out.emplace_back();
      has_command = true;
      continued = !line.empty() && line.back() == '\\';
      std::istringstream words(line.substr(line.rfind("$ chaoslab ", 0) == 0 ? 11 : 0));
      for (std::string w; words >> w;)
        if (w != "\\") out.back().args.push_back(w);
    } else if (has_command && line != "   ...") {
      out.back().lines.push_back(line);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("calibrate: docs/calibrate.md's worked example runs as written and prints the lines it quotes") {
  ScratchDir s("calibrate-docs");
  // The doc's paths are relative to the source directory; the outputs go to the scratch folder.
  std::filesystem::create_directory_symlink(kSource + "/tests", s / "tests");
  std::filesystem::create_directory_symlink(kSource + "/scenarios", s / "scenarios");
  const std::string doc = slurp(kSource + "/docs/calibrate.md");
  std::vector<Quoted> examples;
  for (auto& q : quoted_commands(doc))
    if (q.args.size() > 1 && !q.lines.empty() && (q.args[0] == "calibrate" || q.args[0] == "tune"))
      examples.push_back(std::move(q));
  REQUIRE(examples.size() == 2);
  for (const auto& q : examples) {
    const auto r = run_chaoslab(q.args, s.dir, s.dir);
    INFO(q.args[0], ": ", r.err);
    REQUIRE(r.exit_code == 0);
    const std::string printed = "\n" + r.out;
    for (const auto& line : q.lines) CHECK_MESSAGE(printed.find("\n" + line + "\n") != std::string::npos, line);
  }
  // The comparison under it: the same tune on the scenario's own timings.
  auto own = examples[1].args;
  const auto timings = std::find(own.begin(), own.end(), "/kubernetes=@out/timings.json");
  REQUIRE(timings != own.end());
  own.erase(timings - 1, timings + 1);  // with its --set
  const auto out = std::find(own.begin(), own.end(), "--out");
  REQUIRE(out + 1 < own.end());
  out[1] = "out/own";
  const auto r = run_chaoslab(own, s.dir, s.dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("a ready endpoint is back 4.04 s after the fault (median") != std::string::npos);
  CHECK(r.out.find("\nrecommendation: cool-down 0.19 s") != std::string::npos);
  CHECK(doc.find("back after 4.04 s (median) and recommends 0.19 s") != std::string::npos);
}
