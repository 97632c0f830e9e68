#include "server/store_api.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "layers/geojson.hpp"
#include "layers/ogc_geojson.hpp"
#include "server/metrics.hpp"
#include "server/ogc_api.hpp"
#include "server/ogc_params.hpp"
#include "server/service.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::json;

// The methods of a path, by the role of the key that asks (roles are cumulative).
constexpr const char* kAllowRead = "GET, HEAD, OPTIONS";              // anyone
constexpr const char* kAllowItems = "GET, HEAD, POST, OPTIONS";       // items, editor
constexpr const char* kAllowItem = "GET, HEAD, PUT, PATCH, OPTIONS";  // an item, editor
constexpr const char* kAllowItemAdmin = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS";  // admin
// What a browser may send with a write (the CORS preflight carries no key, so it is told every
// method a path takes with some key; Allow says what the presented key may do now).
constexpr const char* kCorsRequestHeaders =
    "Content-Type, Accept, If-None-Match, If-Match, Content-Crs, Authorization";
constexpr const char* kFeatureTypes = "application/geo+json or application/json";
constexpr const char* kPatchTypes = "application/merge-patch+json or application/json";
constexpr std::size_t kMaxIdLength = 100;
constexpr std::size_t kMaxValueLength = 10000;

[[noreturn]] void bad(const std::string& member, const std::string& message) {
  throw input_error(ErrorCode::InvalidBody, member, member + ": " + message);
}

/// The store's problems with a record as one 400: the first field as the parameter, every
/// problem in the message.
[[noreturn]] void throw_problems(const std::vector<layers::FieldProblem>& problems) {
  std::string message;
  for (const auto& p : problems) {
    const std::string member = p.field == "geometry" ? p.field : "properties." + p.field;
    message += (message.empty() ? "" : "; ") + member + ": " + p.message;
  }
  const std::string first = problems.empty() ? "body"
                            : problems.front().field == "geometry"
                                ? std::string("geometry")
                                : "properties." + problems.front().field;
  throw input_error(ErrorCode::InvalidBody, first, message);
}

const char* type_name(const json& v) {
  return v.type_name();
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
}

std::string parse_id(const json& v, const std::string& member) {
  std::string id;
  if (v.is_string()) {
    id = v.get<std::string>();
  } else if (v.is_number_integer()) {
    id = v.dump();
  } else {
    bad(member, std::string("must be a string or an integer, not ") + type_name(v));
  }
  if (!valid_id(id))
    bad(member, "must be 1 to " + std::to_string(kMaxIdLength) +
                    " characters of letters, digits, '-', '_', '.' or ':'");
  return id;
}

bool is_date(const std::string& s) {
  int y, m, d;
  char tail;
  return s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
         m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/// A property value as text in GDAL's field syntax, checked against the column type.
std::optional<std::string> typed_value(const json& v, geo::TableField::Type type,
                                       const std::string& member) {
  using T = geo::TableField::Type;
  if (v.is_null()) return std::nullopt;
  switch (type) {
    case T::Integer:
      if (!v.is_number_integer())
        bad(member, std::string("must be an integer, not ") + type_name(v));
      return v.dump();
    case T::Real:
      if (!v.is_number()) bad(member, std::string("must be a number, not ") + type_name(v));
      return v.dump();
    case T::Boolean:
      if (!v.is_boolean()) bad(member, std::string("must be a boolean, not ") + type_name(v));
      return v.get<bool>() ? "1" : "0";
    case T::Date:
      if (!v.is_string() || !is_date(v.get<std::string>()))
        bad(member, "must be a date (YYYY-MM-DD)");
      return v.get<std::string>();
    case T::DateTime:
      if (!v.is_string() || v.get<std::string>().size() < 10 ||
          !is_date(v.get<std::string>().substr(0, 10)))
        bad(member, "must be an RFC 3339 date-time");
      return v.get<std::string>();
    case T::String:
      break;
  }
  // A number in a text column (a huisnummer of 11) is its decimal text.
  if (v.is_number_integer()) return v.dump();
  if (!v.is_string()) bad(member, std::string("must be a string, not ") + type_name(v));
  std::string s = v.get<std::string>();
  if (s.size() > kMaxValueLength)
    bad(member, "is longer than " + std::to_string(kMaxValueLength) + " bytes");
  return s;
}

/// How the coordinates of a point are written in `crs` (for messages).
const char* coordinates_of(geo::Crs crs) {
  switch (crs) {
    case geo::Crs::EPSG4326:
      return "[lat, lon] (numbers, EPSG:4326 as Content-Crs says)";
    case geo::Crs::EPSG28992:
      return "[x, y] (numbers, metres in EPSG:28992 RD as Content-Crs says)";
    default:
      return "[lon, lat] (numbers, CRS84)";
  }
}

/// The point of a GeoJSON geometry in the body's CRS, converted to CRS84 (lon, lat).
std::optional<geo::XY> parse_point(const json& g, const BodyCrs& crs) {
  if (g.is_null()) return std::nullopt;
  if (!g.is_object())
    bad("geometry", std::string("must be an object or null, not ") + type_name(g));
  for (const auto& [k, v] : g.items())
    if (k != "type" && k != "coordinates" && k != "bbox")
      bad("geometry." + k, "unknown member of a geometry");
  if (!g.contains("type") || !g.at("type").is_string()) bad("geometry.type", "missing");
  if (g.at("type") != "Point")
    bad("geometry.type", "must be Point (a record is one place), not " +
                             g.at("type").get<std::string>().substr(0, 40));
  if (!g.contains("coordinates")) bad("geometry.coordinates", "missing");
  const json& c = g.at("coordinates");
  if (!c.is_array() || c.size() < 2 || c.size() > 3 ||
      !std::all_of(c.begin(), c.end(), [](const json& n) { return n.is_number(); }))
    bad("geometry.coordinates", std::string("must be ") + coordinates_of(crs.crs));
  const double a = c[0].get<double>(), b = c[1].get<double>();
  if (!std::isfinite(a) || !std::isfinite(b))
    bad("geometry.coordinates", std::string("must be finite numbers: ") + coordinates_of(crs.crs));
  if (crs.crs == geo::Crs::EPSG28992) {
    // Metres; far beyond the Netherlands PROJ's answer would mean nothing.
    if (std::abs(a) > 1e7 || std::abs(b) > 1e7)
      bad("geometry.coordinates",
          std::string("must be ") + coordinates_of(crs.crs) + " within 10000 km of the origin");
    if (!crs.transformers) throw std::logic_error("parse_point: EPSG:28992 needs a transformer");
    const geo::XY ll = crs.transformers->get(28992, 4326).forward(geo::XY{a, b});
    if (!std::isfinite(ll.x) || !std::isfinite(ll.y))
      bad("geometry.coordinates", "cannot be converted from EPSG:28992 to CRS84");
    return ll;
  }
  const bool lat_first = crs.crs == geo::Crs::EPSG4326;
  const double lon = lat_first ? b : a, lat = lat_first ? a : b;
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    std::string message =
        std::string("must be ") + coordinates_of(crs.crs) +
        (lat_first ? " within [-90, 90] and [-180, 180]" : " within [-180, 180] and [-90, 90]");
    if (!lat_first && a > -7000 && a < 300000 && b > 289000 && b < 629000)
      message += "; these look like RD coordinates: send Content-Crs: <" +
                 geo::crs_uri(geo::Crs::EPSG28992) + ">";
    bad("geometry.coordinates", message);
  }
  return geo::XY{lon, lat};
}

/// A soort of the store (any collection's), or a 400 naming `member` that lists them.
void check_soort(const std::string& soort, const geo::StoreConfig& store,
                 const std::string& member) {
  std::vector<std::string> all;
  for (const auto& c : store.collections)
    for (const auto& s : c.soort) all.push_back(s);
  if (std::find(all.begin(), all.end(), soort) != all.end()) return;
  std::string allowed;
  for (const auto& s : all) allowed += (allowed.empty() ? "'" : ", '") + s + "'";
  bad(member, "'" + soort.substr(0, 40) + "' is not a soort; must be one of " + allowed);
}

/// Is `id` one of the store's collections?
bool is_store_collection(const ServiceState& state, const std::string& id) {
  return state.store &&
         std::any_of(state.config.store.collections.begin(), state.config.store.collections.end(),
                     [&](const geo::LayerConfig& l) { return l.id == id; });
}

/// The media type of a Content-Type header: lower case, without parameters and spaces.
std::string media_type(const std::string& content_type) {
  return util::ascii_lower(util::trim(content_type.substr(0, content_type.find(';'))));
}

void set_header(Response& r, const std::string& name, const std::string& value) {
  for (auto& [k, v] : r.headers)
    if (util::ascii_iequals(k, name)) {
      v = value;
      return;
    }
  r.headers.emplace_back(name, value);
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string generated_id() {
  thread_local std::mt19937_64 rng(
      std::random_device{}() ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  char buf[24];
  std::snprintf(buf, sizeof(buf), "r%015llx",
                static_cast<unsigned long long>(rng() & 0xfffffffffffffffull));
  return buf;
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  // Every byte of the presented value is looked at, whatever the token's length.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
  return diff == 0;
}
}  // namespace

geo::Crs parse_content_crs(const std::string& header) {
  std::string v(util::trim(header));
  if (v.empty()) return geo::Crs::CRS84;
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>')
    v = std::string(util::trim(v.substr(1, v.size() - 2)));
  for (const auto crs : {geo::Crs::CRS84, geo::Crs::EPSG4326, geo::Crs::EPSG28992})
    if (v == geo::crs_uri(crs)) return crs;
  throw input_error(ErrorCode::InvalidParameter, "Content-Crs",
                    "Content-Crs: '" + shown(header, 100) + "' is not supported; use <" +
                        geo::crs_uri(geo::Crs::CRS84) + "> (lon, lat: the default), <" +
                        geo::crs_uri(geo::Crs::EPSG4326) + "> (lat, lon) or <" +
                        geo::crs_uri(geo::Crs::EPSG28992) + "> (RD x, y)");
}

namespace {
/// The body of a write as a JSON object with only the members of a GeoJSON Feature; `empty` and
/// `not_object` say what to send instead.
json feature_object(const std::string& body, const char* empty, const char* not_object) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) bad("body", empty);
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    bad("body", "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::out_of_range&) {
    // A number beyond a double (1e999): valid JSON text, but no value can hold it.
    bad("body", "a number is out of range (beyond a double)");
  }
  if (!j.is_object()) bad("body", not_object + std::string(type_name(j)));
  for (const auto& [k, v] : j.items())
    if (k != "type" && k != "id" && k != "geometry" && k != "properties" && k != "bbox" &&
        k != "links")
      bad(k, "unknown member of a Feature");
  return j;
}

/// The stored column a property names; null for a property the placement computes (buurtcode,
/// geocode_status...: a client may send it back, it is ignored); an unknown one is a 400.
const geo::TableField* stored_column(const layers::StoreSchema& schema, const std::string& name,
                                     const std::string& member) {
  const int served = schema.index_of(name);
  if (served >= 0 && static_cast<std::size_t>(served) >= schema.n_source) return nullptr;
  for (const auto& f : schema.source)
    if (f.name == name) return &f;
  bad(member, "unknown field");
}
}  // namespace

ItemWrite parse_item_write(const std::string& body, const layers::StoreSchema& schema,
                           const geo::StoreConfig& store, const geo::LayerConfig& collection,
                           const BodyCrs& crs) {
  const json j = feature_object(body, "empty; send a GeoJSON Feature",
                                "must be a GeoJSON Feature, not a JSON ");
  if (!j.contains("type")) bad("type", "missing (must be \"Feature\")");
  if (!j.at("type").is_string() || j.at("type") != "Feature") bad("type", "must be \"Feature\"");

  ItemWrite out;
  if (j.contains("id") && !j.at("id").is_null()) {
    out.record.id = parse_id(j.at("id"), "id");
    out.id_given = true;
  }
  if (j.contains("geometry")) out.record.point_crs84 = parse_point(j.at("geometry"), crs);

  const json empty = json::object();
  const json& props =
      j.contains("properties") && !j.at("properties").is_null() ? j.at("properties") : empty;
  if (!props.is_object())
    bad("properties", std::string("must be an object or null, not ") + type_name(props));
  for (const auto& [name, v] : props.items()) {
    const std::string member = "properties." + name.substr(0, 40);
    const geo::TableField* it = stored_column(schema, name, member);
    if (!it) continue;  // computed by the geocoder (buurtcode, geocode_status...): ignored
    if (name == store.id_field) {
      if (v.is_null()) continue;
      const std::string id = parse_id(v, member);
      if (out.id_given && id != out.record.id)
        bad(member, "differs from the Feature's id '" + out.record.id + "'");
      out.record.id = id;
      out.id_given = true;
      continue;
    }
    out.record.values[name] = typed_value(v, it->type, member);
  }

  // The soort: the collection's, or one of them when it has several; another soort of the store
  // moves the record to that soort's collection.
  const std::string soort_member = "properties." + store.soort_field;
  auto& soort = out.record.values[store.soort_field];
  if (!soort) {
    if (collection.soort.size() != 1)
      bad(soort_member, "missing (one of the soort values of " + collection.id + ")");
    soort = collection.soort.front();
  } else {
    check_soort(*soort, store, soort_member);
  }
  return out;
}

ItemWrite parse_item_patch(const std::string& body, const std::string& fid,
                           const layers::StoreSchema& schema, const geo::StoreConfig& store,
                           const BodyCrs& crs) {
  const json j = feature_object(
      body, "empty; send a JSON merge patch of the Feature ({\"properties\": {...}})",
      "must be a JSON merge patch of the Feature (an object), not a JSON ");
  if (j.contains("type") && (!j.at("type").is_string() || j.at("type") != "Feature"))
    bad("type", "must be \"Feature\" (or left out)");
  // The id cannot change, nor be removed (a merge patch's null).
  auto same_id = [&](const json& v, const std::string& member) {
    if (v.is_null()) bad(member, "cannot be removed: it is the feature's id '" + fid + "'");
    if (parse_id(v, member) != fid)
      bad(member, "cannot change: the feature is '" + fid.substr(0, 100) + "'");
  };
  ItemWrite out;
  out.record.id = fid;
  out.id_given = true;
  if (j.contains("id")) same_id(j.at("id"), "id");
  if (j.contains("geometry")) {
    out.point_given = true;
    out.record.point_crs84 = parse_point(j.at("geometry"), crs);
  }
  if (!j.contains("properties")) return out;
  const json& props = j.at("properties");
  if (props.is_null())
    bad("properties", "cannot be removed as a whole; set single properties to null to unset them");
  if (!props.is_object())
    bad("properties", std::string("must be an object, not ") + type_name(props));
  for (const auto& [name, v] : props.items()) {
    const std::string member = "properties." + name.substr(0, 40);
    const geo::TableField* it = stored_column(schema, name, member);
    if (!it) continue;  // computed by the geocoder (buurtcode, geocode_status...): ignored
    if (name == store.id_field) {
      same_id(v, member);
      continue;
    }
    if (name == store.soort_field) {
      if (!v.is_string()) bad(member, "must be a soort (a string) and cannot be removed");
      check_soort(v.get<std::string>(), store, member);
    }
    out.record.values[name] = typed_value(v, it->type, member);
  }
  return out;
}

std::string allowed_methods(const ServiceState& state, const Viewer& viewer,
                            const std::vector<std::string>& seg) {
  const bool items = (seg.size() == 3 || seg.size() == 4) && seg[0] == "collections" &&
                     seg[2] == "items" && is_store_collection(state, seg[1]);
  if (!items || !viewer.can(Role::Editor)) return kAllowRead;
  if (seg.size() == 3) return kAllowItems;
  return viewer.can(Role::Admin) ? kAllowItemAdmin : kAllowItem;
}

Response path_options(const ServiceState& state, const Viewer& viewer,
                      const std::vector<std::string>& seg) {
  Response r = options_response(allowed_methods(state, viewer, seg));
  const bool items = (seg.size() == 3 || seg.size() == 4) && seg[0] == "collections" &&
                     seg[2] == "items" && is_store_collection(state, seg[1]);
  if (items) {
    set_header(r, "Access-Control-Allow-Methods", seg.size() == 3 ? kAllowItems : kAllowItemAdmin);
    if (seg.size() == 4)
      r.headers.emplace_back("Accept-Patch", "application/merge-patch+json, application/json");
  }
  set_header(r, "Access-Control-Allow-Headers", kCorsRequestHeaders);
  return r;
}

bool bearer_matches(const std::string& authorization, const std::vector<std::string>& tokens) {
  std::size_t i = authorization.find_first_not_of(' ');
  if (i == std::string::npos || authorization.size() < i + 7) return false;
  if (!util::ascii_iequals(std::string_view(authorization).substr(i, 6), "bearer") ||
      authorization[i + 6] != ' ')
    return false;
  std::string presented = authorization.substr(i + 7);
  const auto first = presented.find_first_not_of(' ');
  const auto last = presented.find_last_not_of(' ');
  if (first == std::string::npos) return false;
  presented = presented.substr(first, last - first + 1);
  bool ok = false;
  for (const auto& t : tokens) ok |= constant_time_equal(presented, t);  // no early exit
  return ok;
}

std::vector<std::string> parse_tokens(const char* list) {
  std::vector<std::string> out;
  if (!list) return out;
  std::string s(list);
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    std::string t = s.substr(i, j - i);
    const auto a = t.find_first_not_of(" \t");
    const auto b = t.find_last_not_of(" \t");
    if (a != std::string::npos) out.push_back(t.substr(a, b - a + 1));
    i = j + 1;
  }
  return out;
}

bool StoreApi::handles(const Request& req, const std::vector<std::string>& seg) {
  if (seg.size() == 1 && seg[0] == "history") return true;
  if (seg.size() == 5 && seg[0] == "collections" && seg[2] == "items" && seg[4] == "history")
    return true;
  if (req.method != "POST" && req.method != "PUT" && req.method != "PATCH" &&
      req.method != "DELETE")
    return false;
  return (seg.size() == 3 || seg.size() == 4) && seg[0] == "collections" && seg[2] == "items";
}

const geo::LayerConfig* StoreApi::store_collection(const std::string& id) const {
  if (!m_state.store) return nullptr;
  for (const auto& c : m_state.config.store.collections)
    if (c.id == id) return &c;
  return nullptr;
}

void StoreApi::authorize(Role needed, const std::string& what) const {
  if (!m_state.keys || m_state.keys->empty())
    throw input_error(ErrorCode::Forbidden, "Authorization",
                      "writes are disabled: no key is configured (add one with `gebieden keys add "
                      "NAME --role editor`, or set the environment variable " +
                          m_state.config.store.write_token_env + " when starting the server)");
  if (!m_ctx.viewer.principal)
    throw input_error(ErrorCode::Unauthorized, "Authorization",
                      what + " needs an Authorization: Bearer <key> header");
  if (!m_ctx.viewer.can(needed))
    throw input_error(ErrorCode::Forbidden, "Authorization",
                      what + " needs a key with role " + std::string(role_name(needed)) +
                          "; the key '" + m_ctx.viewer.principal->name + "' is " +
                          std::string(role_name(m_ctx.viewer.principal->role)));
}

std::optional<Response> StoreApi::refused(Role needed, const std::string& what) const {
  try {
    authorize(needed, what);
  } catch (const input_error& e) {
    Response r = error_response(e.code(), e.what(), e.parameter());
    if (e.code() == ErrorCode::Unauthorized)
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gebieden\"");
    return r;
  }
  return std::nullopt;
}

Response StoreApi::feature_answer(const Request& req, const std::string& soort,
                                  const std::string& fid, int status) const {
  // The record as a writer sees it (a key that writes may read private fields), in the
  // collection of its soort now (a write may have moved it).
  std::string collection;
  for (const auto& c : m_state.config.store.collections)
    if (std::find(c.soort.begin(), c.soort.end(), soort) != c.soort.end()) collection = c.id;
  auto c = m_state.full.get(collection);
  const layers::Feature* f = c ? c->find(fid) : nullptr;
  if (!f) throw std::runtime_error("a written feature is missing from its collection");
  std::string body;
  layers::append_ogc_feature(body, *c, *f, geo::Crs::CRS84, layers::public_fields(*c));
  Response r;
  r.status = status;
  r.content_type = "application/geo+json";
  r.body = std::move(body);
  const std::string base = OgcApi(m_state, *m_state.ogc_cache, m_ctx).base_url(req);
  r.headers.emplace_back("Location",
                         base + "/collections/" + collection + "/items/" + percent_encode(fid));
  r.headers.emplace_back("ETag", layers::feature_etag(*c, *f));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Response StoreApi::route(const Request& req, const std::vector<std::string>& seg) const {
  if (seg.size() == 1 || seg.size() == 5) return history(req, seg);
  const std::string& id = seg[1];
  const geo::LayerConfig* lc = store_collection(id);
  if (!lc) {
    if (!m_ctx.catalogue.get(id))
      throw input_error(ErrorCode::NotFound, "collectionId",
                        "no collection '" + id.substr(0, 100) + "'");
    Response r = error_response(ErrorCode::MethodNotAllowed,
                                "method " + req.method + " is not allowed here: " + id +
                                    " is read-only (only the store collections take writes)");
    r.headers.emplace_back("Allow", kAllowRead);
    return r;
  }
  const bool on_item = seg.size() == 4;
  if (on_item == (req.method == "POST")) {
    Response r =
        error_response(ErrorCode::MethodNotAllowed,
                       "method " + req.method + " is not allowed here; use " +
                           (on_item ? "PUT, PATCH or DELETE on an item" : "POST on items"));
    r.headers.emplace_back("Allow", allowed_methods(m_state, m_ctx.viewer, seg));
    return r;
  }
  const bool deleting = req.method == "DELETE";
  if (auto r = refused(deleting ? Role::Admin : Role::Editor, deleting ? "deleting" : "writing"))
    return *r;

  layers::FeatureStore& store = *m_state.store;
  const std::string& fid = on_item ? seg[3] : std::string();
  layers::WriteRequest w;
  w.actor = m_ctx.viewer.principal->name;
  w.soorten = lc->soort;
  // Optimistic locking (RFC 9110 13.1.1): the store compares it with the record's ETag.
  if (on_item)
    if (const std::string m = req.header("if-match"); !m.empty()) w.if_match = m;

  // Every outcome but a success is an error answer naming what was wrong.
  auto refuse = [&](const layers::WriteResult& res) {
    switch (res.outcome) {
      case layers::WriteOutcome::NotFound:
        if (w.if_match) {
          // If-Match on an absent item: no current representation matches it (412).
          Response r = error_response(ErrorCode::PreconditionFailed,
                                      "If-Match: there is no feature '" + fid.substr(0, 100) +
                                          "' in " + id + ", so no ETag matches",
                                      "If-Match");
          return r;
        }
        throw input_error(ErrorCode::NotFound, "featureId",
                          "no feature '" + fid.substr(0, 100) + "' in " + id);
      case layers::WriteOutcome::PreconditionFailed: {
        Response r = error_response(ErrorCode::PreconditionFailed,
                                    "If-Match: '" + shown(*w.if_match, 100) +
                                        "' does not match the feature's current ETag " + res.etag +
                                        " (it changed since it was read; GET it again)",
                                    "If-Match");
        r.headers.emplace_back("ETag", res.etag);
        return r;
      }
      case layers::WriteOutcome::Conflict:
        throw input_error(
            ErrorCode::Conflict, "id",
            "a feature with id '" + w.record.id + "' exists already; use PUT to replace it");
      case layers::WriteOutcome::Invalid:
        throw_problems(res.problems);
      default:
        throw std::runtime_error("unexpected outcome of a single write");
    }
  };

  if (deleting) {
    w.op = layers::WriteOp::Delete;
    w.record.id = fid;
    const layers::WriteResult res = counted_write(store, w, m_state.metrics.get(), Source::Ogc);
    if (!res.ok()) return refuse(res);
    Response r;
    r.status = 204;
    r.content_type.clear();
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  // The body: its media type, its size, the CRS of its coordinates, then its content.
  const bool patch = req.method == "PATCH";
  const std::string type = media_type(req.header("content-type"));
  const bool type_ok = type == "application/json" || (patch ? type == "application/merge-patch+json"
                                                            : type == "application/geo+json");
  if (!type_ok) {
    Response r = error_response(
        ErrorCode::UnsupportedMediaType,
        "Content-Type: " +
            (type.empty() ? std::string("missing") : "'" + shown(type, 60) + "' is not accepted") +
            "; " + req.method + " takes " + (patch ? kPatchTypes : kFeatureTypes),
        "Content-Type");
    if (patch)
      r.headers.emplace_back("Accept-Patch", "application/merge-patch+json, application/json");
    return r;
  }
  const std::size_t limit = m_state.config.server.max_request_bytes;
  if (req.body.size() > limit)
    throw input_error(ErrorCode::PayloadTooLarge, "body",
                      "the body is larger than " + std::to_string(limit) + " bytes");
  const BodyCrs crs{parse_content_crs(req.header("content-crs")), &m_state.transformers};
  if (patch) {
    ItemWrite iw = parse_item_patch(req.body, fid, store.schema(), m_state.config.store, crs);
    w.record = std::move(iw.record);
    w.patch_point = iw.point_given;
    w.op = layers::WriteOp::Patch;
  } else {
    ItemWrite iw = parse_item_write(req.body, store.schema(), m_state.config.store, *lc, crs);
    w.record = std::move(iw.record);
    if (req.method == "PUT") {
      if (iw.id_given && w.record.id != fid)
        throw input_error(ErrorCode::InvalidBody, "id",
                          "id: '" + w.record.id + "' differs from the feature in the path");
      w.record.id = fid;
      w.op = layers::WriteOp::Replace;
    } else {
      if (!iw.id_given) w.record.id = generated_id();
      w.op = layers::WriteOp::Create;
    }
  }
  const layers::WriteResult res = counted_write(store, w, m_state.metrics.get(), Source::Ogc);
  if (!res.ok()) return refuse(res);
  return feature_answer(req, res.soort, w.record.id, req.method == "POST" ? 201 : 200);
}

Response StoreApi::history(const Request& req, const std::vector<std::string>& seg) const {
  const bool all = seg.size() == 1;
  if (req.method == "OPTIONS") return path_options(m_state, m_ctx.viewer, seg);
  if (req.method != "GET") {
    Response r = error_response(
        ErrorCode::MethodNotAllowed,
        "method " + shown(req.method, 16) + " is not allowed here; the history is read with GET");
    r.headers.emplace_back("Allow", kAllowRead);
    return r;
  }
  const geo::LayerConfig* lc = nullptr;
  if (all) {
    if (!m_state.store)
      throw input_error(ErrorCode::NotFound, "path", "no history: this service has no store");
  } else {
    lc = store_collection(seg[1]);
    if (!lc) {
      if (!m_ctx.catalogue.get(seg[1]))
        throw input_error(ErrorCode::NotFound, "collectionId",
                          "no collection '" + shown(seg[1], 100) + "'");
      throw input_error(ErrorCode::NotFound, "path",
                        seg[1] + " is read-only: it has no history (only the store collections)");
    }
  }
  if (auto r = refused(Role::Admin, "reading the history")) return *r;

  enum class Out { Json, Csv } out = Out::Json;
  if (all) {
    check_params(req, {"f"});
    if (auto f = req.param("f")) {
      if (*f == "csv" || *f == "text/csv")
        out = Out::Csv;
      else if (*f != "json" && *f != "application/json")
        throw input_error(ErrorCode::InvalidParameter, "f",
                          "f: '" + shown(*f, 20) + "' is not a format here (json, csv)");
    }
  } else {
    check_params(req, {"f"});
    if (auto f = req.param("f"); f && *f != "json" && *f != "application/json")
      throw input_error(ErrorCode::InvalidParameter, "f",
                        "f: '" + shown(*f, 20) + "' is not a format here (json)");
  }

  std::vector<layers::HistoryEntry> entries = m_state.store->history(all ? "" : seg[3]);
  using ojson = nlohmann::ordered_json;  // members in the order written
  const auto parsed = [](const std::string& text) {
    ojson v = ojson::parse(text, nullptr, false);
    return v.is_discarded() ? ojson(text) : v;
  };
  if (!all) {
    // The history of a record of this collection: one of its states had one of its soorten
    // (a deleted record's history stays; a record moved to another soort is in both).
    const auto in_collection = [&](const ojson& state) {
      if (!state.is_object() || !state.contains("properties")) return false;
      const ojson s = state["properties"].value(m_state.config.store.soort_field, ojson());
      return s.is_string() &&
             std::find(lc->soort.begin(), lc->soort.end(), s.get<std::string>()) != lc->soort.end();
    };
    const bool ours = std::any_of(entries.begin(), entries.end(), [&](const auto& e) {
      return in_collection(parsed(e.before)) || in_collection(parsed(e.after));
    });
    if (!ours)
      throw input_error(ErrorCode::NotFound, "featureId",
                        "no feature '" + shown(seg[3], 100) + "' has ever been in " + seg[1]);
  }
  Response r;
  r.headers.emplace_back("Cache-Control", "no-store");
  if (out == Out::Csv) {
    std::string body = "seq,record_id,op,actor,at,before,after\r\n";
    for (const auto& e : entries)
      body += std::to_string(e.seq) + "," + csv_cell(e.record_id) + "," + csv_cell(e.op) + "," +
              csv_cell(e.actor) + "," + csv_cell(e.at) + "," + csv_cell(e.before) + "," +
              csv_cell(e.after) + "\r\n";
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"history.csv\"");
    r.body = std::move(body);
    return r;
  }
  ojson list = ojson::array();
  for (const auto& e : entries) {
    ojson h = {{"seq", e.seq}};
    if (all) h["record_id"] = e.record_id;
    h["op"] = e.op;
    h["actor"] = e.actor;
    h["at"] = e.at;
    h["before"] = parsed(e.before);
    h["after"] = parsed(e.after);
    list.push_back(std::move(h));
  }
  ojson j = all ? ojson{{"history", std::move(list)}}
                : ojson{{"id", seg[3]}, {"collection", seg[1]}, {"history", std::move(list)}};
  r.content_type = "application/json";
  r.body = j.dump(-1, ' ', false, ojson::error_handler_t::replace);
  return r;
}

}  // namespace gebieden::server
