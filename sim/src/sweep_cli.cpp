#include "sim/sweep_cli.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "policies/error.hpp"

namespace chaoslab::sim {

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  auto bad = [&](const std::string& why) -> ConfigError {
    return ConfigError("--shard: \"" + text + "\": " + why + " (expected I/N with 0 <= I < N, e.g. 0/4)");
  };
  if (slash == std::string::npos) throw bad("no '/'");
  auto number = [&](const std::string& s) {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) throw bad("\"" + s + "\" is not a number");
    return std::stoi(s);
  };
  Shard s;
  s.index = number(text.substr(0, slash));
  s.count = number(text.substr(slash + 1));
  if (s.count < 1) throw bad("N must be at least 1");
  if (s.index >= s.count) throw bad("I must be below N");
  return s;
}

OutputDirLock::OutputDirLock(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw sim::SweepIoError("cannot create the output directory " + dir + ": " +
                            (ec ? ec.message() : std::string("a file is in the way")));
  const std::string path = (std::filesystem::path(dir) / ".chaoslab.lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw sim::SweepIoError("cannot write " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) throw sim::SweepIoError("cannot lock " + path + ": " + std::strerror(err));
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    pid = pid.substr(0, pid.find_first_not_of("0123456789"));
    throw ConfigError(dir + ": another chaoslab process" + (pid.empty() ? "" : " (pid " + pid + ")") +
                      " is writing this directory; wait for it to end or stop it, then run again");
  }
  const std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
    throw sim::SweepIoError("cannot write " + path + ": " + std::strerror(errno));
}

OutputDirLock::~OutputDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

// SIGINT sets g_interrupted while a sweep runs; SA_RESETHAND makes a second Ctrl-C kill at once.
class StopOnSigint {
 public:
  StopOnSigint() {
    g_interrupted.store(false);
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    ::sigaction(SIGINT, &sa, &old_);
  }
  ~StopOnSigint() { ::sigaction(SIGINT, &old_, nullptr); }

 private:
  struct sigaction old_ {};
};

}  // namespace

int run_sweep_reporting(const sim::SweepSpec& spec, const sim::SweepModel& model, const sim::SweepOptions& options,
                        sim::SweepResult* out) {
  sim::SweepResult r;
  StopOnSigint sigint;
  sim::SweepOptions opts = options;
  opts.stop = &g_interrupted;
  try {
    r = sim::run_sweep(spec, model, opts);
  } catch (const sim::SweepIoError& e) {
    std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
    std::error_code ec;
    if (std::filesystem::exists(opts.out_dir / "runs.jsonl", ec))
      std::fprintf(stderr, "chaoslab: the runs written before the error are kept; free space or fix the directory, "
                           "then rerun with --resume\n");
    return kExitIoError;
  }
  if (out) *out = r;
  const std::size_t n = r.end_run - r.first_run;
  std::string what = std::to_string(n) + " runs";
  if (opts.shard_count > 1)
    what += " (shard " + std::to_string(opts.shard_index) + "/" + std::to_string(opts.shard_count) + ": runs " +
            std::to_string(r.first_run) + "-" + std::to_string(r.end_run == 0 ? 0 : r.end_run - 1) + ")";
  std::printf("sweep: %s, %zu resumed, %zu run now with %d jobs in %.1f s (%.0f runs/s) -> %s/runs.jsonl, %s/summary.csv\n",
              what.c_str(), r.resumed, r.ran, r.jobs, r.wall_seconds,
              r.wall_seconds > 0 ? static_cast<double>(r.ran) / r.wall_seconds : 0.0, opts.out_dir.c_str(),
              opts.out_dir.c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace chaoslab::sim
