// Deterministic test doubles for the chaos tests: a tiny virtual-time Runtime and a scripted
// Target (pods, deployments, http answers after a delay, fault calls).
#pragma once

#include <map>
#include <queue>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "chaos/experiment.hpp"
#include "chaos/faults.hpp"
#include "chaos/labels.hpp"
#include "chaos/target.hpp"
#include "policies/runtime.hpp"

namespace chaoslab::chaos::testing {

class FakeRuntime final : public Runtime {
 public:
  Instant now() const override { return now_; }
  TimerId call_after(Duration after, std::function<void()> fn) override {
    const TimerId id = ++next_id_;
    queue_.push(Entry{now_ + after, id, std::move(fn)});
    return id;
  }
  void cancel(TimerId id) override { cancelled_.insert(id); }
  TargetId resolve(std::string_view) override { throw std::invalid_argument("not used"); }
  void http_get(TargetId, Duration, std::function<void(const HttpResult&)>) override {
    throw std::logic_error("not used");
  }

  // Runs every due callback in (time, id) order; bounded so a bug cannot loop forever.
  void run(int max_events = 100000) {
    while (!queue_.empty() && max_events-- > 0) {
      Entry e = queue_.top();
      queue_.pop();
      if (cancelled_.count(e.id)) continue;
      now_ = e.at;
      e.fn();
    }
  }
  // Runs callbacks due up to `t` and then sets the clock to `t`.
  void run_until(Instant t) {
    while (!queue_.empty() && queue_.top().at <= t) {
      Entry e = queue_.top();
      queue_.pop();
      if (cancelled_.count(e.id)) continue;
      now_ = e.at;
      e.fn();
    }
    now_ = t;
  }
  std::size_t pending() const { return queue_.size(); }

 private:
  struct Entry {
    Instant at;
    TimerId id;
    std::function<void()> fn;
    bool operator>(const Entry& o) const { return std::tie(at, id) > std::tie(o.at, o.id); }
  };
  Instant now_{};
  TimerId next_id_ = 0;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::set<TimerId> cancelled_;
};

struct HttpScript {
  Duration delay{std::chrono::milliseconds(10)};
  HttpResponse response;
};

class FakeTarget final : public Target {
 public:
  FakeRuntime rt;
  std::vector<PodInfo> pods;
  std::map<std::string, DeploymentStatus> deployments;  // key: ns/name
  struct Deletion {
    std::string ns;
    std::string name;
    std::optional<Duration> grace;
    Instant at;
  };
  std::vector<Deletion> deletions;
  std::vector<HttpRequest> requests;
  std::vector<std::pair<std::string, nlohmann::json>> fault_calls;
  FaultState faults;
  // Answers by URL prefix (first match); unmatched URLs are refused.
  std::vector<std::pair<std::string, HttpScript>> http_scripts;
  bool throw_unexpected = false;  // list_pods throws a non-ActivityError (a broken target)

  Runtime& runtime() override { return rt; }

  std::vector<PodInfo> list_pods(const std::string& ns, const std::string& selector) override {
    if (throw_unexpected) throw std::runtime_error("apiserver exploded");
    const LabelSelector sel = LabelSelector::parse(selector);
    std::vector<PodInfo> out;
    for (const auto& p : pods)
      if (p.ns == ns && sel.matches(*p.labels)) out.push_back(p);
    return out;
  }
  void delete_pod(const std::string& ns, const std::string& name, std::optional<Duration> grace) override {
    deletions.push_back({ns, name, grace, rt.now()});
    for (auto& p : pods)
      if (p.ns == ns && p.name == name) p.terminating = true;
  }
  DeploymentStatus deployment(const std::string& ns, const std::string& name) override {
    auto it = deployments.find(ns + "/" + name);
    return it == deployments.end() ? DeploymentStatus{} : it->second;
  }
  void http(const HttpRequest& req, std::function<void(HttpResponse)> done) override {
    requests.push_back(req);
    for (const auto& [prefix, script] : http_scripts) {
      if (req.url.rfind(prefix, 0) == 0) {
        HttpResponse r = script.response;
        Duration d = script.delay;
        if (r.timed_out) d = req.timeout;
        rt.call_after(d, [r, done] { done(r); });
        return;
      }
    }
    HttpResponse refused;
    refused.error = "connection refused";
    rt.call_after(Duration::zero(), [refused, done] { done(refused); });
  }
  nlohmann::json fault(const std::string& func, const nlohmann::json& arguments) override {
    fault_calls.emplace_back(func, arguments);
    faults.apply(func, arguments, rt.now());
    return faults.to_json(rt.now());
  }

  void add_pod(std::string name, std::string phase = "Running", double created_s = 0,
               std::map<std::string, std::string> labels = {{"app", "backend"}}, std::string ns = "lab3") {
    PodInfo p;
    p.name = std::move(name);
    p.ns = std::move(ns);
    p.labels = std::make_shared<const PodLabels>(std::move(labels));
    p.phase = std::move(phase);
    p.ready = p.phase == "Running";
    p.created = instant_at(created_s);
    pods.push_back(std::move(p));
  }
  void answer(std::string url_prefix, int status, std::string body = "{}",
              Duration delay = std::chrono::milliseconds(10)) {
    HttpScript s;
    s.delay = delay;
    s.response.connected = true;
    s.response.status = status;
    s.response.headers = {{"content-type", "application/json"}};
    s.response.body = std::move(body);
    http_scripts.emplace_back(std::move(url_prefix), std::move(s));
  }
  void time_out(std::string url_prefix) {
    HttpScript s;
    s.response.timed_out = true;
    s.response.error = "timed out";
    http_scripts.emplace_back(std::move(url_prefix), std::move(s));
  }
};

// Parses an experiment written inline in a test (file name "test.json").
inline Experiment experiment_from(const std::string& text, const LoadOptions& options = {}) {
  return parse_experiment(OrderedJson::parse(text), "test.json", options);
}

}  // namespace chaoslab::chaos::testing
