#include "report_lab_log.hpp"

#include <fstream>

#include "analysis/lab_log.hpp"
#include "policies/error.hpp"

namespace chaoslab::report {

Timeline read_lab_log_timeline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot read the file");
  const std::vector<analysis::LabRecord> records = analysis::parse_lab_log(in, path);
  Timeline tl;
  tl.source = path;
  tl.recorder = "lab log";
  std::int64_t t0 = -1;
  for (const auto& r : records)
    if (r.has_time) {
      t0 = r.time_ms;
      break;
    }
  if (t0 < 0) throw ConfigError(path + ": no timestamped line (expected the lab client's log)");
  auto secs = [t0](std::int64_t ms) { return static_cast<double>(ms - t0) / 1000.0; };

  int attempt = 0;  // HTTP responses since the last result line (timeouts log none)
  for (const auto& r : records) {
    if (!r.has_time) continue;
    const double t = secs(r.time_ms);
    tl.end_s = std::max(tl.end_s, t);
    switch (r.kind) {
      case analysis::LabRecord::Kind::transition:
        tl.transitions.push_back({t, 0, std::string(to_string(analysis::to_breaker_state(r.from))),
                                  std::string(to_string(analysis::to_breaker_state(r.to)))});
        break;
      case analysis::LabRecord::Kind::http_request:
        attempt += 1;
        tl.attempts.push_back({t, 0, attempt, std::string(to_string(outcome_from_status(r.status)))});
        break;
      case analysis::LabRecord::Kind::retry:
        tl.retries += 1;
        break;
      case analysis::LabRecord::Kind::call_result:
        attempt = 0;
        break;
      default:
        break;
    }
  }
  for (const auto& c : analysis::lab_calls(records)) {
    const auto kind = analysis::outcome_of(c.result);
    tl.calls.push_back({secs(c.end_ms), 0, kind ? std::string(to_string(*kind)) : std::string("other_error"),
                        c.outcome == analysis::LabCall::Outcome::rejected ? 0 : c.attempts,
                        static_cast<double>(c.end_ms - c.start_ms)});
  }
  return tl;
}

}  // namespace chaoslab::report
