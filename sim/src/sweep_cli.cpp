#include "sim/sweep_cli.hpp"

#include <cstdio>
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

int run_sweep_reporting(const sim::SweepSpec& spec, const sim::SweepModel& model, const sim::SweepOptions& opts,
                        sim::SweepResult* out) {
  sim::SweepResult r;
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
