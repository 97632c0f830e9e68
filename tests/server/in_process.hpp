#pragma once
// In-process tests of the routes: the service on the default configuration (its store in the
// test run's temporary folder), loaded once per test binary, and requests to it.

#include <string>
#include <utility>
#include <vector>

#include "server/service.hpp"
#include "test_paths.hpp"

namespace gebieden::test {

inline const server::Service& default_service() {
  static const server::Service s(server::load_state(load_default_config()));
  return s;
}

/// GET `path` with `query` (decoded pairs) from the default service, Host gebieden.test.
inline server::Response get(const std::string& path,
                            std::vector<std::pair<std::string, std::string>> query = {}) {
  server::Request r;
  r.method = "GET";
  r.path = path;
  r.query = std::move(query);
  r.headers["host"] = "gebieden.test";
  return default_service().handle(r);
}

/// The social-base collections of the default configuration.
inline const std::vector<std::string> kSocialCollections = {
    "organisaties",      "initiatieven",       "activiteiten",
    "vrijwilligerswerk", "ontmoetingsplekken", "ondersteuning"};

}  // namespace gebieden::test
