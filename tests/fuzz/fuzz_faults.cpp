// The backend's POST /admin/faults body as live/src/backend.cpp handles it: JSON (a parse error is
// the 400 "invalid JSON"), chaos::parse_fault_request and FaultState::apply (FaultError is the
// 400 naming the field), then the state as GET /admin/faults shows it and the fate of requests.
#include <nlohmann/json.hpp>

#include "chaos/faults.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::exception&) {  // the backend's 400 "invalid JSON", number overflow too
    return 0;
  }
  chaos::FaultState state;
  const Instant now = instant_at(100.0);
  try {
    const chaos::FaultRequest fr = chaos::parse_fault_request(body);
    (void)state.apply(fr.action, fr.arguments, now);
  } catch (const chaos::FaultError& e) {
    (void)nlohmann::json({{"error", e.what()}}).dump();
    return 0;
  }
  (void)state.to_json(now).dump();
  Rng rng(1);
  for (double dt : {0.0, 0.001, 1.0, 60.0, 1e6}) {
    const Instant t = now + from_seconds(dt);
    (void)state.on_request(t, rng);
    (void)state.any_active(t);
    (void)state.to_json(t).dump();
  }
  return 0;
}
