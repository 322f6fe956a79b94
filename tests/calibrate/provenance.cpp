#include "calibrate/provenance.hpp"

#include <doctest/doctest.h>

#include "calibrate/calibrate.hpp"
#include "support.hpp"

using namespace chaoslab::calibrate;
using json = nlohmann::json;

TEST_CASE("provenance: a calibrated block says how many samples stand behind each phase") {
  const std::string pods = fixture("pods-crashloop.json");
  json doc = {{"duration_s", 10}, {"kubernetes", calibrate_inputs({pods})}};
  CHECK(describe_timings(doc) ==
        "restart timings: calibrated from 2 restarts (" + pods +
            "): container_start_s 1 samples, replace_delay_s 2 samples, scheduling_s 2 samples, shutdown_s 1 samples; "
            "not measured (scenario values): app_start_s, endpoint_delay_s");
}

TEST_CASE("provenance: hand-written timings say so") {
  CHECK(describe_timings({{"duration_s", 10}}) ==
        "restart timings: not calibrated (the simulator's defaults; `chaoslab calibrate` measures them on a cluster)");
  CHECK(describe_timings({{"kubernetes", {{"app_start_s", 1}, {"container_start_s", 2}}}}) ==
        "restart timings: not calibrated (the scenario's own container_start_s, app_start_s, defaults for the rest; "
        "`chaoslab calibrate` measures them on a cluster)");
}
