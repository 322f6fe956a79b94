// The tune section of a report: the recommendation, the objective, the ranked candidates and the
// Pareto front, read from DIR/tune.json (written by `chaoslab tune`).
#pragma once

#include <string>

#include "report/report_html.hpp"

namespace chaoslab::report {

void add_tune_sections(ReportPage& page, const std::string& dir);

}  // namespace chaoslab::report
