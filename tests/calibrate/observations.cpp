#include "calibrate/observations.hpp"

#include <doctest/doctest.h>

using namespace chaoslab::calibrate;

TEST_CASE("observations: first and last whatever the order, the finer clock for one moment") {
  std::optional<Stamp> first, last;
  for (std::int64_t t : {5, 2, 9}) {
    keep_first(first, Stamp{t * 1000000, 1});
    keep_last(last, Stamp{t * 1000000, 1});
  }
  CHECK(first->us == 2000000);
  CHECK(last->us == 9000000);
  // A whole-second condition (10 s) and a microsecond event (10.4 s): one moment, the event wins.
  std::optional<Stamp> s;
  keep_first(s, Stamp{10000000, 1000000});
  keep_first(s, Stamp{10400000, 1});
  CHECK(s->us == 10400000);
  CHECK(s->resolution_us == 1);
  keep_first(s, Stamp{12000000, 1000000});  // later and coarse: ignored
  CHECK(s->us == 10400000);
}

TEST_CASE("observations: one record per namespace and name") {
  Observations obs;
  obs.pod("a", "p", "f1").crashes = 2;
  CHECK(obs.pod("a", "p", "f2").crashes == 2);
  CHECK(obs.pod("a", "p", "f2").source == "f1");
  CHECK(obs.pods.size() == 1);
  obs.pod("b", "p", "f2");
  CHECK(obs.pods.size() == 2);
}

TEST_CASE("observations: a deletion's source is the evidence kept") {
  PodObs p;
  note_deletion(p, Stamp{30000000, 1000000}, "deletionTimestamp");
  note_deletion(p, Stamp{31000000, 1}, "late");  // later: not kept
  CHECK(p.deletion_source == "deletionTimestamp");
  note_deletion(p, Stamp{30268113, 1}, "Killing event");  // the same moment, finer
  CHECK(p.deletion_source == "Killing event");
  CHECK(p.deletion->us == 30268113);
}
