#include "report_tune.hpp"

#include <filesystem>
#include <fstream>

#include "policies/error.hpp"
#include "report_charts.hpp"

namespace chaoslab::app {

using nlohmann::json;

namespace {

double mean_of(const json& e) { return e.is_object() ? e["mean"].get<double>() : NAN; }

std::string pct_cell(const json& e) {
  if (!e.is_object()) return "n/a";
  return format_number(100 * e["mean"].get<double>(), 3) + "% [" + format_number(100 * e["ci95_lo"].get<double>(), 3) +
         ", " + format_number(100 * e["ci95_hi"].get<double>(), 3) + "]";
}

std::string num_cell(const json& e, const char* unit = "") {
  if (!e.is_object()) return "n/a";
  return format_number(e["mean"].get<double>(), 3) + unit;
}

std::string cand_label(const json& c) {
  std::string s = format_number(c["cooldown_s"].get<double>(), 4) + " s";
  if (c.contains("backoff")) s += " / " + c["backoff"].get<std::string>();
  return s;
}

}  // namespace

void add_tune_sections(ReportPage& page, const std::string& dir) {
  const auto path = std::filesystem::path(dir) / "tune.json";
  std::ifstream in(path);
  json t = json::parse(in, nullptr, false);
  if (t.is_discarded() || !t.is_object() || t.value("format", "") != "chaoslab-tune/1")
    throw ConfigError(path.string() + ": not a chaoslab tune result");
  const bool avail = t["objective"] == "availability";
  const json& rec = t["recommendation"];
  const json& timing = t["restart_timing"];

  ReportSection s;
  s.title = "Tuning: recommended cool-down " + format_number(rec["cooldown_s"].get<double>(), 4) + " s" +
            (rec.contains("backoff") ? " with backoff " + rec["backoff"].get<std::string>() : "");
  s.paragraph("Scenario " + t["scenario"].get<std::string>() + ". In " + std::to_string(timing["pilot_runs"].get<int>()) +
              " pilot runs a ready endpoint was back " + format_number(timing["outage_p50_s"].get<double>(), 3) +
              " s after the chaos action (median; 95th percentile " + format_number(timing["outage_p95_s"].get<double>(), 3) +
              " s). The current cool-down is " + format_number(t["current_cooldown_s"].get<double>(), 3) + " s. Every candidate ran " +
              std::to_string(t["seeds"].get<int>()) + " seeds (the same seeds for all).");
  s.paragraph("Objective: " + t["objective_text"].get<std::string>() + ", over the " +
              format_number(t["window_s"].get<double>()) + " s after a ready endpoint exists again. Costs: " +
              t["costs_text"].get<std::string>() + ".");
  s.paragraph("Why: " + rec["reason"].get<std::string>());
  std::string sets;
  for (const auto& x : rec["set"]) sets += (sets.empty() ? "" : "  ") + std::string("--set '") + x.get<std::string>() + "'";
  s.paragraph("Apply with: chaoslab run " + t["scenario"].get<std::string>() + " " + sets);

  ReportTable table;
  table.caption = "Candidates in rank order (1 = recommended). Tied: within the best candidate's 95% interval on the objective.";
  table.header = {"rank", "candidate", avail ? "availability after recovery [95% CI]" : "time to first success (s)",
                  avail ? "time to first success (s)" : "availability after recovery", "failed trials", "backend attempts/s",
                  "wasted cool-down (s)", "cost", "tied", "Pareto"};
  json points = json::array();
  for (const auto& c : t["candidates"]) {
    table.rows.push_back({std::to_string(c["rank"].get<int>()), cand_label(c),
                          avail ? pct_cell(c["availability"]) : num_cell(c["time_to_first_success_s"]),
                          avail ? num_cell(c["time_to_first_success_s"]) : pct_cell(c["availability"]),
                          num_cell(c["failed_trials"]), num_cell(c["backend_rps"]), num_cell(c["wasted_cooldown_s"]),
                          format_number(c["cost"].get<double>(), 3), c["tied_with_best"].get<bool>() ? "yes" : "",
                          c["pareto"].get<bool>() ? "yes" : ""});
    const double obj = avail ? mean_of(c["availability"]) : mean_of(c["time_to_first_success_s"]);
    const json& oe = avail ? c["availability"] : c["time_to_first_success_s"];
    if (std::isnan(obj)) continue;
    points.push_back({{"candidate", cand_label(c)},
                      {"cooldown", c["cooldown_s"]},
                      {"objective", round_to(obj, 6)},
                      {"lo", round_to(oe["ci95_lo"].get<double>(), 6)},
                      {"hi", round_to(oe["ci95_hi"].get<double>(), 6)},
                      {"trials", round_to(mean_of(c["failed_trials"]), 4)},
                      {"load", round_to(mean_of(c["backend_rps"]), 4)},
                      {"group", c["rank"] == 1 ? "recommended" : c["pareto"].get<bool>() ? "Pareto front" : "dominated"},
                      {"backoff", c.value("backoff", "")}});
  }
  table.highlight_rows = {0};

  const std::string obj_title = avail ? "availability after recovery" : "time to first success after recovery (s)";
  const json obj_axis = avail ? json{{"format", "%"}} : json::object();
  const json group_color = {{"field", "group"}, {"type", "nominal"}, {"title", nullptr},
                            {"scale", {{"domain", json::array({"recommended", "Pareto front", "dominated"})},
                                       {"range", json::array({"#d62828", "#2f6f9f", "#adb5bd"})}}}};
  const json tooltip = json::array({{{"field", "candidate"}},
                                    {{"field", "objective"}, {"title", obj_title}, {"format", avail ? ".1%" : ".2f"}},
                                    {{"field", "trials"}, {"title", "failed trials"}},
                                    {{"field", "load"}, {"title", "backend attempts/s"}}});
  s.chart({"Pareto front: " + obj_title + " against failed half-open trials",
           "Each candidate's mean over seeds; point size is the load on the recovering backend (attempts/s). Blue points "
           "are on the Pareto front (no other candidate is at least as good on all three and better on one); the red one is "
           "the recommendation. Points on the front are labelled.",
           {{"width", 520},
            {"height", 300},
            {"data", {{"values", points}}},
            {"encoding",
             {{"x", {{"field", "trials"}, {"type", "quantitative"}, {"title", "failed half-open trials in the window (cost)"}}},
              {"y", {{"field", "objective"}, {"type", "quantitative"}, {"title", obj_title}, {"axis", obj_axis},
                     {"scale", {{"zero", false}}}}}}},
            {"layer", json::array({{{"mark", {{"type", "point"}, {"filled", true}, {"opacity", 0.85}}},
                                    {"encoding", {{"color", group_color},
                                                  {"size", {{"field", "load"}, {"type", "quantitative"},
                                                            {"title", "attempts/s"}, {"scale", {{"range", json::array({40, 400})}}}}},
                                                  {"tooltip", tooltip}}}},
                                   {{"transform", json::array({{{"filter", "datum.group !== 'dominated'"}}})},
                                    {"mark", {{"type", "text"}, {"dx", 9}, {"align", "left"}, {"fontSize", 10}}},
                                    {"encoding", {{"text", {{"field", "candidate"}}}}}}})}}});

  json rules = json::array({{{"at", round_to(timing["outage_p50_s"].get<double>(), 4)}, {"what", "restart median"}},
                            {{"at", round_to(timing["outage_p95_s"].get<double>(), 4)}, {"what", "restart p95"}}});
  json line_enc = {{"x", {{"field", "cooldown"}, {"type", "quantitative"}, {"title", "cool-down (s)"}, {"scale", {{"type", "log"}}}}}};
  json band = {{"mark", {{"type", "area"}, {"opacity", 0.18}}},
               {"encoding", {{"y", {{"field", "lo"}, {"type", "quantitative"}, {"title", obj_title}, {"axis", obj_axis},
                                    {"scale", {{"zero", false}}}}},
                             {"y2", {{"field", "hi"}}}}}};
  json line = {{"mark", {{"type", "line"}, {"point", true}}},
               {"encoding", {{"y", {{"field", "objective"}, {"type", "quantitative"}}}, {"tooltip", tooltip}}}};
  if (rec.contains("backoff")) {
    band["encoding"]["color"] = {{"field", "backoff"}, {"type", "nominal"}};
    line["encoding"]["color"] = {{"field", "backoff"}, {"type", "nominal"}};
  } else {
    band["mark"]["color"] = "#2f6f9f";
    line["mark"]["color"] = "#2f6f9f";
  }
  json rule = {{"data", {{"values", rules}}},
               {"mark", {{"type", "rule"}, {"strokeDash", json::array({4, 3})}, {"color", "#52606d"}}},
               {"encoding", {{"x", {{"field", "at"}, {"type", "quantitative"}}}, {"tooltip", json::array({{{"field", "what"}}, {{"field", "at"}, {"title", "s"}}})}}}};
  json rule_text = {{"data", {{"values", rules}}},
                    {"mark", {{"type", "text"}, {"angle", 270}, {"align", "right"}, {"baseline", "bottom"}, {"dy", -3},
                              {"y", 4}, {"fontSize", 10}, {"color", "#52606d"}}},
                    {"encoding", {{"x", {{"field", "at"}, {"type", "quantitative"}}}, {"text", {{"field", "what"}}}}}};
  s.chart({"The objective against the cool-down, with the restart timing",
           "Mean over seeds with its 95% interval; dashed lines mark how long a ready endpoint took to come back "
           "(median and 95th percentile of the pilot runs). Cool-downs shorter than the restart spend failed trials on a "
           "backend that is not back; longer ones keep the breaker OPEN after it is.",
           {{"width", 520},
            {"height", 280},
            {"layer", json::array({{{"data", {{"values", points}}}, {"encoding", line_enc}, {"layer", json::array({band, line})}},
                                   rule, rule_text})}}});
  s.table(std::move(table));
  page.sections.push_back(std::move(s));
}

}  // namespace chaoslab::app
