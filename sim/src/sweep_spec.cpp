#include "sim/sweep_spec.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "policies/config.hpp"
#include "policies/error.hpp"
#include "policies/rng.hpp"
#include "sim/json_pointer.hpp"

namespace chaoslab::sim {

using nlohmann::json;

namespace {

class Where {
 public:
  explicit Where(std::string file) : file_(std::move(file)) {}
  [[noreturn]] void fail(const std::string& pointer, const std::string& what) const {
    throw ConfigError(file_ + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + what);
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

void only_keys(const json& obj, std::initializer_list<const char*> allowed, const std::string& at, const Where& w) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* k : allowed) ok = ok || it.key() == k;
    if (!ok) {
      std::string list;
      for (const char* k : allowed) list += std::string(list.empty() ? "" : ", ") + k;
      w.fail(at + "/" + it.key(), "unknown key (expected one of: " + list + ")");
    }
  }
}

double need_number(const json& obj, const char* key, const std::string& at, const Where& w) {
  auto it = obj.find(key);
  if (it == obj.end()) w.fail(at + "/" + key, "missing (a number is required)");
  if (!it->is_number()) w.fail(at + "/" + key, "expected a number, got " + it->dump());
  const double v = it->get<double>();
  if (!std::isfinite(v)) w.fail(at + "/" + key, "expected a finite number");
  return v;
}

// Counts are stored as int, and every level or sample is built up front: a bound keeps a typo
// from wrapping around silently or from allocating without end.
constexpr std::int64_t kMaxLevels = 1'000'000;

std::int64_t need_int(const json& v, const std::string& at, const Where& w, std::int64_t min,
                      std::int64_t max = std::numeric_limits<int>::max()) {
  if (!v.is_number_integer()) w.fail(at, "expected an integer, got " + v.dump());
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    w.fail(at, "must be at most " + std::to_string(max) + ", got " + v.dump());
  const auto n = v.get<std::int64_t>();
  if (n < min) w.fail(at, "must be at least " + std::to_string(min) + ", got " + std::to_string(n));
  if (n > max) w.fail(at, "must be at most " + std::to_string(max) + ", got " + std::to_string(n));
  return n;
}

// Seeds: any integer from 0 to 2^64-1 (JSON built in code holds small ones as signed).
std::uint64_t need_uint64(const json& v, const std::string& at, const Where& w) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  w.fail(at, "expected a non-negative integer, got " + v.dump());
}

// Range values print with 12 significant digits so that 0.1 steps stay 0.3, not 0.30000000000000004.
double tidy(double v, bool integer) {
  if (integer) return static_cast<double>(std::llround(v));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return std::strtod(buf, nullptr);
}

json number_json(double v, bool integer) {
  if (integer) return json(static_cast<std::int64_t>(std::llround(v)));
  return json(v);
}

void check_pointer_syntax(const std::string& p, const std::string& at, const Where& w) {
  if (p.empty() || p[0] != '/') w.fail(at, "\"" + p + "\" is not a JSON pointer (it must start with '/')");
  try {
    (void)json::json_pointer(p);
  } catch (const json::exception& e) {
    w.fail(at, "\"" + p + "\" is not a valid JSON pointer");
  }
}

std::vector<Override> parse_set(const json& obj, const std::string& at, const Where& w) {
  if (!obj.is_object()) w.fail(at, "expected an object of JSON pointer -> value");
  std::vector<Override> out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    check_pointer_syntax(it.key(), at + "/" + escape_pointer_token(it.key()), w);
    out.emplace_back(it.key(), it.value());
  }
  return out;
}

std::string last_token(const std::string& pointer) {
  const auto slash = pointer.find_last_of('/');
  return slash == std::string::npos ? pointer : pointer.substr(slash + 1);
}

SweepAxis parse_axis(const json& a, const std::string& at, const Where& w, SweepDesign::Kind design) {
  if (!a.is_object()) w.fail(at, "expected an axis object");
  only_keys(a, {"name", "pointer", "values", "linear", "log", "profiles", "integer"}, at, w);
  SweepAxis axis;
  int kinds = 0;
  for (const char* k : {"values", "linear", "log", "profiles"}) kinds += a.contains(k) ? 1 : 0;
  if (kinds != 1) w.fail(at, "an axis needs exactly one of \"values\", \"linear\", \"log\" or \"profiles\"");

  if (auto it = a.find("integer"); it != a.end()) {
    if (!it->is_boolean()) w.fail(at + "/integer", "expected true or false");
    axis.integer = it->get<bool>();
  }
  if (a.contains("profiles")) {
    axis.kind = SweepAxis::Kind::profiles;
    if (a.contains("pointer")) w.fail(at + "/pointer", "a profiles axis sets its fields in each profile's \"set\"");
    auto name = a.find("name");
    if (name == a.end() || !name->is_string() || name->get<std::string>().empty())
      w.fail(at + "/name", "a profiles axis needs a name");
    axis.name = *name;
    const json& ps = a["profiles"];
    if (!ps.is_array() || ps.empty()) w.fail(at + "/profiles", "expected a non-empty array of {\"name\", \"set\"}");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const std::string pat = at + "/profiles/" + std::to_string(i);
      const json& p = ps[i];
      if (!p.is_object()) w.fail(pat, "expected {\"name\": ..., \"set\": {...}}");
      only_keys(p, {"name", "set"}, pat, w);
      auto pn = p.find("name");
      if (pn == p.end() || !pn->is_string() || pn->get<std::string>().empty()) w.fail(pat + "/name", "missing (a profile needs a name)");
      if (!seen.insert(*pn).second) w.fail(pat + "/name", "duplicate profile name \"" + pn->get<std::string>() + "\"");
      auto ps_set = p.find("set");
      if (ps_set == p.end()) w.fail(pat + "/set", "missing (the fields this profile sets)");
      axis.profiles.push_back({*pn, parse_set(*ps_set, pat + "/set", w)});
      if (axis.profiles.back().set.empty()) w.fail(pat + "/set", "a profile must set at least one field");
    }
    return axis;
  }

  auto ptr = a.find("pointer");
  if (ptr == a.end()) w.fail(at + "/pointer", "missing (the JSON pointer into the scenario this axis sets)");
  if (!ptr->is_string()) w.fail(at + "/pointer", "expected a string");
  axis.pointer = *ptr;
  check_pointer_syntax(axis.pointer, at + "/pointer", w);
  if (auto name = a.find("name"); name != a.end()) {
    if (!name->is_string() || name->get<std::string>().empty()) w.fail(at + "/name", "expected a non-empty string");
    axis.name = *name;
  } else {
    axis.name = last_token(axis.pointer);
  }

  if (auto v = a.find("values"); v != a.end()) {
    axis.kind = SweepAxis::Kind::values;
    if (!v->is_array() || v->empty()) w.fail(at + "/values", "expected a non-empty array");
    for (std::size_t i = 0; i < v->size(); ++i) {
      json x = (*v)[i];
      if (axis.integer) {
        if (!x.is_number()) w.fail(at + "/values/" + std::to_string(i), "expected a number (the axis is integer)");
        x = number_json(x.get<double>(), true);
      }
      axis.values.push_back(x);
    }
    return axis;
  }

  const bool is_log = a.contains("log");
  axis.kind = is_log ? SweepAxis::Kind::log : SweepAxis::Kind::linear;
  const std::string rat = at + (is_log ? "/log" : "/linear");
  const json& r = a[is_log ? "log" : "linear"];
  if (!r.is_object()) w.fail(rat, "expected {\"from\", \"to\", \"count\"}");
  only_keys(r, {"from", "to", "count"}, rat, w);
  axis.from = need_number(r, "from", rat, w);
  axis.to = need_number(r, "to", rat, w);
  if (is_log && axis.from <= 0) w.fail(rat + "/from", "a log range needs from > 0");
  if (is_log && axis.to <= 0) w.fail(rat + "/to", "a log range needs to > 0");
  if (auto c = r.find("count"); c != r.end()) {
    axis.count = static_cast<int>(need_int(*c, rat + "/count", w, 1, kMaxLevels));
  } else if (design == SweepDesign::Kind::grid) {
    w.fail(rat + "/count", "missing (a grid design needs the number of levels)");
  }
  for (int i = 0; i < axis.count; ++i) {
    const double f = axis.count == 1 ? 0.0 : static_cast<double>(i) / (axis.count - 1);
    const double v = is_log ? std::exp(std::log(axis.from) + f * (std::log(axis.to) - std::log(axis.from)))
                            : axis.from + f * (axis.to - axis.from);
    // Exact ends: exp(log(x)) need not give x back.
    const double exact = i == 0 ? axis.from : (i == axis.count - 1 ? axis.to : v);
    axis.values.push_back(number_json(tidy(exact, axis.integer), axis.integer));
  }
  return axis;
}

json read_json_file(const std::filesystem::path& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path.string() + ": cannot read the " + what);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_json_text(ss.str(), path.string());  // the scenario files' message: line, column, what
}

std::string hex64(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

void set_pointer(json& doc, const std::string& pointer, const json& value, const std::string& where) {
  json::json_pointer ptr;
  try {
    ptr = json::json_pointer(pointer);
  } catch (const json::exception&) {
    throw ConfigError(where + ": " + pointer + ": not a valid JSON pointer");
  }
  if (ptr.empty()) throw ConfigError(where + ": the empty pointer \"\" would replace the whole scenario");
  set_at_pointer(doc, ptr, value, where + ": " + pointer, /*append=*/false);
}

SweepSpec parse_sweep(const json& doc, const std::string& file, const std::filesystem::path& base_dir) {
  const Where w(file);
  if (!doc.is_object()) w.fail("", "a sweep file is a JSON object");
  only_keys(doc, {"description", "scenario", "set", "axes", "design", "seeds"}, "", w);
  SweepSpec spec;
  spec.file = file;

  if (auto d = doc.find("description"); d != doc.end() && !d->is_string()) w.fail("/description", "expected a string");

  // The design first: whether ranges need a count depends on it.
  if (auto d = doc.find("design"); d != doc.end()) {
    if (!d->is_object()) w.fail("/design", "expected {\"type\": \"grid\" | \"random\" | \"latin_hypercube\", ...}");
    only_keys(*d, {"type", "samples", "seed"}, "/design", w);
    auto t = d->find("type");
    if (t == d->end() || !t->is_string()) w.fail("/design/type", "missing (\"grid\", \"random\" or \"latin_hypercube\")");
    const std::string type = *t;
    if (type == "grid") {
      spec.design.kind = SweepDesign::Kind::grid;
    } else if (type == "random") {
      spec.design.kind = SweepDesign::Kind::random;
    } else if (type == "latin_hypercube") {
      spec.design.kind = SweepDesign::Kind::latin_hypercube;
    } else {
      w.fail("/design/type", "unknown design \"" + type + "\" (expected grid, random or latin_hypercube)");
    }
    auto samples = d->find("samples");
    if (spec.design.kind == SweepDesign::Kind::grid) {
      if (samples != d->end()) w.fail("/design/samples", "a grid runs every combination; samples is for random and latin_hypercube");
    } else {
      if (samples == d->end()) w.fail("/design/samples", "missing (how many points to draw)");
      spec.design.samples = static_cast<int>(need_int(*samples, "/design/samples", w, 1, kMaxLevels));
    }
    if (auto s = d->find("seed"); s != d->end()) {
      spec.design.seed = need_uint64(*s, "/design/seed", w);
    }
  }

  auto sc = doc.find("scenario");
  if (sc == doc.end()) w.fail("/scenario", "missing (the path of the base scenario, relative to the sweep file)");
  if (!sc->is_string() || sc->get<std::string>().empty()) w.fail("/scenario", "expected a file path");
  spec.scenario_ref = *sc;
  spec.scenario_file = base_dir / spec.scenario_ref;
  {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(spec.scenario_file, ec))
      w.fail("/scenario", spec.scenario_file.string() + ": no such file");
  }
  spec.scenario = read_json_file(spec.scenario_file, "scenario");

  if (auto s = doc.find("set"); s != doc.end()) spec.set = parse_set(*s, "/set", w);

  auto axes = doc.find("axes");
  if (axes == doc.end()) w.fail("/axes", "missing (a list of parameter axes)");
  if (!axes->is_array()) w.fail("/axes", "expected an array");
  std::set<std::string> names;
  for (std::size_t i = 0; i < axes->size(); ++i) {
    const std::string at = "/axes/" + std::to_string(i);
    SweepAxis axis = parse_axis((*axes)[i], at, w, spec.design.kind);
    if (axis.name == "point" || axis.name == "runs" || axis.name == "run" || axis.name == "seed")
      w.fail(at + "/name", "\"" + axis.name + "\" is reserved; name the axis differently");
    if (!names.insert(axis.name).second)
      w.fail(at + "/name", "duplicate axis name \"" + axis.name + "\" (name the axes apart with \"name\")");
    spec.axes.push_back(std::move(axis));
  }
  if (spec.design.kind != SweepDesign::Kind::grid && spec.axes.empty())
    w.fail("/axes", "a " + std::string(spec.design.kind == SweepDesign::Kind::random ? "random" : "latin_hypercube") +
                        " design needs at least one axis");

  if (auto s = doc.find("seeds"); s != doc.end()) {
    if (s->is_object()) {
      only_keys(*s, {"count", "first"}, "/seeds", w);
      auto c = s->find("count");
      if (c == s->end()) w.fail("/seeds/count", "missing (runs per point)");
      spec.seeds = static_cast<int>(need_int(*c, "/seeds/count", w, 1));
      if (auto f = s->find("first"); f != s->end()) {
        spec.first_seed = need_uint64(*f, "/seeds/first", w);
      }
    } else {
      spec.seeds = static_cast<int>(need_int(*s, "/seeds", w, 1));
    }
  }

  // Every pointer must land in the scenario (names the sweep file's field, not only the pointer).
  json probe = spec.scenario;
  for (std::size_t i = 0; i < spec.set.size(); ++i) {
    try {
      set_pointer(probe, spec.set[i].first, spec.set[i].second, spec.scenario_ref);
    } catch (const ConfigError& e) {
      w.fail("/set/" + escape_pointer_token(spec.set[i].first), e.what());
    }
  }
  for (std::size_t i = 0; i < spec.axes.size(); ++i) {
    const auto& a = spec.axes[i];
    const std::string at = "/axes/" + std::to_string(i);
    if (a.kind == SweepAxis::Kind::profiles) {
      for (std::size_t p = 0; p < a.profiles.size(); ++p)
        for (const auto& [ptr, value] : a.profiles[p].set) {
          json copy = probe;
          try {
            set_pointer(copy, ptr, value, spec.scenario_ref);
          } catch (const ConfigError& e) {
            w.fail(at + "/profiles/" + std::to_string(p) + "/set/" + escape_pointer_token(ptr), e.what());
          }
        }
    } else {
      json copy = probe;
      try {
        set_pointer(copy, a.pointer, a.values.empty() ? json(a.from) : a.values.front(), spec.scenario_ref);
      } catch (const ConfigError& e) {
        w.fail(at + "/pointer", e.what());
      }
    }
  }
  return spec;
}

SweepSpec load_sweep(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ConfigError(path + ": is a directory, not a sweep file");
  if (!std::filesystem::is_regular_file(path, ec)) throw ConfigError(path + ": no such file");
  const json doc = read_json_file(path, "sweep file");
  return parse_sweep(doc, path, std::filesystem::path(path).parent_path());
}

std::vector<SweepPoint> sweep_points(const SweepSpec& spec) {
  const std::size_t n_axes = spec.axes.size();
  std::vector<SweepPoint> points;
  auto level_value = [&](std::size_t a, std::size_t level, SweepPoint& p) {
    const auto& axis = spec.axes[a];
    if (axis.kind == SweepAxis::Kind::profiles) {
      p.values[a] = axis.profiles[level].name;
      p.profile[a] = static_cast<int>(level);
    } else {
      p.values[a] = axis.values[level];
    }
  };
  auto range_value = [&](std::size_t a, double u, SweepPoint& p) {
    const auto& axis = spec.axes[a];
    const double v = axis.kind == SweepAxis::Kind::log
                         ? std::exp(std::log(axis.from) + u * (std::log(axis.to) - std::log(axis.from)))
                         : axis.from + u * (axis.to - axis.from);
    p.values[a] = number_json(tidy(v, axis.integer), axis.integer);
  };
  auto blank = [&] {
    SweepPoint p;
    p.values.resize(n_axes);
    p.profile.assign(n_axes, -1);
    return p;
  };

  if (spec.design.kind == SweepDesign::Kind::grid) {
    std::size_t total = 1;
    for (const auto& a : spec.axes) total *= a.levels();
    std::vector<std::size_t> idx(n_axes, 0);
    for (std::size_t n = 0; n < total; ++n) {
      SweepPoint p = blank();
      for (std::size_t a = 0; a < n_axes; ++a) level_value(a, idx[a], p);
      points.push_back(std::move(p));
      for (std::size_t a = n_axes; a-- > 0;) {  // odometer: the last axis moves fastest
        if (++idx[a] < spec.axes[a].levels()) break;
        idx[a] = 0;
      }
    }
    return points;
  }

  Rng rng(spec.design.seed);
  const auto samples = static_cast<std::size_t>(spec.design.samples);
  std::vector<std::vector<double>> u(n_axes, std::vector<double>(samples));
  if (spec.design.kind == SweepDesign::Kind::random) {
    for (std::size_t s = 0; s < samples; ++s)
      for (std::size_t a = 0; a < n_axes; ++a) u[a][s] = rng.uniform01();
  } else {
    // Latin hypercube: each axis's [0,1) cut into `samples` strata, one draw per stratum, strata
    // matched across axes by independent random permutations (Fisher-Yates).
    for (std::size_t a = 0; a < n_axes; ++a) {
      std::vector<std::size_t> perm(samples);
      for (std::size_t i = 0; i < samples; ++i) perm[i] = i;
      for (std::size_t i = samples; i > 1; --i)
        std::swap(perm[i - 1], perm[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(i) - 1))]);
      for (std::size_t s = 0; s < samples; ++s)
        u[a][s] = (static_cast<double>(perm[s]) + rng.uniform01()) / static_cast<double>(samples);
    }
  }
  for (std::size_t s = 0; s < samples; ++s) {
    SweepPoint p = blank();
    for (std::size_t a = 0; a < n_axes; ++a) {
      const auto& axis = spec.axes[a];
      if (axis.continuous()) {
        range_value(a, u[a][s], p);
      } else {
        const std::size_t n = axis.levels();
        level_value(a, std::min(n - 1, static_cast<std::size_t>(u[a][s] * static_cast<double>(n))), p);
      }
    }
    points.push_back(std::move(p));
  }
  return points;
}

std::vector<Override> point_overrides(const SweepSpec& spec, const SweepPoint& p) {
  std::vector<Override> out = spec.set;
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    const auto& axis = spec.axes[a];
    if (axis.kind == SweepAxis::Kind::profiles) {
      for (const auto& o : axis.profiles[static_cast<std::size_t>(p.profile[a])].set) out.push_back(o);
    } else {
      out.emplace_back(axis.pointer, p.values[a]);
    }
  }
  return out;
}

nlohmann::ordered_json point_params(const SweepSpec& spec, const SweepPoint& p) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (std::size_t a = 0; a < spec.axes.size(); ++a) out[spec.axes[a].name] = p.values[a];
  return out;
}

json SweepSpec::canonical() const {
  json axes_j = json::array();
  for (const auto& a : axes) {
    json j = {{"name", a.name}};
    switch (a.kind) {
      case SweepAxis::Kind::values: j["kind"] = "values"; break;
      case SweepAxis::Kind::linear: j["kind"] = "linear"; break;
      case SweepAxis::Kind::log: j["kind"] = "log"; break;
      case SweepAxis::Kind::profiles: j["kind"] = "profiles"; break;
    }
    if (a.kind == SweepAxis::Kind::profiles) {
      json ps = json::array();
      for (const auto& p : a.profiles) {
        json set = json::object();
        for (const auto& [k, v] : p.set) set[k] = v;
        ps.push_back({{"name", p.name}, {"set", set}});
      }
      j["profiles"] = ps;
    } else {
      j["pointer"] = a.pointer;
      j["integer"] = a.integer;
      if (a.continuous()) {
        j["from"] = a.from;
        j["to"] = a.to;
      }
      j["levels"] = a.values;
    }
    axes_j.push_back(j);
  }
  json set_j = json::object();
  for (const auto& [k, v] : set) set_j[k] = v;
  json design_j = {{"type", design.kind == SweepDesign::Kind::grid     ? "grid"
                            : design.kind == SweepDesign::Kind::random ? "random"
                                                                       : "latin_hypercube"}};
  if (design.kind != SweepDesign::Kind::grid) {
    design_j["samples"] = design.samples;
    design_j["seed"] = design.seed;
  }
  const std::size_t points = sweep_points(*this).size();
  return {{"format", "chaoslab-sweep/1"},
          {"scenario", scenario_ref},
          {"scenario_fingerprint", hex64(fnv1a64(scenario.dump()))},
          {"set", set_j},
          {"axes", axes_j},
          {"design", design_j},
          {"seeds", {{"count", seeds}, {"first", first_seed}}},
          {"points", points},
          {"runs", points * static_cast<std::size_t>(seeds)}};
}

}  // namespace chaoslab::sim
