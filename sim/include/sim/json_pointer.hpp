// Writing a value at a JSON pointer the way scenario overrides do (`chaoslab run --set`, `tune
// --set`, sweep axes, profiles and "set"): one walk, so every command reports a bad pointer alike.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace chaoslab::sim {

// "a number", "an object", "null"...: how error messages name what was found.
std::string json_type_name(const nlohmann::json& j);

// RFC 6901 token escaping: '~' -> "~0", '/' -> "~1".
std::string escape_pointer_token(const std::string& key);

// Sets doc at ptr to value. Missing object members are created (the scenario validator then
// rejects unknown keys); arrays need an existing index, or "-" as the last token when append is
// true. Throws ConfigError "<prefix>: <where> is not an element of the array (it has N)" or
// "<prefix>: <where> is a number, not an object or array". ptr must not be empty.
void set_at_pointer(nlohmann::json& doc, const nlohmann::json::json_pointer& ptr, nlohmann::json value,
                    const std::string& prefix, bool append);

}  // namespace chaoslab::sim
