// Pieces of the abuse tests: a real `chaoslab backend` process on loopback, raw TCP connections
// that send exactly the bytes a hostile client would (httplib's client refuses to), and readings
// of the backend's memory from /proc.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "live/process.hpp"
#include "process_support.hpp"
#include "support.hpp"

namespace chaoslab::testing {

using Clock = std::chrono::steady_clock;

// VmRSS of a process in kB (/proc/<pid>/status), -1 when unreadable.
inline long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// `chaoslab backend` on 127.0.0.1, any free port, admin token "tok" (none when empty), every
// /work answered 200 at once (no drawn failures or delays), so any other answer comes from the
// abuse.
class BackendProcess {
 public:
  explicit BackendProcess(const std::string& token = "tok") : app_(args(token), asan_env()) {
    if (const auto port = app_.wait_for_stderr(R"(listening on 127\.0\.0\.1:(\d+))", std::chrono::seconds(20)))
      port_ = std::stoi(*port);
  }
  int port() const { return port_; }
  pid_t pid() const { return app_.process.pid(); }
  bool running() { return app_.process.running(); }
  std::string stderr_text() const { return app_.err(); }
  live::ChildProcess& process() { return app_.process; }

 private:
  static std::vector<std::string> args(const std::string& token) {
    std::vector<std::string> a{"backend", "--host", "127.0.0.1", "--port", "0",
                               "--seed", "1", "--failure-rate", "0", "--slow-rate", "0"};
    if (!token.empty()) a.insert(a.end(), {"--admin-token", token});
    return a;
  }
  // Under AddressSanitizer (preset asan) freed memory waits in a quarantine of up to 256 MB,
  // which would read as growth: keep it small so RSS means what it means in a release build.
  static std::map<std::string, std::string> asan_env() {
    const char* asan = std::getenv("ASAN_OPTIONS");
    return {{"ASAN_OPTIONS", std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "quarantine_size_mb=4"}};
  }

  Chaoslab app_;
  int port_ = 0;
};

// The status code of a raw HTTP response ("HTTP/1.1 404 Not Found" -> 404), 0 when none.
inline int status_of(const std::string& response) {
  static const std::regex re(R"(^HTTP/1\.[01] (\d{3}) )");
  std::smatch m;
  return std::regex_search(response, m, re) ? std::stoi(m[1]) : 0;
}

// A raw TCP connection to 127.0.0.1:port with bounded waits.
class RawConn {
 public:
  explicit RawConn(int port, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) return;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      connected_ = true;
      return;
    }
    if (errno != EINPROGRESS) return;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    connected_ = err == 0;
  }
  ~RawConn() { close(); }
  RawConn(RawConn&& o) noexcept : fd_(o.fd_), connected_(o.connected_) { o.fd_ = -1; }
  RawConn& operator=(RawConn&& o) noexcept {
    std::swap(fd_, o.fd_);
    std::swap(connected_, o.connected_);
    return *this;
  }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Sends everything unless the peer closes or `limit` passes; returns the bytes sent.
  std::size_t send_all(std::string_view data, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = Clock::now() + limit;
    std::size_t done = 0;
    while (done < data.size() && Clock::now() < deadline) {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 50);
    }
    return done;
  }

  // Reads until the peer closes, `limit` passes, or (with `until_headers_end`) a whole response
  // head has arrived. Returns what arrived.
  std::string read(std::chrono::milliseconds limit = std::chrono::seconds(5), bool until_headers_end = false) {
    std::string out;
    const auto deadline = Clock::now() + limit;
    while (receive(out, deadline))
      if (until_headers_end && out.find("\r\n\r\n") != std::string::npos) break;
    return out;
  }
  bool peer_closed() const { return closed_; }

  // Reads one whole response: its head and then Content-Length bytes of body (none for 1xx, 204
  // and 304), or until the peer closes when the head gives no length; stops at `limit`. Returns
  // at once when the answer is complete instead of waiting out the backend's keep-alive timeout.
  std::string read_response(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    std::string out;
    const auto deadline = Clock::now() + limit;
    for (;;) {
      const auto head_end = out.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::optional<std::size_t> body = body_length(out.substr(0, head_end + 2));
        if (body && out.size() >= head_end + 4 + *body) break;
      }
      if (!receive(out, deadline)) break;
    }
    return out;
  }

 private:
  // The body length a response head announces, nullopt when only the close of the connection ends
  // the body (no Content-Length, or chunked: read to the close, the test only needs the status).
  static std::optional<std::size_t> body_length(const std::string& head) {
    const int st = status_of(head);
    if (st != 0 && (st < 200 || st == 204 || st == 304)) return 0;
    std::smatch m;
    static const std::regex length_re(R"(\r\nContent-Length: *(\d+)\r\n)", std::regex::icase);
    if (std::regex_search(head, m, length_re)) return static_cast<std::size_t>(std::stoull(m[1]));
    return std::nullopt;
  }

  // Appends what one recv() brings within the deadline; false when nothing more will come in time
  // (deadline passed, or the peer closed: then peer_closed()).
  bool receive(std::string& out, Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    out.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

// GET /healthz on a new connection: the status and how long the answer took.
struct Probe {
  int status = 0;
  double seconds = 0;
};
inline Probe probe_healthz(int port, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto t0 = Clock::now();
  auto r = http_get(port, "/healthz", {}, limit);
  return {r ? r->status : 0, std::chrono::duration<double>(Clock::now() - t0).count()};
}

}  // namespace chaoslab::testing
