// How an http provider becomes a request and a response becomes its output, as chaoslib's
// provider/http.py does it with requests. Internal to chaos/.
#pragma once

#include <optional>

#include "chaos/experiment.hpp"
#include "chaos/target.hpp"

namespace chaoslab::chaos::detail {

// GET: arguments become the query string; otherwise the body: JSON when the headers say
// Content-Type: application/json, a string as is, else form fields. `value` (a tolerance
// probe's input) is added as the argument "value".
HttpRequest build_http_request(const HttpCall& call, const std::optional<Json>& value, Duration default_timeout);

// {"status", "headers", "body"}; the body is parsed when the response is application/json.
Json http_output(const HttpResponse& response);

// application/x-www-form-urlencoded encoding of one key or value (space as '+').
std::string form_encode(std::string_view s);

}  // namespace chaoslab::chaos::detail
