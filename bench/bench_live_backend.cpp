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
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include "live/backend.hpp"
#include "live/process.hpp"
#include "live_bench_support.hpp"

namespace live = chaoslab::live;

using chaoslab::bench::median;

namespace {

struct WrkResult {
  double rps = 0;
  long non2xx = 0;
  long socket_errors = 0;
  bool ok = false;
  std::string raw;
};

WrkResult run_wrk(const std::string& wrk, int port, int connections, int seconds) {
  WrkResult r;
  char out_path[] = "/tmp/bench_live_backend-wrk-XXXXXX";
  const int fd = ::mkstemp(out_path);
  if (fd < 0) return r;
  ::close(fd);
  live::SpawnOptions o;
  o.stdout_path = out_path;
  o.stderr_path = out_path;
  o.append = true;
  live::ChildProcess p({wrk, "-t1", "-c" + std::to_string(connections), "-d" + std::to_string(seconds) + "s",
                        "http://127.0.0.1:" + std::to_string(port) + "/work"},
                       o);
  const live::ExitStatus status = p.wait();
  std::ifstream in(out_path);
  r.raw.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  ::unlink(out_path);
  std::smatch m;
  if (std::regex_search(r.raw, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    r.rps = std::stod(m[1]);
    r.ok = status.code == 0;
  }
  if (std::regex_search(r.raw, m, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))")))
    r.non2xx = std::stol(m[1]);
  if (std::regex_search(r.raw, m,
                        std::regex(R"(Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+))")))
    r.socket_errors = std::stol(m[1]) + std::stol(m[2]) + std::stol(m[3]) + std::stol(m[4]);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  int seconds = 10;
  int connections = 64;
  CLI::App cli{"bench_live_backend: the backend's GET /work under wrk, paired with a bare cpp-httplib reference"};
  cli.add_option("--reps", reps, "paired runs (the median is printed)")->check(CLI::Range(1, 100));
  cli.add_option("--duration", seconds, "seconds per wrk run")->check(CLI::Range(1, 600));
  cli.add_option("--connections", connections, "wrk connections")->check(CLI::Range(1, 10000));
  CLI11_PARSE(cli, argc, argv);
  const std::string wrk = live::find_on_path("wrk");
  if (wrk.empty()) {
    std::fprintf(stderr, "bench_live_backend: wrk is not installed (Debian package wrk)\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);

  chaoslab::bench::InProcessBackend backend;
  const live::BackendConfig& cfg = backend.config();
  const int backend_port = backend.port();

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
    const WrkResult rb = run_wrk(wrk, backend_port, connections, seconds);
    const WrkResult rr = run_wrk(wrk, ref_port, connections, seconds);
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
  return 0;
}
