#include "calibrate/timestamp.hpp"

#include <doctest/doctest.h>

using namespace chaoslab::calibrate;

TEST_CASE("timestamp: metav1.Time has whole seconds, MicroTime microseconds") {
  const auto s = parse_stamp("2026-11-20T10:15:30Z");
  REQUIRE(s);
  CHECK(s->resolution_us == 1000000);
  CHECK(s->us == 1795169730LL * 1000000);
  const auto m = parse_stamp("2026-11-20T10:15:30.412345Z");
  REQUIRE(m);
  CHECK(m->resolution_us == 1);
  CHECK(m->us - s->us == 412345);
  CHECK(parse_stamp("2026-11-20T10:15:30.4Z")->resolution_us == 100000);
  CHECK(parse_stamp("2026-11-20T10:15:30.412345678Z")->us == m->us);  // nanoseconds: truncated
}

TEST_CASE("timestamp: offsets and the journal's offset-less UTC") {
  CHECK(parse_stamp("2026-11-20T11:15:30+01:00")->us == parse_stamp("2026-11-20T10:15:30Z")->us);
  CHECK(parse_stamp("2026-11-20T10:15:30")->us == parse_stamp("2026-11-20T10:15:30Z")->us);
  CHECK(format_stamp(*parse_stamp("2026-11-20T10:15:30.000042Z")) == "2026-11-20T10:15:30.000042Z");
}

TEST_CASE("timestamp: not a time") {
  for (const char* bad : {"", "yesterday", "2026-13-01T00:00:00Z", "2026-11-20T10:15:30.Z", "2026-11-20T10:15:30 UTC",
                          "2026-02-30T00:00:00Z"})
    CHECK_FALSE(parse_stamp(bad));
}
