// `chaoslab backend`: the lab's backend, an event-driven HTTP/1.1 server on Boost.Asio + Beast.
//   GET /work     with probability slow_rate sleep U{0..max_delay_ms} ms, then with probability
//                 failure_rate answer 500 "backend error", else 200 {"ok": true, "ts": <unix s>}
//   GET /healthz  liveness; GET /readyz readiness (503 during the start-up delay and draining)
//   GET /metrics  Prometheus text format
//   /admin/faults POST (apply), GET (read), DELETE (clear) chaoslab.faults (chaos/faults.hpp);
//                 404 unless an admin token is configured, 401 without "Bearer <token>"
// A few io threads serve every connection; a connection waiting for bytes, and a request waiting
// out a delay or a fault, cost no thread (timers). Limits: a deadline for the request head and for
// the body, the head's size and field count (431), the body's size (413), and the number of open
// connections (503 at once beyond it). /work requests take one of `workers` slots while they are
// served; up to `queue` more wait for a slot, the rest are answered 503 "overloaded".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "live/env.hpp"
#include "live/metrics.hpp"
#include "policies/time.hpp"

namespace chaoslab::live {

struct BackendConfig {
  // The lab's defaults in code (its ConfigMap overrides them: k8s/configmap.yaml).
  double failure_rate = 0.2;
  double slow_rate = 0.3;
  int max_delay_ms = 800;

  std::string host = "0.0.0.0";
  int port = 8000;                        // 0: any free port (BackendServer::port() tells)
  // A second listener for the same routes that is open only while this backend is an endpoint
  // of its Service (open_service/close_service; `chaoslab backend` maps them to SIGUSR1/SIGUSR2).
  // Local live mode's stand-in for kube-proxy: while closed, connections to it are refused.
  int service_port = 0;                   // 0: none
  bool service_open = false;              // open it at bind()
  std::optional<std::uint64_t> seed;      // nullopt: seeded from std::random_device, logged
  Duration startup_delay{0};              // /readyz 503 and /work 503 until it has passed
  std::string admin_token;                // empty: /admin/faults answers 404
  int workers = 32;                       // /work requests served at once (slots)
  int queue = 256;                        // /work requests waiting for a slot before 503s
  int max_connections = 10000;            // open connections; lowered to fit RLIMIT_NOFILE
  int io_threads = 0;                     // 0: one per core, at least 2
  Duration drain_delay{0};                // after SIGTERM: keep serving (readyz 503) this long
  Duration shutdown_timeout = std::chrono::seconds(10);  // bound for in-flight work
  Duration partition_hold = std::chrono::seconds(60);    // max time a partitioned request is held
  time_t keep_alive_timeout_s = 2;

  // What "crash" does; the default is std::_Exit. Tests replace it.
  std::function<void(int)> crash;
  // Where operational messages go (applied faults); unset: nowhere.
  std::function<void(const std::string&)> log;
};

// Reads FAILURE_RATE, SLOW_RATE, MAX_DELAY_MS, PORT, ADMIN_TOKEN into `base`; throws ConfigError
// naming the variable.
BackendConfig backend_config_from_env(const GetEnv& getenv, BackendConfig base = {});

class BackendServer {
 public:
  explicit BackendServer(BackendConfig cfg);
  ~BackendServer();
  BackendServer(const BackendServer&) = delete;
  BackendServer& operator=(const BackendServer&) = delete;

  // Binds the listening socket; returns the port. Throws std::runtime_error when it cannot.
  int bind();
  // Serves until stop(); returns after every accepted connection was served or abandoned.
  void run();
  // Readiness turns 503 and responses carry "Connection: close"; requests are still served.
  void begin_drain();
  // Stops accepting, waits up to shutdown_timeout for requests in flight, then wakes any that
  // are still delayed (they answer 503). Returns the number of requests that had to be cut.
  int stop();

  // The Service listener: true when open (or already open); false when it cannot bind or the
  // server is stopping. Thread-safe.
  bool open_service();
  void close_service();
  bool service_open() const;

  int port() const;
  bool ready() const;
  std::uint64_t seed() const;
  int in_flight() const;
  // /work slots in use (requests being served, delays and faults included).
  int busy_workers() const;
  // Connections open now (shed ones not counted).
  int open_connections() const;
  // The connection limit in force (max_connections, lowered to fit the descriptor limit).
  int connection_limit() const;
  Metrics& metrics();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chaoslab::live
