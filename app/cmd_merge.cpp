// `chaoslab merge SHARD_DIR... -o DIR`: joins the shards of one sweep (docs/distributed-sweeps.md).
#include <cstdio>

#include "commands.hpp"
#include "policies/error.hpp"
#include "sim/sweep_merge.hpp"
#include "sim/sweep_runner.hpp"

namespace chaoslab::app {

void add_merge(CLI::App& app, int& exit_code) {
  struct Options {
    std::vector<std::string> dirs;
    std::string out;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("merge", "Join the shard directories of one sweep into one directory");
  sub->add_option("shards", o->dirs, "the --out directories of `chaoslab sweep --shard I/N`")->required();
  add_out_option(sub, o->out, "the merged sweep directory (must not hold a sweep)")->required();
  add_examples(sub, {"chaoslab merge out/shard0 out/shard1 -o out/merged"});
  sub->callback([o, &exit_code] {
    std::vector<std::filesystem::path> dirs(o->dirs.begin(), o->dirs.end());
    try {
      const sim::MergeResult r = sim::merge_sweeps(dirs, o->out);
      std::printf("merge: %zu shards, %zu runs -> %s/runs.jsonl, %s/summary.csv\n", r.shards, r.runs, o->out.c_str(),
                  o->out.c_str());
      exit_code = kExitOk;
    } catch (const sim::SweepIoError& e) {
      std::fprintf(stderr, "chaoslab: error: %s\n", e.what());
      exit_code = kExitIoError;
    }
  });
}

}  // namespace chaoslab::app
