#include "sim/manifests.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "policies/error.hpp"
#include "sim/scenario.hpp"

using namespace chaoslab;
using namespace chaoslab::sim;
namespace fs = std::filesystem;

namespace {

const std::string kSource = CHAOSLAB_SOURCE_DIR;

// Hand-written manifests in a fresh temporary directory.
struct Dir {
  fs::path path;
  Dir() {
    path = fs::temp_directory_path() / ("chaoslab-manifests-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
};

const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      terminationGracePeriodSeconds: 12
      containers:
        - name: web
          envFrom:
            - configMapRef: {name: web-config}
          env:
            - {name: SLOW_RATE, value: "0.05"}
          readinessProbe:
            periodSeconds: 3
            failureThreshold: 2
---
apiVersion: v1
kind: Service
metadata: {name: web-svc, namespace: shop}
spec:
  selector: {app: web}
)";

const char* kConfigMap = R"(apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data:
  FAILURE_RATE: "0.4"
  SLOW_RATE: "0.5"
  MAX_DELAY_MS: "250"
)";

std::string error_of(const std::vector<fs::path>& files, const std::string& dep = "backend") {
  try {
    KubernetesConfig k;
    BackendConfig b;
    apply_manifests(read_manifests(files, dep), k, b);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("the repository's k8s/ manifests drive the model") {
  const Manifests m = read_manifests({kSource + "/k8s/kustomization.yaml"}, "backend");
  // The kustomization and its resources.
  auto read = [&](const std::string& name) {
    for (const auto& f : m.files) if (fs::path(f).filename() == name) return true;
    return false;
  };
  for (const char* f : {"kustomization.yaml", "configmap.yaml", "backend.yaml", "client.yaml", "namespace.yaml"}) CHECK(read(f));
  CHECK(m.has_deployment);
  CHECK(m.ns == "lab3");
  CHECK(m.replicas == 1);
  CHECK(m.grace_period == std::chrono::seconds(30));
  CHECK(m.readiness_set);
  CHECK(m.readiness.period == std::chrono::seconds(2));
  CHECK(m.readiness.timeout == std::chrono::seconds(1));
  CHECK(m.readiness.failure_threshold == 3);
  CHECK(m.service == std::optional<std::string>("backend"));
  CHECK(m.backend_env.at("FAILURE_RATE") == "0.7");
  CHECK(m.backend_env.at("PORT") == "8000");  // env after envFrom
  CHECK(m.has_client);
  CHECK(m.client_env.at("CB_FAIL_MAX") == "2");
  CHECK(m.client_env.at("PORT") == "8001");
  KubernetesConfig k;
  BackendConfig b;
  apply_manifests(m, k, b);
  CHECK(b.failure_rate == 0.7);
  CHECK(b.slow_rate == 0.9);
  CHECK(b.max_delay_ms == 3000);
  CHECK(k.readiness.has_value());
}

TEST_CASE("hand-written manifests: replicas, probe defaults, grace period, Service, env precedence") {
  Dir d;
  const auto dep = d.write("web.yaml", kDeployment);
  const auto cm = d.write("cm.yaml", kConfigMap);
  const Manifests m = read_manifests({dep, cm}, "web");
  CHECK(m.ns == "shop");
  CHECK(m.replicas == 3);
  CHECK(m.grace_period == std::chrono::seconds(12));
  CHECK(m.readiness.period == std::chrono::seconds(3));
  CHECK(m.readiness.failure_threshold == 2);
  CHECK(m.readiness.initial_delay == std::chrono::seconds(0));  // Kubernetes defaults for the rest
  CHECK(m.readiness.timeout == std::chrono::seconds(1));
  CHECK(m.readiness.success_threshold == 1);
  CHECK(m.service == std::optional<std::string>("web-svc"));
  CHECK(m.labels.at("tier") == "front");
  KubernetesConfig k;
  BackendConfig b;
  apply_manifests(m, k, b);
  CHECK(k.service == "web-svc");
  CHECK(k.replicas == 3);
  CHECK(b.failure_rate == 0.4);
  CHECK(b.slow_rate == 0.05);  // the container's env beats envFrom
  CHECK(b.max_delay_ms == 250);
}

TEST_CASE("no readiness probe in the manifest means none in the model; a ConfigMap alone sets the env") {
  Dir d;
  const auto dep = d.write("d.yaml", R"(kind: Deployment
metadata: {name: backend}
spec:
  template:
    spec:
      containers: [{name: b}]
)");
  const Manifests m = read_manifests({dep}, "backend");
  KubernetesConfig k;
  k.readiness = ProbeConfig{};
  BackendConfig b;
  apply_manifests(m, k, b);
  CHECK_FALSE(k.readiness);
  CHECK(k.ns == "default");
  CHECK(k.grace_period == std::chrono::seconds(30));
  const Manifests only_cm = read_manifests({d.write("c.yaml", kConfigMap)}, "backend");
  CHECK_FALSE(only_cm.has_deployment);
  CHECK(only_cm.backend_env.at("MAX_DELAY_MS") == "250");
}

TEST_CASE("manifest errors name the file and the field") {
  Dir d;
  const auto cm = d.write("cm.yaml", kConfigMap);
  std::string text = kDeployment;
  const auto bad_replicas = d.write("r.yaml", text.replace(text.find("replicas: 3"), 11, "replicas: x"));
  CHECK(error_of({bad_replicas, cm}, "web") == bad_replicas.string() + ": spec.replicas: expected an integer, got 'x'");
  text = kDeployment;
  const auto bad_probe = d.write("p.yaml", text.replace(text.find("periodSeconds: 3"), 16, "periodSeconds: 0"));
  CHECK(error_of({bad_probe, cm}, "web") ==
        bad_probe.string() + ": spec.template.spec.containers[0].readinessProbe.periodSeconds: must be between 1 and 86400, got 0");
  CHECK(error_of({d.write("w.yaml", kDeployment)}, "web") ==
        (d.path / "w.yaml").string() +
            ": spec.template.spec.containers[0].envFrom[0].configMapRef.name: ConfigMap 'web-config' is not in the manifests given");
  const auto bad_rate = d.write("cm2.yaml", std::string(kConfigMap).replace(std::string(kConfigMap).find("\"0.4\""), 5, "\"high\""));
  CHECK(error_of({bad_rate}) == bad_rate.string() + ": ConfigMap web-config: data.FAILURE_RATE: expected a number, got 'high'");
  const auto big_rate = d.write("cm3.yaml", std::string(kConfigMap).replace(std::string(kConfigMap).find("\"0.4\""), 5, "\"1.4\""));
  CHECK(error_of({big_rate}) == big_rate.string() + ": ConfigMap web-config: data.FAILURE_RATE: must be between 0 and 1, got 1.4");
  CHECK(error_of({d.write("web2.yaml", kDeployment), cm}, "backend") ==
        (d.path / "web2.yaml").string() + ": no Deployment named 'backend' (found 'web'; set /kubernetes/deployment to the backend's name)");
  const auto syntax = d.write("s.yaml", "kind: [unclosed\n");
  CHECK(error_of({syntax}).rfind(syntax.string() + ": line ", 0) == 0);
  CHECK(error_of({d.path / "missing.yaml"}) == (d.path / "missing.yaml").string() + ": no such file");
  const auto nokind = d.write("k.yaml", "apiVersion: v1\n");
  CHECK(error_of({nokind}) == nokind.string() + ": kind: missing");
}

TEST_CASE("a bad ConfigMap value for the lab client is reported against the ConfigMap key") {
  Dir d;
  const auto cm = d.write("cm.yaml", R"(kind: ConfigMap
metadata: {name: lab3-config}
data: {CB_FAIL_MAX: "zero"}
)");
  const auto sc = d.write("s.json", R"({"duration_s": 1, "manifests": ["cm.yaml"], "clients": [{"profile": "lab3"}]})");
  try {
    chaoslab::sim::load_scenario_file(sc.string());
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).rfind(cm.string() + ": ConfigMap lab3-config: data.CB_FAIL_MAX: ", 0) == 0);
  }
}
