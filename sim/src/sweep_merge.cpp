#include "sim/sweep_merge.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "policies/error.hpp"
#include "sim/sweep_runner.hpp"
#include "sim/sweep_stats.hpp"

namespace chaoslab::sim {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ShardDir {
  fs::path dir;
  json manifest;  // without "shard"
  std::size_t first = 0, end = 0;
  int index = 0, count = 1;
  RunsScan scan;
};

std::string label(const ShardDir& s) {
  return s.count > 1 ? "shard " + std::to_string(s.index) + "/" + std::to_string(s.count) : "the unsharded sweep";
}

std::string runs_text(std::size_t first, std::size_t end) {
  return end - first == 1 ? "run " + std::to_string(first)
                          : "runs " + std::to_string(first) + "-" + std::to_string(end - 1);
}

}  // namespace

MergeResult merge_sweeps(const std::vector<fs::path>& dirs, const fs::path& out) {
  if (dirs.empty()) throw ConfigError("merge: no shard directories given");
  std::vector<ShardDir> shards;
  for (const auto& d : dirs) {
    const fs::path mpath = d / "sweep.json";
    std::ifstream in(mpath);
    if (!in) throw ConfigError(mpath.string() + ": cannot read (is " + d.string() + " the --out directory of a sweep?)");
    json m = json::parse(in, nullptr, false);
    if (m.is_discarded() || !m.is_object() || m.value("format", "") != "chaoslab-sweep/1" || !m.contains("runs"))
      throw ConfigError(mpath.string() + ": not a chaoslab sweep description");
    ShardDir s;
    s.dir = d;
    const auto runs = m["runs"].get<std::size_t>();
    if (auto sh = m.find("shard"); sh != m.end()) {
      s.first = sh->at("first_run").get<std::size_t>();
      s.end = sh->at("end_run").get<std::size_t>();
      s.index = sh->at("index").get<int>();
      s.count = sh->at("count").get<int>();
      m.erase("shard");
    } else {
      s.first = 0;
      s.end = runs;
    }
    s.manifest = std::move(m);
    if (!shards.empty() && s.manifest != shards.front().manifest)
      throw ConfigError(d.string() + ": belongs to a different sweep than " + shards.front().dir.string() +
                        " (compare their sweep.json)");
    s.scan = scan_runs(d / "runs.jsonl", s.first);
    if (s.scan.lines != s.end - s.first)
      throw ConfigError(d.string() + ": " + label(s) + " is incomplete (" + std::to_string(s.scan.lines) + " of " +
                        std::to_string(s.end - s.first) + " runs); finish it with `chaoslab sweep ... --shard " +
                        std::to_string(s.index) + "/" + std::to_string(s.count) + " --resume`");
    shards.push_back(std::move(s));
  }

  std::sort(shards.begin(), shards.end(), [](const ShardDir& a, const ShardDir& b) { return a.first < b.first; });
  const auto total = shards.front().manifest["runs"].get<std::size_t>();
  std::size_t covered = 0;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const ShardDir& s = shards[i];
    if (s.first < covered)
      throw ConfigError(s.dir.string() + ": " + label(s) + " overlaps " + shards[i - 1].dir.string() + " (" +
                        runs_text(s.first, std::min(covered, s.end)) + " are in both)");
    if (s.first > covered) throw ConfigError("merge: " + runs_text(covered, s.first) + " are missing (no shard given covers them)");
    covered = s.end;
  }
  if (covered < total) throw ConfigError("merge: " + runs_text(covered, total) + " are missing (no shard given covers them)");

  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw SweepIoError("cannot create the output directory " + out.string() + ": " +
                       (ec ? ec.message() : std::string("a file is in the way")));
  if (fs::exists(out / "sweep.json") || fs::exists(out / "runs.jsonl"))
    throw ConfigError(out.string() + ": already holds a sweep; merge into a new directory");

  // runs.jsonl first (under a temporary name), sweep.json last: a directory with sweep.json is whole.
  const fs::path runs_tmp = out / "runs.jsonl.tmp";
  {
    std::ofstream o(runs_tmp, std::ios::binary | std::ios::trunc);
    if (!o) throw SweepIoError("cannot write " + runs_tmp.string());
    std::vector<char> buf(1 << 16);
    for (const auto& s : shards) {
      std::ifstream in(s.dir / "runs.jsonl", std::ios::binary);
      std::uintmax_t left = s.scan.bytes;
      while (left > 0 && in) {
        const auto n = static_cast<std::streamsize>(std::min<std::uintmax_t>(left, buf.size()));
        in.read(buf.data(), n);
        o.write(buf.data(), in.gcount());
        left -= static_cast<std::uintmax_t>(in.gcount());
      }
      if (left != 0) throw SweepIoError("cannot read " + (s.dir / "runs.jsonl").string());
    }
    o.flush();
    if (!o) throw SweepIoError("cannot write " + (out / "runs.jsonl").string() + " (disk full?)");
  }
  fs::rename(runs_tmp, out / "runs.jsonl", ec);
  if (ec) throw SweepIoError("cannot write " + (out / "runs.jsonl").string() + ": " + ec.message());
  write_file_atomic(out / "sweep.json", shards.front().manifest.dump(2) + "\n");
  const SweepStats stats = summarize_sweep(out);
  std::ostringstream csv;
  write_summary_csv(stats, csv);
  write_file_atomic(out / "summary.csv", csv.str());
  return {shards.size(), total};
}

}  // namespace chaoslab::sim
