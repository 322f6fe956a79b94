#include "live/client_service.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "policies/config.hpp"
#include "support.hpp"

using namespace chaoslab;
using namespace std::chrono_literals;
using chaoslab::testing::RunningBackend;

namespace {

live::BackendConfig failing() {
  live::BackendConfig c;
  c.failure_rate = 1.0;
  c.slow_rate = 0;
  c.seed = 5;
  return c;
}

}  // namespace

TEST_CASE("ClientService: the shared Client over AsioRuntime opens its breaker on a failing backend") {
  RunningBackend b(failing());
  ClientConfig cfg = lab3_client();
  cfg.target = b.url();
  cfg.think_time = 50ms;
  cfg.retry.wait = WaitSpec{};  // no waits between the retries: a short test
  live::AsioRuntime rt;
  std::ostringstream trace_text;
  live::FlushingTraceWriter writer(trace_text);
  writer.write_meta("live", 9, "test");
  live::ClientService svc(rt, cfg, 9, writer);
  const int port = svc.listen("127.0.0.1", 0);
  nlohmann::json health_open;
  rt.post([&] { svc.start(); });
  std::thread io([&] { rt.run(); });
  auto over_http = chaoslab::testing::http_get(port, "/health");  // answered through the io thread
  // Run until the open breaker has rejected a call; a busy machine only makes this take longer.
  CHECK(chaoslab::testing::wait_until(
      [&] {
        return rt.query([&] {
                   return svc.metrics().value("chaoslab_client_calls_total",
                                              live::Labels{{"outcome", "breaker_rejected"}}) >= 1;
                 }).value_or(false);
      },
      5s, 10ms));
  rt.post([&] {
    health_open = svc.health();
    svc.stop([&] { rt.stop(); });
  });
  io.join();
  REQUIRE(over_http);
  CHECK(over_http->status == 200);
  CHECK(nlohmann::json::parse(over_http->body)["backend_url"] == b.url());
  CHECK(health_open["breaker_state"] != "closed");
  CHECK(health_open["config"]["breaker"]["fail_max"] == 2);
  const auto& m = svc.metrics();
  using live::Labels;
  CHECK(m.value("chaoslab_client_breaker_transitions_total", Labels{{"from", "closed"}, {"to", "open"}}) >= 1);
  CHECK(m.value("chaoslab_client_attempts_total", Labels{{"outcome", "http_5xx"}}) >= 3);
  CHECK(m.value("chaoslab_client_retries_total", Labels{{"cause", "http_5xx"}}) >= 2);
  CHECK(m.value("chaoslab_client_calls_total", Labels{{"outcome", "breaker_rejected"}}) >= 1);
  CHECK(svc.client().in_flight() == 0);  // stop() waited for the calls in flight
  const std::string t = trace_text.str();
  CHECK(t.rfind("{\"t\":0.000000,\"event\":\"meta\",\"source\":\"live\",\"seed\":9", 0) == 0);
  CHECK(t.find("\"event\":\"transition\",\"client\":0,\"from\":\"closed\",\"to\":\"open\"") != std::string::npos);
  svc.close_http();
}
