// `chaoslab replay` input (JSON lines {"t","outcome","duration"?} or the lab client's log) through
// the replay library (analysis/replay.hpp): format detection, both readers, the replay through a
// breaker and the output lines. The first byte picks the format, what lab-rejected calls become
// and one of three breaker configurations.
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "analysis/replay.hpp"
#include "fuzz_support.hpp"
#include "policies/config.hpp"
#include "policies/error.hpp"

namespace {

// Accepts and drops everything.
class NullBuf final : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

const std::vector<chaoslab::BreakerConfig>& breakers() {
  static const std::vector<chaoslab::BreakerConfig> configs = [] {
    const char* texts[] = {
        R"({"fail_max": 2, "reset_timeout": 1})",
        R"({"sliding_window_type": "count_based", "sliding_window_size": 5, "minimum_number_of_calls": 3,
            "failure_rate_threshold": 50, "reset_timeout": 0.5,
            "permitted_number_of_calls_in_half_open_state": 1,
            "open_interval": {"growth": "exponential", "max_interval": 30, "randomization_factor": 0.2}})",
        R"({"sliding_window_type": "time_based", "sliding_window_size": 10, "minimum_number_of_calls": 2,
            "slow_call_duration_threshold": 0.5, "slow_call_rate_threshold": 50, "reset_timeout": 2,
            "automatic_transition_from_open_to_half_open_enabled": true})",
    };
    std::vector<chaoslab::BreakerConfig> out;
    for (const char* t : texts) out.push_back(chaoslab::parse_breaker(chaoslab::parse_json_text(t, "breaker"), "breaker"));
    return out;
  }();
  return configs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  using analysis::LabRejected;
  using analysis::ReplayFormat;
  if (size == 0) return 0;
  static const ReplayFormat formats[] = {ReplayFormat::detect, ReplayFormat::jsonl, ReplayFormat::lab};
  static const LabRejected rejected[] = {LabRejected::skip, LabRejected::failure, LabRejected::success};
  const unsigned sel = data[0];
  std::istringstream in{std::string(fuzz::text_of(data + 1, size - 1))};
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
  try {
    const auto calls = analysis::read_replay_calls(lines, "<stdin>", formats[(sel / 3) % 3], rejected[(sel / 9) % 3]);
    NullBuf null;
    std::ostream out(&null);
    analysis::write_replay(out, calls, analysis::replay(calls, breakers()[sel % 3], 1));
  } catch (const ConfigError&) {
  }
  return 0;
}
