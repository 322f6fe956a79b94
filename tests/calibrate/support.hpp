// Fixture paths for the calibrate tests (tests/calibrate/fixtures/README.md says which API
// reference each one follows).
#pragma once

#include <string>

inline std::string fixture(const std::string& name) {
  return std::string(CHAOSLAB_SOURCE_DIR) + "/tests/calibrate/fixtures/" + name;
}
