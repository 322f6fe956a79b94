#include "live/url.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using chaoslab::live::parse_http_url;

TEST_CASE("parse_http_url: host, port, path") {
  auto u = parse_http_url("http://backend.lab3.svc.cluster.local:8000/work");
  CHECK(u.host == "backend.lab3.svc.cluster.local");
  CHECK(u.port == 8000);
  CHECK(u.path == "/work");
  CHECK(u.str() == "http://backend.lab3.svc.cluster.local:8000/work");
  auto d = parse_http_url("http://127.0.0.1");
  CHECK(d.port == 80);
  CHECK(d.path == "/");
  CHECK(parse_http_url("http://h:1/a?b=c#frag").path == "/a?b=c");
  CHECK(parse_http_url("http://h:1?x=1").path == "/?x=1");
}

TEST_CASE("parse_http_url: errors name the URL and the problem") {
  CHECK_THROWS_WITH_AS(parse_http_url("ftp://h/"), "URL 'ftp://h/': must start with http://", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_http_url("http://"), "URL 'http://': missing host", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_http_url("http://:80/"), "URL 'http://:80/': missing host", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_http_url("http://h:0/"), "URL 'http://h:0/': port must be an integer in [1, 65535]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_http_url("http://h:99999/"), "URL 'http://h:99999/': port must be an integer in [1, 65535]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_http_url("http://h:x/"), "URL 'http://h:x/': port must be an integer in [1, 65535]", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_http_url("http://u@h/"), "URL 'http://u@h/': user info is not supported", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_http_url("http://[::1]:80/"), "URL 'http://[::1]:80/': IPv6 literals are not supported", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_http_url("http://h h/"), "URL 'http://h h/': invalid character in host", std::invalid_argument);
}
