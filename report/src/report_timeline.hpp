// One run's events, as a report needs them, whatever recorded them: a simulated or live trace
// (JSON lines, policies/src/trace.cpp) or the lab's Python client log. Times are seconds since the
// start of the recording.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/report_html.hpp"

namespace chaoslab::report {

struct Timeline {
  std::string source;     // the file it came from
  std::string recorder;   // "simulation", "live" or "lab log"
  std::string scenario;   // when the recording names one
  std::optional<std::uint64_t> seed;
  double end_s = 0;       // time of the last event

  struct Call {
    double t;  // when the call ended
    int client;
    std::string outcome;  // ok, http_5xx, timeout, refused, reset, breaker_rejected, ...
    int attempts;         // HTTP attempts sent (0 when the breaker rejected it)
    double latency_ms;
  };
  struct Attempt {
    double t;
    int client;
    int attempt;  // 1-based within its call
    std::string outcome;
  };
  struct Transition {
    double t;
    int client;
    std::string from, to;  // closed, open, half_open
  };
  struct Chaos {
    double t;
    std::string activity, kind, phase, status, detail;
  };
  struct Pod {
    double t;
    std::string pod, phase;
    bool ready;
  };
  std::vector<Call> calls;
  std::vector<Attempt> attempts;
  std::vector<Transition> transitions;
  std::vector<Chaos> chaos;
  std::vector<Pod> pods;
  std::size_t retries = 0;
};

// Reads a JSON-lines trace. Throws ConfigError("FILE:LINE: ...") on a malformed line.
Timeline read_trace(const std::string& path);

// True when the file's first non-empty line is a JSON object (a trace).
bool looks_like_trace(const std::string& path);

// The run sections: the breaker state timeline with the chaos window and pod phases (the lab's
// Figure C), success rate against retry attempts (Figure B), outcomes over time and the
// latency distribution, with a summary table.
void add_timeline_sections(ReportPage& page, const Timeline& tl);

}  // namespace chaoslab::report
