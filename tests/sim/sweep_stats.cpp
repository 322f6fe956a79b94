// The sweep statistics' DOM-free metric scan against the nlohmann path it replaces on the hot path,
// and the metrics read from a summary's numbers against the scan of its text.
#include "sim/sweep_stats.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sim/run.hpp"
#include "sim/scenario.hpp"

using nlohmann::json;
namespace sim = chaoslab::sim;

namespace {

// name -> values in order, as both paths give them (the order of names may differ).
std::multimap<std::string, double> by_name(const sim::RunMetrics& m) {
  std::multimap<std::string, double> out;
  std::size_t at = 0;
  for (double v : m.values) {
    const std::size_t nl = m.names.find('\n', at);
    REQUIRE(nl != std::string::npos);
    out.emplace(m.names.substr(at, nl - at), v);
    at = nl + 1;
  }
  CHECK(at == m.names.size());
  return out;
}

std::multimap<std::string, double> via_dom(const std::string& text) {
  std::multimap<std::string, double> out;
  for (const auto& [n, v] : sim::run_metrics(json::parse(text))) out.emplace(n, v);
  return out;
}

bool same_bits(const std::multimap<std::string, double>& a, const std::multimap<std::string, double>& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
    if (i->first != j->first || std::memcmp(&i->second, &j->second, sizeof(double)) != 0) return false;
  return true;
}

}  // namespace

TEST_CASE("scan_run_metrics gives run_metrics' names and values to the bit") {
  const std::vector<std::string> cases = {
      // The shape RunSummary::to_json writes.
      R"({"seed":7,"virtual_seconds":600.000000,"events":793,"calls":{"total":120,"ok":97,"http_5xx":3},)"
      R"("latency_ms":{"p50":1.234,"p95":null},"recovery":{"outage_s":2.500001,"time_to_closed_s":null},)"
      R"("retry_amplification":1.083333,"peak_backend_queue":null})",
      // Integers past 2^53 and past 64 bits, exponents, negatives, -0, decimals that round.
      R"({"a":18446744073709551615,"b":18446744073709551616,"c":-9223372036854775808,"d":1e300,)"
      R"("e":-0,"f":-0.0,"g":0.1,"h":2.5E-3,"i":123456789012345678901234567890,"j":9007199254740993})",
      // Arrays, strings with braces and escapes, booleans, nested objects, whitespace, empty ones.
      " { \"x\" : [1, {\"y\": 2}, \"}\"] , \"s\": \"a\\\"}{b\", \"t\": true, \"u\": false,\n"
      "   \"o\": {\"p\": {\"q\": 3.5}, \"e\": {}}, \"seed\": 99, \"n\": {\"seed\": 4} } ",
      // success_rate needs calls.total > 0 and both numbers; nested "calls" does not count.
      R"({"calls":{"ok":0,"total":0}})",
      R"({"calls":{"ok":3,"total":"4"}})",
      R"({"calls":{"ok":3}, "other":{"calls":{"ok":1,"total":2}}})",
      R"({"calls":{"total":8,"ok":6}})",
      R"({"calls":{"total":4,"ok":[7]},"z":[8]})",
      // Repeated keys (nlohmann keeps the last), escapes and non-ASCII text: handed to the DOM.
      R"({"a":1,"b":{"c":2},"a":3})",
      "{\"s\":\"\\u00e9\\n\",\"t\":\"caf\xc3\xa9\",\"k\":1}",
      // An escaped key: the scan hands over to the DOM, with the same result.
      R"({"a\u0062":1,"c\"d":{"e":2}})",
      // Not an object at the top.
      "42",
  };
  for (const auto& text : cases) {
    CAPTURE(text);
    sim::RunMetrics m;
    m.names = "stale\n";
    m.values = {1.0};
    sim::scan_run_metrics(text, m);
    CHECK(same_bits(by_name(m), via_dom(text)));
  }
  sim::RunMetrics m;
  sim::scan_run_metrics(R"({"calls":{"total":8,"ok":6},"seed":3})", m);
  CHECK(m.names == "calls.total\ncalls.ok\nsuccess_rate\n");
  CHECK(m.values == std::vector<double>{8, 6, 0.75});
}

TEST_CASE("scan_run_metrics: texts that differ only in their numbers read as a full scan reads them") {
  // Each text after the first reuses the layout of the one before when only numbers changed
  // (a sweep's summaries); layouts that change, success_rate that comes and goes, integers and
  // decimals swapping places and a text that fails must all give the full scan's answer.
  const std::vector<std::string> cases = {
      R"({"seed":7,"calls":{"total":120,"ok":97},"latency_ms":{"p50":1.234,"p95":null},"x":[1,2],"s":"a1"})",
      R"({"seed":8,"calls":{"total":0,"ok":0},"latency_ms":{"p50":12.5,"p95":null},"x":[3,4],"s":"a1"})",
      R"({"seed":9,"calls":{"total":5,"ok":5},"latency_ms":{"p50":-0,"p95":null},"x":[5,6],"s":"a1"})",
      R"({"seed":9,"calls":{"total":5.5,"ok":18446744073709551616},"latency_ms":{"p50":2.5E-3,"p95":null},"x":[5,6],"s":"a1"})",
      R"({"seed":9,"calls":{"total":5,"ok":5},"latency_ms":{"p50":null,"p95":2.0},"x":[5,6],"s":"a1"})",
      R"({"seed":9,"calls":{"total":5,"ok":5},"latency_ms":{"p50":3,"p95":2.0},"x":[5,6],"s":"a2"})",
      R"({"seed":9,"calls":{"total":5,"ok":5},"latency_ms":{"p50":3,"p95":2.0},"x":[5,6],"s":"a2","t":1})",
  };
  sim::RunMetrics m;
  for (const auto& text : cases) {
    CAPTURE(text);
    sim::scan_run_metrics(text, m);
    CHECK(same_bits(by_name(m), via_dom(text)));
  }
  sim::scan_run_metrics(R"({"calls":{"total":8,"ok":6},"seed":3})", m);
  sim::scan_run_metrics(R"({"calls":{"total":0,"ok":6},"seed":4})", m);
  CHECK(m.names == "calls.total\ncalls.ok\n");
  sim::scan_run_metrics(R"({"calls":{"total":4,"ok":1},"seed":5})", m);
  CHECK(m.names == "calls.total\ncalls.ok\nsuccess_rate\n");
  CHECK(m.values == std::vector<double>{4, 1, 0.25});
  for (const char* bad : {R"({"calls":{"total":4.,"ok":1},"seed":5})", R"({"calls":{"total":4,"ok":1},"seed":5)",
                          R"({"calls":{"total":-,"ok":1},"seed":5})"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(sim::scan_run_metrics(bad, m), json::parse_error);
  }
}

TEST_CASE("scan_run_metrics rejects what nlohmann rejects") {
  for (const char* text : {"{\"a\":1", "{\"a\":}", "{\"a\":1,}", "{\"a\":+1}", "{\"a\":1} x", "{\"a\":-}", "{\"a\":01}",
                           "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":\"\x01\"}"}) {
    CAPTURE(text);
    sim::RunMetrics m;
    CHECK_THROWS_AS(sim::scan_run_metrics(text, m), json::parse_error);
  }
}

TEST_CASE("SweepStatsBuilder: points in run order, metrics some runs lack, shapes reused") {
  sim::SweepStatsBuilder b({"cd"});
  sim::RunMetrics m;
  const char* runs[] = {R"({"x":1,"r":{"t_s":2}})", R"({"x":3,"r":null})", R"({"x":5,"r":{"t_s":4}})",
                        R"({"x":7,"r":null})"};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t point = i / 2;
    if (b.new_point(point)) b.begin_point(point, {{"cd", static_cast<int>(point)}});
    sim::scan_run_metrics(runs[i], m);
    b.add_run(m);
  }
  const sim::SweepStats s = b.finish();
  CHECK(s.runs == 4);
  CHECK(s.metrics == std::vector<std::string>{"r.t_s", "x"});
  REQUIRE(s.points.size() == 2);
  CHECK(s.points[0].runs == 2);
  CHECK(s.points[0].metrics.at("x").mean == 2);
  CHECK(s.points[0].metrics.at("r.t_s").n == 1);
  CHECK(s.points[1].metrics.at("x").mean == 6);
  CHECK(s.points[1].metrics.at("r.t_s").mean == 4);
  CHECK(s.points[1].params == json{{"cd", 1}});
}

namespace {

// summary_metrics() must give what scanning the summary's text gives: the same names in the same
// order (the runner's statistics key on them) and the same values to the bit.
void check_summary_metrics(const chaoslab::RunSummary& s, sim::RunMetrics& reused) {
  const std::string text = s.to_json();
  CAPTURE(text);
  sim::RunMetrics scanned;
  sim::scan_run_metrics(text, scanned);
  sim::summary_metrics(s, reused);
  REQUIRE(reused.names == scanned.names);
  REQUIRE(reused.values.size() == scanned.values.size());
  CHECK(std::memcmp(reused.values.data(), scanned.values.data(), scanned.values.size() * sizeof(double)) == 0);
}

}  // namespace

TEST_CASE("summary_metrics: the numbers of a summary as its text reads back, for real runs") {
  const auto scenario = sim::load_scenario_file(std::string(CHAOSLAB_SOURCE_DIR) + "/scenarios/lab3-chaos.json");
  sim::RunMetrics m;
  for (std::uint64_t seed = 1; seed <= 150; ++seed) check_summary_metrics(sim::run_scenario(scenario, seed).summary, m);
}

TEST_CASE("summary_metrics: every layout of optional fields, tiny and negative decimals, one reused object") {
  std::mt19937_64 rng(15);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto decimal = [&] {
    switch (rng() % 5) {
      case 0: return -u(rng) * 1e-6;  // prints as 0
      case 1: return u(rng) * 1e-3;
      case 2: return -u(rng) * 100;
      case 3: return std::floor(u(rng) * 1e6) / 1e3;
      default: return u(rng) * 7e3;
    }
  };
  sim::RunMetrics m;
  for (std::uint32_t layout = 0; layout < 2048; ++layout) {
    chaoslab::RunSummary s;
    s.seed = rng();
    s.virtual_seconds = decimal();
    s.events = rng() % 100000;
    s.calls.total = layout & 1024 ? rng() % 1000 + 1 : 0;
    s.calls.ok = rng() % 1000;
    s.attempts.total = rng() % 5000;
    s.transitions.other = layout & 2 ? 3 : 0;
    if (layout & 4) s.latency_p50_ms = decimal();
    if (layout & 8) s.latency_p95_ms = decimal();
    if (layout & 16) s.latency_p99_ms = decimal();
    if (layout & 32) {
      s.recovery = chaoslab::Recovery{decimal(), {}, {}};
      if (layout & 64) s.recovery->time_to_first_success_s = decimal();
      if (layout & 128) s.recovery->time_to_closed_s = decimal();
    }
    if (layout & 256) s.retry_amplification = decimal();
    if (layout & 512) s.peak_backend_queue = static_cast<int>(rng() % 50);
    s.wasted_cooldown_s = layout == 7 ? 2e10 : decimal();  // once beyond the integer path
    check_summary_metrics(s, m);
  }
}

TEST_CASE("csv_number prints what printf's %.9g prints") {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  char want[64];
  for (int i = 0; i < 100000; ++i) {
    const double v = std::pow(10.0, -20 + 40 * u(rng)) * (i % 2 ? -1 : 1) * (i % 7 == 0 ? std::round(u(rng) * 1e3) : 1);
    std::snprintf(want, sizeof want, "%.9g", v);
    REQUIRE(sim::csv_number(v) == want);
  }
  for (double v : {0.0, -0.0, 1.0, 0.1, 123456789.0, 1234567891.0, 1e-5, 0.0001, 5e-324, 1.7976931348623157e308}) {
    std::snprintf(want, sizeof want, "%.9g", v);
    CHECK(sim::csv_number(v) == want);
  }
  CHECK(sim::csv_number(std::numeric_limits<double>::quiet_NaN()).empty());
}

TEST_CASE("SweepStatsBuilder: points described elsewhere and in any order give the same statistics") {
  auto build = [](bool defer) {
    sim::SweepStatsBuilder b({"cd"});
    if (defer) b.defer_points();
    sim::RunMetrics m;
    std::mt19937_64 rng(3);
    for (std::size_t run = 0; run < 60; ++run) {
      const std::size_t point = run / 7;
      if (b.new_point(point)) b.begin_point(point, {{"cd", static_cast<int>(point)}});
      const std::string text = "{\"x_s\":" + std::to_string(rng() % 1000) + ",\"r\":" +
                               (rng() % 3 ? "{\"t_s\":" + std::to_string(rng() % 50) + "}" : std::string("null")) + "}";
      sim::scan_run_metrics(text, m);
      b.add_run(m);
      if (defer && run % 20 == 19) {  // described in reverse, as workers may take them
        auto& pending = b.pending();
        for (auto it = pending.rbegin(); it != pending.rend(); ++it)
          b.add_described(sim::SweepStatsBuilder::describe(std::move(*it)));
        pending.clear();
      }
    }
    std::ostringstream csv;
    sim::write_summary_csv(b.finish(), csv);
    return csv.str();
  };
  const std::string direct = build(false);
  CHECK(direct.find("x_s.p95") != std::string::npos);
  CHECK(build(true) == direct);
}

TEST_CASE("SweepStatsBuilder: min and max are a sort's, to the bit, with quantiles or without, signed zeros too") {
  // Counts take one pass for min and max, quantile metrics a sort; both must give what sorting
  // the point's values gives (which zero of -0.0 and 0.0 comes first included).
  const std::vector<std::vector<double>> columns = {
      {3, 1, 2, 5, 4}, {0, 0, 0}, {-0.0, 0.0, 1}, {0.0, -0.0, -1}, {2.5, -7, 1e300, -1e-300}, {42}};
  std::vector<std::vector<double>> all = columns;
  // Past 16 values the sort is not stable: here it ends with a -0.0 where one pass would take
  // the last 0.0 (found by search against libstdc++'s std::sort).
  all.push_back({0,  -0.0, -1, -3, -0.0, -3, -1, -0.0, -0.0, -0.0, -2, -0.0, -0.0, 0,  -0.0, -0.0, 0, -3, -0.0, -0.0,
                 0,  0,    -0.0, -1, -0.0, 0, -2, 0,    0,    -3,   -2, -0.0, -1,   -2, -0.0, -0.0, -1, 0, -0.0, 0});
  for (const auto& values : all) {
    for (const char* metric : {"calls.total", "recovery.outage_s"}) {
      CAPTURE(metric);
      sim::SweepStatsBuilder b({});
      sim::RunMetrics m;
      m.names = std::string(metric) + "\n";  // each name ends with a newline
      b.begin_point(0, json::object());
      for (double v : values) {
        m.values = {v};
        b.add_run(m);
      }
      const sim::MetricStats s = b.finish().points.at(0).metrics.at(metric);
      std::vector<double> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      CHECK(std::memcmp(&s.min, &sorted.front(), sizeof(double)) == 0);
      CHECK(std::memcmp(&s.max, &sorted.back(), sizeof(double)) == 0);
      CHECK(s.has_quantiles == (std::string(metric) == "recovery.outage_s"));
    }
  }
}
