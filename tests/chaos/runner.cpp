#include "chaos/runner.hpp"

#include <doctest/doctest.h>

#include "fakes.hpp"

using namespace chaoslab;
using namespace chaoslab::chaos;
using chaoslab::chaos::testing::experiment_from;
using chaoslab::chaos::testing::FakeTarget;
using namespace std::chrono_literals;

namespace {

struct ChaosRecorder final : TraceSink {
  std::vector<std::pair<double, ChaosEvent>> events;
  void on_chaos(Instant t, const ChaosEvent& e) override { events.emplace_back(to_seconds(t), e); }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& [t, e] : events)
      out.push_back(std::to_string(static_cast<int>(t * 1000)) + " " + e.kind + " " + e.activity + " " + e.phase +
                    (e.status.empty() ? "" : " " + e.status));
    return out;
  }
};

// The lab's experiment with a satisfiable hypothesis: pods_in_phase before and after, the pod
// kill with pauses 5 s / 30 s, then a probe.
const char* kLab = R"({
  "title": "kill", "description": "d",
  "steady-state-hypothesis": {"title": "backend running", "probes": [
    {"type": "probe", "name": "backend-running", "tolerance": true,
     "provider": {"type": "python", "module": "chaosk8s.pod.probes", "func": "pods_in_phase",
                  "arguments": {"label_selector": "app=backend", "ns": "lab3", "phase": "Running"}}}]},
  "method": [
    {"type": "action", "name": "terminate", "pauses": {"before": 5, "after": 30},
     "provider": {"type": "python", "module": "chaosk8s.pod.actions", "func": "terminate_pods",
                  "arguments": {"label_selector": "app=backend", "ns": "lab3"}}},
    {"type": "probe", "name": "count", "provider": {"type": "python", "module": "chaosk8s.pod.probes",
     "func": "count_pods", "arguments": {"label_selector": "app=backend", "ns": "lab3"}}}],
  "rollbacks": []})";

struct Run {
  FakeTarget target;
  Rng rng{42};
  ChaosRecorder trace;
  std::unique_ptr<ExperimentRunner> runner;
  bool done = false;

  void go(const Experiment& e, RunnerOptions options = {}) {
    runner = std::make_unique<ExperimentRunner>(target, e, rng, &trace, std::move(options));
    runner->start([this] { done = true; });
    target.rt.run();
  }
};

std::vector<std::string> keys(const OrderedJson& j) {
  std::vector<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
  return out;
}

}  // namespace

TEST_CASE("the lab's run: hypothesis, pause 5 s, kill, pause 30 s, probe, hypothesis; completed") {
  const Experiment e = experiment_from(kLab);
  Run r;
  r.target.add_pod("backend-869958bc8d-wlvb2");
  r.go(e);
  REQUIRE(r.done);
  CHECK(r.runner->status() == RunStatus::completed);
  CHECK_FALSE(r.runner->deviated());
  CHECK_FALSE(r.runner->would_exit_nonzero());
  REQUIRE(r.target.deletions.size() == 1);
  CHECK(r.target.deletions[0].name == "backend-869958bc8d-wlvb2");
  CHECK(r.target.deletions[0].at == instant_at(5));
  CHECK_FALSE(r.target.deletions[0].grace);
  REQUIRE(r.runner->method_runs().size() == 2);
  const ActivityRun& kill = r.runner->method_runs()[0];
  CHECK(kill.start == instant_at(5));
  CHECK(kill.end == instant_at(5));  // the journal's end is taken before the pause after
  CHECK(kill.output() == Json::array({"backend-869958bc8d-wlvb2"}));
  CHECK(r.runner->method_runs()[1].start == instant_at(35));
  CHECK(r.runner->method_runs()[1].output() == 1);  // the terminating pod still exists
  CHECK(r.runner->ended_at() == instant_at(35));
  CHECK(r.trace.lines() == std::vector<std::string>{
                               "0 hypothesis backend running start",
                               "0 probe backend-running start",
                               "0 probe backend-running end succeeded",
                               "0 hypothesis backend running end succeeded",
                               "0 pause terminate start",
                               "5000 pause terminate end",
                               "5000 action terminate start",
                               "5000 action terminate end succeeded",
                               "5000 pause terminate start",
                               "35000 pause terminate end",
                               "35000 probe count start",
                               "35000 probe count end succeeded",
                               "35000 hypothesis backend running start",
                               "35000 probe backend-running start",
                               "35000 probe backend-running end succeeded",
                               "35000 hypothesis backend running end succeeded",
                           });
  CHECK(r.trace.events[7].second.detail == "[\"backend-869958bc8d-wlvb2\"]");
}

TEST_CASE("the journal has Chaos Toolkit's fields, order and timestamps") {
  const Experiment e = experiment_from(kLab);
  Run r;
  r.target.add_pod("backend-1");
  RunnerOptions opt;
  opt.epoch = std::chrono::sys_days{std::chrono::year{2025} / 11 / 7} + 15h + 5min + 46s;
  opt.platform = "chaoslab-simulator";
  opt.node = "virtual";
  r.go(e, opt);
  const OrderedJson j = r.runner->journal();
  CHECK(keys(j) == std::vector<std::string>{"chaoslib-version", "platform", "node", "experiment", "start", "status",
                                            "deviated", "steady_states", "run", "rollbacks", "end", "duration"});
  CHECK(j["chaoslib-version"].get<std::string>().rfind("chaoslab ", 0) == 0);
  CHECK(j["platform"] == "chaoslab-simulator");
  CHECK(j["node"] == "virtual");
  CHECK(j["experiment"] == OrderedJson::parse(kLab));
  CHECK(j["start"] == "2025-11-07T15:05:46.000000+00:00");
  CHECK(j["end"] == "2025-11-07T15:06:21.000000+00:00");
  CHECK(j["duration"] == 35.0);
  CHECK(j["status"] == "completed");
  CHECK(j["deviated"] == false);
  CHECK(keys(j["steady_states"]) == std::vector<std::string>{"before", "after", "during"});
  CHECK(j["steady_states"]["during"] == OrderedJson::array());
  const OrderedJson& before = j["steady_states"]["before"];
  CHECK(before["steady_state_met"] == true);
  CHECK(keys(before["probes"][0]) ==
        std::vector<std::string>{"activity", "output", "start", "status", "end", "duration", "tolerance_met"});
  CHECK(before["probes"][0]["output"] == true);
  CHECK(before["probes"][0]["tolerance_met"] == true);
  const OrderedJson& kill = j["run"][0];
  CHECK(keys(kill) == std::vector<std::string>{"activity", "output", "start", "status", "end", "duration"});
  CHECK(kill["activity"] == OrderedJson::parse(kLab)["method"][0]);
  CHECK(kill["output"] == OrderedJson::array({"backend-1"}));
  CHECK(kill["start"] == "2025-11-07T15:05:51.000000+00:00");
  CHECK(kill["status"] == "succeeded");
  CHECK(kill["duration"] == 0.0);
  CHECK(j["rollbacks"] == OrderedJson::array());
}

TEST_CASE("hypothesis missed before the method: method skipped, failed, no rollbacks") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "steady-state-hypothesis":{"title":"h","probes":[
      {"type":"probe","name":"running","tolerance":true,"provider":{"type":"python","module":"chaosk8s.pod.probes",
       "func":"pods_in_phase","arguments":{"label_selector":"app=backend","ns":"lab3"}}},
      {"type":"probe","name":"never-run","tolerance":200,"provider":{"type":"http","url":"http://client/health"}}]},
    "method":[{"type":"action","name":"kill","provider":{"type":"python","module":"chaosk8s.pod.actions",
      "func":"terminate_pods","arguments":{"ns":"lab3"}}}],
    "rollbacks":[{"type":"action","name":"undo","provider":{"type":"python","module":"chaoslab.faults","func":"clear"}}]})");
  Run r;
  r.target.add_pod("backend-1", "Pending");
  r.go(e);
  CHECK(r.runner->status() == RunStatus::failed);
  CHECK_FALSE(r.runner->deviated());
  CHECK(r.runner->would_exit_nonzero());
  CHECK(r.target.deletions.empty());
  CHECK(r.target.requests.empty());     // the hypothesis stops at the first miss
  CHECK(r.target.fault_calls.empty());  // default strategy: no rollbacks after a failure
  CHECK(r.runner->method_runs().empty());
  const auto& before = *r.runner->steady_state_before();
  CHECK_FALSE(before.met);
  REQUIRE(before.probes.size() == 1);
  CHECK_FALSE(before.probes[0].succeeded);
  CHECK(before.probes[0].error == "pod 'app=backend' is in phase 'Pending' but should be 'Running'");
  const OrderedJson j = r.runner->journal();
  CHECK(j["steady_states"]["before"]["probes"][0]["exception"] ==
        OrderedJson::array({"chaoslib.exceptions.ActivityFailed: pod 'app=backend' is in phase 'Pending' but should be "
                            "'Running'\n"}));
  CHECK(j["steady_states"]["before"]["probes"][0]["tolerance_met"] == false);
  CHECK(j["steady_states"]["after"].is_null());
  CHECK(j["run"] == OrderedJson::array());
}

TEST_CASE("hypothesis missed after the method: deviated, failed; rollbacks per strategy") {
  const char* text = R"({"title":"t","description":"d",
    "steady-state-hypothesis":{"title":"h","probes":[
      {"type":"probe","name":"two","tolerance":2,"provider":{"type":"python","module":"chaosk8s.pod.probes",
       "func":"count_pods","arguments":{"label_selector":"app=backend","ns":"lab3","phase":"Running"}}}]},
    "method":[{"type":"action","name":"slow","provider":{"type":"python","module":"chaoslab.faults",
      "func":"inject_latency","arguments":{"latency_ms":300}}},
      {"type":"action","name":"crash","pauses":{"after":1},
       "provider":{"type":"python","module":"chaoslab.faults","func":"crash"}}],
    "rollbacks":[{"type":"action","name":"clear","provider":{"type":"python","module":"chaoslab.faults","func":"clear"}}]})";
  const Experiment e = experiment_from(text);
  for (auto strategy : {RollbackStrategy::default_strategy, RollbackStrategy::always, RollbackStrategy::deviated,
                        RollbackStrategy::never}) {
    Run r;
    r.target.add_pod("backend-1");
    r.target.add_pod("backend-2");
    RunnerOptions opt;
    opt.rollback_strategy = strategy;
    r.runner = std::make_unique<ExperimentRunner>(r.target, e, r.rng, nullptr, opt);
    r.runner->start();
    // The method has crashed a backend by now (the after-hypothesis waits for the 1 s pause).
    r.target.pods[1].phase = "Failed";
    r.target.rt.run();
    // The before-hypothesis ran synchronously inside start() while both pods were Running.
    CHECK(r.runner->steady_state_before()->met);
    CHECK(r.runner->finished());
    CHECK(r.runner->status() == RunStatus::failed);
    CHECK(r.runner->deviated());
    CHECK(r.runner->would_exit_nonzero());
    CHECK(r.target.fault_calls.size() >= 2);
    CHECK(r.target.fault_calls[0].first == "inject_latency");
    CHECK(r.target.fault_calls[1].first == "crash");
    const bool played = strategy == RollbackStrategy::always || strategy == RollbackStrategy::deviated;
    CHECK(r.target.fault_calls.size() == (played ? 3u : 2u));
    CHECK(r.runner->rollback_runs().size() == (played ? 1u : 0u));
    CHECK(r.runner->journal()["steady_states"]["after"]["steady_state_met"] == false);
    CHECK(r.runner->journal()["steady_states"]["after"]["probes"][0]["output"] == 1);
  }
}

TEST_CASE("a failed action does not stop the method; rollbacks play after a completed run") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "method":[
      {"type":"probe","name":"deploy","provider":{"type":"python","module":"chaosk8s.deployment.probes",
       "func":"deployment_available_and_healthy","arguments":{"name":"backend","ns":"lab3"}}},
      {"type":"action","name":"call","provider":{"type":"http","url":"http://nowhere:1/x"}},
      {"type":"action","name":"kill","provider":{"type":"python","module":"chaosk8s.pod.actions",
       "func":"terminate_pods","arguments":{"ns":"lab3"}}}],
    "rollbacks":[{"type":"action","name":"clear","provider":{"type":"python","module":"chaoslab.faults","func":"clear"}}]})");
  Run r;
  r.target.add_pod("backend-1");
  r.go(e);
  CHECK(r.runner->status() == RunStatus::completed);
  CHECK_FALSE(r.runner->would_exit_nonzero());
  REQUIRE(r.runner->method_runs().size() == 3);
  CHECK_FALSE(r.runner->method_runs()[0].succeeded);
  CHECK(r.runner->method_runs()[0].error == "Deployment 'backend' was not found");
  CHECK_FALSE(r.runner->method_runs()[1].succeeded);
  CHECK(r.runner->method_runs()[1].error == "failed to connect to http://nowhere:1/x: connection refused");
  CHECK(r.runner->method_runs()[1].output().is_null());
  CHECK(r.runner->method_runs()[2].succeeded);
  CHECK(r.target.deletions.size() == 1);
  REQUIRE(r.runner->rollback_runs().size() == 1);
  CHECK(r.target.fault_calls.back().first == "clear");
  CHECK(r.runner->journal()["rollbacks"][0]["status"] == "succeeded");
}

TEST_CASE("pauses and background activities in virtual time") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "method":[
      {"type":"action","name":"slow-bg","background":true,"pauses":{"before":1},
       "provider":{"type":"http","url":"http://backend/slow"}},
      {"type":"action","name":"fast","pauses":{"after":2},"provider":{"type":"http","url":"http://backend/fast"}},
      {"type":"probe","name":"last","provider":{"type":"http","url":"http://backend/fast"}}]})");
  Run r;
  r.target.answer("http://backend/slow", 200, "{}", 10s);
  r.target.answer("http://backend/fast", 200, "{}", 100ms);
  r.go(e);
  CHECK(r.runner->status() == RunStatus::completed);
  const auto& runs = r.runner->method_runs();
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].activity->name == "slow-bg");  // method order, not completion order
  CHECK(runs[0].start == instant_at(1));
  CHECK(runs[0].end == instant_at(11));
  CHECK(runs[1].start == instant_at(0));
  CHECK(runs[1].end == instant_at(0.1));
  CHECK(runs[2].start == instant_at(2.1));
  CHECK(runs[2].end == instant_at(2.2));
  CHECK(r.runner->ended_at() == instant_at(11));  // the method waits for background activities
}

TEST_CASE("timeouts: the provider's and the activity's") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "method":[
      {"type":"probe","name":"provider-timeout","provider":{"type":"http","url":"http://hang/","timeout":3}},
      {"type":"probe","name":"activity-timeout","timeout":1.5,"provider":{"type":"http","url":"http://slow/"}},
      {"type":"probe","name":"default-timeout","provider":{"type":"http","url":"http://hang/"}}]})");
  Run r;
  r.target.time_out("http://hang/");
  r.target.answer("http://slow/", 200, "{}", 5s);
  RunnerOptions opt;
  opt.default_http_timeout = 7s;
  r.go(e, opt);
  const auto& runs = r.runner->method_runs();
  REQUIRE(runs.size() == 3);
  CHECK(r.target.requests[0].timeout == 3s);
  CHECK(runs[0].end - runs[0].start == 3s);
  CHECK(runs[0].error == "activity took too long to complete");
  CHECK(runs[1].end - runs[1].start == 1500ms);
  CHECK(runs[1].error == "activity took too long to complete");
  CHECK(r.target.requests[2].timeout == 7s);
  // The late answer of the abandoned request (at 3 s + 5 s) arrives during the third probe and is ignored.
  CHECK(runs[2].start == instant_at(4.5));
  CHECK(r.runner->status() == RunStatus::completed);
}

TEST_CASE("max_retries repeats a refused connection, not a timeout") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "method":[{"type":"probe","name":"p","provider":{"type":"http","url":"http://down/","max_retries":2}},
              {"type":"probe","name":"q","provider":{"type":"http","url":"http://hang/","max_retries":2,"timeout":1}}]})");
  Run r;
  r.target.time_out("http://hang/");
  r.go(e);
  CHECK(r.target.requests.size() == 3 + 1);
}

TEST_CASE("http requests: query, JSON and form bodies, and the output") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "configuration":{"backend":"http://backend:8000"},
    "method":[
      {"type":"probe","name":"get","provider":{"type":"http","url":"${backend}/health",
       "arguments":{"verbose":true,"n":3,"skip":null,"tag":["a b","c"]}}},
      {"type":"action","name":"fault","provider":{"type":"http","method":"POST","url":"${backend}/admin/faults",
       "headers":{"Content-Type":"application/json","Authorization":"Bearer t"},
       "arguments":{"action":"inject_latency","arguments":{"latency_ms":500}},"verify_tls":false}},
      {"type":"action","name":"form","provider":{"type":"http","method":"put","url":"${backend}/form",
       "arguments":{"a":1,"b":"x y"}}}]})");
  Run r;
  r.target.answer("http://backend:8000/", 200, R"({"state":"closed"})");
  r.go(e);
  REQUIRE(r.target.requests.size() == 3);
  CHECK(r.target.requests[0].method == "GET");
  CHECK(r.target.requests[0].url == "http://backend:8000/health?n=3&tag=a+b&tag=c&verbose=True");
  CHECK(r.target.requests[0].body.empty());
  CHECK(r.target.requests[1].method == "POST");
  CHECK(Json::parse(r.target.requests[1].body) == Json::parse(R"({"action":"inject_latency","arguments":{"latency_ms":500}})"));
  CHECK(r.target.requests[1].headers.at("Authorization") == "Bearer t");
  CHECK_FALSE(r.target.requests[1].verify_tls);
  CHECK(r.target.requests[2].method == "PUT");
  CHECK(r.target.requests[2].body == "a=1&b=x+y");
  CHECK(r.target.requests[2].headers.at("Content-Type") == "application/x-www-form-urlencoded");
  CHECK(r.runner->method_runs()[0].output() ==
        Json{{"status", 200}, {"headers", {{"content-type", "application/json"}}}, {"body", {{"state", "closed"}}}});
}

TEST_CASE("a tolerance probe decides with its own success and output") {
  const char* text = R"({"title":"t","description":"d",
    "steady-state-hypothesis":{"title":"h","probes":[
      {"type":"probe","name":"health","provider":{"type":"http","url":"http://client/health"},
       "tolerance":{"type":"probe","name":"judge","provider":{"type":"http","method":"POST",
         "url":"http://judge/check","headers":{"Content-Type":"application/json"},"arguments":{"min":1}}}}]},
    "method":[{"type":"probe","name":"m","provider":{"type":"http","url":"http://client/health"}}]})";
  const Experiment e = experiment_from(text);
  {
    Run r;
    r.target.answer("http://client/", 200, R"({"state":"closed"})");
    r.target.answer("http://judge/", 200, "true");
    r.go(e);
    CHECK(r.runner->status() == RunStatus::completed);
    REQUIRE(r.target.requests.size() >= 2);
    CHECK(Json::parse(r.target.requests[1].body) ==
          Json::parse(R"({"min":1,"value":{"status":200,"headers":{"content-type":"application/json"},
                          "body":{"state":"closed"}}})"));
  }
  {
    Run r;  // the judge is down: ActivityFailed -> not met
    r.target.answer("http://client/", 200, R"({"state":"closed"})");
    r.go(e);
    CHECK(r.runner->status() == RunStatus::failed);
    CHECK(r.runner->steady_state_before()->probes[0].tolerance_met == false);
  }
}

TEST_CASE("interrupt: the activity in progress is dropped, status interrupted, rollbacks only if always") {
  const char* text = R"({"title":"t","description":"d",
    "method":[{"type":"action","name":"a","pauses":{"after":30},"provider":{"type":"python",
      "module":"chaoslab.faults","func":"inject_errors","arguments":{"rate":0.5}}},
      {"type":"action","name":"b","provider":{"type":"python","module":"chaoslab.faults","func":"hang",
       "arguments":{"duration_s":1}}}],
    "rollbacks":[{"type":"action","name":"clear","provider":{"type":"python","module":"chaoslab.faults","func":"clear"}}]})";
  const Experiment e = experiment_from(text);
  for (int variant = 0; variant < 3; ++variant) {
    const bool always = variant >= 1;
    const bool play = variant == 1;  // variant 2: always, but nothing can run any more
    Run r;
    RunnerOptions opt;
    if (always) opt.rollback_strategy = RollbackStrategy::always;
    r.runner = std::make_unique<ExperimentRunner>(r.target, e, r.rng, nullptr, opt);
    r.runner->start([&r] { r.done = true; });
    r.target.rt.run_until(instant_at(10));
    CHECK_FALSE(r.done);
    r.runner->interrupt(variant != 2);
    CHECK(r.done);
    r.target.rt.run();
    CHECK(r.runner->status() == RunStatus::interrupted);
    CHECK(r.runner->would_exit_nonzero());
    CHECK(r.runner->ended_at() == instant_at(10));
    CHECK(r.runner->method_runs().size() == 1);
    CHECK(r.target.fault_calls.size() == (play ? 2u : 1u));  // "b" never ran
    CHECK(r.runner->journal()["status"] == "interrupted");
  }
}

TEST_CASE("an unexpected target error aborts the method; default rollbacks still play") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "method":[{"type":"probe","name":"count","provider":{"type":"python","module":"chaosk8s.pod.probes",
      "func":"count_pods","arguments":{"label_selector":"app=backend"}}},
      {"type":"action","name":"never","provider":{"type":"python","module":"chaoslab.faults","func":"clear"}}],
    "rollbacks":[{"type":"action","name":"clear","provider":{"type":"python","module":"chaoslab.faults","func":"clear"}}]})");
  Run r;
  r.target.throw_unexpected = true;
  r.go(e);
  CHECK(r.runner->status() == RunStatus::aborted);
  REQUIRE(r.runner->method_runs().size() == 1);
  CHECK(r.runner->method_runs()[0].error == "unexpected error: apiserver exploded");
  CHECK(r.target.fault_calls.size() == 1);  // only the rollback
}

TEST_CASE("continuous hypothesis during the method, with fail-fast") {
  const char* text = R"({"title":"t","description":"d",
    "runtime":{"hypothesis":{"strategy":"during-method-only","freq":1}},
    "steady-state-hypothesis":{"title":"h","probes":[
      {"type":"probe","name":"health","tolerance":200,"provider":{"type":"http","url":"http://client/health"}}]},
    "method":[{"type":"action","name":"wait","pauses":{"after":3.5},"provider":{"type":"python",
      "module":"chaoslab.faults","func":"clear"}},
      {"type":"action","name":"second","provider":{"type":"python","module":"chaoslab.faults","func":"clear"}}]})";
  Experiment e = experiment_from(text);
  {
    Run r;
    r.target.answer("http://client/", 200, "{}", 100ms);
    r.go(e);
    CHECK(r.runner->status() == RunStatus::completed);
    CHECK_FALSE(r.runner->steady_state_before());
    CHECK_FALSE(r.runner->steady_state_after());
    // Iterations start at 0, 1.1, 2.2 and 3.3: the frequency counts from the end of the previous one.
    CHECK(r.runner->steady_states_during().size() == 4);
    CHECK(r.runner->ended_at() == instant_at(3.5));
    CHECK(r.runner->journal()["steady_states"]["during"].size() == 4);
  }
  {
    e.fail_fast = true;
    e.fail_fast_ratio = 50;
    Run r;
    r.target.answer("http://client/", 503, "{}", 100ms);
    r.go(e);
    CHECK(r.runner->status() == RunStatus::failed);
    CHECK(r.runner->steady_states_during().size() == 1);
    CHECK(r.runner->method_runs().size() == 1);  // "second" never ran: the method stopped
  }
}

TEST_CASE("a runner destroyed mid-run cancels its timers and ignores late callbacks") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "method":[{"type":"probe","name":"p","pauses":{"before":1},"provider":{"type":"http","url":"http://client/x"}}]})");
  FakeTarget target;
  target.answer("http://client/", 200, "{}", 5s);
  Rng rng(1);
  {
    ExperimentRunner runner(target, e, rng);
    runner.start();
    target.rt.run_until(instant_at(2));
    CHECK_FALSE(runner.finished());
    CHECK(runner.journal()["status"].is_null());
  }
  target.rt.run();  // the http answer at 6 s finds no runner
  CHECK(target.requests.size() == 1);
}

TEST_CASE("on_done may destroy the runner") {
  const Experiment e = experiment_from(R"({"title":"t","description":"d",
    "method":[{"type":"action","name":"a","provider":{"type":"python","module":"chaoslab.faults","func":"clear"}}]})");
  FakeTarget target;
  Rng rng(1);
  auto runner = std::make_unique<ExperimentRunner>(target, e, rng);
  bool done = false;
  runner->start([&] {
    done = true;
    runner.reset();
  });
  target.rt.run();
  CHECK(done);
  CHECK_FALSE(runner);
}
