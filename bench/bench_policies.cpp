// Nanoseconds per breaker decision (try_acquire + on_result) and per wait computation.
// Each figure is the median of several repetitions; nothing is asserted (docs/policies.md keeps
// the figures measured on the project machine).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "policies/breaker.hpp"
#include "policies/retry.hpp"

using namespace chaoslab;
using namespace std::chrono_literals;

namespace {

constexpr int kReps = 7;
constexpr std::int64_t kOps = 2'000'000;

// Keeps results observable so the optimiser cannot drop the measured work.
volatile std::uint64_t g_sink = 0;

struct Figure {
  std::string name;
  double median, min, max;
  double admitted = -1;  // breaker rows: fraction of calls admitted
};

Figure measure(const std::string& name, const std::function<std::uint64_t(std::int64_t)>& body) {
  std::vector<double> ns;
  body(kOps / 10);  // warm-up
  std::uint64_t result = 0;
  for (int r = 0; r < kReps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    result = body(kOps);
    g_sink = g_sink + result;
    const auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / kOps);
  }
  std::sort(ns.begin(), ns.end());
  const bool breaker = name.rfind("breaker", 0) == 0;
  return {name, ns[ns.size() / 2], ns.front(), ns.back(),
          breaker ? static_cast<double>(result) / kOps : -1.0};
}

// Pre-drawn verdicts (failure with probability p) so that the loop measures the breaker only.
std::vector<Verdict> verdicts(double p, std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Verdict> v(n);
  for (auto& x : v) x = rng.bernoulli(p) ? Verdict::failure : Verdict::success;
  return v;
}

std::function<std::uint64_t(std::int64_t)> breaker_loop(BreakerConfig cfg, double p) {
  return [cfg, p](std::int64_t n) {
    const auto vs = verdicts(p, 4096, 42);
    CircuitBreaker b(cfg);
    std::uint64_t admitted = 0;
    Instant t{};
    for (std::int64_t i = 0; i < n; ++i) {
      t += 10ms;  // 100 calls per second of breaker time
      if (b.try_acquire(t)) {
        ++admitted;
        b.on_result(t, vs[static_cast<std::size_t>(i) & 4095], 5ms);
      }
    }
    return admitted;
  };
}

std::function<std::uint64_t(std::int64_t)> wait_loop(WaitSpec w) {
  return [w](std::int64_t n) {
    Rng rng(7);
    RetryState st;
    std::uint64_t sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      st.attempt = 1 + static_cast<int>(i & 7);
      if (st.attempt == 1) st = RetryState{};  // a new sequence every 8 attempts
      sum += static_cast<std::uint64_t>(compute_wait(w, st, rng).count());
    }
    return sum;
  };
}

WaitSpec kind(WaitSpec::Kind k) {
  WaitSpec w;
  w.kind = k;
  w.max = 30;
  return w;
}

}  // namespace

int main() {
  std::vector<Figure> figs;

  BreakerConfig py;
  py.fail_max = 5;
  py.reset_timeout = 1s;
  figs.push_back(measure("breaker pybreaker, all successes", breaker_loop(py, 0.0)));
  figs.push_back(measure("breaker pybreaker, 30% failures (trips)", breaker_loop(py, 0.3)));
  BreakerConfig lab = py;
  lab.fail_max = 2;
  figs.push_back(measure("breaker lab3 (fail_max 2, 1 s), 70% failures", breaker_loop(lab, 0.7)));
  BreakerConfig count = py;
  count.trip = BreakerConfig::Trip::count_window;
  count.window_size = 100;
  count.minimum_calls = 20;
  count.failure_rate_threshold = 50;
  figs.push_back(measure("breaker count window 100, 20% failures", breaker_loop(count, 0.2)));
  BreakerConfig time = count;
  time.trip = BreakerConfig::Trip::time_window;
  time.window_size = 10;
  figs.push_back(measure("breaker time window 10 s, 20% failures", breaker_loop(time, 0.2)));
  BreakerConfig grow = py;
  grow.open_growth = BreakerConfig::OpenGrowth::exponential;
  grow.half_open_max_calls = 1;
  figs.push_back(measure("breaker growth + half-open cap, 50% failures", breaker_loop(grow, 0.5)));

  figs.push_back(measure("wait_fixed", wait_loop([] {
                           auto w = kind(WaitSpec::Kind::fixed);
                           w.wait = 1;
                           return w;
                         }())));
  figs.push_back(measure("wait_exponential", wait_loop(kind(WaitSpec::Kind::exponential))));
  figs.push_back(
      measure("wait_random_exponential", wait_loop(kind(WaitSpec::Kind::random_exponential))));
  figs.push_back(measure("wait_exponential_jitter (lab)", wait_loop([] {
                           auto w = kind(WaitSpec::Kind::exponential_jitter);
                           w.exp_base = 0.2;
                           w.max = 2;
                           return w;
                         }())));
  figs.push_back(measure("wait_equal_jitter", wait_loop(kind(WaitSpec::Kind::equal_jitter))));
  figs.push_back(
      measure("wait_decorrelated_jitter", wait_loop(kind(WaitSpec::Kind::decorrelated_jitter))));
  figs.push_back(measure("wait_polly_decorrelated_jitter_v2",
                         wait_loop(kind(WaitSpec::Kind::polly_decorrelated_v2))));
  figs.push_back(measure("wait_chain(fixed, exponential_jitter)", wait_loop([] {
                           auto w = kind(WaitSpec::Kind::chain);
                           auto f = kind(WaitSpec::Kind::fixed);
                           f.wait = 0.1;
                           w.children = {f, kind(WaitSpec::Kind::exponential_jitter)};
                           return w;
                         }())));

  RetryPolicy lab_retry;
  lab_retry.wait = kind(WaitSpec::Kind::exponential_jitter);
  lab_retry.wait.exp_base = 0.2;
  lab_retry.wait.max = 2;
  figs.push_back(measure("RetrySequence 3 attempts (lab), per attempt", [&](std::int64_t n) {
    Rng rng(3);
    std::uint64_t waits = 0;
    for (std::int64_t i = 0; i < n; i += 3) {
      RetrySequence seq(lab_retry, rng, Instant{});
      for (int a = 0; a < 3; ++a)
        waits += static_cast<std::uint64_t>(seq.on_attempt(Instant{} + a * 1s, OutcomeKind::http_5xx).wait.count());
    }
    return waits;
  }));

  std::printf("%-48s %10s %10s %10s %10s\n", "operation (breaker: per call)", "median ns", "min ns",
              "max ns", "admitted");
  for (const auto& f : figs) {
    std::printf("%-48s %10.1f %10.1f %10.1f", f.name.c_str(), f.median, f.min, f.max);
    if (f.admitted >= 0)
      std::printf(" %9.1f%%\n", 100.0 * f.admitted);
    else
      std::printf(" %10s\n", "-");
  }
  std::printf("(%d repetitions of %lld operations each)\n", kReps, static_cast<long long>(kOps));
  return 0;
}
