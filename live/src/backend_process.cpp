#include "live/backend_process.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "live/signals.hpp"

namespace chaoslab::live {

namespace {

void log_line(const std::string& line) {
  std::fprintf(stderr, "chaoslab backend: %s\n", line.c_str());
  std::fflush(stderr);
}

// The Service listener follows the pod's endpoint: SIGUSR1 joins, SIGUSR2 leaves.
void follow_endpoint(BackendServer& server, const BackendConfig& cfg, int sig) {
  if (sig == SIGUSR2) {
    server.close_service();
    return;
  }
  // The previous pod may still be letting go of the port: retry for a second.
  bool open = false;
  for (int i = 0; i < 50 && !(open = server.open_service()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!open) log_line("cannot open the service port " + std::to_string(cfg.service_port));
}

void drain(BackendServer& server, const BackendConfig& cfg, int sig) {
  server.begin_drain();  // first, so whoever reads the message finds /readyz already 503
  log_line(std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": draining (" +
           std::to_string(server.in_flight()) + " in flight)");
  if (cfg.drain_delay > Duration{0}) std::this_thread::sleep_for(cfg.drain_delay);
  const int cut = server.stop();
  if (cut > 0) {
    char text[96];
    std::snprintf(text, sizeof text, "%d requests still in flight after %.1fs: cut", cut,
                  to_seconds(cfg.shutdown_timeout));
    log_line(text);
  }
}

}  // namespace

void run_backend_process(const BackendConfig& cfg) {
  // glibc keeps freed memory: one arena per thread, each holding what it freed, and a mmap
  // threshold that rises to the largest block freed. Four arenas and a fixed threshold keep
  // repeated abuse within the container's memory limit (tests/live/abuse.cpp, docs/reliability.md).
#if defined(__GLIBC__)
  mallopt(M_ARENA_MAX, 4);
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
#endif
  SignalThread signals({SIGTERM, SIGINT, SIGUSR1, SIGUSR2});  // before the pool's threads start

  BackendConfig with_log = cfg;
  with_log.log = log_line;
  BackendServer server(with_log);
  const int port = server.bind();
  char text[512];
  std::snprintf(text, sizeof text,
                "listening on %s:%d (FAILURE_RATE=%g SLOW_RATE=%g MAX_DELAY_MS=%d seed=%llu workers=%d "
                "max_connections=%d startup_delay=%.3fs admin=%s service_port=%d)",
                cfg.host.c_str(), port, cfg.failure_rate, cfg.slow_rate, cfg.max_delay_ms,
                static_cast<unsigned long long>(server.seed()), cfg.workers, server.connection_limit(),
                to_seconds(cfg.startup_delay), cfg.admin_token.empty() ? "off" : "on", cfg.service_port);
  log_line(text);

  signals.start([&server, &cfg](int sig) {
    if (sig == SIGUSR1 || sig == SIGUSR2) {
      follow_endpoint(server, cfg, sig);
      return true;
    }
    drain(server, cfg, sig);
    return false;
  });
  server.run();
  signals.stop();
  log_line("stopped");
}

}  // namespace chaoslab::live
