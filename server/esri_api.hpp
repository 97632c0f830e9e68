#pragma once
// Esri GeoServices REST: /arcgis/rest/info and /arcgis/rest/services/gebieden/FeatureServer/...

#include <string>
#include <vector>

#include "server/http_types.hpp"

namespace gebieden::server {

struct ServiceState;

class EsriApi {
 public:
  explicit EsriApi(const ServiceState& state) : m_state(state) {}

  /// Route a request under /arcgis; `seg` are the decoded path segments (seg[0] == "arcgis").
  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  const ServiceState& m_state;
};

}  // namespace gebieden::server
