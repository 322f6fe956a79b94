// Kubernetes label selectors ("app=backend,tier in (a,b),!canary"), parsed once and matched
// against a pod's labels. Both Targets (simulated cluster, local processes) use this so that a
// selector means the same thing everywhere; the loader uses it to reject bad selectors early.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace chaoslab::chaos {

struct LabelRequirement {
  enum class Op { equals, not_equals, in, not_in, exists, not_exists };
  std::string key;
  Op op = Op::equals;
  std::vector<std::string> values;  // one value for equals/not_equals; the set for in/not_in
};

class LabelSelector {
 public:
  // The empty selector matches every pod.
  LabelSelector() = default;
  // Grammar (the subset of kubectl's that chaosk8s users write): comma-separated requirements
  //   key=value | key==value | key!=value | key in (v1,v2) | key notin (v1,v2) | key | !key
  // Throws std::invalid_argument with a message naming the offending part.
  static LabelSelector parse(std::string_view text);

  bool matches(const std::map<std::string, std::string>& labels) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<LabelRequirement> requirements_;
};

}  // namespace chaoslab::chaos
