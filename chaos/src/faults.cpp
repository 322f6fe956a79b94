#include "chaos/faults.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace chaoslab::chaos {
namespace {

using nlohmann::json;

std::string joined(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string supported_functions_list() {
  std::string out;
  for (auto f : kFaultFunctions) {
    if (!out.empty()) out += ", ";
    out += f;
  }
  return out;
}

struct ArgSpec {
  std::string_view func;
  std::initializer_list<std::string_view> allowed;
  const json& args;

  void check_keys() const {
    for (const auto& [k, v] : args.items()) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        throw FaultError("/" + k, "unknown argument for " + std::string(func) +
                                      (allowed.size() ? "; supported: " + joined(allowed) : "; it takes none"));
    }
  }
  const json* get(std::string_view key, bool required) const {
    auto it = args.find(key);
    if (it == args.end()) {
      if (required)
        throw FaultError("/" + std::string(key), "required argument of " + std::string(func) + " is missing");
      return nullptr;
    }
    return &*it;
  }
  double number(std::string_view key, bool required, double dflt, double lo, double hi, bool lo_open,
                std::string_view rule) const {
    const json* v = get(key, required);
    if (!v) return dflt;
    if (!v->is_number()) throw FaultError("/" + std::string(key), "must be " + std::string(rule));
    const double d = v->get<double>();
    if (!std::isfinite(d) || d < lo || d > hi || (lo_open && d == lo))
      throw FaultError("/" + std::string(key), "must be " + std::string(rule));
    return d;
  }
  int integer(std::string_view key, int dflt, int lo, int hi, std::string_view rule) const {
    const json* v = get(key, false);
    if (!v) return dflt;
    if (!v->is_number_integer()) throw FaultError("/" + std::string(key), "must be " + std::string(rule));
    const auto i = v->get<long long>();
    if (i < lo || i > hi) throw FaultError("/" + std::string(key), "must be " + std::string(rule));
    return static_cast<int>(i);
  }
};

constexpr std::string_view kUntilCleared = "a number of seconds >= 0 (0 = until cleared)";
constexpr std::string_view kPositiveSeconds = "a number of seconds > 0";

struct Parsed {
  std::string_view func;
  double latency_ms = 0, probability = 1, rate = 0, duration_s = 0;
  int status = 500, exit_code = 1;
};

Parsed parse(std::string_view func, const json& arguments) {
  static const json kEmpty = json::object();
  const json& args = arguments.is_null() ? kEmpty : arguments;
  if (!args.is_object()) throw FaultError("", "arguments must be an object");
  Parsed p;
  if (func == "inject_latency") {
    ArgSpec s{"inject_latency", {"latency_ms", "probability", "duration_s"}, args};
    s.check_keys();
    p.latency_ms = s.number("latency_ms", true, 0, 0, kMaxSeconds * 1000, false, "a number of milliseconds >= 0");
    p.probability = s.number("probability", false, 1.0, 0, 1, false, "a number between 0 and 1");
    p.duration_s = s.number("duration_s", false, 0, 0, kMaxSeconds, false, kUntilCleared);
  } else if (func == "inject_errors") {
    ArgSpec s{"inject_errors", {"rate", "status", "duration_s"}, args};
    s.check_keys();
    p.rate = s.number("rate", true, 0, 0, 1, false, "a number between 0 and 1");
    p.status = s.integer("status", 500, 100, 599, "an integer HTTP status between 100 and 599");
    p.duration_s = s.number("duration_s", false, 0, 0, kMaxSeconds, false, kUntilCleared);
  } else if (func == "hang" || func == "partition") {
    ArgSpec s{func, {"duration_s"}, args};
    s.check_keys();
    p.duration_s = s.number("duration_s", true, 0, 0, kMaxSeconds, true, kPositiveSeconds);
  } else if (func == "crash") {
    ArgSpec s{"crash", {"exit_code"}, args};
    s.check_keys();
    p.exit_code = s.integer("exit_code", 1, 0, 255, "an integer between 0 and 255");
  } else if (func == "clear") {
    ArgSpec s{"clear", {}, args};
    s.check_keys();
  } else {
    throw FaultError("", "unsupported function '" + std::string(func) + "' in module " +
                             std::string(kFaultModule) + "; supported: " + supported_functions_list());
  }
  p.func = func;
  return p;
}

std::optional<Instant> window_end(Instant now, double seconds) {
  if (seconds <= 0) return std::nullopt;
  return now + from_seconds(seconds);
}

json remaining(const std::optional<Instant>& until, Instant now) {
  if (!until) return nullptr;
  return static_cast<double>((*until - now).count()) / 1e9;  // exact for whole seconds
}

}  // namespace

FaultError::FaultError(std::string pointer, std::string message)
    : std::invalid_argument(pointer.empty() ? message : pointer + ": " + message),
      pointer_(std::move(pointer)),
      message_(std::move(message)) {}

void validate_fault(std::string_view func, const nlohmann::json& arguments) { (void)parse(func, arguments); }

FaultRequest parse_fault_request(const nlohmann::json& body) {
  if (!body.is_object()) throw FaultError("", "the body must be a JSON object {\"action\": ..., \"arguments\": {...}}");
  for (const auto& [k, v] : body.items())
    if (k != "action" && k != "arguments") throw FaultError("/" + k, "unknown key; allowed: action, arguments");
  auto a = body.find("action");
  if (a == body.end()) throw FaultError("/action", "required key is missing");
  if (!a->is_string()) throw FaultError("/action", "must be a string");
  FaultRequest r;
  r.action = a->get<std::string>();
  if (auto args = body.find("arguments"); args != body.end()) r.arguments = *args;
  try {
    validate_fault(r.action, r.arguments);
  } catch (const FaultError& e) {
    const bool bad_function = e.message().rfind("unsupported function", 0) == 0;
    throw FaultError(!e.pointer().empty() ? "/arguments" + e.pointer() : bad_function ? "/action" : "/arguments",
                     e.message());
  }
  if (r.arguments.is_null()) r.arguments = json::object();
  return r;
}

FaultEffect FaultState::apply(std::string_view func, const nlohmann::json& arguments, Instant now) {
  const Parsed p = parse(func, arguments);
  FaultEffect effect;
  if (func == "inject_latency") {
    latency_on = true;
    latency = from_seconds(p.latency_ms / 1000.0);
    latency_probability = p.probability;
    latency_until = window_end(now, p.duration_s);
  } else if (func == "inject_errors") {
    errors_on = true;
    error_rate = p.rate;
    error_status = p.status;
    errors_until = window_end(now, p.duration_s);
  } else if (func == "hang") {
    hang_until = window_end(now, p.duration_s);
  } else if (func == "partition") {
    partition_until = window_end(now, p.duration_s);
  } else if (func == "crash") {
    effect.crash = true;
    effect.exit_code = p.exit_code;
  } else {
    clear();
  }
  return effect;
}

bool FaultState::latency_active(Instant now) const {
  return latency_on && (!latency_until || now < *latency_until);
}

bool FaultState::errors_active(Instant now) const {
  return errors_on && (!errors_until || now < *errors_until);
}

bool FaultState::any_active(Instant now) const {
  return latency_active(now) || errors_active(now) || hung(now) || partitioned(now);
}

RequestFault FaultState::on_request(Instant now, Rng& rng) const {
  RequestFault r;
  if (partitioned(now)) {
    r.drop = true;
    return r;
  }
  if (hung(now)) r.hold_until = *hang_until;
  if (latency_active(now) && rng.uniform01() < latency_probability) r.extra_latency = latency;
  if (errors_active(now) && rng.uniform01() < error_rate) r.error_status = error_status;
  return r;
}

nlohmann::json FaultState::to_json(Instant now) const {
  json j = json::object();
  j["latency"] = latency_active(now)
                     ? json{{"latency_ms", to_millis(latency)},
                            {"probability", latency_probability},
                            {"remaining_s", remaining(latency_until, now)}}
                     : json(nullptr);
  j["errors"] = errors_active(now) ? json{{"rate", error_rate},
                                          {"status", error_status},
                                          {"remaining_s", remaining(errors_until, now)}}
                                   : json(nullptr);
  j["hang"] = hung(now) ? json{{"remaining_s", remaining(hang_until, now)}} : json(nullptr);
  j["partition"] = partitioned(now) ? json{{"remaining_s", remaining(partition_until, now)}} : json(nullptr);
  return j;
}

}  // namespace chaoslab::chaos
