// The deployment files against the binary they deploy: the Dockerfile's structure and the
// Kubernetes manifests' commands, ports, probes, annotations and ConfigMap keys, checked against
// the real `chaoslab backend` and `client`. Building and running the image itself is CI's
// scripts/image-test step (it needs podman and minutes; this file runs in every build).
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "live/backend.hpp"
#include "live/url.hpp"
#include "policies/config.hpp"
#include "../live/process_support.hpp"

using chaoslab::testing::Chaoslab;
using chaoslab::testing::http_get;
using chaoslab::testing::read_text;
using namespace std::chrono_literals;

namespace {

const std::string kRoot = CHAOSLAB_SOURCE_DIR;

struct Instruction {
  std::string op;    // upper case
  std::string args;  // continuation lines joined
};

std::vector<Instruction> dockerfile() {
  std::istringstream in(read_text(kRoot + "/Dockerfile"));
  std::vector<Instruction> out;
  std::string line, pending;
  while (std::getline(in, line)) {
    if (pending.empty() && (line.empty() || line[0] == '#')) continue;
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    pending += line;
    std::istringstream words(pending);
    Instruction i;
    words >> i.op;
    std::getline(words, i.args);
    i.args.erase(0, i.args.find_first_not_of(' '));
    for (char& c : i.op) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.push_back(i);
    pending.clear();
  }
  return out;
}

// Every document of every resource the kustomization lists.
std::vector<YAML::Node> manifests() {
  const YAML::Node k = YAML::LoadFile(kRoot + "/k8s/kustomization.yaml");
  std::vector<YAML::Node> docs;
  for (const auto& r : k["resources"])
    for (const auto& d : YAML::LoadAllFromFile(kRoot + "/k8s/" + r.as<std::string>())) docs.push_back(d);
  return docs;
}

YAML::Node find(const std::vector<YAML::Node>& docs, const std::string& kind, const std::string& name) {
  for (const auto& d : docs)
    if (d["kind"].as<std::string>() == kind && d["metadata"]["name"].as<std::string>() == name) return d;
  FAIL("no " << kind << " " << name << " in k8s/");
  return {};
}

std::map<std::string, std::string> configmap_data(const std::vector<YAML::Node>& docs) {
  std::map<std::string, std::string> data;
  for (const auto& kv : find(docs, "ConfigMap", "lab3-config")["data"])
    data[kv.first.as<std::string>()] = kv.second.as<std::string>();
  return data;
}

// The container of a Deployment, with its named ports resolved.
struct Container {
  YAML::Node node;
  std::map<std::string, int> ports;
  std::map<std::string, std::string> env;
  int port(const YAML::Node& ref) const {
    const std::string s = ref.as<std::string>();
    if (ports.count(s)) return ports.at(s);
    return std::stoi(s);
  }
};

Container container(const YAML::Node& deployment) {
  Container c;
  const YAML::Node containers = deployment["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 1);
  c.node = containers[0];
  for (const auto& p : c.node["ports"]) c.ports[p["name"].as<std::string>()] = p["containerPort"].as<int>();
  for (const auto& e : c.node["env"]) c.env[e["name"].as<std::string>()] = e["value"].as<std::string>();
  return c;
}

void check_deployment(const std::vector<YAML::Node>& docs, const std::string& name,
                      const std::string& command, int port) {
  INFO("Deployment " << name);
  const YAML::Node d = find(docs, "Deployment", name);
  const Container c = container(d);
  CHECK(c.node["image"].as<std::string>() == "chaoslab:latest");
  CHECK(c.node["command"].as<std::vector<std::string>>() == std::vector<std::string>{"chaoslab", command});
  CHECK(c.env.at("PORT") == std::to_string(port));
  CHECK(c.ports.at("http") == port);
  const YAML::Node pod = d["spec"]["template"];
  // Prometheus scrapes the port and path the service serves /metrics on.
  CHECK(pod["metadata"]["annotations"]["prometheus.io/scrape"].as<std::string>() == "true");
  CHECK(pod["metadata"]["annotations"]["prometheus.io/port"].as<std::string>() == std::to_string(port));
  CHECK(pod["metadata"]["annotations"]["prometheus.io/path"].as<std::string>() == "/metrics");
  // The Deployment selects its own pods, and a Service routes to the named port.
  for (const auto& l : d["spec"]["selector"]["matchLabels"])
    CHECK(pod["metadata"]["labels"][l.first.as<std::string>()].as<std::string>() == l.second.as<std::string>());
  const YAML::Node svc = find(docs, "Service", name);
  for (const auto& l : svc["spec"]["selector"])
    CHECK(pod["metadata"]["labels"][l.first.as<std::string>()].as<std::string>() == l.second.as<std::string>());
  CHECK(c.port(svc["spec"]["ports"][0]["targetPort"]) == port);
  CHECK(svc["spec"]["ports"][0]["port"].as<int>() == port);
  CHECK(c.node["resources"]["requests"]);
  CHECK(c.node["resources"]["limits"]);
  CHECK(c.node["securityContext"]["runAsNonRoot"].as<bool>());
  CHECK(c.port(c.node["readinessProbe"]["httpGet"]["port"]) == port);
}

}  // namespace

TEST_CASE("Dockerfile: bookworm stages, the binary on PATH, a numeric non-root user, ENTRYPOINT chaoslab") {
  const auto ins = dockerfile();
  std::vector<std::string> froms;
  std::vector<std::string> runtime_packages;
  std::string user, entrypoint;
  bool copies_binary = false;
  std::set<std::string> exposed;
  for (const auto& i : ins) {
    if (i.op == "FROM") {
      froms.push_back(i.args);
      user.clear();  // USER is per stage: only the final stage's counts
      runtime_packages.clear();
    }
    if (i.op == "USER") user = i.args;
    if (i.op == "ENTRYPOINT") entrypoint = i.args;
    if (i.op == "EXPOSE") {
      std::istringstream w(i.args);
      for (std::string p; w >> p;) exposed.insert(p);
    }
    if (i.op == "COPY" && std::regex_search(i.args, std::regex(R"(--from=build\s+\S*chaoslab\s+/usr/local/bin/chaoslab)")))
      copies_binary = true;
    if (i.op == "RUN" && i.args.find("apt-get install") != std::string::npos) {
      std::istringstream w(i.args.substr(i.args.find("apt-get install")));
      for (std::string word; w >> word;)
        if (word.rfind("lib", 0) == 0) runtime_packages.push_back(word);
    }
  }
  REQUIRE(froms.size() >= 2);  // multi-stage
  for (const auto& f : froms) CHECK_MESSAGE(f.rfind("debian:bookworm", 0) == 0, f);
  CHECK(froms.front().find(" AS build") != std::string::npos);
  CHECK(copies_binary);
  CHECK(entrypoint == R"(["chaoslab"])");
  // Numeric uid:gid, not root: Kubernetes can only verify runAsNonRoot for a numeric user.
  std::smatch m;
  REQUIRE(std::regex_match(user, m, std::regex(R"((\d+)(:(\d+))?)")));
  CHECK(std::stoi(m[1]) > 0);
  CHECK(exposed.count("8000"));
  CHECK(exposed.count("8001"));
  // The final stage installs the packages of the shared libraries the binary links.
  CHECK(std::find(runtime_packages.begin(), runtime_packages.end(), "libcpp-httplib0.11") != runtime_packages.end());
  CHECK(std::find(runtime_packages.begin(), runtime_packages.end(), "libyaml-cpp0.7") != runtime_packages.end());
  const std::string ldd = chaoslab::live::find_on_path("ldd");
  if (!ldd.empty()) {
    const std::string dir = chaoslab::testing::temp_dir("ldd");
    chaoslab::live::SpawnOptions o;
    o.stdout_path = dir + "/ldd";
    chaoslab::live::ChildProcess p({ldd, CHAOSLAB_BINARY}, o);
    REQUIRE(p.wait().code == 0);
    const std::string libs = read_text(dir + "/ldd");
    for (auto [lib, pkg] : std::vector<std::pair<std::string, std::string>>{
             {"libcpp-httplib.so.0.11", "libcpp-httplib0.11"}, {"libyaml-cpp.so.0.7", "libyaml-cpp0.7"}})
      if (libs.find(lib) != std::string::npos)
        CHECK_MESSAGE(std::find(runtime_packages.begin(), runtime_packages.end(), pkg) != runtime_packages.end(), pkg);
  }
  const std::string ignore = read_text(kRoot + "/.dockerignore");
  for (const char* pattern : {"build*/", "**/node_modules/", ".git"})
    CHECK_MESSAGE(ignore.find(pattern) != std::string::npos, pattern);
}

TEST_CASE("k8s manifests: commands, ports, probes, annotations and the dashboard match what the binary serves") {
  const auto docs = manifests();
  check_deployment(docs, "backend", "backend", 8000);
  check_deployment(docs, "client", "client", 8001);
  const Container backend = container(find(docs, "Deployment", "backend"));
  const Container client = container(find(docs, "Deployment", "client"));
  CHECK(find(docs, "Deployment", "backend")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]);
  const std::string readiness = backend.node["readinessProbe"]["httpGet"]["path"].as<std::string>();
  const std::string liveness = backend.node["livenessProbe"]["httpGet"]["path"].as<std::string>();
  const std::string client_probe = client.node["readinessProbe"]["httpGet"]["path"].as<std::string>();

  // The ConfigMap: every key means something to the services that read it, with valid values.
  auto data = configmap_data(docs);
  auto lookup = [&data](std::string_view k) -> std::optional<std::string> {
    auto it = data.find(std::string(k));
    if (it == data.end()) return std::nullopt;
    return it->second;
  };
  const auto bcfg = chaoslab::live::backend_config_from_env(lookup);
  CHECK(bcfg.failure_rate == std::stod(data.at("FAILURE_RATE")));
  const auto ccfg = chaoslab::client_from_lab_env(lookup);
  const auto url = chaoslab::live::parse_http_url(ccfg.target);
  CHECK(url.host == "backend.lab3.svc.cluster.local");  // the backend Service in namespace lab3
  CHECK(url.port == 8000);
  CHECK(url.path == "/work");
  const std::set<std::string> known = {"FAILURE_RATE", "SLOW_RATE", "MAX_DELAY_MS", "CB_FAIL_MAX",
                                       "CB_RESET_TIMEOUT", "RETRY_MAX_ATTEMPTS", "RETRY_BASE",
                                       "RETRY_MAX", "BACKEND_URL", "ADMIN_TOKEN"};
  for (const auto& [k, v] : data) CHECK_MESSAGE(known.count(k), "ConfigMap key nobody reads: " << k);

  // The admin token: a Secret the backend reads, equal to the default the experiments send.
  bool secret_ref = false;
  for (const auto& ef : backend.node["envFrom"])
    secret_ref = secret_ref || (ef["secretRef"] && ef["secretRef"]["name"].as<std::string>() == "lab3-admin");
  CHECK(secret_ref);
  const std::string token = find(docs, "Secret", "lab3-admin")["stringData"]["ADMIN_TOKEN"].as<std::string>();
  int experiments_with_token = 0;
  for (const auto& f : std::filesystem::directory_iterator(kRoot + "/chaos")) {
    if (f.path().extension() != ".json") continue;
    const auto e = nlohmann::json::parse(read_text(f.path().string()));
    if (!e.contains("configuration")) continue;
    for (const auto& [key, v] : e["configuration"].items())
      if (v.is_object() && v.value("key", "") == "CHAOSLAB_ADMIN_TOKEN") {
        ++experiments_with_token;
        CHECK_MESSAGE(v.value("default", "") == token, f.path());
      }
  }
  CHECK(experiments_with_token > 0);

  // The real services answer the probe and scrape paths, configured from the ConfigMap and Secret.
  std::map<std::string, std::string> env(data.begin(), data.end());
  env["ADMIN_TOKEN"] = token;
  Chaoslab b({"backend", "--host", "127.0.0.1", "--port", "0"}, env);
  auto bport = b.wait_for_stderr(R"(listening on 127\.0\.0\.1:(\d+))");
  REQUIRE_MESSAGE(bport, b.err());
  const int bp = std::stoi(*bport);
  for (const auto& path : {readiness, liveness, std::string("/metrics")}) {
    auto r = http_get(bp, path);
    REQUIRE(r);
    CHECK_MESSAGE(r->status == 200, path);
  }
  {
    httplib::Client admin("127.0.0.1", bp);
    auto r = admin.Get("/admin/faults", {{"Authorization", "Bearer " + token}});
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  env["BACKEND_URL"] = "http://127.0.0.1:" + *bport + "/work";
  Chaoslab c({"client", "--verbose", "--host", "127.0.0.1", "--port", "0", "--seed", "1"}, env);
  auto cport = c.wait_for_stderr(R"(/health and /metrics on 127\.0\.0\.1:(\d+))");
  REQUIRE_MESSAGE(cport, c.err());
  for (const auto& path : {client_probe, std::string("/metrics")}) {
    auto r = http_get(std::stoi(*cport), path);
    REQUIRE(r);
    CHECK_MESSAGE(r->status == 200, path);
  }

  // The Grafana dashboard queries only metrics and labels the two services export.
  const std::string exported =
      http_get(bp, "/metrics")->body + http_get(std::stoi(*cport), "/metrics")->body;
  std::map<std::string, std::string> families;  // name -> type
  {
    static const std::regex type_line(R"(# TYPE (\S+) (\S+))");
    for (std::sregex_iterator it(exported.begin(), exported.end(), type_line), end; it != end; ++it)
      families[(*it)[1]] = (*it)[2];
  }
  const auto dash = nlohmann::json::parse(
      find(docs, "ConfigMap", "lab3-grafana-dashboard")["data"]["chaoslab-lab3.json"].as<std::string>());
  int queried = 0;
  for (const auto& panel : dash.at("panels"))
    for (const auto& target : panel.at("targets")) {
      const std::string expr = target.at("expr");
      static const std::regex metric(R"(chaoslab_[a-z_]+)");
      for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) {
        std::string name = (*it)[0];
        for (const std::string suffix : {"_bucket", "_sum", "_count"})
          if (name.size() > suffix.size() && name.ends_with(suffix) &&
              families.count(name.substr(0, name.size() - suffix.size())) &&
              families[name.substr(0, name.size() - suffix.size())] == "histogram")
            name = name.substr(0, name.size() - suffix.size());
        CHECK_MESSAGE(families.count(name), "the dashboard queries " << (*it)[0] << ", which no service exports");
        ++queried;
      }
      static const std::regex by(R"(by \(([a-z_, ]+)\))");
      for (std::sregex_iterator it(expr.begin(), expr.end(), by), end; it != end; ++it) {
        std::istringstream labels((*it)[1].str());
        for (std::string label; std::getline(labels, label, ',');) {
          label.erase(0, label.find_first_not_of(' '));
          label.erase(label.find_last_not_of(' ') + 1);
          CHECK_MESSAGE(exported.find(label + "=\"") != std::string::npos,
                        "the dashboard groups by '" << label << "', which no series carries");
        }
      }
    }
  CHECK(queried >= 10);
  c.process.signal(SIGTERM);
  b.process.signal(SIGTERM);
  CHECK(c.wait()->code == 0);
  CHECK(b.wait()->code == 0);
}

TEST_CASE("k8s: kubectl kustomize renders the lab3 namespace") {
  const std::string kubectl = chaoslab::live::find_on_path("kubectl");
  if (kubectl.empty()) {
    MESSAGE("kubectl not installed: skipped `kubectl kustomize k8s/`");
    return;
  }
  const std::string dir = chaoslab::testing::temp_dir("kustomize");
  chaoslab::live::SpawnOptions o;
  o.stdout_path = dir + "/out.yaml";
  o.stderr_path = dir + "/err";
  chaoslab::live::ChildProcess p({kubectl, "kustomize", kRoot + "/k8s"}, o);
  auto st = p.wait_for(20s);
  REQUIRE(st);
  REQUIRE_MESSAGE(st->code == 0, read_text(dir + "/err"));
  std::map<std::string, int> kinds;
  for (const auto& d : YAML::LoadAllFromFile(dir + "/out.yaml")) {
    kinds[d["kind"].as<std::string>()]++;
    if (d["kind"].as<std::string>() != "Namespace") CHECK(d["metadata"]["namespace"].as<std::string>() == "lab3");
  }
  CHECK(kinds["Namespace"] == 1);
  CHECK(kinds["ConfigMap"] >= 1);
  CHECK(kinds["Deployment"] == 2);
  CHECK(kinds["Service"] >= 2);
}
