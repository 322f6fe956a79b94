// `chaoslab sweep` and `chaoslab merge` as real processes on the lab3 chaos scenario.
#include <doctest/doctest.h>

#include <sys/file.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "sweep_process.hpp"

using chaoslab::test::run_chaoslab;
using chaoslab::test::count_lines;
using chaoslab::test::ScratchDir;
using chaoslab::test::slurp;
namespace fs = std::filesystem;

namespace {

// 2 cool-downs x 2 restart profiles x `seeds` seeds of a 2-minute lab3 pod-kill run.
std::string write_sweep(const ScratchDir& s, int seeds, const std::string& name = "sweep.json") {
  const nlohmann::json doc = {
      {"scenario", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json"},
      {"set", {{"/duration_s", 120}}},
      {"axes", nlohmann::json::array(
                   {{{"name", "cooldown_s"}, {"pointer", "/policies/breaker/reset_timeout"}, {"values", {1, 5}}},
                    {{"name", "restart"},
                     {"profiles", nlohmann::json::array(
                                      {{{"name", "fast"}, {"set", {{"/kubernetes/app_start_s", {{"type", "constant"}, {"value", 0.3}}}}}},
                                       {{"name", "slow"}, {"set", {{"/kubernetes/app_start_s", {{"type", "constant"}, {"value", 8}}}}}}})}}})},
      {"seeds", {{"count", seeds}, {"first", 1}}}};
  std::ofstream(s / name) << doc.dump(2);
  return (s / name).string();
}

void check_same_sweep(const fs::path& a, const fs::path& b) {
  CHECK(slurp(a / "runs.jsonl") == slurp(b / "runs.jsonl"));
  CHECK(slurp(a / "summary.csv") == slurp(b / "summary.csv"));
}

}  // namespace

TEST_CASE("sweep: --jobs 1 and --jobs 2 write byte-identical files, ordered by run index") {
  ScratchDir s("sweep-jobs");
  const std::string file = write_sweep(s, 30);
  const auto r1 = run_chaoslab({"sweep", file, "--out", (s / "j1").string(), "--jobs", "1"}, s.dir);
  REQUIRE(r1.exit_code == 0);
  CHECK(r1.err.empty());  // no progress bar when stderr is not a terminal
  CHECK(r1.out.find("sweep: 120 runs, 0 resumed, 120 run now with 1 jobs") == 0);
  REQUIRE(run_chaoslab({"sweep", file, "--out", (s / "j2").string(), "--jobs", "2"}, s.dir).exit_code == 0);
  check_same_sweep(s / "j1", s / "j2");

  std::ifstream in(s / "j1/runs.jsonl");
  std::string line;
  std::size_t run = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    CHECK(j["run"] == run);
    CHECK(j["point"] == run / 30);
    CHECK(j["seed"] == 1 + run % 30);
    CHECK(j["summary"]["seed"] == j["seed"]);
    CHECK(j["summary"].contains("wasted_cooldown_s"));
    ++run;
  }
  CHECK(run == 120);
  CHECK(slurp(s / "j1/runs.jsonl").substr(0, 82) ==
        R"({"run":0,"point":0,"seed":1,"params":{"cooldown_s":1,"restart":"fast"},"summary":{)");
  const std::string csv = slurp(s / "j1/summary.csv");
  CHECK(csv.substr(0, csv.find('\n')).find("point,cooldown_s,restart,runs,") == 0);
  CHECK(count_lines(s / "j1/summary.csv") == 5);

  // A run of the sweep is the run `chaoslab run --seed S --set ...` prints.
  const auto one = run_chaoslab({"run", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json", "--json", "--seed", "7",
                             "--set", "/duration_s=120", "--set", "/policies/breaker/reset_timeout=5", "--set",
                             R"(/kubernetes/app_start_s={"type":"constant","value":8})"},
                            s.dir);
  REQUIRE(one.exit_code == 0);
  const std::string runs = slurp(s / "j1/runs.jsonl");
  const auto at = runs.find(R"({"run":96,)");  // point 3 (5 s, slow), seed 7
  REQUIRE(at != std::string::npos);
  const std::string line96 = runs.substr(at, runs.find('\n', at) - at);
  CHECK(line96.substr(line96.find("\"summary\":") + 10) == one.out.substr(0, one.out.size() - 1) + "}");
}

TEST_CASE("sweep: shards merged equal the unsharded sweep; merge names what is missing") {
  ScratchDir s("sweep-shards");
  const std::string file = write_sweep(s, 10);
  REQUIRE(run_chaoslab({"sweep", file, "--out", (s / "all").string()}, s.dir).exit_code == 0);
  for (int i = 0; i < 3; ++i) {
    const auto r = run_chaoslab({"sweep", file, "--out", (s / ("part" + std::to_string(i))).string(), "--shard",
                             std::to_string(i) + "/3", "--jobs", std::to_string(1 + i % 2)},
                            s.dir);
    REQUIRE(r.exit_code == 0);
  }
  CHECK(count_lines(s / "part1/runs.jsonl") == 13);  // 40 runs: 13, 13, 14
  const auto gap = run_chaoslab({"merge", (s / "part0").string(), (s / "part2").string(), "--out", (s / "m").string()}, s.dir);
  CHECK(gap.exit_code == 2);
  CHECK(gap.err == "chaoslab: error: merge: runs 13-25 are missing (no shard given covers them)\n");
  const auto ok = run_chaoslab({"merge", (s / "part2").string(), (s / "part0").string(), (s / "part1").string(), "--out",
                            (s / "m").string()},
                           s.dir);
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.out == "merge: 3 shards, 40 runs -> " + (s / "m").string() + "/runs.jsonl, " + (s / "m").string() + "/summary.csv\n");
  check_same_sweep(s / "all", s / "m");
  CHECK(slurp(s / "all/sweep.json") == slurp(s / "m/sweep.json"));
}

TEST_CASE("sweep: kill -9 mid-sweep, then --resume gives the files of an uninterrupted sweep") {
  ScratchDir s("sweep-kill");
  const std::string file = write_sweep(s, 1500);  // 6000 runs, about a second
  REQUIRE(run_chaoslab({"sweep", file, "--out", (s / "ref").string()}, s.dir).exit_code == 0);

  // Kill as soon as some runs are written. A stalled test thread can still find the sweep done:
  // then try again in a fresh directory rather than fail, or pass without having killed anything.
  fs::path out;
  std::size_t at_kill = 0;
  for (int attempt = 0; attempt < 5 && (at_kill == 0 || at_kill == 6000); ++attempt) {
    out = s / ("killed" + std::to_string(attempt));
    const pid_t pid = chaoslab::test::spawn({CHAOSLAB_BINARY, "sweep", file, "--out", out.string(), "--jobs", "2"},
                                            s / "k.out", s / "k.err");
    std::size_t seen = 0;
    for (int i = 0; i < 20000 && seen < 20; ++i) {  // at most ~100 s
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      seen = fs::exists(out / "runs.jsonl") ? count_lines(out / "runs.jsonl") : 0;
    }
    ::kill(pid, SIGKILL);
    const int status = chaoslab::test::wait_exit(pid);
    at_kill = count_lines(out / "runs.jsonl");
    if (at_kill < 6000) CHECK(status == -SIGKILL);
  }
  INFO("runs in the file when killed: " << at_kill);
  REQUIRE(at_kill >= 20);
  REQUIRE(at_kill < 6000);  // killed mid-sweep, or the test proves nothing
  CHECK_FALSE(fs::exists(out / "summary.csv"));

  const auto again = run_chaoslab({"sweep", file, "--out", out.string()}, s.dir);
  CHECK(again.exit_code == 2);
  CHECK(again.err == "chaoslab: error: " + out.string() +
                         ": already holds a sweep (sweep.json); pass --resume to complete it, or choose another --out directory\n");
  const auto resumed = run_chaoslab({"sweep", file, "--out", out.string(), "--resume", "--jobs", "2"}, s.dir);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.out.find("sweep: 6000 runs, " + std::to_string(at_kill) + " resumed") == 0);
  check_same_sweep(s / "ref", out);
}

TEST_CASE("sweep: a full disk keeps whole lines only, and --resume completes the sweep") {
  ScratchDir s("sweep-full");
  const std::string file = write_sweep(s, 100);
  REQUIRE(run_chaoslab({"sweep", file, "--out", (s / "ref").string()}, s.dir).exit_code == 0);
  // RLIMIT_FSIZE makes write() fail part-way like a full disk (EFBIG instead of ENOSPC). One job:
  // with two, a loaded machine can let one worker run far ahead, so the first ordered write
  // alone may exceed the limit and nothing whole is left to check.
  const fs::path out = s / "full";
  const auto r = chaoslab::test::run({"/bin/sh", "-c",
                                      "trap '' XFSZ; ulimit -f 64; exec \"$0\" sweep \"$1\" --out \"$2\" --jobs 1",
                                      CHAOSLAB_BINARY, file, out.string()},
                                     s.dir);
  CHECK(r.exit_code == 3);
  CHECK(r.err == "chaoslab: error: cannot write " + out.string() +
                     "/runs.jsonl: File too large\nchaoslab: the runs written before the error are kept; free space or fix "
                     "the directory, then rerun with --resume\n");
  const std::string partial = slurp(out / "runs.jsonl");
  REQUIRE_FALSE(partial.empty());
  CHECK(partial.back() == '\n');
  CHECK(partial.size() <= 64 * 512);
  CHECK(slurp(s / "ref/runs.jsonl").compare(0, partial.size(), partial) == 0);
  REQUIRE(run_chaoslab({"sweep", file, "--out", out.string(), "--resume"}, s.dir).exit_code == 0);
  check_same_sweep(s / "ref", out);
}

TEST_CASE("sweep: an output directory that cannot be created is a clear error, exit 3") {
  ScratchDir s("sweep-unwritable");
  const std::string file = write_sweep(s, 2);
  std::ofstream(s / "plain-file") << "x";
  const auto r = run_chaoslab({"sweep", file, "--out", (s / "plain-file/out").string()}, s.dir);
  CHECK(r.exit_code == 3);
  CHECK(r.err == "chaoslab: error: cannot create the output directory " + (s / "plain-file/out").string() +
                     ": Not a directory\n");
}

TEST_CASE("sweep: bad sweep files and flags are exit 2 with the file and JSON pointer") {
  ScratchDir s("sweep-errors");
  const std::string scenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";
  auto check_error = [&](const std::string& doc, const std::string& message) {
    std::ofstream(s / "bad.json") << doc;
    const auto r = run_chaoslab({"sweep", (s / "bad.json").string(), "--out", (s / "never").string()}, s.dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err == "chaoslab: error: " + (s / "bad.json").string() + ": " + message + "\n");
    CHECK_FALSE(fs::exists(s / "never"));
  };
  check_error(R"({"scenario": ")" + scenario + R"(", "axes": [{"pointer": "/policies/breaker/reset_timout", "values": [1]}]})",
              "/axes/0/values/0 (reset_timout = 1): " + scenario +
                  ": /policies/breaker/reset_timout: unknown key (expected one of: fail_max, reset_timeout, "
                  "success_threshold, throw_new_error_on_trip, exclude, failure_on, sliding_window_type, "
                  "sliding_window_size, minimum_number_of_calls, failure_rate_threshold, slow_call_rate_threshold, "
                  "slow_call_duration_threshold, permitted_number_of_calls_in_half_open_state, "
                  "max_wait_duration_in_half_open_state, automatic_transition_from_open_to_half_open_enabled, open_interval)");
  check_error(R"({"scenario": ")" + scenario + R"(", "axes": [{"name": "cd", "pointer": "/policies/breaker/reset_timeout", "values": [1, -2]}]})",
              "/axes/0/values/1 (cd = -2): " + scenario + ": /policies/breaker/reset_timeout: must be >= 0, got -2");
  check_error(R"({"scenario": ")" + scenario + R"(", "axes": [], "seeds": {"count": 10, "frist": 1}})",
              "/seeds/frist: unknown key (expected one of: count, first)");
  check_error(R"({"scenario": ")" + scenario + R"(", "axes": [)",
              "line 1, column " + std::to_string(scenario.size() + 27) +
                  ": invalid JSON: syntax error while parsing value - unexpected end of input; "
                  "expected '[', '{', or a literal");

  const std::string good = write_sweep(s, 2, "good.json");
  const auto shard = run_chaoslab({"sweep", good, "--out", (s / "x").string(), "--shard", "3/3"}, s.dir);
  CHECK(shard.exit_code == 2);
  CHECK(shard.err == "chaoslab: error: --shard: \"3/3\": I must be below N (expected I/N with 0 <= I < N, e.g. 0/4)\n");
  const auto missing = run_chaoslab({"sweep", (s / "nope.json").string(), "--out", (s / "x").string()}, s.dir);
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "chaoslab: error: " + (s / "nope.json").string() + ": no such file\n");
}

TEST_CASE("sweep: a progress bar on stderr when it is a terminal") {
  ScratchDir s("sweep-tty");
  const std::string file = write_sweep(s, 50);
  if (::access("/usr/bin/script", X_OK) != 0) {
    MESSAGE("SKIPPED: no /usr/bin/script (util-linux) to give the sweep a terminal");
    return;
  }
  // script(1) runs the command on a pseudo-terminal and copies what it writes to stdout.
  const auto r = chaoslab::test::run({"/usr/bin/script", "-qec",
                                      std::string(CHAOSLAB_BINARY) + " sweep " + file + " --out " + (s / "out").string(),
                                      "/dev/null"},
                                     s.dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("\rsweep [############################] 200/200 runs  ") != std::string::npos);
  CHECK(r.out.find(" runs/s  ETA ") != std::string::npos);
  const auto quiet = chaoslab::test::run({"/usr/bin/script", "-qec",
                                          std::string(CHAOSLAB_BINARY) + " sweep " + file + " -q --out " + (s / "q").string(),
                                          "/dev/null"},
                                         s.dir);
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.out.find("sweep [") == std::string::npos);
}

TEST_CASE("sweep and tune: a directory another process is writing is exit 2 naming its pid") {
  ScratchDir s("sweep-lock");
  const std::string file = write_sweep(s, 2);
  // This test process plays the other writer: it holds the lock as chaoslab does.
  fs::create_directories(s / "busy");
  const int fd = ::open((s / "busy/.chaoslab.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  const std::string pid = std::to_string(::getpid());
  REQUIRE(::write(fd, (pid + "\n").data(), pid.size() + 1) == static_cast<ssize_t>(pid.size() + 1));
  const std::string busy = (s / "busy").string();
  const std::string message = "chaoslab: error: " + busy + ": another chaoslab process (pid " + pid +
                              ") is writing this directory; wait for it to end or stop it, then run again\n";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"sweep", file, "-o", busy},
           {"sweep", file, "-o", busy, "--resume"},
           {"tune", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json", "--seeds", "2", "-o", busy}}) {
    const auto r = run_chaoslab(args, s.dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err == message);
    CHECK_FALSE(fs::exists(s / "busy/runs.jsonl"));
  }
  ::close(fd);  // released: the sweep runs
  const auto r = run_chaoslab({"sweep", file, "-o", busy}, s.dir);
  CHECK(r.exit_code == 0);
  CHECK(count_lines(s / "busy/runs.jsonl") == 8);
}

TEST_CASE("sweep: Ctrl-C stops cleanly and prints the --resume command, which completes the sweep") {
  ScratchDir s("sweep-sigint");
  const std::string file = write_sweep(s, 1500);  // 6000 runs
  REQUIRE(run_chaoslab({"sweep", file, "-o", (s / "ref").string()}, s.dir).exit_code == 0);
  fs::path out;
  int status = 0;
  std::size_t at_stop = 0;
  // As in the kill test: a stalled test thread may find the sweep done; try a fresh directory.
  for (int attempt = 0; attempt < 5 && (at_stop == 0 || at_stop == 6000); ++attempt) {
    out = s / ("stopped" + std::to_string(attempt));
    const pid_t pid = chaoslab::test::spawn({CHAOSLAB_BINARY, "sweep", file, "-o", out.string(), "--jobs", "2"},
                                            s / "i.out", s / "i.err");
    std::size_t seen = 0;
    for (int i = 0; i < 20000 && seen < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      seen = fs::exists(out / "runs.jsonl") ? count_lines(out / "runs.jsonl") : 0;
    }
    ::kill(pid, SIGINT);
    status = chaoslab::test::wait_exit(pid);
    at_stop = count_lines(out / "runs.jsonl");
  }
  REQUIRE(at_stop >= 20);
  REQUIRE(at_stop < 6000);
  CHECK(status == 130);
  const std::string err = slurp(s / "i.err");
  const std::string resume = "chaoslab sweep " + file + " -o " + out.string() + " --jobs 2 --resume";
  CHECK(err == "chaoslab: interrupted: " + std::to_string(at_stop) + " of 6000 runs are in " +
                   (out / "runs.jsonl").string() + "; continue with:\n  " + resume + "\n");
  CHECK_FALSE(fs::exists(out / "summary.csv"));
  // The printed command, run as printed (chaoslab from PATH).
  const auto resumed = chaoslab::test::run(
      {"/bin/sh", "-c", "PATH='" + fs::path(CHAOSLAB_BINARY).parent_path().string() + "':\"$PATH\" exec " + resume}, s.dir);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.out.find("sweep: 6000 runs, " + std::to_string(at_stop) + " resumed") == 0);
  check_same_sweep(s / "ref", out);
}
