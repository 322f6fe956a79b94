// `chaoslab merge`: joins the directories of a sharded sweep into one, byte-identical to the same
// sweep run unsharded. Checks that the shards describe the same sweep, are complete, and cover
// every run exactly once.
#pragma once

#include <filesystem>
#include <vector>

namespace chaoslab::sim {

struct MergeResult {
  std::size_t shards = 0;
  std::size_t runs = 0;
};

// Throws ConfigError naming the directory for shards that differ, overlap, leave runs out or are
// incomplete, and for an output directory that already holds a sweep; SweepIoError when writing
// fails.
MergeResult merge_sweeps(const std::vector<std::filesystem::path>& shards, const std::filesystem::path& out);

}  // namespace chaoslab::sim
