// Reading configuration from environment variables with errors that name the variable
// ("FAILURE_RATE: must be a number in [0, 1], got 'abc'"), shared by the live services.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "policies/config.hpp"

namespace chaoslab::live {

// Environment lookups use policies/config.hpp's GetEnv, so tests pass a map instead of the
// process environment.
using GetEnv = chaoslab::GetEnv;
GetEnv process_env();

// Each parser throws chaoslab::ConfigError "<name>: must be ..., got '<text>'". `name` is the
// variable or flag being read.
double parse_rate(std::string_view name, std::string_view text);                // [0, 1]
double parse_seconds(std::string_view name, std::string_view text);             // finite, >= 0
std::int64_t parse_int(std::string_view name, std::string_view text, std::int64_t lo,
                       std::int64_t hi);
std::uint64_t parse_seed(std::string_view name, std::string_view text);

// The variable's value when set and non-empty.
std::optional<std::string> env_value(const GetEnv& getenv, std::string_view name);

}  // namespace chaoslab::live
