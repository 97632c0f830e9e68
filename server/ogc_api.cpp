#include "server/ogc_api.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "layers/geojson.hpp"
#include "layers/json_format.hpp"
#include "layers/ogc_filter.hpp"
#include "layers/ogc_geojson.hpp"
#include "server/html.hpp"
#include "server/http_manners.hpp"
#include "server/ogc_openapi.hpp"
#include "server/service.hpp"
#include "server/store_api.hpp"
#include "server/styles_api.hpp"
#include "util/calendar.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::ordered_json;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kJson = "application/json";
constexpr const char* kGeoJson = "application/geo+json";
constexpr const char* kHtml = "text/html";
constexpr const char* kHtmlType = "text/html; charset=utf-8";
constexpr const char* kOpenApi = "application/vnd.oai.openapi+json;version=3.0";
constexpr const char* kSchemaJson = "application/schema+json";
constexpr const char* kQueryablesRel = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

const std::vector<geo::Crs>& served_crs() {
  static const std::vector<geo::Crs> kServed = {geo::Crs::CRS84, geo::Crs::EPSG4326,
                                                geo::Crs::EPSG3857, geo::Crs::EPSG28992};
  return kServed;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response make(std::string body, const char* type, bool negotiated = true) {
  Response r;
  r.content_type = type;
  r.body = std::move(body);
  if (negotiated) r.headers.emplace_back("Vary", "Accept");
  return r;
}

json link(const std::string& href, const std::string& rel, const std::string& type,
          const std::string& title = {}) {
  json l = {{"href", href}, {"rel", rel}, {"type", type}};
  if (!title.empty()) l["title"] = title;
  return l;
}

void append_link(std::string& out, const std::string& href, const char* rel, const char* type,
                 const std::string& title = {}) {
  out += R"({"href":)";
  layers::append_json_string(out, href);
  out += R"(,"rel":")";
  out += rel;
  out += R"(","type":")";
  out += type;
  out.push_back('"');
  if (!title.empty()) {
    out += R"(,"title":)";
    layers::append_json_string(out, title);
  }
  out.push_back('}');
}

/// `path` with `params`, for one format: JSON links carry no `f` (JSON is the default and GDAL
/// appends its own parameters), HTML links start with f=html.
std::string href(const std::string& path, const Params& params, Format format) {
  std::string h = path;
  char sep = '?';
  if (format == Format::Html) {
    h += "?f=html";
    sep = '&';
  }
  for (const auto& [k, v] : params) {
    h.push_back(sep);
    h += percent_encode(k);
    h.push_back('=');
    h += percent_encode(v);
    sep = '&';
  }
  return h;
}

const char* type_of(Format f, const char* json_type) {
  return f == Format::Html ? kHtml : json_type;
}

/// self + alternate links of a document available as JSON (`json_type`) and HTML.
json doc_links(const std::string& path, Format format, const char* json_type,
               const std::string& title) {
  const Format other = format == Format::Json ? Format::Html : Format::Json;
  return json::array({link(href(path, {}, format), "self", type_of(format, json_type), title),
                      link(href(path, {}, other), "alternate", type_of(other, json_type),
                           title + (other == Format::Html ? " as HTML" : " as JSON"))});
}

std::string now_rfc3339() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return util::format_iso_datetime(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count(), false);
}

json bbox_json(const geo::Box& b) {
  return json::array({json::array({b.minx, b.miny, b.maxx, b.maxy})});
}

std::string field_type_name(layers::FieldType t) {
  switch (t) {
    case layers::FieldType::String:
      return "string";
    case layers::FieldType::Integer:
      return "integer";
    case layers::FieldType::Double:
      return "number";
    case layers::FieldType::Boolean:
      return "boolean";
    case layers::FieldType::Date:
      return "date-time";
  }
  return "string";
}

json collection_json(const layers::Collection& c, const std::string& base, Format format,
                     const OgcCache::Summary& summary) {
  const std::string path = base + "/collections/" + c.id;
  json j;
  j["id"] = c.id;
  j["title"] = c.title;
  j["description"] = c.description;
  j["itemType"] = "feature";
  json links = doc_links(path, format, kJson, c.title);
  links.push_back(
      link(href(path + "/items", {}, Format::Json), "items", kGeoJson, c.title + " (GeoJSON)"));
  links.push_back(
      link(href(path + "/items", {}, Format::Html), "items", kHtml, c.title + " (HTML)"));
  links.push_back(link(href(path + "/queryables", {}, Format::Json), kQueryablesRel, kSchemaJson,
                       "Queryables of " + c.title));
  links.push_back(link(href(path + "/queryables", {}, Format::Html), kQueryablesRel, kHtml,
                       "Queryables of " + c.title + " (HTML)"));
  links.push_back(
      link("https://creativecommons.org/licenses/by/4.0/", "license", kHtml, "CC BY 4.0"));
  j["links"] = links;
  json extent = json::object();
  if (c.extent().valid)
    extent["spatial"] = {{"bbox", bbox_json(c.extent())}, {"crs", geo::crs_uri(geo::Crs::CRS84)}};
  if (summary.temporal) {
    json a = summary.temporal->start ? json(layers::format_time(*summary.temporal->start)) : json();
    json b = summary.temporal->end ? json(layers::format_time(*summary.temporal->end)) : json();
    extent["temporal"] = {{"interval", json::array({json::array({a, b})})},
                          {"trs", "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}};
  }
  j["extent"] = extent;
  json crs = json::array();
  for (auto k : served_crs()) crs.push_back(geo::crs_uri(k));
  j["crs"] = crs;
  j["storageCrs"] = geo::crs_uri(geo::Crs::EPSG28992);
  if (!c.attribution.empty()) j["attribution"] = c.attribution;
  return j;
}

/// The HTML page around a JSON document, with breadcrumbs.
std::vector<html::Crumb> crumbs(const std::string& base, std::initializer_list<html::Crumb> more) {
  std::vector<html::Crumb> out = {{"gebieden", base + "/?f=html"}};
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

/// The language of an HTML page: `lang`, else Accept-Language (Dutch by default). A `lang` other
/// than nl or en is an input_error, in every format.
html::Lang page_lang(const Request& req) {
  if (auto v = req.param("lang")) {
    auto l = html::parse_lang(*v);
    if (!l)
      throw input_error(ErrorCode::InvalidParameter, "lang",
                        "lang: '" + shown(*v, 20) + "' is not supported (supported: nl, en)");
    return *l;
  }
  return html::accept_language(req.header("accept-language"));
}

/// An HTML page: negotiated by Accept and, for its language, by Accept-Language. A language
/// asked for by `lang` is kept in the page's links to other pages (those ending in ?f=html; the
/// paging links keep it with their other parameters).
Response html_response(const html::Page& page, const Request& req) {
  std::string body = html::render(page);
  if (req.param("lang")) {
    const std::string from = "?f=html\"";
    const std::string to = "?f=html&amp;lang=" + page.lang + "\"";
    // In the markup only: the map's data (after </main>) is JSON, not HTML.
    std::size_t end = std::min(body.find("</main>"), body.size());
    for (auto pos = body.find(from); pos != std::string::npos && pos < end;
         pos = body.find(from, pos + to.size())) {
      body.replace(pos, from.size(), to);
      end += to.size() - from.size();
    }
  }
  Response r = make(std::move(body), kHtmlType);
  for (auto& h : r.headers)
    if (h.first == "Vary") h.second = "Accept, Accept-Language";
  return r;
}

/// The links of a JSON document for its HTML page: the same links with the page's titles.
json page_links(const json& links, html::Lang lang, const std::string& title) {
  json out = json::array();
  for (json l : links) {
    const std::string rel = l.value("rel", "");
    const std::string type = l.value("type", "");
    const bool is_html = type == kHtml;
    std::string t;
    if (rel == "self")
      t = html::text(lang, "link.self");
    else if (rel == "alternate")
      t = html::text(lang, type == kGeoJson      ? "link.geojson"
                           : type == kSchemaJson ? "link.schema"
                                                 : "link.json");
    else if (rel == "service-desc")
      t = html::text(lang, "link.openapi");
    else if (rel == "service-doc")
      t = html::text(lang, "link.apidoc");
    else if (rel == "conformance")
      t = html::text(lang, is_html ? "link.conformance_html" : "link.conformance");
    else if (rel == "data")
      t = html::text(lang, is_html ? "link.collections_html" : "link.collections");
    else if (rel == "items")
      t = html::text(lang, is_html ? "link.items" : "link.items_geojson", {title});
    else if (rel == kQueryablesRel)
      t = html::text(lang, "link.queryables", {title}) + (is_html ? "" : " (JSON)");
    else if (rel == "license")
      t = html::text(lang, "link.license");
    else if (rel == "collection")
      t = html::text(lang, "link.collection", {title});
    if (!t.empty()) l["title"] = t;
    out.push_back(std::move(l));
  }
  return out;
}

std::string links_section(const json& links, html::Lang lang) {
  return "<h2>" + html::escape(html::text(lang, "links")) + "</h2>" + html::links_list(links);
}

bool is_point_collection(const layers::Collection& c) {
  return c.geometry_type == geo::GeometryType::Point ||
         c.geometry_type == geo::GeometryType::MultiPoint;
}

bool empty_value(const layers::Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return true;
  const auto* s = std::get_if<std::string>(&v);
  return s && s->empty();
}

std::string cell(const layers::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return html::text_value(*s);
  return html::escape(layers::to_string(v));
}

/// The header of a field: its title (the schema's), else its name.
std::string field_header(const layers::Field& f) {
  return f.title.empty() ? f.name : f.title;
}

/// The position of a field in a table made for people: the name first, then soort and
/// categorie, the areas (buurt, wijk, gebied), the status; the rest in the collection's order.
int usefulness(const layers::Collection& c, const std::string& name) {
  static const char* const kOrder[] = {"soort",    "categorie",      "buurtnaam",  "buurtcode",
                                       "wijknaam", "wijkcode",       "gebiednaam", "gebied",
                                       "status",   "geocode_status", nullptr};
  if (name == c.display_field || name == "naam") return 0;
  for (int i = 0; kOrder[i]; ++i)
    if (name == kOrder[i]) return 1 + i;
  return 100;
}

/// `fields` in the order of usefulness(), the field "id" left out (the id is shown once, by the
/// page); fields empty in every one of `features` go to `empty` when it is given.
std::vector<int> useful_fields(const layers::Collection& c, const std::vector<int>& fields,
                               const std::vector<const layers::Feature*>& features,
                               std::vector<int>* empty, bool reorder) {
  std::vector<int> out;
  for (int i : fields) {
    if (c.fields[i].is_private || c.fields[i].name == "id") continue;
    if (empty && std::all_of(features.begin(), features.end(),
                             [i](const layers::Feature* f) { return empty_value(f->values[i]); })) {
      empty->push_back(i);
      continue;
    }
    out.push_back(i);
  }
  if (reorder)
    std::stable_sort(out.begin(), out.end(), [&c](int a, int b) {
      return usefulness(c, c.fields[a].name) < usefulness(c, c.fields[b].name);
    });
  return out;
}

std::string field_names(const layers::Collection& c, const std::vector<int>& fields) {
  std::string out;
  for (int i : fields) {
    if (!out.empty()) out += ", ";
    out += field_header(c.fields[i]);
  }
  return out;
}

/// The name of a feature for people (its display field), else its id.
std::string feature_name(const layers::Collection& c, const layers::Feature& f) {
  int i = c.display_field.empty() ? -1 : c.field_index(c.display_field);
  if (i < 0) i = c.field_index("naam");
  if (i >= 0 && !c.fields[i].is_private)
    if (const auto* s = std::get_if<std::string>(&f.values[i]); s && !s->empty()) return *s;
  return f.id;
}

std::string string_field(const layers::Collection& c, const layers::Feature& f, const char* name) {
  const int i = c.field_index(name);
  if (i < 0 || c.fields[i].is_private) return {};
  if (const auto* s = std::get_if<std::string>(&f.values[i])) return *s;
  return {};
}

/// Why a record has no place on the map (its geocoding status and reason).
std::string unplaced_notice(const layers::Collection& c, const layers::Feature& f,
                            html::Lang lang) {
  const std::string status = string_field(c, f, "geocode_status");
  const std::string reason = string_field(c, f, "geocode_reason");
  std::string out =
      "<section class=\"notice\" aria-labelledby=\"unplaced-h\"><h2 id=\"unplaced-h\">" +
      html::escape(html::text(lang, "item.unplaced.title")) + "</h2><p>";
  out += html::escape(html::text(lang, status == "unmatched" ? "item.unplaced.unmatched"
                                       : status == "outside" ? "item.unplaced.outside"
                                                             : "item.unplaced.other"));
  if (!reason.empty() && !(status == "outside" && reason == "outside the gemeente")) {
    const std::string key = "reason." + reason;
    std::string why = html::text(lang, key);
    if (why == key) why = reason;
    out += " " + html::escape(html::text(lang, "item.unplaced.reason", {why}));
  }
  std::string address = string_field(c, f, "straat");
  if (!address.empty()) {
    const std::string nr = string_field(c, f, "huisnummer");
    if (!nr.empty()) address += " " + nr;
  }
  for (const char* part : {"postcode", "plaats"}) {
    const std::string v = string_field(c, f, part);
    if (v.empty()) continue;
    address += (address.empty() ? "" : ", ") + v;
  }
  if (!address.empty())
    out += " " + html::escape(html::text(lang, "item.unplaced.address", {address}));
  return out + "</p></section>";
}

std::string extent_text(const geo::Box& b, html::Lang lang) {
  if (!b.valid) return html::escape(html::text(lang, "no_extent"));
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%.3f – %.3f, %.3f – %.3f", b.minx, b.maxx, b.miny, b.maxy);
  return buf;
}

/// A FeatureCollection of CRS84 encodings for the map of an HTML page.
std::string map_geojson(const OgcCache::Encoded& enc, const layers::Collection& c,
                        const std::vector<const layers::Feature*>& features) {
  std::string out = R"({"type":"FeatureCollection","features":[)";
  for (std::size_t i = 0; i < features.size(); ++i) {
    if (i) out.push_back(',');
    out += enc[c.index_of(*features[i])];
  }
  out += "]}";
  return out;
}

std::string canonical_query(const Request& req) {
  Params q = req.query;
  std::sort(q.begin(), q.end());
  std::string out;
  for (const auto& [k, v] : q) {
    out += percent_encode(k);
    out.push_back('=');
    out += percent_encode(v);
    out.push_back('&');
  }
  return out;
}

std::string cache_key(const char* kind, const layers::Collection* c, const std::string& base,
                      Format format, bool gz, const Request& req, const std::string& extra = {}) {
  char ptr[32];
  std::snprintf(ptr, sizeof(ptr), "%p", static_cast<const void*>(c));
  std::string key = kind;
  key += '|';
  key += ptr;
  key += '|';
  key += base;
  key += format == Format::Html ? "|h|" : "|j|";
  key += gz ? "z|" : "i|";
  key += extra;
  key += '|';
  key += canonical_query(req);
  return key;
}

[[noreturn]] void not_found_collection(const std::string& id) {
  throw input_error(ErrorCode::NotFound, "collectionId", "no collection '" + shown(id, 100) + "'");
}
}  // namespace

// ---------------------------------------------------------------------------------------------

OgcApi::OgcApi(const ServiceState& state, OgcCache& cache, RequestContext ctx)
    : m_state(state), m_ctx(std::move(ctx)), m_cache(cache) {}

const std::vector<std::string>& OgcApi::conformance_classes() {
  static const std::vector<std::string> kClasses = {
      "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
      "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
      "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
      "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
      "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
      "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
      "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
      "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
      "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
      // Part 4 is a draft (20-002r1, 1.0.0-draft.2); optimistic locking is its clause 8 (the
      // draft's table prints /req/ there, a typo: the class is under /conf/).
      "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
      "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
      "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
      "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
      "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
      "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
      "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
      "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
      "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
      "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
      "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions"};
  return kClasses;
}

Response OgcApi::route(const Request& req, const std::vector<std::string>& seg) const {
  auto known = [&]() -> bool {
    if (seg.empty()) return true;
    if (seg[0] == "static") return seg.size() >= 3 && seg.size() <= 4 && seg[1] == "leaflet";
    if (seg.size() == 1)
      return seg[0] == "health" || seg[0] == "conformance" || seg[0] == "collections" ||
             seg[0] == "api" || seg[0] == "api.html";
    if (seg[0] != "collections") return false;
    if (seg.size() == 2) return true;
    if (seg.size() == 3) return seg[2] == "items" || seg[2] == "queryables";
    return seg.size() == 4 && seg[2] == "items";
  };
  if (!known())
    throw input_error(ErrorCode::NotFound, "path", "no such path: " + shown(req.path, 200));
  // The store collections also take writes (StoreApi): POST on items, PUT/PATCH/DELETE on an
  // item, as far as the presented key may (OPTIONS says which, QGIS decides from it).
  const std::string allow = allowed_methods(m_state, m_ctx.viewer, seg);
  if (req.method == "OPTIONS") return path_options(m_state, m_ctx.viewer, seg);
  if (req.method != "GET") {
    Response r = error_response(ErrorCode::MethodNotAllowed, "method " + shown(req.method, 16) +
                                                                 " is not allowed here; use GET");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  if (seg.empty()) return landing(req);
  if (seg[0] == "static") return static_file(req, seg);
  if (seg[0] == "health") return health(req);
  if (seg[0] == "conformance") return conformance(req);
  if (seg[0] == "api") return openapi(req);
  if (seg[0] == "api.html") return api_html(req);
  if (seg.size() == 1) return collections(req);
  if (seg.size() == 2) return collection(req, seg[1]);
  if (seg.size() == 3) return seg[2] == "items" ? items(req, seg[1]) : queryables(req, seg[1]);
  return item(req, seg[1], seg[3]);
}

std::string OgcApi::base_url(const Request& req) const {
  return server::base_url(m_state, req);
}

layers::CollectionPtr OgcApi::find_collection(const std::string& id) const {
  auto c = m_ctx.catalogue.get(id);
  if (!c) not_found_collection(id);
  return c;
}

html::Page OgcApi::html_page(const std::string& base, html::Lang lang) const {
  html::Page p;
  p.base = base;
  p.lang = std::string(html::lang_code(lang));
  // The base map of the configuration (map.basemap, shared with the map app); none by default.
  p.basemap_url = m_state.config.map.basemap.url;
  p.basemap_attribution = m_state.config.map.basemap.attribution;
  if (auto g = m_ctx.catalogue.get("gemeente"); g && !g->features.empty()) {
    p.context_geojson = all_features_geojson(g);
    p.context_style = layer_style(*g);
    if (!p.context_style.is_object()) p.context_style = json::object();
  }
  return p;
}

json OgcApi::layer_style(const layers::Collection& c) const {
  if (!m_state.style_sheet) return json();
  const auto* s = m_state.style_sheet->for_collection(c.id, is_point_collection(c));
  return s ? html::style_json(*s) : json();
}

std::string OgcApi::all_features_geojson(const layers::CollectionPtr& c) const {
  const auto enc = m_cache.features(c, geo::Crs::CRS84);
  std::vector<const layers::Feature*> all;
  all.reserve(c->features.size());
  for (const auto& f : c->features) all.push_back(&f);
  return map_geojson(*enc, *c, all);
}

Response OgcApi::health(const Request& req) const {
  check_params(req, {"f"});
  json j;
  j["status"] = "ok";
  json counts = json::object();
  for (const auto& c : m_ctx.catalogue.all()) counts[c->id] = c->features.size();
  j["collections"] = counts;
  Response r = make(dump(j), kJson, false);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::string OgcApi::people_section(const std::string& base, html::Lang lang) const {
  // What people come for, before the machine links: the map app, the overviews, the welcome
  // pack (HTML only: the landing JSON stays as OGC API - Features describes it).
  std::string h = "<section><h2>" + html::escape(html::text(lang, "landing.people")) +
                  "</h2><ul><li><a href=\"" + html::escape(base) + "/map/\">" +
                  html::escape(html::text(lang, "landing.map")) + "</a></li><li>" +
                  html::escape(html::text(lang, "landing.overviews")) + " ";
  const auto& gebieden = m_state.model->gebieden();
  for (std::size_t i = 0; i < gebieden.size(); ++i)
    h += std::string(i ? ", " : "") + "<a href=\"" + html::escape(base) + "/gebieden/" +
         html::escape(gebieden[i].config.id) + "/overzicht?f=html\">" +
         html::escape(gebieden[i].config.name) + "</a>";
  h += "</li></ul><form method=\"get\" action=\"" + html::escape(base) + "/welkom\"><h3>" +
       html::escape(html::text(lang, "landing.welkom")) + "</h3><label for=\"welkom-adres\">" +
       html::escape(html::text(lang, "landing.address")) +
       "</label> <input id=\"welkom-adres\" name=\"adres\" required maxlength=\"200\" "
       "autocomplete=\"street-address\"> <button type=\"submit\">" +
       html::escape(html::text(lang, "landing.make")) + "</button></form></section>";
  return h;
}

Response OgcApi::landing(const Request& req) const {
  check_params(req, {"f", "lang"});
  const Format format = negotiate(req);
  const html::Lang lang = page_lang(req);
  const std::string base = base_url(req);
  json j;
  j["title"] = "gebieden: " + m_state.config.gemeentenaam;
  j["description"] = "Buurten, wijken, gebieden and the social base of gemeente " +
                     m_state.config.gemeentenaam + " as OGC API - Features.";
  json links = doc_links(base + "/", format, kJson, "This document");
  links.push_back(
      link(base + "/api", "service-desc", kOpenApi, "The API definition (OpenAPI 3.0)"));
  links.push_back(link(base + "/api.html", "service-doc", kHtml, "The API documentation"));
  links.push_back(link(base + "/conformance", "conformance", kJson, "Conformance classes"));
  links.push_back(
      link(base + "/conformance?f=html", "conformance", kHtml, "Conformance classes (HTML)"));
  links.push_back(link(base + "/collections", "data", kJson, "The collections"));
  links.push_back(link(base + "/collections?f=html", "data", kHtml, "The collections (HTML)"));
  j["links"] = links;
  if (format == Format::Json) return make(dump(j), kJson);
  html::Page page = html_page(base, lang);
  page.title = html::text(lang, "landing.title", {m_state.config.gemeentenaam});
  page.crumbs = {{"gebieden", ""}};
  page.body =
      "<p>" + html::escape(html::text(lang, "landing.description", {m_state.config.gemeentenaam})) +
      "</p>" + people_section(base, lang) + links_section(page_links(links, lang, ""), lang);
  return html_response(page, req);
}

Response OgcApi::conformance(const Request& req) const {
  check_params(req, {"f", "lang"});
  const Format format = negotiate(req);
  const html::Lang lang = page_lang(req);
  const std::string base = base_url(req);
  json j;
  j["links"] = doc_links(base + "/conformance", format, kJson, "Conformance classes");
  j["conformsTo"] = conformance_classes();
  if (format == Format::Json) return make(dump(j), kJson);
  html::Page page = html_page(base, lang);
  page.title = html::text(lang, "conformance.title");
  page.crumbs = crumbs(base, {{"conformance", ""}});
  page.body = "<p>" + html::escape(html::text(lang, "conformance.intro")) + "</p><ul>";
  for (const auto& c : conformance_classes())
    page.body += "<li><a href=\"" + html::escape(c) + "\">" + html::escape(c) + "</a></li>";
  page.body += "</ul>" + links_section(page_links(j["links"], lang, ""), lang);
  return html_response(page, req);
}

Response OgcApi::openapi(const Request& req) const {
  check_params(req, {"f", "lang"});
  page_lang(req);  // a bad lang is an error here too
  if (negotiate(req) == Format::Html) return api_html(req);
  return make(dump(build_openapi(m_state, base_url(req))), kOpenApi);
}

Response OgcApi::api_html(const Request& req) const {
  check_params(req, {"f", "lang"});
  page_lang(req);
  if (auto f = req.param("f"); f && negotiate(req) != Format::Html)
    throw input_error(ErrorCode::InvalidParameter, "f",
                      "f: /api.html is HTML only; use /api for the OpenAPI document");
  const std::string base = base_url(req);
  const json api = build_openapi(m_state, base);
  html::Page page;
  page.base = base;
  page.lang = "en";  // the OpenAPI document's texts are English, in every language asked for
  page.title = "API documentation";
  page.crumbs = crumbs(base, {{"api", ""}});
  std::string& b = page.body;
  b += "<p>" + html::escape(api["info"]["description"].get<std::string>()) + "</p>";
  b += "<p>The OpenAPI 3.0 definition: <a href=\"" + html::escape(base) +
       "/api\" type=\"application/vnd.oai.openapi+json;version=3.0\">" + html::escape(base) +
       "/api</a></p>";
  auto resolve = [&](const json& p) -> const json& {
    if (p.contains("$ref")) {
      const std::string name =
          p["$ref"].get<std::string>().substr(strlen("#/components/parameters/"));
      return api["components"]["parameters"][name];
    }
    return p;
  };
  for (const auto& [path, item] : api["paths"].items()) {
    const json& get = item["get"];
    b += "<h2 id=\"" + html::escape(path) + "\">GET " + html::escape(path) + "</h2><p>" +
         html::escape(get.value("summary", "")) + "</p>";
    if (!get["parameters"].empty()) {
      b += "<table><tr><th>parameter</th><th>in</th><th>schema</th><th>description</th></tr>";
      for (const auto& raw : get["parameters"]) {
        const json& p = resolve(raw);
        b += "<tr><td>" + html::escape(p.value("name", "")) + "</td><td>" +
             html::escape(p.value("in", "")) + "</td><td>" + html::escape(dump(p["schema"])) +
             "</td><td>" + html::escape(p.value("description", "")) + "</td></tr>";
      }
      b += "</table>";
    }
    b += "<p class=\"muted\">Responses: ";
    bool first = true;
    for (const auto& [code, r] : get["responses"].items()) {
      b += (first ? "" : ", ") + html::escape(code);
      first = false;
    }
    b += "</p>";
  }
  return make(html::render(page), kHtmlType);
}

Response OgcApi::collections(const Request& req) const {
  check_params(req, {"f", "lang"});
  const Format format = negotiate(req);
  const html::Lang lang = page_lang(req);
  const std::string base = base_url(req);
  json j;
  j["links"] = doc_links(base + "/collections", format, kJson, "The collections");
  json arr = json::array();
  const auto all = m_ctx.catalogue.all();
  for (const auto& c : all) {
    arr.push_back(collection_json(*c, base, format, *m_cache.summary(c)));
    add_collection_styles(arr.back(), m_state, *c, base);
  }
  j["collections"] = arr;
  if (format == Format::Json) return make(dump(j), kJson);

  // One map of the gemeente and its gebieden; per collection its count and extent as text, its
  // extent drawn on the map while the pointer or the focus is on its row.
  html::Page page = html_page(base, lang);
  page.title = html::text(lang, "collections.title");
  page.crumbs = crumbs(base, {{"collections", ""}});
  page.boxes = json::array();
  if (auto g = m_ctx.catalogue.get("gebieden"); g && !g->features.empty()) {
    page.geojson = all_features_geojson(g);
    page.items_href = base + "/collections/" + g->id + "/items";
    page.map_style = layer_style(*g);
    page.map_label = html::text(lang, "collections.map", {std::to_string(g->features.size())});
  }
  page.map_note = html::text(lang, "collections.note");
  std::string& b = page.body;
  b += "<table><caption>" + html::escape(page.title) + "</caption><tr><th scope=\"col\">" +
       html::escape(html::text(lang, "col.collection")) + "</th><th scope=\"col\">" +
       html::escape(html::text(lang, "col.description")) + "</th><th scope=\"col\">" +
       html::escape(html::text(lang, "col.count")) + "</th><th scope=\"col\">" +
       html::escape(html::text(lang, "col.extent")) + "</th><th scope=\"col\">" +
       html::escape(html::text(lang, "col.data")) + "</th></tr>";
  for (const auto& c : all) {
    const std::string path = base + "/collections/" + c->id;
    std::string row = "<tr";
    if (c->extent().valid) {
      row += " data-box=\"" + std::to_string(page.boxes.size()) + "\"";
      page.boxes.push_back(
          {{"bbox", bbox_json(c->extent())[0]}, {"title", c->title}, {"href", path + "?f=html"}});
    }
    b += row + "><td><a href=\"" + html::escape(path) + "?f=html\">" + html::escape(c->title) +
         "</a></td><td>" + html::escape(c->description) + "</td><td>" +
         std::to_string(c->features.size()) + "</td><td>" + extent_text(c->extent(), lang) +
         "</td><td><a href=\"" + html::escape(path) + "/items?f=html\">" +
         html::escape(html::text(lang, "items")) + "</a> · <a href=\"" + html::escape(path) +
         "/items\" type=\"application/geo+json\">GeoJSON</a></td></tr>";
  }
  b += "</table>";
  b += links_section(page_links(j["links"], lang, ""), lang);
  if (page.boxes.empty()) page.boxes = json();
  return html_response(page, req);
}

Response OgcApi::collection(const Request& req, const std::string& id) const {
  check_params(req, {"f", "lang"});
  const Format format = negotiate(req);
  const html::Lang lang = page_lang(req);
  auto c = find_collection(id);
  const std::string base = base_url(req);
  json j = collection_json(*c, base, format, *m_cache.summary(c));
  add_collection_styles(j, m_state, *c, base);
  if (format == Format::Json) return make(dump(j), kJson);
  html::Page page = html_page(base, lang);
  page.title = c->title;
  page.crumbs = crumbs(base, {{"collections", base + "/collections?f=html"}, {c->id, ""}});
  if (!c->features.empty()) {
    page.geojson = all_features_geojson(c);
    page.items_href = base + "/collections/" + c->id + "/items";
    page.map_style = layer_style(*c);
    page.map_note = html::text(lang, "collection.map", {std::to_string(c->features.size())});
  }
  json meta = j;
  meta.erase("links");
  page.body =
      "<p>" + html::escape(c->description) + "</p><p><a href=\"" +
      html::escape(base + "/collections/" + c->id) + "/items?f=html\">" +
      html::escape(html::text(lang, "collection.browse", {std::to_string(c->features.size())})) +
      "</a></p>" + links_section(page_links(j["links"], lang, c->title), lang) + "<h2>" +
      html::escape(html::text(lang, "collection.details")) + "</h2>" + html::value(meta);
  return html_response(page, req);
}

Response OgcApi::queryables(const Request& req, const std::string& id) const {
  check_params(req, {"f", "lang"});
  const Format format = negotiate(req);
  const html::Lang lang = page_lang(req);
  auto c = find_collection(id);
  const std::string base = base_url(req);
  const std::string path = base + "/collections/" + c->id + "/queryables";
  json j;
  j["$schema"] = "https://json-schema.org/draft/2019-09/schema";
  j["$id"] = path;
  j["type"] = "object";
  j["title"] = c->title;
  json props = json::object();
  props[layers::kGeometryQueryable] = {{"title", "Geometry"}};
  props[layers::kGeometryQueryable].update(geometry_schema(*c));  // the types the data has
  for (const auto& f : c->fields) {
    if (f.is_private) continue;
    json p = {{"title", f.title.empty() ? f.name : f.title}};
    switch (f.type) {
      case layers::FieldType::String:
        p["type"] = "string";
        break;
      case layers::FieldType::Integer:
        p["type"] = "integer";
        break;
      case layers::FieldType::Double:
        p["type"] = "number";
        break;
      case layers::FieldType::Boolean:
        p["type"] = "boolean";
        break;
      case layers::FieldType::Date:
        p["type"] = "string";
        p["format"] = "date-time";
        break;
    }
    props[f.name] = p;
  }
  j["properties"] = props;
  j["additionalProperties"] = false;
  if (format == Format::Json) return make(dump(j), kSchemaJson);
  html::Page page = html_page(base, lang);
  page.title = html::text(lang, "queryables.title", {c->title});
  page.crumbs = crumbs(base, {{"collections", base + "/collections?f=html"},
                              {c->id, base + "/collections/" + c->id + "?f=html"},
                              {"queryables", ""}});
  std::string& b = page.body;
  b += "<p>" + html::text(lang, "queryables.intro") + "</p>";  // the message holds markup
  b += "<table><caption>" + html::escape(page.title) + "</caption><tr><th scope=\"col\">" +
       html::escape(html::text(lang, "col.name")) + "</th><th scope=\"col\">" +
       html::escape(html::text(lang, "col.type")) + "</th><th scope=\"col\">" +
       html::escape(html::text(lang, "col.title")) + "</th></tr>";
  b += "<tr><td>geometry</td><td>geometry</td><td>" +
       html::escape(html::text(lang, "queryables.geometry")) + "</td></tr>";
  for (const auto& f : c->fields) {
    if (f.is_private) continue;
    b += "<tr><td>" + html::escape(f.name) + "</td><td>" + field_type_name(f.type) + "</td><td>" +
         html::escape(f.title) + "</td></tr>";
  }
  b += "</table>";
  b += links_section(page_links(doc_links(path, format, kSchemaJson, "Queryables"), lang, c->title),
                     lang);
  return html_response(page, req);
}

ItemsRequest OgcApi::parse_items(const Request& req, const layers::Collection& c) const {
  return parse_items_request(req, c, m_state);
}

Response OgcApi::items(const Request& req, const std::string& id) const {
  auto c = find_collection(id);
  ItemsRequest ir = parse_items(req, *c);
  const html::Lang lang = page_lang(req);
  const std::string base = base_url(req);
  const bool gz = accepts_gzip(req);
  // An HTML page is also in a language (Accept-Language); a JSON answer has the key it had.
  const std::string key =
      cache_key("items", c.get(), base, ir.format, gz, req,
                ir.format == Format::Html ? std::string(html::lang_code(lang)) : std::string());
  if (auto hit = m_cache.response(c, key)) return *hit;

  // One call down: the query and its page of encoded features, from the snapshot.
  const layers::ItemsPage items = layers::items_page(
      m_cache.encodings_cache(), c, ir.query, ir.fields, ir.all_fields, ir.format == Format::Json);
  const layers::FeaturePage& page = items.page;
  const std::string path = base + "/collections/" + c->id + "/items";
  const std::size_t offset = ir.query.offset;
  const std::size_t limit = ir.query.limit;
  auto page_params = [&](std::size_t off) {
    Params p = ir.echo;
    if (std::none_of(p.begin(), p.end(), [](const auto& kv) { return kv.first == "limit"; }))
      p.emplace_back("limit", std::to_string(limit));
    if (off) p.emplace_back("offset", std::to_string(off));
    return p;
  };
  const bool has_next = offset + page.features.size() < page.number_matched;
  const bool has_prev = offset > 0;
  const std::size_t prev_offset = offset > limit ? offset - limit : 0;

  Response r;
  if (ir.format == Format::Json) {
    std::string out;
    out.reserve(1024 + items.features.size());
    out += R"({"type":"FeatureCollection","numberMatched":)";
    out += std::to_string(page.number_matched);
    out += R"(,"numberReturned":)";
    out += std::to_string(page.features.size());
    out += R"(,"timeStamp":")";
    out += now_rfc3339();
    out += R"(","links":[)";
    append_link(out, href(path, page_params(offset), Format::Json), "self", kGeoJson, "This page");
    out.push_back(',');
    append_link(out, href(path, page_params(offset), Format::Html), "alternate", kHtml,
                "This page as HTML");
    out.push_back(',');
    append_link(out, base + "/collections/" + c->id, "collection", kJson, c->title);
    if (has_next) {
      out.push_back(',');
      append_link(out, href(path, page_params(offset + page.features.size()), Format::Json), "next",
                  kGeoJson, "Next page");
    }
    if (has_prev) {
      out.push_back(',');
      append_link(out, href(path, page_params(prev_offset), Format::Json), "prev", kGeoJson,
                  "Previous page");
    }
    out += R"(],"features":)";
    out += items.features;
    out += "}";
    r = make(std::move(out), kGeoJson);
    r.headers.emplace_back("Content-Crs", "<" + geo::crs_uri(ir.query.crs) + ">");
  } else {
    html::Page hp = html_page(base, lang);
    hp.title = html::text(lang, "items.title", {c->title});
    hp.crumbs = crumbs(base, {{"collections", base + "/collections?f=html"},
                              {c->id, base + "/collections/" + c->id + "?f=html"},
                              {"items", ""}});
    std::string& b = hp.body;
    json links = json::array({link(href(path, page_params(offset), Format::Html), "self", kHtml,
                                   html::text(lang, "link.self")),
                              link(href(path, page_params(offset), Format::Json), "alternate",
                                   kGeoJson, html::text(lang, "link.geojson")),
                              link(base + "/collections/" + c->id + "?f=html", "collection", kHtml,
                                   html::text(lang, "link.collection", {c->title}))});
    if (page.number_matched == 0)
      b += "<p>" + html::escape(html::text(lang, "items.none")) + "</p>";
    else if (page.features.empty())
      b += "<p>" +
           html::escape(
               html::text(lang, "items.match_none_shown", {std::to_string(page.number_matched)})) +
           "</p>";
    else
      b += "<p>" +
           html::escape(html::text(lang, "items.match",
                                   {std::to_string(page.number_matched), std::to_string(offset + 1),
                                    std::to_string(offset + page.features.size())})) +
           "</p>";
    if (has_prev || has_next) {
      b += "<nav class=\"pager\" aria-label=\"" + html::escape(html::text(lang, "items.pager")) +
           "\">";
      if (has_prev)
        b += "<a rel=\"prev\" href=\"" +
             html::escape(href(path, page_params(prev_offset), Format::Html)) + "\">" +
             html::escape(html::text(lang, "items.prev")) + "</a>";
      if (has_next)
        b += "<a rel=\"next\" href=\"" +
             html::escape(href(path, page_params(offset + page.features.size()), Format::Html)) +
             "\">" + html::escape(html::text(lang, "items.next")) + "</a>";
      b += "</nav>";
    }
    // The table: the name first (the link to the feature), then soort/categorie, the areas, the
    // status, the rest; the id last; columns without a value on this page left out (named).
    std::vector<int> empty;
    const std::vector<int> cols = useful_fields(*c, ir.fields, page.features,
                                                ir.all_fields ? &empty : nullptr, ir.all_fields);
    const bool name_first = !cols.empty() && usefulness(*c, c->fields[cols.front()].name) == 0;
    if (!page.features.empty()) {
      b += "<table><caption>" + html::escape(html::text(lang, "items.table")) + "</caption><tr>";
      for (std::size_t k = 0; k < cols.size(); ++k) {
        const auto& fd = c->fields[cols[k]];
        b += "<th scope=\"col\" title=\"" + html::escape(fd.name) + "\">" +
             html::escape(field_header(fd)) + "</th>";
      }
      b += "<th scope=\"col\">" + html::escape(html::text(lang, "col.id")) + "</th></tr>";
      for (const auto* f : page.features) {
        const std::string item_href = path + "/" + percent_encode(f->id) + "?f=html";
        b += "<tr>";
        for (std::size_t k = 0; k < cols.size(); ++k) {
          const auto& v = f->values[cols[k]];
          if (k == 0 && name_first && !empty_value(v))
            b += "<td><a href=\"" + html::escape(item_href) + "\">" +
                 html::escape(layers::to_string(v)) + "</a></td>";
          else
            b += "<td>" + cell(v) + "</td>";
        }
        b += "<td><a href=\"" + html::escape(item_href) + "\">" + html::escape(f->id) +
             "</a></td></tr>";
      }
      b += "</table>";
    }
    if (!empty.empty())
      b += "<p class=\"muted\">" +
           html::escape(html::text(lang, "items.empty_columns", {field_names(*c, empty)})) + "</p>";
    b += links_section(links, lang);
    // The map: a boundary collection whole (a few hundred polygons at most), the page's
    // features emphasised; points: the page's placed features.
    const std::size_t unplaced = static_cast<std::size_t>(
        std::count_if(page.features.begin(), page.features.end(),
                      [](const layers::Feature* f) { return f->wgs84.empty(); }));
    const bool whole = !is_point_collection(*c) && c->geometry_type != geo::GeometryType::None;
    if (whole) {
      hp.geojson = all_features_geojson(c);
      for (const auto* f : page.features) hp.highlight.push_back(f->id);
      hp.map_note = html::text(
          lang, "items.map_all",
          {std::to_string(c->features.size()), c->title, std::to_string(page.features.size())});
    } else if (unplaced < page.features.size()) {
      const auto map_enc = m_cache.features(c, geo::Crs::CRS84);
      hp.geojson = map_geojson(*map_enc, *c, page.features);
      hp.map_note = html::text(lang, "items.map_page");
      if (unplaced)
        hp.map_note += " " + html::text(lang, "items.unplaced", {std::to_string(unplaced)});
    }
    hp.map_style = layer_style(*c);
    hp.items_href = path;
    r = html_response(hp, req);
  }
  encode_body(req, r);
  m_cache.store(c, key, r);
  return r;
}

Response OgcApi::item(const Request& req, const std::string& id,
                      const std::string& feature_id) const {
  auto c = find_collection(id);
  check_params(req, {"f", "crs", "properties", "lang"});
  const Format format = negotiate(req);
  const html::Lang lang = page_lang(req);
  geo::Crs crs = geo::Crs::CRS84;
  std::optional<std::vector<int>> fields;
  if (auto v = req.param("crs")) crs = parse_crs("crs", *v);
  if (auto v = req.param("properties")) fields = parse_properties(*c, *v);
  const layers::Feature* f = c->find(feature_id);
  if (!f)
    throw input_error(ErrorCode::NotFound, "featureId",
                      "no feature '" + shown(feature_id, 100) + "' in " + c->id);
  const std::string base = base_url(req);
  const std::string path = base + "/collections/" + c->id + "/items/" + percent_encode(f->id);
  Params keep;
  for (const auto& [k, v] : req.query)
    if (k != "f") keep.emplace_back(k, v);
  const std::vector<int> shown_fields = fields ? *fields : layers::public_fields(*c);

  if (format == Format::Json) {
    std::string links = R"(,"links":[)";
    append_link(links, href(path, keep, Format::Json), "self", kGeoJson, "This feature");
    links.push_back(',');
    append_link(links, href(path, keep, Format::Html), "alternate", kHtml, "This feature as HTML");
    links.push_back(',');
    append_link(links, base + "/collections/" + c->id, "collection", kJson, c->title);
    links.push_back(']');
    std::string body;
    // One feature is encoded now (the collection's encodings are for pages, and a collection
    // that is being written is a new snapshot many times a second).
    layers::append_ogc_feature(body, *c, *f, crs, shown_fields, links);
    Response r = make(std::move(body), kGeoJson);
    r.headers.emplace_back("Content-Crs", "<" + geo::crs_uri(crs) + ">");
    // The strong ETag of the feature itself (Part 4 optimistic locking: what If-Match compares;
    // If-None-Match is answered by finish_response with it). It names the feature's version, so
    // it is the same in every crs (a client editing in RD locks what it read in RD).
    r.headers.emplace_back("ETag", layers::feature_etag(*c, *f));
    return r;
  }
  html::Page page = html_page(base, lang);
  page.title = c->title + ": " + feature_name(*c, *f);
  page.crumbs = crumbs(base, {{"collections", base + "/collections?f=html"},
                              {c->id, base + "/collections/" + c->id + "?f=html"},
                              {"items", base + "/collections/" + c->id + "/items?f=html"},
                              {f->id, ""}});
  json links = json::array(
      {link(href(path, keep, Format::Html), "self", kHtml, html::text(lang, "link.self")),
       link(href(path, keep, Format::Json), "alternate", kGeoJson,
            html::text(lang, "link.geojson")),
       link(base + "/collections/" + c->id + "?f=html", "collection", kHtml,
            html::text(lang, "link.collection", {c->title}))});
  // The properties: in the order of the items table, the id once (last), the empty ones named.
  std::vector<int> empty;
  const std::vector<int> rows =
      useful_fields(*c, shown_fields, {f}, fields ? nullptr : &empty, !fields.has_value());
  std::string& b = page.body;
  if (f->wgs84.empty()) b += unplaced_notice(*c, *f, lang);
  b += "<table><caption>" + html::escape(html::text(lang, "item.properties")) +
       "</caption><tr><th scope=\"col\">" + html::escape(html::text(lang, "col.property")) +
       "</th><th scope=\"col\">" + html::escape(html::text(lang, "col.value")) + "</th></tr>";
  for (int i : rows)
    b += "<tr><th scope=\"row\" title=\"" + html::escape(c->fields[i].name) + "\">" +
         html::escape(field_header(c->fields[i])) + "</th><td>" + cell(f->values[i]) + "</td></tr>";
  b += "<tr><th scope=\"row\" title=\"id\">" + html::escape(html::text(lang, "col.id")) +
       "</th><td>" + html::escape(f->id) + "</td></tr></table>";
  if (!empty.empty())
    b += "<p class=\"muted\">" +
         html::escape(html::text(lang, "item.empty", {field_names(*c, empty)})) + "</p>";
  b += links_section(links, lang);
  if (!f->wgs84.empty()) {
    const auto enc = m_cache.features(c, geo::Crs::CRS84);
    page.geojson = map_geojson(*enc, *c, {f});
    page.map_style = layer_style(*c);
    page.items_href = base + "/collections/" + c->id + "/items";
  }
  return html_response(page, req);
}

Response OgcApi::static_file(const Request& req, const std::vector<std::string>& seg) const {
  check_params(req, {});
  const std::string& root = m_state.config.assets.web;  // Leaflet's dist
  // Only plain names: letters, digits, '.', '-', '_', no leading dot (so no '..').
  std::string rel;
  for (std::size_t i = 2; i < seg.size(); ++i) {
    const auto& s = seg[i];
    const bool plain =
        !s.empty() && s.size() < 100 && s[0] != '.' && std::all_of(s.begin(), s.end(), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' ||
                 ch == '_';
        });
    if (!plain || (seg.size() == 4 && i == 2 && s != "images"))
      throw input_error(ErrorCode::NotFound, "path", "no such file: " + shown(req.path, 200));
    rel += "/" + s;
  }
  std::ifstream in(root + rel, std::ios::binary);
  if (root.empty() || !in)
    throw input_error(ErrorCode::NotFound, "path", "no such file: " + shown(req.path, 200));
  std::ostringstream ss;
  ss << in.rdbuf();
  auto ends_with = [&](const char* suffix) {
    const std::string s = suffix;
    return rel.size() >= s.size() && rel.compare(rel.size() - s.size(), s.size(), s) == 0;
  };
  const char* type = "application/octet-stream";
  if (ends_with(".js"))
    type = "application/javascript";
  else if (ends_with(".css"))
    type = "text/css";
  else if (ends_with(".png"))
    type = "image/png";
  else if (ends_with(".map"))
    type = "application/json";
  else if (ends_with(".svg"))
    type = "image/svg+xml";
  Response r = make(ss.str(), type, false);
  r.headers.emplace_back("Cache-Control", "public, max-age=86400");
  return r;
}

}  // namespace gebieden::server
