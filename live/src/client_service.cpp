#include "live/client_service.hpp"

#include <sys/socket.h>

#include <ostream>
#include <thread>
#include <utility>

#include <httplib.h>

#include "policies/config.hpp"

namespace chaoslab::live {

namespace {

constexpr const char* kCalls = "chaoslab_client_calls_total";
constexpr const char* kAttempts = "chaoslab_client_attempts_total";
constexpr const char* kRetries = "chaoslab_client_retries_total";
constexpr const char* kTransitions = "chaoslab_client_breaker_transitions_total";
constexpr const char* kState = "chaoslab_client_breaker_state";
constexpr const char* kCallDuration = "chaoslab_client_call_duration_seconds";
constexpr const char* kAttemptDuration = "chaoslab_client_attempt_duration_seconds";
constexpr const char* kClientInFlight = "chaoslab_client_in_flight_calls";
constexpr const char* kCallsStarted = "chaoslab_client_calls_started_total";

std::string s(std::string_view v) { return std::string(v); }

}  // namespace

ClientMetrics::ClientMetrics(Metrics& m) : m_(m) {
  m_.counter(kCalls, "Logical calls finished, by final outcome.");
  m_.counter(kAttempts, "HTTP attempts finished, by outcome.");
  m_.counter(kRetries, "Retries scheduled, by the outcome that caused them.");
  m_.counter(kTransitions, "Circuit breaker state transitions.");
  m_.gauge(kState, "Circuit breaker state: 0 closed, 1 half_open, 2 open.");
  m_.histogram(kCallDuration, "Logical call duration (retries and waits included), seconds.",
               {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5, 10});
  m_.histogram(kAttemptDuration, "HTTP attempt duration, seconds.",
               {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5, 10});
  m_.gauge(kClientInFlight, "Logical calls in flight.");
  m_.counter(kCallsStarted, "Logical calls started.");
  m_.set(kState, {}, 0);
  m_.set(kClientInFlight, {}, 0);
  m_.add(kCallsStarted, {}, 0);
  // Every series a dashboard groups by exists from the start (at zero), not from its first event.
  for (OutcomeKind k : kAllOutcomeKinds) {
    m_.add(kCalls, {{"outcome", s(to_string(k))}}, 0);
    if (k == OutcomeKind::breaker_rejected) continue;
    m_.add(kAttempts, {{"outcome", s(to_string(k))}}, 0);
    if (k != OutcomeKind::ok) m_.add(kRetries, {{"cause", s(to_string(k))}}, 0);
  }
  using B = BreakerState;
  for (auto [from, to] : {std::pair{B::closed, B::open}, std::pair{B::open, B::half_open},
                          std::pair{B::half_open, B::open}, std::pair{B::half_open, B::closed}})
    m_.add(kTransitions, {{"from", s(to_string(from))}, {"to", s(to_string(to))}}, 0);
}

double ClientMetrics::state_value(BreakerState st) {
  switch (st) {
    case BreakerState::closed: return 0;
    case BreakerState::half_open: return 1;
    case BreakerState::open: return 2;
  }
  return 0;
}

void ClientMetrics::on_attempt(Instant, const AttemptEvent& e) {
  m_.add(kAttempts, {{"outcome", s(to_string(e.result.kind))}});
  m_.observe(kAttemptDuration, {}, to_seconds(e.result.latency));
}

void ClientMetrics::on_retry(Instant, const RetryEvent& e) {
  m_.add(kRetries, {{"cause", s(to_string(e.cause))}});
}

void ClientMetrics::on_call(Instant, const CallEvent& e) {
  m_.add(kCalls, {{"outcome", s(to_string(e.outcome))}});
  m_.observe(kCallDuration, {}, to_seconds(e.latency));
}

void ClientMetrics::on_transition(Instant, const TransitionEvent& e) {
  m_.add(kTransitions, {{"from", s(to_string(e.from))}, {"to", s(to_string(e.to))}});
  m_.set(kState, {}, state_value(e.to));
}

FlushingTraceWriter::FlushingTraceWriter(std::ostream& out) : out_(out), writer_(out) {}
void FlushingTraceWriter::write_meta(std::string_view source, std::uint64_t seed,
                                     std::string_view scenario) {
  writer_.write_meta(source, seed, scenario);
  out_.flush();
}
void FlushingTraceWriter::on_attempt(Instant t, const AttemptEvent& e) { writer_.on_attempt(t, e); out_.flush(); }
void FlushingTraceWriter::on_retry(Instant t, const RetryEvent& e) { writer_.on_retry(t, e); out_.flush(); }
void FlushingTraceWriter::on_call(Instant t, const CallEvent& e) { writer_.on_call(t, e); out_.flush(); }
void FlushingTraceWriter::on_transition(Instant t, const TransitionEvent& e) { writer_.on_transition(t, e); out_.flush(); }
void FlushingTraceWriter::on_chaos(Instant t, const ChaosEvent& e) { writer_.on_chaos(t, e); out_.flush(); }
void FlushingTraceWriter::on_pod(Instant t, const PodEvent& e) { writer_.on_pod(t, e); out_.flush(); }

struct ClientService::Http {
  httplib::Server svr;
  std::thread thread;
};

ClientService::ClientService(AsioRuntime& rt, const ClientConfig& cfg, std::uint64_t seed,
                             TraceSink& trace, int id)
    : rt_(rt), seed_(seed), client_metrics_(metrics_), rng_(stream_seed(seed, Stream::client_base, static_cast<std::uint64_t>(id))) {
  fanout_.add(&client_metrics_);
  fanout_.add(&trace);
  client_ = std::make_unique<Client>(rt_, cfg, rng_, fanout_, id);
}

ClientService::~ClientService() {
  close_http();
  if (idle_timer_) rt_.cancel(idle_timer_);
}

void ClientService::start(Instant stop_at) { client_->start(stop_at); }

void ClientService::stop(std::function<void()> on_idle) {
  client_->stop();
  on_idle_ = std::move(on_idle);
  check_idle();
}

void ClientService::check_idle() {
  idle_timer_ = 0;
  if (client_->in_flight() == 0) {
    if (auto fn = std::exchange(on_idle_, {})) fn();
    return;
  }
  // Calls finish through runtime callbacks; poll rather than hook into the Client.
  idle_timer_ = rt_.call_after(std::chrono::milliseconds(20), [this] { check_idle(); });
}

nlohmann::json ClientService::health() const {
  const ClientConfig& cfg = client_->config();
  nlohmann::json breaker = nullptr;
  std::string state = "disabled";
  if (const CircuitBreaker* b = client_->breaker()) {
    state = std::string(to_string(b->state()));
    breaker = {{"state", state},
               {"fail_counter", b->fail_counter()},
               {"success_counter", b->success_counter()},
               {"consecutive_openings", b->consecutive_openings()},
               {"current_open_duration_s", to_seconds(b->current_open_duration())}};
    if (b->state() != BreakerState::closed) breaker["opened_at_s"] = to_seconds(b->opened_at());
  }
  return {{"status", "ok"},
          {"breaker_state", state},
          {"breaker", breaker},
          {"backend_url", cfg.target},
          {"calls_started", client_->calls_started()},
          {"in_flight", client_->in_flight()},
          {"uptime_s", to_seconds(rt_.now())},
          {"seed", seed_},
          {"config", client_to_json(cfg)}};
}

int ClientService::listen(const std::string& host, int port) {
  http_ = std::make_unique<Http>();
  auto& svr = http_->svr;
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_timeout(2);
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  svr.new_task_queue = [] { return new httplib::ThreadPool(4); };
  svr.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    // Copies only: the lambda may run after this handler gave up waiting.
    auto doc = rt_.query([this] { return health().dump(); }, std::chrono::seconds(1));
    if (!doc) {
      res.status = 503;
      res.set_content(R"({"status":"unresponsive"})" "\n", "application/json");
      return;
    }
    res.set_content(*doc + "\n", "application/json");
  });
  svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    auto in_flight = rt_.query([this] { return client_->in_flight(); }, std::chrono::seconds(1));
    auto started = rt_.query([this] { return client_->calls_started(); }, std::chrono::seconds(1));
    if (in_flight) metrics_.set(kClientInFlight, {}, *in_flight);
    if (started) metrics_.add(kCallsStarted, {}, static_cast<double>(*started) - metrics_.value(kCallsStarted));
    res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  int bound = port;
  if (port == 0) {
    bound = svr.bind_to_any_port(host);
    if (bound < 0) throw std::runtime_error("cannot bind " + host + " (any port)");
  } else if (!svr.bind_to_port(host, port)) {
    throw std::runtime_error("cannot bind " + host + ":" + std::to_string(port));
  }
  http_->thread = std::thread([this] { http_->svr.listen_after_bind(); });
  return bound;
}

void ClientService::close_http() {
  if (!http_) return;
  for (int i = 0; i < 1000 && !http_->svr.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  http_->svr.stop();
  if (http_->thread.joinable()) http_->thread.join();
  http_.reset();
}

}  // namespace chaoslab::live
