#include "sim/cluster.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>

namespace chaoslab::sim {

namespace {
constexpr std::uint32_t kNone = 0xffffffffu;
constexpr TargetId kBackendTarget = 1;
// Kubernetes' name suffix alphabet (k8s.io/apimachinery rand.String): no vowels, no 0/1/3.
constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}
}  // namespace

struct Cluster::Pod {
  enum class Stage : std::uint8_t { pending, creating, running, crashed, gone };
  std::string name;
  Instant created{};
  Stage stage = Stage::pending;
  bool terminating = false;
  bool app_up = false;   // the process accepts connections
  bool sigterm = false;  // SIGTERM received: no new connections
  bool ready = false;    // the Ready condition
  bool endpoint = false; // in kube-proxy's rules
  bool exit_when_idle = false;
  std::uint32_t gen = 0;  // container incarnation; timers of an earlier one are ignored
  std::uint32_t ep_version = 0;
  std::uint32_t ep_applied = 0;
  int probe_ok = 0;
  int probe_fail = 0;
  int backoff_step = 0;
  Instant container_started{};
  TimerId probe_timer = 0;
  Instant probe_origin{};     // the probe worker's first tick; ticks fall on origin + k * period
  bool probe_parked = false;  // Ready and healthy: ticks are skipped until something changes
  TimerId exit_timer = 0;
  TimerId kill_timer = 0;
  TimerId restart_timer = 0;
  // The backend process.
  std::uint32_t inflight = kNone;  // requests it holds or answers, for resets when it dies
  Instant max_service_end{};
  int busy = 0;
  std::deque<std::uint32_t> queue;
  std::vector<std::int64_t> ends;  // unlimited workers: min-heap of service ends (concurrency)
  Instant held_since{};
};

struct Cluster::Req {
  // The client's callback: a plain function (the client's attempts) or a std::function (probes).
  Runtime::HttpDoneFn done_fn = nullptr;
  void* done_ctx = nullptr;
  std::uint64_t done_arg = 0;
  std::function<void(const HttpResult&)> done;
  Instant sent{};
  Instant deadline{};
  Instant arrived{};
  Instant service_end{};
  Duration hop_back{0};
  TimerId ev = 0;   // the client's outcome (completion, or the timeout with finite workers)
  TimerId svc = 0;  // finite workers: arrival or service end
  std::uint32_t pod = kNone;
  std::uint32_t prev = kNone;
  std::uint32_t next = kNone;
  std::uint32_t next_free = kNone;
  OutcomeKind kind = OutcomeKind::ok;
  int status = 0;
  bool plain = false;
  bool waiting = false;    // the client has no outcome yet
  bool at_server = false;  // finite workers: on its way to, queued at or served by the pod
  bool linked = false;
};

Cluster::Cluster(EventQueue& q, TraceSink* trace) : q_(q), trace_(trace) {}
Cluster::~Cluster() = default;

void Cluster::reset() {
  pods_.clear();
  endpoints_.clear();
  for (auto& r : reqs_) r.done = nullptr;
  reqs_.clear();
  free_req_ = kNone;
  faults_.clear();
  faults_touched_ = false;
  stats_ = {};
  k8s_ = nullptr;
}

void Cluster::start(const KubernetesConfig& k8s, const BackendConfig& backend,
                    const NetworkConfig& net, Streams streams) {
  k8s_ = &k8s;
  backend_ = &backend;
  net_ = &net;
  rng_ = streams;
  finite_ = backend.workers > 0;
  // A Deployment's pod-template-hash depends on the template, not on the run.
  template_hash_.clear();
  std::uint64_t h = fnv1a(k8s.ns + "/" + k8s.deployment);
  for (int i = 0; i < 9; ++i) {
    template_hash_ += kNameAlphabet[h % kNameAlphabet.size()];
    h /= kNameAlphabet.size();
  }
  pod_labels_ = k8s.labels;
  pod_labels_["pod-template-hash"] = template_hash_;
  if (!listed_labels_ || *listed_labels_ != pod_labels_)
    listed_labels_ = std::make_shared<const chaos::PodLabels>(pod_labels_);
  for (int i = 0; i < k8s.replicas; ++i) create_pod(true);
}

// ---------------------------------------------------------------------------------------------
// Pods

void Cluster::pod_event(const Pod& p, std::string_view phase) {
  if (!trace_) return;
  if (pod_event_.pod != p.name) pod_event_.pod.assign(p.name);
  if (pod_event_.phase != phase) pod_event_.phase.assign(phase);
  pod_event_.ready = p.ready;
  trace_->on_pod(q_.now(), pod_event_);
}

std::uint32_t Cluster::create_pod(bool initial) {
  std::string name = k8s_->deployment + "-" + template_hash_ + "-";
  for (int i = 0; i < 5; ++i)
    name += kNameAlphabet[static_cast<std::size_t>(
        rng_.kubernetes->uniform_int(0, static_cast<std::int64_t>(kNameAlphabet.size()) - 1))];
  const auto pi = static_cast<std::uint32_t>(pods_.size());
  pods_.emplace_back();
  Pod& p = pods_.back();
  p.name = std::move(name);
  p.created = q_.now();
  p.held_since = q_.now();
  if (initial) {
    // Already running before the run starts: Ready and routed; its probe ticks at an unknown phase.
    p.stage = Pod::Stage::running;
    p.app_up = true;
    p.ready = true;
    p.endpoint = true;
    p.container_started = q_.now();
    endpoints_.push_back(pi);
    pod_event(p, "Running");
    if (k8s_->readiness) {
      const auto period = k8s_->readiness->period.count();
      p.probe_origin = q_.now() + Duration(rng_.kubernetes->uniform_int(0, period - 1));
      p.probe_ok = k8s_->readiness->success_threshold;
      p.probe_parked = true;
    }
  } else {
    pod_event(p, "Pending");
    q_.schedule(q_.now() + k8s_->scheduling_s.sample_s(*rng_.kubernetes), ev_scheduled, this,
                pack(pi, p.gen));
  }
  return pi;
}

void Cluster::ev_scheduled(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto pi = static_cast<std::uint32_t>(arg);
  Pod& p = c->pods_[pi];
  if (p.terminating || p.stage != Pod::Stage::pending) return;
  p.stage = Pod::Stage::creating;
  c->pod_event(p, "ContainerCreating");
  // kubelet starts the pod's probe worker when it admits the pod; the first tick is immediate.
  if (c->k8s_->readiness) {
    p.probe_origin = c->q_.now();
    c->schedule_probe(pi, c->q_.now());
  }
  c->q_.schedule(c->q_.now() + c->k8s_->container_start_s.sample_s(*c->rng_.kubernetes),
                 ev_container_started, c, pack(pi, p.gen));
}

void Cluster::ev_container_started(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto pi = static_cast<std::uint32_t>(arg);
  Pod& p = c->pods_[pi];
  if (p.gen != static_cast<std::uint32_t>(arg >> 32) || p.terminating) return;
  c->start_container(pi);
}

void Cluster::start_container(std::uint32_t pi) {
  Pod& p = pods_[pi];
  p.stage = Pod::Stage::running;
  p.container_started = q_.now();
  p.probe_ok = 0;
  p.probe_fail = 0;
  if (!k8s_->readiness) {
    set_ready(pi, true, false);  // no probe: Ready as soon as the container runs
  } else {
    unpark_probe(pi);
  }
  pod_event(p, "Running");
  q_.schedule(q_.now() + k8s_->app_start_s.sample_s(*rng_.kubernetes), ev_app_up, this,
              pack(pi, p.gen));
}

void Cluster::ev_app_up(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  Pod& p = c->pods_[static_cast<std::uint32_t>(arg)];
  if (p.gen != static_cast<std::uint32_t>(arg >> 32) || p.stage != Pod::Stage::running) return;
  p.app_up = true;
}

void Cluster::schedule_probe(std::uint32_t pi, Instant at) {
  Pod& p = pods_[pi];
  p.probe_parked = false;
  p.probe_timer = q_.schedule(at, ev_probe, this, pi);
}

// A parked worker's skipped ticks would all have succeeded and changed nothing; when the outcome
// may change (a container start, a hang) ticking resumes on the same grid.
void Cluster::unpark_probe(std::uint32_t pi) {
  Pod& p = pods_[pi];
  if (!p.probe_parked || p.terminating || p.stage == Pod::Stage::gone) return;
  const std::int64_t period = k8s_->readiness->period.count();
  const std::int64_t since = (q_.now() - p.probe_origin).count();
  const std::int64_t k = (since + period - 1) / period;
  schedule_probe(pi, p.probe_origin + Duration(k * period));
}

void Cluster::ev_probe(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto pi = static_cast<std::uint32_t>(arg);
  Pod& p = c->pods_[pi];
  p.probe_timer = 0;
  if (p.terminating || p.stage == Pod::Stage::gone) return;
  const ProbeConfig& pr = *c->k8s_->readiness;
  const Instant now = c->q_.now();
  if (p.stage != Pod::Stage::running || now < p.container_started + pr.initial_delay) {
    c->schedule_probe(pi, now + pr.period);
    return;
  }
  // The app answers /readyz at once when it listens and is not hung; a hung app makes the probe
  // time out, which counts as a failure.
  const bool ok = p.app_up && !p.sigterm && !(c->faults_touched_ && c->faults_.hung(now));
  if (ok) {
    p.probe_fail = 0;
    ++p.probe_ok;
    if (!p.ready && p.probe_ok >= pr.success_threshold) c->set_ready(pi, true, true);
    if (p.ready) {
      // Nothing but unpark_probe() can make the next ticks fail: skip them (a third of a lab3
      // run's events were such ticks).
      p.probe_parked = true;
      return;
    }
  } else {
    p.probe_ok = 0;
    ++p.probe_fail;
    if (p.ready && p.probe_fail >= pr.failure_threshold) c->set_ready(pi, false, true);
  }
  c->schedule_probe(pi, now + pr.period);
}

void Cluster::set_ready(std::uint32_t pi, bool ready, bool emit) {
  Pod& p = pods_[pi];
  if (p.ready == ready) return;
  p.ready = ready;
  const std::uint32_t version = ++p.ep_version;
  const Duration delay = k8s_->endpoint_delay_s.sample_s(*rng_.kubernetes);
  q_.schedule(q_.now() + delay, ev_endpoint, this,
              pi | (static_cast<std::uint64_t>(version) << 33) | (ready ? (1ULL << 32) : 0));
  if (emit) pod_event(p, p.terminating ? "Terminating" : "Running");
}

void Cluster::ev_endpoint(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto pi = static_cast<std::uint32_t>(arg);
  const bool ready = ((arg >> 32) & 1) != 0;
  const auto version = static_cast<std::uint32_t>(arg >> 33);
  Pod& p = c->pods_[pi];
  // Updates can land out of order when delays differ: an older one never undoes a newer one.
  if (version <= p.ep_applied) return;
  p.ep_applied = version;
  if (p.endpoint == ready) return;
  p.endpoint = ready;
  auto& eps = c->endpoints_;
  const auto it = std::lower_bound(eps.begin(), eps.end(), pi);
  if (ready) {
    eps.insert(it, pi);
  } else if (it != eps.end() && *it == pi) {
    eps.erase(it);
  }
}

void Cluster::begin_termination(std::uint32_t pi, Duration grace) {
  Pod& p = pods_[pi];
  if (p.terminating || p.stage == Pod::Stage::gone) return;
  p.terminating = true;
  const Instant now = q_.now();
  q_.schedule(now + k8s_->replace_delay_s.sample_s(*rng_.kubernetes), ev_replace, this, 0);
  set_ready(pi, false, false);
  pod_event(p, "Terminating");
  if (p.probe_timer) q_.cancel(p.probe_timer);
  p.probe_timer = 0;
  p.probe_parked = false;
  if (p.stage != Pod::Stage::running) {
    // No process to signal (not started yet, or waiting in CrashLoopBackOff).
    if (p.restart_timer) q_.cancel(p.restart_timer);
    process_exit(pi, true);
    return;
  }
  p.sigterm = true;
  if (grace <= Duration::zero()) {
    process_exit(pi, true);
    return;
  }
  p.kill_timer = q_.schedule(now + grace, ev_kill, this, pack(pi, p.gen));
  if (k8s_->ignore_sigterm) return;
  Instant exit_at = now + k8s_->shutdown_s.sample_s(*rng_.kubernetes);
  if (k8s_->drain && !finite_ && pods_[pi].max_service_end > exit_at) exit_at = pods_[pi].max_service_end;
  if (exit_at < now + grace) pods_[pi].exit_timer = q_.schedule(exit_at, ev_exit, this, pack(pi, pods_[pi].gen));
}

void Cluster::ev_exit(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto pi = static_cast<std::uint32_t>(arg);
  Pod& p = c->pods_[pi];
  p.exit_timer = 0;
  if (p.gen != static_cast<std::uint32_t>(arg >> 32) || p.stage != Pod::Stage::running) return;
  if (c->finite_ && c->k8s_->drain && (p.busy > 0 || !p.queue.empty())) {
    p.exit_when_idle = true;  // uvicorn waits for accepted requests
    return;
  }
  c->process_exit(pi, true);
}

void Cluster::maybe_exit_when_idle(std::uint32_t pi) {
  Pod& p = pods_[pi];
  if (p.exit_when_idle && p.busy == 0 && p.queue.empty()) process_exit(pi, true);
}

void Cluster::ev_kill(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto pi = static_cast<std::uint32_t>(arg);
  Pod& p = c->pods_[pi];
  p.kill_timer = 0;
  if (p.gen != static_cast<std::uint32_t>(arg >> 32) || p.stage != Pod::Stage::running) return;
  c->process_exit(pi, true);  // SIGKILL at the end of the grace period
}

void Cluster::process_exit(std::uint32_t pi, bool deleted) {
  Pod& p = pods_[pi];
  const Instant now = q_.now();
  p.app_up = false;
  p.exit_when_idle = false;
  ++p.gen;
  for (TimerId* t : {&p.exit_timer, &p.kill_timer}) {
    if (*t) q_.cancel(*t);
    *t = 0;
  }
  // Requests whose answer has not left the process see their connection reset.
  note_held(p);
  for (std::uint32_t ri = p.inflight; ri != kNone;) {
    Req& r = reqs_[ri];
    const std::uint32_t next = r.next;
    const bool unanswered = finite_ ? r.at_server : r.service_end > now;
    if (unanswered) {
      ++stats_.reset;
      unlink(ri);
      if (finite_) {
        if (r.svc) q_.cancel(r.svc);
        r.svc = 0;
        r.at_server = false;
      }
      if (r.waiting) {
        q_.cancel(r.ev);
        complete_at(ri, now + r.hop_back, OutcomeKind::reset, 0);
      } else {
        free_req(ri);
      }
    }
    ri = next;
  }
  pods_[pi].busy = 0;
  pods_[pi].queue.clear();
  pods_[pi].ends.clear();
  Pod& q = pods_[pi];
  if (deleted) {
    q.stage = Pod::Stage::gone;
    set_ready(pi, false, false);
    if (q.probe_timer) q_.cancel(q.probe_timer);
    q.probe_timer = 0;
    q.probe_parked = false;
    pod_event(q, "Deleted");
    return;
  }
  // Container crash: restartPolicy Always, CrashLoopBackOff.
  q.stage = Pod::Stage::crashed;
  set_ready(pi, false, false);
  pod_event(q, "Crashed");
  if (now - q.container_started >= k8s_->crash_backoff_reset) q.backoff_step = 0;
  Duration delay = k8s_->crash_backoff_initial;
  for (int i = 0; i < q.backoff_step && delay < k8s_->crash_backoff_max; ++i) delay *= 2;
  if (delay > k8s_->crash_backoff_max) delay = k8s_->crash_backoff_max;
  ++q.backoff_step;
  q.restart_timer = q_.schedule(now + delay, ev_restart, this, pack(pi, q.gen));
}

void Cluster::ev_restart(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto pi = static_cast<std::uint32_t>(arg);
  Pod& p = c->pods_[pi];
  p.restart_timer = 0;
  if (p.gen != static_cast<std::uint32_t>(arg >> 32) || p.stage != Pod::Stage::crashed) return;
  c->q_.schedule(c->q_.now() + c->k8s_->container_start_s.sample_s(*c->rng_.kubernetes),
                 ev_container_started, c, pack(pi, p.gen));
}

void Cluster::ev_replace(void* ctx, std::uint64_t) {
  auto* c = static_cast<Cluster*>(ctx);
  int live = 0;
  for (const Pod& p : c->pods_) live += (!p.terminating && p.stage != Pod::Stage::gone) ? 1 : 0;
  // The ReplicaSet does not count terminating pods: the successor overlaps the old pod's shutdown.
  for (; live < c->k8s_->replicas; ++live) c->create_pod(false);
}

void Cluster::crash_pod(const std::string& name) {
  const std::uint32_t pi = find_pod(k8s_->ns, name);
  if (pi == kNone) throw chaos::ActivityError("pod \"" + name + "\" not found");
  if (pods_[pi].stage != Pod::Stage::running)
    throw chaos::ActivityError("pod \"" + name + "\" has no running container");
  process_exit(pi, pods_[pi].terminating);
}

// ---------------------------------------------------------------------------------------------
// Kubernetes API

std::uint32_t Cluster::find_pod(const std::string& ns, const std::string& name) const {
  if (ns != k8s_->ns) return kNone;
  for (std::uint32_t i = 0; i < pods_.size(); ++i)
    if (pods_[i].name == name && pods_[i].stage != Pod::Stage::gone) return i;
  return kNone;
}

std::vector<chaos::PodInfo> Cluster::list_pods(const std::string& ns,
                                               const std::string& selector) const {
  std::vector<chaos::PodInfo> out;
  if (ns != k8s_->ns) return out;
  if (!selector_ || selector_->first != selector) {
    try {
      selector_.emplace(selector, chaos::LabelSelector::parse(selector));
    } catch (const std::invalid_argument& e) {
      selector_.reset();
      throw chaos::ActivityError(e.what());
    }
  }
  if (!selector_->second.matches(pod_labels_)) return out;
  out.reserve(pods_.size());
  for (const Pod& p : pods_) {
    if (p.stage == Pod::Stage::gone) continue;
    chaos::PodInfo info;
    info.name = p.name;
    info.ns = k8s_->ns;
    info.labels = listed_labels_;
    info.phase = (p.stage == Pod::Stage::pending || p.stage == Pod::Stage::creating) ? "Pending" : "Running";
    info.ready = p.ready;
    info.terminating = p.terminating;
    info.created = p.created;
    out.push_back(std::move(info));
  }
  return out;
}

void Cluster::delete_pod(const std::string& ns, const std::string& name,
                         std::optional<Duration> grace) {
  const std::uint32_t pi = find_pod(ns, name);
  if (pi == kNone) throw chaos::ActivityError("pods \"" + name + "\" not found in namespace \"" + ns + "\"");
  begin_termination(pi, grace.value_or(k8s_->grace_period));
}

chaos::DeploymentStatus Cluster::deployment(const std::string& ns, const std::string& name) const {
  chaos::DeploymentStatus s;
  if (ns != k8s_->ns || name != k8s_->deployment) return s;
  s.exists = true;
  s.replicas = k8s_->replicas;
  for (const Pod& p : pods_)
    if (p.ready && !p.terminating && p.stage == Pod::Stage::running) ++s.ready_replicas;
  s.available_replicas = s.ready_replicas;  // minReadySeconds 0
  s.unavailable_replicas = std::max(0, s.replicas - s.available_replicas);
  return s;
}

nlohmann::json Cluster::fault(const std::string& func, const nlohmann::json& arguments) {
  chaos::FaultEffect effect;
  try {
    effect = faults_.apply(func, arguments, q_.now());
  } catch (const chaos::FaultError& e) {
    throw chaos::ActivityError(e.what());
  }
  nlohmann::json out = faults_.to_json(q_.now());
  if (effect.crash) {
    const std::string crashed = fault_applied(effect);
    if (crashed.empty()) throw chaos::ActivityError("crash: no running backend container");
    out["crashed"] = crashed;
  } else {
    fault_applied(effect);
  }
  return out;
}

chaos::AdminAnswer Cluster::admin_faults(const chaos::AdminRequest& req) {
  chaos::AdminAnswer a = chaos::handle_admin_faults(req, backend_->admin_token, faults_, q_.now());
  if (!a.applied.empty()) fault_applied(a.effect);
  return a;
}

std::string Cluster::fault_applied(const chaos::FaultEffect& effect) {
  faults_touched_ = true;
  if (k8s_->readiness && faults_.hung(q_.now()))
    for (std::uint32_t i = 0; i < pods_.size(); ++i) unpark_probe(i);
  if (!effect.crash) return {};
  std::vector<std::uint32_t> running;
  for (std::uint32_t i = 0; i < pods_.size(); ++i)
    if (pods_[i].stage == Pod::Stage::running && !pods_[i].terminating) running.push_back(i);
  if (running.empty()) return {};
  const std::uint32_t pi = running[static_cast<std::size_t>(
      rng_.chaos->uniform_int(0, static_cast<std::int64_t>(running.size()) - 1))];
  std::string name = pods_[pi].name;
  process_exit(pi, false);
  return name;
}

int Cluster::ready_pods() const {
  int n = 0;
  for (const Pod& p : pods_) n += p.ready ? 1 : 0;
  return n;
}

std::size_t Cluster::pods_created() const { return pods_.size(); }

int Cluster::routable_pods() const { return static_cast<int>(endpoints_.size()); }

// ---------------------------------------------------------------------------------------------
// HTTP

namespace {
// Views into the URL: the chaos probes ask several times per run (an allocation each, before).
std::string_view host_view(std::string_view url) {
  std::string_view host = url;
  if (const auto p = url.find("://"); p != std::string_view::npos) host = url.substr(p + 3);
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);  // IPv6
  // Not find_first_of(":/?#"), which looks each character up in the set with a call of its own.
  const auto end = std::find_if(host.begin(), host.end(),
                                [](char c) { return c == ':' || c == '/' || c == '?' || c == '#'; });
  return host.substr(0, static_cast<std::size_t>(end - host.begin()));
}

std::string_view service_view(std::string_view url) {
  const std::string_view host = host_view(url);
  // An IP address names no Service: kept whole (its first label would be "127").
  const bool ip = host.empty() || host.front() == '[' ||
                  host.find_first_not_of("0123456789.") == std::string_view::npos;
  return ip ? host : host.substr(0, host.find('.'));
}
}  // namespace

std::string host_from_url(std::string_view url) { return std::string(host_view(url)); }

std::string service_from_url(std::string_view url) { return std::string(service_view(url)); }

std::optional<std::string> Cluster::service_of(std::string_view url) const {
  const std::string_view s = service_view(url);
  if (s == k8s_->service) return std::string(s);
  return std::nullopt;
}

TargetId Cluster::resolve(std::string_view url) {
  if (service_of(url)) return kBackendTarget;
  throw std::invalid_argument("'" + std::string(url) + "' names no simulated service (the cluster has \"" +
                              k8s_->service + "\")");
}

std::uint32_t Cluster::alloc_req() {
  if (free_req_ != kNone) {
    const std::uint32_t ri = free_req_;
    free_req_ = reqs_[ri].next_free;
    return ri;
  }
  reqs_.emplace_back();
  return static_cast<std::uint32_t>(reqs_.size() - 1);
}

void Cluster::free_req(std::uint32_t ri) {
  Req& r = reqs_[ri];
  r.done_fn = nullptr;
  r.done = nullptr;
  r.next_free = free_req_;
  free_req_ = ri;
}

void Cluster::link(std::uint32_t ri, std::uint32_t pi) {
  Req& r = reqs_[ri];
  Pod& p = pods_[pi];
  r.pod = pi;
  r.prev = kNone;
  r.next = p.inflight;
  if (p.inflight != kNone) reqs_[p.inflight].prev = ri;
  p.inflight = ri;
  r.linked = true;
}

void Cluster::unlink(std::uint32_t ri) {
  Req& r = reqs_[ri];
  if (!r.linked) return;
  if (r.prev != kNone) {
    reqs_[r.prev].next = r.next;
  } else {
    pods_[r.pod].inflight = r.next;
  }
  if (r.next != kNone) reqs_[r.next].prev = r.prev;
  r.linked = false;
}

void Cluster::http_get(TargetId target, Duration timeout,
                       std::function<void(const HttpResult&)>&& done) {
  if (target != kBackendTarget) throw std::invalid_argument("unknown simulated target");
  const std::uint32_t ri = alloc_req();
  reqs_[ri].done = std::move(done);
  send(ri, false, timeout);
}

void Cluster::http_get_fn(TargetId target, Duration timeout, Runtime::HttpDoneFn done, void* ctx,
                          std::uint64_t arg) {
  if (target != kBackendTarget) throw std::invalid_argument("unknown simulated target");
  const std::uint32_t ri = alloc_req();
  Req& r = reqs_[ri];
  r.done_fn = done;
  r.done_ctx = ctx;
  r.done_arg = arg;
  send(ri, false, timeout);
}

void Cluster::http_probe(bool work, Duration timeout, std::function<void(const HttpResult&)>&& done) {
  const std::uint32_t ri = alloc_req();
  reqs_[ri].done = std::move(done);
  send(ri, !work, timeout);
}

void Cluster::complete_at(std::uint32_t ri, Instant at, OutcomeKind kind, int status) {
  Req& r = reqs_[ri];
  if (at > r.deadline) {
    at = r.deadline;
    kind = OutcomeKind::timeout;
    status = 0;
  }
  r.kind = kind;
  r.status = status;
  r.ev = q_.schedule(at, ev_complete, this, ri);
}

void Cluster::send(std::uint32_t ri, bool plain, Duration timeout) {
  const Instant now = q_.now();
  Req& r = reqs_[ri];
  r.sent = now;
  r.deadline = now + timeout;
  r.plain = plain;
  r.waiting = true;
  r.at_server = false;
  r.linked = false;
  r.svc = 0;
  Rng& net = *rng_.network;
  const Duration hop = net_->hop_latency_ms.sample_ms(net);
  const Duration hop_back = net_->hop_latency_ms.sample_ms(net);
  r.hop_back = hop_back;
  if (endpoints_.empty()) {
    // kube-proxy REJECTs traffic to a Service without endpoints.
    complete_at(ri, now + hop + hop_back, OutcomeKind::refused, 0);
    return;
  }
  const std::uint32_t pi =
      endpoints_.size() == 1
          ? endpoints_[0]
          : endpoints_[static_cast<std::size_t>(net.uniform_int(0, static_cast<std::int64_t>(endpoints_.size()) - 1))];
  accept(ri, pi, now + hop, hop_back, plain);
}

void Cluster::note_held(Pod& p) {
  if (!finite_) return;
  const Instant now = q_.now();
  stats_.area_s += static_cast<double>(p.busy + static_cast<int>(p.queue.size())) * to_seconds(now - p.held_since);
  p.held_since = now;
}

void Cluster::accept(std::uint32_t ri, std::uint32_t pi, Instant arrive, Duration hop_back,
                     bool plain) {
  Pod& p = pods_[pi];
  // Nothing listening: the process is gone, not up yet, or has stopped accepting after SIGTERM
  // (kube-proxy may still route to it for up to its sync delay).
  if (p.stage != Pod::Stage::running || !p.app_up || p.sigterm) {
    complete_at(ri, arrive + hop_back, OutcomeKind::refused, 0);
    return;
  }
  Instant start = arrive;
  if (faults_touched_) {
    const chaos::RequestFault rf = faults_.on_request(arrive, *rng_.backend);
    if (rf.drop) {  // partition: never answered
      complete_at(ri, Instant::max(), OutcomeKind::timeout, 0);
      return;
    }
    if (rf.hold_until && *rf.hold_until > start) start = *rf.hold_until;
    start += rf.extra_latency;
    if (rf.error_status) {
      Req& r = reqs_[ri];
      r.service_end = start;
      if (finite_) {
        // Answered by the fault layer in front of the workers.
        complete_at(ri, start + hop_back, outcome_from_status(*rf.error_status), *rf.error_status);
        return;
      }
      if (start > p.max_service_end) p.max_service_end = start;
      link(ri, pi);
      complete_at(ri, start + hop_back, outcome_from_status(*rf.error_status), *rf.error_status);
      return;
    }
  }
  Req& r = reqs_[ri];
  if (finite_) {
    r.at_server = true;
    link(ri, pi);
    r.ev = q_.schedule(r.deadline, ev_complete, this, ri);
    r.kind = OutcomeKind::timeout;
    r.status = 0;
    r.svc = q_.schedule(start, ev_arrive, this, ri);
    return;
  }
  // Unlimited concurrency: the answer is known now; one event delivers it (or the timeout).
  Duration service{0};
  int status = 200;
  if (!plain) {
    Rng& b = *rng_.backend;
    const BackendConfig& cfg = *backend_;
    if (cfg.behaviour == BackendConfig::Behaviour::lab3) {
      // main.py: random() < SLOW_RATE -> sleep(randint(0, MAX_DELAY_MS) / 1000);
      // then random() < FAILURE_RATE -> 500.
      if (b.uniform01() < cfg.slow_rate)
        service = std::chrono::milliseconds(b.uniform_int(0, cfg.max_delay_ms));
      if (b.uniform01() < cfg.failure_rate) status = 500;
    } else {
      service = cfg.service_time_ms.sample_ms(b);
      if (cfg.error_rate > 0 && b.uniform01() < cfg.error_rate) status = cfg.error_status;
    }
  }
  r.service_end = start + service;
  ++stats_.arrivals;
  // Concurrency (for the peak): drop finished requests from the heap of service ends.
  auto& ends = p.ends;
  const std::int64_t now_ns = arrive.time_since_epoch().count();
  if (ends.size() <= 1) {
    // The common case (one request at a time): the same as the heap operations below.
    if (!ends.empty() && ends.front() <= now_ns) ends.clear();
    ends.push_back(r.service_end.time_since_epoch().count());
    if (ends.size() == 2 && ends[1] < ends[0]) std::swap(ends[0], ends[1]);
  } else {
    while (!ends.empty() && ends.front() <= now_ns) {
      std::pop_heap(ends.begin(), ends.end(), std::greater<>());
      ends.pop_back();
    }
    ends.push_back(r.service_end.time_since_epoch().count());
    std::push_heap(ends.begin(), ends.end(), std::greater<>());
  }
  if (static_cast<int>(ends.size()) > stats_.peak_in_system) stats_.peak_in_system = static_cast<int>(ends.size());
  if (r.service_end > p.max_service_end) p.max_service_end = r.service_end;
  link(ri, pi);
  complete_at(ri, r.service_end + hop_back, outcome_from_status(status), status);
}

void Cluster::ev_complete(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto ri = static_cast<std::uint32_t>(arg);
  Req& r = c->reqs_[ri];
  r.ev = 0;
  r.waiting = false;
  const HttpResult result{r.kind, r.status, c->q_.now() - r.sent};
  if (r.done_fn) {
    const Runtime::HttpDoneFn fn = r.done_fn;
    void* fn_ctx = r.done_ctx;
    const std::uint64_t fn_arg = r.done_arg;
    r.done_fn = nullptr;
    if (!c->finite_ || !r.at_server) {
      c->unlink(ri);
      c->free_req(ri);
    }
    fn(fn_ctx, fn_arg, result);  // as below: r is not touched after this
    return;
  }
  std::function<void(const HttpResult&)> done = std::move(r.done);
  r.done = nullptr;
  if (!c->finite_ || !r.at_server) {
    c->unlink(ri);
    c->free_req(ri);
  }
  done(result);  // may send more requests (and grow reqs_): r is not touched after this
}

void Cluster::ev_arrive(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto ri = static_cast<std::uint32_t>(arg);
  Req& r = c->reqs_[ri];
  r.svc = 0;
  Pod& p = c->pods_[r.pod];
  ++c->stats_.arrivals;
  r.arrived = c->q_.now();
  if (p.busy < c->backend_->workers) {
    c->note_held(p);
    c->start_service(ri, r.pod);
    return;
  }
  if (c->backend_->queue_limit > 0 && static_cast<int>(p.queue.size()) >= c->backend_->queue_limit) {
    ++c->stats_.overloaded;
    r.at_server = false;
    c->unlink(ri);
    if (r.waiting) {
      c->q_.cancel(r.ev);
      const int st = c->backend_->overload_status;
      c->complete_at(ri, c->q_.now() + r.hop_back, outcome_from_status(st), st);
    } else {
      c->free_req(ri);
    }
    return;
  }
  c->note_held(p);
  p.queue.push_back(ri);
  const int held = p.busy + static_cast<int>(p.queue.size());
  if (held > c->stats_.peak_in_system) c->stats_.peak_in_system = held;
}

void Cluster::start_service(std::uint32_t ri, std::uint32_t pi) {
  Pod& p = pods_[pi];
  Req& r = reqs_[ri];
  ++p.busy;
  if (p.busy + static_cast<int>(p.queue.size()) > stats_.peak_in_system)
    stats_.peak_in_system = p.busy + static_cast<int>(p.queue.size());
  Duration service{0};
  int status = 200;
  if (!r.plain) {
    Rng& b = *rng_.backend;
    const BackendConfig& cfg = *backend_;
    if (cfg.behaviour == BackendConfig::Behaviour::lab3) {
      if (b.uniform01() < cfg.slow_rate)
        service = std::chrono::milliseconds(b.uniform_int(0, cfg.max_delay_ms));
      if (b.uniform01() < cfg.failure_rate) status = 500;
    } else {
      service = cfg.service_time_ms.sample_ms(b);
      if (cfg.error_rate > 0 && b.uniform01() < cfg.error_rate) status = cfg.error_status;
    }
  }
  r.status = status;
  r.service_end = q_.now() + service;
  r.svc = q_.schedule(r.service_end, ev_service_end, this, ri);
}

void Cluster::ev_service_end(void* ctx, std::uint64_t arg) {
  auto* c = static_cast<Cluster*>(ctx);
  const auto ri = static_cast<std::uint32_t>(arg);
  Req& r = c->reqs_[ri];
  const std::uint32_t pi = r.pod;
  Pod& p = c->pods_[pi];
  const Instant now = c->q_.now();
  r.svc = 0;
  c->note_held(p);
  --p.busy;
  ++c->stats_.served;
  c->stats_.sojourn_sum_s += to_seconds(now - r.arrived);
  r.at_server = false;
  c->unlink(ri);
  const int status = r.status;
  if (r.waiting) {
    c->q_.cancel(r.ev);
    c->complete_at(ri, now + r.hop_back, outcome_from_status(status), status);
  } else {
    c->free_req(ri);
  }
  while (!p.queue.empty() && p.busy < c->backend_->workers) {
    const std::uint32_t next = p.queue.front();
    p.queue.pop_front();
    c->start_service(next, pi);
  }
  c->maybe_exit_when_idle(pi);
}

}  // namespace chaoslab::sim
