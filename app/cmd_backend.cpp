// `chaoslab backend`: the lab's backend service (live/backend.hpp) as a process (live/backend_process.hpp).
#include <optional>
#include <string>

#include "commands.hpp"
#include "live/backend_process.hpp"
#include "live/env.hpp"
#include "policies/error.hpp"

namespace chaoslab::app {

namespace {

struct BackendFlags {
  std::optional<std::string> host, port, failure_rate, slow_rate, max_delay_ms, seed,
      startup_delay, admin_token, workers, queue, max_connections, drain_delay, shutdown_timeout, service_port;
  bool service_open = false;
};

Duration seconds_flag(const std::string& name, const std::string& text) {
  return from_seconds(live::parse_seconds(name, text));
}

live::BackendConfig resolve(const BackendFlags& f) {
  live::BackendConfig c = live::backend_config_from_env(live::process_env());
  if (f.host) c.host = *f.host;
  if (f.port) c.port = static_cast<int>(live::parse_int("--port", *f.port, 0, 65535));
  if (f.failure_rate) c.failure_rate = live::parse_rate("--failure-rate", *f.failure_rate);
  if (f.slow_rate) c.slow_rate = live::parse_rate("--slow-rate", *f.slow_rate);
  if (f.max_delay_ms)
    c.max_delay_ms = static_cast<int>(live::parse_int("--max-delay-ms", *f.max_delay_ms, 0, 3'600'000));
  if (f.seed) c.seed = live::parse_seed("--seed", *f.seed);
  if (f.startup_delay) c.startup_delay = seconds_flag("--startup-delay", *f.startup_delay);
  if (f.admin_token) c.admin_token = *f.admin_token;
  if (f.workers) c.workers = static_cast<int>(live::parse_int("--workers", *f.workers, 1, 1024));
  if (f.queue) c.queue = static_cast<int>(live::parse_int("--queue", *f.queue, 0, 100000));
  if (f.max_connections)
    c.max_connections = static_cast<int>(live::parse_int("--max-connections", *f.max_connections, 1, 1'000'000));
  if (f.drain_delay) c.drain_delay = seconds_flag("--drain-delay", *f.drain_delay);
  if (f.shutdown_timeout) c.shutdown_timeout = seconds_flag("--shutdown-timeout", *f.shutdown_timeout);
  if (f.service_port) c.service_port = static_cast<int>(live::parse_int("--service-port", *f.service_port, 1, 65535));
  if (f.service_open && c.service_port == 0) throw ConfigError("--service-open: needs --service-port");
  c.service_open = f.service_open;
  return c;
}

}  // namespace

void add_backend(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand(
      "backend",
      "Run the lab's backend service: GET /work, /healthz, /readyz, /metrics, /admin/faults.\n"
      "Environment: FAILURE_RATE, SLOW_RATE, MAX_DELAY_MS, PORT, ADMIN_TOKEN (flags override).");
  auto flags = std::make_shared<BackendFlags>();
  // A flag given twice takes its last value, so wrappers (Kubernetes args, scripts) can override.
  sub->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  sub->add_option("--host", flags->host, "Address to listen on (default 0.0.0.0)");
  sub->add_option("--port", flags->port, "Port (default PORT or 8000; 0 = any free port)");
  sub->add_option("--failure-rate", flags->failure_rate, "Probability of a 500 (FAILURE_RATE, 0.2)");
  sub->add_option("--slow-rate", flags->slow_rate, "Probability of a delay (SLOW_RATE, 0.3)");
  sub->add_option("--max-delay-ms", flags->max_delay_ms, "Largest delay in ms (MAX_DELAY_MS, 800)");
  sub->add_option("--seed", flags->seed, "Seed for reproducible draws (default: random, logged)");
  sub->add_option("--startup-delay", flags->startup_delay,
                  "Seconds before /readyz turns 200 (a slow application start)");
  sub->add_option("--admin-token", flags->admin_token,
                  "Enables /admin/faults for 'Authorization: Bearer <token>' (ADMIN_TOKEN)");
  sub->add_option("--workers", flags->workers, "GET /work requests served at once (default 32)");
  sub->add_option("--queue", flags->queue, "GET /work requests waiting for a slot before 503s (256)");
  sub->add_option("--max-connections", flags->max_connections,
                  "Open connections before new ones get 503 at once (default 10000, lowered to fit "
                  "the descriptor limit)");
  sub->add_option("--drain-delay", flags->drain_delay,
                  "Seconds to keep serving after SIGTERM with /readyz 503 (default 0)");
  sub->add_option("--shutdown-timeout", flags->shutdown_timeout,
                  "Seconds in-flight requests get to finish after SIGTERM (default 10)");
  sub->add_option("--service-port", flags->service_port,
                  "A second port for the same routes, open only between SIGUSR1 and SIGUSR2 "
                  "(local live mode's Service endpoint)");
  sub->add_flag("--service-open", flags->service_open, "Open the --service-port listener at start");
  add_examples(sub, {"chaoslab backend --host 127.0.0.1 --port 8000",
                     "chaoslab backend --host 127.0.0.1 --port 0 --failure-rate 0.5 --seed 1 --admin-token secret"});
  sub->callback([flags, &exit_code] {
    live::run_backend_process(resolve(*flags));
    exit_code = kExitOk;
  });
}

}  // namespace chaoslab::app
