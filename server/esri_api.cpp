#include "server/esri_api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "geo/crs.hpp"
#include "layers/esri_json.hpp"
#include "layers/filter.hpp"
#include "layers/json_format.hpp"
#include "server/esri_edit.hpp"
#include "server/esri_html.hpp"
#include "server/service.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace gebieden::server {

const EsriError& esri_error(ErrorCode code) noexcept {
  // ArcGIS's codes for the registry's, in ErrorCode order. 499 is ArcGIS's "Token required"
  // (an edit without a key); its 498 "Invalid token" has no ErrorCode: the edit routes answer it.
  static constexpr EsriError table[] = {
      {400, "Unable to complete operation."},  // InvalidParameter
      {400, "Unable to complete operation."},  // UnknownParameter
      {400, "Unable to complete operation."},  // MissingParameter
      {400, "Unable to complete operation."},  // InvalidBody
      {404, "Not found"},                      // NotFound
      {405, "Method not allowed"},             // MethodNotAllowed
      {400, "Unable to complete operation."},  // NotAcceptable
      {400, "Unable to complete operation."},  // PayloadTooLarge
      {499, "Token Required"},                 // Unauthorized
      {400, "Unable to complete operation."},  // Conflict
      {403, "You do not have permissions to access this resource or perform this operation."},
      {400, "Unable to complete operation."},    // PreconditionFailed
      {400, "Unable to complete operation."},    // UnsupportedMediaType
      {429, "Too many requests"},                // TooManyRequests
      {503, "Service unavailable"},              // Unavailable
      {408, "Request timeout"},                  // RequestTimeout
      {431, "Request header fields too large"},  // RequestHeaderFieldsTooLarge
      {414, "URI too long"},                     // URITooLong
      {501, "Not implemented"},                  // NotImplemented
      {507, "Insufficient storage"},             // InsufficientStorage
      {500, "Unable to complete operation."},    // Internal
  };
  static_assert(sizeof(table) / sizeof(table[0]) == static_cast<int>(ErrorCode::Internal) + 1);
  return table[static_cast<int>(code)];
}

namespace {
namespace esri = layers::esri;
using json = nlohmann::ordered_json;

constexpr const char* kServiceName = "gebieden";
constexpr double kCurrentVersion = 11.2;
constexpr const char* kFullVersion = "11.2.0";
constexpr const char* kAllow = "GET, HEAD, POST, OPTIONS";
constexpr std::size_t kMaxJsonDepth = 32;
constexpr std::size_t kMaxVertices = 100'000;
constexpr std::size_t kMaxStatistics = 32;

/// A short, printable excerpt of client input for messages.
std::string excerpt(std::string_view s, std::size_t max = 60) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (s.size() > max) out += "...";
  return out;
}

[[noreturn]] void invalid(const std::string& parameter, const std::string& message) {
  throw input_error(ErrorCode::InvalidParameter, parameter, parameter + ": " + message);
}

/// util::parse_int / parse_double of the trimmed text, into `out` (unchanged on failure).
bool parse_int(std::string_view s, long long& out) {
  const auto v = util::parse_int(util::trim(s));
  if (v) out = *v;
  return v.has_value();
}

bool parse_double(std::string_view s, double& out) {
  const auto v = util::parse_double(util::trim(s));
  if (v) out = *v;
  return v.has_value();
}

bool parse_bool(const EsriParams& p, const char* name, bool fallback) {
  const std::string* v = p.get(util::ascii_lower(name));
  if (!v) return fallback;
  const std::string t = util::ascii_lower(util::trim(*v));
  if (t == "true" || t == "1") return true;
  if (t == "false" || t == "0") return false;
  invalid(name, "'" + excerpt(*v) + "' is not true or false");
}

std::size_t parse_count(const EsriParams& p, const char* name) {
  const std::string* v = p.get(util::ascii_lower(name));
  if (!v) return 0;
  long long n = 0;
  if (!parse_int(*v, n)) invalid(name, "'" + excerpt(*v) + "' is not an integer");
  if (n < 0) invalid(name, "must not be negative");
  return static_cast<std::size_t>(n);
}

/// Bracket nesting of a JSON text (strings skipped), so that hostile input never reaches a
/// recursive parser or destructor.
bool json_depth_ok(std::string_view s, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
  return true;
}

json parse_json_param(const std::string& name, const std::string& text) {
  if (!json_depth_ok(text, kMaxJsonDepth)) invalid(name, "JSON nested too deeply");
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) invalid(name, "not valid JSON");
  return j;
}

/// `4326`, `{"wkid":102100}`, `{"latestWkid":3857}`.
esri::SpatialRef parse_spatial_ref(const std::string& name, const std::string& text) {
  long long wkid = 0;
  if (!parse_int(text, wkid)) {
    const std::string_view t = util::trim(text);
    if (t.empty() || t.front() != '{') invalid(name, "'" + excerpt(text) + "' is not a wkid");
    json j = parse_json_param(name, text);
    const json* w = nullptr;
    if (j.is_object()) {
      if (auto it = j.find("wkid"); it != j.end() && it->is_number_integer())
        w = &*it;
      else if (auto it2 = j.find("latestWkid"); it2 != j.end() && it2->is_number_integer())
        w = &*it2;
    }
    if (!w) invalid(name, "a spatial reference needs an integer wkid (WKT is not supported)");
    wkid = w->get<long long>();
  }
  auto sr = esri::spatial_ref_from_wkid(wkid);
  if (!sr)
    invalid(name, "unsupported spatial reference " + std::to_string(wkid) +
                      " (supported: 4326, 102100, 3857, 28992)");
  return *sr;
}

// ---------------------------------------------------------------------------------------------
// Query geometry

enum class InputShape { Envelope, Point, Multipoint, Polyline, Polygon };

std::optional<InputShape> shape_from_name(std::string_view name) {
  static constexpr std::pair<std::string_view, InputShape> names[] = {
      {"esriGeometryEnvelope", InputShape::Envelope},
      {"esriGeometryPoint", InputShape::Point},
      {"esriGeometryMultipoint", InputShape::Multipoint},
      {"esriGeometryPolyline", InputShape::Polyline},
      {"esriGeometryPolygon", InputShape::Polygon}};
  for (const auto& [n, s] : names)
    if (util::ascii_iequals(n, name)) return s;
  return std::nullopt;
}

struct InputGeometry {
  InputShape shape = InputShape::Envelope;
  geo::Geometry geometry;  // in the input spatial reference
  std::optional<esri::SpatialRef> sr;
};

double json_number(const json& j, const char* what) {
  if (!j.is_number()) invalid("geometry", std::string(what) + " must be a number");
  const double v = j.get<double>();
  if (!std::isfinite(v)) invalid("geometry", std::string(what) + " must be finite");
  return v;
}

geo::Path json_path(const json& j, std::size_t& vertices) {
  if (!j.is_array()) invalid("geometry", "a path must be an array of [x,y] pairs");
  geo::Path path;
  path.reserve(j.size());
  for (const auto& p : j) {
    if (!p.is_array() || p.size() < 2) invalid("geometry", "a vertex must be [x,y]");
    path.push_back(geo::XY{json_number(p[0], "x"), json_number(p[1], "y")});
    if (++vertices > kMaxVertices) invalid("geometry", "too many vertices");
  }
  return path;
}

/// Esri rings (one flat list, outer rings clockwise) to polygons. Rings given all in one
/// orientation are separate polygons; otherwise counter-clockwise rings are holes of the
/// clockwise ring that contains them.
geo::Geometry polygon_from_rings(std::vector<geo::Path> rings) {
  std::vector<geo::Path> valid;
  for (auto& r : rings) {
    if (r.size() < 3) invalid("geometry", "a ring needs at least 3 vertices");
    if (!(r.front() == r.back())) r.push_back(r.front());
    if (r.size() < 4) invalid("geometry", "a ring needs at least 3 distinct vertices");
    if (geo::signed_area(r) == 0.0) invalid("geometry", "a ring has no area");
    valid.push_back(std::move(r));
  }
  if (valid.empty()) invalid("geometry", "a polygon needs at least one ring");
  bool any_cw = false, any_ccw = false;
  for (const auto& r : valid) (geo::signed_area(r) < 0 ? any_cw : any_ccw) = true;
  geo::Geometry g;
  if (!(any_cw && any_ccw)) {
    for (auto& r : valid) g.parts.push_back({std::move(r)});
  } else {
    std::vector<geo::Path> holes;
    for (auto& r : valid) {
      if (geo::signed_area(r) < 0)
        g.parts.push_back({std::move(r)});
      else
        holes.push_back(std::move(r));
    }
    for (auto& h : holes) {
      bool placed = false;
      for (auto& polygon : g.parts) {
        const geo::Geometry shell{geo::GeometryType::Polygon, {{polygon[0]}}};
        if (geo::contains_point(shell, h[0])) {
          polygon.push_back(std::move(h));
          placed = true;
          break;
        }
      }
      if (!placed) g.parts.push_back({std::move(h)});
    }
  }
  g.type = g.parts.size() == 1 ? geo::GeometryType::Polygon : geo::GeometryType::MultiPolygon;
  return g;
}

InputGeometry parse_geometry(const std::string& text, std::optional<InputShape> declared) {
  InputGeometry in;
  const std::string_view t = util::trim(text);
  if (!t.empty() && t.front() == '{') {
    json j = parse_json_param("geometry", text);
    if (!j.is_object()) invalid("geometry", "must be a JSON object");
    if (auto it = j.find("spatialReference"); it != j.end() && !it->is_null())
      in.sr = parse_spatial_ref("geometry", it->dump());
    std::size_t vertices = 0;
    if (j.contains("xmin")) {
      in.shape = InputShape::Envelope;
      geo::Box b;
      b.expand(
          geo::XY{json_number(j["xmin"], "xmin"), json_number(j.value("ymin", json()), "ymin")});
      b.expand(geo::XY{json_number(j.value("xmax", json()), "xmax"),
                       json_number(j.value("ymax", json()), "ymax")});
      in.geometry = geo::Geometry::box(b);
    } else if (j.contains("x")) {
      in.shape = InputShape::Point;
      in.geometry =
          geo::Geometry::point(json_number(j["x"], "x"), json_number(j.value("y", json()), "y"));
    } else if (j.contains("points")) {
      in.shape = InputShape::Multipoint;
      geo::Path pts = json_path(j["points"], vertices);
      if (pts.empty()) invalid("geometry", "a multipoint needs points");
      in.geometry = geo::Geometry{geo::GeometryType::MultiPoint, {{pts}}};
    } else if (j.contains("paths")) {
      in.shape = InputShape::Polyline;
      if (!j["paths"].is_array() || j["paths"].empty())
        invalid("geometry", "a polyline needs paths");
      std::vector<geo::Path> paths;
      for (const auto& p : j["paths"]) {
        paths.push_back(json_path(p, vertices));
        if (paths.back().size() < 2) invalid("geometry", "a path needs at least 2 vertices");
      }
      in.geometry = geo::Geometry{
          paths.size() == 1 ? geo::GeometryType::LineString : geo::GeometryType::MultiLineString,
          {paths}};
    } else if (j.contains("rings")) {
      in.shape = InputShape::Polygon;
      if (!j["rings"].is_array()) invalid("geometry", "rings must be an array");
      std::vector<geo::Path> rings;
      for (const auto& r : j["rings"]) rings.push_back(json_path(r, vertices));
      in.geometry = polygon_from_rings(std::move(rings));
    } else {
      invalid("geometry", "not an Esri envelope, point, multipoint, polyline or polygon");
    }
    if (declared && *declared != in.shape) invalid("geometryType", "does not match the geometry");
    return in;
  }
  // Plain numbers: `x,y` or `xmin,ymin,xmax,ymax`.
  std::vector<double> nums;
  for (auto part : util::split_trimmed(t, ',')) {
    double d = 0;
    if (!parse_double(part, d)) invalid("geometry", "'" + excerpt(part) + "' is not a number");
    nums.push_back(d);
    if (nums.size() > 4) break;
  }
  const InputShape shape =
      declared.value_or(nums.size() == 2 ? InputShape::Point : InputShape::Envelope);
  if (shape == InputShape::Point && nums.size() == 2) {
    in.shape = shape;
    in.geometry = geo::Geometry::point(nums[0], nums[1]);
    return in;
  }
  if (shape == InputShape::Envelope && nums.size() == 4) {
    in.shape = shape;
    geo::Box b;
    b.expand(geo::XY{nums[0], nums[1]});
    b.expand(geo::XY{nums[2], nums[3]});
    in.geometry = geo::Geometry::box(b);
    return in;
  }
  invalid("geometry", "expected x,y or xmin,ymin,xmax,ymax (or Esri JSON)");
}

/// Densify the edges of polygon rings (for an RD envelope that becomes curved in lon/lat).
void densify(geo::Geometry& g, int steps) {
  for (auto& part : g.parts) {
    for (auto& path : part) {
      geo::Path out;
      for (std::size_t i = 0; i + 1 < path.size(); ++i)
        for (int s = 0; s < steps; ++s) {
          const double t = static_cast<double>(s) / steps;
          out.push_back(geo::XY{path[i].x + t * (path[i + 1].x - path[i].x),
                                path[i].y + t * (path[i + 1].y - path[i].y)});
        }
      out.push_back(path.back());
      path = std::move(out);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

json spatial_reference_json(esri::SpatialRef sr) {
  return json{{"wkid", esri::wkid(sr)}, {"latestWkid", esri::latest_wkid(sr)}};
}

json extent_json(const geo::Box& b, esri::SpatialRef sr) {
  if (!b.valid)
    return json{{"xmin", nullptr},
                {"ymin", nullptr},
                {"xmax", nullptr},
                {"ymax", nullptr},
                {"spatialReference", spatial_reference_json(sr)}};
  return json{{"xmin", b.minx},
              {"ymin", b.miny},
              {"xmax", b.maxx},
              {"ymax", b.maxy},
              {"spatialReference", spatial_reference_json(sr)}};
}

json default_renderer(geo::GeometryType type) {
  using T = geo::GeometryType;
  json symbol;
  if (type == T::Point || type == T::MultiPoint) {
    symbol = {{"type", "esriSMS"},
              {"style", "esriSMSCircle"},
              {"color", {0, 112, 192, 220}},
              {"size", 8},
              {"angle", 0},
              {"xoffset", 0},
              {"yoffset", 0},
              {"outline",
               {{"type", "esriSLS"},
                {"style", "esriSLSSolid"},
                {"color", {255, 255, 255, 255}},
                {"width", 1}}}};
  } else if (type == T::LineString || type == T::MultiLineString) {
    symbol = {{"type", "esriSLS"},
              {"style", "esriSLSSolid"},
              {"color", {0, 112, 192, 255}},
              {"width", 2}};
  } else {
    symbol = {{"type", "esriSFS"},
              {"style", "esriSFSSolid"},
              {"color", {0, 112, 192, 64}},
              {"outline",
               {{"type", "esriSLS"},
                {"style", "esriSLSSolid"},
                {"color", {0, 70, 140, 255}},
                {"width", 1}}}};
  }
  return json{{"type", "simple"}, {"symbol", symbol}, {"label", ""}, {"description", ""}};
}

using Styles = std::map<std::string, std::string, std::less<>>;

/// The drawingInfo of a collection: its style ({assets.styles}/{id}.json, read at start-up),
/// for point layers falling back to the "*" entry of style.json (or organisaties.json), else a
/// generated simple renderer.
std::string drawing_info(const layers::Collection& c, const Styles& styles) {
  if (auto it = styles.find(c.id); it != styles.end()) return it->second;
  if (c.geometry_type == geo::GeometryType::Point ||
      c.geometry_type == geo::GeometryType::MultiPoint)
    for (std::string_view fallback : {"*", "organisaties"})
      if (auto it = styles.find(fallback); it != styles.end()) return it->second;
  return json{{"renderer", default_renderer(c.geometry_type)},
              {"transparency", 0},
              {"labelingInfo", nullptr}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// `,"key":` (the layer JSON is written straight into a string: clients ask for it often).
void key(std::string& out, std::string_view k) {
  out.push_back(',');
  out.push_back('"');
  out += k;
  out += "\":";
}

void append_string_member(std::string& out, std::string_view k, std::string_view value) {
  key(out, k);
  layers::append_json_string(out, value);
}

void append_extent(std::string& out, const geo::Box& b, esri::SpatialRef sr) {
  esri::append_extent_box(out, b, sr, 12);
}

constexpr const char* kEditCapabilities = "Query,Create,Update,Delete,Editing";

using esri_edit::LayerEditing;

/// The layer JSON (`…/FeatureServer/{id}`, and each entry of `…/layers`).
void append_layer_json(std::string& out, const layers::Collection& c, std::size_t id,
                       int max_records, const Styles& styles, const LayerEditing& editing) {
  const bool store_layer = editing.schema && editing.store;
  const std::string_view gtype = esri::esri_geometry_type(c.geometry_type);
  const bool table = gtype.empty();
  std::string display = c.display_field;
  if (display.empty() || !esri::resolve_field(c, display)) display = "OBJECTID";
  const std::string max = std::to_string(max_records);

  out += R"({"currentVersion":11.2,"id":)";
  out += std::to_string(id);
  append_string_member(out, "name", c.title.empty() ? c.id : c.title);
  append_string_member(out, "type", table ? "Table" : "Feature Layer");
  append_string_member(out, "description", c.description);
  append_string_member(out, "copyrightText", c.attribution);
  out += R"(,"defaultVisibility":true,"editingInfo":{"lastEditDate":)";
  const auto last_edit = store_layer ? esri_edit::last_edit_millis(c) : std::nullopt;
  out += last_edit ? std::to_string(*last_edit) : "null";
  out += R"(},"isDataVersioned":false,"hasStaticData":false,"supportsRollbackOnFailureParameter":)";
  out += editing.editable ? "true" : "false";
  key(out, "capabilities");
  out += editing.editable ? std::string("\"") + kEditCapabilities + "\"" : R"("Query")";
  if (!table) append_string_member(out, "geometryType", gtype);
  out += R"(,"minScale":0,"maxScale":0)";
  if (!table) {
    key(out, "extent");
    append_extent(out, c.extent(), esri::SpatialRef::Wgs84);
    key(out, "drawingInfo");
    out += drawing_info(c, styles);
  }
  out += R"(,"hasZ":false,"hasM":false,"allowGeometryUpdates":)";
  out += editing.editable ? "true" : "false";
  out += R"(,"supportsApplyEditsWithGlobalIds":false,"hasAttachments":false,)"
         R"("htmlPopupType":"esriServerHTMLPopupTypeNone","objectIdField":"OBJECTID",)"
         R"("uniqueIdField":{"name":"OBJECTID","isSystemMaintained":true},"globalIdField":"")";
  append_string_member(out, "displayField", display);
  out += R"(,"typeIdField":"","fields":[)";
  esri::append_column(out, esri::field_column(c, esri::kObjectId), true);
  for (std::size_t i = 0; i < c.fields.size(); ++i) {
    if (c.fields[i].is_private || util::ascii_iequals(c.fields[i].name, esri::kObjectIdName))
      continue;
    out.push_back(',');
    esri::ColumnEditing ce;
    if (store_layer) {
      const auto fe = esri_edit::field_editing(*editing.schema, *editing.store, c.fields[i].name);
      ce.nullable = fe.nullable;
      ce.editable = fe.editable && editing.editable;
    }
    esri::append_column(out, esri::field_column(c, static_cast<int>(i)), true, ce);
  }
  out += "]";
  if (store_layer) {
    // The fields the store keeps: only those the viewer sees (the creator and editor are
    // private).
    json info = json::object();
    for (const auto& [k, name] : {std::pair{"creationDateField", "aangemaakt_op"},
                                  {"creatorField", "aangemaakt_door"},
                                  {"editDateField", "gewijzigd_op"},
                                  {"editorField", "gewijzigd_door"}}) {
      const int f = c.field_index(name);
      if (f >= 0 && !c.fields[static_cast<std::size_t>(f)].is_private) info[k] = name;
    }
    key(out, "editFieldsInfo");
    out += dump(info);
  }
  key(out, "geometryField");
  out += table ? "null" : R"({"name":"Shape","type":"esriFieldTypeGeometry"})";
  out += R"(,"indexes":[],"dateFieldsTimeReference":{"timeZone":"UTC",)"
         R"("respectsDaylightSaving":false},"types":[],"templates":[],"relationships":[])";
  for (const char* k : {"maxRecordCount", "standardMaxRecordCount", "tileMaxRecordCount",
                        "standardMaxRecordCountNoGeometry"}) {
    key(out, k);
    out += max;
  }
  // The constant rest: what the layer can do.
  static const std::string capabilities = [] {
    json j;
    j["maxRecordCountFactor"] = 1;
    j["supportedQueryFormats"] = "JSON,geojson";
    j["useStandardizedQueries"] = true;
    j["supportsAdvancedQueries"] = true;
    j["supportsStatistics"] = true;
    j["supportsExceedsLimitStatistics"] = false;
    j["supportsCoordinatesQuantization"] = false;
    j["supportsDatumTransformation"] = false;
    j["supportsValidateSql"] = false;
    j["supportsCalculate"] = false;
    j["supportsTruncate"] = false;
    j["advancedQueryCapabilities"] = {{"supportsPagination", true},
                                      {"supportsPaginationOnAggregatedQueries", true},
                                      {"supportsQueryRelatedPagination", false},
                                      {"supportsQueryWithDistance", false},
                                      {"supportsReturningQueryExtent", true},
                                      {"supportsStatistics", true},
                                      {"supportsOrderBy", true},
                                      {"supportsDistinct", true},
                                      {"supportsQueryWithResultType", false},
                                      {"supportsSqlExpression", false},
                                      {"supportsAdvancedQueryRelated", false},
                                      {"supportsCountDistinct", false},
                                      {"supportsPercentileStatistics", false},
                                      {"supportsLod", false},
                                      {"supportsQueryWithLodSR", false},
                                      {"supportsReturningGeometryCentroid", false},
                                      {"supportsQueryWithDatumTransformation", false},
                                      {"supportsHavingClause", false},
                                      {"supportsOutFieldSQLExpression", false},
                                      {"supportsMaxRecordCountFactor", false},
                                      {"supportsTopFeaturesQuery", false},
                                      {"supportsDisjointSpatialRel", false},
                                      {"supportsQueryWithCacheHint", false}};
    j["supportedSpatialRelationships"] = esri::supported_spatial_rels();
    j["ownershipBasedAccessControlForFeatures"] = {{"allowOthersToQuery", true}};
    j["archivingInfo"] = {{"supportsQueryWithHistoricMoment", false}, {"startArchivingMoment", -1}};
    std::string text = dump(j);
    text.front() = ',';  // members to append: drop the braces
    text.pop_back();
    return text;
  }();
  out += capabilities;
  out.push_back('}');
}

/// The ArcGIS error body (HTTP 200): {"error":{"code":…,"message":…,"details":[…]}}.
std::string error_body(int code, const std::string& message, const std::string& detail) {
  json j;
  j["error"] = {{"code", code},
                {"message", message},
                {"details", detail.empty() ? json::array() : json::array({detail})}};
  return dump(j);
}

/// The ArcGIS envelope of an error from the registry: its code from esri_error(), the message
/// ArcGIS gives (naming the parameter or what was not found), our text as the detail.
std::string error_body(const input_error& e) {
  const EsriError& spec = esri_error(e.code());
  std::string message(spec.message);
  if (e.code() == ErrorCode::NotFound)
    message = e.parameter() == "layer"      ? "Layer not found"
              : e.parameter() == "service"  ? "Service not found"
              : e.parameter() == "objectId" ? "Feature not found"
                                            : "Not found";
  else if (spec.code == 400 && !e.parameter().empty() && e.parameter() != "body")
    message = "'" + e.parameter() + "' parameter is invalid";
  return error_body(spec.code, message, e.what());
}

/// Keep only [A-Za-z0-9_.$[\]] of a JSONP callback (at most 128 characters).
std::string sanitise_callback(std::string_view cb) {
  std::string out;
  for (char c : cb) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '_' || c == '.' || c == '$' || c == '[' || c == ']')
      out.push_back(c);
    if (out.size() >= 128) break;
  }
  return out;
}

/// The output format: callback (JSONP) and f=json|pjson|geojson|html.
void parse_format(const EsriParams& params, std::string& callback, bool& pretty, bool& geojson,
                  bool& html) {
  if (const std::string* cb = params.get("callback")) callback = sanitise_callback(*cb);
  if (const std::string* f = params.get("f")) {
    const std::string fmt = util::ascii_lower(util::trim(*f));
    if (fmt == "pjson")
      pretty = true;
    else if (fmt == "geojson")
      geojson = true;
    else if (fmt == "html")
      html = true;
    else if (fmt != "json")
      invalid("f",
              "unsupported format '" + excerpt(*f) + "' (supported: json, pjson, geojson, html)");
  }
}

Response finish(std::string body, bool geojson, bool pretty, const std::string& callback) {
  Response r;
  r.content_type = geojson ? "application/geo+json" : "application/json";
  if (pretty) {
    json j = json::parse(body, nullptr, false);
    if (!j.is_discarded()) body = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (!callback.empty()) {
    r.content_type = "application/javascript";
    r.body.reserve(body.size() + callback.size() + 4);
    r.body = "/**/" + callback + "(";
    r.body += body;
    r.body += ");";
  } else {
    r.body = std::move(body);
  }
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Parameters

EsriParams EsriParams::from_request(const Request& req) {
  EsriParams p;
  // A name given twice in the query string (or twice in the body) is an error: ArcGIS clients
  // never repeat one, and silently picking one of the values would hide the mistake.
  auto once = [](std::set<std::string>& seen, const std::string& name) {
    if (!name.empty() && !seen.insert(util::ascii_lower(name)).second)
      invalid(name, "given more than once");
  };
  std::set<std::string> in_query, in_body;
  for (const auto& [k, v] : req.query) {
    once(in_query, k);
    p.set(k, v);
  }
  if (req.body.empty()) return p;
  const std::string type = util::ascii_lower(req.header("content-type"));
  if (!type.empty() && type.rfind("application/x-www-form-urlencoded", 0) != 0)
    throw input_error(ErrorCode::InvalidBody, "body",
                      "body: only application/x-www-form-urlencoded is accepted");
  for (auto pair : util::split_trimmed(req.body, '&')) {
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto k = percent_decode(pair.substr(0, eq), true);
    auto v = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                            true);
    if (!k || !v) throw input_error(ErrorCode::InvalidBody, "body", "body: malformed encoding");
    once(in_body, *k);
    p.set(std::move(*k), std::move(*v));
  }
  return p;
}

void EsriParams::set(std::string name, std::string value) {
  m_values[util::ascii_lower(name)] = std::move(value);
}

const std::string* EsriParams::get(std::string_view lower_name) const {
  auto it = m_values.find(lower_name);
  if (it == m_values.end() || util::trim(it->second).empty()) return nullptr;
  return &it->second;
}

namespace {
// The parameter groups of `…/query`: each fills its part of esri::Query and validates it
// (input_error naming the parameter); none evaluates anything.

/// A comma-separated field list; `*` (when `star`) is the OID and every public field.
std::vector<int> field_list(const layers::Collection& c, const char* name, const std::string& text,
                            bool star) {
  std::vector<int> fields;
  for (auto token : util::split_trimmed(text, ',')) {
    if (token.empty()) continue;
    if (star && token == "*") {
      fields.push_back(esri::kObjectId);
      for (std::size_t i = 0; i < c.fields.size(); ++i)
        if (!c.fields[i].is_private && !util::ascii_iequals(c.fields[i].name, esri::kObjectIdName))
          fields.push_back(static_cast<int>(i));
      continue;
    }
    auto f = esri::resolve_field(c, token);
    if (!f) invalid(name, "unknown field '" + excerpt(token) + "'");
    fields.push_back(*f);
  }
  std::vector<int> unique;
  for (int f : fields)
    if (std::find(unique.begin(), unique.end(), f) == unique.end()) unique.push_back(f);
  return unique;
}

/// where, objectIds.
void parse_selection(const EsriParams& p, const layers::Collection& c, esri::Query& q) {
  if (const std::string* w = p.get("where")) {
    const std::string_view t = util::trim(*w);
    if (t != "1=1" && t != "1 = 1") {
      layers::filter::ParseOptions options;
      options.like_case_insensitive = true;
      try {
        q.where = layers::filter::bind(layers::filter::parse_esri_where(*w, options),
                                       esri::where_schema(c), true);
      } catch (const layers::filter::parse_error& e) {
        invalid("where", e.what());
      }
    }
  }
  if (const std::string* ids = p.get("objectids")) {
    std::vector<std::int64_t> list;
    for (auto token : util::split_trimmed(*ids, ',')) {
      if (token.empty()) continue;
      long long n = 0;
      if (!parse_int(token, n)) invalid("objectIds", "'" + excerpt(token) + "' is not an integer");
      list.push_back(n);
    }
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    q.object_ids = std::move(list);
  }
}

/// outFields (default: the OID only, as ArcGIS does), what to return, outSR,
/// geometryPrecision.
void parse_output(const EsriParams& p, const layers::Collection& c, esri::Query& q) {
  if (const std::string* of = p.get("outfields"))
    q.out_fields = field_list(c, "outFields", *of, true);
  if (q.out_fields.empty()) q.out_fields.push_back(esri::kObjectId);
  q.return_geometry = parse_bool(p, "returnGeometry", true);
  q.count_only = parse_bool(p, "returnCountOnly", false);
  q.ids_only = parse_bool(p, "returnIdsOnly", false);
  q.extent_only = parse_bool(p, "returnExtentOnly", false);
  q.distinct = parse_bool(p, "returnDistinctValues", false);
  parse_bool(p, "returnZ", false);
  parse_bool(p, "returnM", false);
  if (const std::string* sr = p.get("outsr")) q.out_sr = parse_spatial_ref("outSR", *sr);
  if (const std::string* gp = p.get("geometryprecision")) {
    long long n = 0;
    if (!parse_int(*gp, n) || n < 0 || n > 15)
      invalid("geometryPrecision", "must be an integer from 0 to 15");
    q.decimals = static_cast<int>(n);
  }
}

/// One `field [ASC|DESC]` of orderByFields.
esri::Order parse_order(std::string_view token) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < token.size()) {
    while (i < token.size() && std::isspace(static_cast<unsigned char>(token[i]))) ++i;
    std::size_t j = i;
    while (j < token.size() && !std::isspace(static_cast<unsigned char>(token[j]))) ++j;
    if (j > i) words.push_back(token.substr(i, j - i));
    i = j;
  }
  if (words.empty() || words.size() > 2)
    invalid("orderByFields", "expected 'field [ASC|DESC]', got '" + excerpt(token) + "'");
  esri::Order o{std::string(words[0]), false};
  if (words.size() == 2) {
    if (util::ascii_iequals(words[1], "DESC"))
      o.descending = true;
    else if (!util::ascii_iequals(words[1], "ASC"))
      invalid("orderByFields", "expected ASC or DESC, got '" + excerpt(words[1]) + "'");
  }
  return o;
}

/// resultOffset, resultRecordCount, orderByFields.
void parse_paging_and_order(const EsriParams& p, esri::Query& q) {
  q.offset = parse_count(p, "resultOffset");
  q.record_count = parse_count(p, "resultRecordCount");
  if (const std::string* ob = p.get("orderbyfields"))
    for (auto token : util::split_trimmed(*ob, ','))
      if (!token.empty()) q.order_by.push_back(parse_order(token));
}

/// One entry of outStatistics; `earlier` are the ones before it (names must differ).
esri::Statistic parse_statistic(const json& s, const layers::Collection& c,
                                const std::vector<esri::Statistic>& earlier) {
  if (!s.is_object()) invalid("outStatistics", "each statistic must be a JSON object");
  auto type_it = s.find("statisticType");
  auto field_it = s.find("onStatisticField");
  if (type_it == s.end() || !type_it->is_string())
    invalid("outStatistics", "statisticType is required");
  if (field_it == s.end() || !field_it->is_string())
    invalid("outStatistics", "onStatisticField is required");
  const auto type_name = type_it->get<std::string>();
  auto type = esri::statistic_type_from_name(type_name);
  if (!type)
    invalid("outStatistics", "unsupported statisticType '" + excerpt(type_name) +
                                 "' (supported: count, sum, min, max, avg, stddev, var)");
  const auto field_text = std::string(util::trim(field_it->get<std::string>()));
  std::optional<int> field;
  if (field_text == "*" && *type == esri::StatisticType::Count)
    field = esri::kObjectId;
  else
    field = esri::resolve_field(c, field_text);
  if (!field) invalid("outStatistics", "unknown field '" + excerpt(field_text) + "'");
  if (*type != esri::StatisticType::Count && *type != esri::StatisticType::Min &&
      *type != esri::StatisticType::Max && *field != esri::kObjectId) {
    const auto ft = c.fields[static_cast<std::size_t>(*field)].type;
    if (ft != layers::FieldType::Integer && ft != layers::FieldType::Double)
      invalid("outStatistics", std::string(esri::statistic_type_name(*type)) +
                                   " needs a numeric field, '" + excerpt(field_text) + "' is not");
  }
  esri::Statistic st{*type, *field, {}};
  if (auto n = s.find("outStatisticFieldName"); n != s.end() && !n->is_null()) {
    if (!n->is_string()) invalid("outStatistics", "outStatisticFieldName must be a string");
    st.out_name = std::string(util::trim(n->get<std::string>()));
  }
  if (st.out_name.empty())
    st.out_name = std::string(esri::statistic_type_name(*type)) + "_" + esri::field_name(c, *field);
  bool ok = st.out_name.size() <= 64;
  for (char ch : st.out_name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) ok = false;
  if (!ok)
    invalid("outStatistics", "outStatisticFieldName '" + excerpt(st.out_name) +
                                 "' must be letters, digits and _ (at most 64)");
  for (const auto& other : earlier)
    if (util::ascii_iequals(other.out_name, st.out_name))
      invalid("outStatistics", "duplicate outStatisticFieldName '" + st.out_name + "'");
  return st;
}

/// outStatistics, groupByFieldsForStatistics, and what returnDistinctValues does to the out
/// fields.
void parse_statistics(const EsriParams& p, const layers::Collection& c, esri::Query& q) {
  if (const std::string* os = p.get("outstatistics")) {
    json j = parse_json_param("outStatistics", *os);
    if (j.is_object()) j = json::array({j});
    if (!j.is_array() || j.empty()) invalid("outStatistics", "must be a non-empty JSON array");
    if (j.size() > kMaxStatistics) invalid("outStatistics", "too many statistics");
    for (const auto& s : j) q.statistics.push_back(parse_statistic(s, c, q.statistics));
  }
  if (const std::string* gb = p.get("groupbyfieldsforstatistics")) {
    if (q.statistics.empty()) invalid("groupByFieldsForStatistics", "needs outStatistics");
    q.group_by = field_list(c, "groupByFieldsForStatistics", *gb, false);
  }
  if (q.distinct && q.statistics.empty()) {
    // Distinct values of the out fields; with `*` the OID would make every row distinct.
    if (q.out_fields.size() > 1 && q.out_fields.front() == esri::kObjectId && p.get("outfields") &&
        util::trim(*p.get("outfields")) == "*")
      q.out_fields.erase(q.out_fields.begin());
  }
}

/// geometry, geometryType, spatialRel, inSR, distance: the spatial filter, in CRS84.
void parse_spatial(const EsriParams& p, const geo::TransformerCache& transformers, esri::Query& q) {
  if (const std::string* d = p.get("distance")) {
    double dist = 0;
    if (!parse_double(*d, dist)) invalid("distance", "'" + excerpt(*d) + "' is not a number");
    if (dist != 0) invalid("distance", "queries with a distance are not supported");
  }
  std::optional<InputShape> declared;
  if (const std::string* gt = p.get("geometrytype")) {
    declared = shape_from_name(util::trim(*gt));
    if (!declared) invalid("geometryType", "unsupported geometryType '" + excerpt(*gt) + "'");
  }
  esri::SpatialRel rel = esri::SpatialRel::Intersects;
  if (const std::string* sr = p.get("spatialrel")) {
    auto parsed = esri::spatial_rel_from_name(util::trim(*sr));
    if (!parsed) invalid("spatialRel", "unsupported spatialRel '" + excerpt(*sr) + "'");
    rel = *parsed;
  }
  std::optional<esri::SpatialRef> in_sr;
  if (const std::string* isr = p.get("insr")) in_sr = parse_spatial_ref("inSR", *isr);
  const std::string* g = p.get("geometry");
  if (!g) return;
  InputGeometry in = parse_geometry(*g, declared);
  const esri::SpatialRef sr = in.sr.value_or(in_sr.value_or(esri::SpatialRef::Wgs84));
  esri::SpatialFilter sf;
  sf.rel = rel;
  sf.geometry = std::move(in.geometry);
  sf.envelope = in.shape == InputShape::Envelope && sr != esri::SpatialRef::RdNew;
  if (sr == esri::SpatialRef::RdNew && in.shape == InputShape::Envelope) densify(sf.geometry, 8);
  if (sr == esri::SpatialRef::WebMercator) {
    geo::for_each_xy(sf.geometry, [](geo::XY& xy) { xy = geo::webmercator_to_lonlat(xy); });
  } else if (sr == esri::SpatialRef::RdNew) {
    const geo::Transformer& t = transformers.get(28992, 4326);
    geo::for_each_xy(sf.geometry, [&](geo::XY& xy) { xy = t.forward(xy); });
  }
  bool finite = true;
  geo::for_each_xy(sf.geometry, [&](geo::XY& xy) {
    if (!std::isfinite(xy.x) || !std::isfinite(xy.y)) finite = false;
  });
  if (!finite) invalid("geometry", "outside the area of use of its spatial reference");
  q.spatial = std::move(sf);
}
}  // namespace

esri::Query EsriApi::parse_query(const EsriParams& p, const layers::Collection& c) const {
  esri::Query q;
  q.max_record_count =
      static_cast<std::size_t>(std::max(1, m_state.config.server.esri_max_record_count));
  parse_selection(p, c, q);
  parse_output(p, c, q);
  parse_paging_and_order(p, q);
  parse_statistics(p, c, q);
  parse_spatial(p, m_state.transformers, q);
  return q;
}

// ---------------------------------------------------------------------------------------------
// Routes

layers::CollectionPtr EsriApi::collection(std::size_t id) const {
  auto all = m_ctx.catalogue.all();
  if (id >= all.size()) return nullptr;
  return all[id];
}

std::string EsriApi::base_url(const Request& req) const {
  return server::base_url(m_state, req);
}

std::string EsriApi::info() const {
  json j;
  j["currentVersion"] = kCurrentVersion;
  j["fullVersion"] = kFullVersion;
  // The key is the token (no generateToken): sent as `token`, or X-Esri-Authorization: Bearer.
  j["authInfo"] = {{"isTokenBasedSecurity", m_state.keys && !m_state.keys->empty()}};
  return dump(j);
}

std::string EsriApi::catalog(const Request& req) const {
  json j;
  j["currentVersion"] = kCurrentVersion;
  j["folders"] = json::array();
  j["services"] = json::array(
      {{{"name", kServiceName},
        {"type", "FeatureServer"},
        {"url", base_url(req) + "/arcgis/rest/services/" + kServiceName + "/FeatureServer"}}});
  return dump(j);
}

std::string EsriApi::service(const Request& /*req*/) const {
  json layers_list = json::array(), tables = json::array();
  geo::Box full;
  std::string copyright;
  const auto all = m_ctx.catalogue.all();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& c = *all[i];
    const std::string_view gtype = esri::esri_geometry_type(c.geometry_type);
    json l = {{"id", i},
              {"name", c.title.empty() ? c.id : c.title},
              {"parentLayerId", -1},
              {"defaultVisibility", true},
              {"subLayerIds", nullptr},
              {"minScale", 0},
              {"maxScale", 0}};
    if (gtype.empty()) {
      l["type"] = "Table";
      tables.push_back(l);
    } else {
      l["type"] = "Feature Layer";
      l["geometryType"] = gtype;
      layers_list.push_back(l);
      full.expand(c.extent());
    }
    if (copyright.empty()) copyright = c.attribution;
  }
  json j;
  j["currentVersion"] = kCurrentVersion;
  j["serviceDescription"] = "Buurten, wijken, gebieden and the social base of gemeente " +
                            m_state.config.gemeentenaam + ".";
  j["hasVersionedData"] = false;
  j["supportsDisconnectedEditing"] = false;
  j["hasStaticData"] = false;
  j["hasSharedDomains"] = false;
  j["maxRecordCount"] = m_state.config.server.esri_max_record_count;
  j["supportedQueryFormats"] = "JSON,geojson";
  j["supportsVCSProjection"] = false;
  j["supportedExportFormats"] = "";
  j["capabilities"] = writes_enabled() ? kEditCapabilities : "Query";
  j["description"] = "gebieden: " + m_state.config.gemeentenaam;
  j["copyrightText"] = copyright;
  j["spatialReference"] = spatial_reference_json(esri::SpatialRef::Wgs84);
  j["initialExtent"] = extent_json(full, esri::SpatialRef::Wgs84);
  j["fullExtent"] = extent_json(full, esri::SpatialRef::Wgs84);
  j["allowGeometryUpdates"] = writes_enabled();
  j["units"] = "esriDecimalDegrees";
  j["supportsAppend"] = false;
  j["syncEnabled"] = false;
  j["supportsApplyEditsWithGlobalIds"] = false;
  j["supportsTilesAndBasicQueriesMode"] = false;
  j["supportsQueryDataElements"] = false;
  j["documentInfo"] = {{"Title", "gebieden"},
                       {"Author", "gemeente " + m_state.config.gemeentenaam},
                       {"Comments", ""},
                       {"Subject", "buurten, wijken, gebieden"},
                       {"Category", ""},
                       {"Keywords", "buurten,wijken,gebieden," + m_state.config.gemeentenaam}};
  j["layers"] = layers_list;
  j["tables"] = tables;
  return dump(j);
}

std::string EsriApi::layers(const Request& /*req*/) const {
  const auto all = m_ctx.catalogue.all();
  std::string layers_out = R"({"layers":[)", tables_out;
  bool first_layer = true;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bool table = all[i]->geometry_type == geo::GeometryType::None;
    std::string& out = table ? tables_out : layers_out;
    if (table ? !tables_out.empty() : !first_layer) out.push_back(',');
    if (!table) first_layer = false;
    append_layer_json(out, *all[i], i, m_state.config.server.esri_max_record_count, m_state.styles,
                      editing_of(*all[i]));
  }
  return layers_out + R"(],"tables":[)" + tables_out + "]}";
}

std::string EsriApi::layer(const Request& /*req*/, std::size_t id) const {
  std::string out;
  out.reserve(8192);
  const auto c = collection(id);
  append_layer_json(out, *c, id, m_state.config.server.esri_max_record_count, m_state.styles,
                    editing_of(*c));
  return out;
}

std::string EsriApi::query(const EsriParams& params, std::size_t id, bool geojson) const {
  auto c = collection(id);
  const esri::Query q = parse_query(params, *c);
  const esri::Result r = esri::execute(c, q);
  std::string out;
  if (geojson)
    esri::append_result_geojson(out, *c, q, r);
  else
    esri::append_result_json(out, *c, q, r);
  return out;
}

std::string EsriApi::feature(const EsriParams& params, std::size_t id,
                             const std::string& oid) const {
  auto c = collection(id);
  long long n = 0;
  if (!parse_int(oid, n) || oid.empty() || !std::isdigit(static_cast<unsigned char>(oid[0])))
    throw input_error(ErrorCode::NotFound, "path", "no such path");
  const layers::Feature* f = c->find_objectid(n);
  if (!f) throw input_error(ErrorCode::NotFound, "objectId", "Feature not found: " + oid);
  esri::Query q;
  q.out_fields.push_back(esri::kObjectId);
  for (std::size_t i = 0; i < c->fields.size(); ++i)
    if (!c->fields[i].is_private && !util::ascii_iequals(c->fields[i].name, esri::kObjectIdName))
      q.out_fields.push_back(static_cast<int>(i));
  q.return_geometry = parse_bool(params, "returnGeometry", true);
  if (const std::string* sr = params.get("outsr")) q.out_sr = parse_spatial_ref("outSR", *sr);
  std::vector<esri::Column> columns;
  for (int field : q.out_fields) columns.push_back(esri::field_column(*c, field));
  std::string out = R"({"feature":)";
  esri::append_esri_feature(out, *c, q, columns, *f);
  out.push_back('}');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Editing (server/esri_edit.hpp)

bool EsriApi::writes_enabled() const {
  return m_state.store && m_state.keys && !m_state.keys->empty();
}

const geo::LayerConfig* EsriApi::store_config_of(const std::string& collection_id) const {
  if (!m_state.store) return nullptr;
  for (const auto& lc : m_state.config.store.collections)
    if (lc.id == collection_id) return &lc;
  return nullptr;
}

esri_edit::LayerEditing EsriApi::editing_of(const layers::Collection& c) const {
  esri_edit::LayerEditing e;
  if (!store_config_of(c.id)) return e;
  e.schema = &m_state.store->schema();
  e.store = &m_state.config.store;
  e.editable = writes_enabled();
  return e;
}

std::optional<std::string> EsriApi::edit_denied(const EsriParams& params, Role needed,
                                                std::optional<Principal>& who) const {
  if (!writes_enabled()) return error_body(499, "Token Required", "");
  who = m_ctx.viewer.principal;
  if (!who && !m_ctx.invalid_key)
    if (const std::string* token = params.get("token")) {
      // A token in the form body (the query string's was looked at by Service::context).
      who = m_state.keys->authenticate(util::trim(*token));
      if (!who) return error_body(498, "Invalid Token", "");
    }
  if (!who && m_ctx.invalid_key) return error_body(498, "Invalid Token", "");
  if (!who) return error_body(499, "Token Required", "");
  if (!who->can(needed))
    return error_body(esri_error(ErrorCode::Forbidden).code,
                      std::string(esri_error(ErrorCode::Forbidden).message),
                      std::string(needed == Role::Admin ? "deleting" : "editing") +
                          " needs a key with role " + std::string(role_name(needed)) +
                          "; the key '" + who->name + "' is " + std::string(role_name(who->role)));
  return std::nullopt;
}

esri_edit::EditLayer EsriApi::edit_layer(std::size_t id) const {
  // The full view: every record (also those in a hidden status) can be edited by OBJECTID.
  const layers::CatalogueView full = m_state.full.view();
  const auto& all = full.all();
  esri_edit::EditLayer layer;
  layer.id = id;
  const auto c = collection(id);
  const geo::LayerConfig* lc = c ? store_config_of(c->id) : nullptr;
  if (!lc || !writes_enabled())
    throw input_error(ErrorCode::InvalidParameter, "layer",
                      !lc ? "layer " + std::to_string(id) +
                                " is read-only (only the store "
                                "layers take edits)"
                          : std::string("writes are disabled: no key is configured"));
  layer.collection = full.get(c->id);
  layer.config = lc;
  if (!layer.collection || (id < all.size() && all[id]->id != c->id))
    throw std::logic_error("the full view does not hold layer " + c->id);
  return layer;
}

namespace {
/// Does a parameter's JSON hold anything (a non-empty array or text)?
bool has_edits(const json& j) {
  return !(j.is_null() || (j.is_array() && j.empty()) ||
           (j.is_string() && util::trim(j.get<std::string>()).empty()));
}

json results_json(const esri_edit::LayerResults& r, bool adds, bool updates, bool deletes) {
  json j = json::object();
  if (adds) j["addResults"] = r.adds;
  if (updates) j["updateResults"] = r.updates;
  if (deletes) j["deleteResults"] = r.deletes;
  return j;
}

std::int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void check_edit_options(const EsriParams& params) {
  if (parse_bool(params, "useGlobalIds", false))
    invalid("useGlobalIds", "global ids are not supported (the layers have none): use object ids");
}
}  // namespace

std::string EsriApi::edit(const Request& req, const EsriParams& params, std::size_t id,
                          const std::string& op) const {
  if (req.method != "POST")
    throw input_error(ErrorCode::MethodNotAllowed, "method",
                      op + " takes POST only (a form-encoded body)");
  esri_edit::EditLayer layer = edit_layer(id);
  // Who asks first: without a valid key nothing else is looked at.
  std::optional<Principal> who;
  if (auto denied = edit_denied(params, Role::Editor, who)) return *denied;
  check_edit_options(params);
  const bool rollback = parse_bool(params, "rollbackOnFailure", true);
  const bool edit_moment = parse_bool(params, "returnEditMoment", false);
  const bool apply = util::ascii_iequals(op, "applyEdits");
  const bool add = apply || util::ascii_iequals(op, "addFeatures");
  const bool update = apply || util::ascii_iequals(op, "updateFeatures");
  const bool del = apply || util::ascii_iequals(op, "deleteFeatures");

  auto param_json = [&](const char* name) -> json {
    const std::string* v = params.get(util::ascii_lower(name));
    return v ? parse_json_param(name, *v) : json();
  };
  const char* adds_name = apply ? "adds" : "features";
  const char* updates_name = apply ? "updates" : "features";
  const json adds = add ? param_json(adds_name) : json();
  const json updates = update ? param_json(updates_name) : json();
  const std::string* deletes = del ? params.get(apply ? "deletes" : "objectids") : nullptr;
  const std::string* where = del && !apply ? params.get("where") : nullptr;
  if (!apply && !has_edits(add ? adds : updates) && !deletes && !where)
    throw input_error(ErrorCode::MissingParameter, add || update ? "features" : "objectIds",
                      std::string(add || update ? "features" : "objectIds") + ": missing" +
                          (del ? " (or where)" : ""));
  // A delete needs an admin key.
  if (deletes || where)
    if (auto denied = edit_denied(params, Role::Admin, who)) return *denied;

  const esri_edit::EditEnv env{m_state.store->schema(), m_state.config.store, m_state.transformers,
                               who->name};
  esri_edit::LayerEdits edits;
  edits.layer = layer;
  const auto sr = esri::SpatialRef::Wgs84;
  if (has_edits(adds))
    edits.adds =
        esri_edit::parse_features(adds_name, adds, esri_edit::EditKind::Add, layer, env, sr);
  if (has_edits(updates))
    edits.updates = esri_edit::parse_features(updates_name, updates, esri_edit::EditKind::Update,
                                              layer, env, sr);
  if (where || (!apply && deletes)) {
    if (where) {
      // deleteFeatures by where (and objectIds): the ids the query path finds.
      EsriParams q;
      q.set("where", *where);
      if (deletes) q.set("objectIds", *deletes);
      esri::Query query = parse_query(q, *layer.collection);
      query.ids_only = true;
      const esri::Result r = esri::execute(layer.collection, query);
      if (r.object_ids.size() > esri_edit::kMaxEdits)
        invalid("where", "matches more than " + std::to_string(esri_edit::kMaxEdits) + " features");
      edits.deletes = esri_edit::deletes_of(r.object_ids, layer, env);
    } else {
      edits.deletes =
          esri_edit::deletes_of(esri_edit::parse_object_ids("objectIds", *deletes), layer, env);
    }
  } else if (deletes) {
    edits.deletes =
        esri_edit::deletes_of(esri_edit::parse_object_ids("deletes", *deletes), layer, env);
  }
  if (edits.adds.size() + edits.updates.size() + edits.deletes.size() > esri_edit::kMaxEdits)
    invalid(apply ? "adds" : "features",
            "more than " + std::to_string(esri_edit::kMaxEdits) + " edits in one request");
  const auto results = esri_edit::apply({edits}, rollback, *m_state.store, m_state.full,
                                        m_state.config.store, m_state.metrics.get());
  // applyEdits answers all three lists; addFeatures addResults only, and so on.
  json j = results_json(results.front(), add, update, del);
  if (edit_moment) j["editMoment"] = now_millis();
  return dump(j);
}

std::string EsriApi::service_edits(const Request& req, const EsriParams& params) const {
  if (req.method != "POST")
    throw input_error(ErrorCode::MethodNotAllowed, "method",
                      "applyEdits takes POST only (a form-encoded body)");
  if (!writes_enabled())
    throw input_error(ErrorCode::InvalidParameter, "edits",
                      "writes are disabled: no key is configured");
  std::optional<Principal> who;
  if (auto denied = edit_denied(params, Role::Editor, who)) return *denied;
  check_edit_options(params);
  const bool rollback = parse_bool(params, "rollbackOnFailure", true);
  const std::string* text = params.get("edits");
  if (!text) throw input_error(ErrorCode::MissingParameter, "edits", "edits: missing");
  const json edits = parse_json_param("edits", *text);
  if (!edits.is_array()) invalid("edits", "must be a JSON array of {id, adds, updates, deletes}");
  if (edits.size() > esri_edit::kMaxEdits) invalid("edits", "too many layers");
  bool any_deletes = false;
  std::vector<esri_edit::EditLayer> layers_of;
  std::set<std::size_t> seen;
  for (const auto& e : edits) {
    if (!e.is_object() || !e.contains("id") || !e.at("id").is_number_integer() ||
        e.at("id").get<long long>() < 0)
      invalid("edits", "each entry needs the layer id (a non-negative integer)");
    const auto id = static_cast<std::size_t>(e.at("id").get<long long>());
    if (!collection(id))
      throw input_error(ErrorCode::NotFound, "layer", "Layer not found: " + std::to_string(id));
    if (!seen.insert(id).second) invalid("edits", "layer " + std::to_string(id) + " given twice");
    for (const auto& [k, v] : e.items())
      if (k != "id" && k != "adds" && k != "updates" && k != "deletes" && k != "attachments")
        invalid("edits", "unknown member '" + excerpt(k) + "' of an entry");
    layers_of.push_back(edit_layer(id));
    if (e.contains("deletes") && has_edits(e.at("deletes"))) any_deletes = true;
  }
  if (any_deletes)
    if (auto denied = edit_denied(params, Role::Admin, who)) return *denied;
  const esri_edit::EditEnv env{m_state.store->schema(), m_state.config.store, m_state.transformers,
                               who->name};
  std::vector<esri_edit::LayerEdits> all;
  std::size_t total = 0;
  for (std::size_t i = 0; i < edits.size(); ++i) {
    const json& e = edits[i];
    esri_edit::LayerEdits le;
    le.layer = layers_of[i];
    const auto sr = esri::SpatialRef::Wgs84;
    if (e.contains("adds") && has_edits(e.at("adds")))
      le.adds = esri_edit::parse_features("edits", e.at("adds"), esri_edit::EditKind::Add, le.layer,
                                          env, sr);
    if (e.contains("updates") && has_edits(e.at("updates")))
      le.updates = esri_edit::parse_features("edits", e.at("updates"), esri_edit::EditKind::Update,
                                             le.layer, env, sr);
    if (e.contains("deletes") && has_edits(e.at("deletes"))) {
      const json& d = e.at("deletes");
      le.deletes = esri_edit::deletes_of(
          d.is_string() ? esri_edit::parse_object_ids("edits", d.get<std::string>())
                        : esri_edit::parse_object_ids("edits", d),
          le.layer, env);
    }
    total += le.adds.size() + le.updates.size() + le.deletes.size();
    if (total > esri_edit::kMaxEdits)
      invalid("edits", "more than " + std::to_string(esri_edit::kMaxEdits) + " edits");
    all.push_back(std::move(le));
  }
  const auto results = esri_edit::apply(all, rollback, *m_state.store, m_state.full,
                                        m_state.config.store, m_state.metrics.get());
  json out = json::array();
  for (const auto& r : results) {
    json j;
    j["id"] = r.layer;
    j["addResults"] = r.adds;
    j["updateResults"] = r.updates;
    j["deleteResults"] = r.deletes;
    out.push_back(std::move(j));
  }
  if (parse_bool(params, "returnEditMoment", false)) {
    // The service level answers an array; ArcGIS then gives each layer its editMoment.
    const std::int64_t now = now_millis();
    for (auto& j : out) j["editMoment"] = now;
  }
  return dump(out);
}

std::string EsriApi::dispatch(const Request& req, const std::vector<std::string>& seg,
                              const EsriParams& params, bool& geojson) const {
  auto not_found = [&]() -> std::string {
    throw input_error(ErrorCode::NotFound, "path", "Not found: " + excerpt(req.path, 200));
  };
  auto is = [&](std::size_t i, std::string_view name) {
    return seg.size() > i && util::ascii_iequals(seg[i], name);
  };
  const bool features_format = geojson;
  geojson = false;  // only query answers are GeoJSON
  if (!is(1, "rest")) return not_found();
  if (seg.size() == 3 && is(2, "info")) return info();
  if (!is(2, "services")) return not_found();
  if (seg.size() == 3) return catalog(req);
  if (!is(3, kServiceName)) {
    throw input_error(ErrorCode::NotFound, "service", "Service not found: " + excerpt(seg[3], 100));
  }
  if (!is(4, "FeatureServer")) return not_found();
  if (seg.size() == 5) return service(req);
  if (seg.size() == 6 && is(5, "layers")) return layers(req);
  if (seg.size() == 6 && is(5, "applyEdits")) return service_edits(req, params);
  // A layer id: digits only.
  const std::string& lid = seg[5];
  long long id = -1;
  if (lid.empty() ||
      !std::all_of(lid.begin(), lid.end(),
                   [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }) ||
      !parse_int(lid, id) || !collection(static_cast<std::size_t>(id)))
    throw input_error(ErrorCode::NotFound, "layer", "Layer not found: " + excerpt(lid, 40));
  const auto layer_id = static_cast<std::size_t>(id);
  if (seg.size() == 6) return layer(req, layer_id);
  if (seg.size() == 7 && is(6, "query")) {
    std::string body = query(params, layer_id, features_format);
    // Counts, ids, extents and statistics are the same JSON in both formats.
    geojson = features_format && body.rfind(R"({"type":"FeatureCollection")", 0) == 0;
    return body;
  }
  for (const char* op : {"applyEdits", "addFeatures", "updateFeatures", "deleteFeatures"})
    if (seg.size() == 7 && is(6, op)) return edit(req, params, layer_id, op);
  if (seg.size() == 7) return feature(params, layer_id, seg[6]);
  return not_found();
}

Response EsriApi::route(const Request& req, const std::vector<std::string>& seg) const {
  if (req.method == "OPTIONS") return options_response(kAllow);
  std::string callback;
  bool pretty = false, geojson = false, html = false;
  std::string body;
  try {
    if (req.method != "GET" && req.method != "POST") {
      // The one error that also gets a real HTTP status (the registry's).
      Response r;
      r.status = error_spec(ErrorCode::MethodNotAllowed).http_status;
      r.body = error_body(
          input_error(ErrorCode::MethodNotAllowed, "method",
                      "method " + excerpt(req.method, 16) + " is not allowed; use GET or POST"));
      r.headers.emplace_back("Allow", kAllow);
      return r;
    }
    // The callback and format first: errors are rendered with them too.
    if (auto cb = req.param("callback")) callback = sanitise_callback(*cb);
    const EsriParams params = EsriParams::from_request(req);
    parse_format(params, callback, pretty, geojson, html);
    body = dispatch(req, seg, params, geojson);
  } catch (const input_error& e) {
    geojson = false;
    body = error_body(e);
  } catch (const storage_error& e) {
    std::cerr << "error: " << req.method << " " << excerpt(req.path, 200) << ": " << e.what()
              << std::endl;
    geojson = false;
    body = error_body(input_error(ErrorCode::InsufficientStorage, "",
                                  "the store's disk is full: nothing was written"));
  } catch (const std::exception& e) {
    std::cerr << "error: " << req.method << " " << excerpt(req.path, 200) << ": " << e.what()
              << std::endl;
    geojson = false;
    body = error_body(esri_error(ErrorCode::Internal).code,
                      std::string(esri_error(ErrorCode::Internal).message),
                      "an unexpected error occurred; it has been logged");
  }
  try {
    if (html) return esri_html_page(base_url(req), req, seg, body);
    return finish(std::move(body), geojson, pretty, callback);
  } catch (...) {
    Response r;
    r.body = R"({"error":{"code":500,"message":"Unable to complete operation.","details":[]}})";
    return r;
  }
}

}  // namespace gebieden::server
