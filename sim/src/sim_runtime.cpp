#include "sim/sim_runtime.hpp"

#include <stdexcept>
#include <string>

namespace chaoslab::sim {

TargetId SimRuntime::resolve(std::string_view url) {
  if (!http_) throw std::invalid_argument("no simulated service can serve '" + std::string(url) + "'");
  return http_->resolve(url);
}

void SimRuntime::http_get(TargetId target, Duration timeout,
                          std::function<void(const HttpResult&)> done) {
  if (!http_) throw std::logic_error("SimRuntime::http_get without an HTTP model");
  http_->http_get(target, timeout, std::move(done));
}

void SimRuntime::http_get_fn(TargetId target, Duration timeout, HttpDoneFn done, void* ctx,
                             std::uint64_t arg) {
  if (!http_) throw std::logic_error("SimRuntime::http_get without an HTTP model");
  http_->http_get_fn(target, timeout, done, ctx, arg);
}

}  // namespace chaoslab::sim
