// Kubernetes and Chaos Toolkit time stamps: RFC 3339 text ("2026-12-06T07:08:51Z",
// "...51.738665Z", "...51+01:00", the journal's offset-less "...51.738665") as microseconds since
// the Unix epoch, with the resolution the text carries: metav1.Time has whole seconds, MicroTime
// (events.k8s.io eventTime) microseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chaoslab::calibrate {

struct Stamp {
  std::int64_t us = 0;             // microseconds since 1970-01-01T00:00:00Z
  std::int64_t resolution_us = 1;  // 1,000,000 for whole seconds, 1 for microseconds

  friend bool operator<(const Stamp& a, const Stamp& b) { return a.us < b.us; }
};

// nullopt when the text is not an RFC 3339 date-time (a missing offset is read as UTC, as
// chaostoolkit writes its journal in UTC without one).
std::optional<Stamp> parse_stamp(std::string_view text);

// "2026-12-06T07:08:51.738665Z" (for messages and the calibration's pair list).
std::string format_stamp(const Stamp& s);

}  // namespace chaoslab::calibrate
