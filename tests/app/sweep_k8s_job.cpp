// k8s/sweep-job.yaml checked offline: its structure, and its containers run here exactly as
// Kubernetes would run them ($(VAR) expansion, one process per completion index, then the merge
// job's shell script), on a smaller copy of its sweep. With kubectl installed, `kubectl kustomize`
// renders it too (there is no cluster to apply it to here).
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "sweep_process.hpp"

using chaoslab::test::run_chaoslab;
using chaoslab::test::ScratchDir;
using chaoslab::test::slurp;
namespace fs = std::filesystem;

namespace {

const std::string kRoot = CHAOSLAB_SOURCE_DIR;

std::map<std::string, YAML::Node> by_kind_name(const std::vector<YAML::Node>& docs) {
  std::map<std::string, YAML::Node> out;
  for (const auto& d : docs) out[d["kind"].as<std::string>() + "/" + d["metadata"]["name"].as<std::string>()] = d;
  return out;
}

std::map<std::string, std::string> plain_env(const YAML::Node& container) {
  std::map<std::string, std::string> env;
  for (const auto& e : container["env"])
    if (e["value"]) env[e["name"].as<std::string>()] = e["value"].as<std::string>();
  return env;
}

// Kubernetes' $(VAR) expansion in command and args.
std::string expand(std::string s, const std::map<std::string, std::string>& env) {
  for (const auto& [k, v] : env) {
    const std::string ref = "$(" + k + ")";
    for (auto at = s.find(ref); at != std::string::npos; at = s.find(ref, at + v.size())) s.replace(at, ref.size(), v);
  }
  return s;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream in(path ? path : "");
  for (std::string dir; std::getline(in, dir, ':');)
    if (!dir.empty() && ::access((fs::path(dir) / name).c_str(), X_OK) == 0) return (fs::path(dir) / name).string();
  return "";
}

}  // namespace

TEST_CASE("k8s sweep job: an Indexed Job of shards and a merge job, run offline to the merged sweep") {
  const auto docs = YAML::LoadAllFromFile(kRoot + "/k8s/sweep-job.yaml");
  auto all = by_kind_name(docs);
  REQUIRE(all.count("Namespace/chaoslab-sweeps"));
  REQUIRE(all.count("ConfigMap/chaoslab-sweep"));
  REQUIRE(all.count("PersistentVolumeClaim/chaoslab-sweep-results"));
  REQUIRE(all.count("Job/chaoslab-sweep"));
  REQUIRE(all.count("Job/chaoslab-sweep-merge"));
  for (const auto& d : docs)
    if (d["kind"].as<std::string>() != "Namespace") CHECK(d["metadata"]["namespace"].as<std::string>() == "chaoslab-sweeps");

  const YAML::Node job = all["Job/chaoslab-sweep"];
  CHECK(job["apiVersion"].as<std::string>() == "batch/v1");
  CHECK(job["spec"]["completionMode"].as<std::string>() == "Indexed");
  const int shards = job["spec"]["completions"].as<int>();
  CHECK(job["spec"]["parallelism"].as<int>() == shards);
  const YAML::Node pod = job["spec"]["template"]["spec"];
  CHECK(pod["restartPolicy"].as<std::string>() == "OnFailure");
  REQUIRE(pod["containers"].size() == 1);
  const YAML::Node shard = pod["containers"][0];
  CHECK(shard["image"].as<std::string>() == "chaoslab:latest");
  auto env = plain_env(shard);
  CHECK(env["SHARDS"] == std::to_string(shards));
  bool index_from_annotation = false;
  for (const auto& e : shard["env"])
    if (e["name"].as<std::string>() == "JOB_COMPLETION_INDEX")
      index_from_annotation = e["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>() ==
                              "metadata.annotations['batch.kubernetes.io/job-completion-index']";
  CHECK(index_from_annotation);
  const auto args = shard["args"].as<std::vector<std::string>>();
  CHECK(args.front() == "sweep");
  CHECK(std::find(args.begin(), args.end(), "$(JOB_COMPLETION_INDEX)/$(SHARDS)") != args.end());
  CHECK(std::find(args.begin(), args.end(), "--resume") != args.end());
  // Every volume mount names a volume of the pod.
  std::map<std::string, bool> volumes;
  for (const auto& v : pod["volumes"]) volumes[v["name"].as<std::string>()] = true;
  for (const auto& m : shard["volumeMounts"]) CHECK(volumes.count(m["name"].as<std::string>()));

  // A smaller copy of the ConfigMap's sweep, with the image's /usr/share/chaoslab mapped to the
  // source tree (the Dockerfile copies scenarios/, chaos/ and k8s/ there).
  ScratchDir s("k8s-sweep-job");
  auto sweep = nlohmann::json::parse(all["ConfigMap/chaoslab-sweep"]["data"]["sweep.json"].as<std::string>());
  CHECK(sweep["scenario"] == "/usr/share/chaoslab/scenarios/lab3-chaos.json");
  sweep["scenario"] = kRoot + "/scenarios/lab3-chaos.json";
  sweep["seeds"]["count"] = 3;
  std::ofstream(s / "sweep.json") << sweep.dump(2);
  const fs::path results = s / "results";
  fs::create_directories(results);

  for (int i = 0; i < shards; ++i) {
    auto e = env;
    e["JOB_COMPLETION_INDEX"] = std::to_string(i);
    std::vector<std::string> argv;
    for (const auto& a : args)
      argv.push_back(replace_all(replace_all(expand(a, e), "/etc/chaoslab/sweep.json", (s / "sweep.json").string()), "/results",
                                 results.string()));
    const auto r = run_chaoslab(argv, s.dir);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(fs::exists(results / ("shard-" + std::to_string(i)) / "summary.csv"));
  }

  // The merge job: its init container and its container, as /bin/sh scripts with `chaoslab` on PATH.
  const YAML::Node mpod = all["Job/chaoslab-sweep-merge"]["spec"]["template"]["spec"];
  fs::create_directories(s / "bin");
  fs::create_symlink(CHAOSLAB_BINARY, s / "bin/chaoslab");
  const std::string path = (s / "bin").string() + ":" + (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
  for (const YAML::Node& c : {mpod["initContainers"][0], mpod["containers"][0]}) {
    const auto menv = plain_env(c);
    CHECK(menv.at("SHARDS") == std::to_string(shards));
    const std::string script = replace_all(c["args"][0].as<std::string>(), "/results", results.string());
    const auto r = chaoslab::test::run({"/usr/bin/env", "SHARDS=" + menv.at("SHARDS"), "PATH=" + path, "/bin/sh", "-c", script}, s.dir);
    const std::string what = c["name"].as<std::string>() + ": " + r.err;
    REQUIRE_MESSAGE(r.exit_code == 0, what);
  }

  // Equal to the same sweep run in one piece.
  REQUIRE(run_chaoslab({"sweep", (s / "sweep.json").string(), "--out", (s / "whole").string()}, s.dir).exit_code == 0);
  CHECK(slurp(results / "merged/runs.jsonl") == slurp(s / "whole/runs.jsonl"));
  CHECK(slurp(results / "merged/summary.csv") == slurp(s / "whole/summary.csv"));
  CHECK(fs::file_size(results / "report.html") > 100000);

  const std::string kubectl = find_on_path("kubectl");
  if (kubectl.empty()) {
    MESSAGE("kubectl not installed: skipped `kubectl kustomize` of k8s/sweep-job.yaml (the checks above ran)");
    return;
  }
  fs::create_directories(s / "kz");
  fs::copy_file(kRoot + "/k8s/sweep-job.yaml", s / "kz/sweep-job.yaml");
  std::ofstream(s / "kz/kustomization.yaml") << "resources:\n  - sweep-job.yaml\n";
  const auto k = chaoslab::test::run({kubectl, "kustomize", (s / "kz").string()}, s.dir);
  REQUIRE_MESSAGE(k.exit_code == 0, k.err);
  const auto rendered = YAML::LoadAll(k.out);
  CHECK(rendered.size() == docs.size());
  CHECK(by_kind_name(rendered).count("Job/chaoslab-sweep"));
}
