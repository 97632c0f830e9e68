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
#include "server/ogc_api.hpp"
#include "server/service.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::json;

constexpr const char* kAllowItems = "GET, HEAD, POST, OPTIONS";
constexpr const char* kAllowItem = "GET, HEAD, PUT, DELETE, OPTIONS";
constexpr const char* kAllowRead = "GET, HEAD, OPTIONS";
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

std::optional<geo::XY> parse_point(const json& g) {
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
    bad("geometry.coordinates", "must be [lon, lat] (numbers, CRS84)");
  const double lon = c[0].get<double>(), lat = c[1].get<double>();
  if (!std::isfinite(lon) || !std::isfinite(lat) || lon < -180 || lon > 180 || lat < -90 ||
      lat > 90)
    bad("geometry.coordinates", "must be [lon, lat] within [-180, 180] and [-90, 90]");
  return geo::XY{lon, lat};
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

ItemWrite parse_item_write(const std::string& body, const layers::StoreSchema& schema,
                           const geo::StoreConfig& store, const geo::LayerConfig& collection) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos)
    bad("body", "empty; send a GeoJSON Feature");
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    bad("body", "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  if (!j.is_object())
    bad("body", std::string("must be a GeoJSON Feature, not a JSON ") + type_name(j));
  for (const auto& [k, v] : j.items())
    if (k != "type" && k != "id" && k != "geometry" && k != "properties" && k != "bbox" &&
        k != "links")
      bad(k, "unknown member of a Feature");
  if (!j.contains("type")) bad("type", "missing (must be \"Feature\")");
  if (!j.at("type").is_string() || j.at("type") != "Feature") bad("type", "must be \"Feature\"");

  ItemWrite out;
  if (j.contains("id") && !j.at("id").is_null()) {
    out.record.id = parse_id(j.at("id"), "id");
    out.id_given = true;
  }
  if (j.contains("geometry")) out.record.point_crs84 = parse_point(j.at("geometry"));

  const json empty = json::object();
  const json& props =
      j.contains("properties") && !j.at("properties").is_null() ? j.at("properties") : empty;
  if (!props.is_object())
    bad("properties", std::string("must be an object or null, not ") + type_name(props));
  for (const auto& [name, v] : props.items()) {
    const std::string member = "properties." + name.substr(0, 40);
    const int served = schema.index_of(name);
    if (served >= 0 && static_cast<std::size_t>(served) >= schema.n_source)
      continue;  // computed by the geocoder (buurtcode, geocode_status...): sent back, ignored
    auto it = std::find_if(schema.source.begin(), schema.source.end(),
                           [&](const geo::TableField& f) { return f.name == name; });
    if (it == schema.source.end()) bad(member, "unknown field");
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
    std::vector<std::string> all;
    for (const auto& c : store.collections)
      for (const auto& s : c.soort) all.push_back(s);
    if (std::find(all.begin(), all.end(), *soort) == all.end()) {
      std::string allowed;
      for (const auto& s : all) allowed += (allowed.empty() ? "'" : ", '") + s + "'";
      bad(soort_member, "'" + soort->substr(0, 40) + "' is not a soort; must be one of " + allowed);
    }
  }
  return out;
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
  if (req.method != "POST" && req.method != "PUT" && req.method != "DELETE") return false;
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
                      "writes need an Authorization: Bearer <key> header");
  if (!m_ctx.viewer.can(needed))
    throw input_error(ErrorCode::Forbidden, "Authorization",
                      what + " needs a key with role " + std::string(role_name(needed)) +
                          "; the key '" + m_ctx.viewer.principal->name + "' is " +
                          std::string(role_name(m_ctx.viewer.principal->role)));
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
    Response r = error_response(ErrorCode::MethodNotAllowed,
                                "method " + req.method + " is not allowed here; use " +
                                    (on_item ? "PUT or DELETE on an item" : "POST on items"));
    r.headers.emplace_back("Allow", on_item ? kAllowItem : kAllowItems);
    return r;
  }
  try {
    if (req.method == "DELETE")
      authorize(Role::Admin, "deleting");
    else
      authorize(Role::Editor, "writing");
  } catch (const input_error& e) {
    Response r = error_response(e.code(), e.what(), e.parameter());
    if (e.code() == ErrorCode::Unauthorized)
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gebieden\"");
    return r;
  }
  layers::FeatureStore& store = *m_state.store;
  const std::string& fid = on_item ? seg[3] : std::string();
  layers::WriteRequest w;
  w.actor = m_ctx.viewer.principal->name;
  w.soorten = lc->soort;
  if (req.method == "DELETE") {
    w.op = layers::WriteOp::Delete;
    w.record.id = fid;
    const layers::WriteResult res = store.write(w);
    if (res.outcome == layers::WriteOutcome::NotFound)
      throw input_error(ErrorCode::NotFound, "featureId",
                        "no feature '" + fid.substr(0, 100) + "' in " + id);
    Response r;
    r.status = 204;
    r.content_type.clear();
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  const std::size_t limit = m_state.config.server.max_request_bytes;
  if (req.body.size() > limit)
    throw input_error(ErrorCode::PayloadTooLarge, "body",
                      "the body is larger than " + std::to_string(limit) + " bytes");
  ItemWrite iw = parse_item_write(req.body, store.schema(), m_state.config.store, *lc);
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
  const layers::WriteResult res = store.write(w);
  switch (res.outcome) {
    case layers::WriteOutcome::NotFound:
      throw input_error(ErrorCode::NotFound, "featureId",
                        "no feature '" + fid.substr(0, 100) + "' in " + id);
    case layers::WriteOutcome::Conflict:
      throw input_error(
          ErrorCode::Conflict, "id",
          "a feature with id '" + w.record.id + "' exists already; use PUT to replace it");
    case layers::WriteOutcome::Invalid:
      throw_problems(res.problems);
    default:
      break;
  }
  return feature_answer(req, res.soort, w.record.id, req.method == "PUT" ? 200 : 201);
}

}  // namespace gebieden::server
