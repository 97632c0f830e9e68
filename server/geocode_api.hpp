#pragma once
// Geocoding over HTTP: GET /geocode (free text or fields), GET /reverse (nearest address),
// POST /geocode (a JSON array or CSV body of records). Answers carry the fields of
// geo::GeocodeResult, never any input column but `id` (private columns stay private).

#include <string>
#include <vector>

#include "server/http_types.hpp"

namespace gebieden::server {

struct ServiceState;

class GeocodeApi {
 public:
  explicit GeocodeApi(const ServiceState& state) : m_state(state) {}
  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  Response geocode_get(const Request& req) const;
  Response geocode_post(const Request& req) const;
  Response reverse(const Request& req) const;
  const ServiceState& m_state;
};

}  // namespace gebieden::server
