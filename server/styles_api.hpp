#pragma once
// Map styles over HTTP in the shape of OGC API - Styles (draft 19-009r1 / the 2020 draft
// "OGC API - Styles", not yet a standard): GET /styles (the style of the whole map),
// /styles/{id} (f=mapbox: the MapLibre style; the default) and /styles/{id}/metadata;
// per collection GET /collections/{cid}/styles and /collections/{cid}/styles/default with
// f=mapbox, f=sld10 (SLD 1.0, for QGIS) or f=esri (the FeatureServer's drawingInfo). All
// generated from the one definition in styles/style.json (layers/style.hpp). And the label
// glyphs the MapLibre style names: /styles/fonts/{fontstack}/{range}.pbf (layers/glyphs.hpp).

#include <string>
#include <vector>

#include "server/http_types.hpp"
#include "server/service.hpp"

namespace gebieden::server {

class StylesApi {
 public:
  StylesApi(const ServiceState& state, RequestContext ctx)
      : m_state(state), m_ctx(std::move(ctx)) {}
  /// /styles..., and /collections/{cid}/styles...
  static bool handles(const std::vector<std::string>& seg);
  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  Response list(const Request& req) const;
  Response map_style(const Request& req, const std::string& id, bool metadata) const;
  /// /styles/fonts/{fontstack}/{range}.pbf: the MapLibre label glyphs (layers/glyphs.hpp).
  Response glyphs(const Request& req, const std::string& fontstack, const std::string& file) const;
  Response collection_styles(const Request& req, const std::string& cid) const;
  Response collection_style(const Request& req, const std::string& cid,
                            const std::string& sid) const;
  const ServiceState& m_state;
  RequestContext m_ctx;
};

/// The `styles` and `defaultStyle` members of a collection's JSON, and its link to them: empty
/// when the style sheet has nothing for it.
void add_collection_styles(nlohmann::ordered_json& collection, const ServiceState& state,
                           const layers::Collection& c, const std::string& base);

}  // namespace gebieden::server
