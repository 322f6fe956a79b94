// Sweep files (sim::load_sweep): the spec, its axes and design, the base scenario it names, and
// the points of small designs with their overrides.
#include <string>

#include "fuzz_support.hpp"
#include "policies/error.hpp"
#include "sim/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  const std::string path = fuzz::workspace().write("sweep.json", data, size);
  try {
    const sim::SweepSpec spec = sim::load_sweep(path);
    (void)spec.canonical().dump();
    // Points are enumerated only for designs a test run would enumerate quickly.
    double points = spec.design.kind == sim::SweepDesign::Kind::grid ? 1.0 : spec.design.samples;
    if (spec.design.kind == sim::SweepDesign::Kind::grid)
      for (const auto& a : spec.axes) points *= static_cast<double>(a.levels());
    if (points <= 4096) {
      for (const auto& p : sim::sweep_points(spec)) {
        (void)sim::point_overrides(spec, p);
        (void)sim::point_params(spec, p).dump();
      }
    }
  } catch (const ConfigError&) {
  }
  return 0;
}
