#include "calibrate/observations.hpp"

#include <algorithm>

namespace chaoslab::calibrate {

PodObs& Observations::pod(const std::string& ns, const std::string& name, const std::string& source) {
  PodObs& p = pods[ns + "/" + name];
  if (p.name.empty()) {
    p.ns = ns;
    p.name = name;
    p.source = source;
  }
  return p;
}

namespace {

// Two records of one moment (a whole-second condition and a microsecond event) agree within the
// coarser resolution: keep the finer one rather than whichever the truncation made earlier.
bool same_moment(const Stamp& a, const Stamp& b) {
  const std::int64_t d = a.us > b.us ? a.us - b.us : b.us - a.us;
  return d < std::max(a.resolution_us, b.resolution_us);
}

}  // namespace

void keep_first(std::optional<Stamp>& slot, const Stamp& s) {
  if (slot && same_moment(*slot, s)) {
    if (s.resolution_us < slot->resolution_us) slot = s;
  } else if (!slot || s.us < slot->us) {
    slot = s;
  }
}

void keep_last(std::optional<Stamp>& slot, const Stamp& s) {
  if (slot && same_moment(*slot, s)) {
    if (s.resolution_us < slot->resolution_us) slot = s;
  } else if (!slot || s.us > slot->us) {
    slot = s;
  }
}

void note_deletion(PodObs& pod, const Stamp& s, const std::string& source) {
  const std::optional<Stamp> before = pod.deletion;
  keep_first(pod.deletion, s);
  if (!before || before->us != pod.deletion->us || before->resolution_us != pod.deletion->resolution_us)
    pod.deletion_source = source;
}

}  // namespace chaoslab::calibrate
