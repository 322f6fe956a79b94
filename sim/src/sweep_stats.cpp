#include "sim/sweep_stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <set>

#include "policies/error.hpp"

namespace chaoslab::sim {

using nlohmann::json;

namespace {

void flatten(const json& j, const std::string& prefix, std::vector<std::pair<std::string, double>>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  } else if (j.is_number()) {
    if (prefix != "seed") out.emplace_back(prefix, j.get<double>());
  }
}

double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

MetricStats describe_metric(const std::string& name, std::vector<double>& v) {
  MetricStats s;
  s.n = v.size();
  // Welford in run order: the same runs give the same bits whatever the jobs were.
  double mean = 0, m2 = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double d = v[i] - mean;
    mean += d / static_cast<double>(i + 1);
    m2 += d * (v[i] - mean);
  }
  s.mean = mean;
  s.ci_lo = s.ci_hi = mean;
  if (s.n >= 2) {
    s.stddev = std::sqrt(m2 / static_cast<double>(s.n - 1));
    const double half = t_quantile_975(s.n - 1) * s.stddev / std::sqrt(static_cast<double>(s.n));
    s.ci_lo = mean - half;
    s.ci_hi = mean + half;
  }
  // Only the quantiles need the values in order. Without them min and max are one pass, which
  // gives the same bits as the sort unless a -0.0 is among the zeros (then which zero a sort
  // puts first is its own affair: sort, as before). Most metrics are counts without quantiles.
  const bool quantiles = metric_has_quantiles(name);
  const bool negative_zero =
      std::any_of(v.begin(), v.end(), [](double x) { return x == 0 && std::signbit(x); });
  if (!quantiles && !negative_zero) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    s.min = *lo;
    s.max = *hi;
    return s;
  }
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  if (quantiles) {
    s.has_quantiles = true;
    s.p05 = quantile(v, 0.05);
    s.p25 = quantile(v, 0.25);
    s.p50 = quantile(v, 0.50);
    s.p75 = quantile(v, 0.75);
    s.p95 = quantile(v, 0.95);
  }
  return s;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string param_cell(const json& v) {
  if (v.is_string()) return csv_cell(v.get<std::string>());
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number()) return csv_number(v.get<double>());
  return csv_cell(v.dump());
}


// A reader of just enough JSON to collect the numeric leaves as flatten() does: objects are
// walked, arrays, strings, booleans and nulls skipped. Returns false on anything it does not
// handle exactly as nlohmann would (escaped keys, malformed text): the caller then uses the DOM.
// Where each number of a scanned text was, for ScanTemplate.
struct NumberToken {
  std::size_t pos = 0, len = 0;
  bool emitted = false;
};

class MetricScan {
 public:
  MetricScan(std::string_view s, RunMetrics& out, std::vector<NumberToken>* tokens = nullptr)
      : s_(s), out_(out), tokens_(tokens) {}

  // Indices in out.values of calls.ok and calls.total (-1: absent or not emitted), and the size
  // of out.names before success_rate.
  int ok_index = -1, total_index = -1;
  std::size_t names_before_rate = 0;

  bool run() {
    if (!value(0, true, false)) return false;
    ws();
    if (i_ != s_.size()) return false;
    names_before_rate = out_.names.size();
    if (has_ok_ && has_total_ && total_ > 0) {
      out_.names += "success_rate\n";
      out_.values.push_back(ok_ / total_);
    }
    return true;
  }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  // `calls`: this value is the top-level "calls" object (its ok and total give success_rate).
  bool value(int depth, bool emit, bool calls) {
    ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') return object(depth, emit, calls);
    if (c == '[') return array(depth);
    if (c == '"') return skip_string();
    if (c == 't' || c == 'f' || c == 'n') return literal();
    return number(emit, calls);
  }

  bool object(int depth, bool emit, bool calls) {
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    // The keys of this object: a repeated key (nlohmann keeps the last value) goes to the DOM.
    std::string_view keys[64];
    std::size_t n_keys = 0;
    for (;;) {
      ws();
      if (i_ >= s_.size() || s_[i_] != '"') return false;
      const std::size_t start = i_ + 1;
      const std::size_t end = s_.find('"', start);
      if (end == std::string_view::npos) return false;
      const std::string_view key = s_.substr(start, end - start);
      if (!plain(key) || n_keys == std::size(keys)) return false;
      for (std::size_t k = 0; k < n_keys; ++k)
        if (keys[k] == key) return false;
      keys[n_keys++] = key;
      i_ = end + 1;
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return false;
      ++i_;
      const std::size_t keep = path_.size();
      if (!path_.empty()) path_ += '.';
      path_ += key;
      member_ = calls ? (key == "ok" ? 1 : key == "total" ? 2 : 0) : 0;
      if (!value(depth + 1, emit, depth == 0 && key == "calls")) return false;
      path_.resize(keep);
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] != '}') return false;
      ++i_;
      return true;
    }
  }

  bool array(int depth) {
    member_ = 0;  // calls.ok as an array is not a number
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      if (!value(depth + 1, false, false)) return false;
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] != ']') return false;
      ++i_;
      return true;
    }
  }

  // Text nlohmann takes as it is: no escapes, control characters or non-ASCII bytes (which it
  // would decode or check as UTF-8); anything else goes to the DOM.
  static bool plain(std::string_view t) {
    for (const char c : t)
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
  }

  bool skip_string() {
    const std::size_t end = s_.find('"', i_ + 1);
    if (end == std::string_view::npos || !plain(s_.substr(i_ + 1, end - i_ - 1))) return false;
    i_ = end + 1;
    return true;
  }

  // JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  static bool json_number(const char* p, const char* end) {
    auto digits = [&] {
      const char* from = p;
      while (p < end && *p >= '0' && *p <= '9') ++p;
      return p > from;
    };
    if (p < end && *p == '-') ++p;
    if (p < end && *p == '0') {
      ++p;
    } else if (!digits()) {
      return false;
    }
    if (p < end && *p == '.') {
      ++p;
      if (!digits()) return false;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < end && (*p == '+' || *p == '-')) ++p;
      if (!digits()) return false;
    }
    return p == end;
  }

  bool literal() {
    for (std::string_view lit : {"true", "false", "null"})
      if (s_.substr(i_, lit.size()) == lit) {
        i_ += lit.size();
        return true;
      }
    return false;
  }

  // As nlohmann: a token without '.', 'e' or 'E' that fits a 64-bit integer is that integer;
  // anything else is the correctly rounded double (std::from_chars rounds as strtod does).
  // Reads the number at s[i]; moves i past it.
 public:
  static bool read_number(std::string_view s, std::size_t& i, double& v) {
    const std::size_t start = i;
    bool integer = true;
    while (i < s.size()) {
      const char c = s[i];
      if ((c >= '0' && c <= '9') || c == '-' || c == '+') {
        ++i;
      } else if (c == '.' || c == 'e' || c == 'E') {
        integer = false;
        ++i;
      } else {
        break;
      }
    }
    if (i == start) return false;
    const char* first = s.data() + start;
    const char* last = s.data() + i;
    if (!json_number(first, last)) return false;
    if (integer) {
      if (*first == '-') {
        std::int64_t n = 0;
        const auto r = std::from_chars(first, last, n);
        if (r.ec == std::errc() && r.ptr == last) return v = static_cast<double>(n), true;
      } else {
        std::uint64_t n = 0;
        const auto r = std::from_chars(first, last, n);
        if (r.ec == std::errc() && r.ptr == last) return v = static_cast<double>(n), true;
      }
    }
    const auto r = std::from_chars(first, last, v);
    return r.ec == std::errc() && r.ptr == last;
  }

 private:
  bool number(bool emit, bool /*calls*/) {
    const std::size_t start = i_;
    double v = 0;
    if (!read_number(s_, i_, v)) return false;
    const bool emitted = emit && path_ != "seed";
    if (member_ == 1) has_ok_ = true, ok_ = v, ok_index = emitted ? static_cast<int>(out_.values.size()) : -2;
    if (member_ == 2) has_total_ = true, total_ = v, total_index = emitted ? static_cast<int>(out_.values.size()) : -2;
    member_ = 0;
    if (tokens_) tokens_->push_back({start, i_ - start, emitted});
    if (emitted) {
      out_.names += path_;
      out_.names += '\n';
      out_.values.push_back(v);
    }
    return true;
  }

  std::string_view s_;
  RunMetrics& out_;
  std::vector<NumberToken>* tokens_;
  std::size_t i_ = 0;
  std::string path_;
  int member_ = 0;  // the value being read is calls.ok (1) or calls.total (2)
  bool has_ok_ = false, has_total_ = false;
  double ok_ = 0, total_ = 0;
};

}  // namespace

namespace {

// The last text a worker scanned, with where its numbers were. A sweep's summaries differ from one
// run to the next only in their numbers (same keys, same order): a text that matches the template
// outside its numbers has the template's names, and only its numbers are read (a full scan cost
// about 4 % of a lab3-chaos run). Anything else is scanned in full and becomes the template.
struct ScanTemplate {
  std::string text;
  std::vector<NumberToken> tokens;
  std::string names;  // without success_rate
  int ok_index = -1, total_index = -1;
  bool valid = false;

  bool apply(std::string_view s, RunMetrics& out) const {
    out.values.clear();
    std::size_t i = 0, j = 0;
    for (const NumberToken& t : tokens) {
      const std::size_t literal = t.pos - j;
      if (s.size() - i < literal || s.compare(i, literal, std::string_view(text).substr(j, literal)) != 0) return false;
      i += literal;
      j = t.pos + t.len;
      double v = 0;
      if (!MetricScan::read_number(s, i, v)) return false;
      if (t.emitted) out.values.push_back(v);
    }
    if (s.substr(i) != std::string_view(text).substr(j)) return false;
    out.names.assign(names);
    if (ok_index >= 0 && total_index >= 0) {
      const double ok = out.values[static_cast<std::size_t>(ok_index)];
      const double total = out.values[static_cast<std::size_t>(total_index)];
      if (total > 0) {
        out.names += "success_rate\n";
        out.values.push_back(ok / total);
      }
    }
    return true;
  }
};

}  // namespace

void scan_run_metrics(std::string_view summary_json, RunMetrics& out) {
  out.layout = 0;  // names from text, not from a summary_metrics() layout
  thread_local ScanTemplate tpl;
  if (tpl.valid && tpl.apply(summary_json, out)) return;
  out.names.clear();
  out.values.clear();
  tpl.valid = false;
  tpl.tokens.clear();
  MetricScan scan(summary_json, out, &tpl.tokens);
  if (scan.run()) {
    // A calls.ok or calls.total that was read but not listed (not possible in a summary) would
    // need the full scan's bookkeeping: no template then.
    if (scan.ok_index != -2 && scan.total_index != -2) {
      tpl.text.assign(summary_json);
      tpl.names.assign(out.names, 0, scan.names_before_rate);
      tpl.ok_index = scan.ok_index;
      tpl.total_index = scan.total_index;
      tpl.valid = true;
    }
    return;
  }
  out.names.clear();
  out.values.clear();
  for (const auto& [name, v] : run_metrics(json::parse(summary_json))) {
    out.names += name;
    out.names += '\n';
    out.values.push_back(v);
  }
}

namespace {

// The value a decimal field's text reads back as. What integers cannot hold (not reached by real
// runs: a billion seconds) is printed and read as to_json() prints it.
double decimal_value(double v, int decimals) {
  const FixedDecimal f = summary_decimal(v, decimals);
  if (f.exact) return f.value();
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  double out = 0;
  std::size_t i = 0;
  if (r.ec != std::errc() || !MetricScan::read_number(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)), i, out))
    return v;
  return out;
}

}  // namespace

void summary_metrics(const RunSummary& s, RunMetrics& out) {
  // Which optional fields print as numbers: the names differ only by these.
  const std::uint32_t layout = 1u | (s.transitions.other ? 2u : 0u) | (s.latency_p50_ms ? 4u : 0u) |
                               (s.latency_p95_ms ? 8u : 0u) | (s.latency_p99_ms ? 16u : 0u) |
                               (s.recovery ? 32u : 0u) |
                               (s.recovery && s.recovery->time_to_first_success_s ? 64u : 0u) |
                               (s.recovery && s.recovery->time_to_closed_s ? 128u : 0u) |
                               (s.retry_amplification ? 256u : 0u) | (s.peak_backend_queue ? 512u : 0u) |
                               (s.calls.total > 0 ? 1024u : 0u);
  const bool names = out.layout != layout;
  if (names) out.names.clear();
  out.values.clear();
  auto put = [&](const char* name, double v) {
    if (names) {
      out.names += name;
      out.names += '\n';
    }
    out.values.push_back(v);
  };
  auto count = [&](const char* name, std::uint64_t v) { put(name, static_cast<double>(v)); };
  // In to_json()'s order, with the decimals it prints.
  put("virtual_seconds", decimal_value(s.virtual_seconds, 6));
  count("events", s.events);
  count("calls.total", s.calls.total);
  count("calls.ok", s.calls.ok);
  count("calls.http_5xx", s.calls.http_5xx);
  count("calls.timeout", s.calls.timeout);
  count("calls.refused", s.calls.refused);
  count("calls.rejected", s.calls.rejected);
  count("calls.http_4xx", s.calls.http_4xx);
  count("calls.reset", s.calls.reset);
  count("attempts.total", s.attempts.total);
  count("attempts.http_2xx", s.attempts.ok);
  count("attempts.http_5xx", s.attempts.http_5xx);
  count("attempts.timeout", s.attempts.timeout);
  count("attempts.refused", s.attempts.refused);
  count("attempts.http_4xx", s.attempts.http_4xx);
  count("attempts.reset", s.attempts.reset);
  count("retries", s.retries);
  count("transitions.closed_to_open", s.transitions.closed_to_open);
  count("transitions.open_to_half_open", s.transitions.open_to_half_open);
  count("transitions.half_open_to_open", s.transitions.half_open_to_open);
  count("transitions.half_open_to_closed", s.transitions.half_open_to_closed);
  if (s.transitions.other) count("transitions.other", s.transitions.other);
  if (s.latency_p50_ms) put("latency_ms.p50", decimal_value(*s.latency_p50_ms, 3));
  if (s.latency_p95_ms) put("latency_ms.p95", decimal_value(*s.latency_p95_ms, 3));
  if (s.latency_p99_ms) put("latency_ms.p99", decimal_value(*s.latency_p99_ms, 3));
  if (s.recovery) {
    put("recovery.outage_s", decimal_value(s.recovery->outage_s, 6));
    if (s.recovery->time_to_first_success_s)
      put("recovery.time_to_first_success_s", decimal_value(*s.recovery->time_to_first_success_s, 6));
    if (s.recovery->time_to_closed_s)
      put("recovery.time_to_closed_s", decimal_value(*s.recovery->time_to_closed_s, 6));
  }
  if (s.retry_amplification) put("retry_amplification", decimal_value(*s.retry_amplification, 6));
  count("attempts_without_ready_endpoint", s.attempts_without_ready_endpoint);
  count("failed_half_open_trials", s.failed_half_open_trials);
  put("wasted_cooldown_s", decimal_value(s.wasted_cooldown_s, 6));
  if (s.peak_backend_queue) put("peak_backend_queue", static_cast<double>(*s.peak_backend_queue));
  if (s.calls.total > 0)
    put("success_rate", static_cast<double>(s.calls.ok) / static_cast<double>(s.calls.total));
  out.layout = layout;
}

SweepStatsBuilder::SweepStatsBuilder(std::vector<std::string> axes) { stats_.axes = std::move(axes); }

void SweepStatsBuilder::begin_point(std::size_t point, json params) {
  finish_point();
  current_.point = point;
  current_.params = std::move(params);
  have_point_ = true;
}

const SweepStatsBuilder::Shape& SweepStatsBuilder::shape_of(const RunMetrics& m) {
  const std::string& names = m.names;
  // A summary_metrics() layout names its metrics: no need to compare the names themselves.
  if (m.layout != 0)
    for (const Shape& s : shapes_)
      if (s.layout == m.layout) return s;
  for (Shape& s : shapes_)
    if (s.names == names) {
      if (m.layout != 0) s.layout = m.layout;
      return s;
    }
  Shape s;
  s.names = names;
  s.layout = m.layout;
  for (std::size_t at = 0; at < names.size();) {
    const std::size_t nl = names.find('\n', at);
    s.columns.push_back(&values_[names.substr(at, nl - at)]);
    at = nl + 1;
  }
  // A few shapes occur (recovery null or not, latency without successes); more would mean a
  // model with free-form summaries: then keep the newest.
  if (shapes_.size() >= 16) shapes_.erase(shapes_.begin());
  shapes_.push_back(std::move(s));
  return shapes_.back();
}

void SweepStatsBuilder::add_run(const RunMetrics& m) {
  current_.runs += 1;
  stats_.runs += 1;
  const Shape& shape = shape_of(m);
  for (std::size_t k = 0; k < m.values.size(); ++k) shape.columns[k]->push_back(m.values[k]);
}

void SweepStatsBuilder::finish_point() {
  if (!have_point_) return;
  if (defer_) {
    // The values move out; the columns keep room for a point of the same size.
    Pending p;
    for (auto& [name, v] : values_)
      if (!v.empty()) {
        const std::size_t size = v.size();
        p.columns.emplace_back(name, std::move(v));
        v = std::vector<double>();
        v.reserve(size);
      }
    p.stats = std::move(current_);
    pending_.push_back(std::move(p));
  } else {
    for (auto& [name, v] : values_)
      if (!v.empty()) {
        current_.metrics[name] = describe_metric(name, v);
        v.clear();
      }
    stats_.points.push_back(std::move(current_));
  }
  current_ = PointStats{};
  have_point_ = false;
}

PointStats SweepStatsBuilder::describe(Pending&& p) {
  for (auto& [name, v] : p.columns) p.stats.metrics[name] = describe_metric(name, v);
  return std::move(p.stats);
}

void SweepStatsBuilder::add_described(PointStats p) { stats_.points.push_back(std::move(p)); }

SweepStats SweepStatsBuilder::finish() {
  finish_point();
  for (auto& p : pending_) add_described(describe(std::move(p)));
  pending_.clear();
  if (defer_)
    std::sort(stats_.points.begin(), stats_.points.end(),
              [](const PointStats& a, const PointStats& b) { return a.point < b.point; });
  stats_.metrics.clear();
  for (const auto& [name, v] : values_) stats_.metrics.push_back(name);
  return std::move(stats_);
}

namespace {
}  // namespace

std::vector<std::pair<std::string, double>> run_metrics(const json& summary) {
  std::vector<std::pair<std::string, double>> out;
  flatten(summary, "", out);
  const auto calls = summary.find("calls");
  if (calls != summary.end() && calls->is_object()) {
    auto ok = calls->find("ok");
    auto total = calls->find("total");
    if (ok != calls->end() && total != calls->end() && ok->is_number() && total->is_number() &&
        total->get<double>() > 0)
      out.emplace_back("success_rate", ok->get<double>() / total->get<double>());
  }
  return out;
}

bool metric_has_quantiles(const std::string& name) {
  return ends_with(name, "_s") || ends_with(name, "_ms") || name.rfind("latency_ms.", 0) == 0;
}

double t_quantile_975(std::size_t df) {
  static constexpr double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                     2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                     2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return std::numeric_limits<double>::infinity();
  if (df <= 30) return table[df - 1];
  // Cornish-Fisher expansion around the normal quantile; error < 1e-4 for df > 30.
  const double z = 1.959963984540054;
  const double n = static_cast<double>(df);
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  // std::to_chars(general, 9) prints what printf("%.9g") prints in the C locale, at a fraction of
  // its cost (printf was most of writing summary.csv: a tenth of a millisecond per point).
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 9);
  return std::string(buf, r.ptr);
}

SweepStats summarize_sweep(const std::filesystem::path& dir) {
  SweepStats stats;
  const auto manifest_path = dir / "sweep.json";
  {
    std::ifstream in(manifest_path);
    if (!in) throw ConfigError(manifest_path.string() + ": cannot read (not a sweep directory?)");
    json manifest = json::parse(in, nullptr, false);
    if (manifest.is_discarded() || !manifest.contains("axes"))
      throw ConfigError(manifest_path.string() + ": not a chaoslab sweep description");
    for (const auto& a : manifest["axes"]) stats.axes.push_back(a.at("name").get<std::string>());
  }

  const auto runs_path = dir / "runs.jsonl";
  std::ifstream in(runs_path);
  if (!in) throw ConfigError(runs_path.string() + ": cannot read");
  SweepStatsBuilder builder(std::move(stats.axes));
  RunMetrics metrics;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("point") || !j.contains("summary"))
      throw ConfigError(runs_path.string() + ":" + std::to_string(line_no) + ": not a sweep run line");
    const auto point = j["point"].get<std::size_t>();
    if (builder.new_point(point)) builder.begin_point(point, j.value("params", json::object()));
    metrics.names.clear();
    metrics.values.clear();
    for (const auto& [name, v] : run_metrics(j["summary"])) {
      metrics.names += name;
      metrics.names += '\n';
      metrics.values.push_back(v);
    }
    builder.add_run(metrics);
  }
  return builder.finish();
}

void write_summary_csv(const SweepStats& stats, std::ostream& out) {
  // A metric some run lacks (recovery without chaos, latency without successes) gets an n column.
  std::set<std::string> partial;
  for (const auto& p : stats.points)
    for (const auto& m : stats.metrics) {
      auto it = p.metrics.find(m);
      if (it == p.metrics.end() || it->second.n != p.runs) partial.insert(m);
    }
  // Cells are appended one by one (GCC 12 warns falsely about `"," + std::string` at -O2).
  std::string row;
  auto cell = [&row](const std::string& v) {
    row += ',';
    row += v;
  };
  auto column = [&](const std::string& metric, const char* stat) {
    row += ',';
    row += metric;
    row += stat;
  };
  row = "point";
  for (const auto& a : stats.axes) cell(csv_cell(a));
  row += ",runs";
  for (const auto& m : stats.metrics) {
    column(m, ".mean");
    column(m, ".ci95_lo");
    column(m, ".ci95_hi");
    if (metric_has_quantiles(m)) {
      column(m, ".p50");
      column(m, ".p95");
    }
    if (partial.count(m)) column(m, ".n");
  }
  out << row << '\n';
  for (const auto& p : stats.points) {
    row = std::to_string(p.point);
    for (const auto& a : stats.axes) cell(p.params.contains(a) ? param_cell(p.params[a]) : std::string());
    cell(std::to_string(p.runs));
    for (const auto& m : stats.metrics) {
      auto it = p.metrics.find(m);
      const bool has = it != p.metrics.end();
      const MetricStats s = has ? it->second : MetricStats{};
      cell(has ? csv_number(s.mean) : std::string());
      cell(has ? csv_number(s.ci_lo) : std::string());
      cell(has ? csv_number(s.ci_hi) : std::string());
      if (metric_has_quantiles(m)) {
        cell(has ? csv_number(s.p50) : std::string());
        cell(has ? csv_number(s.p95) : std::string());
      }
      if (partial.count(m)) cell(std::to_string(s.n));
    }
    out << row << '\n';
  }
}

}  // namespace chaoslab::sim
