// Shared pieces of the libFuzzer targets: a scratch tree where inputs are written as files (the
// parsers under test read files, and resolve relative references against the file's folder), and
// the one rule every target follows: chaoslab::ConfigError (bad input, exit 2) is the expected
// answer to a bad input; any other exception, crash, leak or sanitizer report is a finding.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace chaoslab::fuzz {

namespace fs = std::filesystem;

// <tmp>/chaoslab-fuzz-XXXXXX/ with k8s/, chaos/, scenarios/ and docs/ linked to the sources and
// an empty in/ beside them, so "../k8s/kustomization.yaml" in a seed scenario written to in/
// resolves as it does from scenarios/. Removed at exit.
class Workspace {
 public:
  Workspace() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/chaoslab-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) {
      std::perror("fuzz workspace: mkdtemp");
      std::abort();
    }
    root_ = tmpl;
    for (const char* d : {"k8s", "chaos", "scenarios", "docs", "sweeps"})
      fs::create_directory_symlink(fs::path(CHAOSLAB_SOURCE_DIR) / d, root_ / d);
    fs::create_directory(root_ / "in");
  }
  ~Workspace() {
    std::error_code ec;
    fs::remove_all(root_, ec);  // the links, not what they point to
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // Writes the input to in/<name> (replacing it) and returns the path.
  std::string write(const std::string& name, const std::uint8_t* data, std::size_t size) const {
    const std::string path = (root_ / "in" / name).string();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::perror(path.c_str());
      std::abort();
    }
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd, data + done, size - done);
      if (n <= 0) {
        std::perror(path.c_str());
        std::abort();
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return path;
  }

  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

inline const Workspace& workspace() {
  static const Workspace w;
  return w;
}

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace chaoslab::fuzz
