// Shared pieces of the live and app tests: an in-process backend on a loopback port, short HTTP
// helpers, and a Prometheus text-format checker (with promtool when it is installed).
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <cmath>
#include <thread>
#include <vector>

#include <httplib.h>

#include "live/backend.hpp"
#include "live/process.hpp"

namespace chaoslab::testing {

inline void ignore_sigpipe() {
  static const bool once = [] {
    signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)once;
}

// Polls `done` until it holds or `limit` passes; false on timeout. Live tests wait for the state
// they check with this, never for a fixed sleep that a busy machine can outrun.
template <class Pred>
bool wait_until(Pred done, std::chrono::milliseconds limit = std::chrono::seconds(10),
                std::chrono::milliseconds step = std::chrono::milliseconds(2)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

// A BackendServer on 127.0.0.1 with a free port, served on its own thread.
class RunningBackend {
 public:
  explicit RunningBackend(live::BackendConfig cfg) {
    ignore_sigpipe();
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    server_ = std::make_unique<live::BackendServer>(std::move(cfg));
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  ~RunningBackend() { stop(); }
  int stop() {
    if (!thread_.joinable()) return 0;
    const int cut = server_->stop();
    thread_.join();
    return cut;
  }
  int port() const { return port_; }
  live::BackendServer& server() { return *server_; }
  // Waits until n /work requests are being served (holding their slots).
  bool wait_in_flight(int n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return wait_until([&] { return server_->in_flight() >= n; }, limit);
  }
  // Waits until exactly n /work slots are in use.
  bool wait_busy_workers(int n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return wait_until([&] { return server_->busy_workers() == n; }, limit);
  }
  std::string url(const std::string& path = "/work") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  std::unique_ptr<live::BackendServer> server_;
  int port_ = 0;
  std::thread thread_;
};

inline httplib::Result http_get(int port, const std::string& path, httplib::Headers headers = {},
                                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(timeout);
  c.set_read_timeout(timeout);
  return c.Get(path.c_str(), headers);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh directory under the system temp dir, removed by the caller's scope when wanted.
inline std::string temp_dir(const std::string& tag) {
  std::string tmpl = "/tmp/chaoslab-test-" + tag + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return "/tmp";
  return tmpl;
}

// Checks the Prometheus text exposition format 0.0.4: HELP/TYPE before samples, sample syntax,
// one family per name, histogram buckets cumulative with +Inf == _count. Returns the problems.
inline std::vector<std::string> check_exposition(const std::string& text) {
  std::vector<std::string> errors;
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*)?\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$)");
  static const std::regex type_line(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  std::map<std::string, std::string> types;
  std::map<std::string, double> last_bucket;  // series key without le -> last cumulative value
  std::map<std::string, double> inf_bucket;
  std::map<std::string, double> counts;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      if (!std::regex_match(line, m, type_line)) errors.push_back("line " + std::to_string(n) + ": bad TYPE");
      else if (!types.emplace(m[1], m[2]).second) errors.push_back("line " + std::to_string(n) + ": TYPE twice for " + m[1].str());
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    if (!std::regex_match(line, m, sample)) {
      errors.push_back("line " + std::to_string(n) + ": bad sample: " + line);
      continue;
    }
    std::string name = m[1];
    const std::string labels = m[3];
    const std::string text_value = m[7];
    const double value = text_value == "+Inf" ? INFINITY : std::strtod(text_value.c_str(), nullptr);
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
          types.count(name.substr(0, name.size() - s.size())) &&
          types[name.substr(0, name.size() - s.size())] == "histogram")
        family = name.substr(0, name.size() - s.size());
    }
    if (!types.count(family)) {
      errors.push_back("line " + std::to_string(n) + ": sample before its TYPE: " + name);
      continue;
    }
    if (types[family] == "counter" && value < 0) errors.push_back("line " + std::to_string(n) + ": negative counter");
    const auto ends_with = [&](std::string_view suffix) {
      return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (family != name && ends_with("_bucket")) {
      static const std::regex le(R"re((^|,)le="([^"]*)")re");
      std::smatch lm;
      if (!std::regex_search(labels, lm, le)) {
        errors.push_back("line " + std::to_string(n) + ": bucket without le");
        continue;
      }
      const std::string key = family + "{" + std::regex_replace(labels, le, "") + "}";
      if (last_bucket.count(key) && value < last_bucket[key])
        errors.push_back("line " + std::to_string(n) + ": buckets not cumulative");
      last_bucket[key] = value;
      if (lm[2] == "+Inf") inf_bucket[key] = value;
    } else if (family != name && ends_with("_count")) {
      counts[family + "{" + labels + "}"] = value;
    }
  }
  for (const auto& [key, v] : inf_bucket)
    if (!counts.count(key) || counts[key] != v) errors.push_back(key + ": +Inf bucket != _count");
  return errors;
}

// promtool's verdict when it is installed (Debian package prometheus): "" when it passed or is
// absent, else its output.
inline std::string promtool_check(const std::string& text, bool* ran = nullptr) {
  if (ran) *ran = false;
  const std::string promtool = live::find_on_path("promtool");
  if (promtool.empty()) return "";
  const std::string dir = temp_dir("prom");
  std::ofstream(dir + "/metrics.txt") << text;
  live::SpawnOptions o;
  o.stdin_path = dir + "/metrics.txt";
  o.stdout_path = dir + "/out.txt";
  o.stderr_path = dir + "/out.txt";
  o.append = true;
  live::ChildProcess p({promtool, "check", "metrics"}, o);
  const auto st = p.wait();
  if (ran) *ran = true;
  return st.code == 0 ? "" : read_text(dir + "/out.txt") + " (exit " + std::to_string(st.code) + ")";
}

}  // namespace chaoslab::testing
