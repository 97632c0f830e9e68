#include "server/http_manners.hpp"

namespace gebieden::server {

void finish_response(const Request& /*req*/, Response& resp) {
  resp.headers.emplace_back("Access-Control-Allow-Origin", "*");
}

}  // namespace gebieden::server
