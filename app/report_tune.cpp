#include "report_tune.hpp"

namespace chaoslab::app {

void add_tune_sections(ReportPage&, const std::string&) {}

}  // namespace chaoslab::app
