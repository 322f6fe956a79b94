// `chaoslab report` end to end: real inputs (a simulated trace, a sweep, a hand-written lab log),
// the page opened in headless Chromium: every chart rendered, nothing on the console, a screenshot.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>

#include "sweep_process.hpp"

using chaoslab::test::run_chaoslab;
using chaoslab::test::ScratchDir;
using chaoslab::test::slurp;
namespace fs = std::filesystem;

namespace {

std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::size_t start = 0;
    while (start <= p.size()) {
      const std::size_t end = p.find(':', start);
      const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
      const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return "";
}

struct BrowserRun {
  std::string dom;
  std::string console;  // Chromium's CONSOLE lines (every console message, errors and warnings)
};

BrowserRun open_in_chromium(const std::string& chromium, const fs::path& html, const ScratchDir& s,
                            const fs::path& screenshot) {
  auto base = [&](const std::string& profile) {
    return std::vector<std::string>{chromium,        "--headless",          "--no-sandbox",
                                    "--disable-gpu", "--disable-quic",      "--no-first-run",
                                    "--disable-background-networking",      "--disable-component-update",
                                    "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + (s / profile).string(),
                                    "--virtual-time-budget=20000"};
  };
  auto dump = base("profile-dom");
  dump.insert(dump.end(), {"--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + html.string()});
  const auto r = chaoslab::test::run(dump, s.dir);
  BrowserRun out;
  out.dom = r.out;
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);)
    if (line.find(":CONSOLE") != std::string::npos) out.console += line + "\n";
  auto shot = base("profile-shot");
  shot.insert(shot.end(), {"--window-size=1280,2600", "--screenshot=" + screenshot.string(), "file://" + html.string()});
  chaoslab::test::run(shot, s.dir);
  return out;
}

// A few lines in the lab client's log format, written by hand: a trip, a rejected call, a trial
// that fails, a trial that succeeds.
const char* kLabLog =
    "INFO:     Started server process [1]\n"
    "2025-11-07 13:18:01,761 INFO HTTP Request: GET http://backend.lab3.svc.cluster.local:8000/work \"HTTP/1.1 200 OK\"\n"
    "2025-11-07 13:18:01,762 INFO Breaker=CLOSED result={'ok': True, 'ts': 1762521481.7607224}\n"
    "2025-11-07 13:18:02,070 INFO Breaker=CLOSED result={'error': 'timed out'}\n"
    "2025-11-07 13:18:04,689 INFO HTTP Request: GET http://backend.lab3.svc.cluster.local:8000/work \"HTTP/1.1 500 Internal Server Error\"\n"
    "2025-11-07 13:18:04,689 WARNING Retrying main.fetch_with_retry in 1.372659907494004 seconds as it raised TransientError: server error 500.\n"
    "2025-11-07 13:18:06,100 INFO HTTP Request: GET http://backend.lab3.svc.cluster.local:8000/work \"HTTP/1.1 500 Internal Server Error\"\n"
    "2025-11-07 13:18:06,101 INFO Breaker=CLOSED result={'error': 'server error 500'}\n"
    "2025-11-07 13:18:08,500 INFO HTTP Request: GET http://backend.lab3.svc.cluster.local:8000/work \"HTTP/1.1 500 Internal Server Error\"\n"
    "2025-11-07 13:18:08,501 WARNING Retrying main.fetch_with_retry in 1.1 seconds as it raised TransientError: server error 500.\n"
    "2025-11-07 13:18:10,192 INFO HTTP Request: GET http://backend.lab3.svc.cluster.local:8000/work \"HTTP/1.1 500 Internal Server Error\"\n"
    "2025-11-07 13:18:10,192 WARNING [CB Transition] CLOSED -> OPEN\n"
    "2025-11-07 13:18:10,193 WARNING Breaker OPEN: fast-fail without calling backend\n"
    "2025-11-07 13:18:10,193 INFO Breaker=CLOSED result={'error': 'circuit breaker open'}\n"
    "2025-11-07 13:18:10,494 WARNING Breaker OPEN: fast-fail without calling backend\n"
    "2025-11-07 13:18:10,494 INFO Breaker=OPEN result={'error': 'circuit breaker open'}\n"
    "2025-11-07 13:18:11,300 WARNING [CB Transition] OPEN -> HALF-OPEN\n"
    "2025-11-07 13:18:11,310 INFO HTTP Request: GET http://backend.lab3.svc.cluster.local:8000/work \"HTTP/1.1 200 OK\"\n"
    "2025-11-07 13:18:11,311 WARNING [CB Transition] HALF-OPEN -> CLOSED\n"
    "2025-11-07 13:18:11,311 INFO Breaker=OPEN result={'ok': True, 'ts': 1762521491.3107224}\n";

}  // namespace

TEST_CASE("report: trace, sweep and lab log render in headless Chromium with no console output") {
  ScratchDir s("report");
  const std::string scenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";
  const fs::path trace = s / "lab3-chaos.trace.jsonl";
  REQUIRE(run_chaoslab({"run", scenario, "--seed", "3", "--trace", trace.string()}, s.dir).exit_code == 0);

  std::ofstream(s / "sweep.json") << R"({"scenario": ")" + scenario + R"(", "set": {"/duration_s": 120},
    "axes": [{"name": "cooldown_s", "pointer": "/policies/breaker/reset_timeout", "values": [0.5, 2, 8]},
             {"name": "restart", "profiles": [
               {"name": "fast", "set": {"/kubernetes/app_start_s": {"type": "constant", "value": 0.3}}},
               {"name": "slow", "set": {"/kubernetes/app_start_s": {"type": "constant", "value": 6}}}]}],
    "seeds": 20})";
  REQUIRE(run_chaoslab({"sweep", (s / "sweep.json").string(), "--out", (s / "sweep").string()}, s.dir).exit_code == 0);
  std::ofstream(s / "client.log") << kLabLog;

  const fs::path html = s / "report.html";
  const auto r = run_chaoslab({"report", (s / "sweep").string(), trace.string(), (s / "client.log").string(), "-o",
                               html.string(), "--title", "chaoslab </script> test"},
                              s.dir);
  REQUIRE(r.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex(R"(\((\d+) charts\))")));
  const int charts = std::stoi(m[1]);
  CHECK(charts >= 12);  // sweep: 4 heatmaps, 4 metric-vs-axis, 2 distributions; trace: Figure C, B, latency; lab log

  const std::string page = slurp(html);
  // Self-contained: no external scripts, styles or frames; a CSP that forbids every fetch.
  CHECK(page.find("<script src") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("<iframe") == std::string::npos);
  CHECK(page.find("default-src 'none'") != std::string::npos);
  CHECK(page.find("chaoslab &lt;/script&gt; test") != std::string::npos);
  CHECK(page.find("sourceMappingURL") == std::string::npos);

  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    MESSAGE("SKIPPED the browser part: no chromium in PATH (scripts/install-deps installs Debian's chromium)");
    return;
  }
  const fs::path screenshot = fs::current_path() / "report-screenshot.png";
  const BrowserRun b = open_in_chromium(chromium, html, s, screenshot);
  CHECK(b.console == "");
  CHECK(b.dom.find("data-charts-rendered=\"" + std::to_string(charts) + "\"") != std::string::npos);
  CHECK(b.dom.find("data-charts-failed") == std::string::npos);
  CHECK(b.dom.find("data-page-errors") == std::string::npos);
  CHECK(b.dom.find("<title>chaoslab &lt;/script&gt; test (" + std::to_string(charts) + " charts)</title>") != std::string::npos);
  // Every chart container holds a drawn SVG.
  int drawn = 0;
  for (int i = 1; i <= charts; ++i) {
    const std::string open = "id=\"chart-" + std::to_string(i) + "\"";
    const auto at = b.dom.find(open);
    if (at == std::string::npos) continue;
    const auto svg = b.dom.find("<svg", at);
    const auto next = b.dom.find("id=\"chart-" + std::to_string(i + 1) + "\"", at);
    drawn += svg != std::string::npos && (next == std::string::npos || svg < next) ? 1 : 0;
  }
  CHECK(drawn == charts);
  REQUIRE(fs::exists(screenshot));
  CHECK(fs::file_size(screenshot) > 50000);  // a blank 1280x2600 PNG is a few kB
  MESSAGE("screenshot: " << screenshot.string());
}

TEST_CASE("report: a chart that cannot render is reported on the page and on the console") {
  // Guards the check above: a page with a broken spec must not pass as rendered.
  ScratchDir s("report-broken");
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    MESSAGE("SKIPPED: no chromium in PATH");
    return;
  }
  std::ofstream(s / "t.jsonl") << R"({"t":0,"event":"meta","source":"simulation","seed":1,"scenario":"x","schema":"chaoslab-trace/1"}
{"t":1.000000,"event":"call","client":0,"call":0,"outcome":"ok","raised":"none","attempts":1,"latency_ms":12.000,"state":"closed"}
{"t":1.000000,"event":"attempt","client":0,"call":0,"attempt":1,"outcome":"ok","status":200,"latency_ms":12.000}
)";
  REQUIRE(run_chaoslab({"report", (s / "t.jsonl").string(), "-o", (s / "ok.html").string()}, s.dir).exit_code == 0);
  std::string page = slurp(s / "ok.html");
  const auto at = page.find("\"mark\":{\"type\":\"bar\"");
  REQUIRE(at != std::string::npos);
  page.replace(at, 20, "\"mark\":{\"type\":\"nonsense\"");
  std::ofstream(s / "broken.html") << page;
  const BrowserRun b = open_in_chromium(chromium, s / "broken.html", s, s / "broken.png");
  CHECK(b.dom.find("data-charts-failed=\"1\"") != std::string::npos);
  CHECK(b.dom.find("data-charts-rendered") == std::string::npos);
  CHECK(b.console.find("chaoslab report: chart chart-") != std::string::npos);
}

TEST_CASE("report: inputs it cannot read are exit 2 with the path") {
  ScratchDir s("report-errors");
  auto err = [&](const std::string& input) {
    const auto r = run_chaoslab({"report", input, "-o", (s / "r.html").string()}, s.dir);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(fs::exists(s / "r.html"));
    return r.err;
  };
  CHECK(err((s / "missing").string()) == "chaoslab: error: " + (s / "missing").string() + ": no such file or directory\n");
  fs::create_directories(s / "empty-dir");
  CHECK(err((s / "empty-dir").string()) ==
        "chaoslab: error: " + (s / "empty-dir").string() +
            ": a directory without runs.jsonl (expected the --out directory of `chaoslab sweep` or `chaoslab tune`)\n");
  std::ofstream(s / "notes.txt") << "hello\nworld\n";
  CHECK(err((s / "notes.txt").string()) == "chaoslab: error: " + (s / "notes.txt").string() +
                                               ": not a chaoslab trace (JSON lines), a sweep directory or a lab client log\n");
  std::ofstream(s / "bad.jsonl") << "{\"t\":0,\"event\":\"meta\"}\n{\"t\":1,\"event\":\"call\",\"outcome\":\"ok\"}\n";
  CHECK(err((s / "bad.jsonl").string()) == "chaoslab: error: " + (s / "bad.jsonl").string() + ":2: /latency_ms: missing\n");
  std::ofstream(s / "odd.jsonl") << "{\"t\":0,\"event\":\"teleport\"}\n";
  CHECK(err((s / "odd.jsonl").string()) ==
        "chaoslab: error: " + (s / "odd.jsonl").string() +
            ":1: /event: unknown event \"teleport\" (expected meta, attempt, retry, call, transition, chaos or pod)\n");

  std::ofstream(s / "plain") << "x";
  std::ofstream(s / "ok.jsonl") << "{\"t\":0,\"event\":\"meta\",\"source\":\"simulation\"}\n";
  const auto r = run_chaoslab({"report", (s / "ok.jsonl").string(), "-o", (s / "plain/r.html").string()}, s.dir);
  CHECK(r.exit_code == 3);
  CHECK(r.err == "chaoslab: error: cannot write " + (s / "plain/r.html").string() + ": Not a directory\n");
}
