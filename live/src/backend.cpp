#include "live/backend.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <vector>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "chaos/admin_faults.hpp"
#include "chaos/faults.hpp"
#include "live/bounded_pool.hpp"
#include "live/peer_watch.hpp"
#include "policies/error.hpp"
#include "policies/rng.hpp"

namespace chaoslab::live {

BackendConfig backend_config_from_env(const GetEnv& getenv, BackendConfig base) {
  if (auto v = env_value(getenv, "FAILURE_RATE")) base.failure_rate = parse_rate("FAILURE_RATE", *v);
  if (auto v = env_value(getenv, "SLOW_RATE")) base.slow_rate = parse_rate("SLOW_RATE", *v);
  if (auto v = env_value(getenv, "MAX_DELAY_MS"))
    base.max_delay_ms = static_cast<int>(parse_int("MAX_DELAY_MS", *v, 0, 3'600'000));
  if (auto v = env_value(getenv, "PORT")) base.port = static_cast<int>(parse_int("PORT", *v, 0, 65535));
  if (auto v = env_value(getenv, "ADMIN_TOKEN")) base.admin_token = *v;
  return base;
}

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr const char* kRequests = "chaoslab_backend_requests_total";
constexpr const char* kWorkDuration = "chaoslab_backend_work_duration_seconds";
constexpr const char* kInFlight = "chaoslab_backend_in_flight_requests";
constexpr const char* kReady = "chaoslab_backend_ready";
constexpr const char* kWorkers = "chaoslab_backend_workers";
constexpr const char* kBusy = "chaoslab_backend_busy_workers";
constexpr const char* kQueued = "chaoslab_backend_queued_connections";
constexpr const char* kShed = "chaoslab_backend_shed_connections_total";
constexpr const char* kFaultActive = "chaoslab_backend_fault_active";
constexpr const char* kFaultsApplied = "chaoslab_backend_faults_applied_total";

std::string path_label(const std::string& path) {
  for (const char* p : {"/work", "/healthz", "/readyz", "/metrics", "/admin/faults"})
    if (path == p) return p;
  return "other";
}

void json_reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

// httplib 0.11 listens with a backlog of 5: a burst of connections overflows it and the kernel
// drops SYNs, which clients resend only after 1 s, 3 s, ... (2,000 connections took minutes).
// listen() again on the bound socket raises the backlog; httplib does not expose the socket, so
// it is found among this process's descriptors by its port.
void raise_backlog(int port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (const dirent* e = readdir(dir)) {
    const int fd = std::atoi(e->d_name);
    int listening = 0;
    socklen_t len = sizeof listening;
    if (fd <= 2 || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage a{};
    socklen_t alen = sizeof a;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &alen) != 0) continue;
    int bound = -1;
    if (a.ss_family == AF_INET) bound = ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
    if (a.ss_family == AF_INET6) bound = ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
    if (bound == port) ::listen(fd, 1024);
  }
  closedir(dir);
}

}  // namespace

struct BackendServer::Impl {
  BackendConfig cfg;
  httplib::Server svr;
  std::shared_ptr<PoolStats> pool = std::make_shared<PoolStats>();
  Metrics metrics;
  SteadyClock::time_point t0 = SteadyClock::now();
  std::uint64_t seed = 0;

  std::atomic<bool> draining{false};
  std::atomic<bool> aborting{false};
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> running{false};
  std::atomic<int> in_flight{0};
  int port = -1;

  std::mutex wait_mu;  // with wait_cv: delayed requests and stop() sleep on it
  std::condition_variable wait_cv;

  std::mutex rng_mu;
  Rng work_rng{0};
  std::mutex fault_mu;
  chaos::FaultState faults;
  Rng fault_rng{0};

  explicit Impl(BackendConfig c) : cfg(std::move(c)) {
    seed = cfg.seed ? *cfg.seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
    work_rng = Rng(stream_seed(seed, Stream::backend));
    fault_rng = Rng(stream_seed(seed, Stream::chaos));
    if (!cfg.crash) cfg.crash = [](int code) {
      std::fflush(nullptr);
      std::_Exit(code);
    };
    describe_metrics();
    configure(svr);
  }

  Instant now() const {
    return Instant(std::chrono::duration_cast<Duration>(SteadyClock::now() - t0));
  }
  bool started() const { return now().time_since_epoch() >= cfg.startup_delay; }
  bool ready() const { return started() && !draining.load(); }

  // Sleeps until `until` (run clock); false when the wait was cut by stop().
  bool sleep_until(Instant until) {
    const auto deadline = t0 + (until.time_since_epoch());
    std::unique_lock lock(wait_mu);
    return !wait_cv.wait_until(lock, deadline, [&] { return aborting.load(); });
  }
  bool sleep_for(Duration d) { return sleep_until(now() + d); }

  void describe_metrics() {
    metrics.counter(kRequests, "HTTP requests answered, by path and status code.");
    metrics.histogram(kWorkDuration, "Time to answer GET /work, in seconds.",
                      {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5, 10});
    metrics.gauge(kInFlight, "GET /work requests being served.");
    metrics.gauge(kReady, "1 when /readyz answers 200.");
    metrics.gauge(kWorkers, "Worker threads in the pool.");
    metrics.gauge(kBusy, "Worker threads serving a connection.");
    metrics.gauge(kQueued, "Accepted connections waiting for a worker.");
    metrics.counter(kShed, "Connections answered 503 because the queue was full.");
    metrics.gauge(kFaultActive, "1 while an injected fault is active.");
    metrics.counter(kFaultsApplied, "Fault actions applied through /admin/faults.");
    metrics.set(kWorkers, {}, cfg.workers);
    for (const char* f : {"latency", "errors", "hang", "partition"})
      metrics.set(kFaultActive, {{"fault", f}}, 0);
  }

  void hold_if_hung(httplib::Response& res) {
    std::optional<Instant> until;
    {
      std::lock_guard lock(fault_mu);
      if (faults.hung(now())) until = faults.hang_until;
    }
    if (until && !sleep_until(*until)) res.set_header("Connection", "close");
  }

  void work(const httplib::Request& req, httplib::Response& res) {
    const auto start = SteadyClock::now();
    ++in_flight;
    serve_work(req, res);
    metrics.observe(kWorkDuration, {},
                    std::chrono::duration<double>(SteadyClock::now() - start).count());
    if (--in_flight == 0) {
      std::lock_guard lock(wait_mu);  // stop() may be waiting for the last one
      wait_cv.notify_all();
    }
  }

  void serve_work(const httplib::Request& req, httplib::Response& res) {
    if (BoundedPool::shedding()) return json_reply(res, 503, {{"error", "overloaded"}});
    if (!started()) return json_reply(res, 503, {{"error", "starting"}});
    chaos::RequestFault rf;
    {
      std::lock_guard lock(fault_mu);
      rf = faults.on_request(now(), fault_rng);
    }
    if (rf.drop) {
      // Partition: never answered. Held until the client gives up (or the hold bound); the
      // late 504 then goes nowhere.
      const int fd = find_connection_fd(req.local_port, req.remote_addr, req.remote_port);
      wait_peer_closed(fd, SteadyClock::now() + cfg.partition_hold, [&] { return aborting.load(); });
      res.set_header("Connection", "close");
      return json_reply(res, 504, {{"error", "partitioned"}});
    }
    if (rf.hold_until && !sleep_until(*rf.hold_until))
      return json_reply(res, 503, {{"error", "shutting down"}});
    if (rf.extra_latency > Duration{0} && !sleep_for(rf.extra_latency))
      return json_reply(res, 503, {{"error", "shutting down"}});
    if (rf.error_status) {
      res.status = *rf.error_status;
      res.set_content("injected error", "text/plain");
      return;
    }
    // The lab's /work: maybe slow, then maybe failing. Both draws are taken together so the
    // sequence of draws depends on the seed and the arrival order only.
    int delay_ms = -1;
    bool fail = false;
    {
      std::lock_guard lock(rng_mu);
      if (work_rng.bernoulli(cfg.slow_rate))
        delay_ms = static_cast<int>(work_rng.uniform_int(0, cfg.max_delay_ms));
      fail = work_rng.bernoulli(cfg.failure_rate);
    }
    // The drawn delay, so tests and users can check the distribution without timing noise.
    if (delay_ms >= 0) res.set_header("X-Chaoslab-Delay-Ms", std::to_string(delay_ms));
    if (delay_ms > 0 && !sleep_for(std::chrono::milliseconds(delay_ms)))
      return json_reply(res, 503, {{"error", "shutting down"}});
    if (fail) {
      res.status = 500;
      res.set_content("backend error", "text/plain");
      return;
    }
    const double ts =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    json_reply(res, 200, {{"ok", true}, {"ts", ts}});
  }

  // /admin/faults: chaos::handle_admin_faults answers (the simulator calls it too); here only
  // what this process does with an applied action (metrics, log, crash).
  void admin_faults(const httplib::Request& req, httplib::Response& res) {
    const std::string auth = req.get_header_value("Authorization");
    chaos::AdminAnswer a;
    {
      std::lock_guard lock(fault_mu);
      a = chaos::handle_admin_faults({req.method, req.path, auth, req.body}, cfg.admin_token, faults, now());
    }
    if (a.www_authenticate) res.set_header("WWW-Authenticate", "Bearer");
    json_reply(res, a.status, a.body);
    if (a.applied.empty()) return;
    metrics.add(kFaultsApplied, {{"action", a.applied}});
    if (cfg.log) cfg.log("fault " + a.applied + " " + req.body);
    if (a.effect.crash) {
      res.set_header("Connection", "close");
      // Exit just after this answer is written, so the caller learns the crash was applied.
      std::thread([crash = cfg.crash, code = a.effect.exit_code] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        crash(code);
      }).detach();
    }
  }

  void update_gauges() {
    metrics.set(kInFlight, {}, in_flight.load());
    metrics.set(kReady, {}, ready() ? 1 : 0);
    metrics.set(kBusy, {}, static_cast<double>(pool->busy.load()));
    metrics.set(kQueued, {}, static_cast<double>(pool->queued.load()));
    const double shed = static_cast<double>(pool->shed.load());
    metrics.add(kShed, {}, shed - metrics.value(kShed));
    std::lock_guard lock(fault_mu);
    const Instant t = now();
    metrics.set(kFaultActive, {{"fault", "latency"}}, faults.latency_active(t) ? 1 : 0);
    metrics.set(kFaultActive, {{"fault", "errors"}}, faults.errors_active(t) ? 1 : 0);
    metrics.set(kFaultActive, {{"fault", "hang"}}, faults.hung(t) ? 1 : 0);
    metrics.set(kFaultActive, {{"fault", "partition"}}, faults.partitioned(t) ? 1 : 0);
  }

  // Options and routes of a listener; the main one and the gated Service listener share them.
  void configure(httplib::Server& svr) {
    svr.set_tcp_nodelay(true);  // without it keep-alive answers wait for Nagle: 300 vs 26,800 req/s
    svr.set_keep_alive_timeout(cfg.keep_alive_timeout_s);
    svr.set_payload_max_length(64 * 1024);
    svr.set_read_timeout(5, 0);
    svr.set_write_timeout(5, 0);
    // SO_REUSEADDR only: httplib's default SO_REUSEPORT would let a second backend share the
    // port silently; here the second one fails to bind, as a second pod on one IP would.
    svr.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    // httplib 0.11 reads a chunked body whole, past set_payload_max_length, before any handler
    // (or the token check) runs: one client could make the backend buffer gigabytes. No endpoint
    // takes a chunked body, so such a request is refused before its body is read.
    svr.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!req.has_header("Transfer-Encoding")) return httplib::Server::HandlerResponse::Unhandled;
      res.set_header("Connection", "close");
      json_reply(res, 411, {{"error", "chunked request bodies are not accepted: send Content-Length"}});
      return httplib::Server::HandlerResponse::Handled;
    });
    svr.new_task_queue = [this] {
      return new BoundedPool(static_cast<std::size_t>(cfg.workers),
                             static_cast<std::size_t>(cfg.queue), pool);
    };
    svr.Get("/work", [this](const httplib::Request& req, httplib::Response& res) { work(req, res); });
    svr.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      hold_if_hung(res);
      res.set_content("ok\n", "text/plain");
    });
    svr.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
      hold_if_hung(res);
      if (ready()) return res.set_content("ready\n", "text/plain");
      res.status = 503;
      res.set_content(draining ? "draining\n" : "starting\n", "text/plain");
    });
    svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      hold_if_hung(res);
      update_gauges();
      res.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    const auto admin = [this](const httplib::Request& req, httplib::Response& res) { admin_faults(req, res); };
    svr.Get("/admin/faults", admin);
    svr.Post("/admin/faults", admin);
    svr.Delete("/admin/faults", admin);
    svr.Get("/admin/faults/rejected", admin);
    svr.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                 std::exception_ptr ep) {
      std::string what = "internal error";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      json_reply(res, 500, {{"error", what}});
    });
    // Counted here, just before the response is written, not in the logger (which runs after):
    // a client that has its answer then always finds it in /metrics.
    svr.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (draining || BoundedPool::shedding()) res.set_header("Connection", "close");
      metrics.add(kRequests, {{"path", path_label(req.path)}, {"code", std::to_string(res.status)}});
    });
  }

  // The gated Service listener (BackendConfig::service_port). A closed one is retired, not
  // joined: its requests in flight finish on their own while the signal thread goes on.
  struct Listener {
    std::unique_ptr<httplib::Server> server;
    std::thread thread;
  };
  mutable std::mutex service_mu;
  std::optional<Listener> service;
  std::vector<Listener> retired;

  bool open_service() {
    std::lock_guard lock(service_mu);
    if (service) return true;
    if (cfg.service_port <= 0 || stop_requested) return false;
    Listener l;
    l.server = std::make_unique<httplib::Server>();
    configure(*l.server);
    if (!l.server->bind_to_port(cfg.host, cfg.service_port)) return false;
    httplib::Server* raw = l.server.get();
    l.thread = std::thread([raw] { raw->listen_after_bind(); });
    service = std::move(l);
    return true;
  }

  void close_service() {
    std::lock_guard lock(service_mu);
    if (!service) return;
    for (int i = 0; i < 1000 && !service->server->is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    service->server->stop();
    retired.push_back(std::move(*service));
    service.reset();
  }

  void join_retired() {
    std::vector<Listener> done;
    {
      std::lock_guard lock(service_mu);
      done.swap(retired);
    }
    for (auto& l : done) l.thread.join();
  }
};

BackendServer::BackendServer(BackendConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}

BackendServer::~BackendServer() {
  auto& m = *impl_;
  if (m.running) {
    stop();
    std::unique_lock lock(m.wait_mu);
    m.wait_cv.wait(lock, [&] { return !m.running; });
  }
  // A Service listener opened without run() (or after stop()) still has a thread to end.
  m.close_service();
  {
    std::lock_guard lock(m.wait_mu);
    m.aborting = true;
  }
  m.wait_cv.notify_all();
  m.join_retired();
}

int BackendServer::bind() {
  const auto& c = impl_->cfg;
  int port = c.port;
  if (port == 0) {
    port = impl_->svr.bind_to_any_port(c.host);
    if (port < 0) throw std::runtime_error("cannot bind " + c.host + " (any port)");
  } else if (!impl_->svr.bind_to_port(c.host, port)) {
    throw std::runtime_error("cannot bind " + c.host + ":" + std::to_string(port) +
                             " (in use, or the address is not local)");
  }
  impl_->port = port;
  raise_backlog(port);
  if (c.service_port > 0 && c.service_open && !impl_->open_service())
    throw std::runtime_error("cannot bind " + c.host + ":" + std::to_string(c.service_port) +
                             " (the service port)");
  return port;
}

void BackendServer::run() {
  auto& m = *impl_;
  m.running = true;
  if (!m.stop_requested) m.svr.listen_after_bind();
  {
    std::lock_guard lock(m.wait_mu);
    m.running = false;
  }
  m.wait_cv.notify_all();
}

void BackendServer::begin_drain() { impl_->draining = true; }

int BackendServer::stop() {
  auto& m = *impl_;
  m.draining = true;
  m.stop_requested = true;
  m.close_service();
  // run() may be between its check and httplib's is_running_ flag: wait for the flag.
  for (int i = 0; i < 1000 && m.running && !m.svr.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  m.svr.stop();
  // run() returns once every accepted connection was served (httplib joins the pool).
  std::unique_lock lock(m.wait_mu);
  const bool drained = m.wait_cv.wait_for(lock, m.cfg.shutdown_timeout,
                                          [&] { return !m.running && m.in_flight.load() == 0; });
  const int cut = drained ? 0 : m.in_flight.load();
  m.aborting = true;  // wakes delayed requests, partition holds and hung probes
  lock.unlock();
  m.wait_cv.notify_all();
  m.join_retired();
  return cut;
}

bool BackendServer::open_service() { return impl_->open_service(); }
void BackendServer::close_service() { impl_->close_service(); }
bool BackendServer::service_open() const {
  std::lock_guard lock(impl_->service_mu);
  return impl_->service.has_value();
}

int BackendServer::port() const { return impl_->port; }
bool BackendServer::ready() const { return impl_->ready(); }
std::uint64_t BackendServer::seed() const { return impl_->seed; }
int BackendServer::in_flight() const { return impl_->in_flight.load(); }
int BackendServer::busy_workers() const { return static_cast<int>(impl_->pool->busy.load()); }
Metrics& BackendServer::metrics() { return impl_->metrics; }

}  // namespace chaoslab::live
