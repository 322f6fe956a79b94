#include "live/asio_runtime.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <httplib.h>

#include "live/process.hpp"
#include "support.hpp"

using namespace chaoslab;
using namespace std::chrono_literals;

namespace {

// A plain httplib server with fixed answers, on a free loopback port.
class FixedServer {
 public:
  FixedServer() {
    chaoslab::testing::ignore_sigpipe();
    svr_.Get("/ok", [](const httplib::Request&, httplib::Response& r) { r.set_content("{}", "application/json"); });
    svr_.Get("/fail", [](const httplib::Request&, httplib::Response& r) { r.status = 500; });
    svr_.Get("/slow", [this](const httplib::Request&, httplib::Response& r) {
      for (int i = 0; i < 1000 && !stopping_; ++i) std::this_thread::sleep_for(10ms);
      r.set_content("late", "text/plain");
    });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
  }
  ~FixedServer() {
    stopping_ = true;
    while (!svr_.is_running()) std::this_thread::sleep_for(1ms);
    svr_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server svr_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Accepts connections, reads the request, and closes the socket without answering.
class ClosingServer {
 public:
  ClosingServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[1024];
        (void)::recv(c, buf, sizeof buf, 0);
        ::close(c);
      }
    });
  }
  ~ClosingServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/work"; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// Runs one GET on a fresh runtime and returns its result and when it arrived.
std::pair<HttpResult, Instant> one_get(const std::string& url, Duration timeout) {
  live::AsioRuntime rt;
  HttpResult got;
  Instant at{};
  int calls = 0;
  const TargetId t = rt.resolve(url);
  rt.post([&] {
    rt.http_get(t, timeout, [&](const HttpResult& r) {
      got = r;
      at = rt.now();
      ++calls;
      rt.call_after(50ms, [&] { rt.stop(); });  // a second callback would be counted
    });
  });
  rt.call_after(10s, [&] { rt.stop(); });
  rt.run();
  CHECK(calls == 1);
  return {got, at};
}

}  // namespace

TEST_CASE("AsioRuntime timers: deadline order, cancel, never re-entrant, now() is past the deadline") {
  live::AsioRuntime rt;
  std::vector<int> order;
  std::vector<Instant> fired_at;
  bool inside = false;
  bool reentered = false;
  // 3 comes far enough after 1 that a late wake-up cannot make 2's deadline (1's + 0) pass 3's.
  rt.call_after(500ms, [&] { order.push_back(3); fired_at.push_back(rt.now()); rt.stop(); });
  rt.call_after(20ms, [&] {
    order.push_back(1);
    fired_at.push_back(rt.now());
    inside = true;
    rt.call_after(0ms, [&] { reentered = inside; order.push_back(2); });
    inside = false;
  });
  const TimerId cancelled = rt.call_after(40ms, [&] { order.push_back(99); });
  rt.cancel(cancelled);
  rt.cancel(cancelled);  // twice: nothing
  rt.cancel(12345);      // unknown: nothing
  rt.run();
  CHECK(order == std::vector<int>{1, 2, 3});
  CHECK(!reentered);
  REQUIRE(fired_at.size() == 2);
  CHECK(fired_at[0] >= Instant(20ms));
  CHECK(fired_at[1] >= Instant(500ms));
  CHECK(rt.pending_timers() == 0);
}

TEST_CASE("AsioRuntime http_get: ok, 4xx and 5xx by status") {
  FixedServer s;
  auto [ok, t_ok] = one_get(s.url("/ok"), 2s);
  CHECK(ok.kind == OutcomeKind::ok);
  CHECK(ok.status == 200);
  CHECK(ok.latency > Duration{0});
  CHECK(ok.latency <= t_ok.time_since_epoch());
  auto [fail, t_fail] = one_get(s.url("/fail"), 2s);
  CHECK(fail.kind == OutcomeKind::http_5xx);
  CHECK(fail.status == 500);
  auto [missing, t_missing] = one_get(s.url("/missing"), 2s);
  CHECK(missing.kind == OutcomeKind::http_4xx);
  CHECK(missing.status == 404);
}

TEST_CASE("AsioRuntime http_get: a slow server times out at exactly the timeout") {
  FixedServer s;
  auto [r, at] = one_get(s.url("/slow"), 200ms);
  CHECK(r.kind == OutcomeKind::timeout);
  CHECK(r.status == 0);
  CHECK(r.latency == Duration(200ms));
  CHECK(at >= Instant(200ms));
}

TEST_CASE("AsioRuntime http_get: refused on a closed port, reset when the server closes the socket") {
  const int port = live::free_loopback_port();
  auto [refused, t1] = one_get("http://127.0.0.1:" + std::to_string(port) + "/work", 2s);
  CHECK(refused.kind == OutcomeKind::refused);
  CHECK(refused.status == 0);
  CHECK(refused.latency < Duration(2s));
  ClosingServer closing;
  auto [reset, t2] = one_get(closing.url(), 2s);
  CHECK(reset.kind == OutcomeKind::reset);
  CHECK(reset.status == 0);
}

TEST_CASE("AsioRuntime http_get: a saturated worker pool shows up as timeouts, not hangs") {
  FixedServer s;
  live::AsioRuntime rt(1);
  const TargetId t = rt.resolve(s.url("/slow"));
  std::vector<HttpResult> results;
  rt.post([&] {
    for (int i = 0; i < 2; ++i)
      rt.http_get(t, 1s, [&](const HttpResult& r) {
        results.push_back(r);
        if (results.size() == 2) rt.stop();
      });
  });
  rt.call_after(5s, [&] { rt.stop(); });
  const auto t0 = std::chrono::steady_clock::now();
  rt.run();
  REQUIRE(results.size() == 2);
  for (const auto& r : results) {
    CHECK(r.kind == OutcomeKind::timeout);
    CHECK(r.latency == Duration(1s));
  }
  // The second did not wait for the first: waiting would take 2 x (1 s + the socket margin).
  CHECK(std::chrono::steady_clock::now() - t0 < 2200ms);
}

TEST_CASE("AsioRuntime resolve: the error names the URL") {
  live::AsioRuntime rt;
  CHECK_THROWS_WITH_AS(rt.resolve("https://x:1/"), "URL 'https://x:1/': https is not supported (plain http only)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rt.resolve("backend:8000/work"), "URL 'backend:8000/work': must start with http://",
                       std::invalid_argument);
  CHECK(rt.resolve("http://127.0.0.1:9/work") == 0);
  CHECK(rt.target_url(0).port == 9);
}

TEST_CASE("AsioRuntime query: runs on the io thread and returns the value") {
  live::AsioRuntime rt;
  std::thread io([&] { rt.run(); });
  const auto io_id = io.get_id();
  auto v = rt.query([&] { return std::this_thread::get_id() == io_id ? 7 : -1; }, 10s);
  REQUIRE(v);
  CHECK(*v == 7);
  rt.stop();
  io.join();
  auto none = rt.query([] { return 1; }, 50ms);  // nobody runs the loop now
  CHECK(!none);
}
