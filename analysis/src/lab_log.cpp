// Parser for the lab client's log. The line kinds come from client_service/main.py (its own
// logging calls), httpx ("HTTP Request: ..."), tenacity's before_sleep_log ("Retrying ...") and
// uvicorn's start-up lines.
#include "analysis/lab_log.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <istream>

#include "policies/error.hpp"
#include "policies/iso8601.hpp"

namespace chaoslab::analysis {
namespace {

constexpr std::string_view kLevels[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};

bool is_level(std::string_view s) {
  for (auto l : kLevels)
    if (s == l) return true;
  return false;
}

[[noreturn]] void fail(const std::string& file, std::size_t line, const std::string& msg) {
  throw ConfigError(file + ":" + std::to_string(line) + ": " + msg);
}

bool digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

int num(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// "YYYY-MM-DD HH:MM:SS,mmm": the shape only (values are checked by parse_stamp).
bool has_stamp_shape(std::string_view s) {
  return s.size() >= 23 && digits(s, 0, 4) && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' &&
         digits(s, 8, 2) && s[10] == ' ' && digits(s, 11, 2) && s[13] == ':' && digits(s, 14, 2) &&
         s[16] == ':' && digits(s, 17, 2) && s[19] == ',' && digits(s, 20, 3);
}

// The stamp of a line with the stamp's shape, in ms since the epoch (no zone in the log: UTC).
std::optional<std::int64_t> parse_stamp(std::string_view s) {
  const auto dt = parse_date_time(s.substr(0, 23), DateTimeSyntax{.fraction_mark = ',', .zone = false});
  // Stamps become nanosecond Instants (replay, analyze): years past 2262 would overflow them.
  // Python's logging never writes a leap second.
  if (!dt || dt->year < 1970 || dt->year > 2200 || dt->second > 59) return std::nullopt;
  return dt->unix_micros() / 1000;
}

std::optional<LabState> parse_state(std::string_view s) {
  std::string u;
  for (char c : s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u == "CLOSED") return LabState::closed;
  if (u == "OPEN") return LabState::open;
  if (u == "HALF-OPEN" || u == "HALF_OPEN") return LabState::half_open;
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A Python str repr ('...' or "...") at the start of `s`; returns its value and moves `s` past it.
std::optional<std::string> python_string(std::string_view& s) {
  if (s.empty() || (s[0] != '\'' && s[0] != '"')) return std::nullopt;
  const char q = s[0];
  std::string out;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      const char e = s[++i];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        default: out += e; break;  // \\, \', \" (other escapes keep their letter)
      }
    } else if (c == q) {
      s.remove_prefix(i + 1);
      return out;
    } else {
      out += c;
    }
  }
  return std::nullopt;
}

LabResult classify_error(std::string_view e, int& status) {
  if (e == "circuit breaker open") return LabResult::breaker_open;
  if (e.find("timed out") != std::string_view::npos) return LabResult::timed_out;
  constexpr std::string_view kServer = "server error ";
  if (e.starts_with(kServer) && digits(e, kServer.size(), e.size() - kServer.size()) &&
      e.size() > kServer.size()) {
    status = 0;
    std::from_chars(e.data() + kServer.size(), e.data() + e.size(), status);
    return LabResult::server_error;
  }
  for (auto needle : {"Connection refused", "All connection attempts failed",
                      "Name or service not known", "Temporary failure in name resolution"})
    if (e.find(needle) != std::string_view::npos) return LabResult::connection_refused;
  for (auto needle : {"Server disconnected", "Connection reset", "peer closed connection"})
    if (e.find(needle) != std::string_view::npos) return LabResult::connection_reset;
  return LabResult::other_error;
}

void parse_call_result(std::string_view msg, LabRecord& r, const std::string& file,
                       std::size_t ln) {
  constexpr std::string_view kResult = " result=";
  const auto pos = msg.find(kResult);
  if (pos == std::string_view::npos) fail(file, ln, "malformed call result: missing ' result='");
  const auto st = parse_state(msg.substr(8, pos - 8));  // after "Breaker="
  if (!st)
    fail(file, ln, "unknown breaker state '" + std::string(msg.substr(8, pos - 8)) +
                       "' (expected CLOSED, OPEN or HALF-OPEN)");
  r.kind = LabRecord::Kind::call_result;
  r.state = *st;
  std::string_view res = trim(msg.substr(pos + kResult.size()));
  if (res == "None") {
    r.result = LabResult::ok;
    r.text = "None";
    return;
  }
  if (res.size() < 2 || res.front() != '{' || res.back() != '}')
    fail(file, ln, "malformed call result '" + std::string(res) + "': expected a dict");
  for (std::string_view key : {"{'error': ", "{\"error\": "}) {
    if (!res.starts_with(key)) continue;
    std::string_view rest = res.substr(key.size());
    auto text = python_string(rest);
    if (!text || trim(rest) != "}")
      fail(file, ln, "malformed error result '" + std::string(res) + "'");
    r.text = *text;
    r.result = classify_error(r.text, r.status);
    return;
  }
  r.result = LabResult::ok;
  r.text = std::string(res);
}

void parse_http_request(std::string_view msg, LabRecord& r, const std::string& file,
                        std::size_t ln) {
  // HTTP Request: GET http://host/work "HTTP/1.1 500 Internal Server Error"
  std::string_view rest = msg.substr(std::string_view("HTTP Request: ").size());
  const auto sp = rest.find(' ');
  const auto quote = rest.find(" \"HTTP/");
  if (sp == std::string_view::npos || quote == std::string_view::npos || quote < sp ||
      rest.back() != '"')
    fail(file, ln, "malformed HTTP request line: expected METHOD URL \"HTTP/x.y STATUS REASON\"");
  r.kind = LabRecord::Kind::http_request;
  r.method = std::string(rest.substr(0, sp));
  r.url = std::string(trim(rest.substr(sp + 1, quote - sp - 1)));
  std::string_view status_line = rest.substr(quote + 2, rest.size() - quote - 3);  // HTTP/1.1 500 ...
  const auto s1 = status_line.find(' ');
  if (s1 == std::string_view::npos || !digits(status_line, s1 + 1, 3))
    fail(file, ln, "malformed HTTP status in '" + std::string(status_line) + "'");
  r.status = num(status_line, s1 + 1, 3);
  r.reason = std::string(trim(status_line.substr(std::min(status_line.size(), s1 + 4))));
  if (r.method.empty() || r.url.empty()) fail(file, ln, "malformed HTTP request line: empty method or URL");
}

constexpr double kMaxRetryWaitS = 1e6;  // 11.6 days; no retry policy sleeps longer

void parse_retry(std::string_view msg, LabRecord& r, const std::string& file, std::size_t ln) {
  // Retrying main.fetch_with_retry in 1.372659907494004 seconds as it raised TransientError: ...
  std::string_view rest = msg.substr(std::string_view("Retrying ").size());
  const auto in = rest.find(" in ");
  const auto secs = rest.find(" seconds as it ");
  if (in == std::string_view::npos || secs == std::string_view::npos || secs < in)
    fail(file, ln, "malformed retry line: expected 'Retrying F in W seconds as it raised E.'");
  r.kind = LabRecord::Kind::retry;
  r.function = std::string(rest.substr(0, in));
  const std::string_view w = rest.substr(in + 4, secs - in - 4);
  const auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), r.wait_s);
  if (ec != std::errc{} || p != w.data() + w.size() || !std::isfinite(r.wait_s) || r.wait_s < 0)
    fail(file, ln, "malformed retry wait '" + std::string(w) + "'");
  // The wait is added to a nanosecond Instant that may already be two centuries in (see
  // parse_stamp): a bound keeps the sum representable.
  if (r.wait_s > kMaxRetryWaitS)
    fail(file, ln, "retry wait '" + std::string(w) + "' is out of range: at most " +
                       std::to_string(static_cast<long long>(kMaxRetryWaitS)) + " seconds");
  std::string_view tail = rest.substr(secs + std::string_view(" seconds as it ").size());
  for (std::string_view verb : {"raised ", "returned "})
    if (tail.starts_with(verb)) tail.remove_prefix(verb.size());
  if (tail.ends_with('.')) tail.remove_suffix(1);
  r.text = std::string(tail);
}

}  // namespace

std::string_view to_string(LabState s) {
  switch (s) {
    case LabState::closed: return "CLOSED";
    case LabState::open: return "OPEN";
    case LabState::half_open: return "HALF-OPEN";
  }
  return "?";
}

BreakerState to_breaker_state(LabState s) {
  switch (s) {
    case LabState::closed: return BreakerState::closed;
    case LabState::open: return BreakerState::open;
    case LabState::half_open: return BreakerState::half_open;
  }
  return BreakerState::closed;
}

std::string_view to_string(LabResult r) {
  switch (r) {
    case LabResult::ok: return "ok";
    case LabResult::timed_out: return "timed_out";
    case LabResult::breaker_open: return "breaker_open";
    case LabResult::server_error: return "server_error";
    case LabResult::connection_refused: return "connection_refused";
    case LabResult::connection_reset: return "connection_reset";
    case LabResult::other_error: return "other_error";
  }
  return "?";
}

std::optional<OutcomeKind> outcome_of(LabResult r) {
  switch (r) {
    case LabResult::ok: return OutcomeKind::ok;
    case LabResult::timed_out: return OutcomeKind::timeout;
    case LabResult::breaker_open: return OutcomeKind::breaker_rejected;
    case LabResult::server_error: return OutcomeKind::http_5xx;
    case LabResult::connection_refused: return OutcomeKind::refused;
    case LabResult::connection_reset: return OutcomeKind::reset;
    case LabResult::other_error: return std::nullopt;
  }
  return std::nullopt;
}

bool looks_like_lab_log(std::string_view line) {
  if (has_stamp_shape(line)) return true;
  const auto colon = line.find(':');
  return colon != std::string_view::npos && is_level(line.substr(0, colon)) &&
         colon + 1 < line.size() && line[colon + 1] == ' ';
}

std::optional<LabRecord> parse_lab_line(std::string_view line, std::size_t ln,
                                        const std::string& file) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (trim(line).empty()) return std::nullopt;
  LabRecord r;
  r.line = ln;
  if (!has_stamp_shape(line)) {
    // uvicorn: "INFO:     Started server process [1]"
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_level(line.substr(0, colon)) ||
        colon + 1 >= line.size() || line[colon + 1] != ' ')
      fail(file, ln, "not a lab log line (expected 'YYYY-MM-DD HH:MM:SS,mmm LEVEL message' or a "
                     "uvicorn 'LEVEL:  message' line)");
    r.kind = LabRecord::Kind::uvicorn;
    r.level = std::string(line.substr(0, colon));
    r.text = std::string(trim(line.substr(colon + 1)));
    return r;
  }
  const auto ms = parse_stamp(line);
  if (!ms) fail(file, ln, "invalid timestamp '" + std::string(line.substr(0, 23)) + "'");
  r.has_time = true;
  r.time_ms = *ms;
  if (line.size() < 25 || line[23] != ' ') fail(file, ln, "missing level after the timestamp");
  std::string_view rest = line.substr(24);
  const auto sp = rest.find(' ');
  const std::string_view level = rest.substr(0, sp);
  if (!is_level(level))
    fail(file, ln, "unknown level '" + std::string(level) +
                       "' (expected DEBUG, INFO, WARNING, ERROR or CRITICAL)");
  r.level = std::string(level);
  const std::string_view msg = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);

  if (msg.starts_with("[CB Transition] ")) {
    const std::string_view body = trim(msg.substr(16));
    const auto arrow = body.find(" -> ");
    if (arrow == std::string_view::npos)
      fail(file, ln, "malformed transition '" + std::string(body) + "': expected FROM -> TO");
    const auto from = parse_state(body.substr(0, arrow));
    const auto to = parse_state(body.substr(arrow + 4));
    if (!from || !to)
      fail(file, ln, "malformed transition '" + std::string(body) +
                         "': states are CLOSED, OPEN and HALF-OPEN");
    r.kind = LabRecord::Kind::transition;
    r.from = *from;
    r.to = *to;
  } else if (msg.starts_with("Breaker state changed ")) {
    std::string_view body = msg.substr(22);
    if (body.starts_with("\xE2\x86\x92 "))  // U+2192 RIGHTWARDS ARROW
      body.remove_prefix(4);
    else if (body.starts_with("-> "))
      body.remove_prefix(3);
    else
      fail(file, ln, "malformed state change: expected 'Breaker state changed \xE2\x86\x92 STATE'");
    const auto to = parse_state(trim(body));
    if (!to) fail(file, ln, "unknown breaker state '" + std::string(trim(body)) + "'");
    r.kind = LabRecord::Kind::state_seen;
    r.to = *to;
  } else if (msg.starts_with("Breaker OPEN: fast-fail")) {
    r.kind = LabRecord::Kind::fast_fail;
    r.text = std::string(msg);
  } else if (msg.starts_with("Breaker=")) {
    parse_call_result(msg, r, file, ln);
  } else if (msg.starts_with("HTTP Request: ")) {
    parse_http_request(msg, r, file, ln);
  } else if (msg.starts_with("Retrying ")) {
    parse_retry(msg, r, file, ln);
  } else {
    r.kind = LabRecord::Kind::other;
    r.text = std::string(msg);
  }
  return r;
}

std::vector<LabRecord> parse_lab_log(std::istream& in, const std::string& file) {
  std::vector<LabRecord> out;
  std::string line;
  std::size_t ln = 0;
  while (std::getline(in, line)) {
    ++ln;
    if (auto r = parse_lab_line(line, ln, file)) out.push_back(std::move(*r));
  }
  return out;
}

std::vector<LabCall> lab_calls(const std::vector<LabRecord>& records) {
  constexpr std::int64_t kLoopSleepMs = 300;
  std::vector<LabCall> calls;
  std::optional<std::int64_t> prev_end, seen_start;
  bool tripped = false;
  int attempts = 0;
  for (const auto& r : records) {
    if (!r.has_time) continue;
    switch (r.kind) {
      case LabRecord::Kind::state_seen:
        if (!seen_start) seen_start = r.time_ms;
        break;
      case LabRecord::Kind::transition:
        if (r.to == LabState::open) tripped = true;
        if (r.from == LabState::open && r.to == LabState::half_open && !seen_start)
          seen_start = r.time_ms;
        break;
      case LabRecord::Kind::http_request: ++attempts; break;
      case LabRecord::Kind::call_result: {
        LabCall c;
        c.end_ms = r.time_ms;
        c.line = r.line;
        c.state = r.state;
        c.result = r.result;
        c.attempts = attempts;
        if (seen_start)
          c.start_ms = *seen_start;
        else if (prev_end)
          c.start_ms = std::min(*prev_end + kLoopSleepMs, r.time_ms);
        else
          c.start_ms = r.time_ms;
        c.start_ms = std::min(c.start_ms, c.end_ms);
        if (r.result == LabResult::ok)
          c.outcome = LabCall::Outcome::success;
        else if (r.result == LabResult::breaker_open)
          c.outcome = tripped ? LabCall::Outcome::failure : LabCall::Outcome::rejected;
        else
          c.outcome = LabCall::Outcome::failure;
        calls.push_back(c);
        prev_end = r.time_ms;
        seen_start.reset();
        tripped = false;
        attempts = 0;
        break;
      }
      default: break;
    }
  }
  return calls;
}

}  // namespace chaoslab::analysis
