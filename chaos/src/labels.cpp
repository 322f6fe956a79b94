#include "chaos/labels.hpp"

#include <algorithm>
#include <stdexcept>

namespace chaoslab::chaos {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view k) {
  if (k.empty()) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '/';
  });
}

bool valid_value(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

[[noreturn]] void fail(std::string_view part, std::string_view why) {
  throw std::invalid_argument("bad label selector requirement '" + std::string(part) + "': " +
                              std::string(why));
}

// Splits at commas that are not inside a parenthesised set.
std::vector<std::string_view> split_top_level(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')') --depth;
    if (text[i] == ',' && depth == 0) {
      parts.push_back(text.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  parts.push_back(text.substr(begin));
  return parts;
}

LabelRequirement parse_set(std::string_view part, std::size_t op_pos, std::size_t op_len,
                           LabelRequirement::Op op) {
  LabelRequirement r;
  r.op = op;
  r.key = std::string(trim(part.substr(0, op_pos)));
  if (!valid_key(r.key)) fail(part, "invalid key");
  std::string_view rest = trim(part.substr(op_pos + op_len));
  if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') fail(part, "expected a (v1,v2) set");
  rest = rest.substr(1, rest.size() - 2);
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= rest.size(); ++i) {
    if (i == rest.size() || rest[i] == ',') {
      std::string_view v = trim(rest.substr(begin, i - begin));
      if (!valid_value(v)) fail(part, "invalid value '" + std::string(v) + "'");
      r.values.emplace_back(v);
      begin = i + 1;
    }
  }
  return r;
}

LabelRequirement parse_requirement(std::string_view part) {
  if (part.empty()) fail(part, "empty requirement");
  if (part.front() == '!') {
    LabelRequirement r{std::string(trim(part.substr(1))), LabelRequirement::Op::not_exists, {}};
    if (!valid_key(r.key)) fail(part, "invalid key");
    return r;
  }
  if (auto p = part.find(" notin "); p != std::string_view::npos)
    return parse_set(part, p, 7, LabelRequirement::Op::not_in);
  if (auto p = part.find(" in "); p != std::string_view::npos)
    return parse_set(part, p, 4, LabelRequirement::Op::in);
  LabelRequirement r;
  std::size_t p = part.find("!=");
  std::size_t len = 2;
  r.op = LabelRequirement::Op::not_equals;
  if (p == std::string_view::npos) {
    r.op = LabelRequirement::Op::equals;
    p = part.find("==");
    if (p == std::string_view::npos) {
      p = part.find('=');
      len = 1;
    }
  }
  if (p == std::string_view::npos) {
    r.op = LabelRequirement::Op::exists;
    r.key = std::string(part);
    if (!valid_key(r.key)) fail(part, "invalid key");
    return r;
  }
  r.key = std::string(trim(part.substr(0, p)));
  std::string_view v = trim(part.substr(p + len));
  if (!valid_key(r.key)) fail(part, "invalid key");
  if (!valid_value(v)) fail(part, "invalid value '" + std::string(v) + "'");
  r.values.emplace_back(v);
  return r;
}

}  // namespace

LabelSelector LabelSelector::parse(std::string_view text) {
  LabelSelector sel;
  if (trim(text).empty()) return sel;
  for (std::string_view part : split_top_level(text)) sel.requirements_.push_back(parse_requirement(trim(part)));
  return sel;
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    const bool has = it != labels.end();
    const auto in_values = [&] {
      return has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    };
    switch (r.op) {
      case LabelRequirement::Op::equals:
        if (!in_values()) return false;
        break;
      case LabelRequirement::Op::in:
        if (!in_values()) return false;
        break;
      case LabelRequirement::Op::not_equals:
      case LabelRequirement::Op::not_in:
        if (in_values()) return false;  // a missing label satisfies != and notin, as in Kubernetes
        break;
      case LabelRequirement::Op::exists:
        if (!has) return false;
        break;
      case LabelRequirement::Op::not_exists:
        if (has) return false;
        break;
    }
  }
  return true;
}

}  // namespace chaoslab::chaos
