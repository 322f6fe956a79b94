// A chaoslab live-mode folder (`chaoslab live --out DIR`): its trace.jsonl's pod lines
// (docs/trace.md) as Observations. Times are the trace's seconds since the run's start
// (microsecond resolution); the pods are processes on this machine, named DEPLOYMENT-N.
#pragma once

#include <string>

#include "calibrate/observations.hpp"

namespace chaoslab::calibrate {

// True when dir is a directory holding trace.jsonl.
bool is_live_folder(const std::string& dir);

// ConfigError "DIR/trace.jsonl: line N: what" for a line that is not JSON or a pod line with
// wrong fields; "DIR/trace.jsonl: not a chaoslab trace" when the meta line is missing. The
// scenario its meta line names is read for the readiness probe; when it cannot be, a note says so.
void read_live_folder(const std::string& dir, Observations& obs);

}  // namespace chaoslab::calibrate
