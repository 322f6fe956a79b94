#include "report_lab_log.hpp"

#include "policies/error.hpp"

namespace chaoslab::app {

// Hook: app/lab_log.hpp (the lab log parser) has not landed in this tree yet.
Timeline read_lab_log_timeline(const std::string& path) {
  throw ConfigError(path + ": lab client logs are not readable by this build yet (app/lab_log.hpp is missing)");
}

}  // namespace chaoslab::app
