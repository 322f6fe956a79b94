// Policy configuration (policies/config.hpp): the first byte picks the parser, the rest is the
// JSON document. Besides the parse, each accepted configuration must survive its own round trip
// (parse(to_json(x)) writes the same JSON) and a short run of the policy it configures, so that a
// value the parser accepts cannot make the breaker or the retry arithmetic misbehave (UBSan).
// Mode 6 reads the lab client's environment (KEY=VALUE lines) instead.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "policies/breaker.hpp"
#include "policies/config.hpp"
#include "policies/error.hpp"
#include "policies/retry.hpp"

namespace {

using namespace chaoslab;
using nlohmann::json;

// Runs are bounded (scenario duration_s); waits up to compute_wait's 1e9 s cap are legal but a
// run never sums many of them.
constexpr Duration kLongestRun = std::chrono::hours(24 * 365);

[[noreturn]] void mismatch(const char* what, const json& a, const json& b) {
  std::fprintf(stderr, "%s: round trip changed the configuration\n%s\n%s\n", what, a.dump().c_str(),
               b.dump().c_str());
  std::abort();
}

void run_breaker(const BreakerConfig& cfg, std::uint64_t seed) {
  Rng rng(seed);
  CircuitBreaker b(cfg, &rng);
  Instant now{};
  for (int i = 0; i < 64; ++i) {
    now += std::chrono::milliseconds(rng.uniform_int(0, 5000));
    b.tick(now);
    if (!b.try_acquire(now)) continue;
    const auto v = static_cast<Verdict>(rng.uniform_int(0, 2));
    (void)b.on_result(now, v, std::chrono::milliseconds(rng.uniform_int(0, 3000)));
  }
}

void run_retry(const RetryPolicy& p, std::uint64_t seed) {
  Rng rng(seed);
  RetryBudget budget(p.budget);
  Instant now{};
  RetrySequence seq(p, rng, now, &budget);
  for (int i = 0; i < 32; ++i) {
    now += std::chrono::milliseconds(rng.uniform_int(0, 3000));
    const auto d = seq.on_attempt(now, kAllOutcomeKinds[rng.uniform_int(0, 6)]);
    if (d.kind != RetrySequence::Decision::Kind::retry) break;
    budget.on_attempt_failure();
    // A run ends long before a 1e9 s wait could overflow its clock: stop where a run would.
    if (d.wait > kLongestRun - now.time_since_epoch()) break;
    now += d.wait;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int mode = data[0] % 7;
  const std::string_view text = fuzz::text_of(data + 1, size - 1);
  const std::string file = "policy.json";
  const std::uint64_t seed = size;
  try {
    if (mode == 6) {
      std::map<std::string, std::string, std::less<>> env;
      std::istringstream in{std::string(text)};
      for (std::string line; std::getline(in, line);) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
      }
      const ClientConfig c = client_from_lab_env([&](std::string_view k) -> std::optional<std::string> {
        const auto it = env.find(k);
        if (it == env.end()) return std::nullopt;
        return it->second;
      });
      run_breaker(c.breaker, seed);
      run_retry(c.retry, seed);
      return 0;
    }
    const json j = parse_json_text(text, file);
    switch (mode) {
      case 0: {
        const BreakerConfig c = parse_breaker(j, file);
        const json once = breaker_to_json(c);
        if (breaker_to_json(parse_breaker(once, file)) != once) mismatch("breaker", once, j);
        run_breaker(c, seed);
        break;
      }
      case 1: {
        const RetryPolicy p = parse_retry(j, file);
        const json once = retry_to_json(p);
        if (retry_to_json(parse_retry(once, file)) != once) mismatch("retry", once, j);
        run_retry(p, seed);
        break;
      }
      case 2: {
        const WaitSpec w = parse_wait(j, file);
        const json once = wait_to_json(w);
        if (wait_to_json(parse_wait(once, file)) != once) mismatch("wait", once, j);
        Rng rng(seed);
        RetryState st;
        for (int n = 1; n <= 40; ++n) {
          st.attempt = n;
          const Duration d = compute_wait(w, st, rng);
          if (d < Duration{0}) {
            std::fprintf(stderr, "wait: negative wait %lld ns at attempt %d\n",
                         static_cast<long long>(d.count()), n);
            std::abort();
          }
          if (d > kLongestRun - st.elapsed) break;
          st.previous_wait = d;
          st.elapsed += d;
        }
        break;
      }
      case 3: {
        const StopSpec s = parse_stop(j, file);
        const json once = stop_to_json(s);
        if (stop_to_json(parse_stop(once, file)) != once) mismatch("stop", once, j);
        RetryState st;
        for (int n = 1; n <= 40; ++n) {
          st.attempt = n;
          st.elapsed += std::chrono::seconds(n);
          (void)should_stop(s, st, std::chrono::seconds(1));
        }
        break;
      }
      case 4: {
        const BudgetConfig b = parse_budget(j, file);
        const json once = budget_to_json(b);
        if (budget_to_json(parse_budget(once, file)) != once) mismatch("budget", once, j);
        RetryBudget budget(b);
        for (int i = 0; i < 40; ++i) {
          budget.request_started();
          if (budget.allow_retry()) budget.retry_started();
          if (i % 3) budget.on_attempt_failure(); else budget.on_attempt_success();
        }
        break;
      }
      case 5: {
        const ClientConfig c = parse_client(j, file);
        const json once = client_to_json(c);
        if (client_to_json(parse_client(once, file)) != once) mismatch("client", once, j);
        run_breaker(c.breaker, seed);
        run_retry(c.retry, seed);
        break;
      }
    }
  } catch (const ConfigError&) {
  }
  return 0;
}
