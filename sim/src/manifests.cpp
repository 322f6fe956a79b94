#include "sim/manifests.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>

#include "policies/error.hpp"
#include "sim/format_number.hpp"

namespace chaoslab::sim {

namespace fs = std::filesystem;

namespace {

struct Doc {
  std::string file;
  YAML::Node node;
};

// n[k1][k2]... without yaml-cpp's invalid-node exceptions: a missing step gives a null node.
YAML::Node dig(const YAML::Node& n, std::initializer_list<const char*> keys) {
  YAML::Node cur = n;
  for (const char* k : keys) {
    if (!cur || !cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node next = cur[k];
    if (!next) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(next);
  }
  return cur;
}

[[noreturn]] void fail_at(const std::string& file, const std::string& path, const std::string& what) {
  throw ConfigError(file + (path.empty() ? "" : ": " + path) + ": " + what);
}

// yaml-cpp 0.7 does not consume a ',' after a top-level flow collection ("{k: 1},"): its
// document loop starts a new empty document at the same place forever, and LoadAll grows its
// vector until memory runs out (a 131-byte manifest took gigabytes; found by fuzz_manifest). A
// pass with an event handler sees every document start before anything is built: one that does
// not come after the previous one is that loop, reported as the error yaml-cpp misses.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (started_ && mark.pos <= last_.pos) throw YAML::ParserException(mark, "unexpected ','");
    started_ = true;
    last_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  bool started_ = false;
  YAML::Mark last_;
};

// Throws YAML::ParserException at the first document that does not advance (see DocumentStarts);
// a file that cannot be opened is left to LoadAllFromFile's own error.
void check_documents_advance(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return;
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
  }
}

ConfigError yaml_error(const std::string& where, const YAML::Exception& e) {
  return ConfigError(where + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                     std::to_string(e.mark.column + 1) + ": " + e.msg);
}

// A mapping key: yaml-cpp's own conversion throws its exception on a sequence or null key.
std::string key_of(const YAML::Node& k, const std::string& file, const std::string& path) {
  if (!k.IsScalar()) fail_at(file, path, "expected string keys");
  return k.Scalar();
}

std::string scalar(const YAML::Node& n, const std::string& file, const std::string& path) {
  if (!n.IsScalar()) fail_at(file, path, "expected a string");
  return n.Scalar();
}

int integer(const YAML::Node& n, const std::string& file, const std::string& path, int lo, int hi) {
  if (!n.IsScalar()) fail_at(file, path, "expected an integer");
  const std::string s = n.Scalar();
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') fail_at(file, path, "expected an integer, got '" + s + "'");
  if (v < lo || v > hi)
    fail_at(file, path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + s);
  return static_cast<int>(v);
}

void load_file(const fs::path& path, std::vector<Doc>& docs, std::vector<std::string>& files,
               std::set<std::string>& seen) {
  const std::string file = path.string();
  if (!seen.insert(fs::weakly_canonical(path).string()).second) return;
  if (!fs::exists(path)) throw ConfigError(file + ": no such file");
  if (fs::is_directory(path)) {
    for (const char* k : {"kustomization.yaml", "kustomization.yml", "Kustomization"})
      if (fs::exists(path / k)) return load_file(path / k, docs, files, seen);
    throw ConfigError(file + ": a directory without kustomization.yaml");
  }
  std::vector<YAML::Node> nodes;
  try {
    check_documents_advance(file);
    nodes = YAML::LoadAllFromFile(file);
  } catch (const YAML::Exception& e) {
    throw yaml_error(file, e);
  }
  files.push_back(file);
  for (const auto& n : nodes) {
    if (!n || n.IsNull()) continue;
    if (!n.IsMap()) fail_at(file, "", "expected a Kubernetes object (a mapping)");
    if (!n["kind"]) fail_at(file, "kind", "missing");
    const std::string kind = scalar(n["kind"], file, "kind");
    if (kind == "Kustomization") {
      const YAML::Node res = n["resources"];
      if (!res) continue;
      if (!res.IsSequence()) fail_at(file, "resources", "expected a list of files");
      for (std::size_t i = 0; i < res.size(); ++i) {
        const std::string at = "resources[" + std::to_string(i) + "]";
        const fs::path resource = path.parent_path() / scalar(res[i], file, at);
        // Name the kustomization that lists a missing file, not only the file.
        if (!fs::exists(resource)) fail_at(file, at, "no such file: " + resource.string());
        load_file(resource, docs, files, seen);
      }
      continue;
    }
    docs.push_back(Doc{file, n});
  }
}

std::string name_of(const Doc& d) {
  const YAML::Node name = dig(d.node, {"metadata", "name"});
  if (!name) fail_at(d.file, "metadata.name", "missing");
  return scalar(name, d.file, "metadata.name");
}

const Doc* find(const std::vector<Doc>& docs, const std::string& kind, const std::string& name) {
  for (const auto& d : docs)
    if (d.node["kind"].Scalar() == kind && name_of(d) == name) return &d;
  return nullptr;
}

// A container's environment as Kubernetes builds it: envFrom ConfigMaps in order, then env.
void container_env(const std::vector<Doc>& docs, const Doc& dep, const YAML::Node& c, const std::string& cpath,
                   std::map<std::string, std::string>& env, std::map<std::string, std::string>& source) {
  if (const YAML::Node ef = c["envFrom"]) {
    if (!ef.IsSequence()) fail_at(dep.file, cpath + ".envFrom", "expected a list");
    for (std::size_t i = 0; i < ef.size(); ++i) {
      const std::string p = cpath + ".envFrom[" + std::to_string(i) + "]";
      const YAML::Node ref = dig(ef[i], {"configMapRef"});
      if (!ref) continue;  // secretRef: nothing the simulator reads
      const YAML::Node refname = dig(ref, {"name"});
      if (!refname) fail_at(dep.file, p + ".configMapRef.name", "missing");
      const std::string cm = scalar(refname, dep.file, p + ".configMapRef.name");
      const Doc* d = find(docs, "ConfigMap", cm);
      if (!d) fail_at(dep.file, p + ".configMapRef.name", "ConfigMap '" + cm + "' is not in the manifests given");
      const YAML::Node data = d->node["data"];
      if (!data) continue;
      if (!data.IsMap()) fail_at(d->file, "data", "expected a mapping of strings");
      for (auto it = data.begin(); it != data.end(); ++it) {
        const std::string k = key_of(it->first, d->file, "data");
        env[k] = scalar(it->second, d->file, "data." + k);
        source[k] = d->file + ": ConfigMap " + cm + ": data." + k;
      }
    }
  }
  if (const YAML::Node e = c["env"]) {
    if (!e.IsSequence()) fail_at(dep.file, cpath + ".env", "expected a list");
    for (std::size_t i = 0; i < e.size(); ++i) {
      const std::string p = cpath + ".env[" + std::to_string(i) + "]";
      const YAML::Node name = dig(e[i], {"name"});
      if (!name) fail_at(dep.file, p + ".name", "missing");
      const std::string k = scalar(name, dep.file, p + ".name");
      const YAML::Node value = dig(e[i], {"value"});
      if (!value) continue;  // valueFrom: not modelled
      env[k] = scalar(value, dep.file, p + ".value");
      source[k] = dep.file + ": Deployment " + name_of(dep) + ": " + p + ".value";
    }
  }
}

YAML::Node first_container(const Doc& d, std::string& cpath) {
  const YAML::Node cs = dig(d.node, {"spec", "template", "spec", "containers"});
  cpath = "spec.template.spec.containers[0]";
  if (!cs || !cs.IsSequence() || cs.size() == 0)
    fail_at(d.file, "spec.template.spec.containers", "expected a non-empty list");
  // yaml-cpp throws its own exception on c["env"] when c is a scalar (found by fuzz_manifest).
  if (!cs[0].IsMap()) fail_at(d.file, cpath, "expected a mapping (a container)");
  return cs[0];
}

Manifests read_checked(const std::vector<fs::path>& paths, const std::string& deployment) {
  Manifests m;
  std::vector<Doc> docs;
  std::set<std::string> seen;
  for (const auto& p : paths) load_file(p, docs, m.files, seen);

  const Doc* dep = find(docs, "Deployment", deployment);
  if (dep) {
    m.has_deployment = true;
    m.deployment_file = dep->file;
    m.deployment = deployment;
    const YAML::Node ns = dig(dep->node, {"metadata", "namespace"});
    m.ns = ns ? scalar(ns, dep->file, "metadata.namespace") : "default";
    const YAML::Node spec = dig(dep->node, {"spec"});
    if (!spec || !spec.IsMap()) fail_at(dep->file, "spec", "missing");
    if (spec["replicas"]) m.replicas = integer(spec["replicas"], dep->file, "spec.replicas", 0, 1000);
    const YAML::Node labels = dig(spec, {"template", "metadata", "labels"});
    if (labels) {
      if (!labels.IsMap()) fail_at(dep->file, "spec.template.metadata.labels", "expected a mapping");
      for (auto it = labels.begin(); it != labels.end(); ++it) {
        const std::string k = key_of(it->first, dep->file, "spec.template.metadata.labels");
        m.labels[k] = scalar(it->second, dep->file, "spec.template.metadata.labels." + k);
      }
    }
    if (const YAML::Node g = dig(spec, {"template", "spec", "terminationGracePeriodSeconds"}))
      m.grace_period = std::chrono::seconds(integer(g, dep->file,
                                                    "spec.template.spec.terminationGracePeriodSeconds", 0, 86400));
    std::string cpath;
    const YAML::Node c = first_container(*dep, cpath);
    if (const YAML::Node rp = c["readinessProbe"]) {
      const std::string p = cpath + ".readinessProbe";
      if (!rp.IsMap()) fail_at(dep->file, p, "expected a mapping");
      m.readiness_set = true;
      ProbeConfig& pr = m.readiness;  // Kubernetes defaults: 0, 10, 1, 1, 3
      if (rp["initialDelaySeconds"])
        pr.initial_delay = std::chrono::seconds(integer(rp["initialDelaySeconds"], dep->file, p + ".initialDelaySeconds", 0, 86400));
      if (rp["periodSeconds"])
        pr.period = std::chrono::seconds(integer(rp["periodSeconds"], dep->file, p + ".periodSeconds", 1, 86400));
      if (rp["timeoutSeconds"])
        pr.timeout = std::chrono::seconds(integer(rp["timeoutSeconds"], dep->file, p + ".timeoutSeconds", 1, 86400));
      if (rp["successThreshold"])
        pr.success_threshold = integer(rp["successThreshold"], dep->file, p + ".successThreshold", 1, 1000);
      if (rp["failureThreshold"])
        pr.failure_threshold = integer(rp["failureThreshold"], dep->file, p + ".failureThreshold", 1, 1000);
    }
    container_env(docs, *dep, c, cpath, m.backend_env, m.env_source);
    // The Service whose selector picks these pods.
    for (const auto& d : docs) {
      if (d.node["kind"].Scalar() != "Service") continue;
      const YAML::Node sel = dig(d.node, {"spec", "selector"});
      if (!sel || !sel.IsMap() || sel.size() == 0) continue;
      bool match = true;
      for (auto it = sel.begin(); it != sel.end(); ++it) {
        const auto l = m.labels.find(key_of(it->first, d.file, "spec.selector"));
        match = match && l != m.labels.end() && it->second.IsScalar() && l->second == it->second.Scalar();
      }
      if (match) {
        m.service = name_of(d);
        break;
      }
    }
  } else {
    for (const auto& d : docs)
      if (d.node["kind"].Scalar() == "Deployment")
        fail_at(d.file, "", "no Deployment named '" + deployment + "' (found '" + name_of(d) +
                             "'; set /kubernetes/deployment to the backend's name)");
    // Only ConfigMaps: their data is the environment.
    for (const auto& d : docs) {
      if (d.node["kind"].Scalar() != "ConfigMap" || !d.node["data"]) continue;
      if (!d.node["data"].IsMap()) fail_at(d.file, "data", "expected a mapping of strings");
      for (auto it = d.node["data"].begin(); it != d.node["data"].end(); ++it) {
        const std::string k = key_of(it->first, d.file, "data");
        m.backend_env[k] = scalar(it->second, d.file, "data." + k);
        m.env_source[k] = d.file + ": ConfigMap " + name_of(d) + ": data." + k;
      }
    }
  }
  if (const Doc* cl = find(docs, "Deployment", "client")) {
    std::string cpath;
    const YAML::Node c = first_container(*cl, cpath);
    std::map<std::string, std::string> src;
    container_env(docs, *cl, c, cpath, m.client_env, src);
    for (const auto& [k, v] : src) m.env_source.emplace(k, v);
    m.has_client = true;
  } else {
    m.client_env = m.backend_env;
  }
  return m;
}

}  // namespace

namespace {

// A sweep or a tune loads one scenario per point, each naming the same few manifests; parsing
// them (yaml-cpp) cost more than a thousand simulated runs. A successful read is kept and reused
// while every file it read still holds the same bytes: re-reading a few small files is cheap,
// re-parsing them is not. Errors are never cached.
struct CachedRead {
  std::vector<fs::path> paths;
  std::string deployment;
  std::vector<std::string> bytes;  // of m.files, in order
  Manifests m;
};

// Through the stream buffer in blocks: istreambuf_iterator's character at a time cost more than
// the runs of a small point (callgrind: 3% of a 100-point, 10-seed sweep).
std::optional<std::string> file_bytes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  if (in.peek() != std::ifstream::traits_type::eof()) out << in.rdbuf();
  if (in.bad() || out.fail()) return std::nullopt;
  return std::move(out).str();
}

std::mutex cache_mu;
std::vector<CachedRead> cache;  // the newest last; a handful at most

bool unchanged(const CachedRead& c) {
  for (std::size_t i = 0; i < c.m.files.size(); ++i) {
    const auto now = file_bytes(c.m.files[i]);
    if (!now || *now != c.bytes[i]) return false;
  }
  return true;
}

}  // namespace

Manifests read_manifests(const std::vector<fs::path>& paths, const std::string& deployment) {
  {
    std::lock_guard lock(cache_mu);
    for (const auto& c : cache)
      if (c.paths == paths && c.deployment == deployment && unchanged(c)) return c.m;
  }
  // Every yaml-cpp call above is guarded; this is the backstop, so that a case missed there is
  // still an error naming the files rather than an uncaught exception.
  try {
    CachedRead c{paths, deployment, {}, read_checked(paths, deployment)};
    // The bytes are read just after the parse: a file rewritten during those microseconds keeps
    // its earlier parse in this process (as a sweep that had started reading it would).
    for (const auto& f : c.m.files) {
      auto b = file_bytes(f);
      if (!b) return c.m;
      c.bytes.push_back(std::move(*b));
    }
    std::lock_guard lock(cache_mu);
    if (cache.size() >= 8) cache.erase(cache.begin());
    cache.push_back(c);
    return c.m;
  } catch (const YAML::Exception& e) {
    std::string files;
    for (const auto& p : paths) {
      if (!files.empty()) files += ", ";
      files += p.string();
    }
    throw yaml_error(files, e);
  }
}

namespace {

double env_number(const Manifests& m, const std::string& key, double lo, double hi) {
  const std::string& s = m.backend_env.at(key);
  const auto src = m.env_source.count(key) ? m.env_source.at(key) : key;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v)) throw ConfigError(src + ": expected a number, got '" + s + "'");
  if (v < lo || v > hi)
    throw ConfigError(src + ": must be between " + format_config_number(lo) + " and " + format_config_number(hi) + ", got " + s);
  return v;
}
}  // namespace

void apply_manifests(const Manifests& m, KubernetesConfig& k8s, BackendConfig& backend) {
  if (m.has_deployment) {
    k8s.ns = m.ns;
    k8s.deployment = m.deployment;
    if (!m.labels.empty()) k8s.labels = m.labels;
    k8s.replicas = m.replicas;
    k8s.grace_period = m.grace_period.value_or(std::chrono::seconds(30));
    if (m.readiness_set) {
      k8s.readiness = m.readiness;
    } else {
      k8s.readiness.reset();
    }
    if (m.service) k8s.service = *m.service;
  }
  if (m.backend_env.count("FAILURE_RATE")) backend.failure_rate = env_number(m, "FAILURE_RATE", 0, 1);
  if (m.backend_env.count("SLOW_RATE")) backend.slow_rate = env_number(m, "SLOW_RATE", 0, 1);
  if (m.backend_env.count("MAX_DELAY_MS")) {
    const double v = env_number(m, "MAX_DELAY_MS", 0, 3600000);
    if (v != std::floor(v))
      throw ConfigError(m.env_source.at("MAX_DELAY_MS") + ": expected an integer, got '" + m.backend_env.at("MAX_DELAY_MS") + "'");
    backend.max_delay_ms = static_cast<int>(v);
  }
}

}  // namespace chaoslab::sim
