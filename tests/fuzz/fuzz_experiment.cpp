// Chaos Toolkit experiments (chaos::load_experiment): JSON, configuration and secrets (with a
// fixed fake environment), activities, providers (process ones accepted), tolerances, regexes,
// JSON paths and label selectors.
#include <optional>
#include <string>

#include "chaos/experiment.hpp"
#include "fuzz_support.hpp"
#include "policies/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  const std::string path = fuzz::workspace().write("experiment.json", data, size);
  chaos::LoadOptions opt;
  opt.allow_process = true;
  opt.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "BACKEND_URL") return "http://127.0.0.1:8000/work";
    if (name == "NAMESPACE") return "lab3";
    return std::nullopt;
  };
  try {
    const chaos::Experiment e = chaos::load_experiment(path, opt);
    (void)e.raw.dump();
  } catch (const ConfigError&) {
  }
  return 0;
}
