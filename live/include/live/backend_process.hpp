// The backend as a process (`chaoslab backend`, the container's entry point): serves until
// SIGTERM or SIGINT, then drains; SIGUSR1/SIGUSR2 open and close the Service listener (local
// live mode's endpoint changes). Progress goes to stderr, one "chaoslab backend: " line each.
#pragma once

#include "live/backend.hpp"

namespace chaoslab::live {

// Returns once the server has stopped. Throws std::runtime_error when it cannot bind.
void run_backend_process(const BackendConfig& cfg);

}  // namespace chaoslab::live
