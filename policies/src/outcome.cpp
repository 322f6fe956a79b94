#include "policies/outcome.hpp"

namespace chaoslab {

std::string_view to_string(OutcomeKind k) {
  switch (k) {
    case OutcomeKind::ok: return "ok";
    case OutcomeKind::http_4xx: return "http_4xx";
    case OutcomeKind::http_5xx: return "http_5xx";
    case OutcomeKind::timeout: return "timeout";
    case OutcomeKind::refused: return "refused";
    case OutcomeKind::reset: return "reset";
    case OutcomeKind::breaker_rejected: return "breaker_rejected";
  }
  return "unknown";
}

std::optional<OutcomeKind> outcome_from_string(std::string_view s) {
  for (auto k : kAllOutcomeKinds)
    if (to_string(k) == s) return k;
  return std::nullopt;
}

}  // namespace chaoslab
