#include "live/backend.hpp"

#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "chaos/admin_faults.hpp"
#include "chaos/faults.hpp"
#include "live/backend_limits.hpp"
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

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kRequests = "chaoslab_backend_requests_total";
constexpr const char* kWorkDuration = "chaoslab_backend_work_duration_seconds";
constexpr const char* kBackendInFlight = "chaoslab_backend_in_flight_requests";
constexpr const char* kReady = "chaoslab_backend_ready";
constexpr const char* kWorkers = "chaoslab_backend_workers";
constexpr const char* kBusy = "chaoslab_backend_busy_workers";
constexpr const char* kQueued = "chaoslab_backend_queued_connections";
constexpr const char* kShed = "chaoslab_backend_shed_connections_total";
constexpr const char* kOpen = "chaoslab_backend_open_connections";
constexpr const char* kFaultActive = "chaoslab_backend_fault_active";
constexpr const char* kFaultsApplied = "chaoslab_backend_faults_applied_total";

std::string path_label(std::string_view path) {
  for (const char* p : {"/work", "/healthz", "/readyz", "/metrics", "/admin/faults"})
    if (path == p) return p;
  return "other";
}

// One answer, before it is written.
struct Reply {
  unsigned status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;                // "Connection: close", then the connection is closed
  std::optional<int> crash_exit;     // the crash fault: exit with this code once it is written
};

Reply json_reply(unsigned status, const nlohmann::json& body) {
  Reply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump() + "\n";
  return r;
}

Reply text_reply(unsigned status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// A refusal of the request itself: the connection cannot be trusted to be in sync afterwards.
Reply refusal(unsigned status, const std::string& error) {
  Reply r = json_reply(status, {{"error", error}});
  r.close = true;
  return r;
}

// The descriptor limit bounds the connections: each takes one, and some are kept for the rest.
int fitting_connection_limit(int wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return wanted;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;  // a server may take its hard limit
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur == RLIM_INFINITY) return wanted;
  const long room = static_cast<long>(lim.rlim_cur) - kReservedDescriptors;
  return static_cast<int>(std::max(1L, std::min<long>(wanted, room)));
}

class Session;

// The server's state, shared by its connections (BackendServer::Impl is this, named privately).
struct ServerState {
  BackendConfig cfg;
  Metrics metrics;
  SteadyClock::time_point t0 = SteadyClock::now();
  std::uint64_t seed = 0;
  int connection_limit = 0;

  std::atomic<bool> draining{false};
  std::atomic<bool> aborting{false};
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> running{false};
  std::atomic<int> in_flight{0};
  std::atomic<int> open_connections{0};
  int port = -1;

  std::mutex wait_mu;  // with wait_cv: stop() and the destructor wait on it
  std::condition_variable wait_cv;

  std::mutex rng_mu;
  Rng work_rng{0};
  std::mutex fault_mu;
  chaos::FaultState faults;
  Rng fault_rng{0};

  // /work slots: `workers` requests are served at once, `queue` more wait (FIFO) for a slot.
  std::mutex slot_mu;
  int slots_busy = 0;
  std::deque<std::shared_ptr<Session>> slot_waiters;

  // Open sessions, so stop() can reach the idle and the waiting ones.
  std::mutex sessions_mu;
  std::set<Session*> sessions;

  struct Listener;
  std::mutex listen_mu;
  std::shared_ptr<Listener> main_listener;
  std::shared_ptr<Listener> service_listener;

  // One io_context per io thread (Asio's own locking and cross-thread wake-ups cost a shared
  // context a third of its requests/s): the first also runs the listeners, and connections are
  // dealt out in turn. Each is kept running by its guard until stop(). Last: destroyed first,
  // with the handlers (sessions, listeners) it still holds.
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<Guard> guards;
  std::atomic<std::size_t> next_io{0};
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  asio::io_context& ioc() { return *iocs.front(); }
  asio::io_context& next_ioc() { return *iocs[next_io++ % iocs.size()]; }

  explicit ServerState(BackendConfig c);
  ~ServerState();

  Instant now() const {
    return Instant(std::chrono::duration_cast<Duration>(SteadyClock::now() - t0));
  }
  SteadyClock::time_point steady(Instant t) const {
    return t0 + std::chrono::duration_cast<SteadyClock::duration>(t.time_since_epoch());
  }
  bool started() const { return now().time_since_epoch() >= cfg.startup_delay; }
  bool ready() const { return started() && !draining.load(); }

  void describe_metrics();
  void update_gauges();
  void count(std::string_view path, unsigned status) {
    metrics.add(kRequests, {{"path", path_label(path)}, {"code", std::to_string(status)}});
  }

  std::optional<Instant> hung_until() {
    std::lock_guard lock(fault_mu);
    if (faults.hung(now())) return faults.hang_until;
    return std::nullopt;
  }
  Reply probe(std::string_view path);
  // The whole /admin/faults endpoint (token check, body validation, the state change): one call.
  Reply admin_faults(http::verb method, std::string_view path, std::string_view authorization,
                    const std::string& body);

  enum class Admit { now, queued, shed };
  Admit acquire_slot(const std::shared_ptr<Session>& s);
  void release_slot();
  void work_finished();

  std::shared_ptr<Listener> listen(const std::string& host, int port);
  void for_each_session(void (Session::*fn)());
  void release_guards() {
    std::lock_guard lock(listen_mu);
    for (auto& g : guards) g.reset();
  }
};

// One accepted connection: reads a request, answers it, and reads the next while kept alive.
// Everything it does runs on its strand; waits are timers or pending reads, never a thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  using Impl = ServerState;

  Session(Impl& m, tcp::socket socket, bool shed)
      : m_(m), stream_(std::move(socket)), timer_(stream_.get_executor()), shed_(shed) {
    if (!shed_) ++m_.open_connections;
  }
  ~Session() {
    if (shed_) return;
    {
      std::lock_guard lock(m_.sessions_mu);
      m_.sessions.erase(this);
    }
    if (--m_.open_connections == 0) {
      std::lock_guard lock(m_.wait_mu);
      m_.wait_cv.notify_all();
    }
  }

  // Call once, right after make_shared: stop() finds the session from here on, and everything it
  // does runs on its strand.
  void start() {
    if (!shed_) {
      std::lock_guard lock(m_.sessions_mu);
      m_.sessions.insert(this);
    }
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->shed_) return self->read_head();
      // Beyond the connection limit: 503 at once, before anything is read.
      self->m_.metrics.add(kShed, {});
      self->respond(refusal(503, "overloaded: too many connections"), "other");
    });
  }

  // From stop() (any thread): a connection that waits for its next request is closed now.
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == Phase::reading && self->buf_.size() == 0) self->stream_.socket().close();
    });
  }
  // From stop() once the drain bound passed: delays and holds end (503), reads are closed.
  void abort() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->timer_.cancel();
      if (self->phase_ == Phase::reading || self->phase_ == Phase::partitioned) self->stream_.cancel();
    });
  }
  // A /work slot became free for this waiting request (ok), or the server is stopping (!ok).
  void slot_granted(bool ok) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), ok] {
      if (!ok) {
        self->m_.metrics.add(kShed, {});  // not served: counted like a shed request
        return self->respond(json_reply(503, {{"error", "shutting down"}}), "/work");
      }
      self->serve_work();
    });
  }

 private:
  enum class Phase { reading, handling, partitioned, writing, closing };

  void read_head() {
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kHeaderLimitBytes));
    parser_->body_limit(kBodyLimitBytes);
    // The first request gets the head deadline; a kept-alive connection waits for its next one
    // no longer than the keep-alive timeout.
    stream_.expires_after(first_ ? kHeadTimeout : std::chrono::seconds(m_.cfg.keep_alive_timeout_s));
    http::async_read_header(stream_, buf_, *parser_,
                            beast::bind_front_handler(&Session::on_head, shared_from_this()));
  }

  void on_head(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    if (req.version() != 10 && req.version() != 11)
      return respond(refusal(400, "unsupported HTTP version: use HTTP/1.1 or HTTP/1.0"), "other");
    std::size_t fields = 0;
    for (auto it = req.begin(); it != req.end(); ++it) ++fields;
    if (fields > kMaxHeaderFields)
      return respond(refusal(431, "too many header fields: more than " + std::to_string(kMaxHeaderFields)),
                     "other");
    // No endpoint takes a chunked body; refused before any of it is read, authorised or not.
    if (req.find(http::field::transfer_encoding) != req.end())
      return respond(refusal(411, "chunked request bodies are not accepted: send Content-Length"), "other");
    if (parser_->is_done()) return dispatch();
    const auto expect = req[http::field::expect];
    stream_.expires_after(kBodyTimeout);
    if (beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                               [self = shared_from_this()](beast::error_code e, std::size_t) {
                                 if (e) return self->close();
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buf_, *parser_, [self = shared_from_this()](beast::error_code e, std::size_t) {
      if (e) return self->on_read_error(e);
      self->dispatch();
    });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      // Over the limit before the request line was parsed: the URI is what is too long.
      if (parser_->get().target().empty())
        return respond(refusal(414, "request line longer than " + std::to_string(kHeaderLimitBytes) + " bytes"),
                       "other");
      return respond(refusal(431, "request head (request line and header fields) longer than " +
                                      std::to_string(kHeaderLimitBytes) + " bytes"),
                     "other");
    }
    if (ec == http::error::body_limit)
      return respond(refusal(413, "request body longer than " + std::to_string(kBodyLimitBytes) + " bytes"),
                     "other");
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream &&
        ec != http::error::partial_message && ec != http::error::need_more)
      return respond(refusal(400, "malformed request: " + ec.message()), "other");
    close();  // the peer closed, reset or was too slow (head or body deadline): nothing to answer
  }

  void dispatch() {
    phase_ = Phase::handling;
    const auto& req = parser_->get();
    const std::string_view target(req.target().data(), req.target().size());
    path_ = std::string(target.substr(0, target.find('?')));
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    const http::verb method = req.method();
    if (path_ == "/admin/faults" || path_ == "/admin/faults/rejected") {
      if (method != http::verb::get && method != http::verb::post && method != http::verb::delete_)
        return not_allowed("GET, POST, DELETE");
      const auto auth = req[http::field::authorization];
      return respond(m_.admin_faults(method, path_, std::string_view(auth.data(), auth.size()), req.body()), path_);
    }
    if (path_ != "/work" && path_ != "/healthz" && path_ != "/readyz" && path_ != "/metrics")
      return respond(json_reply(404, {{"error", "not found"}}), path_);
    if (method != http::verb::get) return not_allowed("GET");
    if (path_ == "/work") return work();
    // Probes and metrics: served at once on this io thread, unless a hang fault holds them.
    if (const auto until = m_.hung_until()) {
      return wait_until(m_.steady(*until), [self = shared_from_this()](bool cut) {
        Reply r = self->m_.probe(self->path_);
        r.close = cut;
        self->respond(std::move(r), self->path_);
      });
    }
    respond(m_.probe(path_), path_);
  }

  void not_allowed(const char* allow) {
    Reply r = json_reply(405, {{"error", "method not allowed: use " + std::string(allow)}});
    r.headers.emplace_back("Allow", allow);
    respond(std::move(r), path_);
  }

  // Runs `then(cut)` at `when`, or at once with cut = true when the server is stopping.
  template <class F>
  void wait_until(SteadyClock::time_point when, F then) {
    if (m_.aborting) return then(true);
    timer_.expires_at(when);
    timer_.async_wait([self = shared_from_this(), then = std::move(then)](beast::error_code) mutable {
      then(self->m_.aborting.load());
    });
  }

  void work() {
    if (!m_.started()) return respond(json_reply(503, {{"error", "starting"}}), path_);
    switch (m_.acquire_slot(shared_from_this())) {
      case ServerState::Admit::now: return serve_work();
      case ServerState::Admit::queued: return;  // slot_granted() resumes it
      case ServerState::Admit::shed: {
        m_.metrics.add(kShed, {});
        Reply r = json_reply(503, {{"error", "overloaded"}});
        r.close = true;
        return respond(std::move(r), path_);
      }
    }
  }

  // Holds a /work slot from here until finish_work().
  void serve_work() {
    work_start_ = SteadyClock::now();
    ++m_.in_flight;
    chaos::RequestFault rf;
    {
      std::lock_guard lock(m_.fault_mu);
      rf = m_.faults.on_request(m_.now(), m_.fault_rng);
    }
    if (rf.drop) return partition();
    const auto then_latency = [self = shared_from_this(), rf](bool cut) {
      if (cut) return self->finish_work(json_reply(503, {{"error", "shutting down"}}));
      if (rf.extra_latency <= Duration{0}) return self->lab_work(rf);
      self->wait_until(SteadyClock::now() + rf.extra_latency, [self, rf](bool cut2) {
        if (cut2) return self->finish_work(json_reply(503, {{"error", "shutting down"}}));
        self->lab_work(rf);
      });
    };
    if (rf.hold_until) return wait_until(m_.steady(*rf.hold_until), then_latency);
    then_latency(false);
  }

  // The lab's /work: maybe slow, then maybe failing. Both draws are taken together so the
  // sequence of draws depends on the seed and the arrival order only.
  void lab_work(const chaos::RequestFault& rf) {
    if (rf.error_status) return finish_work(text_reply(static_cast<unsigned>(*rf.error_status), "injected error"));
    int delay_ms = -1;
    bool fail = false;
    {
      std::lock_guard lock(m_.rng_mu);
      if (m_.work_rng.bernoulli(m_.cfg.slow_rate))
        delay_ms = static_cast<int>(m_.work_rng.uniform_int(0, m_.cfg.max_delay_ms));
      fail = m_.work_rng.bernoulli(m_.cfg.failure_rate);
    }
    const auto answer = [delay_ms, fail](bool cut) {
      Reply r = cut ? json_reply(503, {{"error", "shutting down"}})
                : fail ? text_reply(500, "backend error")
                       : json_reply(200, {{"ok", true}, {"ts", std::chrono::duration<double>(
                                                                 std::chrono::system_clock::now().time_since_epoch())
                                                                 .count()}});
      // The drawn delay, so tests and users can check the distribution without timing noise.
      if (delay_ms >= 0) r.headers.emplace_back("X-Chaoslab-Delay-Ms", std::to_string(delay_ms));
      return r;
    };
    if (delay_ms <= 0) return finish_work(answer(false));
    wait_until(SteadyClock::now() + std::chrono::milliseconds(delay_ms),
               [self = shared_from_this(), answer](bool cut) { self->finish_work(answer(cut)); });
  }

  // Partition: never answered. Held until the client gives up (its side closes), the hold bound
  // passes or the server stops; the late 504 then goes nowhere.
  void partition() {
    phase_ = Phase::partitioned;
    stream_.expires_never();
    timer_.expires_after(m_.cfg.partition_hold);
    timer_.async_wait([self = shared_from_this()](beast::error_code e) {
      if (!e) self->stream_.cancel();  // the hold bound passed
    });
    watch_peer();
  }
  void watch_peer() {
    buf_.consume(buf_.size());
    stream_.async_read_some(buf_.prepare(kScratchBytes), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec && !self->m_.aborting) return self->watch_peer();  // bytes after the request: ignored
      self->timer_.cancel();
      Reply r = json_reply(504, {{"error", "partitioned"}});
      r.close = true;
      self->finish_work(std::move(r));
    });
  }

  void finish_work(Reply r) {
    m_.metrics.observe(kWorkDuration, {}, std::chrono::duration<double>(SteadyClock::now() - work_start_).count());
    m_.release_slot();
    m_.work_finished();
    respond(std::move(r), path_);
  }

  void respond(Reply r, std::string_view counted_path) {
    phase_ = Phase::writing;
    res_ = {};
    res_.version(version_);
    res_.result(r.status);
    res_.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res_.set(name, value);
    res_.body() = std::move(r.body);
    keep_alive_ = keep_alive_ && !r.close && !r.crash_exit && !m_.draining && !m_.stop_requested;
    res_.keep_alive(keep_alive_);
    res_.prepare_payload();
    crash_exit_ = r.crash_exit;
    // Counted before it is written: a client that has its answer always finds it in /metrics.
    m_.count(counted_path, r.status);
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_written(ec);
    });
  }

  void on_written(beast::error_code ec) {
    if (crash_exit_) {
      // Exits once the answer is written, so the caller learns the crash was applied.
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return m_.cfg.crash(*crash_exit_);
    }
    if (ec) return close();
    if (!keep_alive_) return linger();
    first_ = false;
    read_head();
  }

  // Closes after an answer that ended the connection: our side first, then what the client still
  // sends is read and dropped for a bounded time and size, so the answer is not lost to a reset
  // (closing with unread bytes sends RST) and a client cannot make us read forever.
  void linger() {
    phase_ = Phase::closing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    stream_.expires_after(kLingerTime);
    linger_read();
  }
  void linger_read() {
    buf_.consume(buf_.size());
    stream_.async_read_some(buf_.prepare(kScratchBytes), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->lingered_ += n;
      if (ec || self->lingered_ >= kLingerBytes) return self->close();
      self->linger_read();
    });
  }

  void close() {
    phase_ = Phase::closing;
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  Impl& m_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  Phase phase_ = Phase::reading;
  std::string path_ = "other";
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool first_ = true;
  bool shed_;
  std::optional<int> crash_exit_;
  std::size_t lingered_ = 0;
  SteadyClock::time_point work_start_;
};

// A listening socket and its accept loop.
struct ServerState::Listener : std::enable_shared_from_this<Listener> {
  ServerState& m;
  std::mutex mu;  // close() comes from other threads than the accept loop
  tcp::acceptor acceptor;
  asio::steady_timer retry;

  explicit Listener(ServerState& impl) : m(impl), acceptor(asio::make_strand(impl.ioc())), retry(acceptor.get_executor()) {}

  void accept() {
    std::lock_guard lock(mu);
    if (!acceptor.is_open()) return;
    acceptor.async_accept(asio::make_strand(m.next_ioc()), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      self->on_accept(ec, std::move(s));
    });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors (or another transient failure): try again shortly, do not spin.
      std::lock_guard lock(mu);
      if (!acceptor.is_open()) return;
      retry.expires_after(kAcceptRetry);
      retry.async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e) self->accept();
      });
      return;
    }
    if (m.stop_requested) return;  // the socket closes as it goes out of scope
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // answers must not wait for Nagle
    const bool shed = m.open_connections.load() >= m.connection_limit;
    std::make_shared<Session>(m, std::move(socket), shed)->start();
    accept();
  }

  void close() {
    std::lock_guard lock(mu);
    beast::error_code ec;
    acceptor.close(ec);
    retry.cancel();
  }
};

ServerState::ServerState(BackendConfig c) : cfg(std::move(c)) {
  seed = cfg.seed ? *cfg.seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  work_rng = Rng(stream_seed(seed, Stream::backend));
  fault_rng = Rng(stream_seed(seed, Stream::chaos));
  if (!cfg.crash) cfg.crash = [](int code) {
    std::fflush(nullptr);
    std::_Exit(code);
  };
  connection_limit = fitting_connection_limit(cfg.max_connections);
  const unsigned n = cfg.io_threads > 0 ? static_cast<unsigned>(cfg.io_threads)
                                        : std::max(2u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    iocs.push_back(std::make_unique<asio::io_context>(1));
    guards.push_back(asio::make_work_guard(*iocs.back()));
  }
  describe_metrics();
}

ServerState::~ServerState() {
  for (auto& g : guards) g.reset();  // while the io_contexts they guard still exist
  for (auto* l : {&main_listener, &service_listener}) {
    if (*l) (*l)->close();
    l->reset();  // before the io_context goes (it is destroyed first, with what it still holds)
  }
}

void ServerState::describe_metrics() {
  metrics.counter(kRequests, "HTTP requests answered, by path and status code.");
  metrics.histogram(kWorkDuration, "Time to answer GET /work, in seconds.",
                    {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5, 10});
  metrics.gauge(kBackendInFlight, "GET /work requests being served.");
  metrics.gauge(kReady, "1 when /readyz answers 200.");
  metrics.gauge(kWorkers, "GET /work requests served at once (slots).");
  metrics.gauge(kBusy, "Slots serving a GET /work request.");
  metrics.gauge(kQueued, "GET /work requests waiting for a slot.");
  metrics.counter(kShed, "Connections or requests answered 503 because a limit was reached.");
  metrics.gauge(kOpen, "Open client connections.");
  metrics.gauge(kFaultActive, "1 while an injected fault is active.");
  metrics.counter(kFaultsApplied, "Fault actions applied through /admin/faults.");
  metrics.set(kWorkers, {}, cfg.workers);
  for (const char* f : {"latency", "errors", "hang", "partition"})
    metrics.set(kFaultActive, {{"fault", f}}, 0);
}

void ServerState::update_gauges() {
  metrics.set(kBackendInFlight, {}, in_flight.load());
  metrics.set(kReady, {}, ready() ? 1 : 0);
  {
    std::lock_guard lock(slot_mu);
    metrics.set(kBusy, {}, slots_busy);
    metrics.set(kQueued, {}, static_cast<double>(slot_waiters.size()));
  }
  metrics.set(kOpen, {}, open_connections.load());
  std::lock_guard lock(fault_mu);
  const Instant t = now();
  metrics.set(kFaultActive, {{"fault", "latency"}}, faults.latency_active(t) ? 1 : 0);
  metrics.set(kFaultActive, {{"fault", "errors"}}, faults.errors_active(t) ? 1 : 0);
  metrics.set(kFaultActive, {{"fault", "hang"}}, faults.hung(t) ? 1 : 0);
  metrics.set(kFaultActive, {{"fault", "partition"}}, faults.partitioned(t) ? 1 : 0);
}

Reply ServerState::probe(std::string_view path) {
  if (path == "/healthz") return text_reply(200, "ok\n");
  if (path == "/readyz") {
    if (ready()) return text_reply(200, "ready\n");
    return text_reply(503, draining ? "draining\n" : "starting\n");
  }
  update_gauges();
  Reply r = text_reply(200, metrics.render());
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

Reply ServerState::admin_faults(http::verb method, std::string_view path, std::string_view authorization,
                                const std::string& body) {
  // chaos::handle_admin_faults answers (the simulator calls it too); here only what this process
  // does with an applied action (metrics, log, crash).
  const auto verb = http::to_string(method);
  chaos::AdminAnswer a;
  {
    std::lock_guard lock(fault_mu);
    a = chaos::handle_admin_faults({std::string_view(verb.data(), verb.size()), path, authorization, body},
                                   cfg.admin_token, faults, now());
  }
  Reply r = json_reply(static_cast<unsigned>(a.status), a.body);
  if (a.www_authenticate) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (a.applied.empty()) return r;
  metrics.add(kFaultsApplied, {{"action", a.applied}});
  if (cfg.log) cfg.log("fault " + a.applied + " " + body);
  if (a.effect.crash) r.crash_exit = a.effect.exit_code;
  return r;
}

ServerState::Admit ServerState::acquire_slot(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(slot_mu);
  if (aborting) return Admit::shed;
  if (slots_busy < cfg.workers) {
    ++slots_busy;
    return Admit::now;
  }
  if (slot_waiters.size() < static_cast<std::size_t>(cfg.queue)) {
    slot_waiters.push_back(s);
    return Admit::queued;
  }
  return Admit::shed;
}

void ServerState::release_slot() {
  std::shared_ptr<Session> next;
  {
    std::lock_guard lock(slot_mu);
    if (slot_waiters.empty()) {
      --slots_busy;
      return;
    }
    next = std::move(slot_waiters.front());  // the slot passes to it
    slot_waiters.pop_front();
  }
  next->slot_granted(true);
}

void ServerState::work_finished() {
  if (--in_flight == 0) {
    std::lock_guard lock(wait_mu);  // stop() may be waiting for the last one
    wait_cv.notify_all();
  }
}

std::shared_ptr<ServerState::Listener> ServerState::listen(const std::string& host, int port) {
  auto l = std::make_shared<Listener>(*this);
  beast::error_code ec;
  tcp::resolver resolver(ioc());
  const auto found = resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || found.empty()) return nullptr;
  const tcp::endpoint at = found.begin()->endpoint();
  // SO_REUSEADDR only, never SO_REUSEPORT: a second backend on the same port fails to bind, as
  // a second pod on one IP would. The backlog absorbs bursts of connections (the kernel would
  // otherwise drop SYNs, which clients resend only after 1 s, 3 s, ...).
  l->acceptor.open(at.protocol(), ec);
  if (!ec) l->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) l->acceptor.bind(at, ec);
  if (!ec) l->acceptor.listen(kListenBacklog, ec);
  if (ec) return nullptr;
  l->accept();
  return l;
}

void ServerState::for_each_session(void (Session::*fn)()) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mu);
    for (Session* s : sessions)
      if (auto p = s->weak_from_this().lock()) live.push_back(std::move(p));
  }
  for (auto& s : live) ((*s).*fn)();
}

}  // namespace

struct BackendServer::Impl : ServerState {
  using ServerState::ServerState;
};

BackendServer::BackendServer(BackendConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}

BackendServer::~BackendServer() {
  auto& m = *impl_;
  if (m.running) {
    stop();
    std::unique_lock lock(m.wait_mu);
    m.wait_cv.wait(lock, [&] { return !m.running; });
  }
  m.aborting = true;
  close_service();
  std::lock_guard lock(m.listen_mu);
  if (m.main_listener) m.main_listener->close();
}

int BackendServer::bind() {
  auto& m = *impl_;
  const auto& c = m.cfg;
  std::lock_guard lock(m.listen_mu);
  m.main_listener = m.listen(c.host, c.port);
  if (!m.main_listener) {
    if (c.port == 0) throw std::runtime_error("cannot bind " + c.host + " (any port)");
    throw std::runtime_error("cannot bind " + c.host + ":" + std::to_string(c.port) +
                             " (in use, or the address is not local)");
  }
  m.port = m.main_listener->acceptor.local_endpoint().port();
  if (c.service_port > 0 && c.service_open) {
    m.service_listener = m.listen(c.host, c.service_port);
    if (!m.service_listener)
      throw std::runtime_error("cannot bind " + c.host + ":" + std::to_string(c.service_port) +
                               " (the service port)");
  }
  return m.port;
}

void BackendServer::run() {
  auto& m = *impl_;
  m.running = true;
  if (!m.stop_requested) {
    std::vector<std::thread> extra;
    for (std::size_t i = 1; i < m.iocs.size(); ++i) extra.emplace_back([&m, i] { m.iocs[i]->run(); });
    m.ioc().run();  // each returns once its listeners are closed and its connections are done
    for (auto& t : extra) t.join();
  }
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
  close_service();
  {
    std::lock_guard lock(m.listen_mu);
    if (m.main_listener) m.main_listener->close();
  }
  m.release_guards();
  // Kept-alive connections waiting for a next request will not get one answered: closed now.
  m.for_each_session(&Session::close_if_idle);
  const auto waiting = [&] {
    std::lock_guard lock(m.slot_mu);
    return static_cast<int>(m.slot_waiters.size());
  };
  std::unique_lock lock(m.wait_mu);
  const bool drained = m.wait_cv.wait_for(lock, m.cfg.shutdown_timeout,
                                          [&] { return m.in_flight.load() == 0 && waiting() == 0; });
  const int cut = drained ? 0 : m.in_flight.load() + waiting();
  m.aborting = true;  // delayed requests, partition holds and hung probes end now
  lock.unlock();
  m.wait_cv.notify_all();
  std::deque<std::shared_ptr<Session>> queued;
  {
    std::lock_guard slots(m.slot_mu);
    queued.swap(m.slot_waiters);
  }
  for (auto& s : queued) s->slot_granted(false);
  m.for_each_session(&Session::abort);
  return cut;
}

bool BackendServer::open_service() {
  auto& m = *impl_;
  std::lock_guard lock(m.listen_mu);
  if (m.service_listener) return true;
  if (m.cfg.service_port <= 0 || m.stop_requested) return false;
  m.service_listener = m.listen(m.cfg.host, m.cfg.service_port);
  return m.service_listener != nullptr;
}

void BackendServer::close_service() {
  auto& m = *impl_;
  std::lock_guard lock(m.listen_mu);
  if (!m.service_listener) return;
  m.service_listener->close();  // its connections go on until they end
  m.service_listener.reset();
}

bool BackendServer::service_open() const {
  std::lock_guard lock(impl_->listen_mu);
  return impl_->service_listener != nullptr;
}

int BackendServer::port() const { return impl_->port; }
bool BackendServer::ready() const { return impl_->ready(); }
std::uint64_t BackendServer::seed() const { return impl_->seed; }
int BackendServer::in_flight() const { return impl_->in_flight.load(); }
int BackendServer::busy_workers() const {
  std::lock_guard lock(impl_->slot_mu);
  return impl_->slots_busy;
}
int BackendServer::open_connections() const { return impl_->open_connections.load(); }
int BackendServer::connection_limit() const { return impl_->connection_limit; }
Metrics& BackendServer::metrics() { return impl_->metrics; }

}  // namespace chaoslab::live
