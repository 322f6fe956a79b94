// `chaoslab replay` run as a real process on real files: input from a file and from stdin, the
// exit status and message for bad input. The logic is tested in tests/analysis/replay.cpp.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../support/files.hpp"

namespace fs = std::filesystem;

namespace {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

using chaoslab::test::slurp;

const chaoslab::test::ScratchDir& scratch() { return chaoslab::test::process_scratch("replay-test"); }

Run replay(const std::string& args, const std::string& stdin_file = "") {
  const fs::path out = scratch().dir / "stdout.txt";
  const fs::path err = scratch().dir / "stderr.txt";
  std::string cmd = quote(CHAOSLAB_BINARY) + " replay " + args + " >" + quote(out) + " 2>" + quote(err);
  cmd += stdin_file.empty() ? " </dev/null" : " <" + quote(stdin_file);
  const int status = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace

TEST_CASE("replay: JSON lines through pybreaker(fail_max=2, reset_timeout=1)") {
  const auto cfg = scratch().write("b.json", R"({"fail_max": 2, "reset_timeout": 1})");
  const auto in = scratch().write("calls.jsonl",
                                  "{\"t\": 0, \"outcome\": \"failure\"}\n"
                                  "{\"t\": 0.5, \"outcome\": \"failure\"}\n"
                                  "{\"t\": 1.0, \"outcome\": \"success\"}\n"
                                  "\n"
                                  "{\"t\": 1.5, \"outcome\": \"failure\"}\n"
                                  "{\"t\": 2.5, \"outcome\": \"excluded\"}\n");
  const auto r = replay("--breaker " + quote(cfg) + " " + quote(in));
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  // The rejected call's outcome is ignored; the call at 1.5 is the failed trial (opened at 0.5).
  CHECK(r.out ==
        "{\"t\":0,\"admitted\":true,\"raised\":\"original\",\"state\":\"closed\"}\n"
        "{\"t\":0.5,\"admitted\":true,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":1.0,\"admitted\":false,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":1.5,\"admitted\":true,\"raised\":\"breaker_error\",\"state\":\"open\"}\n"
        "{\"t\":2.5,\"admitted\":true,\"raised\":\"original\",\"state\":\"closed\"}\n");
  // The same from stdin.
  const auto s = replay("--breaker " + quote(cfg), in.string());
  CHECK(s.code == 0);
  CHECK(s.out == r.out);
}

TEST_CASE("replay: bad input is exit 2 with the file, the line and the key") {
  const auto cfg = scratch().write("ok.json", R"({"fail_max": 2})");
  struct Row {
    const char* name;
    const char* text;
    const char* message;  // after "chaoslab: error: <file>:"
  };
  const Row rows[] = {
      {"bad1.jsonl", "{\"t\": 0, \"outcome\": \"success\"}\n{\"t\": 1, \"outcome\": \"fail\"}\n",
       "2: /outcome: expected one of success, failure, excluded, got \"fail\""},
      {"bad8.log", "2025-11-07 13:18:01,762 INFO Breaker=CLOSED result={'ok': True}\ngarbage\n",
       "2: not a lab log line"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const auto in = scratch().write(row.name, row.text);
    const auto r = replay("--breaker " + quote(cfg) + " " + quote(in));
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    const std::string prefix = "chaoslab: error: " + in.string() + ":" + row.message;
    CHECK(r.err.substr(0, prefix.size()) == prefix);
  }
  const auto in = scratch().write("fine.jsonl", "{\"t\": 0, \"outcome\": \"success\"}\n");
  const auto bad_cfg = scratch().write("bad_cfg.json", R"({"fail_max": 0})");
  auto r = replay("--breaker " + quote(bad_cfg) + " " + quote(in));
  CHECK(r.code == 2);
  CHECK(r.err == "chaoslab: error: " + bad_cfg.string() + ": /fail_max: must be >= 1, got 0\n");
  r = replay("--breaker " + quote((scratch().dir / "missing.json").string()) + " " + quote(in));
  CHECK(r.code == 2);
  CHECK(r.err.find("missing.json: cannot read file") != std::string::npos);
  r = replay("--breaker " + quote(cfg) + " " + quote((scratch().dir / "nope.jsonl").string()));
  CHECK(r.code == 2);
  CHECK(r.err.find("nope.jsonl: cannot read file") != std::string::npos);
  r = replay(quote(in));  // --breaker is required
  CHECK(r.code == 2);
}
