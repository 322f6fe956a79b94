#include "live/live_target.hpp"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <httplib.h>

#include "live/process.hpp"
#include "live/url.hpp"

namespace chaoslab::live {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

chaos::HttpResponse perform_http(const chaos::HttpRequest& req) {
  chaos::HttpResponse out;
  HttpUrl url;
  try {
    url = parse_http_url(req.url);
  } catch (const std::invalid_argument& e) {
    out.error = e.what();
    return out;
  }
  httplib::Client c(url.host, url.port);
  const auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(req.timeout);
  c.set_connection_timeout(timeout);
  c.set_read_timeout(timeout);
  c.set_write_timeout(timeout);
  c.set_keep_alive(false);
  httplib::Headers headers;
  std::string content_type = "application/json";
  for (const auto& [k, v] : req.headers) {
    if (lower(k) == "content-type") content_type = v;
    else headers.emplace(k, v);
  }
  const auto start = std::chrono::steady_clock::now();
  httplib::Result r(nullptr, httplib::Error::Unknown);
  const std::string& m = req.method;
  if (m == "GET") r = c.Get(url.path, headers);
  else if (m == "POST") r = c.Post(url.path, headers, req.body, content_type);
  else if (m == "PUT") r = c.Put(url.path, headers, req.body, content_type);
  else if (m == "PATCH") r = c.Patch(url.path, headers, req.body, content_type);
  else if (m == "DELETE") r = c.Delete(url.path, headers, req.body, content_type);
  else if (m == "HEAD") r = c.Head(url.path, headers);
  else {
    out.error = "unsupported HTTP method " + m;
    return out;
  }
  if (!r) {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    out.timed_out = r.error() == httplib::Error::ConnectionTimeout || elapsed >= req.timeout;
    out.error = out.timed_out ? "timed out" : httplib::to_string(r.error());
    if (r.error() == httplib::Error::Connection && !out.timed_out) out.error = "connection refused";
    return out;
  }
  out.connected = true;
  out.status = r->status;
  for (const auto& [k, v] : r->headers) out.headers[k] = v;
  out.body = r->body;
  return out;
}

LiveTarget::LiveTarget(AsioRuntime& rt, PodSupervisor& pods, std::string admin_token)
    : rt_(rt), pods_(pods), admin_token_(std::move(admin_token)) {}

void LiveTarget::http(const chaos::HttpRequest& req,
                      std::function<void(chaos::HttpResponse)> done) {
  rt_.offload([req] { return perform_http(req); },
              [done = std::move(done)](chaos::HttpResponse&& r) { done(std::move(r)); });
}

nlohmann::json LiveTarget::fault(const std::string& func, const nlohmann::json& arguments) {
  const auto pod = pods_.running_pod();
  if (!pod) throw chaos::ActivityError("chaoslab.faults." + func + ": no running backend pod");
  chaos::HttpRequest req;
  req.method = "POST";
  req.url = "http://127.0.0.1:" + std::to_string(pod->second) + "/admin/faults";
  req.headers["Authorization"] = "Bearer " + admin_token_;
  req.headers["Content-Type"] = "application/json";
  req.body = nlohmann::json{{"action", func}, {"arguments", arguments}}.dump();
  req.timeout = std::chrono::seconds(2);
  // Blocking on the io thread: a loopback request to an endpoint that no fault delays.
  const chaos::HttpResponse r = perform_http(req);
  if (!r.connected)
    throw chaos::ActivityError("chaoslab.faults." + func + ": no backend pod answers (" + r.error + ")");
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200) {
    const std::string why = body.is_object() && body.contains("error") ? body["error"].get<std::string>() : r.body;
    throw chaos::ActivityError("chaoslab.faults." + func + ": " + why);
  }
  if (func == "crash") return {{"crashed", pod->first}};
  return body.is_object() && body.contains("faults") ? body["faults"] : body;
}

void LiveTarget::process(const chaos::ProcessRequest& req,
                         std::function<void(const chaos::ProcessResult&)> done) {
  rt_.offload(
      [req] {
        chaos::ProcessResult res;
        std::string dir = (std::filesystem::temp_directory_path() / "chaoslab-process-XXXXXX").string();
        if (mkdtemp(dir.data()) == nullptr) {
          res.status = 127;
          res.stderr_text = "cannot create a temporary directory";
          return res;
        }
        SpawnOptions o;
        o.stdout_path = dir + "/stdout";
        o.stderr_path = dir + "/stderr";
        std::vector<std::string> argv{req.path};
        argv.insert(argv.end(), req.arguments.begin(), req.arguments.end());
        if (argv[0].find('/') == std::string::npos) {
          const std::string found = find_on_path(argv[0]);
          if (!found.empty()) argv[0] = found;
        }
        try {
          ChildProcess p(argv, o);
          auto st = p.wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(req.timeout));
          if (!st) {
            p.signal(SIGKILL);
            st = p.wait();
          }
          res.status = st->code;
        } catch (const std::exception& e) {
          res.status = 127;
          res.stderr_text = e.what();
        }
        res.stdout_text = slurp(dir + "/stdout");
        res.stderr_text += slurp(dir + "/stderr");
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        return res;
      },
      [done = std::move(done)](const chaos::ProcessResult& r) { done(r); });
}

}  // namespace chaoslab::live
