#include "live/env.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "policies/error.hpp"

namespace chaoslab::live {

namespace {

[[noreturn]] void fail(std::string_view name, std::string_view what, std::string_view text) {
  throw ConfigError(std::string(name) + ": must be " + std::string(what) + ", got '" +
                    std::string(text) + "'");
}

std::optional<double> to_double(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

}  // namespace

double parse_rate(std::string_view name, std::string_view text) {
  auto v = to_double(text);
  if (!v || *v < 0.0 || *v > 1.0) fail(name, "a number in [0, 1]", text);
  return *v;
}

double parse_seconds(std::string_view name, std::string_view text) {
  auto v = to_double(text);
  if (!v || *v < 0.0 || *v > 1e9) fail(name, "a number of seconds >= 0", text);
  return *v;
}

std::int64_t parse_int(std::string_view name, std::string_view text, std::int64_t lo,
                       std::int64_t hi) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi)
    fail(name, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", text);
  return v;
}

std::uint64_t parse_seed(std::string_view name, std::string_view text) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    fail(name, "an unsigned 64-bit integer", text);
  return v;
}

GetEnv process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::optional<std::string> env_value(const GetEnv& getenv, std::string_view name) {
  auto v = getenv(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

}  // namespace chaoslab::live
