// A sweep file: a base scenario, fixed overrides, parameter axes (JSON pointers into the scenario
// with a list, a linear or logarithmic range, or named profiles that set several fields at once),
// a design (full grid, random, Latin hypercube) and the seeds run at every point. docs/sweeps.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace chaoslab::sim {

// One JSON pointer set to one value.
using Override = std::pair<std::string, nlohmann::json>;

struct SweepAxis {
  enum class Kind : std::uint8_t { values, linear, log, profiles };
  Kind kind = Kind::values;
  std::string name;     // column name in runs.jsonl and summary.csv
  std::string pointer;  // where the value goes (empty for profiles)
  std::vector<nlohmann::json> values;  // values: as given; linear/log: the grid levels
  double from = 0, to = 0;             // linear/log ranges
  int count = 0;                       // linear/log grid levels
  bool integer = false;                // round range values to integers

  struct Profile {
    std::string name;
    std::vector<Override> set;
  };
  std::vector<Profile> profiles;

  // Levels on a grid (values, range points or profiles).
  std::size_t levels() const { return kind == Kind::profiles ? profiles.size() : values.size(); }
  bool continuous() const { return kind == Kind::linear || kind == Kind::log; }
};

struct SweepDesign {
  enum class Kind : std::uint8_t { grid, random, latin_hypercube };
  Kind kind = Kind::grid;
  int samples = 0;          // random / latin_hypercube
  std::uint64_t seed = 1;   // random / latin_hypercube
};

struct SweepSpec {
  std::string file;                   // the sweep file (for messages); "" when built in code
  std::string scenario_ref;           // the scenario path as the sweep file names it
  std::filesystem::path scenario_file;  // resolved against the sweep file's directory
  nlohmann::json scenario;            // the base scenario document as read
  std::vector<Override> set;          // fixed overrides applied before the axes
  std::vector<SweepAxis> axes;
  SweepDesign design;
  int seeds = 100;                    // runs per point
  std::uint64_t first_seed = 1;       // point p, seed index k runs with seed first_seed + k

  // A normalised description (resolved ranges, the scenario's fingerprint): two sweeps with equal
  // canonical() produce equal files, which --resume and merge check.
  nlohmann::json canonical() const;
};

// A point of the design: one value per axis (a number, or the profile's name).
struct SweepPoint {
  std::vector<nlohmann::json> values;
  std::vector<int> profile;  // per axis: the profile index, -1 for other axes
};

// Reads and validates a sweep file. The scenario path is relative to the sweep file. Errors are
// ConfigError("FILE: /json/pointer: what is wrong").
SweepSpec load_sweep(const std::string& path);
SweepSpec parse_sweep(const nlohmann::json& doc, const std::string& file,
                      const std::filesystem::path& base_dir);

// Every point in run order (grid: the first axis varies slowest).
std::vector<SweepPoint> sweep_points(const SweepSpec& spec);

// The overrides that make point p: spec.set, then each axis's value or profile, in axis order.
std::vector<Override> point_overrides(const SweepSpec& spec, const SweepPoint& p);

// {"axis name": value, ...} in axis order, as written to runs.jsonl.
nlohmann::ordered_json point_params(const SweepSpec& spec, const SweepPoint& p);

// Sets `pointer` in `doc` to `value` as `chaoslab run --set` does: missing object members on the
// way are created (the scenario validator rejects unknown keys), array indices must exist.
// Throws ConfigError("<where>: <pointer>: ...") otherwise.
void set_pointer(nlohmann::json& doc, const std::string& pointer, const nlohmann::json& value,
                 const std::string& where);

// 64-bit FNV-1a of a string: fingerprints of scenarios and sweep descriptions.
std::uint64_t fnv1a64(std::string_view s);

}  // namespace chaoslab::sim
