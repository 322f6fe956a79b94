#include "tune/knobs.hpp"

#include <algorithm>

#include "policies/error.hpp"

namespace chaoslab::tune {

using nlohmann::json;

namespace {

// Splits at commas outside brackets, braces and quotes.
std::vector<std::string> split_top_level(const std::string& s) {
  std::vector<std::string> out(1);
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '\\' && i + 1 < s.size()) out.back() += s[i++];
      else if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  return out;
}

// The number a value stands for (itself, or the one number of a one-member object) and its name.
bool numeric(const json& v, const std::string& knob_name, double& x, std::string& name) {
  if (v.is_number()) {
    x = v.get<double>();
    name = knob_name;
    return true;
  }
  if (v.is_object() && v.size() == 1 && v.begin()->is_number()) {
    x = v.begin()->get<double>();
    name = v.begin().key();
    return true;
  }
  return false;
}

bool is_time(const std::string& name) {
  for (const char* w : {"timeout", "wait", "interval", "delay"})
    if (name.find(w) != std::string::npos) return true;
  return false;
}

}  // namespace

Knob parse_knob(const std::string& text) {
  const auto eq = text.find('=');
  auto fail = [&](const std::string& what) { throw ConfigError("--knob " + text + ": " + what); };
  if (eq == std::string::npos || eq == 0 || text[0] != '/')
    fail("expected /json/pointer=value,value,... (e.g. /policies/breaker/fail_max=3,5,8)");
  Knob k;
  k.pointer = text.substr(0, eq);
  try {
    (void)json::json_pointer(k.pointer);
  } catch (const json::exception&) {
    fail("not a JSON pointer: " + k.pointer);
  }
  k.name = k.pointer.substr(k.pointer.rfind('/') + 1);
  for (const auto& part : split_top_level(text.substr(eq + 1))) {
    if (part.empty()) fail("an empty value");
    json v = json::parse(part, nullptr, false);
    if (v.is_discarded()) v = part;
    k.values.push_back(v);
  }
  if (k.values.size() < 2) fail("give at least two values to choose from");
  auto key = [&](const json& v) {
    double x = 0;
    std::string name;
    if (numeric(v, k.name, x, name)) return std::make_pair(0, is_time(name) ? -x : x);
    return std::make_pair(1, 0.0);
  };
  std::stable_sort(k.values.begin(), k.values.end(), [&](const json& a, const json& b) {
    const auto ka = key(a), kb = key(b);
    if (ka != kb) return ka < kb;
    return a.dump() < b.dump();
  });
  for (std::size_t i = 1; i < k.values.size(); ++i)
    if (k.values[i] == k.values[i - 1]) fail("the value " + k.values[i].dump() + " is given twice");
  // Objects of one number under the same key ({"stop_after_attempt": 3}) are named by that key.
  const bool one_key = std::all_of(k.values.begin(), k.values.end(), [&](const json& v) {
    return v.is_object() && v.size() == 1 && v.begin()->is_number() && v.begin().key() == k.values[0].begin().key();
  });
  if (one_key) k.name = k.values[0].begin().key();
  for (const auto& v : k.values)
    k.labels.push_back(one_key ? v.begin()->dump() : v.is_string() ? v.get<std::string>() : v.dump());
  return k;
}

std::vector<std::string> effective_pointers(const json& doc, const std::string& pointer) {
  std::vector<std::string> ptrs = {pointer};
  const std::string prefix = "/policies/";
  if (pointer.rfind(prefix, 0) != 0 || !doc.contains("clients") || !doc["clients"].is_array()) return ptrs;
  const json::json_pointer rest(pointer.substr(prefix.size() - 1));
  for (std::size_t i = 0; i < doc["clients"].size(); ++i)
    if (doc["clients"][i].is_object() && doc["clients"][i].contains(rest))
      ptrs.push_back("/clients/" + std::to_string(i) + rest.to_string());
  return ptrs;
}

}  // namespace chaoslab::tune
