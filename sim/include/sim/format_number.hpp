// Numbers for people: the report's tables and charts and tune's printed table and tune.json's
// --set strings. Here, below both, so tune does not depend on the report.
#pragma once

#include <string>

namespace chaoslab::sim {

// `significant` digits as plain decimals for 0.001 .. 1e9 (trailing zeros dropped), %g beyond;
// "inf", "-inf", "n/a" for the non-finite.
std::string format_number(double v, int significant = 4);

// A number quoted back from a user's file in an error message: whole numbers in full ("65536",
// not "6.554e+04"), others as printf's %g.
std::string format_config_number(double v);

}  // namespace chaoslab::sim
