// Errors that cross layers. Expected run-time failures (timeouts, refusals) are values
// (OutcomeKind); these are for input the user can get wrong, caught at the edge (app/) and mapped
// to exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace chaoslab {

// Exit statuses of every chaoslab command.
enum ExitCode : int {
  kExitOk = 0,
  kExitCheckFailed = 1,  // the command ran but its check failed (compare out of band, deviated run)
  kExitBadInput = 2,     // a file, flag, variable or request the user got wrong
  kExitIoError = 3,      // an output could not be written, a process could not be started
};

// Bad user input. The message names where: "FILE: /json/pointer: what is wrong" or
// "ENV_VAR: what is wrong".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace chaoslab
