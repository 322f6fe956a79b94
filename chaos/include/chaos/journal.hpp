// Journal pieces shared by the runner and by tools that read journals back.
#pragma once

#include <chrono>
#include <string>

#include "policies/time.hpp"

namespace chaoslab::chaos {

// "chaoslab <version>": the journal's chaoslib-version field (chaoslab is not chaoslib).
std::string chaoslab_version_string();

// ISO-8601 with microseconds and offset, as Python's datetime.isoformat() on an aware UTC time:
// "2025-11-07T15:05:46.679429+00:00" (the fraction is always printed). t is floored to 1 us.
std::string iso8601(std::chrono::sys_time<std::chrono::microseconds> epoch, Instant t);

// Seconds between two instants at the journal's microsecond precision.
double journal_seconds(Instant start, Instant end);

}  // namespace chaoslab::chaos
