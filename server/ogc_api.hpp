#pragma once
// OGC API - Features (Part 1 core + GeoJSON, Part 2 CRS) handlers: parse and validate into
// typed queries, call the engine, render.

#include <string>
#include <vector>

#include "layers/query.hpp"
#include "server/http_types.hpp"

namespace gebieden::server {

struct ServiceState;

/// The validated parameters of /collections/{id}/items.
struct ItemsRequest {
  layers::FeatureQuery query;
  std::vector<std::pair<std::string, std::string>> echo;  // parameters to keep in paging links
};

class OgcApi {
 public:
  explicit OgcApi(const ServiceState& state) : m_state(state) {}

  /// Route an OGC API request; `seg` are the decoded path segments.
  Response route(const Request& req, const std::vector<std::string>& seg) const;

  Response health(const Request& req) const;
  Response landing(const Request& req) const;
  Response conformance(const Request& req) const;
  Response openapi(const Request& req) const;
  Response collections(const Request& req) const;
  Response collection(const Request& req, const std::string& id) const;
  Response items(const Request& req, const std::string& id) const;
  Response item(const Request& req, const std::string& id, const std::string& feature_id) const;

  /// Parse and validate the items parameters (throws input_error naming the parameter).
  ItemsRequest parse_items(const Request& req, const layers::Collection& c) const;

 private:
  std::string base_url(const Request& req) const;
  const ServiceState& m_state;
};

}  // namespace gebieden::server
