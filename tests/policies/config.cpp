#include "policies/config.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "policies/error.hpp"

using namespace chaoslab;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

std::string breaker_error(const char* text) {
  return error_of([&] { parse_breaker(json::parse(text), "b.json"); });
}
std::string retry_error(const char* text) {
  return error_of([&] { parse_retry(json::parse(text), "r.json: /client/retry"); });
}

GetEnv env(std::map<std::string, std::string> vars) {
  return [vars](std::string_view k) -> std::optional<std::string> {
    auto it = vars.find(std::string(k));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST_CASE("breaker: pybreaker keys and defaults") {
  const auto d = parse_breaker(json::object(), "b.json");
  CHECK(d.fail_max == 5);
  CHECK(d.reset_timeout == 60s);
  CHECK(d.success_threshold == 1);
  CHECK(d.throw_new_error_on_trip);
  CHECK(d.trip == BreakerConfig::Trip::consecutive);
  const auto c = parse_breaker(json::parse(R"({"fail_max": 2, "reset_timeout": 1.5,
      "success_threshold": 3, "throw_new_error_on_trip": false, "exclude": ["http_4xx"],
      "failure_on": ["http_5xx", "timeout"]})"),
                               "b.json");
  CHECK(c.fail_max == 2);
  CHECK(c.reset_timeout == 1500ms);
  CHECK(c.success_threshold == 3);
  CHECK_FALSE(c.throw_new_error_on_trip);
  CHECK(c.exclude == OutcomeSet{OutcomeKind::http_4xx});
  CHECK(c.failure_on == OutcomeSet{OutcomeKind::http_5xx, OutcomeKind::timeout});
}

TEST_CASE("breaker: resilience4j-style extras") {
  const auto c = parse_breaker(json::parse(R"({
      "sliding_window_type": "time_based", "sliding_window_size": 30,
      "minimum_number_of_calls": 10, "failure_rate_threshold": 25,
      "slow_call_rate_threshold": 80, "slow_call_duration_threshold": 0.5,
      "permitted_number_of_calls_in_half_open_state": 3,
      "max_wait_duration_in_half_open_state": 20,
      "automatic_transition_from_open_to_half_open_enabled": true,
      "reset_timeout": 2,
      "open_interval": {"growth": "exponential", "multiplier": 1.5, "max_interval": 60,
                        "randomization_factor": 0.2}})"),
                               "b.json");
  CHECK(c.trip == BreakerConfig::Trip::time_window);
  CHECK(c.window_size == 30);
  CHECK(c.minimum_calls == 10);
  CHECK(c.failure_rate_threshold == 25);
  CHECK(c.slow_call_rate_threshold == 80);
  CHECK(c.slow_call_duration == 500ms);
  CHECK(c.half_open_max_calls == 3);
  CHECK(c.max_half_open_duration == 20s);
  CHECK(c.automatic_half_open);
  CHECK(c.open_growth == BreakerConfig::OpenGrowth::exponential);
  CHECK(c.open_backoff_multiplier == 1.5);
  CHECK(c.max_open_duration == 60s);
  CHECK(c.open_jitter == 0.2);
}

TEST_CASE("breaker: error messages name the file and the JSON pointer of the bad key") {
  struct Row {
    const char* json;
    const char* message;
  };
  const Row rows[] = {
      {R"({"fail_mx": 2})",
       "b.json: /fail_mx: unknown key (expected one of: fail_max, reset_timeout, success_threshold, "
       "throw_new_error_on_trip, exclude, failure_on, sliding_window_type, sliding_window_size, "
       "minimum_number_of_calls, failure_rate_threshold, slow_call_rate_threshold, "
       "slow_call_duration_threshold, permitted_number_of_calls_in_half_open_state, "
       "max_wait_duration_in_half_open_state, automatic_transition_from_open_to_half_open_enabled, "
       "open_interval)"},
      {R"({"fail_max": "2"})", "b.json: /fail_max: expected an integer, got string \"2\""},
      {R"({"fail_max": 2.5})", "b.json: /fail_max: expected an integer, got number 2.5"},
      {R"({"fail_max": 0})", "b.json: /fail_max: must be >= 1, got 0"},
      {R"({"fail_max": 99999999999})", "b.json: /fail_max: must be <= 2147483647, got 99999999999"},
      {R"({"reset_timeout": -1})", "b.json: /reset_timeout: must be >= 0, got -1"},
      {R"({"reset_timeout": true})", "b.json: /reset_timeout: expected a number, got boolean"},
      {R"({"reset_timeout": 1e12})", "b.json: /reset_timeout: must be <= 1000000000 seconds, got 1000000000000"},
      {R"({"success_threshold": 0})", "b.json: /success_threshold: must be >= 1, got 0"},
      {R"({"throw_new_error_on_trip": 1})",
       "b.json: /throw_new_error_on_trip: expected true or false, got integer 1"},
      {R"({"exclude": "http_4xx"})",
       "b.json: /exclude: expected an array of outcome names, got string \"http_4xx\""},
      {R"({"exclude": ["http_4xx", "http_404"]})",
       "b.json: /exclude/1: expected one of ok, http_4xx, http_5xx, timeout, refused, reset, "
       "breaker_rejected, got \"http_404\""},
      {R"({"sliding_window_type": "COUNT_BASED"})",
       "b.json: /sliding_window_type: expected one of consecutive, count_based, time_based, got "
       "\"COUNT_BASED\""},
      {R"({"failure_rate_threshold": 0})", "b.json: /failure_rate_threshold: must be > 0, got 0"},
      {R"({"failure_rate_threshold": 101})",
       "b.json: /failure_rate_threshold: must be <= 100, got 101"},
      {R"({"slow_call_duration_threshold": 0})",
       "b.json: /slow_call_duration_threshold: must be > 0, got 0"},
      {R"({"permitted_number_of_calls_in_half_open_state": -1})",
       "b.json: /permitted_number_of_calls_in_half_open_state: must be >= 0, got -1"},
      {R"({"open_interval": {"growth": "exponential", "multiplier": 0.5}})",
       "b.json: /open_interval/multiplier: must be >= 1, got 0.5"},
      {R"({"open_interval": {"randomization_factor": 1}})",
       "b.json: /open_interval/randomization_factor: must be < 1, got 1"},
      {R"({"open_interval": {"jitter": 0.1}})",
       "b.json: /open_interval/jitter: unknown key (expected one of: growth, multiplier, "
       "max_interval, randomization_factor)"},
      {R"({"reset_timeout": 10, "open_interval": {"growth": "linear", "max_interval": 5}})",
       "b.json: /open_interval/max_interval: must be >= reset_timeout (10), got 5"},
      {R"([1, 2])", "b.json: expected an object, got array"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.json);
    CHECK(breaker_error(r.json) == r.message);
  }
}

TEST_CASE("where: a pointer prefix is extended, special characters are escaped (RFC 6901)") {
  CHECK(error_of([] { parse_breaker(json::parse(R"({"a/b~c": 1})"), "s.json: /clients/0/breaker"); })
            .starts_with("s.json: /clients/0/breaker/a~1b~0c: unknown key"));
}

TEST_CASE("retry: tenacity-named stop and wait trees") {
  const auto p = parse_retry(json::parse(R"({
      "stop": {"stop_any": [{"stop_after_attempt": 4}, {"stop_after_delay": 10}]},
      "wait": {"wait_combine": [{"wait_fixed": 0.5},
                                {"wait_chain": [{"wait_random": {"min": 0, "max": 1}},
                                                {"wait_exponential_jitter": {"initial": 1, "max": 2, "exp_base": 0.2, "jitter": 1}}]}]},
      "retry_on": ["http_5xx", "timeout"], "reraise": false,
      "attempt_timeout": 2, "deadline": 30,
      "budget": {"token_bucket": {"max_tokens": 10, "token_ratio": 0.1}}})"),
                             "r.json");
  CHECK(p.stop.kind == StopSpec::Kind::any);
  REQUIRE(p.stop.children.size() == 2);
  CHECK(p.stop.children[0].kind == StopSpec::Kind::after_attempt);
  CHECK(p.stop.children[0].attempts == 4);
  CHECK(p.stop.children[1].delay == 10s);
  CHECK(p.wait.kind == WaitSpec::Kind::combine);
  REQUIRE(p.wait.children.size() == 2);
  CHECK(p.wait.children[0].kind == WaitSpec::Kind::fixed);
  CHECK(p.wait.children[0].wait == 0.5);
  const auto& chain = p.wait.children[1];
  CHECK(chain.kind == WaitSpec::Kind::chain);
  CHECK(chain.children[0].kind == WaitSpec::Kind::random);
  CHECK(chain.children[0].max == 1);
  CHECK(chain.children[1].kind == WaitSpec::Kind::exponential_jitter);
  CHECK(chain.children[1].exp_base == 0.2);
  CHECK(chain.children[1].max == 2);
  CHECK(p.retry_on == OutcomeSet{OutcomeKind::http_5xx, OutcomeKind::timeout});
  CHECK_FALSE(p.reraise);
  CHECK(p.attempt_timeout == 2s);
  CHECK(p.deadline == 30s);
  CHECK(p.budget.kind == BudgetConfig::Kind::token_bucket);
  CHECK(p.budget.max_tokens == 10);
}

TEST_CASE("retry: every wait strategy parses with its library's parameter names and defaults") {
  auto w = [](const char* text) { return parse_wait(json::parse(text), "w.json"); };
  CHECK(w(R"({"wait_none": true})").kind == WaitSpec::Kind::none);
  CHECK(w(R"({"wait_fixed": {"wait": 3}})").wait == 3);
  const auto r = w(R"({"wait_random": {}})");  // tenacity: min=0, max=1
  CHECK(r.min == 0);
  CHECK(r.max == 1);
  const auto inc = w(R"({"wait_incrementing": {"start": 1, "increment": -0.5, "max": 9}})");
  CHECK(inc.kind == WaitSpec::Kind::incrementing);
  CHECK(inc.increment == -0.5);
  const auto ex = w(R"({"wait_exponential": {"multiplier": 0.5, "exp_base": 3, "min": 1}})");
  CHECK(ex.kind == WaitSpec::Kind::exponential);
  CHECK(ex.multiplier == 0.5);
  CHECK(std::isinf(ex.max));
  CHECK(w(R"({"wait_random_exponential": {"max": 60}})").kind ==
        WaitSpec::Kind::random_exponential);
  const auto eq = w(R"({"wait_equal_jitter": {"base": 0.1, "cap": 5}})");
  CHECK(eq.kind == WaitSpec::Kind::equal_jitter);
  CHECK(eq.multiplier == 0.1);
  CHECK(eq.max == 5);
  const auto dj = w(R"({"wait_decorrelated_jitter": {"base": 0.1, "cap": 5}})");
  CHECK(dj.kind == WaitSpec::Kind::decorrelated_jitter);
  const auto pv = w(R"({"wait_polly_decorrelated_jitter_v2": {"median_first_retry_delay": 0.2}})");
  CHECK(pv.kind == WaitSpec::Kind::polly_decorrelated_v2);
  CHECK(pv.initial == 0.2);
  CHECK(parse_stop(json::parse(R"({"stop_never": true})"), "s.json").kind == StopSpec::Kind::never);
  CHECK(parse_stop(json::parse(R"({"stop_before_delay": 4})"), "s.json").kind ==
        StopSpec::Kind::before_delay);
  CHECK(parse_stop(json::parse(R"({"stop_all": [{"stop_never": true}]})"), "s.json").kind ==
        StopSpec::Kind::all);
  const auto pa = parse_budget(json::parse(R"({"percent_active": {"budget_percent": 50}})"), "x");
  CHECK(pa.kind == BudgetConfig::Kind::percent_active);
  CHECK(pa.budget_percent == 50);
  CHECK(pa.min_retry_concurrency == 3);
}

TEST_CASE("retry: error messages") {
  struct Row {
    const char* json;
    const char* message;
  };
  const Row rows[] = {
      {R"({"stop": {"stop_after_attempt": 0}})",
       "r.json: /client/retry/stop/stop_after_attempt: must be >= 1, got 0"},
      {R"({"stop": {}})",
       "r.json: /client/retry/stop: expected exactly one of: stop_after_attempt, stop_after_delay, "
       "stop_before_delay, stop_any, stop_all, stop_never, got 0 keys"},
      {R"({"stop": {"stop_after_attempts": 3}})",
       "r.json: /client/retry/stop/stop_after_attempts: unknown key (expected one of: "
       "stop_after_attempt, stop_after_delay, stop_before_delay, stop_any, stop_all, stop_never)"},
      {R"({"stop": {"stop_any": []}})",
       "r.json: /client/retry/stop/stop_any: expected at least one stop condition"},
      {R"({"stop": {"stop_any": [{"stop_after_delay": -2}]}})",
       "r.json: /client/retry/stop/stop_any/0/stop_after_delay: must be >= 0, got -2"},
      {R"({"wait": {"wait_fixed": -1}})", "r.json: /client/retry/wait/wait_fixed: must be >= 0, got -1"},
      {R"({"wait": {"wait_exponential_jitter": {"initial": 1, "max": 2, "exp_base": 0, "jitter": 1}}})",
       "r.json: /client/retry/wait/wait_exponential_jitter/exp_base: must be > 0, got 0"},
      {R"({"wait": {"wait_exponential_jitter": {"inital": 1}}})",
       "r.json: /client/retry/wait/wait_exponential_jitter/inital: unknown key (expected one of: "
       "initial, max, exp_base, jitter, min)"},
      {R"({"wait": {"wait_random": {"min": 2, "max": 1}}})",
       "r.json: /client/retry/wait/wait_random/max: must be >= min (2), got 1"},
      {R"({"wait": {"wait_chain": [{"wait_fixed": 1}, {"wait_fixed": "1"}]}})",
       "r.json: /client/retry/wait/wait_chain/1/wait_fixed: expected an object, got string \"1\""},
      {R"({"wait": {"wait_combine": []}})",
       "r.json: /client/retry/wait/wait_combine: expected at least one wait strategy"},
      {R"({"wait": {"wait_none": false}})",
       "r.json: /client/retry/wait/wait_none: expected true, got boolean"},
      {R"({"wait": {"wait_decorrelated_jitter": {"base": 0}}})",
       "r.json: /client/retry/wait/wait_decorrelated_jitter/base: must be > 0, got 0"},
      {R"({"retry_on": ["5xx"]})",
       "r.json: /client/retry/retry_on/0: expected one of ok, http_4xx, http_5xx, timeout, refused, "
       "reset, breaker_rejected, got \"5xx\""},
      {R"({"attempt_timeout": 0})", "r.json: /client/retry/attempt_timeout: must be > 0, got 0"},
      {R"({"deadline": -0.5})", "r.json: /client/retry/deadline: must be >= 0, got -0.5"},
      {R"({"budget": {"token_bucket": {"max_tokens": 0}}})",
       "r.json: /client/retry/budget/token_bucket/max_tokens: must be > 0, got 0"},
      {R"({"budget": {"token_bucket": {"max_tokens": 1001}}})",
       "r.json: /client/retry/budget/token_bucket/max_tokens: must be <= 1000, got 1001"},
      {R"({"budget": {"percent_active": {"budget_percent": 120}}})",
       "r.json: /client/retry/budget/percent_active/budget_percent: must be <= 100, got 120"},
      {R"({"budget": {"leaky": true}})",
       "r.json: /client/retry/budget/leaky: unknown key (expected one of: none, token_bucket, "
       "percent_active)"},
      {R"({"backoff": 1})",
       "r.json: /client/retry/backoff: unknown key (expected one of: stop, wait, retry_on, reraise, "
       "attempt_timeout, deadline, budget)"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.json);
    CHECK(retry_error(r.json) == r.message);
  }
}

TEST_CASE("NaN and infinity are rejected when they reach a parser through the API") {
  json j;
  j["reset_timeout"] = std::nan("");
  CHECK(error_of([&] { parse_breaker(j, "b.json"); }) ==
        "b.json: /reset_timeout: must be a finite number, got nan");
  json k;
  k["wait_fixed"] = std::numeric_limits<double>::infinity();
  CHECK(error_of([&] { parse_wait(k, "w.json"); }) ==
        "w.json: /wait_fixed: must be a finite number, got inf");
}

TEST_CASE("client: keys, profile base and errors") {
  const auto c = parse_client(json::parse(R"({
      "target": "backend", "arrival": "poisson", "rate_per_s": 20, "max_in_flight": 50,
      "think_time": 0, "composition": "retry_outside_breaker",
      "breaker": {"fail_max": 3}, "retry": {"stop": {"stop_after_attempt": 2}}})"),
                              "c.json");
  CHECK(c.arrival == ClientConfig::Arrival::poisson);
  CHECK(c.rate_per_s == 20);
  CHECK(c.max_in_flight == 50);
  CHECK(c.think_time == Duration{0});
  CHECK(c.composition == ClientConfig::Composition::retry_outside_breaker);
  CHECK(c.breaker.fail_max == 3);
  CHECK(c.retry.stop.attempts == 2);

  // A profile is the base; keys given override it, nested objects key by key.
  const auto lab = parse_client(json::parse(R"({"profile": "lab3", "breaker": {"reset_timeout": 5}})"),
                                "c.json");
  CHECK(lab.breaker.fail_max == 2);
  CHECK(lab.breaker.reset_timeout == 5s);
  CHECK(lab.retry.wait.kind == WaitSpec::Kind::exponential_jitter);
  CHECK(lab.retry.stop.attempts == 3);

  CHECK(error_of([] { parse_client(json::parse(R"({"arrival": "open"})"), "c.json"); }) ==
        "c.json: /arrival: expected one of closed_loop, poisson, fixed_rate, got \"open\"");
  CHECK(error_of([] { parse_client(json::parse(R"({"rate_per_s": 0})"), "c.json"); }) ==
        "c.json: /rate_per_s: must be > 0, got 0");
  CHECK(error_of([] { parse_client(json::parse(R"({"target": ""})"), "c.json"); }) ==
        "c.json: /target: expected a non-empty string, got string \"\"");
  CHECK(error_of([] { parse_client(json::parse(R"({"profile": "lab4"})"), "c.json"); }) ==
        "c.json: /profile: expected one of default, lab3, lab3_baseline, got \"lab4\"");
  CHECK(error_of([] { parse_client(json::parse(R"({"retry": {"reraise": "yes"}})"), "c.json"); }) ==
        "c.json: /retry/reraise: expected true or false, got string \"yes\"");
}

TEST_CASE("to_json round-trips through the parsers") {
  ClientConfig c = lab3_client();
  c.breaker.trip = BreakerConfig::Trip::count_window;
  c.breaker.exclude = {OutcomeKind::http_4xx};
  c.breaker.open_growth = BreakerConfig::OpenGrowth::linear;
  c.breaker.open_jitter = 0.1;
  c.retry.budget.kind = BudgetConfig::Kind::percent_active;
  c.retry.deadline = 9s;
  WaitSpec inc;
  inc.kind = WaitSpec::Kind::incrementing;
  WaitSpec chain;
  chain.kind = WaitSpec::Kind::chain;
  chain.children = {c.retry.wait, inc};
  c.retry.wait = chain;
  c.retry.stop = {StopSpec::Kind::any, {}, {}, {{StopSpec::Kind::after_attempt, 4, {}, {}},
                                                {StopSpec::Kind::before_delay, {}, 3s, {}}}};
  const json j = client_to_json(c);
  const ClientConfig back = parse_client(j, "round.json");
  CHECK(client_to_json(back) == j);
  CHECK(back.retry.wait.children[1].kind == WaitSpec::Kind::incrementing);
  CHECK(std::isinf(back.retry.wait.children[1].max));
  CHECK(back.breaker.exclude == OutcomeSet{OutcomeKind::http_4xx});
  CHECK(back.retry.stop.children[1].delay == 3s);
}

TEST_CASE("parse_json_text reports line and column") {
  CHECK(parse_json_text(R"({"a": 1})", "x.json")["a"] == 1);
  const auto msg = error_of([] { parse_json_text("{\n  \"a\": 1,\n  \"b\": }\n", "x.json"); });
  CHECK(msg.starts_with("x.json: line 3, column "));
  CHECK(msg.find("invalid JSON") != std::string::npos);
}

TEST_CASE("lab env: the lab client's code defaults when nothing is set") {
  const auto c = client_from_lab_env(env({}));
  CHECK(c.target == "http://backend:8000/work");
  CHECK(c.breaker.fail_max == 2);
  CHECK(c.breaker.reset_timeout == 1s);
  CHECK(c.retry.stop.kind == StopSpec::Kind::after_attempt);
  CHECK(c.retry.stop.attempts == 1);
  CHECK(c.retry.wait.exp_base == 0.2);
  CHECK(c.retry.wait.max == 2.0);
}

TEST_CASE("lab env: the ConfigMap gives lab3_client(), with the lab client's exact meaning") {
  const auto c = client_from_lab_env(env({{"BACKEND_URL", "http://backend.lab3.svc.cluster.local:8000/work"},
                                          {"CB_FAIL_MAX", "2"},
                                          {"CB_RESET_TIMEOUT", "1"},
                                          {"RETRY_MAX_ATTEMPTS", "3"},
                                          {"RETRY_BASE", "0.2"},
                                          {"RETRY_MAX", "2.0"},
                                          {"CB_HALF_OPEN_MAX_CALLS", "1"}}));  // read, unused
  CHECK(client_to_json(c) == client_to_json(lab3_client()));
  CHECK(c.composition == ClientConfig::Composition::breaker_outside_retry);
  CHECK(c.arrival == ClientConfig::Arrival::closed_loop);
  CHECK(c.think_time == 300ms);
  CHECK(c.retry.attempt_timeout == 2s);
  CHECK(c.retry.reraise);
  CHECK(c.retry.retry_on == OutcomeSet{OutcomeKind::http_5xx});
  CHECK(c.retry.wait.kind == WaitSpec::Kind::exponential_jitter);
  CHECK(c.retry.wait.initial == 1);
  CHECK(c.retry.wait.jitter == 1);
  CHECK(c.breaker.half_open_max_calls == 0);  // pybreaker has no cap; the lab's key had no effect
  CHECK(c.breaker.classify(OutcomeKind::timeout) == Verdict::failure);
  CHECK(c.breaker.classify(OutcomeKind::refused) == Verdict::failure);
  CHECK(c.breaker.classify(OutcomeKind::http_5xx) == Verdict::failure);
  CHECK(c.breaker.classify(OutcomeKind::ok) == Verdict::success);
  CHECK(client_from_lab_env(env({{"CB_FAIL_MAX", " 4 "}})).breaker.fail_max == 4);  // int() strips
}

TEST_CASE("lab env: bad values name the variable") {
  struct Row {
    const char* var;
    const char* value;
    const char* message;
  };
  const Row rows[] = {
      {"CB_FAIL_MAX", "two", "CB_FAIL_MAX: expected an integer (the lab client reads it with int()), got 'two'"},
      {"CB_FAIL_MAX", "0", "CB_FAIL_MAX: must be >= 1, got 0"},
      {"CB_RESET_TIMEOUT", "1.5",
       "CB_RESET_TIMEOUT: expected an integer (the lab client reads it with int()), got '1.5'"},
      {"CB_RESET_TIMEOUT", "-1", "CB_RESET_TIMEOUT: must be >= 0, got -1"},
      {"RETRY_MAX_ATTEMPTS", "", "RETRY_MAX_ATTEMPTS: expected an integer (the lab client reads it with int()), got ''"},
      {"RETRY_BASE", "nan", "RETRY_BASE: must be a finite number, got 'nan'"},
      {"RETRY_BASE", "0", "RETRY_BASE: must be > 0, got 0"},
      {"RETRY_BASE", "0x10", "RETRY_BASE: expected a number (the lab client reads it with float()), got '0x10'"},
      {"RETRY_MAX", "-2", "RETRY_MAX: must be >= 0, got -2"},
      {"RETRY_MAX", "inf", "RETRY_MAX: must be a finite number, got 'inf'"},
      {"BACKEND_URL", "", "BACKEND_URL: must not be empty"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.var);
    CAPTURE(r.value);
    CHECK(error_of([&] { client_from_lab_env(env({{r.var, r.value}})); }) == r.message);
  }
}

TEST_CASE("lab3_baseline_client: no breaker, no retry, 2 s timeout, same loop") {
  const auto b = lab3_baseline_client();
  CHECK_FALSE(b.breaker_enabled);
  CHECK_FALSE(b.retry_enabled);
  CHECK(b.retry.attempt_timeout == 2s);
  CHECK(b.think_time == 300ms);
}
