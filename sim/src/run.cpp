#include "sim/run.hpp"

#include <memory>
#include <ostream>
#include <vector>

#include "policies/error.hpp"
#include "sim/event_queue.hpp"
#include "sim/sim_runtime.hpp"
#include "sim/sim_target.hpp"

namespace chaoslab::sim {

namespace {

// Reused by every run on a thread so that steady-state runs allocate little.
struct Workspace {
  EventQueue queue;
  SimRuntime runtime{queue};
  Cluster cluster{queue, nullptr};
  RunSinks sinks;
  std::vector<Rng> client_rngs;
};

// A determinism fingerprint (FoundationDB's "unseed"): FNV-1a over every event.
class DigestSink final : public TraceSink {
 public:
  std::uint64_t value() const { return h_; }
  void on_attempt(Instant t, const AttemptEvent& e) override {
    mix(t, 1, e.client, e.call, e.attempt, static_cast<int>(e.result.kind), e.result.status, e.result.latency.count());
  }
  void on_retry(Instant t, const RetryEvent& e) override {
    mix(t, 2, e.client, e.call, e.attempt, static_cast<int>(e.cause), 0, e.wait.count());
  }
  void on_call(Instant t, const CallEvent& e) override {
    mix(t, 3, e.client, e.call, e.attempts, static_cast<int>(e.outcome), static_cast<int>(e.raised), e.latency.count());
  }
  void on_transition(Instant t, const TransitionEvent& e) override {
    mix(t, 4, e.client, 0, static_cast<int>(e.from), static_cast<int>(e.to), 0, 0);
  }
  void on_chaos(Instant t, const ChaosEvent& e) override {
    mix(t, 5, 0, 0, 0, 0, 0, 0);
    for (const std::string* s : {&e.activity, &e.kind, &e.phase, &e.status, &e.detail}) bytes(*s);
  }
  void on_pod(Instant t, const PodEvent& e) override {
    mix(t, 6, e.ready ? 1 : 0, 0, 0, 0, 0, 0);
    bytes(e.pod);
    bytes(e.phase);
  }

 private:
  void word(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h_ = (h_ ^ (v & 0xff)) * 0x100000001b3ULL;
      v >>= 8;
    }
  }
  void bytes(const std::string& s) {
    for (char c : s) h_ = (h_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    word(s.size());
  }
  void mix(Instant t, int type, int a, std::uint64_t b, int c, int d, int e, std::int64_t f) {
    word(static_cast<std::uint64_t>(t.time_since_epoch().count()));
    word(static_cast<std::uint64_t>(type));
    word(static_cast<std::uint64_t>(a));
    word(b);
    word(static_cast<std::uint64_t>(c));
    word(static_cast<std::uint64_t>(d));
    word(static_cast<std::uint64_t>(e));
    word(static_cast<std::uint64_t>(f));
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace

RunResult run_scenario(const Scenario& sc, std::uint64_t seed, const RunOptions& opt) {
  thread_local Workspace ws;
  ws.queue.reset();
  ws.cluster.reset();
  ws.sinks.summary.reset();

  // Sinks: the summary alone on the fast path; a fan-out behind it only when something else listens.
  TraceFanout fan;
  std::optional<TraceWriter> writer;
  DigestSink digest;
  ws.sinks.more = nullptr;
  if (opt.trace || opt.sink || opt.digest) {
    if (opt.trace) {
      writer.emplace(*opt.trace);
      writer->write_meta("sim", seed, sc.file);
      fan.add(&*writer);
    }
    if (opt.digest) fan.add(&digest);
    if (opt.sink) fan.add(opt.sink);
    ws.sinks.more = &fan;
  }
  TraceSink* sink = &ws.sinks;

  Rng backend(stream_seed(seed, Stream::backend));
  Rng network(stream_seed(seed, Stream::network));
  Rng kubernetes(stream_seed(seed, Stream::kubernetes));
  Rng chaos_rng(stream_seed(seed, Stream::chaos));
  ws.cluster.set_trace(sink);
  ws.cluster.start(sc.kubernetes, sc.backend, sc.network, {&backend, &network, &kubernetes, &chaos_rng});
  ws.runtime.set_http(&ws.cluster);

  const Instant end = Instant(sc.duration);
  std::size_t n_clients = 0;
  for (const auto& spec : sc.clients) n_clients += static_cast<std::size_t>(spec.count);
  ws.client_rngs.clear();
  ws.client_rngs.reserve(n_clients);  // clients keep references: no reallocation below
  std::vector<std::unique_ptr<SimClient>> clients;
  clients.reserve(n_clients);
  for (const auto& spec : sc.clients) {
    for (int k = 0; k < spec.count; ++k) {
      const auto id = static_cast<int>(clients.size());
      ws.client_rngs.emplace_back(stream_seed(seed, Stream::client_base, static_cast<std::uint64_t>(id)));
      clients.push_back(std::make_unique<SimClient>(ws.runtime, spec.config, ws.client_rngs.back(), ws.sinks, id));
      SimClient* c = clients.back().get();
      if (spec.start_at <= Duration::zero()) {
        c->start(end);
      } else {
        ws.runtime.call_after(spec.start_at, [c, end] { c->start(end); });
      }
    }
  }

  std::optional<SimTarget> target;
  std::unique_ptr<chaos::ExperimentRunner> runner;
  if (sc.chaos) {
    target.emplace(ws.runtime, ws.cluster, clients);
    chaos::RunnerOptions ropt;
    ropt.trace_detail = ws.sinks.more != nullptr;  // the summary alone never reads an event's detail
    runner = std::make_unique<chaos::ExperimentRunner>(*target, *sc.chaos->experiment, chaos_rng, sink,
                                                       std::move(ropt));
    chaos::ExperimentRunner* r = runner.get();
    ws.runtime.call_after(sc.chaos->start_at, [r] { r->start(); });
  }

  ws.queue.run_until(end);

  RunResult result;
  result.summary = ws.sinks.summary.finish(end, seed, ws.queue.processed());
  result.summary.peak_backend_queue = ws.cluster.stats().peak_in_system;
  result.backend = ws.cluster.stats();
  if (runner) {
    if (!runner->finished()) runner->interrupt();  // the run ended first: as Ctrl-C would
    result.chaos_status = runner->status();
    result.chaos_deviated = runner->deviated();
    if (opt.journal) *opt.journal << runner->journal().dump(2) << '\n';
  }
  if (opt.digest) result.digest = digest.value();

  runner.reset();
  target.reset();
  clients.clear();
  ws.queue.reset();
  ws.cluster.reset();
  ws.sinks.more = nullptr;  // `fan` ends here
  return result;
}

}  // namespace chaoslab::sim
