// The JSONPath subset that `jsonpath` tolerances accept (docs/chaos.md lists it):
//   $                 the root
//   .name  ['name']   a member of an object
//   [N]               an array element (N >= 0, or negative from the end)
//   [*]  .*           every member / element
//   ..name  ..*       recursive descent (the node and all its descendants, document order)
// No filters, slices, unions or script expressions: a path using them is rejected at load time.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace chaoslab::chaos {

class JsonPath {
 public:
  // Throws std::invalid_argument ("unsupported JSONPath syntax at offset 4: ...").
  static JsonPath parse(std::string_view text);

  // Matched values in document order (object members in key order).
  std::vector<nlohmann::json> match(const nlohmann::json& doc) const;
  const std::string& text() const { return text_; }

  struct Step {
    enum class Kind { member, index, wildcard, descend_member, descend_wildcard };
    Kind kind = Kind::member;
    std::string name;
    long long index = 0;
  };

 private:
  std::string text_;
  std::vector<Step> steps_;
};

}  // namespace chaoslab::chaos
