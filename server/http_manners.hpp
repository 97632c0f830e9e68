#pragma once
// HTTP manners applied to every response on its way out (ETag / If-None-Match, Cache-Control,
// CORS, compression), whichever front produced it.

#include "server/http_types.hpp"

namespace gebieden::server {

/// Called by Service::handle for every response, after routing and error rendering.
void finish_response(const Request& req, Response& resp);

}  // namespace gebieden::server
