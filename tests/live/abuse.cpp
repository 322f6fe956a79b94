// The backend under hostile clients, as a real `chaoslab backend` process on loopback: oversized
// request lines, headers and bodies, slow clients, thousands of connections, invalid methods and
// paths, concurrent admin calls. After each abuse it must still answer /healthz within a bound,
// and its resident memory must stay under a stated bound. Every loop is bounded in count and time.
#include <doctest/doctest.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "abuse_support.hpp"

using namespace chaoslab::testing;
using namespace std::chrono_literals;

namespace {

// Bounds stated in docs/reliability.md: /healthz answers within 2 s of being asked after (or
// during) an abuse; the backend's RSS grows by less than 96 MiB over its idle size (so a release
// backend, about 12 MiB idle, stays under its container's 128 MiB limit in k8s/backend.yaml).
constexpr double kHealthzBoundS = 2.0;
constexpr long kRssGrowthBoundKb = 96 * 1024;

// The highest VmRSS of a process, sampled every 5 ms on a thread until stop().
class PeakRss {
 public:
  explicit PeakRss(pid_t pid) : thread_([this, pid] {
      while (!stop_) {
        peak_ = std::max(peak_.load(), rss_kb(pid));
        std::this_thread::sleep_for(5ms);
      }
    }) {}
  ~PeakRss() { stop(); }
  long stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return peak_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_{0};
  std::thread thread_;
};

void check_healthy(BackendProcess& b, const char* after) {
  INFO("after: " << after);
  REQUIRE(b.running());
  Probe p = probe_healthz(b.port());
  // One retry when the first was slow: a stall of this test process (sanitizers, a busy CI
  // machine) must not pass for a stall of the backend. Two slow probes in a row fail.
  if (p.status == 200 && p.seconds >= kHealthzBoundS) {
    MESSAGE("slow /healthz after " << after << ": " << p.seconds << " s; probing again");
    p = probe_healthz(b.port());
  }
  CHECK(p.status == 200);
  CHECK(p.seconds < kHealthzBoundS);
}

// Sends `request` on a fresh connection and returns the answer's status, 0 when the backend
// closed the connection without an answer (also an acceptable refusal). Stops reading once the
// whole response is in: waiting for the close would cost the 2 s keep-alive timeout per request.
int send_raw(int port, const std::string& request, std::string* response = nullptr) {
  RawConn c(port);
  REQUIRE(c.connected());
  c.send_all(request, 10s);
  const std::string r = c.read_response(10s);
  if (response) *response = r;
  return status_of(r);
}

// " 200x1970 503x30": status x count, in status order.
std::string count_text(const std::map<int, int>& statuses) {
  std::string out;
  for (const auto& [s, n] : statuses)
    out.append(" ").append(std::to_string(s)).append("x").append(std::to_string(n));
  return out;
}

bool refused(int status) { return status == 0 || (status >= 400 && status < 500); }

}  // namespace

TEST_CASE("abuse: oversized request lines, headers and bodies are refused; memory stays bounded") {
  BackendProcess b;
  REQUIRE_MESSAGE(b.port() > 0, b.stderr_text());
  check_healthy(b, "start");
  const long idle_kb = rss_kb(b.pid());
  REQUIRE(idle_kb > 0);
  PeakRss peak(b.pid());

  // Request line beyond httplib's 8 KB URI limit; header lines beyond its 8 KB line limit.
  CHECK(send_raw(b.port(), "GET /work?" + std::string(16 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n") == 414);
  check_healthy(b, "16 KB URI");
  CHECK(send_raw(b.port(), "GET /work HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'b') + "\r\n\r\n") == 400);
  check_healthy(b, "64 KB header");
  CHECK(send_raw(b.port(), "GET /work HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4 << 20, 'b') + "\r\n\r\n") == 400);
  check_healthy(b, "4 MB header");
  // httplib 0.11.4 has no bound on the number of header lines: 20,000 of them (2 MB) are read and
  // the request served. What matters here is that they cost memory only while the request lasts.
  std::string many = "GET /work HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 20000; ++i) many += "X-H" + std::to_string(i) + ": " + std::string(90, 'c') + "\r\n";
  CHECK(send_raw(b.port(), many + "\r\n") == 200);
  check_healthy(b, "20,000 headers");

  // Bodies beyond the 64 KB payload bound: sent, announced but never sent, and chunked (refused
  // before it is read, authorised or not, whatever the path).
  const std::string auth = "Authorization: Bearer tok\r\n";
  CHECK(send_raw(b.port(), "POST /admin/faults HTTP/1.1\r\nHost: x\r\n" + auth +
                               "Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n" +
                               std::string(1 << 20, ' ')) == 413);
  check_healthy(b, "1 MB body");
  CHECK(send_raw(b.port(), "POST /admin/faults HTTP/1.1\r\nHost: x\r\n" + auth +
                               "Content-Length: 10000000000\r\n\r\n{") == 413);
  check_healthy(b, "10 GB announced body");
  for (const std::string path : {"/admin/faults", "/nowhere"}) {
    CAPTURE(path);
    // The answer comes after the head and the first 1 MB chunk; the other 63 MB find the
    // connection closed.
    RawConn c(b.port());
    REQUIRE(c.connected());
    const std::string chunk = "100000\r\n" + std::string(0x100000, ' ') + "\r\n";
    c.send_all("POST " + path + " HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n" + chunk);
    const std::string response = c.read(10s, true);
    CHECK(status_of(response) == 411);
    CHECK(response.find("Connection: close") != std::string::npos);
    std::size_t sent = 0;
    for (int i = 1; i < 64; ++i) sent += c.send_all(chunk, 2s);
    CHECK(sent < 63u * chunk.size());
    check_healthy(b, "64 MB chunked body");
  }

  const long after_kb = rss_kb(b.pid());
  const long peak_kb = peak.stop();
  MESSAGE("backend RSS under one round of oversized inputs: idle " << idle_kb << " kB, peak " << peak_kb
                                                                    << " kB, after " << after_kb << " kB");
  CHECK(peak_kb - idle_kb < kRssGrowthBoundKb);
}

// httplib 0.11 reads a whole header line, and any number of header lines, before it can refuse
// them. With glibc's defaults (an arena per worker thread, a mmap threshold that rises to the
// largest block freed) rounds of this ratcheted a backend from 10 to 175-226 MB, past the
// container's 128 MiB limit; `chaoslab backend` now caps arenas and fixes the threshold
// (app/cmd_backend.cpp). Four senders at once so that several workers allocate. Sanitizer builds
// use their own allocator: not run there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerAllocator = true;
#else
constexpr bool kSanitizerAllocator = false;
#endif
TEST_CASE("abuse: repeated oversized header sets stay within the memory bound" * doctest::skip(kSanitizerAllocator)) {
  BackendProcess b;
  REQUIRE_MESSAGE(b.port() > 0, b.stderr_text());
  const long idle_kb = rss_kb(b.pid());
  std::string many = "GET /work HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 20000; ++i) many += "X-H" + std::to_string(i) + ": " + std::string(90, 'c') + "\r\n";
  many += "\r\n";
  const std::string big = "GET /work HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4 << 20, 'b') + "\r\n\r\n";
  PeakRss peak(b.pid());
  std::atomic<int> many_ok{0}, big_refused{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (send_raw(b.port(), many) == 200) ++many_ok;
        if (send_raw(b.port(), big) == 400) ++big_refused;
      }
    });
  for (auto& t : senders) t.join();
  const long peak_kb = peak.stop();
  const long after_kb = rss_kb(b.pid());
  MESSAGE("backend RSS over 4 x 10 x (20,000 headers + one 4 MB header line): idle " << idle_kb << " kB, peak "
                                                                                     << peak_kb << " kB, after "
                                                                                     << after_kb << " kB");
  CHECK(many_ok == 40);
  CHECK(big_refused == 40);
  check_healthy(b, "repeated oversized headers");
  CHECK(peak_kb - idle_kb < kRssGrowthBoundKb);
  CHECK(after_kb - idle_kb < kRssGrowthBoundKb);
}

TEST_CASE("abuse: invalid methods, versions, paths and bytes get a 4xx or a closed connection") {
  BackendProcess b;
  REQUIRE_MESSAGE(b.port() > 0, b.stderr_text());
  const std::vector<std::string> requests = {
      "FOO /work HTTP/1.1\r\nHost: x\r\n\r\n",
      "TRACE /work HTTP/1.1\r\nHost: x\r\n\r\n",
      "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
      "PUT /admin/faults HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
      "DELETE /work HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /work HTTP/9.9\r\nHost: x\r\n\r\n",
      "GET /work\r\n\r\n",
      "GET\r\n\r\n",
      "GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /work%00.txt HTTP/1.1\r\nHost: x\r\n\r\n",
      std::string("GET /wo\0rk HTTP/1.1\r\nHost: x\r\n\r\n", 32),
      "GET http://169.254.169.254/latest HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /admin/faults/../../work HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /work HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
      "GET /work HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      "POST /admin/faults HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /work HTTP/1.1\r\nHost: x\r\nBad header without colon\r\n\r\n",
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + std::string(200, '\xaa') + "\r\n\r\n",  // a TLS hello
      std::string(4096, '\xff') + "\r\n\r\n",
      "\r\n\r\n\r\n\r\n",
  };
  std::map<int, int> statuses;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    CAPTURE(i);
    std::string response;
    const int st = send_raw(b.port(), requests[i], &response);
    ++statuses[st];
    // 200 only where HTTP allows it: the path normalises to /work (or the body asks for /work).
    if (st == 200) CHECK(response.find("\"ok\":true") != std::string::npos);
    else CHECK_MESSAGE(refused(st), "request " << i << " answered " << st << ": " << response.substr(0, 200));
    REQUIRE(b.running());
  }
  const std::string summary = count_text(statuses);
  MESSAGE("answers to " << requests.size() << " invalid requests (status x count, 0 = closed):" << summary);
  check_healthy(b, "invalid requests");
}

TEST_CASE("abuse: the admin endpoints refuse every request without the exact bearer token") {
  BackendProcess b;
  REQUIRE_MESSAGE(b.port() > 0, b.stderr_text());
  const std::string body = R"({"action":"inject_errors","arguments":{"rate":1}})";
  const std::vector<std::string> bad_auth = {
      "",                                      // no header
      "Authorization: Bearer\r\n",             // no token
      "Authorization: Bearer \r\n",            // empty token
      "Authorization: Bearer to\r\n",          // a prefix
      "Authorization: Bearer tok2\r\n",        // longer
      "Authorization: Bearer TOK\r\n",         // case
      "Authorization: bearer tok\r\n",         // scheme case (RFC 7235 allows it; the backend does not)
      "Authorization: Basic dG9rOnRvaw==\r\n", // another scheme
      "Authorization: tok\r\n",                // no scheme
      "X-Authorization: Bearer tok\r\n",       // another header
  };
  for (const auto& method : {"POST", "GET", "DELETE"}) {
    for (const auto& a : bad_auth) {
      CAPTURE(method);
      CAPTURE(a);
      std::string req = std::string(method) + " /admin/faults HTTP/1.1\r\nHost: x\r\n" + a;
      if (std::string(method) == "POST")
        req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      else
        req += "\r\n";
      CHECK(send_raw(b.port(), req) == 401);
    }
  }
  // Nothing was applied: /work still answers 200 and the faults read back empty.
  CHECK(http_get(b.port(), "/work")->status == 200);
  auto state = http_get(b.port(), "/admin/faults", {{"Authorization", "Bearer tok"}});
  REQUIRE(state);
  REQUIRE(state->status == 200);
  CHECK(nlohmann::json::parse(state->body)["faults"]["errors"].is_null());

  // Without a configured token the endpoints do not exist at all.
  BackendProcess open_backend("");
  REQUIRE_MESSAGE(open_backend.port() > 0, open_backend.stderr_text());
  CHECK(send_raw(open_backend.port(), "POST /admin/faults HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \r\n"
                                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body) == 404);
}

TEST_CASE("abuse: concurrent admin calls and traffic; every answer is well-formed, the state consistent") {
  BackendProcess b;
  REQUIRE_MESSAGE(b.port() > 0, b.stderr_text());
  const std::vector<std::string> bodies = {
      R"({"action":"inject_latency","arguments":{"latency_ms":1,"duration_s":0.5}})",
      R"({"action":"inject_errors","arguments":{"rate":0.5,"status":503,"duration_s":0.5}})",
      R"({"action":"clear"})",
      R"({"action":"inject_errors","arguments":{"rate":2}})",  // invalid: 400
  };
  constexpr int kThreads = 8, kCalls = 60;
  std::atomic<int> ok{0}, bad_request{0}, other{0}, work_ok{0}, work_injected{0}, work_other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", b.port());
      c.set_read_timeout(10s);
      const httplib::Headers h{{"Authorization", "Bearer tok"}};
      for (int i = 0; i < kCalls; ++i) {
        auto call = [&]() -> httplib::Result {
          switch ((t + i) % 6) {
            case 4: return c.Get("/admin/faults", h);
            case 5: return c.Delete("/admin/faults", h);
            default: return c.Post("/admin/faults", h, bodies[static_cast<std::size_t>((t + i) % 6)], "application/json");
          }
        };
        const httplib::Result r = call();
        if (!r) {
          ++other;
          continue;
        }
        const bool parses = nlohmann::json::accept(r->body);
        if (r->status == 200 && parses) ++ok;
        else if (r->status == 400 && parses) ++bad_request;
        else ++other;
        auto w = c.Get("/work");
        if (w && w->status == 200) ++work_ok;
        else if (w && w->status == 503) ++work_injected;
        else ++work_other;
      }
    });
  }
  for (auto& th : threads) th.join();
  MESSAGE("concurrent admin (" << kThreads << " threads x " << kCalls << " calls): " << ok.load() << " applied, "
                                 << bad_request.load() << " rejected (400), " << other.load() << " other; /work: "
                                 << work_ok.load() << " ok, " << work_injected.load() << " injected 503, "
                                 << work_other.load() << " other");
  CHECK(other == 0);
  CHECK(work_other == 0);
  CHECK(ok + bad_request == kThreads * kCalls);
  CHECK(bad_request == kThreads * kCalls / 6);  // exactly the invalid bodies
  // The final state reads back and clears cleanly.
  httplib::Client c("127.0.0.1", b.port());
  auto cleared = c.Delete("/admin/faults", {{"Authorization", "Bearer tok"}});
  REQUIRE(cleared);
  CHECK(cleared->status == 200);
  CHECK(http_get(b.port(), "/work")->status == 200);
  check_healthy(b, "concurrent admin calls");
}

namespace {

// `count` connections each dribble one header byte every 250 ms for `seconds` without ever
// finishing their request, while /healthz is probed once a second. Returns the probes.
std::vector<Probe> slowloris(BackendProcess& b, int count, int seconds) {
  std::vector<RawConn> slow;
  for (int i = 0; i < count; ++i) {
    slow.emplace_back(b.port());
    REQUIRE(slow.back().connected());
    slow.back().send_all("GET /work HTTP/1.1\r\nHost: x\r\n");
  }
  std::vector<Probe> probes;
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  for (int tick = 1; Clock::now() < end; ++tick) {
    for (auto& c : slow) c.send_all("X", 100ms);
    if (tick % 4 == 0) probes.push_back(probe_healthz(b.port(), 3s));
    std::this_thread::sleep_for(250ms);
  }
  double worst = 0;
  int answered = 0;
  for (const auto& p : probes) {
    worst = std::max(worst, p.seconds);
    if (p.status == 200 && p.seconds < kHealthzBoundS) ++answered;
  }
  MESSAGE("slowloris: " << count << " slow connections for " << seconds << " s against 32 workers; /healthz "
                        << "answered within " << kHealthzBoundS << " s " << answered << "/" << probes.size()
                        << " times, slowest " << worst << " s");
  return probes;
}

bool all_within_bound(const std::vector<Probe>& probes) {
  return !probes.empty() && std::all_of(probes.begin(), probes.end(), [](const Probe& p) {
    return p.status == 200 && p.seconds < kHealthzBoundS;
  });
}

}  // namespace

TEST_CASE("abuse: slow clients hold only their own workers; /healthz keeps answering") {
  BackendProcess b;  // 32 workers
  REQUIRE_MESSAGE(b.port() > 0, b.stderr_text());
  CHECK(all_within_bound(slowloris(b, 24, 5)));
  check_healthy(b, "slow clients gone");
}

// Known limitation (docs/reliability.md): httplib 0.11 serves a connection on one worker from its
// first byte, with a timeout per read and none per request, so as many never-finishing clients as
// workers starve every other request, /healthz included. Asserted as it stands, with the backend
// alive throughout and answering again once the slow clients go (a should_fail test would also
// pass if the backend crashed): once /healthz keeps answering this test fails, and the CHECK_FALSE
// turns into a CHECK.
TEST_CASE("abuse: as many slow clients as workers starve /healthz (known limitation)") {
  BackendProcess b;
  REQUIRE_MESSAGE(b.port() > 0, b.stderr_text());
  const auto probes = slowloris(b, 40, 4);
  REQUIRE_FALSE(probes.empty());
  CHECK_FALSE_MESSAGE(all_within_bound(probes),
                      "/healthz kept answering: the limitation is fixed, assert that instead");
  check_healthy(b, "starving slow clients gone");
}

TEST_CASE("abuse: 2,000 connections at once are all answered or shed; the backend stays healthy") {
  // Enough descriptors for the connections on both sides (the backend inherits the limit).
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  constexpr int kConns = 2000;
  if (lim.rlim_cur < 2 * kConns + 200 && lim.rlim_max >= 2 * kConns + 200) {
    lim.rlim_cur = 2 * kConns + 200;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  getrlimit(RLIMIT_NOFILE, &lim);
  REQUIRE_MESSAGE(lim.rlim_cur >= kConns + 100, "RLIMIT_NOFILE " << lim.rlim_cur << " is too low for the test");

  BackendProcess b;
  REQUIRE_MESSAGE(b.port() > 0, b.stderr_text());
  const long idle_kb = rss_kb(b.pid());
  // Each connection sends its request as soon as it is open, as clients do; one in ten keeps the
  // connection alive afterwards (a worker then waits up to the 2 s keep-alive timeout for its next
  // request), the others ask to close.
  const auto t0 = Clock::now();
  std::vector<RawConn> conns;
  conns.reserve(kConns);
  int connected = 0;
  for (int i = 0; i < kConns; ++i) {
    conns.emplace_back(b.port(), 10s);
    if (!conns.back().connected()) continue;
    ++connected;
    conns.back().send_all(i % 10 == 0 ? "GET /work HTTP/1.1\r\nHost: x\r\n\r\n"
                                : "GET /work HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                          2s);
  }
  const double connect_s = std::chrono::duration<double>(Clock::now() - t0).count();
  // A probe while every connection is open.
  const Probe during = probe_healthz(b.port(), 30s);
  // Every response, within 60 s overall.
  std::map<int, int> statuses;
  std::vector<std::string> got(conns.size());
  std::vector<bool> done(conns.size(), false);
  std::size_t remaining = conns.size();
  const auto deadline = Clock::now() + 60s;
  while (remaining > 0 && Clock::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < conns.size(); ++i)
      if (!done[i]) {
        fds.push_back({conns[i].fd(), POLLIN, 0});
        idx.push_back(i);
      }
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const std::size_t i = idx[k];
      char buf[4096];
      const ssize_t n = ::recv(conns[i].fd(), buf, sizeof buf, 0);
      if (n > 0) got[i].append(buf, static_cast<std::size_t>(n));
      const auto head_end = got[i].find("\r\n\r\n");
      if (n <= 0 || head_end != std::string::npos) {
        done[i] = true;
        --remaining;
        ++statuses[status_of(got[i])];
        conns[i].close();
      }
    }
  }
  const double all_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const long peak_kb = rss_kb(b.pid());
  const std::string summary = count_text(statuses);
  MESSAGE(kConns << " connections: " << connected << " connected in " << connect_s << " s, all answered in "
                 << all_s << " s:" << summary << " (status x count); /healthz during the flood: "
                 << during.status << " in " << during.seconds << " s; RSS " << idle_kb << " -> " << peak_kb
                 << " kB");
  CHECK(connected == kConns);
  CHECK(remaining == 0);
  CHECK(statuses[200] + statuses[503] == kConns);  // answered or shed, never dropped
  // Known limitation (docs/reliability.md): /healthz waits in the same queue as the flood, behind
  // keep-alive connections that each hold a worker for up to 2 s; a liveness probe with a 1 s
  // timeout can fail during such a flood. Reported, not asserted.
  WARN(during.status == 200);
  WARN(during.seconds < kHealthzBoundS);
  CHECK(peak_kb - idle_kb < kRssGrowthBoundKb);
  conns.clear();
  check_healthy(b, "2,000 connections");
}
