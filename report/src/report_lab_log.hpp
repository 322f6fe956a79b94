// Lab client logs (the lab's Python logging format) as a report timeline. The parsing itself is
// analysis/lab_log.hpp's; this adapts its events to the report's Timeline.
#pragma once

#include <string>

#include "report_timeline.hpp"

namespace chaoslab::report {

Timeline read_lab_log_timeline(const std::string& path);

}  // namespace chaoslab::report
