#include "sim/sim_target.hpp"

namespace chaoslab::sim {

namespace {
std::string_view path_of(std::string_view url) {
  auto p = url.find("://");
  p = url.find('/', p == std::string_view::npos ? 0 : p + 3);
  if (p == std::string_view::npos) return "/";
  return url.substr(p, url.find_first_of("?#", p) - p);
}

std::string_view host_of(std::string_view url) {
  auto p = url.find("://");
  const std::string_view rest = p == std::string_view::npos ? url : url.substr(p + 3);
  const std::string_view host = rest.substr(0, rest.find_first_of(":/?#"));
  return host.substr(0, host.find('.'));
}
}  // namespace

void SimTarget::http(const chaos::HttpRequest& req, std::function<void(const chaos::HttpResponse&)> done) {
  const std::string_view host = host_of(req.url);
  if (cluster_.service_of(req.url)) {
    const bool work = path_of(req.url) == "/work";
    cluster_.http_probe(work, req.timeout, [done = std::move(done), work](const HttpResult& r) {
      chaos::HttpResponse resp;
      switch (r.kind) {
        case OutcomeKind::timeout:
          resp.timed_out = true;
          resp.error = "timed out";
          break;
        case OutcomeKind::refused: resp.error = "connection refused"; break;
        case OutcomeKind::reset: resp.error = "connection reset by peer"; break;
        default:
          resp.connected = true;
          resp.status = r.status;
          resp.headers["content-type"] = "application/json";
          if (!work) {
            resp.body = "{\"status\":\"ok\"}";
          } else {
            resp.body = r.status >= 500 ? "{\"detail\":\"backend error\"}" : "{\"ok\":true}";
          }
      }
      done(resp);
    });
    return;
  }
  if (host == "client" && !clients_.empty()) {
    // The lab client's GET /health: it answers while it runs, with its breaker state.
    const Client& c = *clients_.front();
    std::string state = c.breaker() ? std::string(to_string(c.breaker()->state())) : "disabled";
    rt_.call_after(Duration::zero(), [done = std::move(done), state = std::move(state)] {
      chaos::HttpResponse resp;
      resp.connected = true;
      resp.status = 200;
      resp.headers["content-type"] = "application/json";
      resp.body = "{\"status\":\"ok\",\"breaker_state\":\"" + state + "\"}";
      done(resp);
    });
    return;
  }
  rt_.call_after(Duration::zero(), [done = std::move(done), host = std::string(host)] {
    chaos::HttpResponse resp;
    resp.error = "could not resolve host '" + host + "' (simulated services: the backend and \"client\")";
    done(resp);
  });
}

}  // namespace chaoslab::sim
