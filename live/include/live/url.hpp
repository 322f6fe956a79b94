// The only URLs live mode speaks: plain http://host[:port][/path] on loopback or a cluster DNS name.
#pragma once

#include <string>
#include <string_view>

namespace chaoslab::live {

struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path = "/";  // includes the query string, if any

  // "host:port" for httplib::Client and error messages.
  std::string authority() const;
  std::string str() const;
};

// Throws std::invalid_argument naming the URL when it is not http://host[:port][/path].
HttpUrl parse_http_url(std::string_view url);

}  // namespace chaoslab::live
