#include "live/metrics.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

#include "support.hpp"

using chaoslab::live::Metrics;

TEST_CASE("Metrics: counters, gauges and histograms in the text format") {
  Metrics m;
  m.counter("x_requests_total", "Requests.");
  m.gauge("x_in_flight", "In flight.");
  m.histogram("x_seconds", "Latency.", {0.1, 1});
  m.add("x_requests_total", {{"code", "200"}});
  m.add("x_requests_total", {{"code", "200"}}, 2);
  m.add("x_requests_total", {{"code", "500"}, {"path", "a\"b\\c\nd"}});
  m.set("x_in_flight", {}, 3);
  m.observe("x_seconds", {}, 0.05);
  m.observe("x_seconds", {}, 0.5);
  m.observe("x_seconds", {}, 7);
  CHECK(m.value("x_requests_total", {{"code", "200"}}) == 3);
  CHECK(m.value("x_seconds") == 3);
  CHECK(m.value("absent") == 0);
  const std::string expected =
      "# HELP x_in_flight In flight.\n"
      "# TYPE x_in_flight gauge\n"
      "x_in_flight 3\n"
      "# HELP x_requests_total Requests.\n"
      "# TYPE x_requests_total counter\n"
      "x_requests_total{code=\"200\"} 3\n"
      "x_requests_total{code=\"500\",path=\"a\\\"b\\\\c\\nd\"} 1\n"
      "# HELP x_seconds Latency.\n"
      "# TYPE x_seconds histogram\n"
      "x_seconds_bucket{le=\"0.1\"} 1\n"
      "x_seconds_bucket{le=\"1\"} 2\n"
      "x_seconds_bucket{le=\"+Inf\"} 3\n"
      "x_seconds_sum 7.55\n"
      "x_seconds_count 3\n";
  CHECK(m.render() == expected);
  CHECK(chaoslab::testing::check_exposition(m.render()).empty());
}

TEST_CASE("Metrics: a histogram is rendered, all zero, before its first observation") {
  Metrics m;
  m.histogram("h_seconds", "H.", {1});
  CHECK(m.render() ==
        "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
        "h_seconds_bucket{le=\"1\"} 0\nh_seconds_bucket{le=\"+Inf\"} 0\nh_seconds_sum 0\nh_seconds_count 0\n");
}

TEST_CASE("Metrics: undescribed families and wrong types are programming errors") {
  Metrics m;
  m.gauge("g", "G.");
  CHECK_THROWS_AS(m.add("nope", {}), std::logic_error);
  CHECK_THROWS_AS(m.observe("g", {}, 1), std::logic_error);
  m.counter("c", "C.");
  CHECK_THROWS_AS(m.set("c", {}, 1), std::logic_error);
}

TEST_CASE("the test's exposition checker rejects what Prometheus rejects") {
  using chaoslab::testing::check_exposition;
  CHECK(!check_exposition("x 1\n").empty());  // no TYPE
  CHECK(!check_exposition("# TYPE x counter\nx{a=b} 1\n").empty());  // unquoted label
  CHECK(!check_exposition("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n").empty());
  CHECK(!check_exposition("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 1\n").empty());
  CHECK(check_exposition("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n").empty());
}
