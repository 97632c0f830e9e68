#include "server/ogc_openapi.hpp"

#include <algorithm>

#include "layers/ogc_filter.hpp"
#include "server/service.hpp"
#include "util/ascii.hpp"

namespace gebieden::server {

namespace {
std::string geojson_schema_ref(geo::GeometryType t) {
  switch (t) {
    case geo::GeometryType::Point:
      return "https://geojson.org/schema/Point.json";
    case geo::GeometryType::MultiPoint:
      return "https://geojson.org/schema/MultiPoint.json";
    case geo::GeometryType::LineString:
      return "https://geojson.org/schema/LineString.json";
    case geo::GeometryType::MultiLineString:
      return "https://geojson.org/schema/MultiLineString.json";
    case geo::GeometryType::Polygon:
      return "https://geojson.org/schema/Polygon.json";
    case geo::GeometryType::MultiPolygon:
      return "https://geojson.org/schema/MultiPolygon.json";
    case geo::GeometryType::None:
      break;
  }
  return "https://geojson.org/schema/Geometry.json";
}
}  // namespace

nlohmann::ordered_json geometry_schema(const layers::Collection& c) {
  std::vector<geo::GeometryType> types;
  for (const auto& f : c.features) {
    const geo::GeometryType t = f.wgs84.type;
    if (t != geo::GeometryType::None && std::find(types.begin(), types.end(), t) == types.end())
      types.push_back(t);
  }
  if (types.empty()) types.push_back(c.geometry_type);
  std::sort(types.begin(), types.end());
  if (types.size() == 1) return {{"$ref", geojson_schema_ref(types[0])}};
  nlohmann::ordered_json one_of = nlohmann::ordered_json::array();
  for (auto t : types) one_of.push_back({{"$ref", geojson_schema_ref(t)}});
  return {{"oneOf", one_of}};
}

namespace {
using json = nlohmann::ordered_json;

json ref(const std::string& kind, const std::string& name) {
  return json{{"$ref", "#/components/" + kind + "/" + name}};
}

json query_param(const std::string& name, const std::string& description, json schema,
                 bool explode = false) {
  json p = {
      {"name", name},    {"in", "query"},      {"description", description}, {"required", false},
      {"style", "form"}, {"explode", explode}, {"schema", std::move(schema)}};
  return p;
}

json crs_enum() {
  json e = json::array();
  for (auto c : {geo::Crs::CRS84, geo::Crs::EPSG4326, geo::Crs::EPSG3857, geo::Crs::EPSG28992})
    e.push_back(geo::crs_uri(c));
  return e;
}

json content(const char* type, json schema) {
  return json{{type, {{"schema", std::move(schema)}}}};
}

json ok(const std::string& description, const char* type, json schema) {
  json c = content(type, std::move(schema));
  c["text/html"] = {{"schema", {{"type", "string"}}}};
  return json{{"description", description}, {"content", c}};
}

json field_schema(const layers::Field& f) {
  switch (f.type) {
    case layers::FieldType::Integer:
      return json{{"type", "integer"}};
    case layers::FieldType::Double:
      return json{{"type", "number"}};
    case layers::FieldType::Boolean:
      return json{{"type", "boolean"}};
    case layers::FieldType::Date:
      return json{{"type", "string"}, {"format", "date-time"}};
    case layers::FieldType::String:
      break;
  }
  return json{{"type", "string"}};
}

json responses(json ok200, bool not_found) {
  json r;
  r["200"] = std::move(ok200);
  r["304"] = ref("responses", "NotModified");
  r["400"] = ref("responses", "BadRequest");
  if (not_found) r["404"] = ref("responses", "NotFound");
  r["500"] = ref("responses", "ServerError");
  return r;
}

json options_op(const std::string& id) {
  return json{{"summary", "The methods allowed now (Allow), and the CORS preflight"},
              {"operationId", "options" + id},
              {"responses", {{"204", ref("responses", "Preflight")}}}};
}

/// `params`: a JSON array. Pass one parameter as json::array({p}), never as {p}: clang reads a
/// braced single json as a copy of it (CWG 1467), g++ as an array of it (found by fuzzing a
/// clang build: the landing page's parameters were the object {"$ref": ...}).
json get_op(const std::string& summary, const std::string& id, const std::vector<std::string>& tags,
            json params, json resp) {
  json op = {{"summary", summary}, {"operationId", "get" + id}};
  if (!tags.empty()) op["tags"] = tags;
  op["parameters"] = std::move(params);
  op["responses"] = std::move(resp);
  return op;
}

json path_item(json get, const std::string& id) {
  return json{{"get", std::move(get)}, {"options", options_op(id)}};
}

std::string op_id(const std::string& s) {
  std::string out;
  bool up = true;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(up ? util::ascii_upper(c) : c);
      up = false;
    } else {
      up = true;
    }
  }
  return out;
}

json components(const ServiceState& state) {
  const auto& sc = state.config.server;
  json c;
  json& p = c["parameters"];
  p["f"] = query_param("f",
                       "The representation: json (GeoJSON for features) or html. Without it, the "
                       "Accept header decides (a browser gets HTML).",
                       {{"type", "string"}, {"enum", {"json", "html"}}, {"default", "json"}});
  p["lang"] = query_param("lang",
                          "The language of an HTML page: nl (the default) or en. Without it, the "
                          "Accept-Language header decides (en when preferred over nl). JSON "
                          "answers are the same in every language.",
                          {{"type", "string"}, {"enum", {"nl", "en"}}, {"default", "nl"}});
  p["limit"] = query_param(
      "limit", "The number of features per page. A larger value than the maximum is clamped to it.",
      {{"type", "integer"},
       {"minimum", 1},
       {"maximum", sc.max_limit},
       {"default", std::max(1, sc.default_limit)}});
  p["offset"] = query_param("offset", "The number of matching features to skip (paging).",
                            {{"type", "integer"}, {"minimum", 0}, {"default", 0}});
  p["bbox"] = query_param(
      "bbox",
      "Only features whose geometry intersects the box minx,miny,maxx,maxy (or 6 numbers with "
      "heights), in CRS84 unless bbox-crs says otherwise.",
      {{"type", "array"}, {"minItems", 4}, {"maxItems", 6}, {"items", {{"type", "number"}}}});
  p["bbox-crs"] = query_param("bbox-crs", "The CRS of bbox (default CRS84).",
                              {{"type", "string"}, {"format", "uri"}, {"enum", crs_enum()}});
  p["crs"] = query_param("crs", "The CRS of the returned geometries (default CRS84).",
                         {{"type", "string"}, {"format", "uri"}, {"enum", crs_enum()}});
  p["datetime"] = query_param(
      "datetime",
      "An RFC 3339 instant or interval (start/end, '..' or empty for an open end): only "
      "features whose temporal extent (start and end fields) intersects it. Collections without "
      "temporal fields match every value.",
      {{"type", "string"}});
  p["filter"] = query_param(
      "filter",
      "A CQL2 filter over the queryables, as text (default) or JSON (filter-lang=cql2-json): "
      "comparisons, AND/OR/NOT, IS NULL, LIKE, IN, BETWEEN, CASEI/ACCENTI, S_INTERSECTS with "
      "POINT, LINESTRING, POLYGON and BBOX literals (GeoJSON geometries and {\"bbox\": [...]} "
      "in JSON).",
      {{"type", "string"}});
  p["filter-lang"] = query_param(
      "filter-lang", "The language of filter.",
      {{"type", "string"}, {"enum", {"cql2-text", "cql2-json"}}, {"default", "cql2-text"}});
  p["filter-crs"] =
      query_param("filter-crs", "The CRS of the geometry literals in filter (default CRS84).",
                  {{"type", "string"}, {"format", "uri"}, {"enum", crs_enum()}});
  p["featureId"] = {{"name", "featureId"},
                    {"in", "path"},
                    {"description", "The id of a feature."},
                    {"required", true},
                    {"schema", {{"type", "string"}}}};
  p["If-Match"] = {{"name", "If-Match"},
                   {"in", "header"},
                   {"description",
                    "Optimistic locking: the strong ETag of the feature as last read (GET of the "
                    "item, or the answer of a write), or *. When it does not match the feature "
                    "now (or the feature does not exist), nothing is written: 412 with the current "
                    "ETag. Without it the write is not checked."},
                   {"required", false},
                   {"schema", {{"type", "string"}}}};
  p["Content-Crs"] = {
      {"name", "Content-Crs"},
      {"in", "header"},
      {"description",
       "The CRS of the body's coordinates, as <URI> (brackets optional): CRS84 (lon, lat; the "
       "default), EPSG:4326 (lat, lon) or EPSG:28992 (RD x, y in metres). Any other is a 400."},
      {"required", false},
      {"schema",
       {{"type", "string"},
        {"enum",
         {"<" + geo::crs_uri(geo::Crs::CRS84) + ">", "<" + geo::crs_uri(geo::Crs::EPSG4326) + ">",
          "<" + geo::crs_uri(geo::Crs::EPSG28992) + ">", geo::crs_uri(geo::Crs::CRS84),
          geo::crs_uri(geo::Crs::EPSG4326), geo::crs_uri(geo::Crs::EPSG28992)}}}}};

  json& s = c["schemas"];
  s["Exception"] = {{"type", "object"},
                    {"required", {"code", "description"}},
                    {"properties",
                     {{"code", {{"type", "string"}}},
                      {"description", {{"type", "string"}}},
                      {"parameter", {{"type", "string"}}},
                      {"status", {{"type", "integer"}}}}}};
  s["Link"] = {{"type", "object"},
               {"required", {"href", "rel"}},
               {"properties",
                {{"href", {{"type", "string"}}},
                 {"rel", {{"type", "string"}}},
                 {"type", {{"type", "string"}}},
                 {"title", {{"type", "string"}}}}}};
  json links = {{"type", "array"}, {"items", ref("schemas", "Link")}};
  s["LandingPage"] = {
      {"type", "object"},
      {"required", {"links"}},
      {"properties",
       {{"title", {{"type", "string"}}}, {"description", {{"type", "string"}}}, {"links", links}}}};
  s["Conformance"] = {
      {"type", "object"},
      {"required", {"conformsTo"}},
      {"properties", {{"conformsTo", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
  s["Collection"] = {{"type", "object"},
                     {"required", {"id", "links"}},
                     {"properties",
                      {{"id", {{"type", "string"}}},
                       {"title", {{"type", "string"}}},
                       {"description", {{"type", "string"}}},
                       {"links", links},
                       {"extent", {{"type", "object"}}},
                       {"itemType", {{"type", "string"}}},
                       {"crs", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                       {"storageCrs", {{"type", "string"}}}}}};
  s["Collections"] = {
      {"type", "object"},
      {"required", {"links", "collections"}},
      {"properties",
       {{"links", links},
        {"collections", {{"type", "array"}, {"items", ref("schemas", "Collection")}}}}}};
  s["Feature"] = {{"type", "object"},
                  {"required", {"type", "geometry", "properties"}},
                  {"properties",
                   {{"type", {{"type", "string"}, {"enum", {"Feature"}}}},
                    {"id", {{"oneOf", {{{"type", "string"}}, {{"type", "integer"}}}}}},
                    {"geometry", {{"type", "object"}, {"nullable", true}}},
                    {"properties", {{"type", "object"}, {"nullable", true}}},
                    {"links", links}}}};
  s["FeaturePatch"] = {
      {"type", "object"},
      {"description",
       "A JSON merge patch (RFC 7396) of the GeoJSON Feature: the properties to change (null "
       "unsets one) and/or the geometry (null removes the record's own point: it is placed again "
       "from its address). The id cannot change."},
      {"properties",
       {{"type", {{"type", "string"}, {"enum", {"Feature"}}}},
        {"id", {{"oneOf", {{{"type", "string"}}, {{"type", "integer"}}}}}},
        {"geometry", {{"type", "object"}, {"nullable", true}}},
        {"properties", {{"type", "object"}}}}}};
  s["HistoryEntry"] = {
      {"type", "object"},
      {"required", {"seq", "op", "actor", "at", "before", "after"}},
      {"properties",
       {{"seq", {{"type", "integer"}}},
        {"record_id", {{"type", "string"}}},
        {"op", {{"type", "string"}, {"enum", {"create", "replace", "patch", "delete"}}}},
        {"actor", {{"type", "string"}}},
        {"at", {{"type", "string"}, {"format", "date-time"}}},
        {"before", {{"type", "object"}, {"nullable", true}}},
        {"after", {{"type", "object"}, {"nullable", true}}}}}};
  s["FeatureCollection"] = {
      {"type", "object"},
      {"required", {"type", "features"}},
      {"properties",
       {{"type", {{"type", "string"}, {"enum", {"FeatureCollection"}}}},
        {"features", {{"type", "array"}, {"items", ref("schemas", "Feature")}}},
        {"links", links},
        {"timeStamp", {{"type", "string"}, {"format", "date-time"}}},
        {"numberMatched", {{"type", "integer"}, {"minimum", 0}}},
        {"numberReturned", {{"type", "integer"}, {"minimum", 0}}}}}};
  s["Queryables"] = {{"type", "object"},
                     {"properties",
                      {{"$schema", {{"type", "string"}}},
                       {"$id", {{"type", "string"}}},
                       {"type", {{"type", "string"}}},
                       {"properties", {{"type", "object"}}}}}};

  json err = content("application/json", ref("schemas", "Exception"));
  json& r = c["responses"];
  r["BadRequest"] = {{"description", "A parameter is invalid or unknown; the body names it."},
                     {"content", err}};
  r["NotFound"] = {{"description", "No such path, collection or feature."}, {"content", err}};
  r["ServerError"] = {{"description", "An unexpected error; details are in the server log."},
                      {"content", err}};
  r["NotModified"] = {{"description", "The representation matches If-None-Match (ETag); no body."}};
  r["Preflight"] = {
      {"description",
       "Allow: the methods the presented key may use here now (on the store collections: POST "
       "on items, PUT and PATCH on an item for an editor key, DELETE also for an admin key; GET, "
       "HEAD and OPTIONS for anyone). The CORS headers list every method the path takes."},
      {"headers",
       {{"Allow", {{"description", "The methods allowed now"}, {"schema", {{"type", "string"}}}}},
        {"Access-Control-Allow-Methods",
         {{"description", "Every method of the path"}, {"schema", {{"type", "string"}}}}}}}};
  r["Unauthorized"] = {{"description", "A write without a valid bearer token (WWW-Authenticate)."},
                       {"content", err}};
  r["Forbidden"] = {
      {"description", "Writes are disabled (no key is configured), or the key's role is too low."},
      {"content", err}};
  r["PreconditionFailed"] = {
      {"description",
       "If-Match does not match the feature's current ETag (or the feature does not exist): "
       "nothing was written."},
      {"headers",
       {{"ETag",
         {{"description", "The feature's current ETag"}, {"schema", {{"type", "string"}}}}}}},
      {"content", err}};
  r["UnsupportedMediaType"] = {
      {"description",
       "The body's Content-Type is not one this operation takes (the message lists them)."},
      {"content", err}};
  r["Conflict"] = {{"description", "A feature with this id exists already."}, {"content", err}};
  r["TooLarge"] = {{"description", "The body is larger than the server accepts."},
                   {"content", err}};
  c["securitySchemes"]["bearer"] = {
      {"type", "http"},
      {"scheme", "bearer"},
      {"description",
       "An API key (`gebieden keys add NAME --role ROLE`) or a token of store.write_token_env "
       "(an editor): a reader sees private fields, an editor also creates, replaces and patches, "
       "an admin also deletes and reads the history. Also as X-Esri-Authorization or the token "
       "query parameter."}};
  return c;
}

/// The media types of a write's body.
enum class Body { None, Feature, Patch };

/// The write operations of a store collection (OGC API - Features Part 4).
json write_op(const std::string& summary, const std::string& op_id, Body body, bool with_id,
              json ok_responses) {
  json op = {{"summary", summary},
             {"operationId", op_id},
             {"tags", {"Data"}},
             {"security", json::array({{{"bearer", json::array()}}})}};
  json params = json::array();
  if (with_id) params.push_back(ref("parameters", "featureId"));
  if (with_id) params.push_back(ref("parameters", "If-Match"));
  if (body != Body::None) params.push_back(ref("parameters", "Content-Crs"));
  op["parameters"] = std::move(params);
  if (body == Body::Feature)
    op["requestBody"] = {{"required", true},
                         {"description",
                          "A GeoJSON Feature: the address fields or a point place it; private "
                          "fields are stored but never returned to the public."},
                         {"content",
                          {{"application/geo+json", {{"schema", ref("schemas", "Feature")}}},
                           {"application/json", {{"schema", ref("schemas", "Feature")}}}}}};
  if (body == Body::Patch)
    op["requestBody"] = {
        {"required", true},
        {"description", "A JSON merge patch (RFC 7396) of the GeoJSON Feature."},
        {"content",
         {{"application/merge-patch+json", {{"schema", ref("schemas", "FeaturePatch")}}},
          {"application/json", {{"schema", ref("schemas", "FeaturePatch")}}}}}};
  json& r = ok_responses;
  r["400"] = ref("responses", "BadRequest");
  r["401"] = ref("responses", "Unauthorized");
  r["403"] = ref("responses", "Forbidden");
  if (with_id) r["404"] = ref("responses", "NotFound");
  if (!with_id) r["409"] = ref("responses", "Conflict");
  if (with_id) r["412"] = ref("responses", "PreconditionFailed");
  if (body != Body::None) {
    r["413"] = ref("responses", "TooLarge");
    r["415"] = ref("responses", "UnsupportedMediaType");
  }
  r["500"] = ref("responses", "ServerError");
  op["responses"] = std::move(r);
  return op;
}

/// The ETag header of an answer that carries a feature.
json etag_header() {
  return json{{"description", "The strong ETag of the feature (for If-Match)"},
              {"schema", {{"type", "string"}}}};
}
}  // namespace

bool is_items_parameter(const std::string& name) {
  if (name == "lang") return true;  // the language of the HTML pages
  static const char* const kNames[] = {"f",           "limit",      "offset",   "bbox",
                                       "bbox-crs",    "crs",        "datetime", "filter",
                                       "filter-lang", "filter-crs", "sortby",   "properties"};
  return std::any_of(std::begin(kNames), std::end(kNames),
                     [&](const char* n) { return name == n; });
}

json build_openapi(const ServiceState& state, const std::string& base) {
  json p;
  p["openapi"] = "3.0.3";
  p["info"] = {
      {"title", "gebieden: " + state.config.gemeentenaam},
      {"version", "0.2.0"},
      {"description",
       "Buurten, wijken, gebieden and the social base of gemeente " + state.config.gemeentenaam +
           " as OGC API - Features (Part 1 core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS; Part 3 "
           "queryables and CQL2 text and JSON filters; Part 4 (a draft) create, replace, update "
           "and delete on the social-base collections, with optimistic locking by ETag). Every "
           "response carries CORS headers, a strong ETag and Cache-Control, and is "
           "gzip-compressed when the client accepts it. Reading is public; the store "
           "collections also take POST (items), PUT, PATCH (JSON merge patch) and DELETE (an "
           "item) with a bearer key of a high enough role, and OPTIONS lists in Allow what the "
           "presented key may do there. Every other method, and a write on any other path, is "
           "answered with 405 and an Allow header."},
      {"license",
       {{"name", "CC BY 4.0 (CBS, Kadaster)"},
        {"url", "https://creativecommons.org/licenses/by/4.0/"}}}};
  p["servers"] = json::array({{{"url", base}}});
  p["tags"] = json::array({{{"name", "Capabilities"}}, {{"name", "Data"}}});

  json paths;
  const json f = ref("parameters", "f");
  paths["/"] = path_item(
      get_op("Landing page", "LandingPage", {"Capabilities"}, json::array({f}),
             responses(ok("The landing page", "application/json", ref("schemas", "LandingPage")),
                       false)),
      "LandingPage");
  paths["/conformance"] =
      path_item(get_op("Conformance classes", "Conformance", {"Capabilities"}, json::array({f}),
                       responses(ok("The conformance classes implemented", "application/json",
                                    ref("schemas", "Conformance")),
                                 false)),
                "Conformance");
  {
    json r = responses(
        json{{"description", "This document"},
             {"content",
              {{"application/vnd.oai.openapi+json;version=3.0", {{"schema", {{"type", "object"}}}}},
               {"text/html", {{"schema", {{"type", "string"}}}}}}}},
        false);
    paths["/api"] = path_item(
        get_op("The API definition (OpenAPI 3.0)", "Api", {"Capabilities"}, json::array({f}), r),
        "Api");
    json doc = responses(json{{"description", "The API documentation"},
                              {"content", {{"text/html", {{"schema", {{"type", "string"}}}}}}}},
                         false);
    paths["/api.html"] = path_item(
        get_op("The API documentation (HTML)", "ApiHtml", {"Capabilities"}, json::array({f}), doc),
        "ApiHtml");
  }
  paths["/collections"] = path_item(
      get_op("The collections", "Collections", {"Capabilities"}, json::array({f}),
             responses(ok("The collections", "application/json", ref("schemas", "Collections")),
                       false)),
      "Collections");
  paths["/health"] = path_item(
      get_op("Health check: feature counts per collection", "Health", {"Capabilities"},
             json::array({f}),
             responses(json{{"description", "Running"},
                            {"content", content("application/json", {{"type", "object"}})}},
                       false)),
      "Health");
  {
    // Operations (docs/operations.md): liveness, readiness and the Prometheus metrics.
    const json object = content("application/json", {{"type", "object"}});
    paths["/health/live"] = path_item(
        get_op("Liveness: the process answers", "HealthLive", {"Capabilities"}, json::array(),
               responses(json{{"description", "Live"}, {"content", object}}, false)),
        "HealthLive");
    json ready = responses(json{{"description", "Ready: the data is loaded and the store answers"},
                                {"content", object}},
                           false);
    ready["503"] = {{"description",
                     "Not ready: the body (the error registry's, with `checks`) "
                     "names the check that fails"},
                    {"content", object}};
    paths["/health/ready"] =
        path_item(get_op("Readiness: the data is loaded and the store answers", "HealthReady",
                         {"Capabilities"}, json::array(), ready),
                  "HealthReady");
    json metrics = responses(
        json{{"description", "The metrics in the Prometheus text exposition format 0.0.4"},
             {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}},
        false);
    metrics["401"] = ref("responses", "Unauthorized");
    metrics["403"] = {{"description", "Not from where server.metrics allows (loopback)"},
                      {"content", object}};
    paths["/metrics"] =
        path_item(get_op("Metrics for Prometheus (who may read them: server.metrics)", "Metrics",
                         {"Capabilities"}, json::array(), metrics),
                  "Metrics");
  }

  {
    // For gebiedswerkers and policy advisers (docs/nearby.md): /nearby, /locate, overviews.
    const auto query = [](const char* name, json schema, const std::string& description) {
      return json{{"name", name},
                  {"in", "query"},
                  {"required", false},
                  {"schema", std::move(schema)},
                  {"description", description}};
    };
    const json str = {{"type", "string"}};
    const json coords = query("coords", str,
                              "A WKT point: POINT(lon lat) in CRS84, or in the CRS named by crs "
                              "(EPSG:4326 is lat lon). Give coords or q.");
    const json q =
        query("q", str, "An address as typed, placed by the geocoder. Give q or coords.");
    const json crs = query("crs", {{"type", "string"}, {"format", "uri"}},
                           "The CRS of coords and of the answer's geometry (CRS84, EPSG:4326, "
                           "EPSG:3857, EPSG:28992).");
    const json fmt =
        query("f", {{"type", "string"}, {"enum", {"json", "html", "csv"}}}, "The representation.");
    const json obj = {{"type", "object"}};
    json nearby = get_op(
        "The social base within a radius, or the k nearest, with the distance in metres", "Nearby",
        {"Data"},
        json::array({coords, q, crs,
                     query("within", {{"type", "number"}, {"minimum", 0}, {"maximum", 25000}},
                           "The radius (default 1000 m; at most 25 km)"),
                     query("within-units", {{"type", "string"}, {"enum", {"m", "km"}}},
                           "The unit of within (default m)"),
                     query("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}},
                           "The k nearest within the radius (default 50)"),
                     query("collections", str,
                           "Comma-separated social-base collections (default: all of them)"),
                     query("datetime", str, "An instant or interval: records taking place then"),
                     fmt}),
        responses(ok("A GeoJSON FeatureCollection ordered by distance (afstand_m), ties by id",
                     "application/geo+json", obj),
                  true));
    nearby["description"] =
        "Any other parameter naming a public field of the social base (soort, categorie, gebied, "
        "...) is an equality filter.";
    paths["/nearby"] = path_item(std::move(nearby), "Nearby");
    paths["/locate"] = path_item(
        get_op("The buurt, wijk and gebied of a place, its Amaryllis team and the nearest meeting "
               "place",
               "Locate", {"Data"}, json::array({coords, q, crs, fmt}),
               responses(ok("The place", "application/json", obj), true)),
        "Locate");
    {
      // The welcome pack of a new resident (docs/printing.md).
      json adres = query("adres", str, "The address as typed (at most 300 characters)");
      adres["required"] = true;
      json op = get_op(
          "The welcome pack of an address: its buurt, wijk, gebied and Amaryllis team, the "
          "nearest buurthuis or dorpshuis and the social base nearby",
          "Welkom", {"Data"},
          json::array({adres,
                       query("taal", {{"type", "string"}, {"enum", {"nl", "fy", "en"}}},
                             "The language (default nl)"),
                       query("f", {{"type", "string"}, {"enum", {"html", "pdf", "json"}}},
                             "The representation: an HTML page, a PDF (A4) or JSON")}),
          responses(ok("The welcome pack", "application/json", obj), true));
      op["responses"]["200"]["content"]["application/pdf"] = {
          {"schema", {{"type", "string"}, {"format", "binary"}}}};
      paths["/welkom"] = path_item(std::move(op), "Welkom");
    }
    for (const auto& [level, name] : {std::pair<const char*, const char*>{"gebieden", "id"},
                                      {"wijken", "code"},
                                      {"buurten", "code"}}) {
      const std::string path = std::string("/") + level + "/{" + name + "}/overzicht";
      json op = get_op(
          std::string("The overview of one of the ") + level +
              ": counts per buurt, soort and categorie, support, meeting places, initiatives, "
              "white spots",
          op_id(std::string(level) + "-overzicht"), {"Data"},
          json::array(
              {json{{"name", name}, {"in", "path"}, {"required", true}, {"schema", str}},
               query("f", {{"type", "string"}, {"enum", {"json", "csv", "html", "pdf"}}},
                     "The encoding: json (the default), csv (one row per buurt), html (the page "
                     "to print: map, charts, tables) or pdf (the same, A4)")}),
          responses(ok("The overview", "application/json", obj), true));
      op["responses"]["200"]["content"]["text/csv"] = {{"schema", str}};
      op["responses"]["200"]["content"]["application/pdf"] = {
          {"schema", {{"type", "string"}, {"format", "binary"}}}};
      paths[path] = path_item(std::move(op), op_id(std::string(level) + "-overzicht"));
    }

    // Map styles (styles/README.md), in the shape of the draft OGC API - Styles.
    if (state.style_sheet) {
      const json style_f = query("f", {{"type", "string"}, {"enum", {"mapbox", "json"}}},
                                 "The encoding: mapbox (the MapLibre style, the default)");
      const json coll_f =
          query("f", {{"type", "string"}, {"enum", {"mapbox", "sld10", "esri"}}},
                "The encoding: mapbox (MapLibre, the default), sld10 (SLD 1.0 for QGIS), esri "
                "(the FeatureServer's drawingInfo)");
      paths["/styles"] =
          path_item(get_op("The map styles", "Styles", {"Capabilities"}, json::array({f}),
                           responses(ok("The styles", "application/json", obj), false)),
                    "Styles");
      const json style_id = {
          {"name", "styleId"}, {"in", "path"}, {"required", true}, {"schema", str}};
      paths["/styles/{styleId}"] = path_item(
          get_op(
              "A map style", "Style", {"Capabilities"}, json::array({style_id, style_f}),
              responses(ok("The MapLibre style", "application/vnd.mapbox.style+json", obj), true)),
          "Style");
      paths["/styles/{styleId}/metadata"] =
          path_item(get_op("The metadata of a map style", "StyleMetadata", {"Capabilities"},
                           json::array({style_id}),
                           responses(ok("The style metadata", "application/json", obj), true)),
                    "StyleMetadata");
      const json cid = {
          {"name", "collectionId"}, {"in", "path"}, {"required", true}, {"schema", str}};
      paths["/collections/{collectionId}/styles"] = path_item(
          get_op("The styles of a collection", "CollectionStyles", {"Capabilities"},
                 json::array({cid}), responses(ok("The styles", "application/json", obj), true)),
          "CollectionStyles");
      json enc = responses(json{{"description", "The style in the encoding asked for"},
                                {"content",
                                 {{"application/vnd.mapbox.style+json", {{"schema", obj}}},
                                  {"application/vnd.ogc.sld+xml;version=1.0", {{"schema", str}}},
                                  {"application/json", {{"schema", obj}}}}}},
                           true);
      paths["/collections/{collectionId}/styles/{styleId}"] =
          path_item(get_op("A style of a collection", "CollectionStyle", {"Capabilities"},
                           json::array({cid, style_id, coll_f}), enc),
                    "CollectionStyle");
      // The label glyphs the MapLibre style names (layers/glyphs.hpp, docs/styles.md).
      paths["/styles/fonts/{fontstack}/{range}.pbf"] = path_item(
          get_op(
              "Label glyphs of a font stack: 256 code points as SDF (the MapLibre glyph "
              "protobuf); an unknown stack gets the default font",
              "Glyphs", {"Capabilities"},
              json::array(
                  {json{{"name", "fontstack"},
                        {"in", "path"},
                        {"required", true},
                        {"description", "Font names, comma-separated: the first found"},
                        {"schema", str}},
                   json{{"name", "range"},
                        {"in", "path"},
                        {"required", true},
                        {"description", "start-end: 0-255, 256-511, ... 65280-65535"},
                        {"schema", {{"type", "string"}, {"pattern", "^[0-9]{1,5}-[0-9]{1,5}$"}}}}}),
              responses(json{{"description", "The glyphs"},
                             {"content",
                              {{"application/x-protobuf",
                                {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}},
                        true)),
          "Glyphs");
    }
  }

  for (const auto& c : state.catalogue.all()) {
    const std::string id = op_id(c->id);
    const std::string root = "/collections/" + c->id;
    paths[root] = path_item(
        get_op("The collection " + c->title, "Collection" + id, {"Capabilities"}, json::array({f}),
               responses(ok("The collection", "application/json", ref("schemas", "Collection")),
                         true)),
        "Collection" + id);

    json names = json::array();
    json sortable = json::array();
    json props = json::array();
    for (const auto& fld : c->fields) {
      if (fld.is_private) continue;
      names.push_back(fld.name);
      sortable.push_back(fld.name);
      sortable.push_back("+" + fld.name);
      sortable.push_back("-" + fld.name);
      if (is_items_parameter(fld.name)) continue;
      json schema = field_schema(fld);
      props.push_back({{"name", fld.name},
                       {"in", "query"},
                       {"description", "Only features whose " + fld.name + " equals this value" +
                                           (fld.title.empty() ? "" : " (" + fld.title + ")")},
                       {"required", false},
                       {"style", "form"},
                       {"explode", false},
                       {"schema", schema}});
    }
    json items_params = json::array({f, ref("parameters", "limit"), ref("parameters", "offset"),
                                     ref("parameters", "bbox"), ref("parameters", "bbox-crs"),
                                     ref("parameters", "crs"), ref("parameters", "datetime"),
                                     ref("parameters", "filter"), ref("parameters", "filter-lang"),
                                     ref("parameters", "filter-crs")});
    items_params.push_back(query_param(
        "sortby",
        "Sort keys: property names, each with + (ascending, the default) or - (descending).",
        {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}, {"enum", sortable}}}}));
    items_params.push_back(query_param(
        "properties", "The properties to return (default: all).",
        {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}, {"enum", names}}}}));
    for (auto& prop : props) items_params.push_back(prop);

    json items_ok = ok("The features (GeoJSON FeatureCollection), with a Content-Crs header",
                       "application/geo+json", ref("schemas", "FeatureCollection"));
    items_ok["headers"] = {{"Content-Crs",
                            {{"description", "The CRS of the geometries, as <URI>"},
                             {"schema", {{"type", "string"}}}}}};
    paths[root + "/items"] = path_item(get_op("Features of " + c->title, "Items" + id, {"Data"},
                                              items_params, responses(items_ok, true)),
                                       "Items" + id);

    json item_params =
        json::array({ref("parameters", "featureId"), f, ref("parameters", "crs"),
                     query_param("properties", "The properties to return (default: all).",
                                 {{"type", "array"},
                                  {"minItems", 1},
                                  {"items", {{"type", "string"}, {"enum", names}}}})});
    json item_ok = ok("The feature (GeoJSON Feature), with a Content-Crs header",
                      "application/geo+json", ref("schemas", "Feature"));
    item_ok["headers"] = items_ok["headers"];
    item_ok["headers"]["ETag"] = etag_header();
    paths[root + "/items/{featureId}"] =
        path_item(get_op("One feature of " + c->title, "Item" + id, {"Data"}, item_params,
                         responses(item_ok, true)),
                  "Item" + id);
    const auto& store = state.config.store;
    const bool writable =
        store.enabled && std::any_of(store.collections.begin(), store.collections.end(),
                                     [&](const auto& l) { return l.id == c->id; });
    if (writable) {
      const json feature = content("application/geo+json", ref("schemas", "Feature"));
      json created = {{"201",
                       {{"description", "Created: the stored feature, placed by the geocoder"},
                        {"headers",
                         {{"Location",
                           {{"description", "The URL of the new feature"},
                            {"schema", {{"type", "string"}, {"format", "uri"}}}}},
                          {"ETag", etag_header()}}},
                        {"content", feature}}}};
      paths[root + "/items"]["post"] = write_op("Add a feature to " + c->title, "create" + id,
                                                Body::Feature, false, std::move(created));
      json replaced = {{"200",
                        {{"description", "Replaced: the stored feature, placed by the geocoder"},
                         {"headers", {{"ETag", etag_header()}}},
                         {"content", feature}}}};
      paths[root + "/items/{featureId}"]["put"] =
          write_op("Replace a feature of " + c->title, "replace" + id, Body::Feature, true,
                   std::move(replaced));
      json patched = {{"200",
                       {{"description",
                         "Updated: the stored feature, placed again when its "
                         "address or point changed"},
                        {"headers", {{"ETag", etag_header()}}},
                        {"content", feature}}}};
      paths[root + "/items/{featureId}"]["patch"] =
          write_op("Update properties or the point of a feature of " + c->title, "update" + id,
                   Body::Patch, true, std::move(patched));
      json deleted = {{"204", {{"description", "Deleted (its history is kept)"}}}};
      paths[root + "/items/{featureId}"]["delete"] = write_op(
          "Delete a feature of " + c->title, "delete" + id, Body::None, true, std::move(deleted));

      // The history of a record (admin).
      json history_ok = {
          {"200",
           {{"description",
             "Every write of the record, oldest first: who (the key's name), "
             "when, the operation and the record before and after"},
            {"content",
             content("application/json",
                     {{"type", "object"},
                      {"properties",
                       {{"id", {{"type", "string"}}},
                        {"collection", {{"type", "string"}}},
                        {"history",
                         {{"type", "array"}, {"items", ref("schemas", "HistoryEntry")}}}}}})}}},
          {"304", ref("responses", "NotModified")},
          {"400", ref("responses", "BadRequest")},
          {"401", ref("responses", "Unauthorized")},
          {"403", ref("responses", "Forbidden")},
          {"404", ref("responses", "NotFound")},
          {"500", ref("responses", "ServerError")}};
      json history_get = {{"summary", "The history of a feature of " + c->title},
                          {"operationId", "history" + id},
                          {"tags", {"Data"}},
                          {"security", json::array({{{"bearer", json::array()}}})},
                          {"parameters", json::array({ref("parameters", "featureId")})},
                          {"responses", std::move(history_ok)}};
      paths[root + "/items/{featureId}/history"] = {{"get", std::move(history_get)},
                                                    {"options", options_op("History" + id)}};
    }
    paths[root + "/queryables"] = path_item(
        get_op(
            "The queryables of " + c->title + " (JSON Schema)", "Queryables" + id, {"Capabilities"},
            json::array({f}),
            responses(ok("The queryables", "application/schema+json", ref("schemas", "Queryables")),
                      true)),
        "Queryables" + id);
  }
  if (state.config.store.enabled) {
    json ok_export = {
        {"200",
         {{"description",
           "Every write of the store, oldest first (JSON, or CSV with the columns seq, record_id, "
           "op, actor, at, before, after)"},
          {"content",
           {{"application/json",
             {{"schema",
               {{"type", "object"},
                {"properties",
                 {{"history", {{"type", "array"}, {"items", ref("schemas", "HistoryEntry")}}}}}}}}},
            {"text/csv", {{"schema", {{"type", "string"}}}}}}}}},
        {"304", ref("responses", "NotModified")},
        {"400", ref("responses", "BadRequest")},
        {"401", ref("responses", "Unauthorized")},
        {"403", ref("responses", "Forbidden")},
        {"404", ref("responses", "NotFound")},
        {"500", ref("responses", "ServerError")}};
    json fmt = query_param("f", "The representation: json (default) or csv.",
                           {{"type", "string"}, {"enum", {"json", "csv"}}, {"default", "json"}});
    json get = {{"summary", "The history of the store (export)"},
                {"operationId", "getHistory"},
                {"tags", {"Data"}},
                {"security", json::array({{{"bearer", json::array()}}})},
                {"parameters", json::array({fmt})},
                {"responses", std::move(ok_export)}};
    paths["/history"] = {{"get", std::move(get)}, {"options", options_op("History")}};
  }
  if (state.config.store.enabled && !state.config.store.submissions.collection.empty()) {
    // Residents submit initiatives (docs/submissions.md): no key; editors read the queue.
    json props = json::object();
    for (const char* name :
         {"naam", "omschrijving", "categorie", "adres", "straat", "huisnummer", "postcode",
          "plaats", "website", "aanmelder_naam", "aanmelder_email", "aanmelder_telefoon"})
      props[name] = {{"type", "string"}};
    for (const char* name : {"lat", "lon", "scharrelbudget"}) props[name] = {{"type", "number"}};
    const json schema = {
        {"type", "object"},
        {"required", {"naam", "omschrijving", "aanmelder_naam", "aanmelder_email"}},
        {"properties", props}};
    json accepted = {
        {"202",
         {{"description",
           "Accepted: the reference number and what happens next. The initiative waits in status "
           "ingediend, in no public answer, until an editor moves it on."},
          {"content",
           content("application/json", {{"type", "object"},
                                        {"properties",
                                         {{"referentie", {{"type", "string"}}},
                                          {"status", {{"type", "string"}}},
                                          {"volgende_stappen", {{"type", "string"}}}}}})}}},
        {"400", ref("responses", "BadRequest")},
        {"413", ref("responses", "TooLarge")},
        {"415", ref("responses", "UnsupportedMediaType")},
        {"429",
         {{"description", "Too many submissions from this client in the last hour (Retry-After)."},
          {"content", content("application/json", ref("schemas", "Exception"))}}},
        {"503",
         {{"description", "Too many submissions wait for an editor; try later (Retry-After)."},
          {"content", content("application/json", ref("schemas", "Exception"))}}},
        {"500", ref("responses", "ServerError")}};
    json post = {{"summary", "Submit a citizen initiative (no key needed)"},
                 {"operationId", "submitInitiative"},
                 {"tags", {"Data"}},
                 {"requestBody",
                  {{"required", true},
                   {"content",
                    {{"application/json", {{"schema", schema}}},
                     {"application/x-www-form-urlencoded", {{"schema", schema}}}}}}},
                 {"responses", std::move(accepted)}};
    json queue_ok = {
        {"200",
         {{"description",
           "The submissions waiting, oldest first, with every field (GeoJSON, or "
           "CSV with f=csv)"},
          {"content",
           {{"application/geo+json", {{"schema", ref("schemas", "FeatureCollection")}}},
            {"text/csv", {{"schema", {{"type", "string"}}}}}}}}},
        {"304", ref("responses", "NotModified")},
        {"400", ref("responses", "BadRequest")},
        {"401", ref("responses", "Unauthorized")},
        {"403", ref("responses", "Forbidden")},
        {"500", ref("responses", "ServerError")}};
    json fmt = query_param("f", "The representation: json (default) or csv.",
                           {{"type", "string"}, {"enum", {"json", "csv"}}, {"default", "json"}});
    json queue = {{"summary", "The submissions waiting for an editor (editor key)"},
                  {"operationId", "getSubmissions"},
                  {"tags", {"Data"}},
                  {"security", json::array({{{"bearer", json::array()}}})},
                  {"parameters", json::array({fmt})},
                  {"responses", std::move(queue_ok)}};
    paths["/submissions"] = {{"post", std::move(post)},
                             {"get", std::move(queue)},
                             {"options", options_op("Submissions")}};
  }
  // The routes with an HTML page also take lang (server/html.hpp).
  for (auto it = paths.begin(); it != paths.end(); ++it) {
    const std::string& path = it.key();
    json& item = it.value();
    const bool page = path == "/" || path == "/conformance" || path == "/api" ||
                      path == "/api.html" || path.rfind("/collections", 0) == 0;
    const bool other =
        path.find("/styles") != std::string::npos || path.find("/history") != std::string::npos;
    if (page && !other && item.contains("get"))
      item["get"]["parameters"].push_back(ref("parameters", "lang"));
  }
  p["paths"] = paths;
  p["components"] = components(state);
  return p;
}

}  // namespace gebieden::server
