// Scenario files (sim::load_scenario_file): JSON syntax, validation, referenced manifests and
// experiments. An input starting with '/' carries a `--set` override on its first line
// ("/json/pointer=value"), applied as `chaoslab run --set` does.
#include <string>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "policies/error.hpp"
#include "sim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  std::string_view text = fuzz::text_of(data, size);
  std::vector<std::pair<std::string, std::string>> overrides;
  try {
    if (text.starts_with('/')) {
      const auto nl = text.find('\n');
      overrides.push_back(sim::split_override(text.substr(0, nl)));
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    const std::string path = fuzz::workspace().write(
        "scenario.json", reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    const sim::Scenario sc = sim::load_scenario_file(path, overrides);
    (void)sc.doc.dump();
  } catch (const ConfigError&) {
  }
  return 0;
}
