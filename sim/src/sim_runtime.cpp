#include "sim/sim_runtime.hpp"

#include <stdexcept>
#include <string>

#include "policies/client_impl.hpp"

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

void SimRuntime::no_http_model() { throw std::logic_error("SimRuntime::http_get without an HTTP model"); }

}  // namespace chaoslab::sim

namespace chaoslab {
template class BasicClient<sim::SimRuntime, sim::RunSinks>;
}  // namespace chaoslab
