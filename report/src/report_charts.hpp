// Small building blocks shared by the report's Vega-Lite specs: number rounding for compact
// inlined data, bin widths, quantiles, and the fixed colours of outcomes and pod phases (the same
// outcome has the same colour in every chart of every report).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace chaoslab::report {

// v rounded to `decimals` decimals (keeps inlined data short; charts need no more).
double round_to(double v, int decimals);

// A 1-2-5 step that divides [0, range] into about `bins` bins.
double nice_step(double range, int bins);

// Linear-interpolated quantile (type 7) of sorted values; q in [0, 1]. Precondition: non-empty.
double quantile_sorted(const std::vector<double>& sorted, double q);

// Color encodings over the values of `field` present in `rows`, with fixed colours per outcome
// (ok, http_5xx, timeout, refused, ...) and per pod phase / chaos activity kind.
nlohmann::json outcome_color_encoding(const nlohmann::json& rows, const std::string& field);
nlohmann::json phase_color_encoding(const nlohmann::json& rows, const std::string& field);

}  // namespace chaoslab::report
