#include "chaos/labels.hpp"

#include <doctest/doctest.h>

using chaoslab::chaos::LabelSelector;

TEST_CASE("equality, inequality, sets and existence") {
  const std::map<std::string, std::string> backend{{"app", "backend"}, {"tier", "web"}};
  const std::map<std::string, std::string> client{{"app", "client"}};
  CHECK(LabelSelector::parse("").matches(client));
  CHECK(LabelSelector::parse("app=backend").matches(backend));
  CHECK_FALSE(LabelSelector::parse("app=backend").matches(client));
  CHECK(LabelSelector::parse("app==backend, tier=web").matches(backend));
  CHECK_FALSE(LabelSelector::parse("app=backend,tier=db").matches(backend));
  CHECK(LabelSelector::parse("app!=backend").matches(client));
  CHECK(LabelSelector::parse("tier!=web").matches(client));  // a missing label satisfies !=
  CHECK(LabelSelector::parse("app in (client, backend)").matches(client));
  CHECK_FALSE(LabelSelector::parse("app notin (client,backend)").matches(client));
  CHECK(LabelSelector::parse("tier").matches(backend));
  CHECK_FALSE(LabelSelector::parse("tier").matches(client));
  CHECK(LabelSelector::parse("!tier").matches(client));
}

TEST_CASE("malformed selectors name the requirement") {
  CHECK_THROWS_WITH_AS(LabelSelector::parse("app in backend"),
                       "bad label selector requirement 'app in backend': expected a (v1,v2) set", std::invalid_argument);
  CHECK_THROWS_WITH_AS(LabelSelector::parse("app=back end"),
                       "bad label selector requirement 'app=back end': invalid value 'back end'", std::invalid_argument);
  CHECK_THROWS_WITH_AS(LabelSelector::parse("app=x,,b=c"), "bad label selector requirement '': empty requirement",
                       std::invalid_argument);
}
