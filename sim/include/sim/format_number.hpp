// Numbers for people: the report's tables and charts and tune's printed table and tune.json's
// --set strings. Here, below both, so tune does not depend on the report.
#pragma once

#include <string>

namespace chaoslab::sim {

// `significant` digits as plain decimals for 0.001 .. 1e9 (trailing zeros dropped), %g beyond;
// "inf", "-inf", "n/a" for the non-finite.
std::string format_number(double v, int significant = 4);

}  // namespace chaoslab::sim
