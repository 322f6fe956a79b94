// Crash loop: one `chaoslab client` run while its backend is killed with SIGKILL 100 times and
// restarted on the same port each time. The client must survive every death, leak no descriptor
// or thread, trace every attempt, and close its breaker again after each recovery. Timings are
// compressed (5 ms think time, 50 ms cool-down) so the 100 cycles take seconds.
#include <doctest/doctest.h>

#include <dirent.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "live/process.hpp"
#include "support.hpp"

namespace {

using chaoslab::live::ChildProcess;
using chaoslab::live::SpawnOptions;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kKills = 100;

// Entries of /proc/<pid>/<dir> ("fd": open descriptors, "task": threads), -1 when unreadable.
int count_entries(pid_t pid, const char* dir) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + dir;
  DIR* d = opendir(path.c_str());
  if (!d) return -1;
  int n = 0;
  while (const dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

// Fewest and most entries over `samples` looks 5 ms apart: a call's socket may be open at one
// look, so leaks are judged on the fewest.
std::pair<int, int> sample(pid_t pid, const char* dir, int samples = 40) {
  int lo = 1 << 30, hi = -1;
  for (int i = 0; i < samples; ++i) {
    const int n = count_entries(pid, dir);
    lo = std::min(lo, n);
    hi = std::max(hi, n);
    std::this_thread::sleep_for(5ms);
  }
  return {lo, hi};
}

// The client's trace, read as it grows (whole lines only).
class TraceTail {
 public:
  explicit TraceTail(std::string path) : path_(std::move(path)) {}
  void poll() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return;
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t start = 0;
    for (std::size_t nl; (nl = chunk.find('\n', start)) != std::string::npos; start = nl + 1)
      events_.push_back(json::parse(chunk.substr(start, nl - start)));
    offset_ += start;
  }
  const std::vector<json>& events() const { return events_; }
  std::size_t size() const { return events_.size(); }
  // Index of the first event at or after `from` that matches, polling until `limit`.
  std::optional<std::size_t> wait_for(std::size_t from, const std::function<bool(const json&)>& match,
                                      std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      poll();
      for (std::size_t i = from; i < events_.size(); ++i)
        if (match(events_[i])) return i;
      if (Clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(2ms);
    }
  }

 private:
  std::string path_;
  std::size_t offset_ = 0;
  std::vector<json> events_;
};

bool is_transition_to(const json& e, const char* to) {
  return e["event"] == "transition" && e["to"] == to;
}

// A `chaoslab backend` on a fixed port; its stderr appended to one file across restarts.
ChildProcess start_backend(int port, const std::string& log) {
  SpawnOptions o;
  o.stderr_path = log;
  o.stdout_path = "/dev/null";
  o.append = true;
  o.env_unset = {"FAILURE_RATE", "SLOW_RATE", "MAX_DELAY_MS", "PORT", "ADMIN_TOKEN"};
  return ChildProcess({CHAOSLAB_BINARY, "backend", "--host", "127.0.0.1", "--port", std::to_string(port),
                       "--failure-rate", "0", "--slow-rate", "0", "--seed", "1"},
                      o);
}

// Waits until the backend answers /healthz (it is listening), or it ended, or 10 s passed.
bool wait_listening(ChildProcess& p, int port) {
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    if (p.poll()) return false;
    auto r = chaoslab::testing::http_get(port, "/healthz", {}, 200ms);
    if (r && r->status == 200) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

}  // namespace

TEST_CASE("crash loop: the backend SIGKILLed 100 times under one client run; the client survives, "
          "leaks nothing, traces every attempt, and recovers each time") {
  chaoslab::testing::ignore_sigpipe();
  const std::string dir = chaoslab::testing::temp_dir("crash-loop");
  const int port = chaoslab::live::free_loopback_port();
  const std::string backend_log = dir + "/backend.log";
  const std::string trace_path = dir + "/trace.jsonl";
  {
    // The lab composition (breaker outside retry) with every timing compressed.
    std::ofstream(dir + "/client.json") << R"({
      "target": "http://127.0.0.1:)" << port << R"(/work", "think_time": 0.005,
      "breaker": {"fail_max": 1, "reset_timeout": 0.05},
      "retry": {"stop": {"stop_after_attempt": 2}, "wait": {"wait_fixed": 0.005},
                "retry_on": ["http_5xx", "refused", "reset", "timeout"], "attempt_timeout": 0.5}})";
  }

  ChildProcess backend = start_backend(port, backend_log);
  REQUIRE_MESSAGE(wait_listening(backend, port), chaoslab::testing::read_text(backend_log));

  SpawnOptions co;
  co.stdout_path = dir + "/client.out";
  co.stderr_path = dir + "/client.err";
  co.env_unset = {"BACKEND_URL", "CB_FAIL_MAX", "CB_RESET_TIMEOUT", "RETRY_MAX_ATTEMPTS", "RETRY_BASE",
                  "RETRY_MAX", "PORT", "SEED"};
  ChildProcess client({CHAOSLAB_BINARY, "client", "--config", dir + "/client.json", "--trace", trace_path,
                       "--no-http", "--seed", "7"},
                      co);
  TraceTail trace(trace_path);
  const auto ok_call = [](const json& e) { return e["event"] == "call" && e["outcome"] == "ok"; };
  REQUIRE_MESSAGE(trace.wait_for(0, ok_call, 10s), chaoslab::testing::read_text(dir + "/client.err"));

  const auto fds_before = sample(client.pid(), "fd");
  const auto threads_before = sample(client.pid(), "task");
  INFO("client fds before: " << fds_before.first << ".." << fds_before.second
                             << ", threads: " << threads_before.first << ".." << threads_before.second);

  int recovered = 0;
  std::size_t failed_attempts = 0;
  std::size_t mark = trace.size();
  const auto t0 = Clock::now();
  for (int i = 0; i < kKills; ++i) {
    CAPTURE(i);
    backend.signal(SIGKILL);
    const auto st = backend.wait_for(5s);
    REQUIRE(st);
    REQUIRE(st->signal == SIGKILL);
    // The client notices: its breaker opens on the failed calls.
    const auto opened = trace.wait_for(mark, [](const json& e) { return is_transition_to(e, "open"); }, 10s);
    REQUIRE_MESSAGE(opened, "no transition to open after kill " << i);
    REQUIRE(client.running());

    backend = start_backend(port, backend_log);
    REQUIRE_MESSAGE(wait_listening(backend, port), chaoslab::testing::read_text(backend_log));
    const std::size_t restarted = trace.size();
    // Recovery: a half-open trial succeeds and the breaker closes, then calls succeed again.
    const auto closed = trace.wait_for(restarted, [](const json& e) { return is_transition_to(e, "closed"); }, 10s);
    REQUIRE_MESSAGE(closed, "the breaker did not close after restart " << i);
    const auto ok = trace.wait_for(*closed, ok_call, 10s);
    REQUIRE_MESSAGE(ok, "no successful call after restart " << i);
    for (std::size_t k = mark; k < *ok; ++k) {
      const json& e = trace.events()[k];
      if (e["event"] == "attempt" && e["outcome"] != "ok") ++failed_attempts;
    }
    ++recovered;
    mark = *ok + 1;
  }
  const double loop_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // Descriptors and threads after 100 deaths, in the same steady state as before.
  const auto fds_after = sample(client.pid(), "fd");
  const auto threads_after = sample(client.pid(), "task");
  CHECK(client.running());
  CHECK(recovered == kKills);
  CHECK(fds_after.first <= fds_before.first + 1);
  CHECK(fds_after.second <= fds_before.second + 1);
  CHECK(threads_after.first == threads_before.first);
  CHECK(threads_after.second <= threads_before.second);

  client.signal(SIGTERM);
  const auto cst = client.wait_for(10s);
  REQUIRE(cst);
  CHECK(cst->signal == 0);
  CHECK(cst->code == 0);
  backend.signal(SIGTERM);
  CHECK(backend.wait_for(10s));

  // Every attempt is in the trace: each finished call names as many attempts as were traced for
  // it, and the attempt numbers run 1..n without a gap.
  trace.poll();
  std::map<std::pair<int, long long>, std::vector<int>> attempts;  // (client, call) -> numbers
  std::size_t calls = 0, transitions_closed = 0, transitions_open = 0;
  std::set<std::string> failure_kinds;
  for (const json& e : trace.events()) {
    if (e["event"] == "attempt") {
      attempts[{e["client"].get<int>(), e["call"].get<long long>()}].push_back(e["attempt"].get<int>());
      if (e["outcome"] != "ok") failure_kinds.insert(e["outcome"].get<std::string>());
    }
    if (is_transition_to(e, "closed")) ++transitions_closed;
    if (is_transition_to(e, "open")) ++transitions_open;
    if (e["event"] != "call") continue;
    ++calls;
    const auto it = attempts.find({e["client"].get<int>(), e["call"].get<long long>()});
    const std::size_t traced = it == attempts.end() ? 0 : it->second.size();
    REQUIRE_MESSAGE(traced == e["attempts"].get<std::size_t>(), "call " << e.dump());
    for (std::size_t k = 0; k < traced; ++k) REQUIRE(it->second[k] == static_cast<int>(k + 1));
  }
  CHECK(transitions_closed >= kKills);
  CHECK(transitions_open >= kKills);
  CHECK(failed_attempts >= static_cast<std::size_t>(kKills));
  CHECK(failure_kinds.count("refused") == 1);  // nothing listening while the backend is dead
  MESSAGE("crash loop: " << kKills << " SIGKILLs in " << loop_s << " s; " << calls << " calls, "
                         << failed_attempts << " failed attempts during the outages, " << transitions_open
                         << " openings, " << transitions_closed << " closings; client fds "
                         << fds_before.first << " -> " << fds_after.first << ", threads "
                         << threads_before.first << " -> " << threads_after.first);
}
