#include "live/process.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <stdexcept>

#include "support.hpp"

using namespace chaoslab::live;
using chaoslab::testing::read_text;
using namespace std::chrono_literals;

TEST_CASE("ChildProcess: exit codes, signals, timeouts") {
  const std::string sh_true = find_on_path("true");
  const std::string sh_false = find_on_path("false");
  const std::string sleep = find_on_path("sleep");
  REQUIRE(!sh_true.empty());
  REQUIRE(!sleep.empty());
  CHECK(ChildProcess({sh_true}).wait() == ExitStatus{0, 0});
  CHECK(ChildProcess({sh_false}).wait().code == 1);
  ChildProcess s({sleep, "10"});
  CHECK(s.running());
  CHECK(!s.wait_for(50ms));
  s.signal(SIGTERM);
  CHECK(s.wait() == ExitStatus{128 + SIGTERM, SIGTERM});
  s.signal(SIGKILL);  // ended: nothing happens
  CHECK(!s.running());
  CHECK_THROWS_WITH_AS(ChildProcess({"/nonexistent/program"}), "cannot start /nonexistent/program: No such file or directory",
                       std::runtime_error);
}

TEST_CASE("ChildProcess: environment overrides and removals, output files, no inherited blocked signals") {
  const std::string env = find_on_path("env");
  REQUIRE(!env.empty());
  const std::string dir = chaoslab::testing::temp_dir("proc");
  setenv("CHAOSLAB_TEST_DROP", "1", 1);
  setenv("CHAOSLAB_TEST_KEEP", "kept", 1);
  SpawnOptions o;
  o.env_set = {{"CHAOSLAB_TEST_NEW", "new value"}, {"CHAOSLAB_TEST_KEEP", "replaced"}};
  o.env_unset = {"CHAOSLAB_TEST_DROP"};
  o.stdout_path = dir + "/out";
  CHECK(ChildProcess({env}, o).wait().code == 0);
  const std::string out = read_text(dir + "/out");
  CHECK(out.find("CHAOSLAB_TEST_NEW=new value\n") != std::string::npos);
  CHECK(out.find("CHAOSLAB_TEST_KEEP=replaced\n") != std::string::npos);
  CHECK(out.find("CHAOSLAB_TEST_KEEP=kept") == std::string::npos);
  CHECK(out.find("CHAOSLAB_TEST_DROP") == std::string::npos);

  // A parent that blocks SIGTERM (as the services do for sigwait) still gets a killable child.
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  ChildProcess s({find_on_path("sleep"), "10"});
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  s.signal(SIGTERM);
  auto st = s.wait_for(8s);  // well before `sleep 10` would end on its own
  REQUIRE(st);
  CHECK(st->signal == SIGTERM);
}

TEST_CASE("ChildProcess: the destructor kills and reaps a running child") {
  pid_t pid = 0;
  {
    ChildProcess s({find_on_path("sleep"), "10"});
    pid = s.pid();
    CHECK(kill(pid, 0) == 0);
  }
  CHECK(kill(pid, 0) == -1);  // gone, and reaped (no zombie keeps the pid)
}

TEST_CASE("free_loopback_port and self_executable") {
  const int p = free_loopback_port();
  CHECK(p > 0);
  CHECK(p < 65536);
  CHECK(self_executable().find("test_live") != std::string::npos);
}
