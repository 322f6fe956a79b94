#include "sim/sim_target.hpp"

#include <algorithm>
#include <cctype>

namespace chaoslab::sim {

namespace {
std::string_view path_of(std::string_view url) {
  auto p = url.find("://");
  p = url.find('/', p == std::string_view::npos ? 0 : p + 3);
  if (p == std::string_view::npos) return "/";
  return url.substr(p, url.find_first_of("?#", p) - p);
}

std::string_view header(const std::map<std::string, std::string>& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); }))
      return v;
  return {};
}
}  // namespace

void SimTarget::admin_faults(const chaos::HttpRequest& req, std::function<void(chaos::HttpResponse)> done) {
  // Answered when the request reaches the backend (now: the admin API is not delayed by faults),
  // by the same function as the live backend's route.
  rt_.call_after(Duration::zero(), [this, done = std::move(done), method = req.method, body = req.body,
                                    path = std::string(path_of(req.url)),
                                    auth = std::string(header(req.headers, "authorization"))] {
    chaos::HttpResponse resp;
    if (cluster_.routable_pods() == 0) {  // kube-proxy rejects: no backend to answer
      resp.error = "connection refused";
      return done(std::move(resp));
    }
    const chaos::AdminAnswer a = cluster_.admin_faults({method, path, auth, body});
    resp.connected = true;
    resp.status = a.status;
    resp.headers["content-type"] = "application/json";
    if (a.www_authenticate) resp.headers["www-authenticate"] = "Bearer";
    resp.body = a.body.dump() + "\n";
    done(std::move(resp));
  });
}

void SimTarget::http(const chaos::HttpRequest& req, std::function<void(chaos::HttpResponse)> done) {
  const bool backend = cluster_.service_of(req.url).has_value();
  if (backend && path_of(req.url).starts_with("/admin/faults")) return admin_faults(req, std::move(done));
  if (backend) {
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
      done(std::move(resp));
    });
    return;
  }
  if (service_from_url(req.url) == "client" && !clients_.empty()) {
    // The lab client's GET /health: it answers while it runs, with its breaker state.
    const SimClient& c = *clients_.front();
    std::string state = c.breaker() ? std::string(to_string(c.breaker()->state())) : "disabled";
    rt_.call_after(Duration::zero(), [done = std::move(done), state = std::move(state)] {
      chaos::HttpResponse resp;
      resp.connected = true;
      resp.status = 200;
      resp.headers["content-type"] = "application/json";
      resp.body = "{\"status\":\"ok\",\"breaker_state\":\"" + state + "\"}";
      done(std::move(resp));
    });
    return;
  }
  rt_.call_after(Duration::zero(), [done = std::move(done), host = host_from_url(req.url)] {
    chaos::HttpResponse resp;
    resp.error = "could not resolve host '" + host + "' (simulated services: the backend and \"client\")";
    done(std::move(resp));
  });
}

}  // namespace chaoslab::sim
