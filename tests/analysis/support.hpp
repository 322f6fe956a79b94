// Shared by the analysis suites that also run the executable: one scratch folder per test process
// and `chaoslab ARGS...` with its exit status and output.
#pragma once

#include <string>
#include <vector>

#include "../app/sweep_process.hpp"
#include "../support/files.hpp"

namespace chaoslab::test {

struct Proc {
  int code = -1;
  std::string out, err;
};

inline const ScratchDir& scratch() { return process_scratch("analysis-test"); }

// Runs the real executable (no shell), stdout and stderr into files in the scratch folder.
inline Proc run(const std::vector<std::string>& args) {
  const auto r = run_chaoslab(args, scratch().dir);
  return {r.exit_code, r.out, r.err};
}

}  // namespace chaoslab::test
