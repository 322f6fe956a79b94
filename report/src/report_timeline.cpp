#include "report_timeline.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "policies/error.hpp"
#include "report_charts.hpp"

namespace chaoslab::report {

using nlohmann::json;

namespace {

[[noreturn]] void bad_line(const std::string& path, std::size_t line, const std::string& what) {
  throw ConfigError(path + ":" + std::to_string(line) + ": " + what);
}

const json& need(const json& j, const char* key, const std::string& path, std::size_t line) {
  auto it = j.find(key);
  if (it == j.end()) bad_line(path, line, std::string("/") + key + ": missing");
  return *it;
}

double need_number(const json& j, const char* key, const std::string& path, std::size_t line) {
  const json& v = need(j, key, path, line);
  if (!v.is_number()) bad_line(path, line, std::string("/") + key + ": expected a number");
  return v.get<double>();
}

std::string need_string(const json& j, const char* key, const std::string& path, std::size_t line) {
  const json& v = need(j, key, path, line);
  if (!v.is_string()) bad_line(path, line, std::string("/") + key + ": expected a string");
  return v.get<std::string>();
}

int opt_int(const json& j, const char* key, int fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

std::string opt_string(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string state_label(const std::string& s) {
  if (s == "closed") return "CLOSED";
  if (s == "open") return "OPEN";
  if (s == "half_open") return "HALF-OPEN";
  return s;
}

// --- Figure C: breaker state, outcomes over time, pod phases and chaos activities -------------

struct Window {
  double start, end;
  std::string label;
};

// From each chaos action until a ready endpoint exists again: the outage the breaker must ride.
std::vector<Window> chaos_windows(const Timeline& tl) {
  std::vector<Window> out;
  for (const auto& c : tl.chaos) {
    if (c.kind != "action" || c.phase != "start") continue;
    double end = -1;
    for (const auto& p : tl.pods)
      if (p.t > c.t && p.ready) {
        end = p.t;
        break;
      }
    if (end < 0) {
      for (const auto& e : tl.chaos)
        if (e.activity == c.activity && e.phase == "end" && e.t >= c.t) {
          end = e.t;
          break;
        }
    }
    if (end <= c.t) end = c.t + std::max(0.5, tl.end_s / 400);
    out.push_back({c.t, end, c.activity});
  }
  return out;
}

json x_time(const Timeline& tl, const char* field) {
  return {{"field", field}, {"type", "quantitative"}, {"title", "time (s)"},
          {"scale", {{"domain", json::array({0, round_to(tl.end_s, 3)})}, {"nice", false}, {"zero", false}}}};
}

// States as lanes (a Gantt chart): a failed half-open trial lasts milliseconds, so every segment is
// drawn at least 1/400 of the run wide; a step line would draw it as a vertical stroke.
json breaker_panel(const Timeline& tl, double width) {
  std::set<int> clients;
  for (const auto& t : tl.transitions) clients.insert(t.client);
  for (const auto& c : tl.calls) clients.insert(c.client);
  if (clients.empty()) clients.insert(0);
  const double min_width = std::max(tl.end_s / 400, 1e-3);

  json segments = json::array();
  for (int client : clients) {
    std::string state = "closed";
    double since = 0;
    auto close_segment = [&](double until) {
      if (until < since) return;
      json seg = {{"client", "client " + std::to_string(client)}, {"state", state_label(state)},
                  {"start", round_to(since, 6)}, {"end", round_to(until, 6)},
                  {"drawn_end", round_to(std::max(until, since + min_width), 6)},
                  {"lane", clients.size() > 1 ? "client " + std::to_string(client) + " " + state_label(state)
                                              : state_label(state)}};
      segments.push_back(std::move(seg));
    };
    for (const auto& t : tl.transitions) {
      if (t.client != client) continue;
      close_segment(t.t);
      state = t.to;
      since = t.t;
    }
    close_segment(tl.end_s);
  }
  std::vector<std::string> lanes;
  for (int client : clients)
    for (const char* st : {"OPEN", "HALF-OPEN", "CLOSED"})
      lanes.push_back(clients.size() > 1 ? "client " + std::to_string(client) + " " + st : st);

  json windows = json::array();
  for (const auto& w : chaos_windows(tl))
    windows.push_back({{"start", round_to(w.start, 6)}, {"end", round_to(w.end, 6)}, {"activity", w.label}});

  json layers = json::array();
  if (!windows.empty()) {
    layers.push_back({{"data", {{"values", windows}}},
                      {"mark", {{"type", "rect"}, {"color", "#f4a261"}, {"opacity", 0.25}}},
                      {"encoding",
                       {{"x", x_time(tl, "start")},
                        {"x2", {{"field", "end"}}},
                        {"tooltip", json::array({{{"field", "activity"}, {"title", "chaos action"}},
                                                 {{"field", "start"}, {"title", "from (s)"}},
                                                 {{"field", "end"}, {"title", "ready endpoint again (s)"}}})}}}});
  }
  layers.push_back(
      {{"data", {{"values", segments}}},
       {"mark", {{"type", "bar"}, {"height", {{"band", 0.7}}}}},
       {"encoding",
        {{"x", x_time(tl, "start")},
         {"x2", {{"field", "drawn_end"}}},
         {"y", {{"field", "lane"}, {"type", "nominal"}, {"title", nullptr}, {"sort", lanes}, {"scale", {{"domain", lanes}}}}},
         {"color", {{"field", "state"}, {"type", "nominal"}, {"title", "breaker"},
                    {"scale", {{"domain", json::array({"CLOSED", "HALF-OPEN", "OPEN"})},
                               {"range", json::array({"#2a9d8f", "#e9c46a", "#d62828"})}}}}},
         {"tooltip", json::array({{{"field", "client"}}, {{"field", "state"}},
                                  {{"field", "start"}, {"title", "from (s)"}},
                                  {{"field", "end"}, {"title", "to (s)"}}})}}}});
  return {{"title", windows.empty() ? "Circuit breaker state"
                                    : "Circuit breaker state (shaded: chaos action until a ready endpoint exists again)"},
          {"width", width},
          {"height", 24 * static_cast<int>(lanes.size())},
          {"layer", layers}};
}

json outcome_panel(const Timeline& tl, double width) {
  const double bin = std::max(1.0, nice_step(tl.end_s, 150));
  std::map<std::pair<long, std::string>, int> counts;
  for (const auto& c : tl.calls) counts[{static_cast<long>(std::floor(c.t / bin)), c.outcome}] += 1;
  json rows = json::array();
  for (const auto& [key, n] : counts)
    rows.push_back({{"t0", round_to(key.first * bin, 6)},
                    {"t1", round_to((key.first + 1) * bin, 6)},
                    {"outcome", key.second},
                    {"calls", n}});
  return {{"title", "Calls by final outcome, per " + format_number(bin) + " s"},
          {"width", width},
          {"height", 110},
          {"data", {{"values", rows}}},
          {"mark", {{"type", "bar"}}},
          {"encoding",
           {{"x", x_time(tl, "t0")},
            {"x2", {{"field", "t1"}}},
            {"y", {{"aggregate", "sum"}, {"field", "calls"}, {"type", "quantitative"}, {"title", "calls"}}},
            {"color", outcome_color_encoding(rows, "outcome")},
            {"tooltip", json::array({{{"field", "t0"}, {"title", "from (s)"}},
                                     {{"field", "outcome"}},
                                     {{"field", "calls"}}})}}}};
}

std::string pod_label(const Timeline::Pod& p) {
  if (p.phase == "Running" && p.ready) return "Ready";
  return p.phase;
}

json lanes_panel(const Timeline& tl, double width) {
  json rows = json::array();
  // Pods: each event starts a segment that lasts until the pod's next event.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Timeline::Pod*>> by_pod;
  for (const auto& p : tl.pods) {
    if (!by_pod.count(p.pod)) order.push_back(p.pod);
    by_pod[p.pod].push_back(&p);
  }
  for (const auto& name : order) {
    const auto& evs = by_pod[name];
    for (std::size_t i = 0; i < evs.size(); ++i) {
      const auto& e = *evs[i];
      if (e.phase == "Deleted") continue;
      const double end = i + 1 < evs.size() ? evs[i + 1]->t : tl.end_s;
      if (end <= e.t) continue;
      rows.push_back({{"lane", "pod " + name}, {"start", round_to(e.t, 6)}, {"end", round_to(end, 6)},
                      {"what", pod_label(e)}, {"detail", e.phase + (e.ready ? ", ready" : ", not ready")}});
    }
  }
  // Chaos activities: start/end pairs in the order they ran.
  for (std::size_t i = 0; i < tl.chaos.size(); ++i) {
    const auto& s = tl.chaos[i];
    if (s.phase != "start") continue;
    double end = s.t;
    std::string status;
    for (std::size_t k = i + 1; k < tl.chaos.size(); ++k)
      if (tl.chaos[k].activity == s.activity && tl.chaos[k].phase == "end") {
        end = tl.chaos[k].t;
        status = tl.chaos[k].status;
        break;
      }
    end = std::max(end, s.t + std::max(0.4, tl.end_s / 400));  // instantaneous actions stay visible
    const std::string what = s.kind == "hypothesis" ? "steady-state hypothesis" : "chaos " + s.kind;
    rows.push_back({{"lane", "chaos"}, {"start", round_to(s.t, 6)}, {"end", round_to(end, 6)}, {"what", what},
                    {"detail", s.activity + (status.empty() ? "" : " (" + status + ")")}});
  }
  if (rows.empty()) return nullptr;
  std::vector<std::string> lanes;
  for (const auto& r : rows) {
    const std::string lane = r["lane"];
    if (std::find(lanes.begin(), lanes.end(), lane) == lanes.end()) lanes.push_back(lane);
  }
  return {{"title", "Pod phases and chaos activities"},
          {"width", width},
          {"height", 22 * static_cast<int>(lanes.size()) + 10},
          {"data", {{"values", rows}}},
          {"mark", {{"type", "bar"}, {"height", {{"band", 0.75}}}}},
          {"encoding",
           {{"x", x_time(tl, "start")},
            {"x2", {{"field", "end"}}},
            {"y", {{"field", "lane"}, {"type", "nominal"}, {"title", nullptr}, {"sort", lanes}}},
            {"color", phase_color_encoding(rows, "what")},
            {"tooltip", json::array({{{"field", "lane"}}, {{"field", "detail"}},
                                     {{"field", "start"}, {"title", "from (s)"}},
                                     {{"field", "end"}, {"title", "to (s)"}}})}}}};
}

// --- Figure B: success rate against retry attempts ------------------------------------------

json attempts_chart(const Timeline& tl) {
  std::map<int, std::pair<int, int>> per_attempt;  // attempt -> (ok, total)
  for (const auto& a : tl.attempts) {
    auto& [ok, total] = per_attempt[a.attempt];
    total += 1;
    ok += a.outcome == "ok" ? 1 : 0;
  }
  int sent = 0;
  std::map<int, int> ok_within;  // ok calls by the number of attempts they needed
  for (const auto& c : tl.calls) {
    if (c.attempts < 1) continue;
    sent += 1;
    if (c.outcome == "ok") ok_within[c.attempts] += 1;
  }
  if (per_attempt.empty() || sent == 0) return nullptr;
  json rows = json::array();
  int cumulative = 0;
  for (const auto& [k, counts] : per_attempt) {
    cumulative += ok_within.count(k) ? ok_within[k] : 0;
    rows.push_back({{"attempt", k}, {"measure", "this attempt succeeded"},
                    {"rate", round_to(static_cast<double>(counts.first) / counts.second, 6)},
                    {"n", counts.second}});
    rows.push_back({{"attempt", k}, {"measure", "call succeeded within this many attempts"},
                    {"rate", round_to(static_cast<double>(cumulative) / sent, 6)}, {"n", sent}});
  }
  return {{"width", 420},
          {"height", 220},
          {"data", {{"values", rows}}},
          {"mark", {{"type", "bar"}}},
          {"encoding",
           {{"x", {{"field", "attempt"}, {"type", "ordinal"}, {"title", "attempt number"}, {"axis", {{"labelAngle", 0}}}}},
            {"xOffset", {{"field", "measure"}}},
            {"y", {{"field", "rate"}, {"type", "quantitative"}, {"title", "success rate"},
                   {"scale", {{"domain", json::array({0, 1})}}}, {"axis", {{"format", "%"}}}}},
            {"color", {{"field", "measure"}, {"type", "nominal"}, {"title", nullptr},
                       {"scale", {{"domain", json::array({"this attempt succeeded", "call succeeded within this many attempts"})},
                                  {"range", json::array({"#2a9d8f", "#264653"})}}},
                       {"legend", {{"orient", "bottom"}, {"direction", "vertical"}, {"labelLimit", 400}}}}},
            {"tooltip", json::array({{{"field", "measure"}}, {{"field", "attempt"}},
                                     {{"field", "rate"}, {"format", ".1%"}}, {{"field", "n"}, {"title", "of"}}})}}}};
}

json latency_chart(const Timeline& tl) {
  std::vector<double> v;
  for (const auto& c : tl.calls)
    if (c.outcome == "ok") v.push_back(c.latency_ms);
  if (v.size() < 2) return nullptr;
  std::sort(v.begin(), v.end());
  const double hi = quantile_sorted(v, 0.995);
  const double bin = std::max(1.0, nice_step(hi, 40));
  std::map<long, int> hist;
  for (double x : v) hist[static_cast<long>(std::floor(std::min(x, hi) / bin))] += 1;
  json rows = json::array();
  double top = 0;
  for (const auto& [b, n] : hist) {
    rows.push_back({{"from", round_to(b * bin, 6)}, {"to", round_to((b + 1) * bin, 6)}, {"calls", n}});
    top = std::max(top, (b + 1) * bin);
  }
  // Latencies start at 0 ms and counts are whole: no axis below zero, no 0.5 ticks.
  return {{"width", 420},
          {"height", 220},
          {"data", {{"values", rows}}},
          {"mark", {{"type", "bar"}, {"color", "#2a9d8f"}}},
          {"encoding",
           {{"x", {{"field", "from"}, {"type", "quantitative"}, {"title", "latency of successful calls (ms)"},
                   {"scale", {{"domain", {0, round_to(top, 6)}}, {"nice", false}}}}},
            {"x2", {{"field", "to"}}},
            {"y", {{"aggregate", "sum"}, {"field", "calls"}, {"type", "quantitative"}, {"title", "calls"},
                   {"axis", {{"tickMinStep", 1}, {"format", "d"}}}}},
            {"tooltip", json::array({{{"field", "from"}, {"title", "from (ms)"}}, {{"field", "to"}, {"title", "to (ms)"}},
                                     {{"field", "calls"}}})}}}};
}

ReportTable summary_table(const Timeline& tl) {
  ReportTable t;
  t.caption = "Logical calls by final outcome";
  t.header = {"outcome", "calls", "share"};
  std::map<std::string, int> counts;
  for (const auto& c : tl.calls) counts[c.outcome] += 1;
  const double total = static_cast<double>(tl.calls.size());
  for (const auto& [k, n] : counts)
    t.rows.push_back({k, std::to_string(n), format_number(100.0 * n / total, 3) + " %"});
  t.rows.push_back({"all", std::to_string(tl.calls.size()), "100 %"});
  return t;
}

}  // namespace

bool looks_like_trace(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto p = line.find_first_not_of(" \t\r");
    if (p == std::string::npos) continue;
    return line[p] == '{';
  }
  return false;
}

Timeline read_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot read the file");
  Timeline tl;
  tl.source = path;
  tl.recorder = "trace";
  std::string text;
  std::size_t line_no = 0;
  while (std::getline(in, text)) {
    ++line_no;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) bad_line(path, line_no, "not a JSON object (expected a chaoslab trace, one event per line)");
    const std::string event = need_string(j, "event", path, line_no);
    const double t = need_number(j, "t", path, line_no);
    tl.end_s = std::max(tl.end_s, t);
    if (event == "meta") {
      tl.recorder = opt_string(j, "source");
      tl.scenario = opt_string(j, "scenario");
      if (auto it = j.find("seed"); it != j.end() && it->is_number_unsigned()) tl.seed = it->get<std::uint64_t>();
    } else if (event == "call") {
      tl.calls.push_back({t, opt_int(j, "client", 0), need_string(j, "outcome", path, line_no),
                          opt_int(j, "attempts", 0), need_number(j, "latency_ms", path, line_no)});
    } else if (event == "attempt") {
      tl.attempts.push_back({t, opt_int(j, "client", 0), opt_int(j, "attempt", 1), need_string(j, "outcome", path, line_no)});
    } else if (event == "retry") {
      tl.retries += 1;
    } else if (event == "transition") {
      tl.transitions.push_back({t, opt_int(j, "client", 0), need_string(j, "from", path, line_no),
                                need_string(j, "to", path, line_no)});
    } else if (event == "chaos") {
      tl.chaos.push_back({t, need_string(j, "activity", path, line_no), need_string(j, "kind", path, line_no),
                          need_string(j, "phase", path, line_no), opt_string(j, "status"), opt_string(j, "detail")});
    } else if (event == "pod") {
      const json& ready = need(j, "ready", path, line_no);
      if (!ready.is_boolean()) bad_line(path, line_no, "/ready: expected true or false");
      tl.pods.push_back({t, need_string(j, "pod", path, line_no), need_string(j, "phase", path, line_no), ready.get<bool>()});
    } else {
      bad_line(path, line_no, "/event: unknown event \"" + event +
                                  "\" (expected meta, attempt, retry, call, transition, chaos or pod)");
    }
  }
  if (line_no == 0) throw ConfigError(path + ": empty trace");
  return tl;
}

void add_timeline_sections(ReportPage& page, const Timeline& tl) {
  std::string name = tl.source;
  if (auto slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);

  ReportSection s;
  s.title = "Run: " + name;
  std::string intro = "Recorded by " + (tl.recorder.empty() ? std::string("an unnamed source") : tl.recorder);
  if (!tl.scenario.empty()) intro += ", scenario " + tl.scenario;
  if (tl.seed) intro += ", seed " + std::to_string(*tl.seed);
  intro += ": " + format_number(tl.end_s, 4) + " s, " + std::to_string(tl.calls.size()) + " calls, " +
           std::to_string(tl.attempts.size()) + " HTTP attempts, " + std::to_string(tl.retries) + " retry waits, " +
           std::to_string(tl.transitions.size()) + " breaker transitions.";
  s.paragraph(intro);

  const double width = 860;
  json panels = json::array({breaker_panel(tl, width), outcome_panel(tl, width)});
  if (json lanes = lanes_panel(tl, width); !lanes.is_null()) panels.push_back(lanes);
  const bool has_lanes = !tl.pods.empty() || !tl.chaos.empty();
  std::string caption = "Top: the breaker state of each client over time";
  caption += tl.chaos.empty() ? "." : "; the shaded band runs from each chaos action to the moment a ready endpoint exists again.";
  caption += " Middle: logical calls by final outcome.";
  if (has_lanes) caption += " Bottom: the phase of every pod and the chaos activities.";
  if (!tl.chaos.empty())
    caption += " A breaker still OPEN after the band ends is cool-down wasted on a backend that was already back.";
  s.chart({"Breaker state timeline (the lab's Figure C)", caption,
           {{"vconcat", panels}, {"spacing", 14}, {"resolve", {{"scale", {{"x", "shared"}, {"color", "independent"}}}}}}});

  if (json b = attempts_chart(tl); !b.is_null())
    s.chart({"Success rate against retry attempts (the lab's Figure B)",
             "For each attempt number: the share of HTTP attempts with that number that succeeded, and the share "
             "of calls that reached the backend and succeeded within that many attempts. Calls the breaker "
             "rejected sent no attempt and are not counted here.",
             b});
  if (json l = latency_chart(tl); !l.is_null())
    s.chart({"Latency of successful calls", "Histogram of end-to-end latency (retry waits included).", l});
  if (!tl.calls.empty()) s.table(summary_table(tl));
  page.sections.push_back(std::move(s));
}

}  // namespace chaoslab::report
