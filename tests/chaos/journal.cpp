#include "chaos/journal.hpp"

#include <doctest/doctest.h>

using namespace chaoslab;
using namespace chaoslab::chaos;

TEST_CASE("ISO-8601 timestamps are the epoch plus runtime time, floored to microseconds") {
  using namespace std::chrono;
  const sys_time<microseconds> epoch = sys_days{year{2025} / November / 7} + hours(15) + minutes(5) + seconds(46) +
                                       microseconds(679429);
  CHECK(iso8601(epoch, Instant{}) == "2025-11-07T15:05:46.679429+00:00");
  CHECK(iso8601(epoch, instant_at(35.1184839)) == "2025-11-07T15:06:21.797912+00:00");
  CHECK(iso8601(sys_time<microseconds>{}, Instant(Duration(999))) == "1970-01-01T00:00:00.000000+00:00");
  CHECK(iso8601(epoch, instant_at(86400 * 60)) == "2026-01-06T15:05:46.679429+00:00");
}

TEST_CASE("journal durations are computed at microsecond precision") {
  CHECK(journal_seconds(instant_at(1.0000004), instant_at(1.0379714)) == doctest::Approx(0.037971).epsilon(1e-12));
  CHECK(journal_seconds(instant_at(0), instant_at(35)) == 35.0);
}

TEST_CASE("the version string says chaoslab, not chaoslib") {
  CHECK(chaoslab_version_string().rfind("chaoslab ", 0) == 0);
}

TEST_CASE("missed_probes names the steady-state probes after the method that missed their tolerance") {
  const std::string journal = R"({"steady_states": {
      "before": {"probes": [{"activity": {"name": "early"}, "tolerance_met": false}]},
      "after": {"probes": [{"activity": {"name": "client-health"}, "tolerance_met": false},
                           {"activity": {"name": "backend-running"}, "tolerance_met": true},
                           {"activity": {}, "tolerance_met": false},
                           {"activity": {"name": "no-verdict"}}]}}})";
  CHECK(missed_probes(journal) == std::vector<std::string>{"client-health", "?"});
  CHECK(missed_probes(R"({"steady_states": {"after": null}})").empty());
  CHECK(missed_probes("{}").empty());
  CHECK(missed_probes("not a journal").empty());
}
