#include "server/nearby_api.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "geo/crs.hpp"
#include "geo/geocoder.hpp"
#include "layers/geojson.hpp"
#include "layers/nearby.hpp"
#include "server/html.hpp"
#include "server/ogc_params.hpp"
#include "server/service.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::ordered_json;

[[noreturn]] void invalid(const std::string& parameter, const std::string& problem) {
  throw input_error(ErrorCode::InvalidParameter, parameter, parameter + ": " + problem);
}

std::string shorten(std::string_view s, std::size_t max = 60) {
  return s.size() <= max ? std::string(s) : std::string(s.substr(0, max)) + "...";
}

/// The representation: `f=json|geojson|html|csv`, else JSON (HTML for a browser's Accept).
enum class Out { Json, Html, Csv };
Out output_format(const Request& req, bool csv_allowed) {
  if (auto f = req.param("f")) {
    const std::string v = util::ascii_lower(*f);
    if (v == "json" || v == "geojson" || v == "application/json" || v == "application/geo+json")
      return Out::Json;
    if (v == "html" || v == "text/html") return Out::Html;
    if (csv_allowed && (v == "csv" || v == "text/csv")) return Out::Csv;
    invalid("f", "'" + shorten(*f, 40) + "' is not supported (json, html" +
                     std::string(csv_allowed ? ", csv" : "") + ")");
  }
  return negotiate(req) == Format::Html ? Out::Html : Out::Json;
}

/// A number as typed in a query string (decimal point; finite).
std::optional<double> number(std::string_view s) {
  double d = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(d))
    return std::nullopt;
  return d;
}

/// `POINT(a b)` in WKT (any case, blanks anywhere a blank may be): the two numbers.
std::pair<double, double> parse_point_wkt(const std::string& text) {
  const std::string hint = "give POINT(lon lat), e.g. POINT(5.7965 53.2005)";
  std::string_view s = text;
  const auto skip = [&] {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  };
  skip();
  if (s.size() < 5 || !util::ascii_iequals(s.substr(0, 5), "point"))
    invalid("coords", "'" + shorten(text, 40) + "' is not a WKT point; " + hint);
  s.remove_prefix(5);
  skip();
  if (s.empty() || s.front() != '(') invalid("coords", "expected '(' after POINT; " + hint);
  s.remove_prefix(1);
  const auto close = s.find(')');
  if (close == std::string_view::npos) invalid("coords", "expected ')' at the end; " + hint);
  std::string_view inside = s.substr(0, close), rest = s.substr(close + 1);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  if (!rest.empty()) invalid("coords", "unexpected text after ')'; " + hint);
  std::vector<std::string_view> parts;
  while (!inside.empty()) {
    while (!inside.empty() && (inside.front() == ' ' || inside.front() == '\t'))
      inside.remove_prefix(1);
    std::size_t n = 0;
    while (n < inside.size() && inside[n] != ' ' && inside[n] != '\t') ++n;
    if (n) parts.push_back(inside.substr(0, n));
    inside.remove_prefix(n);
  }
  if (parts.size() != 2) invalid("coords", "a point has two coordinates; " + hint);
  const auto a = number(parts[0]), b = number(parts[1]);
  if (!a || !b)
    invalid("coords", "'" + shorten(text, 40) + "' has a coordinate that is not a number");
  return {*a, *b};
}

/// Where the client is: from `coords` (+ `crs`) or from `q` through the geocoder.
struct Place {
  geo::XY rd;
  geo::XY lonlat;
  std::optional<geo::GeocodeResult> geocoded;
};

Place parse_place(const Request& req, const ServiceState& state) {
  const auto q = req.param("q");
  const auto coords = req.param("coords");
  const auto crs_text = req.param("crs");
  if (q && coords) invalid("q", "give either q (an address) or coords (a point), not both");
  if (!q && !coords)
    throw input_error(ErrorCode::MissingParameter, "coords",
                      "coords: missing; give coords=POINT(lon lat) or q=an address");
  Place p;
  const auto& to_rd = state.transformers.get(4326, 28992);
  const auto& to_ll = state.transformers.get(28992, 4326);
  if (q) {
    if (crs_text) invalid("crs", "only applies to coords");
    if (!state.geocoder)
      throw input_error(ErrorCode::Unavailable, "q",
                        "q: geocoding is not available: no address register is configured");
    geo::GeocodeRequest g;
    g.q = *q;
    geo::GeocodeResult r = state.geocoder->geocode(g);
    if (!r.rd) {
      std::string why = r.reason.empty() ? "not found" : r.reason;
      if (!r.detail.empty()) why += ": " + r.detail;
      throw input_error(ErrorCode::NotFound, "q", "q: " + why);
    }
    p.rd = *r.rd;
    p.lonlat = r.wgs84 ? *r.wgs84 : to_ll.forward(p.rd);
    p.geocoded = std::move(r);
    return p;
  }
  const geo::Crs crs = crs_text ? parse_crs("crs", *crs_text) : geo::Crs::CRS84;
  const auto [a, b] = parse_point_wkt(*coords);
  const auto lonlat_ok = [](double lon, double lat) {
    return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90;
  };
  switch (crs) {
    case geo::Crs::CRS84:
    case geo::Crs::EPSG4326: {
      // CRS84 is lon lat; EPSG:4326 is lat lon (its axis order).
      const double lon = crs == geo::Crs::CRS84 ? a : b, lat = crs == geo::Crs::CRS84 ? b : a;
      if (!lonlat_ok(lon, lat)) invalid("coords", "longitude or latitude out of range");
      // Latitude first where longitude is expected: the Netherlands seen swapped.
      const auto in_nl = [](double x, double y) {
        return x >= 3.0 && x <= 7.6 && y >= 50.6 && y <= 53.8;
      };
      if (!in_nl(lon, lat) && in_nl(lat, lon))
        invalid("coords", crs == geo::Crs::CRS84
                              ? "looks like POINT(lat lon); in CRS84 write POINT(lon lat)"
                              : "looks like POINT(lon lat); in EPSG:4326 write POINT(lat lon)");
      p.lonlat = geo::XY{lon, lat};
      p.rd = to_rd.forward(p.lonlat);
      break;
    }
    case geo::Crs::EPSG3857:
      p.lonlat = geo::webmercator_to_lonlat(geo::XY{a, b});
      if (!lonlat_ok(p.lonlat.x, p.lonlat.y)) invalid("coords", "out of range for EPSG:3857");
      p.rd = to_rd.forward(p.lonlat);
      break;
    case geo::Crs::EPSG28992:
      if (a < -7000 || a > 300000 || b < 289000 || b > 629000)
        invalid("coords", "outside the area of EPSG:28992 (RD New)");
      p.rd = geo::XY{a, b};
      p.lonlat = to_ll.forward(p.rd);
      break;
  }
  if (!std::isfinite(p.rd.x) || !std::isfinite(p.rd.y) || !std::isfinite(p.lonlat.x) ||
      !std::isfinite(p.lonlat.y))
    invalid("coords", "cannot be transformed to RD New");
  return p;
}

json str_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

json geocode_json(const geo::GeocodeResult& r) {
  json j;
  j["status"] = std::string(geo::status_name(r.status));
  j["score"] = std::round(r.score * 1000) / 1000;
  j["address"] = str_or_null(r.address);
  j["warning"] = str_or_null(r.warning);
  return j;
}

json point_json(const Place& p) {
  json j;
  j["lon"] = std::round(p.lonlat.x * 1e7) / 1e7;
  j["lat"] = std::round(p.lonlat.y * 1e7) / 1e7;
  j["x"] = std::round(p.rd.x * 1000) / 1000;
  j["y"] = std::round(p.rd.y * 1000) / 1000;
  return j;
}

}  // namespace

json team_json(const geo::TeamConfig& t) {
  json j;
  j["name"] = str_or_null(t.name);
  j["email"] = str_or_null(t.email);
  j["phone"] = str_or_null(t.phone);
  j["address"] = str_or_null(t.address);
  j["website"] = str_or_null(t.website);
  std::vector<std::string> unknown;
  if (t.email.empty()) unknown.push_back("email");
  if (t.phone.empty()) unknown.push_back("phone");
  if (t.address.empty()) unknown.push_back("address");
  if (!unknown.empty()) {
    std::string list;
    for (std::size_t i = 0; i < unknown.size(); ++i) list += (i ? ", " : "") + unknown[i];
    j["note"] = "not known to this service: " + list +
                "; see the website, or fill them in data/gebieden.json";
  }
  return j;
}

namespace {

double round1(double d) {
  return std::round(d * 10) / 10;
}

/// The social-base collections (those of the store), in configuration order.
std::vector<layers::CollectionPtr> store_collections(const ServiceState& state,
                                                     const layers::CatalogueView& catalogue) {
  std::vector<layers::CollectionPtr> out;
  for (const auto& c : state.config.store.collections)
    if (auto p = catalogue.get(c.id)) out.push_back(std::move(p));
  return out;
}

/// One hit as a GeoJSON Feature: its public properties after `collection` and `afstand_m`.
void append_hit(std::string& out, const layers::NearbyHit& h, geo::Crs crs) {
  const layers::Collection& c = *h.collection;
  const layers::Feature& f = *h.feature;
  out += "{\"type\":\"Feature\",\"id\":";
  layers::append_value(out, layers::Value{f.id});
  out += ",\"geometry\":";
  if (f.rd.empty())
    out += "null";
  else
    layers::append_geometry(out, layers::geometry_in(f, crs), layers::decimals_for(crs));
  out += ",\"properties\":{\"collection\":";
  layers::append_value(out, layers::Value{c.id});
  out += ",\"afstand_m\":";
  layers::append_value(out, layers::Value{round1(h.distance_m)});
  for (std::size_t i = 0; i < c.fields.size(); ++i) {
    if (c.fields[i].is_private) continue;
    out += ',';
    layers::append_value(out, layers::Value{c.fields[i].name});
    out += ':';
    layers::append_value(out, f.values[i]);
  }
  out += "}}";
}

/// A comma-separated list, blanks around items removed, empty items dropped.
std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string item = v.substr(start, end - start);
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    start = end + 1;
  }
  return out;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

bool NearbyApi::handles(const std::vector<std::string>& seg) {
  return seg.size() == 1 && (seg[0] == "nearby" || seg[0] == "locate");
}

Response NearbyApi::route(const Request& req, const std::vector<std::string>& seg) const {
  if (req.method != "GET" && req.method != "HEAD")
    throw input_error(ErrorCode::MethodNotAllowed, "method",
                      req.method.substr(0, 20) + " is not allowed on /" + seg[0] + " (GET, HEAD)");
  return seg[0] == "nearby" ? nearby(req) : locate(req);
}

Response NearbyApi::locate(const Request& req) const {
  check_params(req, {"q", "coords", "crs", "f"});
  const Out out = output_format(req, false);
  const Place p = parse_place(req, m_state);
  const auto area = m_state.model->locate_rd(p.rd.x, p.rd.y);
  if (!area)
    throw input_error(ErrorCode::NotFound, p.geocoded ? "q" : "coords",
                      std::string(p.geocoded ? "q" : "coords") +
                          ": outside the gemeente (in no buurt of " +
                          m_state.model->gemeente().name + ")");
  json j;
  j["point"] = point_json(p);
  if (p.geocoded) j["geocode"] = geocode_json(*p.geocoded);
  j["buurt"] = {{"code", area->buurtcode}, {"naam", area->buurtnaam}};
  j["wijk"] = {{"code", area->wijkcode}, {"naam", area->wijknaam}};
  json g = {{"id", area->gebied}, {"naam", area->gebiednaam}};
  if (const geo::Gebied* gb = m_state.model->gebied(area->gebied))
    g["team"] = team_json(gb->config.team);
  j["gebied"] = std::move(g);
  j["gemeente"] = {{"code", m_state.model->gemeente().code},
                   {"naam", m_state.model->gemeente().name}};

  // The nearest meeting place (buurthuis, dorpshuis, ...), whatever its distance.
  json nearest = nullptr;
  if (auto c = m_ctx.catalogue.get("ontmoetingsplekken")) {
    layers::NearbyQuery nq;
    nq.centre_rd = p.rd;
    nq.radius_m = layers::NearbyLimits{}.max_radius_m;
    nq.limit = 1;
    const auto hits = m_state.nearby->query({c}, nq);
    if (!hits.empty()) {
      const auto& h = hits.front();
      std::string feature;
      append_hit(feature, h, geo::Crs::CRS84);
      nearest = json::parse(feature);
    }
  }
  j["dichtstbijzijnde_ontmoetingsplek"] = std::move(nearest);

  Response r;
  if (out == Out::Html) {
    html::Page page;
    page.base = base_url(m_state, req);
    page.title = "Locatie: " + area->buurtnaam + ", " + area->gebiednaam;
    page.crumbs = {{"Home", page.base + "/"}, {"Locatie", ""}};
    page.body = html::value(j);
    r.content_type = "text/html; charset=utf-8";
    r.body = html::render(page);
    return r;
  }
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response NearbyApi::nearby(const Request& req) const {
  const layers::NearbyLimits limits;
  const Out out = output_format(req, true);
  std::set<std::string> seen;
  std::vector<layers::CollectionPtr> collections;
  std::optional<double> within;
  double unit = 1;
  layers::NearbyQuery q;
  q.limit = limits.default_limit;
  const auto all = store_collections(m_state, m_ctx.catalogue);
  geo::Crs crs = geo::Crs::CRS84;
  for (const auto& [k, v] : req.query) {
    if (!seen.insert(k).second) invalid(k, "given more than once");
    if (k == "q" || k == "coords" || k == "f") continue;
    if (k == "crs") {
      crs = parse_crs(k, v);
    } else if (k == "within") {
      within = number(v);
      if (!within) invalid(k, "'" + shorten(v, 40) + "' is not a number");
    } else if (k == "within-units") {
      const std::string u = util::ascii_lower(v);
      if (u == "m" || u == "meter" || u == "metre")
        unit = 1;
      else if (u == "km" || u == "kilometer" || u == "kilometre")
        unit = 1000;
      else
        invalid(k, "'" + shorten(v, 40) + "' is not supported (m, km)");
    } else if (k == "limit") {
      long long n = 0;
      if (!parse_integer(v, n)) invalid(k, "'" + shorten(v, 40) + "' is not an integer");
      if (n < 1) invalid(k, "must be at least 1");
      if (n > static_cast<long long>(limits.max_limit))
        invalid(k, "must be at most " + std::to_string(limits.max_limit));
      q.limit = static_cast<std::size_t>(n);
    } else if (k == "collections") {
      for (const auto& id : split_list(v)) {
        auto it = std::find_if(all.begin(), all.end(), [&](const auto& c) { return c->id == id; });
        if (it == all.end()) {
          std::string known;
          for (std::size_t i = 0; i < all.size(); ++i) known += (i ? ", " : "") + all[i]->id;
          invalid(k, "unknown collection '" + shorten(id) + "' (known: " + known + ")");
        }
        collections.push_back(*it);
      }
      if (collections.empty()) invalid(k, "empty; give one or more of the social-base collections");
    } else if (k == "datetime") {
      q.time = parse_datetime(v);
    } else {
      // A property filter: a public field of the social base.
      bool known = false, valid = false;
      for (const auto& c : all) {
        const int fi = c->field_index(k);
        if (fi < 0 || c->fields[static_cast<std::size_t>(fi)].is_private) continue;
        known = true;
        valid =
            valid || layers::typed_value(c->fields[static_cast<std::size_t>(fi)], v).has_value();
      }
      if (!known)
        throw input_error(ErrorCode::UnknownParameter, k, "unknown parameter '" + shorten(k) + "'");
      if (!valid) invalid(k, "'" + shorten(v, 40) + "' is not a valid value for this property");
      q.equals.emplace_back(k, v);
    }
  }
  if (collections.empty()) collections = all;
  q.radius_m = within ? *within * unit : limits.default_radius_m;
  const Place p = parse_place(req, m_state);
  q.centre_rd = p.rd;
  if (const auto problems = q.problems(limits); !problems.empty()) {
    const std::string& first = problems.front();
    const std::string param = first.substr(0, first.find(':'));
    throw input_error(ErrorCode::InvalidParameter, param, first);
  }
  const auto hits = m_state.nearby->query(collections, q);

  Response r;
  if (out == Out::Csv) {
    // One row per hit: its collection and distance, then the public fields of the social base.
    std::vector<std::string> columns;
    for (const auto& c : collections)
      for (const auto& f : c->fields)
        if (!f.is_private && std::find(columns.begin(), columns.end(), f.name) == columns.end())
          columns.push_back(f.name);
    std::string body = "collection,afstand_m,id,lon,lat";
    for (const auto& c : columns) body += "," + csv_cell(c);
    body += "\r\n";
    for (const auto& h : hits) {
      const auto& f = *h.feature;
      char d[32];
      std::snprintf(d, sizeof d, "%.1f", h.distance_m);
      body += csv_cell(h.collection->id) + "," + d + "," + csv_cell(f.id) + ",";
      if (!f.wgs84.empty() && f.wgs84.type == geo::GeometryType::Point) {
        char ll[64];
        std::snprintf(ll, sizeof ll, "%.7f,%.7f", f.wgs84.parts[0][0][0].x,
                      f.wgs84.parts[0][0][0].y);
        body += ll;
      } else {
        body += ",";
      }
      for (const auto& name : columns) {
        body += ",";
        const int fi = h.collection->field_index(name);
        if (fi >= 0) body += csv_cell(layers::to_string(f.values[static_cast<std::size_t>(fi)]));
      }
      body += "\r\n";
    }
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition", "inline; filename=\"nearby.csv\"");
    r.body = std::move(body);
    return r;
  }

  std::string body =
      "{\"type\":\"FeatureCollection\",\"numberReturned\":" + std::to_string(hits.size()) +
      ",\"centre\":" + point_json(p).dump();
  body += ",\"within_m\":";
  layers::append_value(body, layers::Value{q.radius_m});
  // The geocoder's warning quotes the client's text, which may not be UTF-8: replaced, as
  // everywhere else (found by fuzzing, fuzz_http: a 500).
  if (p.geocoded)
    body += ",\"geocode\":" +
            geocode_json(*p.geocoded).dump(-1, ' ', false, json::error_handler_t::replace);
  body += ",\"features\":[";
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (i) body += ',';
    append_hit(body, hits[i], crs);
  }
  body += "]}";
  if (out == Out::Html) {
    std::string map;
    map = "{\"type\":\"FeatureCollection\",\"features\":[";
    for (std::size_t i = 0; i < hits.size(); ++i) {
      if (i) map += ',';
      append_hit(map, hits[i], geo::Crs::CRS84);
    }
    map += "]}";
    html::Page page;
    page.base = base_url(m_state, req);
    page.title = "In de buurt";
    page.crumbs = {{"Home", page.base + "/"}, {"In de buurt", ""}};
    std::string list = "<p>" + std::to_string(hits.size()) + " binnen " +
                       std::to_string(static_cast<long long>(std::llround(q.radius_m))) +
                       " m</p><ol>";
    for (const auto& h : hits) {
      const int name_field = h.collection->field_index(h.collection->display_field);
      std::string name = h.feature->id;
      if (name_field >= 0)
        if (const auto* s =
                std::get_if<std::string>(&h.feature->values[static_cast<std::size_t>(name_field)]))
          name = *s;
      char d[32];
      std::snprintf(d, sizeof d, "%.0f m", h.distance_m);
      list += "<li><a href=\"" +
              html::escape(page.base + "/collections/" + h.collection->id + "/items/" +
                           percent_encode(h.feature->id)) +
              "?f=html\">" + html::escape(name) + "</a> (" + html::escape(h.collection->id) + ", " +
              d + ")</li>";
    }
    list += "</ol>";
    page.body = list;
    page.geojson = map;
    r.content_type = "text/html; charset=utf-8";
    r.body = html::render(page);
    return r;
  }
  r.content_type = "application/geo+json";
  r.body = std::move(body);
  return r;
}

}  // namespace gebieden::server
