// Test helpers for the sweep, merge, tune and report tests: run the real chaoslab binary (or a
// shell) as a child process with its output captured in files (scratch folders: tests/support/files.hpp).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../support/files.hpp"

extern char** environ;

namespace chaoslab::test {

struct ProcResult {
  int exit_code = -1;  // -signal when killed by a signal
  std::string out, err;
};

// Starts argv[0] (a path) with stdout/stderr redirected to files, in `cwd` if given; returns the pid.
inline pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& out,
                   const std::filesystem::path& err, const std::filesystem::path& cwd = {}) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

inline int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

inline ProcResult run(const std::vector<std::string>& argv, const std::filesystem::path& scratch,
                      const std::filesystem::path& cwd = {}) {
  static int n = 0;
  const auto out = scratch / ("proc-" + std::to_string(++n) + ".out");
  const auto err = scratch / ("proc-" + std::to_string(n) + ".err");
  ProcResult r;
  r.exit_code = wait_exit(spawn(argv, out, err, cwd));
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// chaoslab ARGS...
// `scratch` takes the output files; the process runs in `cwd` (default: the test's own).
inline ProcResult run_chaoslab(std::vector<std::string> args, const std::filesystem::path& scratch,
                               const std::filesystem::path& cwd = {}) {
  args.insert(args.begin(), CHAOSLAB_BINARY);
  return run(args, scratch, cwd);
}

inline std::size_t count_lines(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) n += in.eof() ? 0 : 1;
  return n;
}

}  // namespace chaoslab::test
