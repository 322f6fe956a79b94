// No command is ever run through a shell: user input (experiment "process" providers, scenario
// paths) reaches child processes only as an argv vector through posix_spawn (live/process.hpp).
// Checked twice: no shell-running call in the product's sources, and none imported by the binary.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "live/process.hpp"
#include "support.hpp"

namespace fs = std::filesystem;

namespace {

// Calls that hand a command line to /bin/sh (or search PATH like a shell), and shell invocations.
const std::regex& shell_use() {
  static const std::regex re(
      R"((\bsystem\s*\()|(\bpopen\s*\()|(\bwordexp\s*\()|(\bexecl[ep]?\s*\()|(\bexecvp[e]?\s*\()|(\bposix_spawnp\s*\()|("/bin/(ba|da)?sh")|("sh"\s*,\s*"-c")|(\bsh -c\b))");
  return re;
}

}  // namespace

TEST_CASE("no shell: the product's sources never run a command through a shell") {
  std::vector<std::string> hits;
  std::size_t files = 0;
  for (const char* dir : {"policies", "chaos", "sim", "live", "app"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(CHAOSLAB_SOURCE_DIR) / dir)) {
      const auto ext = e.path().extension();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
      ++files;
      std::ifstream in(e.path());
      std::string line;
      for (int n = 1; std::getline(in, line); ++n) {
        const auto comment = line.find("//");
        const std::string code = comment == std::string::npos ? line : line.substr(0, comment);
        if (std::regex_search(code, shell_use()))
          hits.push_back(e.path().string() + ":" + std::to_string(n) + ": " + line);
      }
    }
  }
  std::string all;
  for (const auto& h : hits) all += h + "\n";
  CHECK(files > 50);
  CHECK_MESSAGE(hits.empty(), all);
  // The pattern does find what it looks for (a scan that matches nothing proves nothing).
  for (const char* bad : {"std::system(cmd.c_str());", "FILE* f = popen(cmd, \"r\");",
                          "execlp(\"kubectl\", \"kubectl\", nullptr);", "argv = {\"/bin/sh\", \"-c\", cmd};",
                          "posix_spawnp(&pid, name, nullptr, nullptr, argv, envp);"})
    CHECK(std::regex_search(std::string(bad), shell_use()));
  CHECK_FALSE(std::regex_search(std::string("posix_spawn(&pid, path.c_str(), &fa, &attr, argv, envp);"),
                                shell_use()));
}

TEST_CASE("no shell: the chaoslab binary imports no function that runs a shell") {
  const std::string nm = chaoslab::live::find_on_path("nm");
  REQUIRE_MESSAGE(!nm.empty(), "nm (binutils, installed with g++) is needed to read the binary's imports");
  const std::string dir = chaoslab::testing::temp_dir("noshell");
  chaoslab::live::SpawnOptions o;
  o.stdout_path = dir + "/imports.txt";
  o.stderr_path = dir + "/nm.err";
  chaoslab::live::ChildProcess p({nm, "-D", "--undefined-only", CHAOSLAB_BINARY}, o);
  REQUIRE(p.wait().code == 0);
  const std::string imports = chaoslab::testing::read_text(dir + "/imports.txt");
  REQUIRE(imports.find("posix_spawn") != std::string::npos);  // the one way children start
  std::istringstream in(imports);
  std::vector<std::string> bad;
  for (std::string line; std::getline(in, line);) {
    static const std::regex sym(R"(\bU\s+(system|popen|wordexp|execl|execlp|execle|execvp|execvpe|posix_spawnp)(@|$))");
    if (std::regex_search(line, sym)) bad.push_back(line);
  }
  std::string all;
  for (const auto& b : bad) all += b + "\n";
  CHECK_MESSAGE(bad.empty(), all);
}
