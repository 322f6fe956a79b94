#include "live/client_process.hpp"

#include <ostream>

#include "live/asio_runtime.hpp"
#include "live/client_service.hpp"
#include "live/signals.hpp"

namespace chaoslab::live {

std::uint64_t run_client_process(const ClientConfig& cfg, const ClientProcessOptions& opt, std::ostream& out) {
  SignalThread signals({SIGTERM, SIGINT});  // before the runtime's and the HTTP server's threads
  auto say = [&opt](const std::string& line) {
    if (opt.say) opt.say(line);
  };

  AsioRuntime rt;
  FlushingTraceWriter trace(out);
  trace.write_meta("live", opt.seed, opt.scenario_name);
  ClientService svc(rt, cfg, opt.seed, trace);
  if (opt.http_host) {
    const int bound = svc.listen(*opt.http_host, opt.http_port);
    say("/health and /metrics on " + *opt.http_host + ":" + std::to_string(bound));
  }
  say("calling " + cfg.target + " (breaker " + (cfg.breaker_enabled ? "on" : "off") + ", retry " +
      (cfg.retry_enabled ? "on" : "off") + ", seed " + std::to_string(opt.seed) + ")");

  // Ends the run: no new calls, in-flight calls get `drain`, then the io loop stops.
  bool stopping = false;
  auto finish = [&] {
    if (stopping) return;
    stopping = true;
    rt.call_after(opt.drain, [&rt] { rt.stop(); });
    svc.stop([&rt] { rt.stop(); });
  };
  rt.post([&] {
    svc.start();
    if (opt.duration > Duration{0}) rt.call_after(opt.duration, finish);
  });
  signals.start([&rt, &finish](int) {
    rt.post(finish);
    return false;
  });
  rt.run();
  svc.close_http();
  signals.stop();  // the run may have ended by its duration: the thread still waits
  out.flush();
  say("stopped after " + std::to_string(svc.client().calls_started()) + " calls");
  return svc.client().calls_started();
}

}  // namespace chaoslab::live
