#include "sim/json_pointer.hpp"

#include <vector>

#include "policies/error.hpp"

namespace chaoslab::sim {

using nlohmann::json;

std::string json_type_name(const json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

std::string escape_pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

void set_at_pointer(json& doc, const json::json_pointer& ptr, json value, const std::string& prefix, bool append) {
  std::vector<std::string> tokens;
  for (json::json_pointer p = ptr; !p.empty(); p = p.parent_pointer()) tokens.insert(tokens.begin(), p.back());
  json* node = &doc;
  std::string at;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    const std::string parent = at;
    at += '/';  // not "/" + token: GCC 12 -O3 reports a false -Wrestrict on that
    at += escape_pointer_token(t);
    if (node->is_null()) *node = json::object();
    if (node->is_object()) {
      node = &(*node)[t];
    } else if (node->is_array()) {
      if (append && t == "-" && i + 1 == tokens.size()) {
        node->push_back(nullptr);
        node = &node->back();
        continue;
      }
      // Length first: stoull throws on 20 digits and more.
      const bool digits = !t.empty() && t.size() < 19 && t.find_first_not_of("0123456789") == std::string::npos;
      const std::size_t idx = digits ? static_cast<std::size_t>(std::stoull(t)) : 0;
      if (!digits || idx >= node->size())
        throw ConfigError(prefix + ": " + at + " is not an element of the array (it has " +
                          std::to_string(node->size()) + ")");
      node = &(*node)[idx];
    } else {
      throw ConfigError(prefix + ": " + parent + " is " + json_type_name(*node) + ", not an object or array");
    }
  }
  *node = std::move(value);
}

}  // namespace chaoslab::sim
