// What `chaoslab analyze` makes of a file, with every output the analysis feeds (JSON, text,
// compare's metrics and samples): shared by the trace and lab-log targets.
#pragma once

#include <string>

#include "analysis/analyze.hpp"
#include "policies/error.hpp"

namespace chaoslab::fuzz {

inline void analyze_with_all_outputs(const std::string& path) {
  try {
    const analysis::Analysis a = analysis::analyze_file(path);
    (void)analysis::analysis_to_json(a).dump();
    (void)analysis::analysis_to_text(a);
    (void)analysis::comparable_metrics(a);
    (void)analysis::duration_samples(a);
  } catch (const ConfigError&) {
  }
}

}  // namespace chaoslab::fuzz
