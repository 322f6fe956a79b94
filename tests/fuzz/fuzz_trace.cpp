// chaoslab traces (JSON lines, docs/trace.md) as `chaoslab analyze` reads them: format detection,
// the trace reader (analysis/src/analyze_trace.cpp), the summary and detail sinks, and every output the
// analysis feeds (JSON, text, compare's metrics and samples).
#include <string>

#include "analysis/analyze.hpp"
#include "fuzz_support.hpp"
#include "policies/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  const std::string path = fuzz::workspace().write("trace.jsonl", data, size);
  try {
    const analysis::Analysis a = analysis::analyze_file(path);
    (void)analysis::analysis_to_json(a).dump();
    (void)analysis::analysis_to_text(a);
    (void)analysis::comparable_metrics(a);
    (void)analysis::duration_samples(a);
  } catch (const ConfigError&) {
  }
  return 0;
}
