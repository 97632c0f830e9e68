#include "server/esri_api.hpp"

#include "geo/error.hpp"
#include "server/service.hpp"

namespace gebieden::server {

Response EsriApi::route(const Request& req, const std::vector<std::string>& /*seg*/) const {
  (void)m_state;
  throw input_error(ErrorCode::NotFound, "path", "no such path: " + req.path.substr(0, 200));
}

}  // namespace gebieden::server
