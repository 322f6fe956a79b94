// chaoslab traces (JSON lines, docs/trace.md) as `chaoslab analyze` reads them: format detection,
// the trace reader (analysis/src/analyze_trace.cpp), the summary and detail sinks, and every output the
// analysis feeds (JSON, text, compare's metrics and samples).
#include <string>

#include "fuzz_analysis.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  fuzz::analyze_with_all_outputs(fuzz::workspace().write("trace.jsonl", data, size));
  return 0;
}
