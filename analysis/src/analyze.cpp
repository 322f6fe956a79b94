#include "analysis/analyze.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "analyze_trace.hpp"
#include "analysis/lab_log.hpp"
#include "policies/error.hpp"

namespace chaoslab::analysis {

using ojson = nlohmann::ordered_json;

double percentile_sorted(const std::vector<double>& v, double p) {
  const double h = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= v.size()) return v.back();
  return v[lo] + (h - static_cast<double>(lo)) * (v[lo + 1] - v[lo]);
}

SampleStats sample_stats(std::vector<double> v) {
  SampleStats s;
  s.count = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  s.min = v.front();
  s.max = v.back();
  s.p50 = percentile_sorted(v, 0.50);
  s.p95 = percentile_sorted(v, 0.95);
  return s;
}

namespace {

enum class Format { trace, lab_log };

// The first non-blank line decides: JSON lines or the lab's Python log.
Format detect_format(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file + ": cannot read");
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    if (line[first] == '{') return Format::trace;
    if (looks_like_lab_log(line)) return Format::lab_log;
    throw ConfigError(file + ":" + std::to_string(n) +
                      ": neither a chaoslab trace (JSON lines) nor a lab client log "
                      "('YYYY-MM-DD HH:MM:SS,mmm LEVEL message')");
  }
  throw ConfigError(file + ": empty file: nothing to analyse");
}

// numpy-style percentiles of latencies in ms, as RunSummarySink computes them.
void set_latency(RunSummary& s, std::vector<double> ms) {
  s.latency_p50_ms.reset();
  s.latency_p95_ms.reset();
  s.latency_p99_ms.reset();
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  s.latency_p50_ms = percentile_sorted(ms, 0.50);
  s.latency_p95_ms = percentile_sorted(ms, 0.95);
  s.latency_p99_ms = percentile_sorted(ms, 0.99);
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

void add_lab_notes(Analysis& a, const LabLogFacts& f) {
  if (f.leading_partial_call)
    a.notes.push_back("the log starts inside a call: that call counts, its latency does not");
  if (f.trailing_partial_call)
    a.notes.push_back("the log ends inside a call: its attempts, retries and transitions count, the call does not");
  if (f.inferred_attempts)
    a.notes.push_back(std::to_string(f.inferred_attempts) + " attempts without an 'HTTP Request' line were inferred (" +
                      std::to_string(f.inferred_timeouts) + " timeouts: at least 1.9 s after the attempt began; " +
                      std::to_string(f.inferred_refused) + " refused: failed sooner)");
  if (f.inferred_before_start)
    a.notes.push_back(std::to_string(f.inferred_before_start) +
                      " inferred attempts are stamped before their retry wait was over: the pod's clock stepped "
                      "back there");
  if (f.unexpected_sequences)
    a.notes.push_back(std::to_string(f.unexpected_sequences) +
                      " calls have a line order the lab client cannot produce: their counts are approximate");
  if (f.stamps_out_of_order)
    a.notes.push_back(std::to_string(f.stamps_out_of_order) + " stamps go backwards (kept at the previous time)");
  if (f.chaos && !f.chaos_in_log) {
    std::string when = f.chaos->end.time_since_epoch().count() > f.last_ms * 1000 ? "after the log ends" : "before the log starts";
    a.notes.push_back("the journal's action '" + f.chaos->activity + "' ended " + format_utc(f.chaos->end) + ", " + when +
                      " (log " + format_utc(SysMicros(std::chrono::milliseconds(f.first_ms))) + " to " +
                      format_utc(SysMicros(std::chrono::milliseconds(f.last_ms))) +
                      "): the log holds no chaos, so there are no recovery figures");
  }
  if (f.chaos && f.chaos_in_log)
    a.notes.push_back("readiness is inferred: not ready from the action's end to the first HTTP response after the "
                      "first attempt that got none (an upper bound on the outage)");
}

}  // namespace

Analysis analyze_file(const std::string& path, const std::optional<std::string>& journal) {
  std::string file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    file = (std::filesystem::path(path) / "trace.jsonl").string();
    if (!std::filesystem::exists(file, ec))
      throw ConfigError(path + ": a directory must hold trace.jsonl (the output of chaoslab live --out)");
  }
  Analysis a;
  a.file = file;
  RunSummarySink summary_sink;
  RunDetailSink detail_sink;
  TraceFanout fan;
  fan.add(&summary_sink);
  fan.add(&detail_sink);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file + ": cannot read");
  if (detect_format(file) == Format::trace) {
    if (journal)
      throw ConfigError(*journal + ": --journal places a chaos window on a lab log's clock; a trace records its "
                                   "own chaos events");
    const TraceInfo info = replay_trace(in, file, fan);
    a.format = "trace";
    a.recorder = info.source.empty() ? "unknown" : info.source;
    a.scenario = info.scenario;
    a.summary = summary_sink.finish(info.end, info.seed.value_or(0), 0);
    a.detail = detail_sink.finish(info.end);
    a.duration_s = to_seconds(info.end);
    if (info.source.empty()) a.notes.push_back("no meta line: the recorder is unknown");
    return a;
  }
  const std::vector<LabRecord> records = parse_lab_log(in, file);
  std::optional<ChaosWindow> window;
  if (journal) window = read_chaos_window(*journal);
  LabLogFacts facts = replay_lab_log(records, file, fan, window);
  const Instant end{std::chrono::milliseconds(facts.last_ms - facts.first_ms)};
  a.format = "lab log";
  a.recorder = "lab";
  a.summary = summary_sink.finish(end, 0, 0);
  if (facts.leading_partial_call) set_latency(a.summary, facts.ok_latencies_ms);
  a.detail = detail_sink.finish(end);
  a.duration_s = to_seconds(end);
  a.chaos = window;
  add_lab_notes(a, facts);
  a.lab = std::move(facts);
  return a;
}

Analysis analysis_of_run(const RunSummary& summary, const RunDetail& detail) {
  Analysis a;
  a.format = "simulation";
  a.recorder = "sim";
  a.summary = summary;
  a.detail = detail;
  a.duration_s = summary.virtual_seconds;
  return a;
}

// ---------------------------------------------------------------------------------------------

namespace {

double per_minute(std::uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) * 60.0 / seconds : 0.0;
}

ojson stats_json(const std::vector<double>& v) {
  const SampleStats s = sample_stats(v);
  ojson j;
  j["count"] = s.count;
  if (s.count == 0) return j;
  j["mean"] = s.mean;
  j["min"] = s.min;
  j["p50"] = s.p50;
  j["p95"] = s.p95;
  j["max"] = s.max;
  return j;
}

ojson rates_json(const Analysis& a) {
  const double d = a.duration_s;
  const RunSummary& s = a.summary;
  ojson r;
  r["calls"] = {{"total", per_minute(s.calls.total, d)},     {"ok", per_minute(s.calls.ok, d)},
                {"http_5xx", per_minute(s.calls.http_5xx, d)}, {"timeout", per_minute(s.calls.timeout, d)},
                {"refused", per_minute(s.calls.refused, d)},   {"reset", per_minute(s.calls.reset, d)},
                {"rejected", per_minute(s.calls.rejected, d)}};
  r["attempts"] = {{"total", per_minute(s.attempts.total, d)},       {"http_2xx", per_minute(s.attempts.ok, d)},
                   {"http_5xx", per_minute(s.attempts.http_5xx, d)}, {"timeout", per_minute(s.attempts.timeout, d)},
                   {"refused", per_minute(s.attempts.refused, d)},   {"reset", per_minute(s.attempts.reset, d)}};
  r["retries"] = per_minute(s.retries, d);
  r["transitions"] = {{"closed_to_open", per_minute(s.transitions.closed_to_open, d)},
                      {"open_to_half_open", per_minute(s.transitions.open_to_half_open, d)},
                      {"half_open_to_open", per_minute(s.transitions.half_open_to_open, d)},
                      {"half_open_to_closed", per_minute(s.transitions.half_open_to_closed, d)}};
  return r;
}

ojson lab_json(const LabLogFacts& f) {
  auto by_state = [](const std::array<std::uint64_t, 3>& v) {
    return ojson{{"CLOSED", v[0]}, {"OPEN", v[1]}, {"HALF-OPEN", v[2]}};
  };
  ojson j;
  j["first_stamp"] = format_utc(SysMicros(std::chrono::milliseconds(f.first_ms)));
  j["last_stamp"] = format_utc(SysMicros(std::chrono::milliseconds(f.last_ms)));
  j["lines"] = {{"total", f.lines},
                {"transition", f.transition_lines},
                {"state_changed", f.state_seen_lines},
                {"fast_fail", f.fast_fail_lines},
                {"result", f.result_lines},
                {"http_request", f.http_lines},
                {"retrying", f.retry_lines},
                {"uvicorn", f.uvicorn_lines},
                {"other", f.other_lines}};
  j["result_state_printed"] = by_state(f.result_state);
  j["state_changed_to"] = by_state(f.seen_state);
  j["stale_state"] = {{"trial_calls_printed_open", f.trial_calls},
                      {"open_printed_result_ok", f.open_printed_result_ok},
                      {"closed_printed_breaker_open", f.closed_printed_breaker_open}};
  j["half_open_at_call_entry"] = f.half_open_at_call_entry;
  j["inferred_attempts"] = {{"total", f.inferred_attempts},
                            {"timeout", f.inferred_timeouts},
                            {"refused", f.inferred_refused},
                            {"stamped_before_start", f.inferred_before_start}};
  j["unexpected_sequences"] = f.unexpected_sequences;
  j["stamps_out_of_order"] = f.stamps_out_of_order;
  j["leading_partial_call"] = f.leading_partial_call;
  j["trailing_partial_call"] = f.trailing_partial_call;
  return j;
}

}  // namespace

ojson analysis_to_json(const Analysis& a) {
  ojson j = ojson::parse(a.summary.to_json());
  j["source"] = {{"file", a.file}, {"format", a.format}, {"recorder", a.recorder}};
  if (!a.scenario.empty()) j["source"]["scenario"] = a.scenario;
  j["duration_s"] = a.duration_s;
  ojson st = ojson::object();
  for (const auto& [status, n] : a.detail.attempts_by_status) st[status == 0 ? "none" : std::to_string(status)] = n;
  j["attempts_by_status"] = st;
  ojson waits;
  waits["count"] = a.summary.retries;
  waits["all_s"] = stats_json(a.detail.all_retry_waits());
  ojson by = ojson::array();
  for (std::size_t i = 0; i < a.detail.retry_waits_s.size(); ++i) {
    ojson row = stats_json(a.detail.retry_waits_s[i]);
    ojson e;
    e["after_attempt"] = i + 1;
    for (auto it = row.begin(); it != row.end(); ++it) e[it.key()] = it.value();
    by.push_back(e);
  }
  waits["by_attempt"] = by;
  j["retry_waits"] = waits;
  j["time_in_state_s"] = {{"closed", a.detail.time_in_state_s[0]},
                          {"open", a.detail.time_in_state_s[1]},
                          {"half_open", a.detail.time_in_state_s[2]}};
  ojson od = stats_json(a.detail.open_durations_s);
  od["censored"] = a.detail.open_censored;
  j["open_durations_s"] = od;
  ojson ep = stats_json(a.detail.episodes_s);
  ep["censored"] = a.detail.episodes_censored;
  j["episodes_s"] = ep;
  j["rates_per_minute"] = rates_json(a);
  if (a.chaos) {
    ojson c;
    c["journal"] = a.chaos->journal;
    c["activity"] = a.chaos->activity;
    c["start"] = format_utc(a.chaos->start);
    c["end"] = format_utc(a.chaos->end);
    c["in_recording"] = a.lab ? a.lab->chaos_in_log : true;
    if (a.lab && a.lab->ready_again_s) c["ready_again_inferred_s"] = *a.lab->ready_again_s;
    j["chaos_window"] = c;
  }
  if (a.lab) j["lab_log"] = lab_json(*a.lab);
  j["notes"] = a.notes;
  return j;
}

std::string analysis_to_text(const Analysis& a) {
  std::string out;
  auto line = [&out](const std::string& s) { out += s + '\n'; };
  const RunSummary& s = a.summary;
  const double d = a.duration_s;
  line(a.file + " (" + a.format + (a.format == "trace" ? ", " + a.recorder : "") +
       (a.format == "trace" && s.seed ? ", seed " + std::to_string(s.seed) : "") + "): " + fmt("%.1f s", d) + " = " +
       fmt("%.2f min", d / 60.0));
  // The summary's first line speaks of virtual seconds and simulation events: not for recordings.
  const std::string summary_text = s.to_text();
  out += a.format == "simulation" ? summary_text : summary_text.substr(summary_text.find('\n') + 1);
  auto rate = [d](std::uint64_t n) { return fmt("%.2f/min", per_minute(n, d)); };
  line("rates     calls " + rate(s.calls.total) + " (ok " + rate(s.calls.ok) + ", rejected " + rate(s.calls.rejected) +
       "), attempts " + rate(s.attempts.total) + ", retries " + rate(s.retries) + ", closed->open " +
       rate(s.transitions.closed_to_open));
  std::string st = "statuses ";
  // append, not " " + ...: GCC 12 -O3 reports a false -Wrestrict on that.
  for (const auto& [status, n] : a.detail.attempts_by_status)
    st.append(" ").append(status == 0 ? "none" : std::to_string(status)).append(":").append(std::to_string(n));
  line(st);
  for (std::size_t i = 0; i < a.detail.retry_waits_s.size(); ++i) {
    const SampleStats w = sample_stats(a.detail.retry_waits_s[i]);
    line("retry     after attempt " + std::to_string(i + 1) + ": " + std::to_string(w.count) + " waits, mean " +
         fmt("%.3f s", w.mean) + ", p50 " + fmt("%.3f s", w.p50) + ", range " + fmt("%.3f", w.min) + ".." +
         fmt("%.3f s", w.max));
  }
  const auto& ts = a.detail.time_in_state_s;
  line("state     closed " + fmt("%.1f s", ts[0]) + ", open " + fmt("%.1f s", ts[1]) + ", half-open " +
       fmt("%.1f s", ts[2]));
  const SampleStats od = sample_stats(a.detail.open_durations_s);
  if (od.count)
    line("open      " + std::to_string(od.count) + " intervals: mean " + fmt("%.3f s", od.mean) + ", p50 " +
         fmt("%.3f s", od.p50) + ", p95 " + fmt("%.3f s", od.p95) + ", max " + fmt("%.3f s", od.max));
  const SampleStats ep = sample_stats(a.detail.episodes_s);
  if (ep.count)
    line("episodes  " + std::to_string(ep.count) + " (closed->open until closed): mean " + fmt("%.3f s", ep.mean) +
         ", p50 " + fmt("%.3f s", ep.p50) + ", p95 " + fmt("%.3f s", ep.p95) + ", max " + fmt("%.3f s", ep.max));
  if (a.lab) {
    const LabLogFacts& f = *a.lab;
    line("lab log   " + std::to_string(f.lines) + " lines; Breaker= printed CLOSED " + std::to_string(f.result_state[0]) +
         ", OPEN " + std::to_string(f.result_state[1]) + ", HALF-OPEN " + std::to_string(f.result_state[2]) +
         "; stale: " + std::to_string(f.open_printed_result_ok) + " OPEN with an ok result, " +
         std::to_string(f.closed_printed_breaker_open) + " CLOSED with 'circuit breaker open'");
    line("          " + std::to_string(f.trial_calls) + " half-open trials (" + std::to_string(f.half_open_at_call_entry) +
         " began at call entry); the loop read HALF-OPEN " + std::to_string(f.seen_state[2]) + " times");
  }
  for (const auto& n : a.notes) line("note      " + n);
  return out;
}

// ---------------------------------------------------------------------------------------------

std::vector<Metric> comparable_metrics(const Analysis& a) {
  const RunSummary& s = a.summary;
  const double d = a.duration_s;
  std::vector<Metric> m;
  auto rate = [&](const char* name, std::uint64_t n, bool main) { m.push_back({name, per_minute(n, d), main}); };
  rate("calls_per_min.total", s.calls.total, false);
  rate("calls_per_min.ok", s.calls.ok, true);
  rate("calls_per_min.http_5xx", s.calls.http_5xx, false);
  rate("calls_per_min.timeout", s.calls.timeout, false);
  rate("calls_per_min.refused", s.calls.refused, false);
  rate("calls_per_min.rejected", s.calls.rejected, true);
  rate("attempts_per_min.total", s.attempts.total, true);
  rate("attempts_per_min.http_2xx", s.attempts.ok, false);
  rate("attempts_per_min.http_5xx", s.attempts.http_5xx, false);
  rate("attempts_per_min.timeout", s.attempts.timeout, false);
  rate("attempts_per_min.refused", s.attempts.refused, false);
  rate("retries_per_min", s.retries, true);
  rate("transitions_per_min.closed_to_open", s.transitions.closed_to_open, true);
  rate("transitions_per_min.open_to_half_open", s.transitions.open_to_half_open, false);
  rate("transitions_per_min.half_open_to_open", s.transitions.half_open_to_open, false);
  rate("transitions_per_min.half_open_to_closed", s.transitions.half_open_to_closed, true);
  auto ratio = [](std::uint64_t part, std::uint64_t total) -> std::optional<double> {
    if (total == 0) return std::nullopt;
    return static_cast<double>(part) / static_cast<double>(total);
  };
  m.push_back({"success_ratio", ratio(s.calls.ok, s.calls.total), false});
  m.push_back({"retry_amplification", s.retry_amplification, false});
  m.push_back({"open_fraction", d > 0 ? std::optional<double>(a.detail.time_in_state_s[1] / d) : std::nullopt, false});
  m.push_back({"latency_ms.p50", s.latency_p50_ms, false});
  m.push_back({"latency_ms.p95", s.latency_p95_ms, false});
  m.push_back({"latency_ms.p99", s.latency_p99_ms, false});
  auto mean = [](const std::vector<double>& v) -> std::optional<double> {
    if (v.empty()) return std::nullopt;
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  m.push_back({"open_duration_s.mean", mean(a.detail.open_durations_s), false});
  m.push_back({"retry_wait_s.mean", mean(a.detail.all_retry_waits()), false});
  m.push_back({"episode_s.mean", mean(a.detail.episodes_s), false});
  if (s.recovery) {
    m.push_back({"recovery.outage_s", s.recovery->outage_s, false});
    m.push_back({"recovery.time_to_first_success_s", s.recovery->time_to_first_success_s, true});
    m.push_back({"recovery.time_to_closed_s", s.recovery->time_to_closed_s, true});
  }
  return m;
}

std::vector<DurationSample> duration_samples(const Analysis& a) {
  return {{"open_duration_s", a.detail.open_durations_s},
          {"retry_wait_s", a.detail.all_retry_waits()},
          {"episode_s", a.detail.episodes_s}};
}

}  // namespace chaoslab::analysis
