// A scenario as local live mode's plan (`chaoslab live`): the simulator's scenario (loaded and
// validated by sim/) becomes the plain live::LivePlan that live/ runs, with its pod timings as
// delay functions and its Chaos Toolkit experiment pointed at the run's loopback services.
#pragma once

#include <string>

#include "live/live_run.hpp"
#include "sim/scenario.hpp"

namespace chaoslab::liveplan {

// The plan for `sc` (read from `file`, named in messages). ConfigError when local live mode cannot
// run it: more than one backend replica, or a backend behaviour other than the lab's.
live::LivePlan make_plan(const sim::Scenario& sc, const std::string& file);

}  // namespace chaoslab::liveplan
