#include "chaos/tolerance.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <regex>

namespace chaoslab::chaos {
namespace {

bool numeric(const Json& v) { return v.is_number() || v.is_boolean(); }

double as_double(const Json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  return v.get<double>();
}

// Python's a <= b where it is defined (numbers, strings); nullopt where Python raises TypeError.
std::optional<bool> py_less_equal(const Json& a, const Json& b) {
  if (numeric(a) && numeric(b)) {
    if (a.is_number_integer() && b.is_number_integer()) return a.get<long long>() <= b.get<long long>();
    return as_double(a) <= as_double(b);
  }
  if (a.is_string() && b.is_string()) return a.get_ref<const std::string&>() <= b.get_ref<const std::string&>();
  return std::nullopt;
}

bool py_contains(const Json& list, const Json& v) {
  for (const Json& item : list)
    if (py_equal(item, v)) return true;
  return false;
}

// value.get(target, value) when the value is a dict, else the value itself.
const Json& targeted(const Json& value, const std::string& target) {
  if (!target.empty() && value.is_object()) {
    auto it = value.find(target);
    if (it != value.end()) return *it;
  }
  return value;
}

// Decimal(value) for the range check: numbers, booleans and numeric strings.
std::optional<double> decimal(const Json& v) {
  if (numeric(v)) return as_double(v);
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  std::size_t b = s.find_first_not_of(" \t\n");
  std::size_t e = s.find_last_not_of(" \t\n");
  if (b == std::string::npos) return std::nullopt;
  const char* first = s.data() + b;
  const char* last = s.data() + e + 1;
  if (*first == '+') ++first;
  double d = 0;
  auto [ptr, ec] = std::from_chars(first, last, d);
  if (ec != std::errc() || ptr != last) return std::nullopt;
  return d;
}

}  // namespace

bool py_equal(const Json& a, const Json& b) {
  if (numeric(a) && numeric(b)) {
    if (a.is_number_integer() && b.is_number_integer()) return a.get<long long>() == b.get<long long>();
    if (a.is_boolean() && b.is_boolean()) return a.get<bool>() == b.get<bool>();
    return as_double(a) == as_double(b);
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!py_equal(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto jt = b.find(it.key());
      if (jt == b.end() || !py_equal(*it, *jt)) return false;
    }
    return true;
  }
  return a == b;
}

bool py_truthy(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return as_double(v) != 0.0;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  return !v.empty();  // list or dict
}

bool within_tolerance(const Tolerance& t, const Json& value) {
  using Kind = Tolerance::Kind;
  switch (t.kind) {
    case Kind::equal:
      return py_equal(value, t.value);
    case Kind::integer:
      if (value.is_object() && value.contains("status")) return py_equal(value.at("status"), t.value);
      return py_equal(value, t.value);
    case Kind::list: {
      if (value.is_object() && value.contains("status")) return py_contains(t.value, value.at("status"));
      if (t.value.size() == 2) {
        const auto lo = py_less_equal(t.value[0], value);
        const auto hi = py_less_equal(value, t.value[1]);
        return lo && hi && *lo && *hi;
      }
      return py_contains(t.value, value);
    }
    case Kind::range: {
      const auto d = decimal(targeted(value, t.target));
      return d && t.low <= *d && *d <= t.high;
    }
    case Kind::regex: {
      const Json& v = targeted(value, t.target);
      return v.is_string() && std::regex_search(v.get_ref<const std::string&>(), *t.regex);
    }
    case Kind::jsonpath: {
      Json v = targeted(value, t.target);
      if (v.is_string()) {
        Json parsed = Json::parse(v.get_ref<const std::string&>(), nullptr, false);
        if (!parsed.is_discarded()) v = std::move(parsed);
      }
      const std::vector<Json> values = t.path->match(v);
      bool result = !values.empty();
      if (t.count) result = static_cast<long long>(values.size()) == *t.count;
      if (t.expect) {
        const Json expected = t.expect->is_array() ? *t.expect : Json::array({*t.expect});
        result = py_equal(Json(values), expected);
      }
      return result;
    }
    case Kind::probe:
      break;
  }
  return false;
}

std::optional<bool> within_tolerance_status(const Tolerance& t, int status) {
  // As within_tolerance's integer and list cases on a dict output with a "status".
  switch (t.kind) {
    case Tolerance::Kind::integer:
      return py_equal(Json(status), t.value);
    case Tolerance::Kind::list:
      return py_contains(t.value, Json(status));
    default:
      return std::nullopt;
  }
}

}  // namespace chaoslab::chaos
