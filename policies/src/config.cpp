// JSON <-> policy configuration. The only policies file that sees nlohmann/json. Every value is
// checked (type, range, finiteness) and every unknown key is an error, named by JSON pointer.
#include "policies/config.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/error.hpp"

namespace chaoslab {
namespace {

using json = nlohmann::json;
constexpr double kInf = std::numeric_limits<double>::infinity();
// Durations are int64 nanoseconds; 1e9 s (31 years) leaves ample headroom below 292 years.
constexpr double kMaxSeconds = 1e9;

std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Whole numbers print without ".0", as users write them.
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return json(v).dump();
}

// Where a value sits: file plus JSON pointer (RFC 6901 escaping).
struct Where {
  std::string file;
  std::string ptr;

  static Where from(const std::string& where) {
    const auto sep = where.find(": /");
    if (sep == std::string::npos) return {where, ""};
    return {where.substr(0, sep), where.substr(sep + 2)};
  }
  Where key(std::string_view k) const {
    std::string p = ptr + "/";
    for (char c : k) {
      if (c == '~')
        p += "~0";
      else if (c == '/')
        p += "~1";
      else
        p += c;
    }
    return {file, p};
  }
  Where index(std::size_t i) const { return {file, ptr + "/" + std::to_string(i)}; }
  std::string str() const { return ptr.empty() ? file : file + ": " + ptr; }
  [[noreturn]] void fail(const std::string& msg) const { throw ConfigError(str() + ": " + msg); }
};

std::string type_of(const json& j) {
  if (j.is_number_integer()) return "integer " + j.dump();
  if (j.is_number()) return "number " + j.dump();
  if (j.is_string()) return "string " + j.dump();
  return j.type_name();
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Range checks shared by numbers and durations.
struct Range {
  double lo = -kInf;
  bool lo_open = false;  // true: value must be > lo
  double hi = kInf;
  bool hi_open = false;  // true: value must be < hi
};
constexpr Range kNonNegative{0, false, kInf, false};
constexpr Range kPositive{0, true, kInf, false};

void check_range(double v, const Range& r, const Where& w) {
  if (!std::isfinite(v)) w.fail("must be a finite number, got " + fmt(v));
  if (r.lo_open ? !(v > r.lo) : !(v >= r.lo))
    w.fail("must be " + std::string(r.lo_open ? "> " : ">= ") + fmt(r.lo) + ", got " + fmt(v));
  if (r.hi_open ? !(v < r.hi) : !(v <= r.hi))
    w.fail("must be " + std::string(r.hi_open ? "< " : "<= ") + fmt(r.hi) + ", got " + fmt(v));
}

// A JSON object whose keys are checked against the known list up front.
class Obj {
 public:
  Obj(const json& j, Where w, std::vector<std::string> known) : j_(j), w_(std::move(w)) {
    if (!j.is_object()) w_.fail("expected an object, got " + type_of(j));
    for (const auto& [k, v] : j.items()) {
      bool ok = false;
      for (const auto& n : known) ok = ok || n == k;
      if (!ok) w_.key(k).fail("unknown key (expected one of: " + join(known) + ")");
    }
  }

  const Where& where() const { return w_; }
  bool has(const char* k) const { return j_.contains(k); }
  const json& at(const char* k) const { return j_.at(k); }

  void number(const char* k, double& out, const Range& r) const {
    if (!has(k)) return;
    out = number_value(at(k), w_.key(k), r);
  }
  void seconds(const char* k, Duration& out, const Range& r) const {
    if (!has(k)) return;
    out = seconds_value(at(k), w_.key(k), r);
  }
  void integer(const char* k, int& out, int lo, int hi = std::numeric_limits<int>::max()) const {
    if (!has(k)) return;
    out = integer_value(at(k), w_.key(k), lo, hi);
  }
  void boolean(const char* k, bool& out) const {
    if (!has(k)) return;
    if (!at(k).is_boolean()) w_.key(k).fail("expected true or false, got " + type_of(at(k)));
    out = at(k).get<bool>();
  }
  template <typename E>
  void choice(const char* k, E& out, const std::vector<std::pair<std::string, E>>& names) const {
    if (!has(k)) return;
    out = choice_value(at(k), w_.key(k), names);
  }

  static double number_value(const json& v, const Where& w, const Range& r) {
    if (!v.is_number()) w.fail("expected a number, got " + type_of(v));
    const double d = v.get<double>();
    check_range(d, r, w);
    return d;
  }
  static Duration seconds_value(const json& v, const Where& w, const Range& r) {
    const double d = number_value(v, w, r);
    if (d > kMaxSeconds) w.fail("must be <= " + fmt(kMaxSeconds) + " seconds, got " + fmt(d));
    return from_seconds(d);
  }
  static int integer_value(const json& v, const Where& w, int lo, int hi) {
    if (!v.is_number_integer()) w.fail("expected an integer, got " + type_of(v));
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
      w.fail("must be <= " + std::to_string(hi) + ", got " + v.dump());
    const auto x = v.get<std::int64_t>();
    if (x < lo) w.fail("must be >= " + std::to_string(lo) + ", got " + std::to_string(x));
    if (x > hi) w.fail("must be <= " + std::to_string(hi) + ", got " + std::to_string(x));
    return static_cast<int>(x);
  }
  template <typename E>
  static E choice_value(const json& v, const Where& w,
                        const std::vector<std::pair<std::string, E>>& names) {
    std::vector<std::string> valid;
    for (const auto& [n, e] : names) valid.push_back(n);
    if (!v.is_string())
      w.fail("expected one of " + join(valid) + ", got " + type_of(v));
    for (const auto& [n, e] : names)
      if (n == v.get<std::string>()) return e;
    w.fail("expected one of " + join(valid) + ", got " + v.dump());
  }

 private:
  const json& j_;
  Where w_;
};

// A one-key object {"name": value} (tenacity-style strategy); returns the key.
std::string single_key(const json& j, const Where& w, const std::vector<std::string>& names) {
  if (!j.is_object()) w.fail("expected an object with one of: " + join(names) + ", got " + type_of(j));
  if (j.size() != 1)
    w.fail("expected exactly one of: " + join(names) + ", got " + std::to_string(j.size()) +
           " keys");
  const std::string k = j.begin().key();
  for (const auto& n : names)
    if (n == k) return k;
  w.key(k).fail("unknown key (expected one of: " + join(names) + ")");
}

void require_true(const json& v, const Where& w) {
  if (!v.is_boolean() || !v.get<bool>()) w.fail("expected true, got " + type_of(v));
}

const std::vector<std::pair<std::string, BreakerConfig::Trip>> kTripNames = {
    {"consecutive", BreakerConfig::Trip::consecutive},
    {"count_based", BreakerConfig::Trip::count_window},
    {"time_based", BreakerConfig::Trip::time_window}};
const std::vector<std::pair<std::string, BreakerConfig::OpenGrowth>> kGrowthNames = {
    {"none", BreakerConfig::OpenGrowth::none},
    {"exponential", BreakerConfig::OpenGrowth::exponential},
    {"linear", BreakerConfig::OpenGrowth::linear}};
const std::vector<std::pair<std::string, ClientConfig::Arrival>> kArrivalNames = {
    {"closed_loop", ClientConfig::Arrival::closed_loop},
    {"poisson", ClientConfig::Arrival::poisson},
    {"fixed_rate", ClientConfig::Arrival::fixed_rate}};
const std::vector<std::pair<std::string, ClientConfig::Composition>> kCompositionNames = {
    {"breaker_outside_retry", ClientConfig::Composition::breaker_outside_retry},
    {"retry_outside_breaker", ClientConfig::Composition::retry_outside_breaker}};

template <typename E>
std::string name_of(E e, const std::vector<std::pair<std::string, E>>& names) {
  for (const auto& [n, x] : names)
    if (x == e) return n;
  return "?";
}

const std::vector<std::string> kStopNames = {"stop_after_attempt", "stop_after_delay",
                                             "stop_before_delay",  "stop_any",
                                             "stop_all",           "stop_never"};
const std::vector<std::string> kWaitNames = {
    "wait_none",        "wait_fixed",         "wait_random",
    "wait_incrementing", "wait_exponential",  "wait_random_exponential",
    "wait_exponential_jitter", "wait_equal_jitter", "wait_decorrelated_jitter",
    "wait_polly_decorrelated_jitter_v2", "wait_chain", "wait_combine"};
const std::vector<std::string> kBudgetNames = {"none", "token_bucket", "percent_active"};

std::vector<std::pair<std::string, OutcomeKind>> outcome_names() {
  std::vector<std::pair<std::string, OutcomeKind>> v;
  for (auto k : kAllOutcomeKinds) v.emplace_back(std::string(to_string(k)), k);
  return v;
}

json outcome_list_json(const OutcomeSet& s) {
  json a = json::array();
  for (auto k : kAllOutcomeKinds)
    if (s.contains(k)) a.push_back(std::string(to_string(k)));
  return a;
}

void put_max(json& o, const char* key, double v) {
  if (std::isfinite(v)) o[key] = v;  // absent means unbounded, as in tenacity
}

WaitSpec parse_wait_at(const json& j, const Where& w);

std::vector<WaitSpec> parse_wait_list(const json& v, const Where& w) {
  if (!v.is_array()) w.fail("expected an array of wait strategies, got " + type_of(v));
  if (v.empty()) w.fail("expected at least one wait strategy");
  std::vector<WaitSpec> out;
  for (std::size_t i = 0; i < v.size(); ++i) out.push_back(parse_wait_at(v[i], w.index(i)));
  return out;
}

WaitSpec parse_wait_at(const json& j, const Where& w) {
  const std::string name = single_key(j, w, kWaitNames);
  const json& v = j.at(name);
  const Where vw = w.key(name);
  WaitSpec s;
  using K = WaitSpec::Kind;
  if (name == "wait_none") {
    require_true(v, vw);
    s.kind = K::none;
  } else if (name == "wait_fixed") {
    s.kind = K::fixed;
    if (v.is_number()) {
      s.wait = Obj::number_value(v, vw, kNonNegative);
    } else {
      Obj o(v, vw, {"wait"});
      if (!o.has("wait")) vw.fail("missing key \"wait\"");
      o.number("wait", s.wait, kNonNegative);
    }
  } else if (name == "wait_random") {
    s.kind = K::random;
    s.min = 0;
    s.max = 1;
    Obj o(v, vw, {"min", "max"});
    o.number("min", s.min, kNonNegative);
    o.number("max", s.max, kNonNegative);
    if (s.max < s.min) vw.key("max").fail("must be >= min (" + fmt(s.min) + "), got " + fmt(s.max));
  } else if (name == "wait_incrementing") {
    s.kind = K::incrementing;
    Obj o(v, vw, {"start", "increment", "max"});
    o.number("start", s.start, kNonNegative);
    o.number("increment", s.increment, Range{});  // negative: decrementing, clamped at 0
    o.number("max", s.max, kNonNegative);
  } else if (name == "wait_exponential" || name == "wait_random_exponential") {
    s.kind = name == "wait_exponential" ? K::exponential : K::random_exponential;
    Obj o(v, vw, {"multiplier", "max", "exp_base", "min"});
    o.number("multiplier", s.multiplier, kNonNegative);
    o.number("max", s.max, kNonNegative);
    o.number("exp_base", s.exp_base, kPositive);
    o.number("min", s.min, kNonNegative);
    if (s.max < s.min) vw.key("max").fail("must be >= min (" + fmt(s.min) + "), got " + fmt(s.max));
  } else if (name == "wait_exponential_jitter") {
    s.kind = K::exponential_jitter;
    Obj o(v, vw, {"initial", "max", "exp_base", "jitter", "min"});
    o.number("initial", s.initial, kNonNegative);
    o.number("max", s.max, kNonNegative);
    o.number("exp_base", s.exp_base, kPositive);
    o.number("jitter", s.jitter, kNonNegative);
    o.number("min", s.min, kNonNegative);
    if (s.max < s.min) vw.key("max").fail("must be >= min (" + fmt(s.min) + "), got " + fmt(s.max));
  } else if (name == "wait_equal_jitter") {
    s.kind = K::equal_jitter;
    Obj o(v, vw, {"base", "cap", "exp_base"});
    o.number("base", s.multiplier, kPositive);
    o.number("cap", s.max, kPositive);
    o.number("exp_base", s.exp_base, kPositive);
  } else if (name == "wait_decorrelated_jitter") {
    s.kind = K::decorrelated_jitter;
    Obj o(v, vw, {"base", "cap"});
    o.number("base", s.multiplier, kPositive);
    o.number("cap", s.max, kPositive);
  } else if (name == "wait_polly_decorrelated_jitter_v2") {
    s.kind = K::polly_decorrelated_v2;
    Obj o(v, vw, {"median_first_retry_delay", "max_delay"});
    o.number("median_first_retry_delay", s.initial, kPositive);
    o.number("max_delay", s.max, kPositive);
  } else if (name == "wait_chain") {
    s.kind = K::chain;
    s.children = parse_wait_list(v, vw);
  } else {
    s.kind = K::combine;
    s.children = parse_wait_list(v, vw);
  }
  return s;
}

StopSpec parse_stop_at(const json& j, const Where& w) {
  const std::string name = single_key(j, w, kStopNames);
  const json& v = j.at(name);
  const Where vw = w.key(name);
  StopSpec s;
  if (name == "stop_after_attempt") {
    s.kind = StopSpec::Kind::after_attempt;
    s.attempts = Obj::integer_value(v, vw, 1, 1'000'000);
  } else if (name == "stop_after_delay" || name == "stop_before_delay") {
    s.kind = name == "stop_after_delay" ? StopSpec::Kind::after_delay
                                        : StopSpec::Kind::before_delay;
    s.delay = Obj::seconds_value(v, vw, kNonNegative);
  } else if (name == "stop_never") {
    require_true(v, vw);
    s.kind = StopSpec::Kind::never;
  } else {
    s.kind = name == "stop_any" ? StopSpec::Kind::any : StopSpec::Kind::all;
    if (!v.is_array()) vw.fail("expected an array of stop conditions, got " + type_of(v));
    if (v.empty()) vw.fail("expected at least one stop condition");
    for (std::size_t i = 0; i < v.size(); ++i) s.children.push_back(parse_stop_at(v[i], vw.index(i)));
  }
  return s;
}

OutcomeSet parse_outcomes_at(const json& j, const Where& w) {
  if (!j.is_array()) w.fail("expected an array of outcome names, got " + type_of(j));
  const auto names = outcome_names();
  OutcomeSet s;
  for (std::size_t i = 0; i < j.size(); ++i) s.insert(Obj::choice_value(j[i], w.index(i), names));
  return s;
}

BudgetConfig parse_budget_at(const json& j, const Where& w) {
  const std::string name = single_key(j, w, kBudgetNames);
  const json& v = j.at(name);
  const Where vw = w.key(name);
  BudgetConfig b;
  if (name == "none") {
    require_true(v, vw);
  } else if (name == "token_bucket") {
    b.kind = BudgetConfig::Kind::token_bucket;
    Obj o(v, vw, {"max_tokens", "token_ratio"});
    o.number("max_tokens", b.max_tokens, Range{0, true, 1000, false});  // gRPC: (0, 1000]
    o.number("token_ratio", b.token_ratio, kPositive);
  } else {
    b.kind = BudgetConfig::Kind::percent_active;
    Obj o(v, vw, {"budget_percent", "min_retry_concurrency"});
    o.number("budget_percent", b.budget_percent, Range{0, false, 100, false});
    o.integer("min_retry_concurrency", b.min_retry_concurrency, 0);
  }
  return b;
}

BreakerConfig parse_breaker_at(const json& j, const Where& w, BreakerConfig c) {
  Obj o(j, w,
        {"fail_max", "reset_timeout", "success_threshold", "throw_new_error_on_trip", "exclude",
         "failure_on", "sliding_window_type", "sliding_window_size", "minimum_number_of_calls",
         "failure_rate_threshold", "slow_call_rate_threshold", "slow_call_duration_threshold",
         "permitted_number_of_calls_in_half_open_state", "max_wait_duration_in_half_open_state",
         "automatic_transition_from_open_to_half_open_enabled", "open_interval"});
  o.integer("fail_max", c.fail_max, 1);
  o.seconds("reset_timeout", c.reset_timeout, kNonNegative);
  o.integer("success_threshold", c.success_threshold, 1);
  o.boolean("throw_new_error_on_trip", c.throw_new_error_on_trip);
  if (o.has("exclude")) c.exclude = parse_outcomes_at(o.at("exclude"), w.key("exclude"));
  if (o.has("failure_on")) c.failure_on = parse_outcomes_at(o.at("failure_on"), w.key("failure_on"));
  o.choice("sliding_window_type", c.trip, kTripNames);
  o.integer("sliding_window_size", c.window_size, 1, 1'000'000);
  o.integer("minimum_number_of_calls", c.minimum_calls, 1);
  o.number("failure_rate_threshold", c.failure_rate_threshold, Range{0, true, 100, false});
  o.number("slow_call_rate_threshold", c.slow_call_rate_threshold, Range{0, true, 100, false});
  o.seconds("slow_call_duration_threshold", c.slow_call_duration, kPositive);
  o.integer("permitted_number_of_calls_in_half_open_state", c.half_open_max_calls, 0);
  o.seconds("max_wait_duration_in_half_open_state", c.max_half_open_duration, kNonNegative);
  o.boolean("automatic_transition_from_open_to_half_open_enabled", c.automatic_half_open);
  if (o.has("open_interval")) {
    const Where iw = w.key("open_interval");
    Obj i(o.at("open_interval"), iw, {"growth", "multiplier", "max_interval", "randomization_factor"});
    i.choice("growth", c.open_growth, kGrowthNames);
    i.number("multiplier", c.open_backoff_multiplier, Range{1, false, kInf, false});
    i.seconds("max_interval", c.max_open_duration, kPositive);
    i.number("randomization_factor", c.open_jitter, Range{0, false, 1, true});
  }
  if (c.open_growth != BreakerConfig::OpenGrowth::none && c.max_open_duration < c.reset_timeout)
    w.key("open_interval")
        .key("max_interval")
        .fail("must be >= reset_timeout (" + fmt(to_seconds(c.reset_timeout)) + "), got " +
              fmt(to_seconds(c.max_open_duration)));
  return c;
}

RetryPolicy parse_retry_at(const json& j, const Where& w, RetryPolicy p) {
  Obj o(j, w, {"stop", "wait", "retry_on", "reraise", "attempt_timeout", "deadline", "budget"});
  if (o.has("stop")) p.stop = parse_stop_at(o.at("stop"), w.key("stop"));
  if (o.has("wait")) p.wait = parse_wait_at(o.at("wait"), w.key("wait"));
  if (o.has("retry_on")) p.retry_on = parse_outcomes_at(o.at("retry_on"), w.key("retry_on"));
  o.boolean("reraise", p.reraise);
  o.seconds("attempt_timeout", p.attempt_timeout, kPositive);
  o.seconds("deadline", p.deadline, kNonNegative);
  if (o.has("budget")) p.budget = parse_budget_at(o.at("budget"), w.key("budget"));
  return p;
}

// Python's int(): optional surrounding whitespace, optional sign, decimal digits.
std::optional<long long> python_int(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string t(s);
  if (t.empty()) return std::nullopt;
  std::size_t i = (t[0] == '+' || t[0] == '-') ? 1 : 0;
  if (i == t.size()) return std::nullopt;
  for (std::size_t k = i; k < t.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(t[k]))) return std::nullopt;
  errno = 0;
  const long long v = std::strtoll(t.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return v;
}

// Python's float() for decimal notation (inf and nan are parsed, then rejected by the caller).
std::optional<double> python_float(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string t(s);
  if (t.empty() || t.find_first_of("xX") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

[[noreturn]] void env_fail(std::string_view var, const std::string& msg) {
  throw ConfigError(std::string(var) + ": " + msg);
}

long long env_int(const GetEnv& getenv, std::string_view var, long long def, long long lo) {
  const auto raw = getenv(var);
  if (!raw) return def;
  const auto v = python_int(*raw);
  if (!v) env_fail(var, "expected an integer (the lab client reads it with int()), got '" + *raw + "'");
  if (*v < lo) env_fail(var, "must be >= " + std::to_string(lo) + ", got " + std::to_string(*v));
  if (*v > 1'000'000'000) env_fail(var, "must be <= 1000000000, got " + std::to_string(*v));
  return *v;
}

double env_float(const GetEnv& getenv, std::string_view var, double def, const Range& r) {
  const auto raw = getenv(var);
  if (!raw) return def;
  const auto v = python_float(*raw);
  if (!v) env_fail(var, "expected a number (the lab client reads it with float()), got '" + *raw + "'");
  if (!std::isfinite(*v)) env_fail(var, "must be a finite number, got '" + *raw + "'");
  if (r.lo_open ? !(*v > r.lo) : !(*v >= r.lo))
    env_fail(var, std::string("must be ") + (r.lo_open ? "> " : ">= ") + fmt(r.lo) + ", got " +
                      fmt(*v));
  if (*v > kMaxSeconds) env_fail(var, "must be <= " + fmt(kMaxSeconds) + ", got " + fmt(*v));
  return *v;
}

// The lab client from its settings (breaker outside retry, only 5xx retried).
ClientConfig lab_client(std::string url, int fail_max, int reset_timeout_s, int attempts,
                        double base, double max) {
  ClientConfig c;
  c.target = std::move(url);
  c.arrival = ClientConfig::Arrival::closed_loop;
  c.think_time = std::chrono::milliseconds(300);
  c.breaker_enabled = true;
  c.retry_enabled = true;
  c.composition = ClientConfig::Composition::breaker_outside_retry;
  c.breaker = BreakerConfig{};
  c.breaker.fail_max = fail_max;
  c.breaker.reset_timeout = std::chrono::seconds(reset_timeout_s);
  // Everything fetch_with_retry raises reaches pybreaker as a failure: the re-raised
  // TransientError (5xx), httpx timeouts and connection errors.
  c.breaker.failure_on = {OutcomeKind::http_5xx, OutcomeKind::timeout, OutcomeKind::refused,
                          OutcomeKind::reset};
  c.retry.stop = {StopSpec::Kind::after_attempt, attempts, {}, {}};
  c.retry.wait = WaitSpec{};
  c.retry.wait.kind = WaitSpec::Kind::exponential_jitter;
  c.retry.wait.initial = 1;
  c.retry.wait.jitter = 1;
  c.retry.wait.exp_base = base;
  c.retry.wait.max = max;
  c.retry.retry_on = {OutcomeKind::http_5xx};
  c.retry.reraise = true;
  c.retry.attempt_timeout = std::chrono::seconds(2);
  return c;
}

}  // namespace

BreakerConfig parse_breaker(const json& j, const std::string& where) {
  return parse_breaker_at(j, Where::from(where), BreakerConfig{});
}
RetryPolicy parse_retry(const json& j, const std::string& where) {
  return parse_retry_at(j, Where::from(where), RetryPolicy{});
}
WaitSpec parse_wait(const json& j, const std::string& where) {
  return parse_wait_at(j, Where::from(where));
}
StopSpec parse_stop(const json& j, const std::string& where) {
  return parse_stop_at(j, Where::from(where));
}
BudgetConfig parse_budget(const json& j, const std::string& where) {
  return parse_budget_at(j, Where::from(where));
}
OutcomeSet parse_outcome_list(const json& j, const std::string& where) {
  return parse_outcomes_at(j, Where::from(where));
}

ClientConfig parse_client(const json& j, const std::string& where) {
  const Where w = Where::from(where);
  Obj o(j, w,
        {"profile", "target", "arrival", "think_time", "rate_per_s", "max_in_flight",
         "breaker_enabled", "retry_enabled", "composition", "breaker", "retry"});
  ClientConfig c;
  if (o.has("profile")) {
    const std::vector<std::pair<std::string, int>> profiles = {
        {"default", 0}, {"lab3", 1}, {"lab3_baseline", 2}};
    const int p = Obj::choice_value(o.at("profile"), w.key("profile"), profiles);
    if (p == 1) c = lab3_client();
    if (p == 2) c = lab3_baseline_client();
  }
  if (o.has("target")) {
    const json& t = o.at("target");
    if (!t.is_string() || t.get<std::string>().empty())
      w.key("target").fail("expected a non-empty string, got " + type_of(t));
    c.target = t.get<std::string>();
  }
  o.choice("arrival", c.arrival, kArrivalNames);
  o.seconds("think_time", c.think_time, kNonNegative);
  o.number("rate_per_s", c.rate_per_s, Range{0, true, 1e9, false});
  o.integer("max_in_flight", c.max_in_flight, 1);
  o.boolean("breaker_enabled", c.breaker_enabled);
  o.boolean("retry_enabled", c.retry_enabled);
  o.choice("composition", c.composition, kCompositionNames);
  if (o.has("breaker")) c.breaker = parse_breaker_at(o.at("breaker"), w.key("breaker"), c.breaker);
  if (o.has("retry")) c.retry = parse_retry_at(o.at("retry"), w.key("retry"), c.retry);
  return c;
}

json wait_to_json(const WaitSpec& w) {
  using K = WaitSpec::Kind;
  json o = json::object();
  switch (w.kind) {
    case K::none: return {{"wait_none", true}};
    case K::fixed: return {{"wait_fixed", w.wait}};
    case K::random: return {{"wait_random", {{"min", w.min}, {"max", w.max}}}};
    case K::incrementing:
      o = {{"start", w.start}, {"increment", w.increment}};
      put_max(o, "max", w.max);
      return {{"wait_incrementing", o}};
    case K::exponential:
    case K::random_exponential:
      o = {{"multiplier", w.multiplier}, {"exp_base", w.exp_base}, {"min", w.min}};
      put_max(o, "max", w.max);
      return {{w.kind == K::exponential ? "wait_exponential" : "wait_random_exponential", o}};
    case K::exponential_jitter:
      o = {{"initial", w.initial}, {"exp_base", w.exp_base}, {"jitter", w.jitter}, {"min", w.min}};
      put_max(o, "max", w.max);
      return {{"wait_exponential_jitter", o}};
    case K::equal_jitter:
      o = {{"base", w.multiplier}, {"exp_base", w.exp_base}};
      put_max(o, "cap", w.max);
      return {{"wait_equal_jitter", o}};
    case K::decorrelated_jitter:
      o = {{"base", w.multiplier}};
      put_max(o, "cap", w.max);
      return {{"wait_decorrelated_jitter", o}};
    case K::polly_decorrelated_v2:
      o = {{"median_first_retry_delay", w.initial}};
      put_max(o, "max_delay", w.max);
      return {{"wait_polly_decorrelated_jitter_v2", o}};
    case K::chain:
    case K::combine: {
      json a = json::array();
      for (const auto& c : w.children) a.push_back(wait_to_json(c));
      return {{w.kind == K::chain ? "wait_chain" : "wait_combine", a}};
    }
  }
  return {{"wait_none", true}};
}

json stop_to_json(const StopSpec& s) {
  switch (s.kind) {
    case StopSpec::Kind::never: return {{"stop_never", true}};
    case StopSpec::Kind::after_attempt: return {{"stop_after_attempt", s.attempts}};
    case StopSpec::Kind::after_delay: return {{"stop_after_delay", to_seconds(s.delay)}};
    case StopSpec::Kind::before_delay: return {{"stop_before_delay", to_seconds(s.delay)}};
    case StopSpec::Kind::any:
    case StopSpec::Kind::all: {
      json a = json::array();
      for (const auto& c : s.children) a.push_back(stop_to_json(c));
      return {{s.kind == StopSpec::Kind::any ? "stop_any" : "stop_all", a}};
    }
  }
  return {{"stop_never", true}};
}

json budget_to_json(const BudgetConfig& b) {
  switch (b.kind) {
    case BudgetConfig::Kind::none: return {{"none", true}};
    case BudgetConfig::Kind::token_bucket:
      return {{"token_bucket", {{"max_tokens", b.max_tokens}, {"token_ratio", b.token_ratio}}}};
    case BudgetConfig::Kind::percent_active:
      return {{"percent_active",
               {{"budget_percent", b.budget_percent},
                {"min_retry_concurrency", b.min_retry_concurrency}}}};
  }
  return {{"none", true}};
}

json breaker_to_json(const BreakerConfig& c) {
  return {
      {"fail_max", c.fail_max},
      {"reset_timeout", to_seconds(c.reset_timeout)},
      {"success_threshold", c.success_threshold},
      {"throw_new_error_on_trip", c.throw_new_error_on_trip},
      {"exclude", outcome_list_json(c.exclude)},
      {"failure_on", outcome_list_json(c.failure_on)},
      {"sliding_window_type", name_of(c.trip, kTripNames)},
      {"sliding_window_size", c.window_size},
      {"minimum_number_of_calls", c.minimum_calls},
      {"failure_rate_threshold", c.failure_rate_threshold},
      {"slow_call_rate_threshold", c.slow_call_rate_threshold},
      {"slow_call_duration_threshold", to_seconds(c.slow_call_duration)},
      {"permitted_number_of_calls_in_half_open_state", c.half_open_max_calls},
      {"max_wait_duration_in_half_open_state", to_seconds(c.max_half_open_duration)},
      {"automatic_transition_from_open_to_half_open_enabled", c.automatic_half_open},
      {"open_interval",
       {{"growth", name_of(c.open_growth, kGrowthNames)},
        {"multiplier", c.open_backoff_multiplier},
        {"max_interval", to_seconds(c.max_open_duration)},
        {"randomization_factor", c.open_jitter}}},
  };
}

json retry_to_json(const RetryPolicy& p) {
  return {{"stop", stop_to_json(p.stop)},
          {"wait", wait_to_json(p.wait)},
          {"retry_on", outcome_list_json(p.retry_on)},
          {"reraise", p.reraise},
          {"attempt_timeout", to_seconds(p.attempt_timeout)},
          {"deadline", to_seconds(p.deadline)},
          {"budget", budget_to_json(p.budget)}};
}

json client_to_json(const ClientConfig& c) {
  return {{"target", c.target},
          {"arrival", name_of(c.arrival, kArrivalNames)},
          {"think_time", to_seconds(c.think_time)},
          {"rate_per_s", c.rate_per_s},
          {"max_in_flight", c.max_in_flight},
          {"breaker_enabled", c.breaker_enabled},
          {"retry_enabled", c.retry_enabled},
          {"composition", name_of(c.composition, kCompositionNames)},
          {"breaker", breaker_to_json(c.breaker)},
          {"retry", retry_to_json(c.retry)}};
}

json parse_json_text(std::string_view text, const std::string& file) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based offset of the error; turn it into line and column.
    std::size_t line = 1, col = 1;
    const std::size_t upto = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    for (std::size_t i = 0; i < upto; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line L, column C: ".
    const auto colon = what.find(": ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    throw ConfigError(file + ": line " + std::to_string(line) + ", column " + std::to_string(col) +
                      ": invalid JSON: " + what);
  } catch (const json::out_of_range& e) {
    // A number beyond double ("1e999") is not a parse_error; e.what() names the literal.
    std::string what = e.what();
    if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw ConfigError(file + ": invalid JSON: " + what);
  }
}

ClientConfig client_from_lab_env(const GetEnv& getenv) {
  std::string url = "http://backend:8000/work";
  if (auto u = getenv("BACKEND_URL")) {
    if (u->empty()) env_fail("BACKEND_URL", "must not be empty");
    url = *u;
  }
  const auto fail_max = env_int(getenv, "CB_FAIL_MAX", 2, 1);
  const auto reset = env_int(getenv, "CB_RESET_TIMEOUT", 1, 0);
  const auto attempts = env_int(getenv, "RETRY_MAX_ATTEMPTS", 1, 1);
  const double base = env_float(getenv, "RETRY_BASE", 0.2, kPositive);
  const double max = env_float(getenv, "RETRY_MAX", 2.0, kNonNegative);
  return lab_client(url, static_cast<int>(fail_max), static_cast<int>(reset),
                    static_cast<int>(attempts), base, max);
}

ClientConfig lab3_client() {
  return lab_client("http://backend.lab3.svc.cluster.local:8000/work", 2, 1, 3, 0.2, 2.0);
}

ClientConfig lab3_baseline_client() {
  ClientConfig c = lab3_client();
  c.breaker_enabled = false;
  c.retry_enabled = false;
  c.retry.stop = {StopSpec::Kind::after_attempt, 1, {}, {}};
  c.retry.wait = WaitSpec{};
  return c;
}

}  // namespace chaoslab
