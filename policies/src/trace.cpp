#include "policies/trace.hpp"

#include <cstdio>
#include <ostream>

namespace chaoslab {

std::string_view to_string(BreakerState s) {
  switch (s) {
    case BreakerState::closed: return "closed";
    case BreakerState::open: return "open";
    case BreakerState::half_open: return "half_open";
  }
  return "unknown";
}

std::string_view to_string(Raised r) {
  switch (r) {
    case Raised::none: return "none";
    case Raised::original: return "original";
    case Raised::breaker_error: return "breaker_error";
    case Raised::retry_error: return "retry_error";
  }
  return "unknown";
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

namespace {

void begin(std::string& line, Instant t, std::string_view event) {
  char buf[64];
  // Microseconds as an exact decimal: no floating-point formatting differences between runs.
  const long long us = t.time_since_epoch().count() / 1000;
  std::snprintf(buf, sizeof buf, "{\"t\":%lld.%06lld,\"event\":", us / 1000000, us % 1000000);
  line.assign(buf);
  append_json_string(line, event);
}

void field(std::string& line, std::string_view key, std::string_view value) {
  line += ",\"";
  line += key;
  line += "\":";
  append_json_string(line, value);
}

void field(std::string& line, std::string_view key, long long value) {
  line += ",\"";
  line += key;
  line += "\":";
  line += std::to_string(value);
}

void field_ms(std::string& line, std::string_view key, Duration d) {
  char buf[48];
  const long long us = d.count() / 1000;
  std::snprintf(buf, sizeof buf, "%lld.%03lld", us / 1000, us % 1000);
  line += ",\"";
  line += key;
  line += "\":";
  line += buf;
}

void field_s(std::string& line, std::string_view key, Duration d) {
  char buf[48];
  const long long us = d.count() / 1000;
  std::snprintf(buf, sizeof buf, "%lld.%06lld", us / 1000000, us % 1000000);
  line += ",\"";
  line += key;
  line += "\":";
  line += buf;
}

void end(std::string& line, std::ostream& out) {
  line += "}\n";
  out.write(line.data(), static_cast<std::streamsize>(line.size()));
}

}  // namespace

void TraceWriter::write_meta(std::string_view source, std::uint64_t seed, std::string_view scenario) {
  begin(line_, Instant{}, "meta");
  field(line_, "source", source);
  line_ += ",\"seed\":" + std::to_string(seed);
  field(line_, "scenario", scenario);
  field(line_, "schema", "chaoslab-trace/1");
  end(line_, out_);
}

void TraceWriter::on_attempt(Instant t, const AttemptEvent& e) {
  begin(line_, t, "attempt");
  field(line_, "client", e.client);
  field(line_, "call", static_cast<long long>(e.call));
  field(line_, "attempt", e.attempt);
  field(line_, "outcome", to_string(e.result.kind));
  field(line_, "status", e.result.status);
  field_ms(line_, "latency_ms", e.result.latency);
  end(line_, out_);
}

void TraceWriter::on_retry(Instant t, const RetryEvent& e) {
  begin(line_, t, "retry");
  field(line_, "client", e.client);
  field(line_, "call", static_cast<long long>(e.call));
  field(line_, "attempt", e.attempt);
  field_s(line_, "wait_s", e.wait);
  field(line_, "cause", to_string(e.cause));
  end(line_, out_);
}

void TraceWriter::on_call(Instant t, const CallEvent& e) {
  begin(line_, t, "call");
  field(line_, "client", e.client);
  field(line_, "call", static_cast<long long>(e.call));
  field(line_, "outcome", to_string(e.outcome));
  field(line_, "raised", to_string(e.raised));
  field(line_, "attempts", e.attempts);
  field_ms(line_, "latency_ms", e.latency);
  field(line_, "state", to_string(e.state_before));
  end(line_, out_);
}

void TraceWriter::on_transition(Instant t, const TransitionEvent& e) {
  begin(line_, t, "transition");
  field(line_, "client", e.client);
  field(line_, "from", to_string(e.from));
  field(line_, "to", to_string(e.to));
  end(line_, out_);
}

void TraceWriter::on_chaos(Instant t, const ChaosEvent& e) {
  begin(line_, t, "chaos");
  field(line_, "activity", e.activity);
  field(line_, "kind", e.kind);
  field(line_, "phase", e.phase);
  if (!e.status.empty()) field(line_, "status", e.status);
  if (!e.detail.empty()) field(line_, "detail", e.detail);
  end(line_, out_);
}

void TraceWriter::on_pod(Instant t, const PodEvent& e) {
  begin(line_, t, "pod");
  field(line_, "pod", e.pod);
  field(line_, "phase", e.phase);
  line_ += e.ready ? ",\"ready\":true" : ",\"ready\":false";
  end(line_, out_);
}

}  // namespace chaoslab
