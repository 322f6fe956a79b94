// `chaoslab sweep SWEEP.json --out DIR [--jobs N] [--shard I/N] [--resume]`: thousands of seeded
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
    std::string shard;
    bool resume = false;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("sweep", "Run a parameter sweep: every point of the design, many seeds each");
  sub->add_option("sweep", o->file, "sweep file (docs/sweeps.md)")->required();
  sub->add_option("--out", o->out, "output directory (runs.jsonl, summary.csv, sweep.json)")->required();
  sub->add_option("-j,--jobs", o->jobs, "worker threads (default: every core)")->check(CLI::NonNegativeNumber);
  sub->add_option("--shard", o->shard, "run only shard I of N (0 <= I < N), e.g. 2/8; join with `chaoslab merge`");
  sub->add_flag("--resume", o->resume, "complete the sweep already in --out (after a crash or kill)");
  sub->add_flag("-q,--quiet", o->quiet, "no progress bar, even on a terminal");
  sub->callback([o, &exit_code] {
    const sim::SweepSpec spec = sim::load_sweep(o->file);
    sim::validate_sweep(spec);
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
    const auto model = sim::make_scenario_model(spec);
    exit_code = sim::run_sweep_reporting(spec, *model, opts);
  });
}

}  // namespace chaoslab::app
