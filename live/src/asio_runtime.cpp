#include "live/asio_runtime.hpp"

#include <stdexcept>

#include <boost/asio/post.hpp>
#include <httplib.h>

namespace chaoslab::live {

namespace {

// The worker's own socket timeouts only free the thread; the io-thread timer decides the outcome.
constexpr Duration kSocketTimeoutMargin = std::chrono::milliseconds(200);

}  // namespace

OutcomeKind classify_http_error(int error, Duration elapsed, Duration timeout) {
  const auto e = static_cast<httplib::Error>(error);
  if (e == httplib::Error::ConnectionTimeout || elapsed >= timeout) return OutcomeKind::timeout;
  if (e == httplib::Error::Connection) return OutcomeKind::refused;  // refused, unreachable, DNS
  return OutcomeKind::reset;  // read/write failed: the connection broke mid-request
}


AsioRuntime::AsioRuntime(std::size_t http_workers)
    : guard_(boost::asio::make_work_guard(io_)),
      t0_(SteadyClock::now()),
      pool_(http_workers == 0 ? 1 : http_workers) {}

AsioRuntime::~AsioRuntime() {
  io_.stop();
  pool_.stop();  // queued calls are abandoned; running ones end within their socket timeouts
  pool_.join();
}

Instant AsioRuntime::now() const {
  return Instant(std::chrono::duration_cast<Duration>(SteadyClock::now() - t0_));
}

TimerId AsioRuntime::call_after(Duration after, std::function<void()> fn) {
  const TimerId id = next_timer_++;
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  timer->expires_after(std::chrono::duration_cast<SteadyClock::duration>(
      after < Duration{0} ? Duration{0} : after));
  timers_.emplace(id, timer);
  timer->async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = timers_.find(id);
    if (it == timers_.end()) return;  // cancelled after it had already expired
    timers_.erase(it);
    fn();
  });
  return id;
}

void AsioRuntime::cancel(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

TargetId AsioRuntime::resolve(std::string_view url) {
  targets_.push_back(parse_http_url(url));
  return static_cast<TargetId>(targets_.size() - 1);
}

void AsioRuntime::http_get(TargetId target, Duration timeout,
                           std::function<void(const HttpResult&)> done) {
  if (target >= targets_.size())
    throw std::invalid_argument("http_get: unknown target " + std::to_string(target));
  struct Call {
    std::function<void(const HttpResult&)> done;
    Instant start;
    std::atomic<bool> finished{false};  // set on the io thread; read by the worker to skip
    boost::asio::steady_timer timer;
    explicit Call(boost::asio::io_context& io) : timer(io) {}
  };
  auto call = std::make_shared<Call>(io_);
  call->done = std::move(done);
  call->start = now();
  const Duration t = timeout < Duration{0} ? Duration{0} : timeout;
  call->timer.expires_after(std::chrono::duration_cast<SteadyClock::duration>(t));
  call->timer.async_wait([call, t](const boost::system::error_code& ec) {
    if (ec || call->finished) return;
    call->finished = true;
    call->done(HttpResult{OutcomeKind::timeout, 0, t});
  });
  ++http_in_flight_;
  boost::asio::post(pool_, [this, call, url = targets_[target], t] {
    int status = 0;
    int error = static_cast<int>(httplib::Error::Canceled);
    const auto started = SteadyClock::now();
    if (!call->finished) {
      httplib::Client cli(url.host, url.port);
      const auto socket_timeout =
          std::chrono::duration_cast<std::chrono::microseconds>(t + kSocketTimeoutMargin);
      cli.set_connection_timeout(socket_timeout);
      cli.set_read_timeout(socket_timeout);
      cli.set_write_timeout(socket_timeout);
      cli.set_keep_alive(false);
      auto res = cli.Get(url.path);
      error = static_cast<int>(res.error());
      if (res) status = res->status;
    }
    const auto elapsed = std::chrono::duration_cast<Duration>(SteadyClock::now() - started);
    --http_in_flight_;
    boost::asio::post(io_, [this, call, status, error, elapsed, t] {
      if (call->finished) return;
      call->finished = true;
      call->timer.cancel();
      HttpResult r;
      r.status = status;
      r.kind = status != 0 ? outcome_from_status(status) : classify_http_error(error, elapsed, t);
      r.latency = now() - call->start;
      if (r.kind == OutcomeKind::timeout) r.latency = t;
      call->done(r);
    });
  });
}

void AsioRuntime::run() {
  if (io_.stopped()) io_.restart();
  io_.run();
}

void AsioRuntime::stop() { io_.stop(); }

void AsioRuntime::post(std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); }

}  // namespace chaoslab::live
