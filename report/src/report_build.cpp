#include "report/report_build.hpp"

#include <filesystem>
#include <fstream>
#include <regex>

#include "policies/error.hpp"
#include "report_compare.hpp"
#include "report_lab_log.hpp"
#include "report_sweep.hpp"
#include "report_timeline.hpp"

namespace chaoslab::report {

namespace fs = std::filesystem;

namespace {

// The lab's Python logging lines start "2025-11-07 13:18:10,192 ".
bool looks_like_lab_log(const std::string& path) {
  std::ifstream in(path);
  static const std::regex stamp(R"(^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} )");
  std::string line;
  for (int i = 0; i < 200 && std::getline(in, line); ++i)
    if (std::regex_search(line, stamp)) return true;
  return false;
}

}  // namespace

ReportInputKind classify_report_input(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw ConfigError(path + ": no such file or directory");
  if (fs::is_directory(st)) {
    // An adaptive tune keeps its runs in DIR/race/round-N: tune.json alone makes the page.
    if (fs::exists(fs::path(path) / "runs.jsonl") || fs::exists(fs::path(path) / "tune.json")) return ReportInputKind::sweep_dir;
    if (fs::exists(fs::path(path) / "trace.jsonl")) return ReportInputKind::live_dir;
    throw ConfigError(path + ": a directory without runs.jsonl or trace.jsonl (expected the --out directory of "
                             "`chaoslab sweep`, `chaoslab tune` or `chaoslab live`)");
  }
  if (looks_like_comparison(path)) return ReportInputKind::comparison;
  if (looks_like_trace(path)) return ReportInputKind::trace;
  if (looks_like_lab_log(path)) return ReportInputKind::lab_log;
  throw ConfigError(path + ": not a chaoslab trace (JSON lines), a compare result, a sweep directory or a lab client log");
}

ReportPage build_report(const std::vector<std::string>& inputs, const std::string& title) {
  ReportPage page;
  page.title = title;
  for (const auto& in : inputs) {
    switch (classify_report_input(in)) {
      case ReportInputKind::sweep_dir:
        page.inputs.push_back(in + " (sweep)");
        add_sweep_sections(page, in);
        break;
      case ReportInputKind::live_dir:
        page.inputs.push_back(in + " (live run)");
        add_timeline_sections(page, read_trace((fs::path(in) / "trace.jsonl").string()));
        break;
      case ReportInputKind::comparison:
        page.inputs.push_back(in + " (compare result)");
        add_compare_sections(page, in);
        break;
      case ReportInputKind::trace:
        page.inputs.push_back(in + " (trace)");
        add_timeline_sections(page, read_trace(in));
        break;
      case ReportInputKind::lab_log:
        page.inputs.push_back(in + " (lab client log)");
        add_timeline_sections(page, read_lab_log_timeline(in));
        break;
    }
  }
  return page;
}

}  // namespace chaoslab::report
