#include "server/styles_api.hpp"

#include <nlohmann/json.hpp>

#include "layers/glyphs.hpp"
#include "layers/style.hpp"
#include "server/ogc_params.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::ordered_json;
namespace st = layers::style;

constexpr const char* kMapbox = "application/vnd.mapbox.style+json";
constexpr const char* kSld = "application/vnd.ogc.sld+xml;version=1.0";
constexpr const char* kJson = "application/json";
constexpr const char* kDefault = "default";
constexpr const char* kProtobuf = "application/x-protobuf";

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

json link(const std::string& href, const std::string& rel, const std::string& type,
          const std::string& title) {
  return json{{"href", href}, {"rel", rel}, {"type", type}, {"title", title}};
}

bool is_point(const layers::Collection& c) {
  return c.geometry_type == geo::GeometryType::Point ||
         c.geometry_type == geo::GeometryType::MultiPoint;
}

const st::StyleSheet& sheet_of(const ServiceState& state) {
  if (!state.style_sheet)
    throw input_error(ErrorCode::NotFound, "path",
                      "no map styles: the styles folder has no style.json (assets.styles)");
  return *state.style_sheet;
}

enum class Encoding { Mapbox, Sld, Esri };

/// f=mapbox (the default), f=sld10, f=esri; the media types are accepted too.
Encoding encoding_of(const Request& req, bool collection) {
  const auto f = req.param("f");
  if (!f) return Encoding::Mapbox;
  const std::string v = util::ascii_lower(*f);
  if (v == "mapbox" || v == "json" || v == "application/vnd.mapbox.style+json")
    return Encoding::Mapbox;
  if (collection && (v == "sld10" || v == "sld" || v == "application/vnd.ogc.sld+xml"))
    return Encoding::Sld;
  if (collection && v == "esri") return Encoding::Esri;
  throw input_error(ErrorCode::InvalidParameter, "f",
                    "f: '" + f->substr(0, 40) + "' is not supported (" +
                        (collection ? "mapbox, sld10, esri" : "mapbox") + ")");
}

std::string items_url(const std::string& base, const std::string& id, int max_limit) {
  return base + "/collections/" + id + "/items?f=json&limit=" + std::to_string(max_limit);
}

}  // namespace

bool StylesApi::handles(const std::vector<std::string>& seg) {
  if (!seg.empty() && seg[0] == "styles") return true;
  return seg.size() >= 3 && seg[0] == "collections" && seg[2] == "styles";
}

Response StylesApi::route(const Request& req, const std::vector<std::string>& seg) const {
  if (req.method != "GET" && req.method != "HEAD")
    throw input_error(ErrorCode::MethodNotAllowed, "method",
                      req.method.substr(0, 20) + " is not allowed here (GET, HEAD)");
  if (seg[0] == "styles") {
    if (seg.size() == 4 && seg[1] == "fonts") return glyphs(req, seg[2], seg[3]);
    if (seg.size() == 1) return list(req);
    if (seg.size() == 2) return map_style(req, seg[1], false);
    if (seg.size() == 3 && seg[2] == "metadata") return map_style(req, seg[1], true);
  } else {
    if (seg.size() == 3) return collection_styles(req, seg[1]);
    if (seg.size() == 4) return collection_style(req, seg[1], seg[3]);
  }
  throw input_error(ErrorCode::NotFound, "path", "no such style resource");
}

Response StylesApi::list(const Request& req) const {
  check_params(req, {"f"});
  if (auto f = req.param("f"); f && util::ascii_lower(*f) != "json")
    throw input_error(ErrorCode::InvalidParameter, "f",
                      "f: '" + f->substr(0, 40) + "' is not supported (json)");
  const st::StyleSheet& sheet = sheet_of(m_state);
  const std::string base = base_url(m_state, req);
  json styles = json::array();
  const std::string path = base + "/styles/" + sheet.id;
  styles.push_back(
      {{"id", sheet.id},
       {"title", sheet.title},
       {"links",
        json::array({link(path + "?f=mapbox", "stylesheet", kMapbox, "MapLibre / Mapbox GL style"),
                     link(path + "/metadata", "describedby", kJson, "Style metadata")})}});
  json j;
  j["default"] = sheet.id;
  j["styles"] = styles;
  j["links"] = json::array({link(base + "/styles", "self", kJson, "The map styles")});
  Response r;
  r.content_type = kJson;
  r.body = dump(j);
  return r;
}

Response StylesApi::map_style(const Request& req, const std::string& id, bool metadata) const {
  check_params(req, {"f"});
  const st::StyleSheet& sheet = sheet_of(m_state);
  if (id != sheet.id)
    throw input_error(ErrorCode::NotFound, "path",
                      "no style '" + id.substr(0, 60) + "' (there is '" + sheet.id + "')");
  const std::string base = base_url(m_state, req);
  const int max_limit = m_state.config.server.max_limit;
  std::vector<st::MapSource> sources;
  for (const auto& c : m_ctx.catalogue.all())
    if (sheet.for_collection(c->id, is_point(*c)))
      sources.push_back({c->id, c->title, is_point(*c), items_url(base, c->id, max_limit)});
  Response r;
  if (metadata) {
    encoding_of(req, false);
    json layers = json::array();
    for (const auto& s : sources)
      layers.push_back(
          {{"id", s.id},
           {"title", s.title},
           {"type", s.point ? "point" : "polygon"},
           {"sampleData", link(s.data_url, "start", "application/geo+json", s.title)}});
    json j = {{"id", sheet.id},
              {"title", sheet.title},
              {"description", sheet.description},
              {"scope", "style"},
              {"stylesheets",
               json::array({{{"title", "MapLibre / Mapbox GL style"},
                             {"version", "8"},
                             {"specification", "https://maplibre.org/maplibre-style-spec/"},
                             {"native", true},
                             {"link", link(base + "/styles/" + sheet.id + "?f=mapbox", "stylesheet",
                                           kMapbox, "MapLibre style")}}})},
              {"layers", layers},
              {"links", json::array({link(base + "/styles/" + sheet.id + "/metadata", "self", kJson,
                                          "This document")})}};
    r.content_type = kJson;
    r.body = dump(j);
    return r;
  }
  encoding_of(req, false);
  r.content_type = kMapbox;
  r.body = dump(st::maplibre_style(sheet, sources, base + "/styles/fonts/{fontstack}/{range}.pbf"));
  return r;
}

Response StylesApi::glyphs(const Request& req, const std::string& fontstack,
                           const std::string& file) const {
  check_params(req, {});
  constexpr std::string_view kExt = ".pbf";
  if (file.size() <= kExt.size() || file.compare(file.size() - kExt.size(), kExt.size(), kExt) != 0)
    throw input_error(ErrorCode::NotFound, "path",
                      "no such glyph resource: /styles/fonts/{fontstack}/{range}.pbf");
  const int start = layers::glyphs::parse_range(file.substr(0, file.size() - kExt.size()));
  if (!m_state.glyphs)
    throw input_error(ErrorCode::NotFound, "fontstack", "no fonts are configured (assets.fonts)");
  const auto answer = m_state.glyphs->range(fontstack, start);
  Response r;
  r.content_type = kProtobuf;
  r.shared_body = answer.pbf;
  // A range changes only with the font files: a day in every cache (and an ETag for after).
  r.headers.emplace_back("Cache-Control", "public, max-age=86400");
  return r;
}

Response StylesApi::collection_styles(const Request& req, const std::string& cid) const {
  check_params(req, {"f"});
  auto c = m_ctx.catalogue.get(cid);
  if (!c)
    throw input_error(ErrorCode::NotFound, "collectionId",
                      "no collection '" + cid.substr(0, 60) + "'");
  json j = json::object();
  add_collection_styles(j, m_state, *c, base_url(m_state, req));
  if (!j.contains("styles"))
    throw input_error(ErrorCode::NotFound, "path", "collection '" + cid + "' has no style");
  j["links"] = json::array({link(base_url(m_state, req) + "/collections/" + cid + "/styles", "self",
                                 kJson, "The styles of " + c->title)});
  Response r;
  r.content_type = kJson;
  r.body = dump(j);
  return r;
}

Response StylesApi::collection_style(const Request& req, const std::string& cid,
                                     const std::string& sid) const {
  check_params(req, {"f"});
  auto c = m_ctx.catalogue.get(cid);
  if (!c)
    throw input_error(ErrorCode::NotFound, "collectionId",
                      "no collection '" + cid.substr(0, 60) + "'");
  const st::StyleSheet& sheet = sheet_of(m_state);
  const st::LayerStyle* layer = sheet.for_collection(c->id, is_point(*c));
  if (!layer || sid != kDefault)
    throw input_error(ErrorCode::NotFound, "styleId",
                      "no style '" + sid.substr(0, 60) + "' for collection '" + cid + "'" +
                          (layer ? " (there is 'default')" : ""));
  const std::string base = base_url(m_state, req);
  Response r;
  switch (encoding_of(req, true)) {
    case Encoding::Sld:
      r.content_type = kSld;
      r.body = st::sld(*layer, c->id);
      break;
    case Encoding::Esri:
      r.content_type = kJson;
      r.body = dump(st::esri_drawing_info(*layer));
      break;
    case Encoding::Mapbox: {
      std::vector<st::MapSource> sources{
          {c->id, c->title, is_point(*c), items_url(base, c->id, m_state.config.server.max_limit)}};
      r.content_type = kMapbox;
      r.body =
          dump(st::maplibre_style(sheet, sources, base + "/styles/fonts/{fontstack}/{range}.pbf"));
      break;
    }
  }
  return r;
}

void add_collection_styles(json& j, const ServiceState& state, const layers::Collection& c,
                           const std::string& base) {
  if (!state.style_sheet) return;
  const st::LayerStyle* layer = state.style_sheet->for_collection(c.id, is_point(c));
  if (!layer) return;
  const std::string path = base + "/collections/" + c.id + "/styles/" + kDefault;
  j["styles"] = json::array(
      {{{"id", kDefault},
        {"title", layer->title},
        {"links", json::array({link(path + "?f=mapbox", "stylesheet", kMapbox, "MapLibre style"),
                               link(path + "?f=sld10", "stylesheet", kSld, "SLD 1.0 (QGIS)"),
                               link(path + "?f=esri", "stylesheet", kJson,
                                    "Esri drawingInfo (the FeatureServer's renderer)")})}}});
  j["defaultStyle"] = kDefault;
  if (j.contains("links") && j["links"].is_array())
    j["links"].push_back(link(base + "/collections/" + c.id + "/styles", "styles", kJson,
                              "The styles of " + c.title));
}

}  // namespace gebieden::server
