// The charting libraries inlined into every report (vega, vega-lite, vega-embed). Their text is
// compiled into the binary from report/node_modules by report/embed_assets.cmake, so a report
// needs neither the network nor node_modules at run time.
#pragma once

#include <span>
#include <string_view>

namespace chaoslab::report {

struct ReportAsset {
  std::string_view name;     // npm package name
  std::string_view version;  // from its package.json
  std::span<const std::string_view> chunks;  // the minified script, in order
};

// name: "vega", "vega-lite" or "vega-embed". Throws std::logic_error for any other name.
ReportAsset report_asset(std::string_view name);

}  // namespace chaoslab::report
