// Kubernetes manifests (sim::read_manifests + apply_manifests): YAML documents, kustomization
// resources, the backend Deployment, its probes, ConfigMap environment and Service.
#include <string>

#include "fuzz_support.hpp"
#include "policies/error.hpp"
#include "sim/manifests.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chaoslab;
  const std::string path = fuzz::workspace().write("manifest.yaml", data, size);
  try {
    const sim::Manifests m = sim::read_manifests({path}, "backend");
    sim::KubernetesConfig k8s;
    sim::BackendConfig backend;
    sim::apply_manifests(m, k8s, backend);
  } catch (const ConfigError&) {
  }
  return 0;
}
