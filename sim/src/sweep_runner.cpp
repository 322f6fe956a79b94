#include "sim/sweep_runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "policies/error.hpp"
#include "sim/sweep_stats.hpp"

namespace chaoslab::sim {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// A file descriptor that appends whole buffers and can roll back to the last complete line.
class AppendFile {
 public:
  explicit AppendFile(const fs::path& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw SweepIoError("cannot write " + path.string() + ": " + errno_text(errno));
    const off_t end = ::lseek(fd_, 0, SEEK_END);
    good_ = end < 0 ? 0 : end;
  }
  ~AppendFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  // Writes all of `data` (whole lines) or throws SweepIoError after cutting the file back to the
  // end of the last line written whole, so a full disk leaves only complete lines behind and
  // keeps every line that fitted, even when they came in one batch with the line that did not.
  void write_all(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = n < 0 ? errno : ENOSPC;
        const std::size_t last_newline = done == 0 ? std::string::npos : data.rfind('\n', done - 1);
        if (last_newline != std::string::npos) good_ += static_cast<off_t>(last_newline + 1);
        if (::ftruncate(fd_, good_) != 0) {
          // Nothing more to do: --resume ignores a torn last line anyway.
        }
        throw SweepIoError("cannot write " + path_.string() + ": " + errno_text(err));
      }
      done += static_cast<std::size_t>(n);
    }
    good_ += static_cast<off_t>(data.size());
  }

 private:
  fs::path path_;
  int fd_ = -1;
  off_t good_ = 0;
};

std::string format_eta(double seconds) {
  if (!(seconds >= 0) || seconds > 360000) return "--:--";
  const auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

class Progress {
 public:
  Progress(bool enabled, std::size_t total, std::size_t already)
      : enabled_(enabled), total_(total), already_(already), start_(std::chrono::steady_clock::now()) {}

  void update(std::size_t done, bool final = false) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done - already_) / secs : 0;
    // The first frames' rate says little (thread start, first point's preparation): the ETA waits
    // for a second of runs or 2 % of them.
    const bool measurable = secs >= 1.0 || (done - already_) * 50 >= total_ - already_;
    const double eta = rate > 0 && measurable ? static_cast<double>(total_ - done) / rate : -1;
    constexpr int width = 28;
    const int filled = total_ == 0 ? width : static_cast<int>(width * done / total_);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '-');
    std::fprintf(stderr, "\rsweep [%s] %zu/%zu runs  %.0f runs/s  ETA %s ", bar.c_str(), done, total_, rate,
                 eta < 0 ? "--:--" : format_eta(eta).c_str());
    if (final) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  std::size_t total_, already_;
  std::chrono::steady_clock::time_point start_, last_{};
};

// The first top-level field in which two sweep descriptions differ, for the --resume message.
std::string first_difference(const json& a, const json& b) {
  for (auto it = a.begin(); it != a.end(); ++it)
    if (!b.contains(it.key()) || b[it.key()] != it.value()) return it.key();
  for (auto it = b.begin(); it != b.end(); ++it)
    if (!a.contains(it.key())) return it.key();
  return "";
}

}  // namespace

RunRange shard_range(std::size_t runs, int index, int count) {
  const auto i = static_cast<std::size_t>(index);
  const auto n = static_cast<std::size_t>(count);
  return {runs * i / n, runs * (i + 1) / n};
}

namespace {

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

int sweep_jobs(int jobs) {
  return jobs > 0 ? jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void append_run_line_head(std::string& out, std::size_t run, std::size_t point, std::uint64_t seed,
                          std::string_view params_json) {
  out += "{\"run\":";
  append_number(out, run);
  out += ",\"point\":";
  append_number(out, point);
  out += ",\"seed\":";
  append_number(out, seed);
  out += ",\"params\":";
  out += params_json;
  out += ",\"summary\":";
}

void append_run_line(std::string& out, std::size_t run, std::size_t point, std::uint64_t seed,
                     std::string_view params_json, std::string_view summary_json) {
  append_run_line_head(out, run, point, seed, params_json);
  out += summary_json;
  out += "}\n";
}

std::string run_line(std::size_t run, std::size_t point, std::uint64_t seed, const std::string& params_json,
                     const std::string& summary_json) {
  std::string line;
  line.reserve(80 + params_json.size() + summary_json.size());
  append_run_line(line, run, point, seed, params_json, summary_json);
  return line;
}

RunsScan scan_runs(const fs::path& runs_jsonl, std::size_t first_run) {
  RunsScan scan;
  std::ifstream in(runs_jsonl, std::ios::binary);
  if (!in) return scan;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: torn by a crash mid-write
    const std::string expect = "{\"run\":" + std::to_string(first_run + scan.lines) + ",";
    if (line.size() < 2 || line.back() != '}') break;
    if (line.compare(0, expect.size(), expect) != 0)
      throw ConfigError(runs_jsonl.string() + ":" + std::to_string(scan.lines + 1) + ": expected run " +
                        std::to_string(first_run + scan.lines) + " (the file does not belong to this sweep)");
    scan.lines += 1;
    scan.bytes += line.size() + 1;
  }
  return scan;
}

void write_file_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  if (path.has_parent_path()) {
    // Like the output directories of sweep and tune: `-o out/x.html` works in a fresh checkout.
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw SweepIoError("cannot write " + path.string() + ": " + ec.message());
  }
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw SweepIoError("cannot write " + path.string() + ": " + errno_text(errno));
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.flush();
    if (!f) {
      const int err = errno;
      std::error_code ec;
      fs::remove(tmp, ec);
      throw SweepIoError("cannot write " + path.string() + ": " + errno_text(err));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);
    throw SweepIoError("cannot write " + path.string() + ": " + why);
  }
}

SweepResult run_sweep(const SweepSpec& spec, const SweepModel& model, const SweepOptions& opts) {
  if (opts.shard_count < 1 || opts.shard_index < 0 || opts.shard_index >= opts.shard_count)
    throw ConfigError("--shard: expected I/N with 0 <= I < N");
  const auto started = std::chrono::steady_clock::now();
  const std::vector<SweepPoint> points = sweep_points(spec);
  const std::size_t seeds = static_cast<std::size_t>(spec.seeds);
  const std::size_t total_runs = points.size() * seeds;
  const RunRange range = shard_range(total_runs, opts.shard_index, opts.shard_count);

  json manifest = spec.canonical();
  if (opts.shard_count > 1)
    manifest["shard"] = {{"index", opts.shard_index}, {"count", opts.shard_count},
                         {"first_run", range.first}, {"end_run", range.end}};
  const std::string manifest_text = manifest.dump(2) + "\n";

  const fs::path dir = opts.out_dir;
  const fs::path manifest_path = dir / "sweep.json";
  const fs::path runs_path = dir / "runs.jsonl";
  const fs::path summary_path = dir / "summary.csv";
  {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
      throw SweepIoError("cannot create the output directory " + dir.string() + ": " +
                         (ec ? ec.message() : std::string("a file is in the way")));
    }
  }

  std::size_t done = 0;
  const bool has_manifest = fs::exists(manifest_path);
  if (has_manifest || fs::exists(runs_path)) {
    if (!opts.resume)
      throw ConfigError(dir.string() + ": already holds a sweep (" + (has_manifest ? "sweep.json" : "runs.jsonl") +
                        "); pass --resume to complete it, or choose another --out directory");
    json existing;
    if (has_manifest) {
      std::ifstream in(manifest_path);
      existing = json::parse(in, nullptr, false);
    }
    if (existing.is_discarded() || !existing.is_object() || existing != manifest) {
      const std::string field = existing.is_object() ? first_difference(existing, manifest) : "";
      throw ConfigError(manifest_path.string() + ": describes a different sweep" +
                        (field.empty() ? std::string() : " (field \"" + field + "\" differs)") +
                        "; --resume continues only the same sweep file, scenario and shard");
    }
    const RunsScan scan = scan_runs(runs_path, range.first);
    if (scan.lines > range.end - range.first)
      throw ConfigError(runs_path.string() + ": holds more runs than this sweep has");
    std::error_code ec;
    if (fs::exists(runs_path) && fs::file_size(runs_path, ec) != scan.bytes) {
      fs::resize_file(runs_path, scan.bytes, ec);  // drop the torn last line
      if (ec) throw SweepIoError("cannot repair " + runs_path.string() + ": " + ec.message());
    }
    done = scan.lines;
  } else {
    write_file_atomic(manifest_path, manifest_text);
  }

  SweepResult result;
  result.first_run = range.first;
  result.end_run = range.end;
  result.resumed = done;
  const int jobs = sweep_jobs(opts.jobs);
  result.jobs = jobs;

  AppendFile out(runs_path);
  const std::size_t todo_first = range.first + done;
  // summary.csv of this directory's runs (a shard summarises its part; merge summarises all),
  // aggregated as the runs are written. A resumed sweep's earlier runs are only in the file: it
  // is read back then.
  std::optional<SweepStatsBuilder> stats;
  if (done == 0) {
    std::vector<std::string> axes;
    for (const auto& a : manifest["axes"]) axes.push_back(a.at("name").get<std::string>());
    stats.emplace(std::move(axes));
    // With several workers, they describe finished points (below) so the writer takes less of
    // their cores; one worker leaves the writer a core of its own, where describing costs it
    // nothing (and moving it to the worker made --jobs 1 slower by 5 to 8 %).
    if (jobs > 1) stats->defer_points();
  }
  if (todo_first < range.end) {
    std::vector<std::string> params_text(points.size());
    for (std::size_t p = 0; p < points.size(); ++p) params_text[p] = point_params(spec, points[p]).dump();

    // Run r's line and metrics go to slot r % window, owned by the worker of run r until it is
    // marked ready, then by the writer until `written` passes r. Slots keep their buffers (no
    // allocation per run once warm) and sit on their own cache lines (workers fill neighbours).
    struct alignas(128) Slot {
      std::string line;
      RunMetrics metrics;
      std::atomic<bool> ready{false};  // set by the run's worker, cleared by the writer
    };
    const std::size_t window = opts.window > 0 ? opts.window : static_cast<std::size_t>(256 * jobs);
    // The writer sleeps until half a window is ready in order (one wake-up and one write per
    // batch, not per run), so workers rarely wait for room.
    const std::size_t batch_runs = std::max<std::size_t>(1, window / 2);
    std::vector<Slot> slots(window);
    auto ready = [&](std::size_t r) { return slots[r % window].ready.load(std::memory_order_acquire); };
    // Workers take runs a chunk at a time and take the lock once per chunk: one shared counter
    // and one lock per run made those cache lines travel between the cores on every run.
    const std::size_t chunk = std::clamp<std::size_t>(window / (8 * static_cast<std::size_t>(jobs)), 1, 8);
    std::mutex mu;
    std::condition_variable slot_ready;   // writer waits for the runs of its next batch
    std::condition_variable slot_free;    // workers wait for room in the window
    std::size_t written = todo_first;     // every run below this is in the file
    std::size_t want = todo_first;        // the last run of the batch the writer waits for
    bool writer_waiting = false;
    bool abort = false;
    std::exception_ptr failure;
    std::atomic<std::size_t> next{todo_first};
    std::atomic<std::size_t> written_hint{todo_first};  // `written`, read without the lock
    std::atomic<bool> aborted{false};
    // Finished points the writer has collected, for a worker to describe between its chunks (the
    // sorts for the quantiles were the writer's largest cost), and the points described. Under mu.
    std::vector<SweepStatsBuilder::Pending> to_describe;
    std::vector<PointStats> described;
    // Under mu: the writer's wake-up condition.
    auto batch_ready = [&] { return abort || (ready(written) && ready(want)); };

    auto worker = [&] {
      std::size_t prepared_point = static_cast<std::size_t>(-1);
      std::unique_ptr<PointRun> run;
      // Under mu: wakes the writer when the runs it waits for are ready.
      auto wake_writer = [&] {
        if (writer_waiting && batch_ready()) slot_ready.notify_one();
      };
      try {
        for (;;) {
          const std::size_t first = next.fetch_add(chunk);
          if (first >= range.end) return;
          const std::size_t last = std::min(first + chunk, range.end);
          for (std::size_t r = first; r < last; ++r) {
            if (r >= written_hint.load(std::memory_order_acquire) + window) {
              std::unique_lock lock(mu);
              wake_writer();  // this chunk's runs so far may be the ones the writer waits for
              slot_free.wait(lock, [&] { return abort || r < written + window; });
              if (abort) return;
            } else if (aborted.load(std::memory_order_relaxed)) {
              return;
            }
            const std::size_t p = r / seeds;
            if (p != prepared_point) {
              run = model.prepare(point_overrides(spec, points[p]));
              prepared_point = p;
            }
            const std::uint64_t seed = spec.first_seed + r % seeds;
            Slot& slot = slots[r % window];
            slot.line.clear();
            append_run_line_head(slot.line, r, p, seed, params_text[p]);
            run->run_into(seed, slot.line, slot.metrics);
            slot.line += "}\n";
            slot.ready.store(true, std::memory_order_release);
          }
          std::optional<SweepStatsBuilder::Pending> point;
          {
            std::lock_guard lock(mu);
            wake_writer();
            if (!to_describe.empty()) {
              point.emplace(std::move(to_describe.back()));
              to_describe.pop_back();
            }
          }
          if (point) {
            PointStats done = SweepStatsBuilder::describe(std::move(*point));
            std::lock_guard lock(mu);
            described.push_back(std::move(done));
          }
        }
      } catch (...) {
        {
          std::lock_guard lock(mu);
          if (!failure) failure = std::current_exception();
          abort = true;
          aborted = true;
        }
        slot_ready.notify_all();
        slot_free.notify_all();
      }
    };

    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(jobs));
    for (int i = 0; i < jobs; ++i) threads.emplace_back(worker);

    Progress progress(opts.progress, range.end - range.first, done);
    std::exception_ptr io_failure;
    bool interrupted = false;
    std::string batch;
    while (written < range.end) {
      std::size_t upto = written;
      {
        std::unique_lock lock(mu);
        want = std::min(written + batch_runs, range.end) - 1;
        writer_waiting = true;
        slot_ready.wait(lock, batch_ready);
        writer_waiting = false;
        // Take every run that is ready in order; a failed run ends the file before itself.
        while (upto < range.end && upto - written < window && ready(upto)) ++upto;
        if (upto == written && abort) break;
      }
      // The slots of [written, upto) are the writer's until `written` moves: no lock needed.
      batch.clear();
      for (std::size_t r = written; r < upto; ++r) {
        const Slot& slot = slots[r % window];
        batch += slot.line;
        if (stats) {
          const std::size_t p = r / seeds;
          if (stats->new_point(p)) stats->begin_point(p, json::parse(params_text[p]));
          stats->add_run(slot.metrics);
        }
      }
      try {
        out.write_all(batch);
      } catch (...) {
        io_failure = std::current_exception();
        std::lock_guard lock(mu);
        abort = true;
        aborted = true;
      }
      {
        std::lock_guard lock(mu);
        if (!io_failure) {
          for (std::size_t r = written; r < upto; ++r) slots[r % window].ready.store(false, std::memory_order_relaxed);
          written = upto;
          written_hint.store(upto, std::memory_order_release);
        }
        if (stats) {
          for (auto& p : stats->pending()) to_describe.push_back(std::move(p));
          stats->pending().clear();
        }
      }
      slot_free.notify_all();
      if (io_failure) break;
      progress.update(written - range.first);
      if (opts.stop && opts.stop->load() && written < range.end) {
        interrupted = true;
        {
          std::lock_guard lock(mu);
          abort = true;
        }
        slot_free.notify_all();
        break;
      }
    }
    for (auto& t : threads) t.join();
    if (stats) {
      // What the workers did not take is described by finish().
      for (auto& p : described) stats->add_described(std::move(p));
      for (auto& p : to_describe) stats->pending().push_back(std::move(p));
    }
    result.ran = written - todo_first;
    if (interrupted && !io_failure && !failure)
      throw SweepInterrupted(std::to_string(written - range.first) + " of " + std::to_string(range.end - range.first) +
                             " runs are in " + runs_path.string());
    if (io_failure) std::rethrow_exception(io_failure);
    if (failure) std::rethrow_exception(failure);
    progress.update(written - range.first, true);
  }

  const SweepStats summary = stats ? stats->finish() : summarize_sweep(dir);
  std::ostringstream csv;
  write_summary_csv(summary, csv);
  write_file_atomic(summary_path, csv.str());
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace chaoslab::sim
