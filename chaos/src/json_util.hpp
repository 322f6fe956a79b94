// Conversions between the file-ordered JSON kept for journals and the plain JSON used for values.
#pragma once

#include "chaos/experiment.hpp"

namespace chaoslab::chaos::detail {

Json to_plain(const OrderedJson& o);
OrderedJson to_ordered(const Json& j);

}  // namespace chaoslab::chaos::detail
