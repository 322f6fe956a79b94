// Outcome kinds of one HTTP attempt or one logical call. Expected failures are values, not
// exceptions: a timeout or a refused connection is a normal event in a chaos run.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "policies/time.hpp"

namespace chaoslab {

enum class OutcomeKind : std::uint8_t {
  ok,                // HTTP status below 400 (and, unless configured otherwise, 4xx: see below)
  http_4xx,
  http_5xx,
  timeout,           // the client's per-attempt timeout fired first
  refused,           // no ready endpoint, or nothing listening
  reset,             // the connection broke mid-request (the process died)
  breaker_rejected,  // the circuit breaker raised its error; the backend was not called
};

inline constexpr OutcomeKind kAllOutcomeKinds[] = {
    OutcomeKind::ok,      OutcomeKind::http_4xx, OutcomeKind::http_5xx,        OutcomeKind::timeout,
    OutcomeKind::refused, OutcomeKind::reset,    OutcomeKind::breaker_rejected};

std::string_view to_string(OutcomeKind k);
std::optional<OutcomeKind> outcome_from_string(std::string_view s);

// Classifies an HTTP status the way the lab's client did (httpx: only >= 500 is an error to it).
constexpr OutcomeKind outcome_from_status(int status) {
  if (status >= 500) return OutcomeKind::http_5xx;
  if (status >= 400) return OutcomeKind::http_4xx;
  return OutcomeKind::ok;
}

// A small set of outcome kinds (retry_on, failure_on, exclude lists).
class OutcomeSet {
 public:
  constexpr OutcomeSet() = default;
  constexpr OutcomeSet(std::initializer_list<OutcomeKind> ks) {
    for (auto k : ks) insert(k);
  }
  constexpr void insert(OutcomeKind k) { bits_ |= bit(k); }
  constexpr void erase(OutcomeKind k) { bits_ &= ~bit(k); }
  constexpr bool contains(OutcomeKind k) const { return (bits_ & bit(k)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const OutcomeSet&) const = default;

 private:
  static constexpr std::uint32_t bit(OutcomeKind k) { return 1u << static_cast<unsigned>(k); }
  std::uint32_t bits_ = 0;
};

// The result of one HTTP attempt as the runtime reports it.
struct HttpResult {
  OutcomeKind kind = OutcomeKind::ok;
  int status = 0;        // 0 when no response arrived
  Duration latency{0};   // from sending to the outcome
};

}  // namespace chaoslab
