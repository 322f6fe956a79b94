// Backend throughput under wrk: `chaoslab backend`'s server (live::BackendServer, default slots,
// connection limit and keep-alive) with zero delay and zero failures (FAILURE_RATE=0
// SLOW_RATE=0), loaded by
//   wrk -t1 -c64 -d10s http://127.0.0.1:PORT/work
// side by side with nginx (one worker process, `return 200` with a body of the same size, access
// log off) on loopback, in alternating runs; medians of several. On a shared machine the absolute
// figures follow the neighbours, so the ratio backend/nginx, measured in the same minute, is the
// figure to read: nginx is the practical ceiling for an HTTP endpoint on the machine.
//
//   build/bench/bench_live_backend [--reps N] [--duration S] [--connections N]
//
// Needs wrk and nginx on PATH or in /usr/sbin (Debian packages wrk, nginx; scripts/install-deps).
// Prints figures; asserts nothing about speed (docs/performance.md records them). Any non-2xx
// answer or socket error is reported: a figure is only meaningful when there are none.
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

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

// A free loopback port (bound, read back, released): nginx needs a number in its configuration.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// nginx in the foreground with one worker and a configuration of its own in a temp directory.
class Nginx {
 public:
  Nginx(const std::string& binary, int port) : dir_(make_dir()), port_(port) {
    std::ofstream(dir_ + "/nginx.conf")
        << "worker_processes 1;\ndaemon off;\npid " << dir_ << "/nginx.pid;\nerror_log " << dir_
        << "/error.log;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n"
        << "  client_body_temp_path " << dir_ << "/tmp;\n  proxy_temp_path " << dir_ << "/tmp;\n"
        << "  fastcgi_temp_path " << dir_ << "/tmp;\n  uwsgi_temp_path " << dir_ << "/tmp;\n"
        << "  scgi_temp_path " << dir_ << "/tmp;\n  keepalive_requests 1000000;\n"
        << "  server {\n    listen 127.0.0.1:" << port << " backlog=4096;\n"
        << "    location / { default_type application/json; return 200 '{\"ok\":true,\"ts\":1700000000.0}\\n'; }\n"
        << "  }\n}\n";
    live::SpawnOptions o;
    o.stdout_path = dir_ + "/out.log";
    o.stderr_path = dir_ + "/out.log";
    process_ = std::make_unique<live::ChildProcess>(
        std::vector<std::string>{binary, "-p", dir_, "-c", dir_ + "/nginx.conf"}, o);
  }
  ~Nginx() {
    if (process_) {
      process_->signal(SIGQUIT);
      process_->wait();
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Waits (bounded) until nginx accepts connections.
  bool ready() const {
    for (int i = 0; i < 500; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(port_));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (ok) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string log() const {
    std::ifstream in(dir_ + "/out.log");
    std::ifstream err(dir_ + "/error.log");
    return std::string(std::istreambuf_iterator<char>(in), {}) + std::string(std::istreambuf_iterator<char>(err), {});
  }

 private:
  static std::string make_dir() {
    char tmpl[] = "/tmp/bench_live_backend-nginx-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    const std::string dir = d ? d : "/tmp";
    std::filesystem::create_directories(dir + "/tmp");
    return dir;
  }
  std::string dir_;
  int port_;
  std::unique_ptr<live::ChildProcess> process_;
};

std::string find_nginx() {
  std::string n = live::find_on_path("nginx");
  if (n.empty() && ::access("/usr/sbin/nginx", X_OK) == 0) n = "/usr/sbin/nginx";
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  int seconds = 10;
  int connections = 64;
  CLI::App cli{"bench_live_backend: the backend's GET /work under wrk, side by side with nginx"};
  cli.add_option("--reps", reps, "alternating runs of each (the medians are printed)")->check(CLI::Range(1, 100));
  cli.add_option("--duration", seconds, "seconds per wrk run")->check(CLI::Range(1, 600));
  cli.add_option("--connections", connections, "wrk connections")->check(CLI::Range(1, 10000));
  CLI11_PARSE(cli, argc, argv);
  const std::string wrk = live::find_on_path("wrk");
  if (wrk.empty()) {
    std::fprintf(stderr, "bench_live_backend: wrk is not installed (Debian package wrk)\n");
    return 2;
  }
  const std::string nginx_binary = find_nginx();
  if (nginx_binary.empty()) {
    std::fprintf(stderr, "bench_live_backend: nginx is not installed (Debian package nginx)\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);

  chaoslab::bench::InProcessBackend backend;
  const int backend_port = backend.port();
  const int nginx_port = free_port();
  Nginx nginx(nginx_binary, nginx_port);
  if (nginx_port < 0 || !nginx.ready()) {
    std::fprintf(stderr, "bench_live_backend: nginx did not start:\n%s\n", nginx.log().c_str());
    return 1;
  }

  std::printf("backend GET /work under wrk -t1 -c%d -d%ds, zero delay and failure rate, %u io threads; "
              "%d alternating runs with nginx (1 worker, return 200)\n",
              connections, seconds, std::max(2u, std::thread::hardware_concurrency()), reps);
  std::vector<double> b, r, ratio;
  long bad = 0;
  for (int i = 0; i < reps; ++i) {
    const WrkResult rb = run_wrk(wrk, backend_port, connections, seconds);
    const WrkResult rr = run_wrk(wrk, nginx_port, connections, seconds);
    if (!rb.ok || !rr.ok) {
      std::fprintf(stderr, "bench_live_backend: wrk failed:\n%s\n%s\n", rb.raw.c_str(), rr.raw.c_str());
      return 1;
    }
    bad += rb.non2xx + rb.socket_errors + rr.non2xx + rr.socket_errors;
    b.push_back(rb.rps);
    r.push_back(rr.rps);
    ratio.push_back(rb.rps / rr.rps);
    std::printf("  run %d: backend %.0f req/s (non-2xx %ld, socket errors %ld), nginx %.0f req/s, ratio %.2f\n",
                i + 1, rb.rps, rb.non2xx, rb.socket_errors, rr.rps, rb.rps / rr.rps);
    std::fflush(stdout);
  }
  std::printf("backend: median %.0f req/s (min %.0f, max %.0f); nginx median %.0f req/s; "
              "ratio backend/nginx median %.2f (min %.2f, max %.2f); non-2xx or socket errors: %ld\n",
              median(b), *std::min_element(b.begin(), b.end()), *std::max_element(b.begin(), b.end()),
              median(r), median(ratio), *std::min_element(ratio.begin(), ratio.end()),
              *std::max_element(ratio.begin(), ratio.end()), bad);
  return 0;
}
