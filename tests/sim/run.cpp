#include "sim/run.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario.hpp"

using namespace chaoslab;
using namespace chaoslab::sim;

namespace {

std::string scenario_path(const std::string& name) {
  return std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/" + name;
}

struct Traced {
  std::string trace, journal, summary;
  std::uint64_t digest = 0;
};

Traced traced_run(const Scenario& sc, std::uint64_t seed) {
  std::ostringstream trace, journal;
  RunOptions opt;
  opt.trace = &trace;
  opt.journal = &journal;
  opt.digest = true;
  const RunResult r = run_scenario(sc, seed, opt);
  return {trace.str(), journal.str(), r.summary.to_json(), r.digest};
}

std::vector<nlohmann::json> lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Mean response time of successful attempts and their count.
struct MeanLatency final : TraceSink {
  double sum_s = 0;
  std::uint64_t n = 0;
  void on_attempt(Instant, const AttemptEvent& e) override {
    if (e.result.kind != OutcomeKind::ok) return;
    sum_s += to_seconds(e.result.latency);
    ++n;
  }
};

double erlang_c_w(double lambda, double mu, int c) {
  const double a = lambda / mu, rho = a / c;
  double sum = 0, term = 1;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term / (1 - rho);  // a^c / c! / (1 - rho)
  const double C = top / (sum + top);
  return C / (c * mu - lambda) + 1 / mu;
}

}  // namespace

TEST_CASE("same seed: byte-identical trace, journal and summary; another seed differs") {
  const Scenario sc = load_scenario_file(scenario_path("lab3-chaos.json"));
  const Traced a = traced_run(sc, 42);
  const Traced b = traced_run(sc, 42);
  CHECK(a.trace.size() > 10000);
  CHECK(a.journal.size() > 1000);
  CHECK(a.trace == b.trace);
  CHECK(a.journal == b.journal);
  CHECK(a.summary == b.summary);
  CHECK(a.digest == b.digest);
  const Traced c = traced_run(sc, 43);
  CHECK(c.trace != a.trace);
  CHECK(c.digest != a.digest);
  // The fast path (no trace) gives the same summary as the traced run.
  CHECK(run_scenario(sc, 42).summary.to_json() == a.summary);
}

TEST_CASE("the trace starts with meta and holds every event kind of a chaos run") {
  const Scenario sc = load_scenario_file(scenario_path("lab3-chaos.json"));
  const Traced a = traced_run(sc, 7);
  const auto ev = lines(a.trace);
  REQUIRE(!ev.empty());
  CHECK(ev[0]["event"] == "meta");
  CHECK(ev[0]["seed"] == 7);
  CHECK(ev[0]["source"] == "sim");
  std::map<std::string, int> kinds;
  double last_t = 0;
  for (const auto& e : ev) {
    ++kinds[e["event"].get<std::string>()];
    CHECK(e["t"].get<double>() >= last_t);  // time order
    last_t = e["t"].get<double>();
  }
  for (const char* k : {"call", "attempt", "retry", "transition", "chaos", "pod"}) CHECK(kinds[k] > 0);
  const auto journal = nlohmann::json::parse(a.journal);
  CHECK(journal["status"] == "completed");
  CHECK(journal["deviated"] == false);
}

TEST_CASE("a run's summary counts agree with its trace") {
  const Scenario sc = load_scenario_file(scenario_path("lab3-chaos.json"));
  std::ostringstream trace;
  RunOptions opt;
  opt.trace = &trace;
  const RunResult r = run_scenario(sc, 3, opt);
  std::uint64_t calls = 0, attempts = 0, retries = 0, rejected = 0, c2o = 0;
  for (const auto& e : lines(trace.str())) {
    const std::string k = e["event"];
    calls += k == "call";
    attempts += k == "attempt";
    retries += k == "retry";
    rejected += k == "call" && e["outcome"] == "breaker_rejected";
    c2o += k == "transition" && e["from"] == "closed" && e["to"] == "open";
  }
  const RunSummary& s = r.summary;
  CHECK(s.calls.total == calls);
  CHECK(s.attempts.total == attempts);
  CHECK(s.retries == retries);
  CHECK(s.calls.rejected == rejected);
  CHECK(s.transitions.closed_to_open == c2o);
  CHECK(s.calls.ok + s.calls.http_5xx + s.calls.timeout + s.calls.refused + s.calls.rejected + s.calls.reset +
            s.calls.http_4xx == s.calls.total);
  REQUIRE(s.recovery);
  CHECK(s.recovery->outage_s > 1.0);  // the replacement pod needs seconds to become ready
  CHECK(s.recovery->outage_s < 10.0);
  CHECK(s.virtual_seconds == 600.0);
  CHECK(s.events > 500);
}

TEST_CASE("component streams: Kubernetes timings do not move the client's or backend's draws") {
  // Before the pod kill (65 s) nothing depends on the Kubernetes draws, so the traces agree.
  const std::string path = scenario_path("lab3-chaos.json");
  const Scenario a = load_scenario_file(path);
  const Scenario b = load_scenario_file(path, {{"/kubernetes/container_start_s", "{\"type\":\"exponential\",\"mean\":5}"},
                                               {"/kubernetes/endpoint_delay_s", "0.3"}});
  const Traced ta = traced_run(a, 11), tb = traced_run(b, 11);
  CHECK(ta.trace != tb.trace);
  auto before = [](const std::string& t) {
    std::string out;
    for (const auto& e : lines(t))
      if (e["t"].get<double>() < 65.0 && e["event"] != "pod") out += e.dump() + "\n";
    return out;
  };
  CHECK(before(ta.trace).size() > 1000);
  CHECK(before(ta.trace) == before(tb.trace));
}

TEST_CASE("lab3 client: every retry wait is tenacity's wait_exponential_jitter from the client's stream") {
  // wait = min(initial * exp_base^(n-1) + U(0, jitter), max) with initial 1, jitter 1, exp_base 0.2,
  // max 2; one uniform per retryable (5xx) failure, drawn before the stop check (so also after the
  // last attempt). The client's stream is stream_seed(seed, client_base, 0).
  const Scenario sc = load_scenario_file(scenario_path("lab3-phase-b.json"));
  const std::uint64_t seed = 5;
  std::ostringstream trace;
  RunOptions opt;
  opt.trace = &trace;
  run_scenario(sc, seed, opt);
  Rng rng(stream_seed(seed, Stream::client_base, 0));
  std::optional<double> expected;
  int checked = 0, last_attempt_draws = 0;
  double min_first = 10, max_first = 0;
  for (const auto& e : lines(trace.str())) {
    if (e["event"] == "attempt" && e["outcome"] == "http_5xx") {
      const int n = e["attempt"];
      expected = std::min(std::pow(0.2, n - 1) + rng.uniform(0, 1), 2.0);
      if (n == 3) ++last_attempt_draws;
    } else if (e["event"] == "retry") {
      REQUIRE(expected);
      CHECK(std::fabs(e["wait_s"].get<double>() - *expected) < 1e-6);
      if (e["attempt"] == 1) {
        min_first = std::min(min_first, *expected);
        max_first = std::max(max_first, *expected);
      }
      expected.reset();
      ++checked;
    }
  }
  CHECK(checked > 50);
  CHECK(last_attempt_draws > 5);
  CHECK(min_first >= 1.0);
  CHECK(max_first <= 2.0);
}

TEST_CASE("M/M/1: mean response time within 2% of 1/(mu - lambda); Little's law") {
  const Scenario sc = load_scenario_file(scenario_path("mm1.json"));
  MeanLatency m;
  double area = 0, t = 0, arrivals = 0, sojourn = 0, served = 0;
  for (std::uint64_t s = 0; s < 5; ++s) {
    RunOptions opt;
    opt.sink = &m;
    const RunResult r = run_scenario(sc, run_seed(1, s), opt);
    area += r.backend.area_s;
    t += to_seconds(sc.duration);
    arrivals += static_cast<double>(r.backend.arrivals);
    sojourn += r.backend.sojourn_sum_s;
    served += static_cast<double>(r.backend.served);
  }
  const double lambda = 50, mu = 100;
  const double w = m.sum_s / static_cast<double>(m.n);
  MESSAGE("M/M/1 W = " << w * 1000 << " ms over " << m.n << " customers (formula 20 ms)");
  CHECK(m.n > 400000);
  CHECK(std::fabs(w - 1 / (mu - lambda)) / (1 / (mu - lambda)) < 0.02);
  // Little: L = lambda * W, with L the time-average number in the system.
  const double L = area / t, lam = arrivals / t, W = sojourn / served;
  CHECK(std::fabs(L - lam * W) / L < 0.005);
  CHECK(std::fabs(L - lambda / (mu - lambda)) < 0.03);  // rho / (1 - rho) = 1
}

TEST_CASE("M/M/c: mean response time within 2% of Erlang C") {
  const Scenario sc = load_scenario_file(scenario_path("mmc.json"));
  MeanLatency m;
  for (std::uint64_t s = 0; s < 4; ++s) {
    RunOptions opt;
    opt.sink = &m;
    run_scenario(sc, run_seed(1, s), opt);
  }
  const double w = m.sum_s / static_cast<double>(m.n);
  const double formula = erlang_c_w(160, 50, 4);
  MESSAGE("M/M/4 W = " << w * 1000 << " ms over " << m.n << " customers (Erlang C " << formula * 1000 << " ms)");
  CHECK(formula == doctest::Approx(0.034911).epsilon(1e-4));
  CHECK(std::fabs(w - formula) / formula < 0.02);
}

TEST_CASE("M/M/1 through --set: a changed rate moves the mean as the formula says") {
  const Scenario sc = load_scenario_file(scenario_path("mm1.json"), {{"/clients/0/rate_per_s", "80"},
                                                                     {"/duration_s", "3000"}});
  MeanLatency m;
  RunOptions opt;
  opt.sink = &m;
  run_scenario(sc, 9, opt);
  const double w = m.sum_s / static_cast<double>(m.n);
  CHECK(std::fabs(w - 0.05) / 0.05 < 0.05);  // 1/(100-80) = 50 ms; rho 0.8 needs a looser bound
}

TEST_CASE("clients start at start_s and several clients get separate streams") {
  const Scenario sc = load_scenario_file(scenario_path("lab3-phase-b.json"),
                                         {{"/clients/0/count", "3"}, {"/clients/0/start_s", "10"}});
  std::ostringstream trace;
  RunOptions opt;
  opt.trace = &trace;
  run_scenario(sc, 1, opt);
  double first = 1e9;
  std::set<int> ids;
  for (const auto& e : lines(trace.str())) {
    if (e["event"] != "call") continue;
    ids.insert(e["client"].get<int>());
    first = std::min(first, e["t"].get<double>() - e["latency_ms"].get<double>() / 1000);
  }
  CHECK(ids == std::set<int>{0, 1, 2});
  CHECK(first >= 10.0 - 1e-6);
}

TEST_CASE("workspace reuse: interleaved scenarios give the same results as fresh runs") {
  const Scenario chaos = load_scenario_file(scenario_path("lab3-chaos.json"));
  const Scenario mm1 = load_scenario_file(scenario_path("mm1.json"), {{"/duration_s", "50"}});
  const std::string a = run_scenario(chaos, 1).summary.to_json();
  const std::string b = run_scenario(mm1, 1).summary.to_json();
  CHECK(run_scenario(chaos, 1).summary.to_json() == a);
  CHECK(run_scenario(mm1, 1).summary.to_json() == b);
}
