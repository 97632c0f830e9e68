#include "server/ogc_api.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "geo/error.hpp"
#include "layers/geojson.hpp"
#include "layers/json_format.hpp"
#include "server/service.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::ordered_json;

constexpr const char* kJson = "application/json";
constexpr const char* kGeoJson = "application/geo+json";
constexpr const char* kOpenApi = "application/vnd.oai.openapi+json;version=3.0";

Response json_response(const json& j, const char* type = kJson) {
  Response r;
  r.content_type = type;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

json link(const std::string& href, const std::string& rel, const std::string& type,
          const std::string& title = {}) {
  json l = {{"href", href}, {"rel", rel}, {"type", type}};
  if (!title.empty()) l["title"] = title;
  return l;
}

void append_link(std::string& out, const std::string& href, const char* rel, const char* type) {
  out += R"({"href":)";
  layers::append_json_string(out, href);
  out += R"(,"rel":")";
  out += rel;
  out += R"(","type":")";
  out += type;
  out += R"("})";
}

/// Only `f=json` is served in this version; anything else is a 400 naming `f`.
void check_format(const Request& req) {
  if (auto f = req.param("f")) {
    if (*f != "json" && *f != "geojson" && *f != "application/json" && *f != "application/geo+json")
      throw input_error(ErrorCode::InvalidParameter, "f",
                        "f: unsupported format '" + f->substr(0, 40) + "' (supported: json)");
  }
}

void only_params(const Request& req, std::initializer_list<const char*> allowed) {
  std::set<std::string> ok(allowed.begin(), allowed.end());
  for (const auto& [k, v] : req.query)
    if (!ok.count(k))
      throw input_error(ErrorCode::UnknownParameter, k,
                        "unknown parameter '" + k.substr(0, 60) + "'");
}

bool parse_int(const std::string& s, long long& out) {
  if (s.empty()) return false;
  auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size() && std::isfinite(out);
}

std::string now_rfc3339() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json bbox_json(const geo::Box& b) {
  if (!b.valid) return json::array();
  return json::array({json::array({b.minx, b.miny, b.maxx, b.maxy})});
}

const std::vector<geo::Crs> kServedCrs = {geo::Crs::CRS84, geo::Crs::EPSG4326, geo::Crs::EPSG3857,
                                          geo::Crs::EPSG28992};
}  // namespace

Response OgcApi::route(const Request& req, const std::vector<std::string>& seg) const {
  const std::string allow = "GET, OPTIONS";
  auto known = [&]() -> bool {
    if (seg.empty()) return true;
    if (seg.size() == 1)
      return seg[0] == "health" || seg[0] == "conformance" || seg[0] == "collections" ||
             seg[0] == "api";
    if (seg[0] != "collections") return false;
    if (seg.size() == 2) return true;
    if (seg[2] != "items") return false;
    return seg.size() <= 4;
  };
  if (!known())
    throw input_error(ErrorCode::NotFound, "path", "no such path: " + req.path.substr(0, 200));
  if (req.method == "OPTIONS") return options_response(allow);
  if (req.method != "GET") {
    Response r = error_response(ErrorCode::MethodNotAllowed, "method " + req.method.substr(0, 16) +
                                                                 " is not allowed here; use GET");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  if (seg.empty()) return landing(req);
  if (seg[0] == "health") return health(req);
  if (seg[0] == "conformance") return conformance(req);
  if (seg[0] == "api") return openapi(req);
  if (seg.size() == 1) return collections(req);
  if (seg.size() == 2) return collection(req, seg[1]);
  if (seg.size() == 3) return items(req, seg[1]);
  return item(req, seg[1], seg[3]);
}

std::string OgcApi::base_url(const Request& req) const {
  if (!m_state.config.server.base_url.empty()) return m_state.config.server.base_url;
  std::string host = req.header("host");
  // Keep only characters that belong in a host[:port]; anything else falls back.
  bool ok = !host.empty() && host.size() < 256;
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' ||
          c == '[' || c == ']'))
      ok = false;
  if (!ok) host = m_state.config.server.host + ":" + std::to_string(m_state.config.server.port);
  return "http://" + host;
}

Response OgcApi::health(const Request& req) const {
  only_params(req, {"f"});
  json j;
  j["status"] = "ok";
  json counts = json::object();
  for (const auto& c : m_state.catalogue.all()) counts[c->id] = c->features.size();
  j["collections"] = counts;
  return json_response(j);
}

Response OgcApi::landing(const Request& req) const {
  only_params(req, {"f"});
  check_format(req);
  const std::string base = base_url(req);
  json j;
  j["title"] = "gebieden: " + m_state.config.gemeentenaam;
  j["description"] = "Buurten, wijken, gebieden and the social base of gemeente " +
                     m_state.config.gemeentenaam + " as OGC API - Features.";
  j["links"] =
      json::array({link(base + "/", "self", kJson, "This document"),
                   link(base + "/api", "service-desc", kOpenApi, "The API definition"),
                   link(base + "/conformance", "conformance", kJson, "Conformance classes"),
                   link(base + "/collections", "data", kJson, "The collections")});
  return json_response(j);
}

Response OgcApi::conformance(const Request& req) const {
  only_params(req, {"f"});
  check_format(req);
  json j;
  j["conformsTo"] = json::array({"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                                 "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                                 "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
                                 "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"});
  return json_response(j);
}

namespace {
json collection_json(const layers::Collection& c, const std::string& base) {
  json j;
  j["id"] = c.id;
  j["title"] = c.title;
  j["description"] = c.description;
  j["itemType"] = "feature";
  j["links"] = json::array(
      {link(base + "/collections/" + c.id, "self", kJson, c.title),
       link(base + "/collections/" + c.id + "/items", "items", kGeoJson, c.title + " (GeoJSON)")});
  j["extent"] = {
      {"spatial", {{"bbox", bbox_json(c.extent())}, {"crs", geo::crs_uri(geo::Crs::CRS84)}}}};
  json crs = json::array();
  for (auto k : kServedCrs) crs.push_back(geo::crs_uri(k));
  j["crs"] = crs;
  j["storageCrs"] = geo::crs_uri(geo::Crs::EPSG28992);
  if (!c.attribution.empty()) j["attribution"] = c.attribution;
  return j;
}
}  // namespace

Response OgcApi::collections(const Request& req) const {
  only_params(req, {"f"});
  check_format(req);
  const std::string base = base_url(req);
  json j;
  j["links"] = json::array({link(base + "/collections", "self", kJson, "The collections")});
  json arr = json::array();
  for (const auto& c : m_state.catalogue.all()) arr.push_back(collection_json(*c, base));
  j["collections"] = arr;
  return json_response(j);
}

Response OgcApi::collection(const Request& req, const std::string& id) const {
  only_params(req, {"f"});
  check_format(req);
  auto c = m_state.catalogue.get(id);
  if (!c)
    throw input_error(ErrorCode::NotFound, "collectionId",
                      "no collection '" + id.substr(0, 100) + "'");
  return json_response(collection_json(*c, base_url(req)));
}

ItemsRequest OgcApi::parse_items(const Request& req, const layers::Collection& c) const {
  ItemsRequest out;
  auto& q = out.query;
  const auto& sc = m_state.config.server;
  q.limit = static_cast<std::size_t>(sc.default_limit);
  std::set<std::string> seen;
  std::optional<std::string> bbox_text;
  std::optional<geo::Crs> bbox_crs;
  for (const auto& [k, v] : req.query) {
    if (!seen.insert(k).second)
      throw input_error(ErrorCode::InvalidParameter, k, k + ": given more than once");
    if (k == "f") {
      check_format(req);
    } else if (k == "limit") {
      long long n = 0;
      if (!parse_int(v, n))
        throw input_error(ErrorCode::InvalidParameter, "limit",
                          "limit: '" + v.substr(0, 40) + "' is not an integer");
      if (n < 1)
        throw input_error(ErrorCode::InvalidParameter, "limit", "limit: must be at least 1");
      q.limit =
          static_cast<std::size_t>(std::min<long long>(n, sc.max_limit));  // clamped, not refused
      out.echo.emplace_back(k, std::to_string(q.limit));
    } else if (k == "offset") {
      long long n = 0;
      if (!parse_int(v, n))
        throw input_error(ErrorCode::InvalidParameter, "offset",
                          "offset: '" + v.substr(0, 40) + "' is not an integer");
      if (n < 0)
        throw input_error(ErrorCode::InvalidParameter, "offset", "offset: must not be negative");
      q.offset = static_cast<std::size_t>(n);
    } else if (k == "bbox") {
      bbox_text = v;
      out.echo.emplace_back(k, v);
    } else if (k == "bbox-crs") {
      bbox_crs = geo::crs_from_uri(v);
      if (!bbox_crs)
        throw input_error(ErrorCode::InvalidParameter, "bbox-crs",
                          "bbox-crs: unsupported CRS '" + v.substr(0, 100) + "'");
      out.echo.emplace_back(k, v);
    } else if (k == "crs") {
      auto crs = geo::crs_from_uri(v);
      if (!crs)
        throw input_error(ErrorCode::InvalidParameter, "crs",
                          "crs: unsupported CRS '" + v.substr(0, 100) + "'");
      q.crs = *crs;
      out.echo.emplace_back(k, v);
    } else if (k == "datetime") {
      // Boundaries carry no time: every feature matches any valid instant or interval.
      out.echo.emplace_back(k, v);
    } else if (int fi = c.field_index(k); fi >= 0 && !c.fields[fi].is_private) {
      q.equals.emplace_back(fi, v);
      out.echo.emplace_back(k, v);
    } else {
      throw input_error(ErrorCode::UnknownParameter, k,
                        "unknown parameter '" + k.substr(0, 60) + "'");
    }
  }
  if (bbox_text) {
    std::vector<double> nums;
    std::size_t i = 0;
    const std::string& s = *bbox_text;
    while (i <= s.size()) {
      std::size_t j = s.find(',', i);
      if (j == std::string::npos) j = s.size();
      double d = 0;
      if (!parse_double(s.substr(i, j - i), d))
        throw input_error(
            ErrorCode::InvalidParameter, "bbox",
            "bbox: '" + s.substr(i, std::min<std::size_t>(j - i, 40)) + "' is not a number");
      nums.push_back(d);
      if (nums.size() > 6) break;
      i = j + 1;
    }
    if (nums.size() != 4 && nums.size() != 6)
      throw input_error(ErrorCode::InvalidParameter, "bbox", "bbox: must have 4 or 6 numbers");
    geo::Box b;
    const std::size_t n = nums.size();
    double minx = nums[0], miny = nums[1], maxx = nums[n / 2], maxy = nums[n / 2 + 1];
    const geo::Crs crs = bbox_crs.value_or(geo::Crs::CRS84);
    if (crs == geo::Crs::EPSG4326) {
      std::swap(minx, miny);
      std::swap(maxx, maxy);
    }
    if (miny > maxy)
      throw input_error(ErrorCode::InvalidParameter, "bbox",
                        "bbox: the lower y is above the upper y");
    if (crs == geo::Crs::CRS84 || crs == geo::Crs::EPSG4326) {
      if (minx < -180 || maxx > 180 || miny < -90 || maxy > 90)
        throw input_error(ErrorCode::InvalidParameter, "bbox",
                          "bbox: coordinates out of range for longitude/latitude");
      if (minx > maxx) {  // crosses the antimeridian: far from here, but honour it
        minx = -180;
        maxx = 180;
      }
      b.expand(geo::XY{minx, miny});
      b.expand(geo::XY{maxx, maxy});
    } else {
      if (minx > maxx)
        throw input_error(ErrorCode::InvalidParameter, "bbox",
                          "bbox: the lower x is above the upper x");
      auto to_ll = [&](geo::XY p) {
        if (crs == geo::Crs::EPSG3857) return geo::webmercator_to_lonlat(p);
        return m_state.transformers.get(28992, 4326).forward(p);
      };
      // Transform the four corners and take their envelope.
      for (auto p :
           {geo::XY{minx, miny}, geo::XY{maxx, miny}, geo::XY{maxx, maxy}, geo::XY{minx, maxy}}) {
        const geo::XY ll = to_ll(p);
        if (!std::isfinite(ll.x) || !std::isfinite(ll.y))
          throw input_error(ErrorCode::InvalidParameter, "bbox",
                            "bbox: outside the area of use of the bbox-crs");
        b.expand(ll);
      }
    }
    q.bbox = b;
  } else if (bbox_crs) {
    throw input_error(ErrorCode::InvalidParameter, "bbox-crs", "bbox-crs: given without bbox");
  }
  return out;
}

Response OgcApi::items(const Request& req, const std::string& id) const {
  auto c = m_state.catalogue.get(id);
  if (!c)
    throw input_error(ErrorCode::NotFound, "collectionId",
                      "no collection '" + id.substr(0, 100) + "'");
  ItemsRequest ir = parse_items(req, *c);
  const layers::FeaturePage page = layers::run_query(c, ir.query);
  const std::string base = base_url(req);
  const std::string self = base + "/collections/" + c->id + "/items";
  auto href = [&](std::size_t offset) {
    std::string h = self + "?f=json";
    bool has_limit = false;
    for (const auto& [k, v] : ir.echo) {
      h += "&" + percent_encode(k) + "=" + percent_encode(v);
      if (k == "limit") has_limit = true;
    }
    if (!has_limit) h += "&limit=" + std::to_string(ir.query.limit);
    if (offset) h += "&offset=" + std::to_string(offset);
    return h;
  };

  const auto fields = layers::public_fields(*c);
  std::string out;
  out.reserve(256 + page.features.size() * 2048);
  out += R"({"type":"FeatureCollection","numberMatched":)";
  out += std::to_string(page.number_matched);
  out += R"(,"numberReturned":)";
  out += std::to_string(page.features.size());
  out += R"(,"timeStamp":")";
  out += now_rfc3339();
  out += R"(","links":[)";
  append_link(out, href(ir.query.offset), "self", kGeoJson);
  out.push_back(',');
  append_link(out, base + "/collections/" + c->id, "collection", kJson);
  if (ir.query.offset + page.features.size() < page.number_matched) {
    out.push_back(',');
    append_link(out, href(ir.query.offset + page.features.size()), "next", kGeoJson);
  }
  if (ir.query.offset > 0) {
    out.push_back(',');
    append_link(out, href(ir.query.offset > ir.query.limit ? ir.query.offset - ir.query.limit : 0),
                "prev", kGeoJson);
  }
  out += R"(],"features":[)";
  for (std::size_t i = 0; i < page.features.size(); ++i) {
    if (i) out.push_back(',');
    layers::append_feature(out, *c, *page.features[i], ir.query.crs, fields);
  }
  out += "]}";
  Response r;
  r.content_type = kGeoJson;
  r.body = std::move(out);
  r.headers.emplace_back("Content-Crs", "<" + geo::crs_uri(ir.query.crs) + ">");
  return r;
}

Response OgcApi::item(const Request& req, const std::string& id,
                      const std::string& feature_id) const {
  auto c = m_state.catalogue.get(id);
  if (!c)
    throw input_error(ErrorCode::NotFound, "collectionId",
                      "no collection '" + id.substr(0, 100) + "'");
  geo::Crs crs = geo::Crs::CRS84;
  for (const auto& [k, v] : req.query) {
    if (k == "f") {
      check_format(req);
    } else if (k == "crs") {
      auto parsed = geo::crs_from_uri(v);
      if (!parsed)
        throw input_error(ErrorCode::InvalidParameter, "crs",
                          "crs: unsupported CRS '" + v.substr(0, 100) + "'");
      crs = *parsed;
    } else {
      throw input_error(ErrorCode::UnknownParameter, k,
                        "unknown parameter '" + k.substr(0, 60) + "'");
    }
  }
  const layers::Feature* f = c->find(feature_id);
  if (!f)
    throw input_error(ErrorCode::NotFound, "featureId",
                      "no feature '" + feature_id.substr(0, 100) + "' in " + c->id);
  const std::string base = base_url(req);
  std::string links = R"(,"links":[)";
  append_link(links, base + "/collections/" + c->id + "/items/" + percent_encode(f->id) + "?f=json",
              "self", kGeoJson);
  links.push_back(',');
  append_link(links, base + "/collections/" + c->id, "collection", kJson);
  links.push_back(']');
  Response r;
  r.content_type = kGeoJson;
  layers::append_feature(r.body, *c, *f, crs, layers::public_fields(*c), links);
  r.headers.emplace_back("Content-Crs", "<" + geo::crs_uri(crs) + ">");
  return r;
}

Response OgcApi::openapi(const Request& req) const {
  only_params(req, {"f"});
  check_format(req);
  const std::string base = base_url(req);
  json err = {
      {"description", "Error"},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  auto ok = [](const char* type) {
    return json{{"description", "OK"}, {"content", {{type, {{"schema", {{"type", "object"}}}}}}}};
  };
  json p;
  p["openapi"] = "3.0.3";
  p["info"] = {
      {"title", "gebieden"},
      {"version", "0.1.0"},
      {"description", "Boundaries and the social base of gemeente " + m_state.config.gemeentenaam}};
  p["servers"] = json::array({{{"url", base}}});
  json f_param = {{"name", "f"},
                  {"in", "query"},
                  {"required", false},
                  {"schema", {{"type", "string"}, {"enum", json::array({"json"})}}}};
  json paths;
  auto simple = [&](const char* summary) {
    return json{{"get",
                 {{"summary", summary},
                  {"parameters", json::array({f_param})},
                  {"responses", {{"200", ok(kJson)}, {"400", err}, {"500", err}}}}}};
  };
  paths["/"] = simple("Landing page");
  paths["/conformance"] = simple("Conformance classes");
  paths["/api"] = simple("This API definition");
  paths["/collections"] = simple("The collections");
  json cid = {{"name", "collectionId"},
              {"in", "path"},
              {"required", true},
              {"schema", {{"type", "string"}}}};
  json coll = simple("One collection");
  coll["get"]["parameters"].push_back(cid);
  coll["get"]["responses"]["404"] = err;
  paths["/collections/{collectionId}"] = coll;
  json items_params = json::array(
      {cid,
       f_param,
       {{"name", "limit"},
        {"in", "query"},
        {"required", false},
        {"style", "form"},
        {"explode", false},
        {"schema",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", m_state.config.server.max_limit},
          {"default", m_state.config.server.default_limit}}}},
       {{"name", "offset"},
        {"in", "query"},
        {"required", false},
        {"schema", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}}},
       {{"name", "bbox"},
        {"in", "query"},
        {"required", false},
        {"style", "form"},
        {"explode", false},
        {"schema",
         {{"type", "array"}, {"minItems", 4}, {"maxItems", 6}, {"items", {{"type", "number"}}}}}},
       {{"name", "bbox-crs"},
        {"in", "query"},
        {"required", false},
        {"schema", {{"type", "string"}, {"format", "uri"}}}},
       {{"name", "crs"},
        {"in", "query"},
        {"required", false},
        {"schema", {{"type", "string"}, {"format", "uri"}}}},
       {{"name", "datetime"},
        {"in", "query"},
        {"required", false},
        {"schema", {{"type", "string"}}}},
       {{"name", "properties"},
        {"in", "query"},
        {"required", false},
        {"style", "form"},
        {"explode", true},
        {"description", "Property filters: any public property of the collection as name=value"},
        {"schema", {{"type", "object"}, {"additionalProperties", true}}}}});
  paths["/collections/{collectionId}/items"] = {
      {"get",
       {{"summary", "Features of a collection"},
        {"parameters", items_params},
        {"responses", {{"200", ok(kGeoJson)}, {"400", err}, {"404", err}, {"500", err}}}}}};
  json item_params = json::array(
      {cid,
       f_param,
       {{"name", "featureId"},
        {"in", "path"},
        {"required", true},
        {"schema", {{"type", "string"}}}},
       {{"name", "crs"}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}}});
  paths["/collections/{collectionId}/items/{featureId}"] = {
      {"get",
       {{"summary", "One feature"},
        {"parameters", item_params},
        {"responses", {{"200", ok(kGeoJson)}, {"400", err}, {"404", err}, {"500", err}}}}}};
  paths["/health"] = simple("Health check");
  p["paths"] = paths;
  p["components"] = {{"schemas",
                      {{"Error",
                        {{"type", "object"},
                         {"required", json::array({"code", "description"})},
                         {"properties",
                          {{"code", {{"type", "string"}}},
                           {"description", {{"type", "string"}}},
                           {"parameter", {{"type", "string"}}},
                           {"status", {{"type", "integer"}}}}}}}}}};
  return json_response(p, kOpenApi);
}

}  // namespace gebieden::server
