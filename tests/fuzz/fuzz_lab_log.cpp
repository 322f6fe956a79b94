// The lab client's Python log (analysis/src/lab_log.cpp): line parser, call reconstruction, and the
// analysis `chaoslab analyze` makes of a lab log (analysis/src/analyze_lab_log.cpp) with all its outputs.
#include <sstream>
#include <string>

#include "analysis/lab_log.hpp"
#include "fuzz_analysis.hpp"
#include "fuzz_support.hpp"
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
  fuzz::analyze_with_all_outputs(fuzz::workspace().write("lab.log", data, size));
  return 0;
}
