// `chaoslab run` as a real process: exit codes, --json summary, trace and journal files,
// determinism across processes, --seed and --set.
#include <doctest/doctest.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../live/process_support.hpp"

using chaoslab::testing::Chaoslab;
using chaoslab::testing::read_text;
using json = nlohmann::json;

namespace {

const std::string kChaos = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";

struct Finished {
  int code;
  std::string out, err;
  std::string dir;
};

Finished run(const std::vector<std::string>& args) {
  Chaoslab p(args);
  const auto st = p.wait(std::chrono::seconds(60));
  REQUIRE(st);
  return {st->code, p.out(), p.err(), p.dir};
}

}  // namespace

TEST_CASE("chaoslab run --json prints the summary with the documented fields") {
  const Finished f = run({"run", kChaos, "--json", "--seed", "17"});
  CHECK(f.code == 0);
  CHECK(f.err.empty());
  const json s = json::parse(f.out);
  CHECK(s["seed"] == 17);
  CHECK(s["virtual_seconds"] == 600.0);
  CHECK(s["events"].get<long long>() > 0);
  for (const char* k : {"total", "ok", "http_5xx", "timeout", "refused", "rejected"}) CHECK(s["calls"].contains(k));
  for (const char* k : {"total", "http_2xx", "http_5xx", "timeout", "refused"}) CHECK(s["attempts"].contains(k));
  for (const char* k : {"closed_to_open", "open_to_half_open", "half_open_to_open", "half_open_to_closed"})
    CHECK(s["transitions"].contains(k));
  for (const char* k : {"p50", "p95", "p99"}) CHECK(s["latency_ms"].contains(k));
  for (const char* k : {"outage_s", "time_to_first_success_s", "time_to_closed_s"}) CHECK(s["recovery"].contains(k));
  for (const char* k : {"retries", "retry_amplification", "attempts_without_ready_endpoint", "failed_half_open_trials",
                        "wasted_cooldown_s", "peak_backend_queue"})
    CHECK(s.contains(k));
  CHECK(s["recovery"]["outage_s"].get<double>() > 0);
}

TEST_CASE("chaoslab run: same seed, byte-identical trace, journal and summary across processes") {
  const std::string dir = chaoslab::testing::temp_dir("run-determinism");
  auto once = [&](const std::string& tag, const std::string& seed) {
    const Finished f = run({"run", kChaos, "--json", "--seed", seed, "--trace", dir + "/" + tag + ".jsonl",
                            "--journal", dir + "/" + tag + ".journal.json"});
    CHECK(f.code == 0);
    return std::array<std::string, 3>{f.out, read_text(dir + "/" + tag + ".jsonl"),
                                      read_text(dir + "/" + tag + ".journal.json")};
  };
  const auto x = once("x", "99"), y = once("y", "99"), z = once("z", "100");
  CHECK(x[1].size() > 10000);
  CHECK(json::parse(x[2])["status"] == "completed");
  CHECK(x == y);
  CHECK(x[1] != z[1]);
  CHECK(x[0] != z[0]);
}

TEST_CASE("chaoslab run: --set changes the scenario; without --json a readable summary") {
  const Finished f = run({"run", kChaos, "--set", "/duration_s=30", "--set", "/chaos/start_s=0"});
  CHECK(f.code == 0);
  CHECK(f.out.find("lab3-chaos (") == 0);
  CHECK(f.out.find("seed 1: 30.0 virtual seconds") != std::string::npos);
  CHECK(f.out.find("recovery  outage") != std::string::npos);
  CHECK(f.out.find("chaos     experiment") != std::string::npos);
  const Finished n = run({"run", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-phase-b.json", "--json"});
  CHECK(json::parse(n.out)["recovery"].is_null());
}

TEST_CASE("chaoslab run: bad input exits 2 with a message naming the file and pointer") {
  const Finished bad_set = run({"run", kChaos, "--set", "/backend/failure_rate=2"});
  CHECK(bad_set.code == 2);
  CHECK(bad_set.out.empty());
  CHECK(bad_set.err == "chaoslab: error: " + kChaos + ": /backend/failure_rate: must be <= 1, got 2\n");
  const Finished syntax = run({"run", kChaos, "--set", "nopointer"});
  CHECK(syntax.code == 2);
  CHECK(syntax.err == "chaoslab: error: --set nopointer: expected /json/pointer=value\n");
  const Finished missing = run({"run", "/nonexistent/s.json"});
  CHECK(missing.code == 2);
  CHECK(missing.err == "chaoslab: error: /nonexistent/s.json: cannot open the scenario file\n");
  const Finished journal = run({"run", std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/mm1.json", "--journal", "/tmp/x.json",
                                "--set", "/duration_s=1"});
  CHECK(journal.code == 2);
  CHECK(journal.err.find("--journal needs a scenario with a chaos experiment (/chaos)") != std::string::npos);
  const Finished unwritable = run({"run", kChaos, "--trace", "/nonexistent-dir/t.jsonl"});
  CHECK(unwritable.code == 3);
  CHECK(unwritable.err == "chaoslab: error: cannot write the trace to /nonexistent-dir/t.jsonl: No such file or directory\n");
  const Finished no_args = run({"run"});
  CHECK(no_args.code == 2);
}
