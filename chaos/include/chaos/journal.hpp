// Journal pieces shared by the runner and by tools that read journals back.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "policies/time.hpp"

namespace chaoslab::chaos {

// "chaoslab <version>": the journal's chaoslib-version field (chaoslab is not chaoslib).
std::string chaoslab_version_string();

// ISO-8601 with microseconds and offset, as Python's datetime.isoformat() on an aware UTC time:
// "2025-11-07T15:05:46.679429+00:00" (the fraction is always printed). t is floored to 1 us.
std::string iso8601(std::chrono::sys_time<std::chrono::microseconds> epoch, Instant t);

// Seconds between two instants at the journal's microsecond precision.
double journal_seconds(Instant start, Instant end);

// The names of the steady-state probes that missed their tolerance after the method, in journal
// order (what a deviated run names); none for text that is not a journal.
std::vector<std::string> missed_probes(std::string_view journal_text);

}  // namespace chaoslab::chaos
