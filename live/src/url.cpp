#include "live/url.hpp"

#include <charconv>
#include <stdexcept>

namespace chaoslab::live {

std::string HttpUrl::authority() const { return host + ":" + std::to_string(port); }

std::string HttpUrl::str() const { return "http://" + authority() + path; }

HttpUrl parse_http_url(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("URL '" + std::string(url) + "': " + why);
  };
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) {
    if (url.substr(0, 8) == "https://") throw bad("https is not supported (plain http only)");
    throw bad("must start with http://");
  }
  std::string_view rest = url.substr(scheme.size());
  const auto slash = rest.find_first_of("/?#");
  std::string_view hostport = rest.substr(0, slash);
  HttpUrl u;
  if (slash != std::string_view::npos) {
    std::string_view p = rest.substr(slash);
    if (p.front() == '#') p = "/";
    else if (const auto hash = p.find('#'); hash != std::string_view::npos) p = p.substr(0, hash);
    // "?q" -> "/?q"; insert, not "/" + ...: GCC 12 -O3 reports a false -Wrestrict on that.
    u.path = std::string(p);
    if (p.front() == '?') u.path.insert(0, 1, '/');
  }
  if (hostport.empty()) throw bad("missing host");
  if (hostport.find('@') != std::string_view::npos) throw bad("user info is not supported");
  std::string_view host = hostport;
  if (hostport.front() == '[') throw bad("IPv6 literals are not supported");
  if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    std::string_view port = hostport.substr(colon + 1);
    int p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || p < 1 || p > 65535)
      throw bad("port must be an integer in [1, 65535]");
    u.port = p;
  }
  if (host.empty()) throw bad("missing host");
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    if (!ok) throw bad("invalid character in host");
  }
  u.host = std::string(host);
  return u;
}

}  // namespace chaoslab::live
