// `chaoslab replay` input (JSON lines {"t","outcome","duration"?} or the lab client's log), run
// in-process through the real command (app/cmd_replay.cpp) with stdin and stdout redirected. The
// first byte picks --format, --lab-rejected and one of three breaker configurations.
#include <iostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "commands.hpp"
#include "fuzz_support.hpp"
#include "policies/error.hpp"

namespace {

// Accepts and drops everything: the command checks that its output was written.
class NullBuf final : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

struct Redirect {
  std::istringstream in;
  NullBuf null;
  std::streambuf* old_in;
  std::streambuf* old_out;
  explicit Redirect(std::string text) : in(std::move(text)) {
    old_in = std::cin.rdbuf(in.rdbuf());
    old_out = std::cout.rdbuf(&null);
    std::cin.clear();
    std::cout.clear();
  }
  ~Redirect() {
    std::cin.rdbuf(old_in);
    std::cout.rdbuf(old_out);
    std::cin.clear();
    std::cout.clear();
  }
};

const std::vector<std::string>& breakers() {
  static const std::vector<std::string> paths = [] {
    const auto& w = chaoslab::fuzz::workspace();
    const char* configs[] = {
        R"({"fail_max": 2, "reset_timeout": 1})",
        R"({"sliding_window_type": "count_based", "sliding_window_size": 5, "minimum_number_of_calls": 3,
            "failure_rate_threshold": 50, "reset_timeout": 0.5,
            "permitted_number_of_calls_in_half_open_state": 1,
            "open_interval": {"growth": "exponential", "max_interval": 30, "randomization_factor": 0.2}})",
        R"({"sliding_window_type": "time_based", "sliding_window_size": 10, "minimum_number_of_calls": 2,
            "slow_call_duration_threshold": 0.5, "slow_call_rate_threshold": 50, "reset_timeout": 2,
            "automatic_transition_from_open_to_half_open_enabled": true})",
    };
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i) {
      const std::string text = configs[i];
      out.push_back(w.write("breaker" + std::to_string(i) + ".json",
                            reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    }
    return out;
  }();
  return paths;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  if (size == 0) return 0;
  static const char* formats[] = {"auto", "jsonl", "lab"};
  static const char* rejected[] = {"skip", "failure", "success"};
  const unsigned sel = data[0];
  std::vector<std::string> args = {"chaoslab",    "replay",
                                   "--breaker",   breakers()[sel % 3],
                                   "--format",    formats[(sel / 3) % 3],
                                   "--lab-rejected", rejected[(sel / 9) % 3]};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  Redirect io{std::string(fuzz::text_of(data + 1, size - 1))};
  CLI::App app;
  int exit_code = 0;
  app::add_replay(app, exit_code);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const ConfigError&) {
  }
  return 0;
}
