// `chaoslab report` end to end: real inputs (a simulated trace, a sweep, a hand-written lab log,
// a `chaoslab compare --out` result, a live output folder), the page opened in headless Chromium:
// every chart rendered, nothing on the console, a screenshot.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "live/process.hpp"
#include "sweep_process.hpp"

using chaoslab::test::run_chaoslab;
using chaoslab::test::ScratchDir;
using chaoslab::test::slurp;
namespace fs = std::filesystem;

namespace {

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    if (std::string path = chaoslab::live::find_on_path(name); !path.empty()) return path;
  return "";
}

struct BrowserRun {
  std::string dom;
  std::string console;  // Chromium's CONSOLE lines (every console message, errors and warnings)
  std::string layout_problems;  // text marks that overlap or leave their chart; empty when none
  int layout_texts = -1;        // text marks checked
};

// Appended to a copy of the report for the DOM dump: once every chart has rendered, walks each
// Vega view's scenegraph (window.chaoslabViews), takes the bounds of every visible text mark item
// (axis labels and titles, legends, labels drawn by the specs) in SVG coordinates, and writes on
// <body> the pairs that overlap by more than a pixel each way and the texts that leave the SVG.
const char* kLayoutCheck = R"js(
<script>
(function () {
  function texts(view) {
    var out = [];
    var o = view.origin();
    (function walk(mark, dx, dy) {
      (mark.items || []).forEach(function (item) {
        if (mark.marktype === 'text') {
          var b = item.bounds, t = item.text;
          if (Array.isArray(t)) t = t.join(' ');
          if (t === undefined || t === null || String(t) === '' || item.opacity === 0 || item.fillOpacity === 0) return;
          if (!b || b.x1 > b.x2) return;
          out.push({t: String(t), x1: b.x1 + dx, y1: b.y1 + dy, x2: b.x2 + dx, y2: b.y2 + dy});
        } else if (mark.marktype === 'group') {
          (item.items || []).forEach(function (m) { walk(m, dx + (item.x || 0), dy + (item.y || 0)); });
        }
      });
    })(view.scenegraph().root, o[0], o[1]);
    return out;
  }
  function check() {
    var problems = [], n = 0;
    Object.keys(window.chaoslabViews || {}).forEach(function (id) {
      var svg = document.querySelector('#' + id + ' svg');
      var w = +svg.getAttribute('width'), h = +svg.getAttribute('height');
      var ts = texts(window.chaoslabViews[id]);
      n += ts.length;
      ts.forEach(function (a, i) {
        if (a.x1 < -1 || a.y1 < -1 || a.x2 > w + 1 || a.y2 > h + 1)
          problems.push(id + ': [' + a.t + '] outside the ' + w + 'x' + h + ' view');
        for (var j = i + 1; j < ts.length; ++j) {
          var b = ts[j];
          var ox = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1), oy = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
          if (ox > 1 && oy > 1) problems.push(id + ': [' + a.t + '] overlaps [' + b.t + ']');
        }
      });
    });
    document.body.dataset.layoutTexts = String(n);
    document.body.dataset.layoutProblems = problems.join(' ; ').replace(/"/g, "'");
  }
  var timer = setInterval(function () {
    if (document.body.dataset.chartsRendered || document.body.dataset.chartsFailed) {
      clearInterval(timer);
      check();
    }
  }, 50);
})();
</script>
)js";

std::string unescape_html(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  }
  return s;
}

std::string dom_attribute(const std::string& dom, const std::string& name) {
  const std::string open = name + "=\"";
  const auto at = dom.find(open);
  if (at == std::string::npos) return "";
  const auto end = dom.find('"', at + open.size());
  return unescape_html(dom.substr(at + open.size(), end - at - open.size()));
}

BrowserRun open_in_chromium(const std::string& chromium, const fs::path& html, const ScratchDir& s,
                            const fs::path& screenshot) {
  auto base = [&](const std::string& profile) {
    return std::vector<std::string>{chromium,        "--headless",          "--no-sandbox",
                                    "--disable-gpu", "--disable-quic",      "--no-first-run",
                                    "--disable-background-networking",      "--disable-component-update",
                                    "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + (s / profile).string(),
                                    "--virtual-time-budget=20000"};
  };
  // The DOM dump opens a copy with the layout check; the screenshot shows the page as shipped.
  const fs::path checked = html.string() + ".layout-check.html";
  {
    std::string page = slurp(html);
    const auto body_end = page.rfind("</body>");
    page.insert(body_end == std::string::npos ? page.size() : body_end, kLayoutCheck);
    std::ofstream(checked, std::ios::binary) << page;
  }
  auto dump = base("profile-dom");
  dump.insert(dump.end(), {"--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + checked.string()});
  const auto r = chaoslab::test::run(dump, s.dir);
  BrowserRun out;
  out.dom = r.out;
  const std::string n_texts = dom_attribute(out.dom, "data-layout-texts");
  out.layout_texts = n_texts.empty() ? -1 : std::stoi(n_texts);
  out.layout_problems = dom_attribute(out.dom, "data-layout-problems");
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);)
    if (line.find(":CONSOLE") != std::string::npos) out.console += line + "\n";
  auto shot = base("profile-shot");
  shot.insert(shot.end(), {"--window-size=1280,2600", "--screenshot=" + screenshot.string(), "file://" + html.string()});
  chaoslab::test::run(shot, s.dir);
  return out;
}

// Chart containers chart-1..chart-N of the dumped DOM that hold an <svg>.
int drawn_charts(const std::string& dom, int charts) {
  int drawn = 0;
  for (int i = 1; i <= charts; ++i) {
    const std::string open = "id=\"chart-" + std::to_string(i) + "\"";
    const auto at = dom.find(open);
    if (at == std::string::npos) continue;
    const auto svg = dom.find("<svg", at);
    const auto next = dom.find("id=\"chart-" + std::to_string(i + 1) + "\"", at);
    drawn += svg != std::string::npos && (next == std::string::npos || svg < next) ? 1 : 0;
  }
  return drawn;
}

int charts_printed(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(\((\d+) charts\))"))) return -1;
  return std::stoi(m[1]);
}

// Opens the report in headless Chromium and checks what every report test needs: a silent
// console, all `charts` rendered and drawn as SVG, no failed chart or page error, and a
// screenshot saved. Returns the run for further checks; nothing when there is no Chromium.
std::optional<BrowserRun> check_in_browser(const fs::path& html, const ScratchDir& s, const fs::path& screenshot,
                                           int charts) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    MESSAGE("SKIPPED the browser part: no chromium in PATH (scripts/install-deps installs Debian's chromium)");
    return std::nullopt;
  }
  BrowserRun b = open_in_chromium(chromium, html, s, screenshot);
  CHECK(b.console == "");
  CHECK(b.dom.find("data-charts-rendered=\"" + std::to_string(charts) + "\"") != std::string::npos);
  CHECK(b.dom.find("data-charts-failed") == std::string::npos);
  CHECK(b.dom.find("data-page-errors") == std::string::npos);
  // Every chart container holds a drawn SVG.
  CHECK(drawn_charts(b.dom, charts) == charts);
  // No text mark overlaps another or leaves its chart (the check saw the texts: it ran).
  CHECK(b.layout_texts > 3 * charts);
  CHECK_MESSAGE(b.layout_problems == "", b.layout_problems);
  MESSAGE(b.layout_texts << " text marks in " << charts << " charts, none overlapping or outside the view");
  REQUIRE(fs::exists(screenshot));
  CHECK(fs::file_size(screenshot) > 50000);  // a blank 1280x2600 PNG is a few kB
  MESSAGE("screenshot: " << screenshot.string());
  return b;
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
  const fs::path cmp = s / "compare.json";
  const auto c = run_chaoslab({"compare", scenario, "--observed", trace.string(), "--seeds", "40", "--out",
                               cmp.string()},
                              s.dir);
  REQUIRE((c.exit_code == 0 || c.exit_code == 1));

  const fs::path html = s / "report.html";
  const auto r = run_chaoslab({"report", (s / "sweep").string(), trace.string(), (s / "client.log").string(),
                               cmp.string(), "-o", html.string(), "--title", "chaoslab </script> test"},
                              s.dir);
  REQUIRE(r.exit_code == 0);
  const int charts = charts_printed(r.out);
  // sweep: 4 heatmaps, 4 metric-vs-axis, 2 distributions; trace: Figure C, B, latency; lab log;
  // compare: the percentile chart and an ECDF per duration sample
  CHECK(charts >= 16);

  const std::string page = slurp(html);
  // Self-contained: no external scripts, styles or frames; a CSP that forbids every fetch.
  CHECK(page.find("<script src") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("<iframe") == std::string::npos);
  CHECK(page.find("default-src 'none'") != std::string::npos);
  CHECK(page.find("chaoslab &lt;/script&gt; test") != std::string::npos);
  CHECK(page.find("sourceMappingURL") == std::string::npos);

  const auto b = check_in_browser(html, s, fs::current_path() / "report-screenshot.png", charts);
  if (b)
    CHECK(b->dom.find("<title>chaoslab &lt;/script&gt; test (" + std::to_string(charts) + " charts)</title>") !=
          std::string::npos);
}

TEST_CASE("report: a compare result is a section with the verdict, every metric and an ECDF per duration") {
  // The observed run comes from another backend (failure rate 0.3, not the lab's 0.7), so the
  // section must show a failing comparison and where it fails.
  ScratchDir s("report-compare");
  const std::string scenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-phase-b.json";
  const fs::path trace = s / "other.jsonl";
  REQUIRE(run_chaoslab({"run", scenario, "--seed", "987654", "--set", "/duration_s=300", "--set",
                        "/backend/failure_rate=0.3", "--trace", trace.string()},
                       s.dir)
              .exit_code == 0);
  const fs::path cmp = s / "cmp.json";
  const auto c = run_chaoslab({"compare", scenario, "--observed", trace.string(), "--seeds", "60", "--json",
                               "--out", cmp.string()},
                              s.dir);
  REQUIRE(c.exit_code == 1);  // outside the band, and the file is written all the same
  CHECK(slurp(cmp) == c.out);  // --out holds exactly what --json prints
  const auto j = nlohmann::json::parse(c.out);
  CHECK(j["format"] == "chaoslab-compare/1");
  REQUIRE(j["durations"].size() == 3);
  for (const auto& d : j["durations"]) {
    // ECDF points start at (min, 0), rise, and end at F = 1.
    const auto& o = d["ecdf"]["observed"];
    REQUIRE(o.size() >= 2);
    CHECK(o[0][1] == 0.0);
    CHECK(o[o.size() - 1][1] == 1.0);
    CHECK(d["ecdf"]["simulated"].size() <= 301);  // the pooled sample is thinned to 300 ranks
    CHECK(d["ks"]["d"].get<double>() ==
          doctest::Approx(std::fabs(d["ks"]["observed_cdf_at"].get<double>() - d["ks"]["simulated_cdf_at"].get<double>())));
  }

  const fs::path html = s / "compare.html";
  const auto r = run_chaoslab({"report", cmp.string(), "-o", html.string(), "--title", "compare"}, s.dir);
  REQUIRE(r.exit_code == 0);
  const int charts = charts_printed(r.out);
  CHECK(charts == 4);  // the percentile chart and three ECDFs
  const std::string page = slurp(html);
  CHECK(page.find(cmp.string() + " (compare result)") != std::string::npos);
  CHECK(page.find("Compare (FAIL): " + trace.string() + " against the simulator") != std::string::npos);
  CHECK(page.find("Verdict: FAIL (compare exits 1). Outside the simulated 1st to 99th percentile band: ") !=
        std::string::npos);
  CHECK(page.find("calls_per_min.ok") != std::string::npos);
  // Every metric of the comparison is a table row (its name as the row's first cell), failures highlighted.
  for (const auto& m : j["metrics"]) {
    const std::string name = m["name"].get<std::string>() + (m["main"] == true ? " *" : "");
    CHECK_MESSAGE(page.find("<td>" + name + "</td>") != std::string::npos, name);
  }
  CHECK(page.find("<tr class=\"hl\"><td>calls_per_min.ok *</td>") != std::string::npos);
  CHECK(page.find("\"interpolate\":\"step-after\"") != std::string::npos);
  CHECK(page.find("Retry waits: observed against simulated (KS D = ") != std::string::npos);
  CHECK(page.find("OPEN durations: observed against simulated (KS D = ") != std::string::npos);

  check_in_browser(html, s, fs::current_path() / "report-compare-screenshot.png", charts);
}

TEST_CASE("report: the lab's own logs draw Figures C and B") {
  const fs::path lab = "/work/shared/lab3-reference/result";
  if (!fs::exists(lab / "c/chaos_client.log") || !fs::exists(lab / "b1/client.log")) {
    MESSAGE("skipped: the lab's reference logs are not on this machine");
    return;
  }
  ScratchDir s("report-lab");
  const fs::path html = s / "lab.html";
  const auto r = run_chaoslab({"report", (lab / "c/chaos_client.log").string(), (lab / "b1/client.log").string(), "-o",
                               html.string()},
                              s.dir);
  REQUIRE(r.exit_code == 0);
  const int charts = charts_printed(r.out);
  CHECK(charts == 6);  // per log: Figure C, Figure B, latency
  const std::string page = slurp(html);
  std::size_t figure_c = 0, figure_b = 0;
  for (auto at = page.find("(the lab&#39;s Figure C)"); at != std::string::npos; at = page.find("(the lab&#39;s Figure C)", at + 1))
    ++figure_c;
  for (auto at = page.find("(the lab&#39;s Figure B)"); at != std::string::npos; at = page.find("(the lab&#39;s Figure B)", at + 1))
    ++figure_b;
  CHECK(figure_c == 2);
  CHECK(figure_b == 2);
  check_in_browser(html, s, s / "lab.png", charts);
}

TEST_CASE("report: a live output folder is read like its trace") {
  ScratchDir s("report-live-dir");
  const std::string scenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";
  fs::create_directories(s / "live");
  REQUIRE(run_chaoslab({"run", scenario, "--seed", "3", "--set", "/duration_s=120", "--trace",
                        (s / "live/trace.jsonl").string()},
                       s.dir)
              .exit_code == 0);
  const auto r = run_chaoslab({"report", (s / "live").string(), "-o", (s / "r.html").string()}, s.dir);
  REQUIRE(r.exit_code == 0);
  const std::string page = slurp(s / "r.html");
  CHECK(page.find((s / "live").string() + " (live run)") != std::string::npos);
  CHECK(page.find("Breaker state timeline (the lab&#39;s Figure C)") != std::string::npos);
}

TEST_CASE("report: a malformed compare result is exit 2 naming the field") {
  ScratchDir s("report-compare-bad");
  auto err = [&](const std::string& text) {
    std::ofstream(s / "c.json") << text;
    const auto r = run_chaoslab({"report", (s / "c.json").string(), "-o", (s / "r.html").string()}, s.dir);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(fs::exists(s / "r.html"));
    return r.err;
  };
  const std::string f = (s / "c.json").string();
  CHECK(err(R"({"format":"chaoslab-compare/1"})") == "chaoslab: error: " + f + ": /scenario: missing\n");
  CHECK(err(R"({"format":"chaoslab-compare/1","scenario":"x","observed":{"file":"o","format":"trace","duration_s":60},
    "runs":10,"seed":1,"band":{"low_pct":1,"high_pct":99},"simulated_duration_s":60,"pass":true,
    "metrics":[{"name":"calls_per_min.ok","main":true,"observed":"many"}],"durations":[]})") ==
        "chaoslab: error: " + f + ": /metrics/0/observed: expected a number or null\n");
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
            ": a directory without runs.jsonl or trace.jsonl (expected the --out directory of `chaoslab sweep`, "
            "`chaoslab tune` or `chaoslab live`)\n");
  std::ofstream(s / "notes.txt") << "hello\nworld\n";
  CHECK(err((s / "notes.txt").string()) == "chaoslab: error: " + (s / "notes.txt").string() +
                                               ": not a chaoslab trace (JSON lines), a compare result, a sweep directory or a lab client log\n");
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

TEST_CASE("report: sweeps with discrete integer, log-spaced and 12-level axes, and a tune, stay readable") {
  ScratchDir s("report-axes");
  const std::string scenario = std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json";
  // replicas 1 and 3 (a 2-level integer axis) x 12 log-spaced cool-downs, short runs.
  std::ofstream(s / "axes.json") << R"({"scenario": ")" + scenario + R"(", "set": {"/duration_s": 90},
    "axes": [{"name": "replicas", "pointer": "/kubernetes/replicas", "values": [1, 3]},
             {"name": "cooldown_s", "pointer": "/policies/breaker/reset_timeout", "log": {"from": 0.5, "to": 40, "count": 12}}],
    "seeds": 3})";
  REQUIRE(run_chaoslab({"sweep", (s / "axes.json").string(), "-o", (s / "axes").string(), "-q"}, s.dir).exit_code == 0);
  // 4 seeds are too few for a recommendation (exit 1), but tune.json and its evidence are written.
  const int tuned = run_chaoslab({"tune", scenario, "--set", "/duration_s=120", "--seeds", "4", "--pilot-seeds", "4", "-o",
                                  (s / "tune").string(), "-q"},
                                 s.dir)
                        .exit_code;
  REQUIRE((tuned == 0 || tuned == 1));
  REQUIRE(fs::exists(s / "tune" / "tune.json"));
  for (const std::string input : {"axes", "tune"}) {
    CAPTURE(input);
    const fs::path html = s / (input + ".html");
    const auto r = run_chaoslab({"report", (s / input).string(), "-o", html.string()}, s.dir);
    REQUIRE(r.exit_code == 0);
    const std::string page = slurp(html);
    if (input == "axes") {
      // Axis titles for people, discrete levels on ordinal axes, rounded labels.
      CHECK(page.find("\"title\":\"cool-down (s)\"") != std::string::npos);
      CHECK(page.find("\"title\":\"replicas\",\"type\":\"ordinal\"") != std::string::npos);
      CHECK(page.find("\"format\":\".3~r\"") != std::string::npos);
      CHECK(page.find("\"facet\"") != std::string::npos);  // 12 cool-downs: small multiples, not 12 colours
    }
    check_in_browser(html, s, fs::current_path() / ("report-" + input + "-screenshot.png"), charts_printed(r.out));
  }
}
