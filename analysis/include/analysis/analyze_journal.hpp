// The chaos window of a Chaos Toolkit journal (chaostoolkit's or chaoslab's): when the fault
// action ran, in UTC, so a recording with wall-clock stamps (the lab's log) can be placed
// against it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace chaoslab::analysis {

using SysMicros = std::chrono::sys_time<std::chrono::microseconds>;

struct ChaosWindow {
  std::string journal;   // the file
  std::string activity;  // the action's name
  std::string func;      // its provider's function or URL, e.g. "terminate_pods"
  SysMicros start{};     // the action's start and end (the journal's run[] entry)
  SysMicros end{};
};

// ISO-8601 "YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]" as UTC; a missing offset is read as
// UTC. nullopt when the text is not such a time.
std::optional<SysMicros> parse_iso8601(std::string_view text);

// The first action of the journal's run[] whose provider function is terminate_pods, else its
// first action. ConfigError "FILE: /json/pointer: what" when the journal has no action or a time
// is not ISO-8601.
ChaosWindow read_chaos_window(const std::string& journal_path);

// "2025-11-07 15:05:51.738665 UTC" (for messages).
std::string format_utc(SysMicros t);

}  // namespace chaoslab::analysis
