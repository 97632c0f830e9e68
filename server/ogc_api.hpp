#pragma once
// OGC API - Features (Part 1 core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS; Part 3 queryables,
// property parameters and CQL2 text filters): parse and validate into typed queries, call the
// engine, render JSON or HTML.

#include <string>
#include <vector>

#include "layers/query.hpp"
#include "server/html.hpp"
#include "server/http_types.hpp"
#include "server/ogc_cache.hpp"
#include "server/ogc_params.hpp"
#include "server/service.hpp"

namespace gebieden::server {

struct ServiceState;

class OgcApi {
 public:
  /// Uses `cache`, which must outlive this object.
  OgcApi(const ServiceState& state, OgcCache& cache, RequestContext ctx);

  /// Route an OGC API request; `seg` are the decoded path segments.
  Response route(const Request& req, const std::vector<std::string>& seg) const;

  Response health(const Request& req) const;
  Response landing(const Request& req) const;
  Response conformance(const Request& req) const;
  Response openapi(const Request& req) const;
  Response api_html(const Request& req) const;
  Response collections(const Request& req) const;
  Response collection(const Request& req, const std::string& id) const;
  Response queryables(const Request& req, const std::string& id) const;
  Response items(const Request& req, const std::string& id) const;
  Response item(const Request& req, const std::string& id, const std::string& feature_id) const;
  Response static_file(const Request& req, const std::vector<std::string>& seg) const;

  /// Parse and validate the items parameters (throws input_error naming the parameter).
  ItemsRequest parse_items(const Request& req, const layers::Collection& c) const;

  /// The conformance classes this front implements.
  static const std::vector<std::string>& conformance_classes();

  /// The public URL prefix (server.base_url, else from the Host header).
  std::string base_url(const Request& req) const;

 private:
  layers::CollectionPtr find_collection(const std::string& id) const;
  /// An HTML page in `lang` with the gemeente outline as the context of its map.
  html::Page html_page(const std::string& base, html::Lang lang) const;
  /// The landing page's section for people: the map app, the overviews, the welcome pack.
  std::string people_section(const std::string& base, html::Lang lang) const;
  /// The service's style of collection `c` for a page's map (html::style_json), null without.
  nlohmann::ordered_json layer_style(const layers::Collection& c) const;
  /// Every feature of `c` as a CRS84 FeatureCollection (for a page's map).
  std::string all_features_geojson(const layers::CollectionPtr& c) const;
  const ServiceState& m_state;
  RequestContext m_ctx;
  OgcCache& m_cache;
};

}  // namespace gebieden::server
