// The lab client's Python log (analysis/src/lab_log.cpp): line parser, call reconstruction, and the
// analysis `chaoslab analyze` makes of a lab log (analysis/src/analyze_lab_log.cpp) with all its outputs.
#include <sstream>
#include <string>

#include "analysis/analyze.hpp"
#include "fuzz_support.hpp"
#include "analysis/lab_log.hpp"
#include "policies/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  const std::string_view text = fuzz::text_of(data, size);
  try {
    std::istringstream in{std::string(text)};
    const auto records = analysis::parse_lab_log(in, "fuzz.log");
    (void)analysis::lab_calls(records);
  } catch (const ConfigError&) {
  }
  const std::string path = fuzz::workspace().write("lab.log", data, size);
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
