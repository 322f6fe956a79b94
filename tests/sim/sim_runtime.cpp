// SimRuntime: the client's plain-function timers (call_after_fn) and the std::function ones
// (call_after) go to one queue, in (time, scheduling) order, with the same clamping and
// cancellation; a runtime without them gets working defaults.
#include "sim/sim_runtime.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace chaoslab;
using namespace chaoslab::sim;
using std::chrono::milliseconds;

namespace {

void note(void* log, std::uint64_t arg) {
  static_cast<std::vector<std::string>*>(log)->push_back("fn" + std::to_string(arg));
}

// Only the std::function operations: call_after_fn and http_get_fn come from Runtime's defaults.
class FunctionOnlyRuntime final : public Runtime {
 public:
  explicit FunctionOnlyRuntime(EventQueue& q) : q_(q) {}
  Instant now() const override { return q_.now(); }
  TimerId call_after(Duration after, std::function<void()> fn) override {
    return q_.schedule(q_.now() + after, std::move(fn));
  }
  void cancel(TimerId id) override { q_.cancel(id); }
  TargetId resolve(std::string_view) override { return 1; }
  void http_get(TargetId, Duration timeout, std::function<void(const HttpResult&)> done) override {
    q_.schedule(q_.now() + timeout, [done = std::move(done), timeout] {
      done(HttpResult{OutcomeKind::timeout, 0, timeout});
    });
  }

 private:
  EventQueue& q_;
};

}  // namespace

TEST_CASE("call_after_fn and call_after share one order; negative delays run now; ids cancel") {
  EventQueue q;
  SimRuntime sim(q);
  Runtime& rt = sim;
  std::vector<std::string> log;
  rt.call_after(milliseconds(2), [&] { log.push_back("f2"); });
  rt.call_after_fn(milliseconds(1), note, &log, 1);
  rt.call_after_fn(milliseconds(2), note, &log, 2);
  rt.call_after(milliseconds(1), [&] { log.push_back("f1"); });
  const TimerId dropped = rt.call_after_fn(milliseconds(1), note, &log, 9);
  rt.cancel(dropped);
  rt.call_after_fn(milliseconds(1), [](void* ctx, std::uint64_t) {
    auto& r = *static_cast<Runtime*>(ctx);
    CHECK(r.now() == Instant(milliseconds(1)));
    // In the past: runs at the current time, after what is already due now.
    r.call_after_fn(milliseconds(-5), [](void* c, std::uint64_t) {
      CHECK(static_cast<Runtime*>(c)->now() == Instant(milliseconds(1)));
    }, ctx, 0);
  }, &rt, 0);
  q.run_until(Instant::max());
  CHECK(log == std::vector<std::string>{"fn1", "f1", "f2", "fn2"});
  CHECK(q.processed() == 6);
  CHECK(q.size() == 0);
}

TEST_CASE("a runtime with only the std::function operations serves call_after_fn and http_get_fn") {
  EventQueue q;
  FunctionOnlyRuntime rt(q);
  std::vector<std::string> log;
  rt.call_after_fn(milliseconds(3), note, &log, 3);
  const TimerId id = rt.call_after_fn(milliseconds(1), note, &log, 1);
  rt.cancel(id);
  HttpResult got{};
  std::uint64_t seen = 0;
  struct Ctx {
    HttpResult* got;
    std::uint64_t* seen;
  } ctx{&got, &seen};
  rt.http_get_fn(1, milliseconds(2), [](void* c, std::uint64_t arg, const HttpResult& r) {
    auto* x = static_cast<Ctx*>(c);
    *x->got = r;
    *x->seen = arg;
  }, &ctx, 42);
  q.run_until(Instant::max());
  CHECK(log == std::vector<std::string>{"fn3"});
  CHECK(seen == 42);
  CHECK(got.kind == OutcomeKind::timeout);
  CHECK(got.latency == milliseconds(2));
}
