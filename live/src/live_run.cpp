#include "live/live_run.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "live/client_service.hpp"
#include "live/live_target.hpp"
#include "live/url.hpp"

namespace chaoslab::live {

namespace {

std::string random_token() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex;
  for (int i = 0; i < 4; ++i) out << rd();
  return out.str();
}

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::unique_ptr<std::ofstream> open_output(const std::string& path) {
  auto out = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*out) throw std::runtime_error("cannot write " + path);
  return out;
}

std::string format_seconds(Duration d) {
  std::ostringstream s;
  s << to_seconds(d);
  return s.str();
}

}  // namespace

LiveResult run_live(const LivePlan& plan) {
  auto say = [&](const std::string& line) {
    if (plan.log) plan.log(line);
  };
  std::error_code ec;
  std::filesystem::create_directories(plan.out_dir, ec);
  if (ec) throw std::runtime_error("cannot create " + plan.out_dir + ": " + ec.message());

  LiveResult result;
  const int port = free_loopback_port();  // the Service's port; each pod has its own too
  result.endpoints.backend_url = "http://127.0.0.1:" + std::to_string(port);
  result.endpoints.admin_token = random_token();

  PodTemplate t = plan.pods;
  t.service_port = port;
  t.log_dir = plan.out_dir;
  t.seed = stream_seed(plan.seed, Stream::backend);
  const std::string exe = plan.backend_executable.empty() ? self_executable() : plan.backend_executable;
  char rate[64];
  t.argv = {exe, "backend", "--host", "127.0.0.1"};
  std::snprintf(rate, sizeof rate, "%.17g", plan.failure_rate);
  t.argv.insert(t.argv.end(), {"--failure-rate", rate});
  std::snprintf(rate, sizeof rate, "%.17g", plan.slow_rate);
  t.argv.insert(t.argv.end(), {"--slow-rate", rate, "--max-delay-ms", std::to_string(plan.max_delay_ms),
                               "--admin-token", result.endpoints.admin_token,
                               "--shutdown-timeout", format_seconds(t.grace_period)});

  // The first pod is up before the run's clock starts, as the simulator's initial pods are.
  PodSupervisor::Started first = PodSupervisor::start_ready_pod(t, 1, plan.ready_timeout);
  say("backend " + PodSupervisor::pod_name(t, 1) + " ready on 127.0.0.1:" + std::to_string(port));

  AsioRuntime rt;
  const auto epoch = std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto trace_file = open_output(plan.out_dir + "/trace.jsonl");
  FlushingTraceWriter writer(*trace_file);
  writer.write_meta("live", plan.seed, plan.scenario_file);
  RunSummarySink summary;
  TraceFanout fan;
  fan.add(&summary);
  fan.add(&writer);

  Rng kubernetes(stream_seed(plan.seed, Stream::kubernetes));
  Rng chaos_rng(stream_seed(plan.seed, Stream::chaos));
  PodSupervisor pods(rt, t, kubernetes, &fan);
  pods.adopt_running(std::move(first));

  const Instant end = Instant(plan.duration);
  std::vector<std::unique_ptr<ClientService>> clients;
  for (const auto& spec : plan.clients) {
    ClientConfig cfg = spec.config;
    std::string path = "/work";
    try {
      path = parse_http_url(cfg.target).path;
    } catch (const std::invalid_argument&) {
      // A simulation service name ("backend"): the lab's path.
    }
    cfg.target = result.endpoints.backend_url + path;
    for (int k = 0; k < spec.count; ++k) {
      const int id = static_cast<int>(clients.size());
      clients.push_back(std::make_unique<ClientService>(rt, cfg, plan.seed, fan, id));
      ClientService* c = clients.back().get();
      if (id == 0) {
        const int cport = c->listen("127.0.0.1", 0);
        result.endpoints.client_url = "http://127.0.0.1:" + std::to_string(cport);
      }
      rt.call_after(spec.start_at, [c, end] { c->start(end); });
    }
  }

  std::shared_ptr<const chaos::Experiment> experiment;
  std::unique_ptr<LiveTarget> target;
  std::unique_ptr<chaos::ExperimentRunner> runner;
  if (plan.load_experiment) {
    experiment = plan.load_experiment(result.endpoints);
    target = std::make_unique<LiveTarget>(rt, pods, result.endpoints.admin_token);
    chaos::RunnerOptions opt;
    opt.epoch = epoch;
    opt.platform = "chaoslab live";
    opt.node = hostname();
    runner = std::make_unique<chaos::ExperimentRunner>(*target, *experiment, chaos_rng, &fan, opt);
    chaos::ExperimentRunner* r = runner.get();
    rt.call_after(plan.chaos_start, [r, &say] {
      say("experiment started");
      r->start([&say, r] { say(std::string("experiment ") + std::string(chaos::to_string(r->status()))); });
    });
  }

  rt.call_after(plan.duration, [&rt] { rt.stop(); });
  if (plan.stop_requested) {
    std::function<void()> watch;
    watch = [&] {
      if (plan.stop_requested->load()) {
        result.interrupted = true;
        rt.stop();
        return;
      }
      rt.call_after(std::chrono::milliseconds(100), watch);
    };
    rt.call_after(std::chrono::milliseconds(100), watch);
    rt.run();
  } else {
    rt.run();
  }

  const Instant stopped = std::max(rt.now(), result.interrupted ? rt.now() : end);
  if (runner) {
    if (!runner->finished()) runner->interrupt();  // the run ended first: as Ctrl-C would
    result.chaos_status = runner->status();
    result.chaos_deviated = runner->deviated();
    auto journal = open_output(plan.out_dir + "/journal.json");
    *journal << runner->journal().dump(2) << '\n';
    if (!journal->flush()) throw std::runtime_error("cannot write " + plan.out_dir + "/journal.json");
  }
  result.summary = summary.finish(stopped, plan.seed, 0);
  result.pods_created = pods.pods_created();
  {
    auto out = open_output(plan.out_dir + "/summary.json");
    *out << result.summary.to_json() << '\n';
    if (!out->flush()) throw std::runtime_error("cannot write " + plan.out_dir + "/summary.json");
  }
  if (!trace_file->flush()) throw std::runtime_error("cannot write " + plan.out_dir + "/trace.jsonl");

  runner.reset();
  target.reset();
  for (auto& c : clients) c->close_http();
  pods.shutdown(std::chrono::seconds(5));
  return result;
}

}  // namespace chaoslab::live
