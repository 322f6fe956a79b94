// The client as a process (`chaoslab client`, the container's entry point): the shared call loop
// until SIGTERM, SIGINT or a set duration, then a bounded drain of the calls in flight.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "policies/config.hpp"

namespace chaoslab::live {

struct ClientProcessOptions {
  std::uint64_t seed = 0;
  std::string scenario_name = "lab";  // the trace's meta line
  Duration duration{0};               // 0: until a signal
  Duration drain = std::chrono::seconds(5);
  std::optional<std::string> http_host;  // serve /health and /metrics there, unless nullopt
  int http_port = 8001;                  // 0: any free port
  std::function<void(const std::string&)> say;  // progress lines, if set
};

// Traces every event to `trace` as JSON lines, flushed per line. Returns the calls started.
// Throws std::runtime_error when the HTTP port cannot be bound.
std::uint64_t run_client_process(const ClientConfig& cfg, const ClientProcessOptions& opt, std::ostream& trace);

}  // namespace chaoslab::live
