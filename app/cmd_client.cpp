// `chaoslab client`: the shared client loop over the live runtime (live/client_service.hpp),
// configured like the lab's client, tracing JSON lines to stdout.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "commands.hpp"
#include "live/client_service.hpp"
#include "live/env.hpp"
#include "policies/config.hpp"
#include "policies/error.hpp"
#include "sim/scenario.hpp"

namespace chaoslab::app {

namespace {

struct ClientFlags {
  std::optional<std::string> config_file, scenario_file, url, trace_file, host, port, seed,
      duration, drain_timeout;
  bool baseline = false;
  bool no_http = false;
  bool verbose = false;
};

ClientConfig client_config(const ClientFlags& f, std::string* scenario_name) {
  const auto env = live::process_env();
  ClientConfig cfg;
  if (f.config_file && f.scenario_file)
    throw ConfigError("--config and --scenario: give one of them");
  if (f.config_file) {
    std::ifstream in(*f.config_file);
    if (!in) throw ConfigError(*f.config_file + ": cannot read the file");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    cfg = parse_client(parse_json_text(text, *f.config_file), *f.config_file);
    if (auto u = live::env_value(env, "BACKEND_URL")) cfg.target = *u;
  } else if (f.scenario_file) {
    // The scenario's first client, validated by the simulator's loader (manifests included).
    const sim::Scenario sc = sim::load_scenario_file(*f.scenario_file);
    cfg = sc.clients.front().config;
    *scenario_name = sc.name;
    if (auto u = live::env_value(env, "BACKEND_URL")) cfg.target = *u;
  } else {
    cfg = client_from_lab_env(env);
  }
  if (f.url) cfg.target = *f.url;
  try {
    (void)live::parse_http_url(cfg.target);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string(f.url ? "--url" : "BACKEND_URL") + ": " + e.what());
  }
  if (f.baseline) {
    // The lab's phase A: one attempt per call, no breaker, same timeout and loop.
    cfg.breaker_enabled = false;
    cfg.retry_enabled = false;
    cfg.retry.stop = {StopSpec::Kind::after_attempt, 1, {}, {}};
    cfg.retry.wait = WaitSpec{};
  }
  return cfg;
}

int run_client(const ClientFlags& f) {
  std::string scenario_name = f.baseline ? "lab-baseline" : "lab";
  const ClientConfig cfg = client_config(f, &scenario_name);
  const auto env = live::process_env();
  int port = 8001;
  if (f.port) port = static_cast<int>(live::parse_int("--port", *f.port, 0, 65535));
  else if (auto p = live::env_value(env, "PORT")) port = static_cast<int>(live::parse_int("PORT", *p, 0, 65535));
  std::uint64_t seed = 0;
  if (f.seed) seed = live::parse_seed("--seed", *f.seed);
  else if (auto s = live::env_value(env, "SEED")) seed = live::parse_seed("SEED", *s);
  else seed = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  const Duration duration = f.duration ? from_seconds(live::parse_seconds("--duration", *f.duration)) : Duration{0};
  const Duration drain = f.drain_timeout ? from_seconds(live::parse_seconds("--drain-timeout", *f.drain_timeout))
                                         : std::chrono::seconds(5);

  std::ofstream file;
  if (f.trace_file) {
    errno = 0;
    file.open(*f.trace_file, std::ios::trunc);
    if (!file)
      throw std::runtime_error("cannot write the trace to " + *f.trace_file + ": " +
                               (errno ? std::strerror(errno) : "cannot open the file"));
  }
  std::ostream& out = f.trace_file ? static_cast<std::ostream&>(file) : std::cout;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // `kubectl logs` merges stderr into stdout: with the trace on stdout, stay silent unless asked,
  // so the captured log is nothing but the trace.
  const bool chatty = f.verbose || f.trace_file.has_value();
  auto say = [chatty](const std::string& line) {
    if (!chatty) return;
    std::fprintf(stderr, "chaoslab client: %s\n", line.c_str());
    std::fflush(stderr);
  };

  live::AsioRuntime rt;
  live::FlushingTraceWriter trace(out);
  trace.write_meta("live", seed, scenario_name);
  live::ClientService svc(rt, cfg, seed, trace);
  if (!f.no_http) {
    const std::string host = f.host.value_or("0.0.0.0");
    const int bound = svc.listen(host, port);
    say("/health and /metrics on " + host + ":" + std::to_string(bound));
  }
  say("calling " + cfg.target + " (breaker " + (cfg.breaker_enabled ? "on" : "off") + ", retry " +
      (cfg.retry_enabled ? "on" : "off") + ", seed " + std::to_string(seed) + ")");

  // Ends the run: no new calls, in-flight calls get `drain`, then the io loop stops.
  bool stopping = false;
  auto finish = [&] {
    if (stopping) return;
    stopping = true;
    rt.call_after(drain, [&rt] { rt.stop(); });
    svc.stop([&rt] { rt.stop(); });
  };
  rt.post([&] {
    svc.start();
    if (duration > Duration{0}) rt.call_after(duration, finish);
  });
  std::atomic<bool> ended{false};
  std::thread signals([&rt, &finish, &ended, set] {
    int sig = 0;
    sigwait(&set, &sig);
    if (!ended) rt.post(finish);
  });
  rt.run();
  svc.close_http();
  // Wake the signal thread if the run ended by --duration.
  ended = true;
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  out.flush();
  say("stopped after " + std::to_string(svc.client().calls_started()) + " calls");
  return kExitOk;
}

}  // namespace

void add_client(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand(
      "client",
      "Run the lab's client with chaoslab's client logic against a live backend; the trace\n"
      "(JSON lines) goes to stdout. Environment: BACKEND_URL, CB_FAIL_MAX, CB_RESET_TIMEOUT,\n"
      "RETRY_MAX_ATTEMPTS, RETRY_BASE, RETRY_MAX, PORT, SEED.");
  auto f = std::make_shared<ClientFlags>();
  // A flag given twice takes its last value, so wrappers (Kubernetes args, scripts) can override.
  sub->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  sub->add_option("--config", f->config_file, "Client policy JSON (docs/policies.md) instead of the lab's env keys");
  sub->add_option("--scenario", f->scenario_file, "Take the client policy from a scenario file");
  sub->add_flag("--baseline", f->baseline, "The lab's phase A: no breaker, no retry");
  sub->add_option("--url", f->url, "Backend URL (overrides BACKEND_URL)");
  sub->add_option("--trace", f->trace_file, "Write the trace to FILE instead of stdout");
  sub->add_option("--host", f->host, "Address for /health and /metrics (default 0.0.0.0)");
  sub->add_option("--port", f->port, "Port for /health and /metrics (PORT, default 8001; 0 = any)");
  sub->add_flag("--no-http", f->no_http, "Do not serve /health and /metrics");
  sub->add_flag("-v,--verbose", f->verbose,
                "Progress messages on stderr (default only with --trace: stdout may be the trace)");
  sub->add_option("--seed", f->seed, "Seed of the retry jitter (SEED; default random, in the trace)");
  sub->add_option("--duration", f->duration, "Stop after this many seconds (default: run until SIGTERM)");
  sub->add_option("--drain-timeout", f->drain_timeout, "Seconds in-flight calls get at shutdown (5)");
  add_examples(sub, {"chaoslab client --url http://127.0.0.1:8000 --duration 5 --no-http --trace out/client.jsonl",
                     "chaoslab client --scenario scenarios/lab3-chaos.json --url http://127.0.0.1:8000 --duration 2 --no-http "
                     "--trace out/client-lab3.jsonl"});
  sub->callback([f, &exit_code] { exit_code = run_client(*f); });
}

}  // namespace chaoslab::app
