#include "chaos/runner.hpp"

#include <algorithm>

#include "chaos/journal.hpp"
#include "chaos/tolerance.hpp"
#include "functions.hpp"
#include "http_request.hpp"
#include "json_util.hpp"

namespace chaoslab::chaos {

std::string_view to_string(RunStatus s) {
  switch (s) {
    case RunStatus::running: return "running";
    case RunStatus::completed: return "completed";
    case RunStatus::failed: return "failed";
    case RunStatus::aborted: return "aborted";
    case RunStatus::interrupted: return "interrupted";
  }
  return "running";
}

namespace {
constexpr std::size_t kDetailMax = 200;

std::string summary(const Json& output) {
  std::string s = output.dump();
  if (s.size() > kDetailMax) s = s.substr(0, kDetailMax - 3) + "...";
  return s;
}
}  // namespace

Json ActivityRun::output() const {
  if (const auto* response = std::get_if<HttpResponse>(&result)) return detail::http_output(*response);
  return std::get<Json>(result);
}

struct ExperimentRunner::State : std::enable_shared_from_this<State> {
  State(Target& t, const Experiment& e, Rng& r, TraceSink* tr, RunnerOptions o)
      : target(t),
        rt(t.runtime()),
        exp(e),
        rng(r),
        trace(tr),
        opt(std::move(o)),
        hypothesis_strategy(opt.hypothesis_strategy.value_or(e.hypothesis_strategy)),
        rollback_strategy(opt.rollback_strategy.value_or(e.rollback_strategy)) {}

  // Receives the record to keep or drop (moved from; nothing reads it afterwards).
  using RunDone = std::function<void(ActivityRun&&)>;
  using Result = std::variant<Json, HttpResponse>;

  Target& target;
  Runtime& rt;
  const Experiment& exp;
  Rng& rng;
  TraceSink* trace;
  RunnerOptions opt;
  HypothesisStrategy hypothesis_strategy;
  RollbackStrategy rollback_strategy;

  bool started = false;
  bool finished = false;
  bool rollbacks_started = false;
  RunStatus status = RunStatus::running;
  bool deviated = false;
  Instant start_t{};
  Instant end_t{};
  std::optional<SteadyState> before;
  std::optional<SteadyState> after;
  std::vector<SteadyState> during;
  std::vector<std::optional<ActivityRun>> method_slots;
  std::vector<std::optional<ActivityRun>> rollback_slots;
  std::vector<ActivityRun> method_runs;
  std::vector<ActivityRun> rollback_runs;
  std::function<void()> on_done;

  std::uint64_t epoch = 0;  // bumped by interrupt(): callbacks of an older epoch are dropped
  std::vector<TimerId> timers;

  // Method and rollback walks.
  std::size_t method_next_index = 0;
  int method_background = 0;
  bool method_walk_done = false;
  bool method_finished = false;
  std::size_t rollback_next_index = 0;
  int rollback_background = 0;
  bool rollback_walk_done = false;

  // The continuous hypothesis during the method.
  bool method_running = false;
  bool during_in_flight = false;
  bool after_waits_for_during = false;
  TimerId during_timer = 0;
  int during_iterations = 0;
  int during_failed = 0;

  bool stopped() const {
    return status == RunStatus::aborted || status == RunStatus::interrupted || status == RunStatus::failed;
  }
  bool with_hypothesis() const { return exp.hypothesis && !exp.hypothesis->probes.empty(); }

  // Wraps a callback so that it does nothing once the runner is gone or interrupted.
  template <typename F>
  auto guarded(F f) {
    return [weak = weak_from_this(), e = epoch, f = std::move(f)](auto&&... args) mutable {
      auto self = weak.lock();
      if (!self || self->epoch != e) return;
      f(std::forward<decltype(args)>(args)...);
    };
  }

  // Timers need no guarded(): the destructor and interrupt() cancel every one of them. The
  // reference keeps the state alive while one runs (on_done may destroy the runner), and `f` is
  // wrapped once, not first into a std::function of its own.
  template <typename F>
  TimerId schedule(Duration d, F f) {
    const TimerId id = rt.call_after(d, [this, f = std::move(f)]() mutable {
      const auto keep = shared_from_this();
      f();
    });
    timers.push_back(id);
    return id;
  }

  void emit(std::string_view activity, std::string_view kind, std::string_view phase, std::string_view status_text,
            std::string_view detail) {
    if (!trace) return;
    // One event per thread, refilled: its strings keep their capacity, so a warm thread emits
    // without allocating. Sinks only see it during the call.
    thread_local ChaosEvent e;
    const auto set = [](std::string& s, std::string_view v) {
      if (s != v) s.assign(v);  // most fields repeat the previous event's
    };
    set(e.activity, activity);
    set(e.kind, kind);
    set(e.phase, phase);
    set(e.status, status_text);
    set(e.detail, detail);
    trace->on_chaos(rt.now(), e);
  }

  // ---- one activity: pause before, run, pause after (chaoslib activity.execute_activity) ----

  using RunEnded = std::function<void(ActivityRun&&)>;

  // One activity in progress: its record and what runs when it ends.
  struct Pending {
    ActivityRun run;
    bool done = false;
    TimerId timeout = 0;
    RunDone on_done;
    RunEnded on_ended;
  };

  // `ended`, when given, takes the record as soon as the activity ends (so an interrupt during the
  // pause after keeps it); `done` runs after the pause after, with the record unless `ended` took it.
  void execute(const Activity& a, const char* where, std::optional<Json> value, RunDone done, RunEnded ended = {}) {
    if (a.pauses.before > Duration::zero()) {
      emit(a.name, "pause", "start", "", "before");
      schedule(a.pauses.before, [this, &a, where, value = std::move(value), done = std::move(done),
                                 ended = std::move(ended)]() mutable {
        emit(a.name, "pause", "end", "", "before");
        begin(a, where, std::move(value), std::move(done), std::move(ended));
      });
      return;
    }
    begin(a, where, std::move(value), std::move(done), std::move(ended));
  }

  void begin(const Activity& a, const char* where, std::optional<Json> value, RunDone done, RunEnded ended) {
    auto p = std::make_shared<Pending>();
    p->run.activity = &a;
    p->run.start = rt.now();
    p->on_done = std::move(done);
    p->on_ended = std::move(ended);
    emit(a.name, to_string(a.type), "start", "", where);

    if (a.timeout) {
      p->timeout = schedule(*a.timeout, [this, p] { complete(p, false, nullptr, "activity took too long to complete"); });
    }
    // A synchronous outcome is delivered after the try block, so that exceptions thrown further
    // down the continuation are not taken for this activity's.
    struct Outcome {
      bool ok;
      Json output;
      std::string error;
    };
    std::optional<Outcome> now_done;
    try {
      if (const auto* py = std::get_if<PythonCall>(&a.provider)) {
        now_done = Outcome{true, detail::run_python(*py, target, rng), ""};
      } else if (const auto* http = std::get_if<HttpCall>(&a.provider)) {
        send_http(*http, value, 0, p);
      } else {
        const auto& proc = std::get<ProcessCall>(a.provider);
        ProcessRequest req{proc.path, proc.arguments, proc.timeout.value_or(opt.default_http_timeout)};
        target.process(req, guarded([this, p](const ProcessResult& r) {
          complete(p, true, Json{{"status", r.status}, {"stdout", r.stdout_text}, {"stderr", r.stderr_text}}, "");
        }));
      }
    } catch (const ActivityError& e) {
      now_done = Outcome{false, nullptr, e.what()};
    } catch (const std::exception& e) {
      // Not an activity failure but a broken target: chaoslib aborts the run on such errors.
      status = RunStatus::aborted;
      now_done = Outcome{false, nullptr, std::string("unexpected error: ") + e.what()};
    }
    if (now_done) complete(p, now_done->ok, std::move(now_done->output), std::move(now_done->error));
  }

  // The activity ended (first outcome wins: a late answer after its timeout is ignored).
  void complete(const std::shared_ptr<Pending>& p, bool ok, Result result, std::string error) {
    if (p->done) return;
    p->done = true;
    if (p->timeout) rt.cancel(p->timeout);
    const Activity& a = *p->run.activity;
    p->run.end = rt.now();
    p->run.succeeded = ok;
    if (ok) {
      p->run.result = std::move(result);
    } else {
      p->run.result = Json(nullptr);
    }
    p->run.error = std::move(error);
    if (trace) {  // the summary costs building and dumping the output: only when someone reads it
      emit(a.name, to_string(a.type), "end", ok ? "succeeded" : "failed",
           !opt.trace_detail ? std::string() : ok ? summary(p->run.output()) : p->run.error);
    }
    if (p->on_ended) p->on_ended(std::move(p->run));
    if (a.pauses.after > Duration::zero() && status != RunStatus::interrupted) {
      emit(a.name, "pause", "start", "", "after");
      schedule(a.pauses.after, [this, p, &a]() {
        emit(a.name, "pause", "end", "", "after");
        p->on_done(std::move(p->run));
      });
      return;
    }
    p->on_done(std::move(p->run));
  }

  void send_http(const HttpCall& call, const std::optional<Json>& value, int attempt, const std::shared_ptr<Pending>& p) {
    HttpRequest req = detail::build_http_request(call, value, opt.default_http_timeout);
    target.http(req, guarded([this, &call, value, attempt, p](HttpResponse r) {
      if (!r.connected) {
        if (!r.timed_out && attempt < call.max_retries) {
          send_http(call, value, attempt + 1, p);
          return;
        }
        complete(p, false, nullptr,
                 r.timed_out ? std::string("activity took too long to complete")
                             : "failed to connect to " + call.url + ": " + r.error);
        return;
      }
      complete(p, true, Result(std::in_place_type<HttpResponse>, std::move(r)), "");
    }));
  }

  // ---- steady-state hypothesis (chaoslib hypothesis.run_steady_state_hypothesis) ----

  struct HypothesisRun {
    SteadyState state;
    std::size_t next = 0;
    const char* label;
    std::function<void(SteadyState)> done;
  };

  void run_hypothesis(const char* label, std::function<void(SteadyState)> done) {
    auto h = std::make_shared<HypothesisRun>();
    h->label = label;
    h->done = std::move(done);
    h->state.probes.reserve(exp.hypothesis->probes.size());
    emit(exp.hypothesis->title, "hypothesis", "start", "", label);
    hypothesis_next(h);
  }

  void hypothesis_end(const std::shared_ptr<HypothesisRun>& h, bool met) {
    h->state.met = met;
    emit(exp.hypothesis->title, "hypothesis", "end", met ? "succeeded" : "failed", h->label);
    h->done(std::move(h->state));
  }

  void hypothesis_next(const std::shared_ptr<HypothesisRun>& h) {
    const auto& probes = exp.hypothesis->probes;
    if (h->next == probes.size()) return hypothesis_end(h, true);
    if (status == RunStatus::aborted || status == RunStatus::interrupted) return hypothesis_end(h, false);
    const Activity& probe = probes[h->next++];
    execute(probe, h->label, std::nullopt, [this, h, &probe](ActivityRun&& r) {
      if (!r.succeeded) {
        r.tolerance_met = false;
        h->state.probes.push_back(std::move(r));
        return hypothesis_end(h, false);
      }
      const Tolerance& tol = *probe.tolerance;
      if (tol.kind == Tolerance::Kind::probe) {
        auto shared_run = std::make_shared<ActivityRun>(std::move(r));
        execute(*tol.probe, "tolerance", shared_run->output(), [this, h, shared_run](ActivityRun&& t) {
          const bool met = t.succeeded && py_truthy(t.output());
          shared_run->tolerance_met = met;
          h->state.probes.push_back(std::move(*shared_run));
          if (!met) return hypothesis_end(h, false);
          hypothesis_next(h);
        });
        return;
      }
      const bool met = meets(tol, r);
      r.tolerance_met = met;
      h->state.probes.push_back(std::move(r));
      if (!met) return hypothesis_end(h, false);
      hypothesis_next(h);
    });
  }

  // The tolerance on a succeeded probe's output; an http output is only built when the
  // tolerance reads more than its status.
  static bool meets(const Tolerance& tol, const ActivityRun& r) {
    if (const auto* response = std::get_if<HttpResponse>(&r.result)) {
      if (const auto met = within_tolerance_status(tol, response->status)) return *met;
    }
    return within_tolerance(tol, r.output());
  }

  // ---- the run ----

  void start() {
    started = true;
    start_t = rt.now();
    const bool before_method = hypothesis_strategy == HypothesisStrategy::default_strategy ||
                               hypothesis_strategy == HypothesisStrategy::before_method_only ||
                               hypothesis_strategy == HypothesisStrategy::continuously;
    if (with_hypothesis() && before_method) {
      run_hypothesis("before", [this](SteadyState s) {
        const bool met = s.met;
        before = std::move(s);
        if (!met) {
          status = RunStatus::failed;  // the method is skipped
          return rollbacks();
        }
        method();
      });
      return;
    }
    method();
  }

  void method() {
    method_running = true;
    method_slots.assign(exp.method.size(), std::nullopt);
    const bool during_method = hypothesis_strategy == HypothesisStrategy::during_method_only ||
                               hypothesis_strategy == HypothesisStrategy::continuously;
    if (with_hypothesis() && during_method) during_iteration();
    method_next();
  }

  void method_next() {
    while (true) {
      if (method_next_index == exp.method.size() || stopped()) {
        method_walk_done = true;
        return method_maybe_done();
      }
      const std::size_t i = method_next_index++;
      const Activity& a = exp.method[i];
      auto record = [this, i](ActivityRun&& r) { method_slots[i] = std::move(r); };
      if (a.background) {
        ++method_background;
        execute(
            a, "method", std::nullopt,
            [this](ActivityRun&&) {
              --method_background;
              method_maybe_done();
            },
            record);
        continue;
      }
      execute(a, "method", std::nullopt, [this](ActivityRun&&) { method_next(); }, record);
      return;
    }
  }

  void method_maybe_done() {
    if (!method_walk_done || method_background > 0 || method_finished) return;
    method_finished = true;
    method_running = false;
    compact(method_slots, method_runs);
    if (during_in_flight) {
      after_waits_for_during = true;
      return;
    }
    if (during_timer) rt.cancel(during_timer);
    hypothesis_after();
  }

  void during_iteration() {
    during_timer = 0;
    during_in_flight = true;
    run_hypothesis("during", [this](SteadyState s) {
      during_in_flight = false;
      const bool met = s.met;
      during.push_back(std::move(s));
      ++during_iterations;
      if (!met) {
        ++during_failed;
        const double ratio = during_failed * 100.0 / during_iterations;
        if (exp.fail_fast && ratio >= exp.fail_fast_ratio && status == RunStatus::running) status = RunStatus::failed;
      }
      if (method_running && !stopped()) {
        during_timer = schedule(exp.hypothesis_frequency, [this] { during_iteration(); });
      } else if (after_waits_for_during) {
        after_waits_for_during = false;
        hypothesis_after();
      }
    });
  }

  void hypothesis_after() {
    const bool after_method = hypothesis_strategy == HypothesisStrategy::default_strategy ||
                              hypothesis_strategy == HypothesisStrategy::after_method_only ||
                              hypothesis_strategy == HypothesisStrategy::continuously;
    if (with_hypothesis() && after_method && status != RunStatus::aborted && status != RunStatus::interrupted) {
      run_hypothesis("after", [this](SteadyState s) {
        const bool met = s.met;
        after = std::move(s);
        if (!met) {
          deviated = true;
          status = RunStatus::failed;
        }
        rollbacks();
      });
      return;
    }
    rollbacks();
  }

  void rollbacks() {
    bool play = false;
    switch (rollback_strategy) {
      case RollbackStrategy::always: play = true; break;
      case RollbackStrategy::never: play = false; break;
      case RollbackStrategy::default_strategy:
        play = status != RunStatus::failed && status != RunStatus::interrupted;
        break;
      case RollbackStrategy::deviated: play = deviated; break;
    }
    if (!play || exp.rollbacks.empty()) return finish();
    rollbacks_started = true;
    rollback_slots.assign(exp.rollbacks.size(), std::nullopt);
    rollback_next();
  }

  void rollback_next() {
    while (true) {
      if (rollback_next_index == exp.rollbacks.size()) {
        rollback_walk_done = true;
        return rollback_maybe_done();
      }
      const std::size_t i = rollback_next_index++;
      const Activity& a = exp.rollbacks[i];
      auto record = [this, i](ActivityRun&& r) { rollback_slots[i] = std::move(r); };
      if (a.background) {
        ++rollback_background;
        execute(
            a, "rollback", std::nullopt,
            [this](ActivityRun&&) {
              --rollback_background;
              rollback_maybe_done();
            },
            record);
        continue;
      }
      execute(a, "rollback", std::nullopt, [this](ActivityRun&&) { rollback_next(); }, record);
      return;
    }
  }

  void rollback_maybe_done() {
    if (!rollback_walk_done || rollback_background > 0 || finished) return;
    finish();
  }

  static void compact(std::vector<std::optional<ActivityRun>>& slots, std::vector<ActivityRun>& out) {
    out.clear();
    out.reserve(slots.size());
    for (auto& s : slots)
      if (s) out.push_back(std::move(*s));
    slots.clear();
  }

  void finish() {
    if (finished) return;
    if (!method_finished) compact(method_slots, method_runs);
    compact(rollback_slots, rollback_runs);
    if (status == RunStatus::running) status = RunStatus::completed;
    end_t = rt.now();
    finished = true;
    if (on_done) {
      auto cb = std::move(on_done);
      on_done = nullptr;
      cb();
    }
  }

  void interrupt(bool play_rollbacks) {
    if (!started || finished) return;
    ++epoch;  // drops every pending callback of the interrupted work
    for (TimerId t : timers) rt.cancel(t);
    timers.clear();
    during_in_flight = false;
    after_waits_for_during = false;
    status = RunStatus::interrupted;
    if (!method_finished) {
      method_finished = true;
      compact(method_slots, method_runs);
    }
    if (play_rollbacks && rollback_strategy == RollbackStrategy::always && !rollbacks_started &&
        !exp.rollbacks.empty()) {
      rollbacks_started = true;
      rollback_slots.assign(exp.rollbacks.size(), std::nullopt);
      rollback_next();
      return;
    }
    finish();
  }

  // ---- journal ----

  std::string iso(Instant t) const { return iso8601(opt.epoch, t); }

  // An http output in the real engine's key order (status, headers, body), not sorted.
  static OrderedJson journal_output(const ActivityRun& r) {
    OrderedJson out = detail::to_ordered(r.output());
    if (!std::holds_alternative<HttpResponse>(r.result)) return out;
    OrderedJson ordered = OrderedJson::object();
    for (const char* k : {"status", "headers", "body"}) ordered[k] = std::move(out[k]);
    return ordered;
  }

  OrderedJson run_json(const ActivityRun& r) const {
    OrderedJson j = OrderedJson::object();
    j["activity"] = r.activity->raw;
    j["output"] = journal_output(r);
    j["start"] = iso(r.start);
    j["status"] = r.succeeded ? "succeeded" : "failed";
    if (!r.succeeded) j["exception"] = OrderedJson::array({"chaoslib.exceptions.ActivityFailed: " + r.error + "\n"});
    j["end"] = iso(r.end);
    j["duration"] = journal_seconds(r.start, r.end);
    if (r.tolerance_met) j["tolerance_met"] = *r.tolerance_met;
    return j;
  }

  OrderedJson steady_json(const SteadyState& s) const {
    OrderedJson j = OrderedJson::object();
    j["steady_state_met"] = s.met;
    j["probes"] = OrderedJson::array();
    for (const auto& p : s.probes) j["probes"].push_back(run_json(p));
    return j;
  }

  OrderedJson journal() const {
    OrderedJson j = OrderedJson::object();
    j["chaoslib-version"] = chaoslab_version_string();
    j["platform"] = opt.platform;
    j["node"] = opt.node;
    j["experiment"] = exp.raw;
    j["start"] = started ? OrderedJson(iso(start_t)) : OrderedJson(nullptr);
    j["status"] = status == RunStatus::running ? OrderedJson(nullptr) : OrderedJson(std::string(to_string(status)));
    j["deviated"] = deviated;
    OrderedJson ss = OrderedJson::object();
    ss["before"] = before ? steady_json(*before) : OrderedJson(nullptr);
    ss["after"] = after ? steady_json(*after) : OrderedJson(nullptr);
    ss["during"] = OrderedJson::array();
    for (const auto& d : during) ss["during"].push_back(steady_json(d));
    j["steady_states"] = std::move(ss);
    j["run"] = OrderedJson::array();
    for (const auto& r : method_runs) j["run"].push_back(run_json(r));
    j["rollbacks"] = OrderedJson::array();
    for (const auto& r : rollback_runs) j["rollbacks"].push_back(run_json(r));
    if (finished) {
      j["end"] = iso(end_t);
      j["duration"] = journal_seconds(start_t, end_t);
    }
    return j;
  }
};

ExperimentRunner::ExperimentRunner(Target& target, const Experiment& experiment, Rng& rng, TraceSink* trace,
                                   RunnerOptions options)
    : state_(std::make_shared<State>(target, experiment, rng, trace, std::move(options))) {}

ExperimentRunner::~ExperimentRunner() {
  for (TimerId t : state_->timers) state_->rt.cancel(t);
}

// The local copies keep the state alive when on_done destroys the runner.
void ExperimentRunner::start(std::function<void()> on_done) {
  auto keep = state_;
  if (keep->started) return;
  keep->on_done = std::move(on_done);
  keep->start();
}

void ExperimentRunner::interrupt(bool play_rollbacks) {
  auto keep = state_;
  keep->interrupt(play_rollbacks);
}
bool ExperimentRunner::finished() const { return state_->finished; }
RunStatus ExperimentRunner::status() const { return state_->status; }
bool ExperimentRunner::deviated() const { return state_->deviated; }
Instant ExperimentRunner::started_at() const { return state_->start_t; }
Instant ExperimentRunner::ended_at() const { return state_->end_t; }
const std::optional<SteadyState>& ExperimentRunner::steady_state_before() const { return state_->before; }
const std::optional<SteadyState>& ExperimentRunner::steady_state_after() const { return state_->after; }
const std::vector<SteadyState>& ExperimentRunner::steady_states_during() const { return state_->during; }
const std::vector<ActivityRun>& ExperimentRunner::method_runs() const { return state_->method_runs; }
const std::vector<ActivityRun>& ExperimentRunner::rollback_runs() const { return state_->rollback_runs; }
OrderedJson ExperimentRunner::journal() const { return state_->journal(); }

}  // namespace chaoslab::chaos
