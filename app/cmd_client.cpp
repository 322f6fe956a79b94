// `chaoslab client`: the shared client loop as a process (live/client_process.hpp), configured
// like the lab's client (flags, then the lab's environment keys), tracing JSON lines to stdout.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "commands.hpp"
#include "live/client_process.hpp"
#include "live/env.hpp"
#include "live/url.hpp"
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
  live::ClientProcessOptions opt;
  opt.scenario_name = f.baseline ? "lab-baseline" : "lab";
  const ClientConfig cfg = client_config(f, &opt.scenario_name);
  const auto env = live::process_env();
  if (f.port) opt.http_port = static_cast<int>(live::parse_int("--port", *f.port, 0, 65535));
  else if (auto p = live::env_value(env, "PORT")) opt.http_port = static_cast<int>(live::parse_int("PORT", *p, 0, 65535));
  if (f.seed) opt.seed = live::parse_seed("--seed", *f.seed);
  else if (auto s = live::env_value(env, "SEED")) opt.seed = live::parse_seed("SEED", *s);
  else opt.seed = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  if (f.duration) opt.duration = from_seconds(live::parse_seconds("--duration", *f.duration));
  if (f.drain_timeout) opt.drain = from_seconds(live::parse_seconds("--drain-timeout", *f.drain_timeout));
  if (!f.no_http) opt.http_host = f.host.value_or("0.0.0.0");
  // `kubectl logs` merges stderr into stdout: with the trace on stdout, stay silent unless asked,
  // so the captured log is nothing but the trace.
  if (f.verbose || f.trace_file) {
    opt.say = [](const std::string& line) {
      std::fprintf(stderr, "chaoslab client: %s\n", line.c_str());
      std::fflush(stderr);
    };
  }

  std::ofstream file;
  if (f.trace_file) {
    errno = 0;
    file.open(*f.trace_file, std::ios::trunc);
    if (!file)
      throw std::runtime_error("cannot write the trace to " + *f.trace_file + ": " +
                               (errno ? std::strerror(errno) : "cannot open the file"));
  }
  live::run_client_process(cfg, opt, f.trace_file ? static_cast<std::ostream&>(file) : std::cout);
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
