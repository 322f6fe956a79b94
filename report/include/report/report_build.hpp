// `chaoslab report`: turns inputs (sweep directories, traces, lab logs) into one page.
#pragma once

#include <string>
#include <vector>

#include "report/report_html.hpp"

namespace chaoslab::report {

enum class ReportInputKind { sweep_dir, live_dir, trace, lab_log, comparison };

// What an input path holds: a directory with runs.jsonl (a sweep or tune output), a directory with
// trace.jsonl (a `chaoslab live --out` folder), a JSON-lines trace, the lab's Python client log
// (the inputs `chaoslab analyze` reads), or a `chaoslab compare --json`/`--out` result. Throws ConfigError naming the path when it is none.
ReportInputKind classify_report_input(const std::string& path);

// One section group per input, in the order given.
ReportPage build_report(const std::vector<std::string>& inputs, const std::string& title);

}  // namespace chaoslab::report
