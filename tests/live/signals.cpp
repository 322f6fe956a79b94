#include "live/signals.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <thread>

using chaoslab::live::SignalThread;

namespace {

// Runs `body` in a forked child, so the signal mask it sets does not outlive the test; the
// child's exit status is body's result (0 = every expectation held, else the failing step).
int in_child(const std::function<int()>& body) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(body());
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("SignalThread: the handler takes each signal until it returns false") {
  CHECK(in_child([] {
          std::atomic<int> seen[3] = {0, 0, 0};
          std::atomic<int> count{0};
          SignalThread signals({SIGTERM, SIGUSR1});
          signals.start([&](int sig) {
            if (count < 3) seen[count] = sig;
            ++count;
            return sig == SIGUSR1;
          });
          // Process-directed: no thread but the signal thread leaves them unblocked.
          kill(getpid(), SIGUSR1);
          while (count < 1) std::this_thread::yield();
          kill(getpid(), SIGTERM);
          while (count < 2) std::this_thread::yield();
          kill(getpid(), SIGUSR1);  // after false: nobody takes it, it stays pending and blocked
          signals.stop();
          if (count != 2 || seen[0] != SIGUSR1 || seen[1] != SIGTERM) return 1;
          return 0;
        }) == 0);
}

TEST_CASE("SignalThread: stop() wakes a thread that still waits, without calling the handler") {
  CHECK(in_child([] {
          std::atomic<int> calls{0};
          SignalThread signals({SIGTERM, SIGINT});
          signals.start([&](int) {
            ++calls;
            return true;
          });
          signals.stop();
          return calls == 0 ? 0 : 1;
        }) == 0);
}

TEST_CASE("SignalThread: threads started later inherit the mask; SIGPIPE is ignored") {
  CHECK(in_child([] {
          SignalThread signals({SIGTERM});
          int blocked = -1;
          std::thread([&] {
            sigset_t now;
            pthread_sigmask(SIG_BLOCK, nullptr, &now);
            blocked = sigismember(&now, SIGTERM);
          }).join();
          if (blocked != 1) return 1;
          // A write to a pipe nobody reads fails with EPIPE instead of ending the process.
          int fds[2];
          if (pipe(fds) != 0) return 2;
          close(fds[0]);
          if (write(fds[1], "x", 1) != -1 || errno != EPIPE) return 3;
          return 0;
        }) == 0);
}
