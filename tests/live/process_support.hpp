// Running the real chaoslab executable in the tests: start it with arguments and environment,
// capture its output in files, and read what it printed.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "live/process.hpp"

namespace chaoslab::testing {

struct Chaoslab {
  std::string dir = temp_dir("app");
  live::ChildProcess process;

  Chaoslab(const std::vector<std::string>& args, std::map<std::string, std::string> env = {},
           std::vector<std::string> unset = {}) {
    ignore_sigpipe();
    std::vector<std::string> argv{CHAOSLAB_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    live::SpawnOptions o;
    o.env_set = std::move(env);
    o.env_unset = std::move(unset);
    // The lab's keys of the caller's environment must not leak into a test.
    for (const char* k : {"FAILURE_RATE", "SLOW_RATE", "MAX_DELAY_MS", "PORT", "ADMIN_TOKEN",
                          "BACKEND_URL", "CB_FAIL_MAX", "CB_RESET_TIMEOUT", "RETRY_MAX_ATTEMPTS",
                          "RETRY_BASE", "RETRY_MAX", "SEED"})
      if (!o.env_set.count(k)) o.env_unset.push_back(k);
    o.stdout_path = dir + "/stdout";
    o.stderr_path = dir + "/stderr";
    process = live::ChildProcess(argv, o);
  }

  std::string out() const { return read_text(dir + "/stdout"); }
  std::string err() const { return read_text(dir + "/stderr"); }

  // Waits until stderr matches `pattern` (first group returned) or the process ends.
  std::optional<std::string> wait_for_stderr(const std::string& pattern,
                                             std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const std::regex re(pattern);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      const std::string text = err();
      if (std::regex_search(text, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
      if (process.poll()) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  std::optional<live::ExitStatus> wait(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return process.wait_for(limit);
  }
};

}  // namespace chaoslab::testing
