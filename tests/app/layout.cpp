// The layout docs/architecture.md states, checked on the tree: app/ holds only the command line
// (main.cpp, commands.hpp, cmd_*.cpp), and no library includes a header of a library its "may use"
// column (followed through: sim may use chaos, so analysis, which may use sim, may too) leaves out.
// The check itself is tried first on a small made-up tree with a known violation.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../support/files.hpp"

namespace fs = std::filesystem;

namespace {

using chaoslab::test::slurp;

// Libraries: the top-level folders with include/<name>/ and a CMakeLists.txt.
std::set<std::string> libraries(const fs::path& root) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(root)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && fs::exists(e.path() / "CMakeLists.txt") && fs::is_directory(e.path() / "include" / name))
      out.insert(name);
  }
  return out;
}

// The table of docs/architecture.md: "| name/ | holds | may use |" -> the libraries named in "may
// use", closed over the graph.
std::map<std::string, std::set<std::string>> allowed(const std::string& doc, const std::set<std::string>& libs) {
  std::map<std::string, std::set<std::string>> direct;
  const std::regex row(R"(^\| ([a-z_]+)/ \|.*\| ([^|]*) \|\s*$)");
  const std::regex word("[a-z_]+");
  std::istringstream in(doc);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row) || !libs.contains(m[1].str())) continue;
    auto& uses = direct[m[1].str()];
    const std::string cell = m[2].str();
    for (auto it = std::sregex_iterator(cell.begin(), cell.end(), word); it != std::sregex_iterator(); ++it)
      if (libs.contains(it->str())) uses.insert(it->str());
  }
  auto closed = direct;
  for (bool grew = true; grew;) {
    grew = false;
    for (auto& [lib, uses] : closed) {
      const auto before = uses.size();
      for (const auto& u : std::set<std::string>(uses))
        if (closed.contains(u)) uses.insert(closed[u].begin(), closed[u].end());
      grew = grew || uses.size() != before;
    }
  }
  return closed;
}

// "lib/path:line includes other/..." for every include that reaches outside what the table allows.
std::vector<std::string> layering_violations(const fs::path& root) {
  const auto libs = libraries(root);
  const auto may_use = allowed(slurp(root / "docs/architecture.md"), libs);
  std::vector<std::string> out;
  const std::regex include(R"(^\s*#\s*include\s*[<"]([a-z_]+)/)");
  for (const auto& lib : libs) {
    if (!may_use.contains(lib)) {
      out.push_back(lib + "/: no row in docs/architecture.md's table");
      continue;
    }
    for (const auto& e : fs::recursive_directory_iterator(root / lib)) {
      const auto ext = e.path().extension();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
      std::ifstream in(e.path());
      int n = 0;
      for (std::string line; std::getline(in, line);) {
        ++n;
        std::smatch m;
        if (!std::regex_search(line, m, include)) continue;
        const std::string target = m[1].str();
        if (target == lib || !libs.contains(target) || may_use.at(lib).contains(target)) continue;
        out.push_back(fs::relative(e.path(), root).string() + ":" + std::to_string(n) + " includes " + target + "/");
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Files in app/ other than main.cpp, commands.hpp, cmd_<name>.cpp and its CMakeLists.txt.
std::vector<std::string> app_extras(const fs::path& app) {
  std::vector<std::string> out;
  const std::regex cmd(R"(cmd_[a-z0-9_]+\.cpp)");
  for (const auto& e : fs::directory_iterator(app)) {
    const std::string name = e.path().filename().string();
    if (name == "main.cpp" || name == "commands.hpp" || name == "CMakeLists.txt" || std::regex_match(name, cmd))
      continue;
    out.push_back("app/" + name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct FakeTree {
  fs::path root = fs::temp_directory_path() / ("chaoslab-layout-" + std::to_string(getpid()));
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
  ~FakeTree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

}  // namespace

TEST_CASE("layout: the check finds an include that reaches up, a missing row and a stray app/ file") {
  FakeTree t;
  t.write("docs/architecture.md",
          "| folder | holds | may use |\n|---|---|---|\n"
          "| base/ | types | the standard library |\n"
          "| mid/ | models | base, yaml-cpp |\n"
          "| top/ | reports | mid (for models) |\n");
  for (const char* lib : {"base", "mid", "top", "extra"}) {
    t.write(std::string(lib) + "/CMakeLists.txt", "");
    t.write(std::string(lib) + "/include/" + lib + "/" + lib + ".hpp", "#pragma once\n");
  }
  t.write("mid/src/mid.cpp", "#include \"mid/mid.hpp\"\n#include \"base/base.hpp\"\n#include <yaml-cpp/yaml.h>\n");
  t.write("top/src/top.cpp", "#include \"mid/mid.hpp\"\n#include \"base/base.hpp\"\n");  // base through mid: fine
  t.write("base/src/base.cpp", "#include <vector>\n\n  #include \"top/top.hpp\"\n");     // reaches up
  CHECK(layering_violations(t.root) ==
        std::vector<std::string>{"base/src/base.cpp:3 includes top/", "extra/: no row in docs/architecture.md's table"});
  t.write("app/main.cpp", "");
  t.write("app/cmd_run.cpp", "");
  t.write("app/commands.hpp", "");
  t.write("app/CMakeLists.txt", "");
  CHECK(app_extras(t.root / "app").empty());
  t.write("app/lab_log.cpp", "");
  CHECK(app_extras(t.root / "app") == std::vector<std::string>{"app/lab_log.cpp"});
}

TEST_CASE("layout: app/ holds only the command line") {
  CHECK(app_extras(fs::path(CHAOSLAB_SOURCE_DIR) / "app") == std::vector<std::string>{});
}

TEST_CASE("layout: no library includes a header of a library above it (docs/architecture.md's table)") {
  const fs::path root = CHAOSLAB_SOURCE_DIR;
  const auto libs = libraries(root);
  // The libraries the table describes are all found (a renamed folder must not pass unchecked).
  for (const char* lib : {"policies", "chaos", "sim", "live", "liveplan", "analysis", "tune", "report", "calibrate"})
    CHECK_MESSAGE(libs.contains(lib), lib);
  const auto may_use = allowed(slurp(root / "docs/architecture.md"), libs);
  CHECK(may_use.at("policies").empty());
  CHECK_FALSE(may_use.at("sim").contains("live"));
  CHECK_FALSE(may_use.at("live").contains("sim"));
  CHECK(layering_violations(root) == std::vector<std::string>{});
}
