// Shared by the live benches: the backend as `FAILURE_RATE=0 SLOW_RATE=0 chaoslab backend`
// configures it, served in-process on a loopback port, so a figure measures the serving path only.
#pragma once

#include <thread>

#include "bench_support.hpp"
#include "live/backend.hpp"

namespace chaoslab::bench {

inline live::BackendConfig zero_fault_backend_config() {
  live::BackendConfig cfg;
  cfg.failure_rate = 0;
  cfg.slow_rate = 0;
  cfg.max_delay_ms = 0;
  cfg.host = "127.0.0.1";
  cfg.port = 0;  // any free port; bind() returns it
  cfg.seed = 1;
  return cfg;
}

// The backend running on its own thread for the life of the object.
class InProcessBackend {
 public:
  InProcessBackend() : server_(config_), port_(server_.bind()), thread_([this] { server_.run(); }) {}
  ~InProcessBackend() {
    server_.stop();
    thread_.join();
  }
  InProcessBackend(const InProcessBackend&) = delete;
  InProcessBackend& operator=(const InProcessBackend&) = delete;
  int port() const { return port_; }
  const live::BackendConfig& config() const { return config_; }

 private:
  live::BackendConfig config_ = zero_fault_backend_config();
  live::BackendServer server_;
  int port_;
  std::thread thread_;
};

}  // namespace chaoslab::bench
