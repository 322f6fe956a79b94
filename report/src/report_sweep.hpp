// Report sections of a sweep (or tune) output directory: the per-point table, heatmaps of success
// and time-to-recover against the first two axes, metrics against each axis with 95% intervals
// (with a retry-attempts axis this is the lab's Figure B over many seeds), and the distribution of
// time-to-recover at every point. A tune directory adds its recommendation first (tune.json).
#pragma once

#include <string>
#include <vector>

#include "report/report_html.hpp"

namespace chaoslab::report {

// A metric the sweep charts show, with its label and whether larger is better.
struct KeyMetric {
  std::string name;   // summary.csv metric name, e.g. "recovery.time_to_first_success_s"
  std::string label;  // e.g. "time to first success after recovery (s)"
  bool higher_is_better;
};

// The metrics charted when present, in order.
const std::vector<KeyMetric>& key_metrics();

void add_sweep_sections(ReportPage& page, const std::string& dir);

}  // namespace chaoslab::report
