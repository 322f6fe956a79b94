#include "chaos/jsonpath.hpp"

#include <stdexcept>

namespace chaoslab::chaos {
namespace {

[[noreturn]] void fail(std::string_view text, std::size_t at, std::string_view why) {
  throw std::invalid_argument("unsupported JSONPath syntax at offset " + std::to_string(at) + " of '" +
                              std::string(text) + "': " + std::string(why));
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

using Step = JsonPath::Step;

// Parses "[...]" at text[i] == '['; returns the step and moves i past ']'.
Step parse_bracket(std::string_view text, std::size_t& i, bool descend) {
  const std::size_t open = i++;
  Step s;
  if (i < text.size() && text[i] == '*') {
    s.kind = descend ? Step::Kind::descend_wildcard : Step::Kind::wildcard;
    ++i;
  } else if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
    const char quote = text[i++];
    const std::size_t end = text.find(quote, i);
    if (end == std::string_view::npos) fail(text, open, "unterminated quoted name");
    s.kind = descend ? Step::Kind::descend_member : Step::Kind::member;
    s.name = std::string(text.substr(i, end - i));
    i = end + 1;
  } else {
    if (descend) fail(text, open, "only ..name, ..* and ..['name'] are supported after '..'");
    std::size_t j = i;
    if (j < text.size() && text[j] == '-') ++j;
    const std::size_t digits = j;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j == digits) fail(text, open, "expected an index, '*' or a quoted name (no filters, slices or unions)");
    // Length first: stoll throws past 19 digits.
    if (j - digits > 18) fail(text, open, "index out of range");
    s.kind = Step::Kind::index;
    s.index = std::stoll(std::string(text.substr(i, j - i)));
    i = j;
  }
  if (i >= text.size() || text[i] != ']') fail(text, open, "expected ']'");
  ++i;
  return s;
}

void descendants(const nlohmann::json& node, std::vector<const nlohmann::json*>& out, bool include_self) {
  if (include_self) out.push_back(&node);
  if (node.is_structured())
    for (const auto& child : node) descendants(child, out, true);
}

}  // namespace

JsonPath JsonPath::parse(std::string_view text) {
  JsonPath p;
  p.text_ = std::string(text);
  std::size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i >= text.size() || text[i] != '$') fail(text, i, "a path starts with '$'");
  ++i;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '[') {
      p.steps_.push_back(parse_bracket(text, i, false));
    } else if (c == '.') {
      const bool descend = i + 1 < text.size() && text[i + 1] == '.';
      i += descend ? 2 : 1;
      if (i < text.size() && text[i] == '*') {
        p.steps_.push_back(Step{descend ? Step::Kind::descend_wildcard : Step::Kind::wildcard, {}, 0});
        ++i;
      } else if (descend && i < text.size() && text[i] == '[') {
        p.steps_.push_back(parse_bracket(text, i, true));
      } else {
        const std::size_t start = i;
        while (i < text.size() && name_char(text[i])) ++i;
        if (i == start) fail(text, start, "expected a member name or '*'");
        p.steps_.push_back(Step{descend ? Step::Kind::descend_member : Step::Kind::member,
                                std::string(text.substr(start, i - start)), 0});
      }
    } else if (c == ' ' && text.find_first_not_of(' ', i) == std::string_view::npos) {
      break;
    } else {
      fail(text, i, std::string("unexpected '") + c + "' (no filters, slices, unions or scripts)");
    }
  }
  return p;
}

std::vector<nlohmann::json> JsonPath::match(const nlohmann::json& doc) const {
  std::vector<const nlohmann::json*> cur{&doc};
  std::vector<const nlohmann::json*> next;
  std::vector<const nlohmann::json*> all;
  for (const Step& s : steps_) {
    next.clear();
    for (const nlohmann::json* n : cur) {
      switch (s.kind) {
        case Step::Kind::member:
          if (n->is_object()) {
            auto it = n->find(s.name);
            if (it != n->end()) next.push_back(&*it);
          }
          break;
        case Step::Kind::index:
          if (n->is_array()) {
            const auto size = static_cast<long long>(n->size());
            const long long k = s.index < 0 ? size + s.index : s.index;
            if (k >= 0 && k < size) next.push_back(&(*n)[static_cast<std::size_t>(k)]);
          }
          break;
        case Step::Kind::wildcard:
          if (n->is_structured())
            for (const auto& child : *n) next.push_back(&child);
          break;
        case Step::Kind::descend_member:
          all.clear();
          descendants(*n, all, true);
          for (const nlohmann::json* d : all) {
            if (!d->is_object()) continue;
            auto it = d->find(s.name);
            if (it != d->end()) next.push_back(&*it);
          }
          break;
        case Step::Kind::descend_wildcard:
          all.clear();
          descendants(*n, all, false);
          next.insert(next.end(), all.begin(), all.end());
          break;
      }
    }
    cur.swap(next);
  }
  std::vector<nlohmann::json> out;
  out.reserve(cur.size());
  for (const nlohmann::json* n : cur) out.push_back(*n);
  return out;
}

}  // namespace chaoslab::chaos
