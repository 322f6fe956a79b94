// The live client's maximum call rate: `chaoslab client`'s stack (live::ClientService, i.e. the
// shared chaoslab::Client over live::AsioRuntime, its Prometheus metrics and the JSON-lines trace
// written and flushed per event, here to /dev/null) against a loopback backend
// (live::BackendServer) with zero delay and zero failures, for a fixed time; calls completed per
// second, the median of several runs.
//
// Two loads:
//   closed loop  the lab's loop (call, then sleep think time) with think time 0: one call at a
//                time, so the rate is 1 / (round trip + client overhead)
//   open loop    fixed-rate arrivals far above capacity with up to 16 calls in flight (the
//                runtime's 16 HTTP workers); arrivals beyond that are dropped, the completed
//                calls per second are the client's ceiling
// Both with the lab's policy (breaker around retries, client_from_lab_env defaults); with zero
// failures neither retries nor opens, so every call is one HTTP attempt.
//
//   build/bench/bench_live_client [--reps N] [--duration S]
//
// Prints figures; asserts nothing about speed (docs/live.md records them).
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "live/asio_runtime.hpp"
#include "live/backend.hpp"
#include "live/client_service.hpp"
#include "policies/config.hpp"
#include "live_bench_support.hpp"

namespace live = chaoslab::live;
using chaoslab::ClientConfig;
using chaoslab::Duration;

using chaoslab::bench::median;

namespace {

struct Counter final : chaoslab::TraceSink {
  std::uint64_t calls = 0, ok = 0, attempts = 0;
  void on_attempt(chaoslab::Instant, const chaoslab::AttemptEvent&) override { ++attempts; }
  void on_call(chaoslab::Instant, const chaoslab::CallEvent& e) override {
    ++calls;
    if (e.outcome == chaoslab::OutcomeKind::ok) ++ok;
  }
};

struct Result {
  double calls_per_s = 0;
  std::uint64_t calls = 0, ok = 0, attempts = 0;
};

Result run_once(const ClientConfig& cfg, double seconds) {
  live::AsioRuntime rt;
  std::ofstream devnull("/dev/null");
  live::FlushingTraceWriter writer(devnull);
  writer.write_meta("live", 1, "bench");
  Counter counter;
  chaoslab::TraceFanout fan;
  fan.add(&writer);
  fan.add(&counter);
  live::ClientService svc(rt, cfg, 1, fan);
  const auto duration = chaoslab::from_seconds(seconds);
  chaoslab::Instant started{};
  chaoslab::Instant ended{};
  std::uint64_t calls_at_stop = 0;
  rt.post([&] {
    started = rt.now();
    svc.start();
    rt.call_after(duration, [&] {
      // Count what completed within the window; calls still in flight finish and are not counted.
      ended = rt.now();
      calls_at_stop = counter.calls;
      svc.stop([&rt] { rt.stop(); });
    });
  });
  rt.run();
  Result r;
  r.calls = calls_at_stop;
  r.ok = counter.ok;
  r.attempts = counter.attempts;
  r.calls_per_s = static_cast<double>(calls_at_stop) / chaoslab::to_seconds(ended - started);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  double seconds = 10;
  CLI::App cli{"bench_live_client: the live client's maximum call rate against a loopback backend"};
  cli.add_option("--reps", reps, "runs per load (the median is printed)")->check(CLI::Range(1, 100));
  cli.add_option("--duration", seconds, "seconds per run")->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(cli, argc, argv);
  ::signal(SIGPIPE, SIG_IGN);

  chaoslab::bench::InProcessBackend backend;
  const int port = backend.port();

  ClientConfig lab = chaoslab::client_from_lab_env([](std::string_view) -> std::optional<std::string> { return std::nullopt; });
  lab.target = "http://127.0.0.1:" + std::to_string(port) + "/work";

  ClientConfig closed = lab;
  closed.arrival = ClientConfig::Arrival::closed_loop;
  closed.think_time = Duration{0};

  ClientConfig open = lab;
  open.arrival = ClientConfig::Arrival::fixed_rate;
  open.rate_per_s = 100000;
  open.max_in_flight = 16;

  std::printf("client call rate against a loopback backend (zero delay, zero failures), lab policy, "
              "trace written; %.0f s per run, median of %d\n",
              seconds, reps);
  const struct {
    const char* name;
    const ClientConfig* cfg;
  } loads[] = {{"closed loop, think time 0", &closed},
               {"open loop, 16 in flight", &open}};
  for (const auto& load : loads) {
    std::vector<double> rates;
    std::uint64_t not_ok = 0, extra_attempts = 0;
    for (int i = 0; i < reps; ++i) {
      const Result r = run_once(*load.cfg, seconds);
      rates.push_back(r.calls_per_s);
      not_ok += r.calls - std::min(r.calls, r.ok);
      extra_attempts += r.attempts > r.calls ? r.attempts - r.calls : 0;
      std::printf("  %s, run %d: %.0f calls/s (%llu calls)\n", load.name, i + 1, r.calls_per_s,
                  static_cast<unsigned long long>(r.calls));
      std::fflush(stdout);
    }
    std::printf("%s: median %.0f calls/s (min %.0f, max %.0f); calls not ok: %llu\n", load.name,
                median(rates), *std::min_element(rates.begin(), rates.end()),
                *std::max_element(rates.begin(), rates.end()), static_cast<unsigned long long>(not_ok));
  }
  return 0;
}
