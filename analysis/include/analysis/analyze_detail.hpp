// What `analyze` and `compare` measure beyond the run summary, from the same trace events: HTTP
// statuses, retry waits by attempt, time in each breaker state, OPEN durations and breaker
// episodes. The simulator feeds it through RunOptions::sink, recorded runs through their replay,
// so observed and simulated figures come from one piece of code.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "policies/trace.hpp"

namespace chaoslab::analysis {

struct RunDetail {
  std::map<int, std::uint64_t> attempts_by_status;  // HTTP status; 0 = no response (timeout, refused, reset)
  std::vector<std::vector<double>> retry_waits_s;   // [n - 1]: waits after attempt n failed
  std::array<double, 3> time_in_state_s{};          // indexed by BreakerState, summed over clients
  // Completed OPEN intervals: entering OPEN (from CLOSED or HALF-OPEN) to OPEN -> HALF-OPEN.
  std::vector<double> open_durations_s;
  std::uint64_t open_censored = 0;  // still OPEN when the recording ended
  // Breaker episodes ("time to recover"): CLOSED -> OPEN until the breaker is CLOSED again.
  std::vector<double> episodes_s;
  std::uint64_t episodes_censored = 0;

  std::vector<double> all_retry_waits() const;
};

class RunDetailSink final : public TraceSink {
 public:
  void reset();
  void on_attempt(Instant, const AttemptEvent&) override;
  void on_retry(Instant, const RetryEvent&) override;
  void on_call(Instant, const CallEvent&) override;
  void on_transition(Instant, const TransitionEvent&) override;
  // Closes the open intervals at `end`. Every client seen (call, attempt or transition) counts;
  // one that never changed state spent the recording CLOSED.
  RunDetail finish(Instant end);

 private:
  struct Client {
    bool seen = false;  // the first transition's `from` is the state since the start
    BreakerState state = BreakerState::closed;
    Instant since{};
    bool entered_seen = false;  // `since` is when the state was entered, not the recording's start
    std::optional<Instant> episode_start;  // set while an episode runs
  };
  Client& client(int id);

  RunDetail d_;
  std::vector<Client> clients_;
};

}  // namespace chaoslab::analysis
