// Files for tests: read one whole, and scratch folders removed when the test (or the test
// process) ends. Header-only; shared by the suites under tests/.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace chaoslab::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh <tmp>/chaoslab-<tag>-XXXXXX, removed with everything in it when the object goes.
struct ScratchDir {
  std::filesystem::path dir;
  explicit ScratchDir(const std::string& tag) {
    std::string tmpl = (std::filesystem::temp_directory_path() / ("chaoslab-" + tag + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return dir / name; }
  // Writes `text` to dir/name and returns that path.
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
  }
};

// One scratch folder for the whole test process (removed at exit), for suites whose test cases
// share inputs.
inline const ScratchDir& process_scratch(const std::string& tag) {
  static const ScratchDir s(tag);
  return s;
}

}  // namespace chaoslab::test
