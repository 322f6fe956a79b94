#include "calibrate/calibrate.hpp"

#include <doctest/doctest.h>

#include "policies/error.hpp"
#include "policies/rng.hpp"
#include "sim/scenario.hpp"
#include "support.hpp"

using namespace chaoslab::calibrate;
using json = nlohmann::json;

namespace {

std::string error_of(const std::vector<std::string>& inputs) {
  try {
    calibrate_inputs(inputs);
  } catch (const chaoslab::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("calibrate: the block the simulator reads, with samples, clock and what was not measured") {
  const json b = calibrate_inputs({fixture("pods-during-restart.json"), fixture("events-core-v1.json")});
  CHECK(b.at("scheduling_s") == json{{"type", "empirical"}, {"values", {0.412345}}});
  // Ready came on a probe tick: the app was up somewhere in the 2 s before it (4 s is the centre).
  CHECK(b.at("app_start_s") == json{{"type", "empirical"}, {"values", {4.75, 4.25, 3.75, 3.25}}});
  CHECK(b.at("calibration").at("phases").at("app_start_s").at("values_per_sample") == 4);
  CHECK(b.at("termination_grace_period_s") == 30.0);
  CHECK_FALSE(b.contains("endpoint_delay_s"));
  const json& cal = b.at("calibration");
  CHECK(cal.at("restarts") == 1);
  CHECK(cal.at("phases").at("scheduling_s").at("samples") == 1);
  CHECK(cal.at("phases").at("scheduling_s").at("resolution_s") == 1.0);
  CHECK(cal.at("phases").at("scheduling_s").at("model") == "empirical: fewer than 20 samples");
  CHECK(cal.at("not_measured").at("endpoint_delay_s").get<std::string>().find("EndpointSlice") != std::string::npos);
  CHECK(cal.at("image_pull_s") == json{5.0});
  CHECK(cal.at("readiness_probe_period_s") == 2.0);
  // The simulator takes it as its kubernetes block.
  json doc = {{"duration_s", 10}, {"clients", {{{"profile", "lab3"}}}}, {"kubernetes", b}};
  const auto sc = chaoslab::sim::load_scenario(doc, "s.json");
  CHECK(sc.kubernetes.app_start_s.values == std::vector<double>{4.75, 4.25, 3.75, 3.25});
}

TEST_CASE("calibrate: enough fine-grained samples give a lognormal with its goodness of fit") {
  chaoslab::Rng rng(3);
  Measurements m;
  PhaseSamples& p = m.phases["app_start_s"];
  for (int i = 0; i < 60; ++i) p.values.push_back(1.5 * std::exp(rng.normal(0.0, 0.25)));
  p.sources = {"x"};
  const json b = timings_block(m, {"in"});
  CHECK(b.at("app_start_s").at("type") == "lognormal");
  CHECK(b.at("app_start_s").at("median").get<double>() == doctest::Approx(1.5).epsilon(0.08));
  const json& info = b.at("calibration").at("phases").at("app_start_s");
  CHECK(info.at("model") == "lognormal");
  CHECK(info.at("fit").at("ks_d").get<double>() < info.at("fit").at("lilliefors_5pct").get<double>());
  // The same samples on a whole-second clock: the fit is not trusted.
  p.resolution_us = 1000000;
  const json coarse = timings_block(m, {"in"});
  CHECK(coarse.at("app_start_s").at("type") == "empirical");
  CHECK(coarse.at("calibration").at("phases").at("app_start_s").at("model") ==
        "empirical: the clock resolution is over a tenth of the fitted median");
}

TEST_CASE("calibrate: bad input is named") {
  CHECK(error_of({fixture("not-kubernetes.json")}) ==
        fixture("not-kubernetes.json") + ": not Kubernetes JSON (expected `kubectl get pods -o json`, `kubectl get events -o "
                                          "json`, a Chaos Toolkit journal or a chaoslab live folder)");
  CHECK(error_of({fixture("not-json.txt")}).rfind(fixture("not-json.txt") + ": line 1, column 1", 0) == 0);
  CHECK(error_of({"/nonexistent/pods.json"}) == "/nonexistent/pods.json: cannot open");
  CHECK(error_of({std::string(CHAOSLAB_SOURCE_DIR) + "/docs"}) ==
        std::string(CHAOSLAB_SOURCE_DIR) + "/docs: a directory without trace.jsonl (not a chaoslab live folder)");
  CHECK(error_of({fixture("pods-no-deletion.json")}).rfind("no pod deletions found", 0) == 0);
}

TEST_CASE("calibrate: the text table") {
  const json b = calibrate_inputs({fixture("pods-crashloop.json")});
  const std::string t = timings_to_text(b);
  CHECK(t.find("2 restarts paired") != std::string::npos);
  CHECK(t.find("container_start_s        1") != std::string::npos);
  CHECK(t.find("not measured: app_start_s: shop/api-6c7d8e9f0-new22: restarted 1 times") != std::string::npos);
  CHECK(t.find("not measured: endpoint_delay_s") != std::string::npos);
}
