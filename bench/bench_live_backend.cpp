// Backend throughput under wrk: `chaoslab backend`'s server (live::BackendServer, default workers,
// queue and keep-alive) with zero delay and zero failures (FAILURE_RATE=0 SLOW_RATE=0), loaded by
//   wrk -t1 -c64 -d10s http://127.0.0.1:PORT/work
// several times; the median requests/s. On a shared machine the absolute figure follows the
// neighbours, so each backend run is paired with a run against a reference server measured in the
// same minute: a bare cpp-httplib server with the backend's socket settings (TCP_NODELAY,
// keep-alive timeout and count, a raised listen backlog) but a thread per connection and no
// routing, metrics or fault checks, answering GET /work with a constant body. The ratio backend/reference is the
// backend's own cost (routing, metrics, fault checks, the bounded pool) and moves much less than
// the absolute figure.
//
//   build/bench/bench_live_backend [--reps N] [--duration S] [--connections N]
//
// Needs wrk on PATH (Debian package wrk; scripts/install-deps). Prints figures; asserts nothing
// about speed (docs/live.md records them). Any non-2xx answer or socket error is reported: the
// figure is only meaningful when there are none.
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "live/backend.hpp"

namespace live = chaoslab::live;

namespace {

struct WrkResult {
  double rps = 0;
  long non2xx = 0;
  long socket_errors = 0;
  bool ok = false;
  std::string raw;
};

WrkResult run_wrk(int port, int connections, int seconds) {
  const std::string cmd = "wrk -t1 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) +
                          "s http://127.0.0.1:" + std::to_string(port) + "/work 2>&1";
  WrkResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), p)) r.raw += buf.data();
  const int status = ::pclose(p);
  std::smatch m;
  if (std::regex_search(r.raw, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    r.rps = std::stod(m[1]);
    r.ok = status == 0;
  }
  if (std::regex_search(r.raw, m, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))")))
    r.non2xx = std::stol(m[1]);
  if (std::regex_search(r.raw, m,
                        std::regex(R"(Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+))")))
    r.socket_errors = std::stol(m[1]) + std::stol(m[2]) + std::stol(m[3]) + std::stol(m[4]);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  int seconds = 10;
  int connections = 64;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--duration") && i + 1 < argc) seconds = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--connections") && i + 1 < argc) connections = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_live_backend [--reps N] [--duration S] [--connections N]\n");
      return 2;
    }
  }
  if (std::system("command -v wrk >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "bench_live_backend: wrk is not installed (Debian package wrk)\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);

  // The backend exactly as `FAILURE_RATE=0 SLOW_RATE=0 chaoslab backend` configures it.
  live::BackendConfig cfg;
  cfg.failure_rate = 0;
  cfg.slow_rate = 0;
  cfg.max_delay_ms = 0;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  cfg.seed = 1;
  live::BackendServer backend(cfg);
  const int backend_port = backend.bind();
  std::thread backend_thread([&] { backend.run(); });

  // The reference: bare cpp-httplib with a thread per connection (httplib holds a thread for the
  // whole life of a keep-alive connection, so with fewer threads than connections the rest wait
  // for a keep-alive timeout and the figure measures that wait) and the backend's keep-alive.
  httplib::Server ref;
  const int workers = cfg.workers;
  const int ref_threads = connections;
  ref.new_task_queue = [ref_threads] { return new httplib::ThreadPool(static_cast<size_t>(ref_threads)); };
  ref.set_keep_alive_timeout(cfg.keep_alive_timeout_s);
  ref.set_tcp_nodelay(true);  // as the backend: keep-alive answers would wait for Nagle
  // httplib listens with a backlog of 5 (the backend raises it, live/src/backend.cpp): 64
  // connections at once would overflow it and wait out SYN retransmits. Raised the same way.
  int ref_fd = -1;
  ref.set_socket_options([&ref_fd](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ref_fd = fd;
  });
  ref.Get("/work", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"ok\":true,\"ts\":1700000000.0}\n", "application/json");
  });
  const int ref_port = ref.bind_to_any_port("127.0.0.1");
  if (ref_fd >= 0) ::listen(ref_fd, 1024);
  std::thread ref_thread([&] { ref.listen_after_bind(); });

  std::printf("backend GET /work under wrk -t1 -c%d -d%ds, zero delay and failure rate, %d workers; "
              "%d paired runs (reference: bare cpp-httplib, %d threads)\n",
              connections, seconds, workers, reps, ref_threads);
  std::vector<double> b, r, ratio;
  long bad = 0;
  for (int i = 0; i < reps; ++i) {
    const WrkResult rb = run_wrk(backend_port, connections, seconds);
    const WrkResult rr = run_wrk(ref_port, connections, seconds);
    if (!rb.ok || !rr.ok) {
      std::fprintf(stderr, "bench_live_backend: wrk failed:\n%s\n%s\n", rb.raw.c_str(), rr.raw.c_str());
      return 1;
    }
    bad += rb.non2xx + rb.socket_errors;
    b.push_back(rb.rps);
    r.push_back(rr.rps);
    ratio.push_back(rb.rps / rr.rps);
    std::printf("  run %d: backend %.0f req/s (non-2xx %ld, socket errors %ld), reference %.0f req/s, ratio %.2f\n",
                i + 1, rb.rps, rb.non2xx, rb.socket_errors, rr.rps, rb.rps / rr.rps);
    std::fflush(stdout);
  }
  std::printf("backend: median %.0f req/s (min %.0f, max %.0f); reference median %.0f req/s; "
              "ratio backend/reference median %.2f (min %.2f, max %.2f); non-2xx or socket errors: %ld\n",
              median(b), *std::min_element(b.begin(), b.end()), *std::max_element(b.begin(), b.end()),
              median(r), median(ratio), *std::min_element(ratio.begin(), ratio.end()),
              *std::max_element(ratio.begin(), ratio.end()), bad);

  ref.stop();
  ref_thread.join();
  backend.stop();
  backend_thread.join();
  return 0;
}
