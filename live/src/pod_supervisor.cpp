#include "live/pod_supervisor.hpp"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <httplib.h>

#include "chaos/labels.hpp"

namespace chaoslab::live {

namespace {

constexpr Duration kReapPeriod = std::chrono::milliseconds(20);

std::string log_tail(const std::string& path, std::size_t max = 2000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max ? s.substr(s.size() - max) : s;
}

std::string log_path(const PodTemplate& t, const std::string& pod) {
  return t.log_dir.empty() ? std::string() : t.log_dir + "/" + pod + ".log";
}

PodSupervisor::Started spawn_pod(const PodTemplate& t, const std::string& name, int index,
                                 int restarts, bool service_open) {
  PodSupervisor::Started out;
  out.port = free_loopback_port();
  std::vector<std::string> argv = t.argv;
  argv.insert(argv.end(), {"--port", std::to_string(out.port), "--service-port",
                           std::to_string(t.service_port)});
  if (service_open) argv.push_back("--service-open");
  argv.push_back("--seed");
  argv.push_back(std::to_string(derive_seed(derive_seed(t.seed, static_cast<std::uint64_t>(index)),
                                            static_cast<std::uint64_t>(restarts))));
  SpawnOptions o;
  o.stdout_path = o.stderr_path = log_path(t, name);
  o.append = true;
  // The lab's variables must not leak into the pod from this process: flags say it all.
  o.env_unset = {"FAILURE_RATE", "SLOW_RATE", "MAX_DELAY_MS", "PORT", "ADMIN_TOKEN"};
  // Endpoint signals may come before the backend's signal thread runs: keep them pending.
  o.blocked_signals = {SIGUSR1, SIGUSR2};
  out.process = ChildProcess(argv, o);
  return out;
}

}  // namespace

std::string PodSupervisor::pod_name(const PodTemplate& tmpl, int index) {
  return tmpl.deployment + "-" + std::to_string(index);
}

PodSupervisor::Started PodSupervisor::start_ready_pod(const PodTemplate& t, int index, Duration timeout) {
  const std::string name = pod_name(t, index);
  Started started = spawn_pod(t, name, index, 0, true);
  ChildProcess& p = started.process;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  httplib::Client c("127.0.0.1", started.port);
  c.set_connection_timeout(std::chrono::milliseconds(200));
  c.set_read_timeout(std::chrono::milliseconds(500));
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto st = p.poll())
      throw std::runtime_error("backend pod " + name + " exited with status " +
                               std::to_string(st->code) + " before it was ready:\n" +
                               log_tail(log_path(t, name)));
    auto r = c.Get("/readyz");
    if (r && r->status == 200) return started;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("backend pod " + name + " was not ready within " +
                           std::to_string(to_seconds(timeout)) + " s:\n" + log_tail(log_path(t, name)));
}

PodSupervisor::PodSupervisor(AsioRuntime& rt, PodTemplate tmpl, Rng& rng, TraceSink* trace)
    : rt_(rt), t_(std::move(tmpl)), rng_(rng), trace_(trace) {
  reap_timer_ = rt_.call_after(kReapPeriod, [this] { reap(); });
}

PodSupervisor::~PodSupervisor() {
  *alive_ = false;
  if (reap_timer_) rt_.cancel(reap_timer_);
  for (auto& p : pods_) {
    if (p->kill_timer) rt_.cancel(p->kill_timer);
    if (p->probe_timer) rt_.cancel(p->probe_timer);
  }
  // ChildProcess destructors SIGKILL whatever shutdown() did not stop.
}

Duration PodSupervisor::draw(const DelayFn& f) { return f ? f(rng_) : Duration{0}; }

void PodSupervisor::event(const Pod& p, const char* phase) {
  if (trace_) trace_->on_pod(rt_.now(), PodEvent{p.name, phase, p.ready});
}

void PodSupervisor::schedule(Duration after, Pod& p, void (PodSupervisor::*step)(Pod&)) {
  Pod* pp = &p;
  const std::uint32_t gen = p.gen;
  rt_.call_after(after, [this, pp, gen, step] {
    if (pp->gen == gen) (this->*step)(*pp);
  });
}

void PodSupervisor::adopt_running(Started started) {
  auto pod = std::make_unique<Pod>();
  pod->index = next_index_++;
  pod->name = pod_name(t_, pod->index);
  pod->created = rt_.now();
  pod->container_started = rt_.now();
  pod->stage = Stage::running;
  pod->ready = true;
  pod->endpoint = true;
  pod->port = started.port;
  pod->readyz = rt_.resolve("http://127.0.0.1:" + std::to_string(started.port) + "/readyz");
  pod->process = std::move(started.process);
  Pod& p = *pods_.emplace_back(std::move(pod));
  event(p, "Running");
  if (t_.readiness) {
    // Its probe ticks at an unknown phase of the period, as for a pod started before the run.
    const auto period = std::max<std::int64_t>(1, t_.readiness->period.count());
    const Duration first(rng_.uniform_int(0, period - 1));
    Pod* pp = &p;
    p.probe_timer = rt_.call_after(first, [this, pp] { probe(*pp); });
  }
}

PodSupervisor::Pod& PodSupervisor::create_pod() {
  auto pod = std::make_unique<Pod>();
  pod->index = next_index_++;
  pod->name = pod_name(t_, pod->index);
  pod->created = rt_.now();
  Pod& p = *pods_.emplace_back(std::move(pod));
  event(p, "Pending");
  schedule(draw(t_.scheduling), p, &PodSupervisor::on_scheduled);
  return p;
}

void PodSupervisor::on_scheduled(Pod& p) {
  if (p.terminating || p.stage != Stage::pending) return;
  p.stage = Stage::creating;
  event(p, "ContainerCreating");
  if (t_.readiness) {
    Pod* pp = &p;
    p.probe_timer = rt_.call_after(Duration{0}, [this, pp] { probe(*pp); });
  }
  schedule(draw(t_.container_start), p, &PodSupervisor::on_container_started);
}

void PodSupervisor::on_container_started(Pod& p) {
  if (p.terminating) return;
  p.stage = Stage::running;
  p.container_started = rt_.now();
  p.probe_ok = p.probe_fail = 0;
  if (!t_.readiness) set_ready(p, true, false);  // no probe: Ready as soon as the container runs
  event(p, "Running");
  schedule(draw(t_.app_start), p, &PodSupervisor::on_app_up);
}

void PodSupervisor::on_app_up(Pod& p) {
  if (p.stage != Stage::running || p.terminating) return;
  try {
    Started s = spawn_pod(t_, p.name, p.index, p.backoff_step, p.endpoint);
    p.process = std::move(s.process);
    p.port = s.port;
    p.readyz = rt_.resolve("http://127.0.0.1:" + std::to_string(s.port) + "/readyz");
  } catch (const std::exception&) {
    process_exit(p, false);  // could not start: as a crashing container
  }
}

void PodSupervisor::probe(Pod& p) {
  p.probe_timer = 0;
  if (p.terminating || p.stage == Stage::gone) return;
  const ReadinessProbe& pr = *t_.readiness;
  Pod* pp = &p;
  p.probe_timer = rt_.call_after(pr.period, [this, pp] { probe(*pp); });
  if (p.stage != Stage::running || rt_.now() < p.container_started + pr.initial_delay) return;
  auto verdict = [this, pp](bool ok) {
    Pod& q = *pp;
    if (q.terminating || q.stage != Stage::running) return;
    const ReadinessProbe& r = *t_.readiness;
    if (ok) {
      q.probe_fail = 0;
      if (!q.ready && ++q.probe_ok >= r.success_threshold) set_ready(q, true);
    } else {
      q.probe_ok = 0;
      if (q.ready && ++q.probe_fail >= r.failure_threshold) set_ready(q, false);
    }
  };
  if (!p.process.running()) return verdict(false);  // nothing listens yet: refused
  const std::uint32_t gen = p.gen;
  rt_.http_get(p.readyz, pr.timeout, [alive = alive_, pp, gen, verdict](const HttpResult& r) {
    if (!*alive || pp->gen != gen) return;
    verdict(r.kind == OutcomeKind::ok && r.status == 200);
  });
}

void PodSupervisor::set_ready(Pod& p, bool ready, bool emit) {
  if (p.ready == ready) return;
  p.ready = ready;
  // kube-proxy follows after endpoint_delay; updates can land out of order, an older one never
  // undoes a newer one.
  const std::uint32_t version = ++p.ep_version;
  Pod* pp = &p;
  rt_.call_after(draw(t_.endpoint_delay), [this, pp, version, ready] { apply_endpoint(*pp, version, ready); });
  if (emit) event(p, p.terminating ? "Terminating" : "Running");
}

void PodSupervisor::apply_endpoint(Pod& p, std::uint32_t version, bool endpoint) {
  if (version <= p.ep_applied) return;
  p.ep_applied = version;
  if (p.endpoint == endpoint) return;
  p.endpoint = endpoint;
  // The process opens or closes its Service listener; one that has not started yet learns it
  // from --service-open when it does.
  if (p.process.running()) p.process.signal(endpoint ? SIGUSR1 : SIGUSR2);
}

std::vector<chaos::PodInfo> PodSupervisor::list_pods(const std::string& ns,
                                                     const std::string& selector) const {
  std::vector<chaos::PodInfo> out;
  chaos::LabelSelector sel;
  try {
    sel = chaos::LabelSelector::parse(selector);
  } catch (const std::invalid_argument& e) {
    throw chaos::ActivityError(e.what());
  }
  if (ns != t_.ns || !sel.matches(t_.labels)) return out;
  const auto labels = std::make_shared<const chaos::PodLabels>(t_.labels);
  for (const auto& p : pods_) {
    if (p->stage == Stage::gone) continue;
    chaos::PodInfo info;
    info.name = p->name;
    info.ns = t_.ns;
    info.labels = labels;
    info.phase = (p->stage == Stage::pending || p->stage == Stage::creating) ? "Pending" : "Running";
    info.ready = p->ready;
    info.terminating = p->terminating;
    info.created = p->created;
    out.push_back(std::move(info));
  }
  return out;
}

PodSupervisor::Pod* PodSupervisor::find(const std::string& ns, const std::string& name) {
  if (ns != t_.ns) return nullptr;
  for (auto& p : pods_)
    if (p->name == name && p->stage != Stage::gone) return p.get();
  return nullptr;
}

void PodSupervisor::delete_pod(const std::string& ns, const std::string& name,
                               std::optional<Duration> grace_opt) {
  Pod* pp = find(ns, name);
  if (!pp) throw chaos::ActivityError("pods \"" + name + "\" not found in namespace \"" + ns + "\"");
  Pod& p = *pp;
  if (p.terminating) return;
  const Duration grace = grace_opt.value_or(t_.grace_period);
  p.terminating = true;
  // The ReplicaSet ignores terminating pods: the successor overlaps the old pod's shutdown.
  rt_.call_after(draw(t_.replace_delay), [this] { replace(); });
  set_ready(p, false, false);
  event(p, "Terminating");
  if (p.probe_timer) rt_.cancel(p.probe_timer);
  p.probe_timer = 0;
  if (p.stage != Stage::running || !p.process.running()) {
    process_exit(p, true);  // no process to signal (not started yet, or in CrashLoopBackOff)
    return;
  }
  p.sigterm = true;
  if (grace <= Duration{0}) {
    p.process.signal(SIGKILL);
    return;  // the reaper sees the exit
  }
  p.process.signal(SIGTERM);
  const std::uint32_t gen = p.gen;
  p.kill_timer = rt_.call_after(grace, [pp, gen] {
    pp->kill_timer = 0;
    if (pp->gen == gen) pp->process.signal(SIGKILL);  // the end of the grace period
  });
}

void PodSupervisor::reap() {
  reap_timer_ = rt_.call_after(kReapPeriod, [this] { reap(); });
  for (auto& p : pods_) {
    if (p->stage != Stage::running || !p->process.started()) continue;
    if (p->process.poll()) process_exit(*p, p->terminating);
  }
}

void PodSupervisor::process_exit(Pod& p, bool deleted) {
  ++p.gen;
  if (p.kill_timer) rt_.cancel(p.kill_timer);
  p.kill_timer = 0;
  p.process = ChildProcess();  // reaped already, or never started
  if (deleted) {
    p.stage = Stage::gone;
    set_ready(p, false, false);
    if (p.probe_timer) rt_.cancel(p.probe_timer);
    p.probe_timer = 0;
    event(p, "Deleted");
    return;
  }
  // Container crash: restartPolicy Always, CrashLoopBackOff.
  p.stage = Stage::crashed;
  set_ready(p, false, false);
  event(p, "Crashed");
  if (rt_.now() - p.container_started >= t_.crash_backoff_reset) p.backoff_step = 0;
  Duration delay = t_.crash_backoff_initial;
  for (int i = 0; i < p.backoff_step && delay < t_.crash_backoff_max; ++i) delay *= 2;
  delay = std::min(delay, t_.crash_backoff_max);
  ++p.backoff_step;
  schedule(delay, p, &PodSupervisor::on_restart);
}

void PodSupervisor::on_restart(Pod& p) {
  if (p.stage != Stage::crashed || p.terminating) return;
  schedule(draw(t_.container_start), p, &PodSupervisor::on_container_started);
}

void PodSupervisor::replace() {
  int live = 0;
  for (const auto& p : pods_) live += (!p->terminating && p->stage != Stage::gone) ? 1 : 0;
  if (live < 1) create_pod();  // one replica: local live mode runs the lab's single backend
}

chaos::DeploymentStatus PodSupervisor::deployment(const std::string& ns, const std::string& name) const {
  chaos::DeploymentStatus s;
  if (ns != t_.ns || name != t_.deployment) return s;
  s.exists = true;
  s.replicas = 1;
  for (const auto& p : pods_)
    if (p->ready && !p->terminating && p->stage == Stage::running) ++s.ready_replicas;
  s.available_replicas = s.ready_replicas;
  s.unavailable_replicas = std::max(0, s.replicas - s.available_replicas);
  return s;
}

std::optional<std::pair<std::string, int>> PodSupervisor::running_pod() const {
  for (const auto& p : pods_)
    if (p->stage == Stage::running && !p->terminating && p->process.started())
      return std::make_pair(p->name, p->port);
  return std::nullopt;
}

int PodSupervisor::ready_pods() const {
  int n = 0;
  for (const auto& p : pods_) n += p->ready ? 1 : 0;
  return n;
}

void PodSupervisor::shutdown(Duration grace) {
  for (auto& p : pods_) p->process.signal(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto& p : pods_) {
    if (!p->process.started()) continue;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!p->process.wait_for(std::max(left, std::chrono::milliseconds(0)))) {
      p->process.signal(SIGKILL);
      p->process.wait();
    }
  }
}

}  // namespace chaoslab::live
