// The report's compare section: a `chaoslab compare --json` / `--out` result (analysis/compare.hpp's
// comparison_to_json) read back and drawn: the verdict, where every metric of the observed run
// falls among the simulated runs (percentile against the band), a table of every metric, and per
// duration distribution the observed and simulated empirical CDFs with the KS statistic.
#pragma once

#include <string>

#include "report/report_html.hpp"

namespace chaoslab::report {

// True when the file holds one JSON object with "format": "chaoslab-compare/1".
bool looks_like_comparison(const std::string& path);

// Adds the compare section. Throws ConfigError("FILE: /pointer: what") for a malformed result.
void add_compare_sections(ReportPage& page, const std::string& path);

}  // namespace chaoslab::report
