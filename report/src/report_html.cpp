#include "report/report_html.hpp"

#include <cmath>
#include <cstdio>

#include "report_assets.hpp"
#include "sim/sweep_runner.hpp"

namespace chaoslab::report {

namespace {

// default-src 'none' forbids every fetch (connect, img, font, frame); vega compiles its expressions
// with Function(), hence 'unsafe-eval'; data: and blob: cover vega's own image exports.
constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:";

constexpr std::string_view kStyle = R"css(
:root { --fg:#1f2933; --muted:#52606d; --line:#d9e2ec; --accent:#2f6f9f; --hl:#fff3c4; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1180px; padding: 24px 32px 64px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 2px 0; color: var(--muted); }
header code { font-size: 13px; }
nav { margin: 16px 0 8px; padding: 8px 12px; border: 1px solid var(--line); border-radius: 6px; }
nav a { color: var(--accent); text-decoration: none; margin-right: 18px; white-space: nowrap; }
section { margin-top: 34px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
p { max-width: 900px; }
figure { margin: 18px 0 26px; }
figcaption { color: var(--muted); font-size: 13.5px; max-width: 900px; margin-top: 4px; }
figcaption b { color: var(--fg); }
.chart { min-height: 60px; overflow-x: auto; }
table { border-collapse: collapse; margin: 12px 0 4px; font-size: 13.5px; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
.table { overflow-x: auto; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: right; }
td { white-space: nowrap; }  /* "full-jitter" stays one word; a wide table scrolls instead */
td.notes { white-space: normal; text-align: left; min-width: 12em; max-width: 30em; }
th { background: #f5f7fa; }
th:first-child, td:first-child { text-align: left; }
tr.hl td { background: var(--hl); font-weight: 600; }
footer { margin-top: 48px; color: var(--muted); font-size: 12.5px; }
)css";

// Runs every chart, then reports the outcome on <body> and in the title so a headless browser
// (and a person) can tell a finished page from a broken one.
constexpr std::string_view kScript = R"js(
(function () {
  var errors = 0;
  window.addEventListener('error', function (e) {
    errors += 1;
    document.body.dataset.pageErrors = String(errors);
  });
  var charts = JSON.parse(document.getElementById('chaoslab-charts').textContent);
  var options = {
    actions: false, renderer: 'svg', mode: 'vega-lite',
    config: {
      font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
      view: { stroke: '#d9e2ec' },
      axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eef2f6' },
      legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320, titleLimit: 320 },
      title: { fontSize: 14, anchor: 'start' }
    }
  };
  window.chaoslabViews = {};  // chart id -> Vega view, for a headless layout check
  var jobs = charts.map(function (c) {
    return vegaEmbed('#' + c.id, c.spec, options).then(function (r) {
      window.chaoslabViews[c.id] = r.view;
      return r;
    }).catch(function (e) {
      console.error('chaoslab report: chart ' + c.id + ' failed: ' + e);
      document.getElementById(c.id).textContent = 'This chart failed to render: ' + e;
      throw e;
    });
  });
  Promise.allSettled(jobs).then(function (results) {
    var ok = results.filter(function (r) { return r.status === 'fulfilled'; }).length;
    if (ok === charts.length) {
      document.body.dataset.chartsRendered = String(ok);
      document.title = document.title + ' (' + ok + ' charts)';
    } else {
      document.body.dataset.chartsFailed = String(charts.length - ok);
    }
  });
})();
)js";

// JSON inside <script>: '<' appears only inside JSON strings, where \u003c is the same character,
// so "</script>" in a label cannot end the element.
std::string script_safe_json(const nlohmann::json& j) {
  const std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

void render_table(std::string& out, const ReportTable& t) {
  out += "<div class=\"table\"><table>";
  if (!t.caption.empty()) out += "<caption>" + html_escape(t.caption) + "</caption>";
  out += "<thead><tr>";
  for (const auto& h : t.header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    bool hl = false;
    for (int r : t.highlight_rows) hl = hl || r == static_cast<int>(i);
    out += hl ? "<tr class=\"hl\">" : "<tr>";
    for (std::size_t c = 0; c < t.rows[i].size(); ++c) {
      const bool notes = t.notes_last && c + 1 == t.rows[i].size();
      out += (notes ? "<td class=\"notes\">" : "<td>") + html_escape(t.rows[i][c]) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

int count_charts(const ReportPage& page) {
  int n = 0;
  for (const auto& s : page.sections)
    for (const auto& b : s.blocks) n += std::holds_alternative<ReportChart>(b) ? 1 : 0;
  return n;
}

std::string render_html(const ReportPage& page) {
  std::string out;
  out.reserve(1 << 20);
  out += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  out += kCsp;
  out += "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + html_escape(page.title) + "</title>\n<style>";
  out += kStyle;
  out += "</style>\n";
  std::string versions;
  for (std::string_view name : {"vega", "vega-lite", "vega-embed"}) {
    const ReportAsset asset = report_asset(name);
    out += "<script>/* ";
    out += asset.name;
    out += ' ';
    out += asset.version;
    out += " (inlined) */\n";
    for (std::string_view chunk : asset.chunks) out += chunk;
    out += "\n</script>\n";
    if (!versions.empty()) versions += ", ";
    versions += std::string(asset.name) + " " + std::string(asset.version);
  }
  out += "</head>\n<body>\n<header><h1>" + html_escape(page.title) + "</h1>\n";
  for (const auto& in : page.inputs) out += "<p>from <code>" + html_escape(in) + "</code></p>\n";
  out += "</header>\n";

  if (page.sections.size() > 1) {
    out += "<nav>";
    for (std::size_t i = 0; i < page.sections.size(); ++i)
      out += "<a href=\"#s" + std::to_string(i + 1) + "\">" + html_escape(page.sections[i].title) + "</a>";
    out += "</nav>\n";
  }

  nlohmann::json charts = nlohmann::json::array();
  int chart_no = 0;
  for (std::size_t i = 0; i < page.sections.size(); ++i) {
    const auto& s = page.sections[i];
    out += "<section id=\"s" + std::to_string(i + 1) + "\">\n<h2>" + html_escape(s.title) + "</h2>\n";
    for (const auto& block : s.blocks) {
      if (const auto* p = std::get_if<ReportParagraph>(&block)) {
        out += "<p>" + html_escape(p->text) + "</p>\n";
      } else if (const auto* t = std::get_if<ReportTable>(&block)) {
        render_table(out, *t);
      } else if (const auto* c = std::get_if<ReportChart>(&block)) {
        const std::string id = "chart-" + std::to_string(++chart_no);
        out += "<figure><div class=\"chart\" id=\"" + id + "\"></div><figcaption><b>" +
               html_escape(c->title) + ".</b> " + html_escape(c->caption) + "</figcaption></figure>\n";
        charts.push_back({{"id", id}, {"spec", c->spec}});
      }
    }
    out += "</section>\n";
  }
  out += "<footer>Generated by chaoslab; charts drawn with " + html_escape(versions) +
         ", inlined so the page needs no network.</footer>\n";
  out += "<script type=\"application/json\" id=\"chaoslab-charts\">";
  out += script_safe_json(charts);
  out += "</script>\n<script>";
  out += kScript;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

void write_report(const ReportPage& page, const std::string& path) {
  sim::write_file_atomic(path, render_html(page));
}

}  // namespace chaoslab::report
