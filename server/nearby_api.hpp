#pragma once
// For gebiedswerkers: GET /locate (which buurt, wijk and gebied a place is in, its Amaryllis
// team, the nearest meeting place) and GET /nearby (the social base within walking distance,
// each with its distance in metres). Named after OGC API - EDR's radius query: `coords`
// (POINT(lon lat) in CRS84, or in the CRS named by `crs`), `within` + `within-units`, `limit`,
// `datetime`, `f`; or `q`, an address through the geocoder.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "geo/config.hpp"
#include "server/http_types.hpp"
#include "server/service.hpp"

namespace gebieden::server {

struct ServiceState;

/// An Amaryllis team as JSON: every detail, `null` where it is not known, with a `note` naming
/// the unknown ones (never an empty string).
nlohmann::ordered_json team_json(const geo::TeamConfig& team);

class NearbyApi {
 public:
  NearbyApi(const ServiceState& state, RequestContext ctx)
      : m_state(state), m_ctx(std::move(ctx)) {}
  /// True for the paths this front answers.
  static bool handles(const std::vector<std::string>& seg);
  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  Response locate(const Request& req) const;
  Response nearby(const Request& req) const;
  const ServiceState& m_state;
  RequestContext m_ctx;
};

}  // namespace gebieden::server
