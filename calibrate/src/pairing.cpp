#include "calibrate/pairing.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "policies/error.hpp"

namespace chaoslab::calibrate {

namespace {

// A Deployment's pods are named REPLICASET-xxxxx: the owner when no ownerReference was read.
std::string owner_of(const PodObs& p) {
  if (!p.owner.empty()) return p.owner;
  const auto dash = p.name.rfind('-');
  return "ReplicaSet/" + (dash == std::string::npos ? p.name : p.name.substr(0, dash));
}

bool matches_selector(const PodObs& p, const std::string& selector) {
  std::stringstream ss(selector);
  std::string term;
  while (std::getline(ss, term, ',')) {
    const auto eq = term.find('=');
    if (eq == std::string::npos) continue;  // set-based terms: not checked
    std::string k = term.substr(0, eq), v = term.substr(eq + 1);
    if (!v.empty() && v[0] == '=') v.erase(0, 1);
    const auto it = p.labels.find(k);
    if (it == p.labels.end() || it->second != v) return false;
  }
  return true;
}

double seconds(const Stamp& from, const Stamp& to) { return static_cast<double>(to.us - from.us) * 1e-6; }

void add(Measurements& m, const std::string& key, double value, const Stamp& a, const Stamp& b,
         const std::string& source) {
  PhaseSamples& ph = m.phases[key];
  // Two whole-second stamps can put a sub-second phase below zero: it is zero to the clock.
  ph.values.push_back(std::max(0.0, value));
  ph.resolution_us = std::max({ph.resolution_us, a.resolution_us, b.resolution_us});
  if (std::find(ph.sources.begin(), ph.sources.end(), source) == ph.sources.end()) ph.sources.push_back(source);
}

void skip(Measurements& m, const std::string& key, const std::string& why) { m.phases[key].skipped.push_back(why); }

// When the pod's app containers (not init) all started for the first time, and from where.
std::optional<Stamp> containers_started(const PodObs& p, std::string& source, std::string& why) {
  if (p.containers_started) {
    source = "live trace Running";
    return p.containers_started;
  }
  std::optional<Stamp> latest;
  bool any = false;
  for (const auto& [name, c] : p.containers) {
    if (c.init) continue;
    any = true;
    std::optional<Stamp> first = c.first_started_event;
    std::string src = "Started event";
    if (!first && c.restarts == 0) {
      first = c.running_since ? c.running_since : c.finished;
      src = "containerStatuses[].state.running.startedAt";
    } else if (!first && c.restarts == 1 && c.last_started) {
      first = c.last_started;  // the one earlier run is lastState
      src = "containerStatuses[].lastState.terminated.startedAt";
    }
    if (!first) {
      why = "container " + name + (c.restarts > 1 ? " restarted " + std::to_string(c.restarts) +
                                                         " times and no Started event records its first start"
                                                   : " has no start time");
      return std::nullopt;
    }
    if (source.empty()) source = src;
    if (!latest || first->us > latest->us) latest = first;
  }
  if (!any) why = "no containerStatuses and no Started events";
  return latest;
}

int restarts_of(const PodObs& p) {
  int r = p.crashes;
  for (const auto& [name, c] : p.containers) r = std::max(r, c.restarts);
  return r;
}

void measure_successor(Measurements& m, const PodObs& s, const std::string& id) {
  if (s.created && s.scheduled)
    add(m, "scheduling_s", seconds(*s.created, *s.scheduled), *s.created, *s.scheduled,
        s.containers_started ? "live trace Pending -> ContainerCreating"
                             : "creationTimestamp -> PodScheduled condition / Scheduled event");
  else
    skip(m, "scheduling_s", id + ": no " + (s.created ? "scheduling time" : "creation time"));
  std::string src, why;
  const std::optional<Stamp> started = containers_started(s, src, why);
  if (started && s.scheduled)
    add(m, "container_start_s", seconds(*s.scheduled, *started), *s.scheduled, *started, "scheduled -> " + src);
  else
    skip(m, "container_start_s", id + ": " + (started ? "no scheduling time" : why));
  if (s.first_pulling && s.last_pulled && s.last_pulled->us >= s.first_pulling->us)
    m.image_pull_s.push_back(seconds(*s.first_pulling, *s.last_pulled));

  // Ready: the probe's tick alignment is removed by its mean, period / 2.
  const int restarts = restarts_of(s);
  m.crash_restarts += restarts;
  if (!started || !s.ready) {
    skip(m, "app_start_s", id + ": " + (!started ? why : "never Ready in the inputs"));
  } else if (s.probe_known && !s.probe_period_s) {
    skip(m, "app_start_s", id + ": no readiness probe, so Ready comes with the container start and the "
                              "application's own start is not visible");
  } else if (restarts > 0 && !s.containers_started) {
    skip(m, "app_start_s", id + ": restarted " + std::to_string(restarts) +
                               " times, so its Ready condition is from a later start");
  } else {
    const double align = s.probe_period_s ? *s.probe_period_s / 2 : 0.0;
    Stamp r = *s.ready;
    if (s.probe_period_s) r.resolution_us = std::max<std::int64_t>(r.resolution_us, std::llround(*s.probe_period_s * 5e5));
    if (s.probe_period_s) m.phases["app_start_s"].spread_s = std::max(m.phases["app_start_s"].spread_s, *s.probe_period_s);
    add(m, "app_start_s", seconds(*started, *s.ready) - align, *started, r,
        s.probe_period_s ? "containers started -> Ready, less half the probe period"
                         : "containers started -> Ready (probe unknown: includes its tick alignment)");
  }
}

}  // namespace

const std::vector<std::string>& phase_keys() {
  static const std::vector<std::string> keys{"replace_delay_s", "scheduling_s", "container_start_s", "app_start_s",
                                             "shutdown_s", "endpoint_delay_s"};
  return keys;
}

Measurements measure_restarts(const Observations& obs) {
  Measurements m;
  m.notes = obs.notes;
  std::string inputs;
  for (const auto& i : obs.inputs) inputs += (inputs.empty() ? "" : ", ") + i;

  struct Deletion {
    const PodObs* pod;  // nullptr: an anonymous journal kill
    const Observations::AnonymousKill* kill;
    Stamp at;
  };
  std::vector<Deletion> deletions;
  for (const auto& [key, p] : obs.pods)
    if (p.deletion) deletions.push_back({&p, nullptr, *p.deletion});
  for (const auto& k : obs.anonymous_kills) {
    // A kill the pod list or events already record by name is not counted twice.
    bool named = false;
    for (const auto& d : deletions)
      named = named || (d.pod && d.pod->ns == k.ns && std::llabs(d.at.us - k.at.us) <= k.at.resolution_us + 2000000);
    if (!named) deletions.push_back({nullptr, &k, k.at});
  }
  if (deletions.empty())
    throw ConfigError("no pod deletions found in " + inputs +
                      " (a deletionTimestamp, a Killing event, a Chaos Toolkit terminate_pods action or a live "
                      "trace's Terminating line)");
  std::stable_sort(deletions.begin(), deletions.end(), [](const Deletion& a, const Deletion& b) { return a.at.us < b.at.us; });

  std::set<std::string> used;
  std::vector<std::string> unpaired;
  for (const auto& d : deletions) {
    const std::string ns = d.pod ? d.pod->ns : d.kill->ns;
    const std::string owner = d.pod ? owner_of(*d.pod) : "";
    const PodObs* best = nullptr;
    std::string best_key;
    for (const auto& [key, p] : obs.pods) {
      if (&p == d.pod || p.ns != ns || !p.created || used.count(key)) continue;
      if (d.pod ? owner_of(p) != owner : !matches_selector(p, d.kill->selector)) continue;
      if (p.created->us < d.at.us - std::max(p.created->resolution_us, d.at.resolution_us)) continue;
      if (!best || p.created->us < best->created->us) {
        best = &p;
        best_key = key;
      }
    }
    const std::string name = d.pod ? d.pod->ns + "/" + d.pod->name : ns + "/? (" + d.kill->source + ")";
    if (!best) {
      unpaired.push_back(name + " (no pod of " + (d.pod ? owner : "selector " + d.kill->selector) +
                         " created after " + format_stamp(d.at) + ")");
      continue;
    }
    used.insert(best_key);
    m.pairs.push_back({d.pod ? name : "", best_key, d.at, d.pod ? d.pod->deletion_source : "Chaos Toolkit journal"});
    add(m, "replace_delay_s", seconds(d.at, *best->created), d.at, *best->created,
        "deletion -> successor's creation");
    measure_successor(m, *best, best_key);
    if (d.pod && d.pod->exited) {
      add(m, "shutdown_s", seconds(d.at, *d.pod->exited), d.at, *d.pod->exited, "live trace Terminating -> Deleted");
    } else if (d.pod) {
      std::optional<Stamp> exited;
      for (const auto& [cn, c] : d.pod->containers)
        if (!c.init && c.finished) keep_last(exited, *c.finished);
      if (exited)
        add(m, "shutdown_s", seconds(d.at, *exited), d.at, *exited, "deletion -> containerStatuses[].state.terminated.finishedAt");
      else
        skip(m, "shutdown_s", name + ": its containers' exit is not in the inputs (the pod list was taken before or after it)");
    } else {
      skip(m, "shutdown_s", name + ": the journal does not name the deleted pod");
    }
    if (best->probe_known) {
      if (best->probe_period_s) m.readiness_period_s = best->probe_period_s;
      else m.no_probe = true;
    }
    if (best->grace_period_s) m.grace_period_s = best->grace_period_s;
  }
  if (m.pairs.empty())
    throw ConfigError("no successor for " + std::string(unpaired.size() == 1 ? "the deleted pod " : "any deleted pod: ") +
                      unpaired.front() + (unpaired.size() > 1 ? " and " + std::to_string(unpaired.size() - 1) + " more" : "") +
                      " in " + inputs);
  for (const auto& u : unpaired) m.notes.push_back("deleted pod without a successor: " + u);
  skip(m, "endpoint_delay_s", "kube-proxy's rule updates are in no input (no EndpointSlice history)");
  return m;
}

}  // namespace chaoslab::calibrate
