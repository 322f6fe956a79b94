// `chaoslab client`: the shared chaoslab::Client (policies/client.hpp) over an AsioRuntime, plus
// a small HTTP server with GET /health (breaker state and configuration, as the lab's client
// answered) and GET /metrics (Prometheus). The Client lives on the runtime's io thread only; the
// HTTP threads read it through AsioRuntime::query or the thread-safe Metrics.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "live/asio_runtime.hpp"
#include "live/metrics.hpp"
#include "policies/client.hpp"
#include "policies/trace.hpp"

namespace chaoslab::live {

// Counts what the client does into Prometheus metrics (chaoslab_client_*); see docs/live.md.
class ClientMetrics final : public TraceSink {
 public:
  explicit ClientMetrics(Metrics& m);
  void on_attempt(Instant, const AttemptEvent&) override;
  void on_retry(Instant, const RetryEvent&) override;
  void on_call(Instant, const CallEvent&) override;
  void on_transition(Instant, const TransitionEvent&) override;

  // chaoslab_client_breaker_state: 0 closed, 1 half_open, 2 open.
  static double state_value(BreakerState s);

 private:
  Metrics& m_;
};

// A TraceWriter on a stream that is flushed after every line, so `kubectl logs` and a parent
// process see each event as it happens.
class FlushingTraceWriter final : public TraceSink {
 public:
  explicit FlushingTraceWriter(std::ostream& out);
  void write_meta(std::string_view source, std::uint64_t seed, std::string_view scenario);
  void on_attempt(Instant t, const AttemptEvent& e) override;
  void on_retry(Instant t, const RetryEvent& e) override;
  void on_call(Instant t, const CallEvent& e) override;
  void on_transition(Instant t, const TransitionEvent& e) override;
  void on_chaos(Instant t, const ChaosEvent& e) override;
  void on_pod(Instant t, const PodEvent& e) override;

 private:
  std::ostream& out_;
  TraceWriter writer_;
};

class ClientService {
 public:
  // `trace` receives every event (besides the service's own metrics); all references must
  // outlive the service. Construct on the io thread or before rt.run().
  ClientService(AsioRuntime& rt, const ClientConfig& cfg, std::uint64_t seed, TraceSink& trace,
                int id = 0);
  ~ClientService();
  ClientService(const ClientService&) = delete;
  ClientService& operator=(const ClientService&) = delete;

  // io thread: starts the loop; no call starts at or after stop_at.
  void start(Instant stop_at = Instant::max());
  // io thread: no new calls; `on_idle` runs on the io thread once no call is in flight.
  void stop(std::function<void()> on_idle = {});

  // Starts the HTTP server on its own thread; returns the bound port (port 0: any free port).
  // Throws std::runtime_error when it cannot bind.
  int listen(const std::string& host, int port);
  void close_http();

  // io thread: the /health document.
  nlohmann::json health() const;
  Metrics& metrics() { return metrics_; }
  const Client& client() const { return *client_; }

 private:
  void check_idle();

  AsioRuntime& rt_;
  std::uint64_t seed_;
  Metrics metrics_;
  ClientMetrics client_metrics_;
  TraceFanout fanout_;
  Rng rng_;
  std::unique_ptr<Client> client_;
  std::function<void()> on_idle_;
  TimerId idle_timer_ = 0;
  struct Http;
  std::unique_ptr<Http> http_;
};

}  // namespace chaoslab::live
