// Child processes for local live mode (a backend "pod" is a `chaoslab backend` process) and for
// Chaos Toolkit process providers: posix_spawn with an argv vector (never a shell), an environment
// built from this one plus overrides, output redirected to files, signals and reaping.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace chaoslab::live {

struct SpawnOptions {
  std::map<std::string, std::string> env_set;  // added or replaced
  std::vector<std::string> env_unset;          // removed from the inherited environment
  std::string stdin_path;                      // empty: inherited
  std::string stdout_path;                     // empty: inherited
  std::string stderr_path;                     // empty: inherited
  bool append = false;                         // append to the files instead of truncating
  bool new_process_group = true;               // a terminal's Ctrl-C does not reach it directly
  // Blocked in the child from its first instruction (it unblocks or sigwaits them itself): a
  // signal sent before it set up its handling stays pending instead of killing it.
  std::vector<int> blocked_signals;
};

// How a child ended: exit status, or the signal that killed it.
struct ExitStatus {
  int code = 0;          // exit code; 128 + signal when killed (the shell's convention)
  int signal = 0;        // 0 when it exited
  bool operator==(const ExitStatus&) const = default;
};

class ChildProcess {
 public:
  ChildProcess() = default;
  // Throws std::runtime_error (naming the program) when the process cannot be started.
  ChildProcess(const std::vector<std::string>& argv, const SpawnOptions& options = {});
  ~ChildProcess();  // SIGKILLs and reaps a child still running
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  // Non-blocking: the exit status once it has ended (reaped at most once, then remembered).
  std::optional<ExitStatus> poll();
  bool running() { return started() && !poll(); }
  ExitStatus wait();
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
  // Sends a signal to a running child; does nothing once it has ended.
  void signal(int sig);

 private:
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

// The first executable named `name` on PATH, or "" (no shell involved).
std::string find_on_path(const std::string& name);

// Absolute path of the running executable (/proc/self/exe), to start `chaoslab backend` children.
std::string self_executable();

// A TCP port on 127.0.0.1 that was free a moment ago (bound with port 0, then closed).
int free_loopback_port();

}  // namespace chaoslab::live
