// `chaoslab calibrate INPUT... -o timings.json`: the scenario's kubernetes timings measured from
// the user's own pod restarts (calibrate/calibrate.hpp, docs/calibrate.md).
#include <cstdio>
#include <iostream>

#include "calibrate/calibrate.hpp"
#include "commands.hpp"
#include "policies/error.hpp"
#include "sim/sweep_runner.hpp"

namespace chaoslab::app {

void add_calibrate(CLI::App& app, int& exit_code) {
  struct Options {
    std::vector<std::string> inputs;
    std::string out;
    std::size_t min_fit = 20;
    std::string profile;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("calibrate", "Measure restart timings (the scenario's kubernetes block) from your cluster: kubectl get pods/events -o json, "
                                 "Chaos Toolkit journals of a pod kill, chaoslab live --out folders (docs/calibrate.md); "
                                 "use the result with --set /kubernetes=@timings.json");
  add_examples(sub, {"chaoslab calibrate tests/calibrate/fixtures/pods-during-restart.json "
                     "tests/calibrate/fixtures/events-core-v1.json -o out/timings.json",
                     "chaoslab calibrate tests/calibrate/fixtures/pods-crashloop.json --sweep-profile shop -o out/profile.json"});
  sub->add_option("inputs", o->inputs, "kubectl JSON files, Chaos Toolkit journals, live-mode folders")->required();
  sub->add_option("-o,--out", o->out, "write the kubernetes block (JSON) to this file")->required();
  sub->add_option("--min-fit-samples", o->min_fit, "fit a lognormal from this many samples on (else empirical)")
      ->capture_default_str()
      ->check(CLI::Range(4, 1000000));
  sub->add_option("--sweep-profile", o->profile, "write a sweep profile named NAME instead (for a profiles axis)");
  sub->add_flag("--json", o->json, "print the written JSON instead of the table");
  sub->callback([o, &exit_code] {
    calibrate::CalibrateOptions opt;
    opt.min_fit_samples = o->min_fit;
    const nlohmann::json block = calibrate::calibrate_inputs(o->inputs, opt);
    const nlohmann::json written = o->profile.empty() ? block : calibrate::sweep_profile(block, o->profile);
    try {
      sim::write_file_atomic(o->out, written.dump(2) + "\n");
    } catch (const std::runtime_error& e) {
      std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
      exit_code = kExitIoError;
      return;
    }
    std::cout << (o->json ? written.dump(2) + "\n" : calibrate::timings_to_text(block) + "wrote " + o->out + "\n");
    exit_code = kExitOk;
  });
}

}  // namespace chaoslab::app
