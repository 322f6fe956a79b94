#include "report_tune.hpp"

#include <filesystem>
#include <fstream>

#include "policies/error.hpp"
#include "report_charts.hpp"

namespace chaoslab::report {

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

// The candidate apart from its cool-down: backoff and --knob values ("" when only the cool-down is tuned).
std::string others_label(const json& c) {
  std::string s;
  if (c.contains("backoff")) s += " / " + c["backoff"].get<std::string>();
  if (c.contains("knobs"))
    for (const auto& [ptr, v] : c["knobs"].items()) {
      // As tune labels them: {"stop_after_attempt": 3} is "stop_after_attempt 3".
      if (v.is_object() && v.size() == 1 && v.begin()->is_number())
        s += " / " + v.begin().key() + " " + v.begin()->dump();
      else
        s += " / " + ptr.substr(ptr.rfind('/') + 1) + " " + (v.is_string() ? v.get<std::string>() : v.dump());
    }
  return s;
}

std::string cand_label(const json& c) { return format_number(c["cooldown_s"].get<double>(), 4) + " s" + others_label(c); }

std::string join(const json& a, const char* sep) {
  std::string s;
  for (const auto& x : a) s += (s.empty() ? "" : sep) + x.get<std::string>();
  return s;
}

}  // namespace

void add_tune_sections(ReportPage& page, const std::string& dir) {
  const auto path = std::filesystem::path(dir) / "tune.json";
  std::ifstream in(path);
  json t = json::parse(in, nullptr, false);
  if (t.is_discarded() || !t.is_object() || t.value("format", "") != "chaoslab-tune/2")
    throw ConfigError(path.string() + ": not a chaoslab tune result");
  const json& rec = t["recommendation"];
  const json& timing = t["restart_timing"];

  ReportSection s;
  s.title = rec.is_object() ? "Tuning: recommended cool-down " + format_number(rec["cooldown_s"].get<double>(), 4) + " s" +
                                  (rec.contains("backoff") ? " with backoff " + rec["backoff"].get<std::string>() : "")
                            : std::string("Tuning: no recommendation");
  s.paragraph("Scenario " + t["scenario"].get<std::string>() + ". In " + std::to_string(timing["pilot_runs"].get<int>()) +
              " pilot runs a ready endpoint was back " + format_number(timing["outage_p50_s"].get<double>(), 3) +
              " s after the fault (median; 95th percentile " + format_number(timing["outage_p95_s"].get<double>(), 3) +
              " s). The current cool-down is " + format_number(t["current_cooldown_s"].get<double>(), 3) + " s. Every candidate ran " +
              std::to_string(t["seeds"].get<int>()) + " seeds (the same seeds for all).");
  s.paragraph("Decision: over the incident (from the fault until " + format_number(t["window_s"].get<double>()) +
              " s after a ready endpoint is back), the candidate that sends the fewest attempts to the backend among those "
              "whose availability reaches the floor (the best candidate's minus the budget, or the SLO) and meet the other "
              "limits. Short cool-downs cost attempts on a backend that is not back and failed trials; long ones cost "
              "availability (the breaker stays OPEN on a healthy backend).");
  s.paragraph((rec.is_object() ? "Why: " : "") + t["reason"].get<std::string>());
  if (rec.is_object()) s.paragraph("Apply with: " + rec["apply"].get<std::string>());
  const bool adaptive = t.contains("search") && t["search"]["method"] == "adaptive";
  if (adaptive) {
    const json& se = t["search"];
    std::string rounds;
    for (const auto& r : se["rounds"])
      rounds += (rounds.empty() ? "" : "; ") + std::to_string(r["candidates"].get<int>()) + " candidates ran to " +
                std::to_string(r["seeds"].get<int>()) + " seeds" +
                (r["eliminated"].get<int>() ? ", " + std::to_string(r["eliminated"].get<int>()) + " dropped" : "");
    s.paragraph("Adaptive search: " + std::to_string(se["runs"].get<std::size_t>()) + " runs instead of the full grid's " +
                std::to_string(se["grid_runs"].get<std::size_t>()) + " (" + std::to_string(se["grid_candidates"].get<int>()) +
                " candidates). Every candidate still in the race ran the same seeds; after each round a candidate was dropped "
                "only when it was clearly out (availability clearly below the floor against the leader, a limit clearly "
                "broken, clearly more attempts than a candidate clearly inside the floor, or the same runs as a gentler one). "
                "Rounds: " + rounds + ". The table's \"seeds run\" column shows how far each candidate got.");
  }

  ReportTable table;
  table.caption = "Candidates in rank order. Candidates with identical runs on every seed are merged into the gentlest.";
  table.notes_last = true;  // the merge, never-recovered and constraint notes are sentences
  table.header = {"rank", "candidate", "availability over the incident [95% CI]", "attempts per run", "attempts, no endpoint",
                  "failed trials", "backend attempts/s", "OPEN on healthy (s)", "Pareto", "notes"};
  if (adaptive) table.header.insert(table.header.begin() + 2, "seeds run");
  json points = json::array();
  int row = 0;
  for (const auto& c : t["candidates"]) {
    std::string notes;
    if (!c["same_as"].empty()) notes = "same runs as " + join(c["same_as"], ", ");
    const auto unrecovered = c["never_recovered"].get<std::size_t>();
    if (unrecovered && (c["violates"].empty() || c["violates"][0].get<std::string>().find("never recovered") == std::string::npos))
      notes += (notes.empty() ? "" : "; ") + std::to_string(unrecovered) + " run(s) never recovered";
    if (!c["violates"].empty()) notes += (notes.empty() ? "" : "; ") + join(c["violates"], "; ");
    table.rows.push_back({std::to_string(c["rank"].get<int>()), cand_label(c), pct_cell(c["availability"]),
                          num_cell(c["attempts"]), num_cell(c["down_attempts"]), num_cell(c["failed_trials"]),
                          num_cell(c["backend_rps"]), num_cell(c["open_healthy_s"]), c["pareto"].get<bool>() ? "yes" : "",
                          notes});
    if (adaptive) table.rows.back().insert(table.rows.back().begin() + 2, std::to_string(c["runs"].get<std::size_t>()));
    ++row;
    const double a = mean_of(c["availability"]);
    if (std::isnan(a)) continue;
    const bool chosen = rec.is_object() && c["rank"] == 1;
    points.push_back({{"candidate", cand_label(c)},
                      {"cooldown", c["cooldown_s"]},
                      {"availability", round_to(a, 6)},
                      {"lo", round_to(c["availability"]["ci95_lo"].get<double>(), 6)},
                      {"hi", round_to(c["availability"]["ci95_hi"].get<double>(), 6)},
                      {"attempts", round_to(mean_of(c["attempts"]), 4)},
                      {"group", chosen                                           ? "recommended"
                                : c["feasible"].get<bool>()                      ? "meets the constraints"
                                : c.contains("eliminated") && !c["eliminated"].is_null() ? "dropped by the search"
                                                                                 : "fails one"},
                      {"backoff", others_label(c)}});
  }
  if (rec.is_object()) table.highlight_rows = {0};

  const json group_color = {{"field", "group"}, {"type", "nominal"}, {"title", nullptr},
                            {"scale", {{"domain", json::array({"recommended", "meets the constraints", "fails one", "dropped by the search"})},
                                       {"range", json::array({"#d62828", "#2f6f9f", "#adb5bd", "#e9c46a"})}}}};
  const json tooltip = json::array({{{"field", "candidate"}},
                                    {{"field", "availability"}, {"title", "availability"}, {"format", ".1%"}},
                                    {{"field", "attempts"}, {"title", "attempts per run"}}});
  // Ticks at 1-3-10 steps: evenly spaced on the log axis, so neighbouring labels never touch.
  const json x = {{"field", "cooldown"}, {"type", "quantitative"}, {"title", "cool-down (s)"}, {"scale", {{"type", "log"}}},
                  {"axis", {{"values", {0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000}}, {"format", "~g"}}}};
  json rules = json::array({{{"at", round_to(timing["outage_p50_s"].get<double>(), 4)}, {"what", "restart median"}}});
  auto panel = [&](const std::string& field, const std::string& title, json axis, bool band) {
    json layers = json::array();
    if (band)
      layers.push_back({{"mark", {{"type", "area"}, {"opacity", 0.15}, {"color", "#2f6f9f"}}},
                        {"encoding", {{"y", {{"field", "lo"}, {"type", "quantitative"}}}, {"y2", {{"field", "hi"}}}}}});
    layers.push_back({{"mark", {{"type", "line"}, {"color", "#8aa4bd"}}},
                      {"encoding", {{"y", {{"field", field}, {"type", "quantitative"}}},
                                    {"detail", {{"field", "backoff"}, {"type", "nominal"}}}}}});
    layers.push_back({{"mark", {{"type", "point"}, {"filled", true}, {"size", 60}}},
                      {"encoding", {{"y", {{"field", field}, {"type", "quantitative"}}}, {"color", group_color},
                                    {"tooltip", tooltip}}}});
    if (band && t["availability_floor"].is_number())
      layers.push_back({{"data", {{"values", json::array({{{"floor", round_to(t["availability_floor"].get<double>(), 6)}}})}}},
                        {"mark", {{"type", "rule"}, {"color", "#d62828"}, {"strokeDash", json::array({2, 2})}}},
                        {"encoding", {{"y", {{"field", "floor"}, {"type", "quantitative"}}},
                                      {"x", {{"value", 0}}}, {"x2", {{"value", 300}}}}}});
    layers.push_back({{"data", {{"values", rules}}},
                      {"mark", {{"type", "rule"}, {"strokeDash", json::array({4, 3})}, {"color", "#52606d"}}},
                      {"encoding", {{"x", {{"field", "at"}, {"type", "quantitative"}}}, {"y", {{"value", 0}}},
                                    {"y2", {{"value", 220}}}}}});
    return json{{"width", 300},
                {"height", 220},
                {"data", {{"values", points}}},
                {"encoding", {{"x", x}, {"y", {{"field", field}, {"type", "quantitative"}, {"title", title}, {"axis", axis},
                                               {"scale", {{"zero", false}}}}}}},
                {"layer", layers}};
  };
  s.chart({"The trade-off: what a cool-down costs on each side",
           "Left: availability over the incident falls as the cool-down grows (the breaker stays OPEN on a backend that is "
           "back). Right: attempts sent to the backend over the incident fall as it grows (fewer attempts on a backend "
           "that is not back, fewer failed trials). The recommendation (red) is the point furthest right on the right-hand "
           "chart's falling curve whose availability still meets the floor (the red dashed line on the left). The grey dashed line is the median restart time.",
           {{"hconcat", json::array({panel("availability", "availability over the incident", {{"format", "%"}}, true),
                                     panel("attempts", "attempts to the backend per run", json::object(), false)})}}});
  s.table(std::move(table));
  page.sections.push_back(std::move(s));
}

}  // namespace chaoslab::report
