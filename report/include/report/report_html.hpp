// The report page: sections of text, tables and Vega-Lite charts, rendered into one self-contained
// HTML file. The charting libraries are inlined (report_assets.hpp) and a Content-Security-Policy
// forbids every network fetch, so the page works offline and cannot leak data.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/format_number.hpp"

namespace chaoslab::report {

struct ReportParagraph {
  std::string text;  // plain text, escaped when rendered
};

struct ReportTable {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> highlight_rows;  // row indices drawn emphasised (e.g. the recommendation)
  bool notes_last = false;          // the last column holds sentences: they wrap, not widen the table
};

struct ReportChart {
  std::string title;
  std::string caption;  // what to read from the chart
  nlohmann::json spec;  // a Vega-Lite spec with its data inlined ("data": {"values": [...]})
};

using ReportBlock = std::variant<ReportParagraph, ReportTable, ReportChart>;

struct ReportSection {
  std::string title;
  std::vector<ReportBlock> blocks;

  void paragraph(std::string text) { blocks.emplace_back(ReportParagraph{std::move(text)}); }
  void table(ReportTable t) { blocks.emplace_back(std::move(t)); }
  void chart(ReportChart c) { blocks.emplace_back(std::move(c)); }
};

struct ReportPage {
  std::string title = "chaoslab report";
  std::vector<std::string> inputs;  // what the report was made from, listed in the header
  std::vector<ReportSection> sections;
};

// The number of charts on the page (the page reports how many rendered, see render_html).
int count_charts(const ReportPage& page);

// The complete HTML document. When every chart has rendered the page sets
// document.body.dataset.chartsRendered to the number of charts and the title to
// "<title> (N charts)"; a failed chart sets data-charts-failed and logs to the console.
std::string render_html(const ReportPage& page);

// Writes the page to `path` through a temporary file and a rename, so a reader never sees half a
// report. Throws std::runtime_error naming the path when it cannot be written.
void write_report(const ReportPage& page, const std::string& path);

// Helpers for building specs and tables.
std::string html_escape(std::string_view text);
using sim::format_number;

}  // namespace chaoslab::report
