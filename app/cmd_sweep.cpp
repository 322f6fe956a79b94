// `chaoslab sweep SWEEP.json -o DIR [--seeds N] [--jobs N] [--shard I/N] [--resume] [-q]`: thousands of seeded
// runs over parameter axes, streamed to DIR/runs.jsonl and summarised in DIR/summary.csv.
// docs/sweeps.md.
#include <unistd.h>

#include <cstdio>

#include "commands.hpp"
#include "policies/error.hpp"
#include "sim/sweep_runner.hpp"
#include "sim/sweep_sim.hpp"
#include "sim/sweep_cli.hpp"

namespace chaoslab::app {

void add_sweep(CLI::App& app, int& exit_code) {
  struct Options {
    std::string file;
    std::string out;
    int jobs = 0;
    int seeds = 0;
    std::string shard;
    bool resume = false;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("sweep", "Run a parameter sweep: every point of the design, many seeds each");
  sub->add_option("sweep", o->file, "sweep file (docs/sweeps.md)")->required();
  add_out_option(sub, o->out, "output directory (runs.jsonl, summary.csv, sweep.json); locked while written")
      ->required();
  add_seeds_option(sub, o->seeds, "seeds per point instead of the file's seeds.count");
  add_jobs_option(sub, o->jobs);
  sub->add_option("--shard", o->shard, "run only shard I of N (0 <= I < N), e.g. 2/8; join with `chaoslab merge`");
  sub->add_flag("--resume", o->resume, "complete the sweep already in --out (after Ctrl-C, a crash or a kill)");
  add_quiet_flag(sub, o->quiet, "no progress bar, even on a terminal");
  add_examples(sub, {"chaoslab sweep sweeps/lab3-cooldown.json --seeds 20 -o out/sweep",
                     "chaoslab sweep sweeps/lab3-cooldown.json --seeds 20 --shard 0/2 -o out/shard0 -q",
                     "chaoslab sweep sweeps/lab3-cooldown.json --seeds 20 --shard 1/2 -o out/shard1 -q"});
  sub->callback([o, &exit_code] {
    sim::SweepSpec spec = sim::load_sweep(o->file);
    if (o->seeds > 0) spec.seeds = o->seeds;
    const auto model = sim::make_scenario_model(spec);
    sim::validate_sweep(spec, *model, o->jobs);
    const sim::OutputDirLock lock(o->out);
    sim::SweepOptions opts;
    opts.out_dir = o->out;
    opts.jobs = o->jobs;
    opts.resume = o->resume;
    opts.progress = !o->quiet && ::isatty(STDERR_FILENO) == 1;
    if (!o->shard.empty()) {
      const sim::Shard s = sim::parse_shard(o->shard);
      opts.shard_index = s.index;
      opts.shard_count = s.count;
    }
    exit_code = sim::run_sweep_reporting(spec, *model, opts);
  });
}

}  // namespace chaoslab::app
