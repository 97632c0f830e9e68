#include "server/geocode_api.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "geo/address_normalize.hpp"
#include "geo/csv.hpp"
#include "geo/geocoder.hpp"
#include "server/metrics.hpp"
#include "server/service.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::ordered_json;

constexpr std::size_t kMaxRecords = 10000;

json result_json(const geo::GeocodeResult& r) {
  json j;
  j["status"] = std::string(geo::status_name(r.status));
  j["score"] = std::round(r.score * 1000) / 1000;
  j["address"] = r.address.empty() ? json(nullptr) : json(r.address);
  if (r.wgs84) {
    j["lon"] = std::round(r.wgs84->x * 1e7) / 1e7;
    j["lat"] = std::round(r.wgs84->y * 1e7) / 1e7;
  } else {
    j["lon"] = nullptr;
    j["lat"] = nullptr;
  }
  if (r.rd) {
    j["x"] = std::round(r.rd->x * 1000) / 1000;
    j["y"] = std::round(r.rd->y * 1000) / 1000;
  } else {
    j["x"] = nullptr;
    j["y"] = nullptr;
  }
  auto str = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  j["buurtcode"] = str(r.buurtcode);
  j["buurtnaam"] = str(r.buurtnaam);
  j["wijkcode"] = str(r.wijkcode);
  j["wijknaam"] = str(r.wijknaam);
  j["gebied"] = str(r.gebied);
  j["gebiednaam"] = str(r.gebiednaam);
  j["reason"] = str(r.reason);
  if (!r.detail.empty()) j["detail"] = r.detail;
  j["warning"] = str(r.warning);
  if (r.distance_m) j["distance_m"] = std::round(*r.distance_m * 10) / 10;
  return j;
}

/// `r`, counted in the geocoder results of /metrics (`metrics` may be null).
const geo::GeocodeResult& counted(Metrics* metrics, std::string_view kind,
                                  const geo::GeocodeResult& r) {
  if (metrics) metrics->geocoded(kind, r.status);
  return r;
}

Response json_response(const json& j) {
  Response r;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

const geo::Geocoder& geocoder_of(const ServiceState& s) {
  if (!s.geocoder)
    throw input_error(ErrorCode::Unavailable, "addresses",
                      "geocoding is not available: no address register is configured or found");
  return *s.geocoder;
}

void only(const Request& req, const std::set<std::string>& allowed) {
  for (const auto& [k, v] : req.query)
    if (!allowed.count(k))
      throw input_error(ErrorCode::UnknownParameter, k,
                        "unknown parameter '" + k.substr(0, 60) + "'");
}

/// A number as people type it (decimal point or comma: "53,2005"), within min..max; 400
/// naming the parameter otherwise.
double number_value(const std::string& name, const std::string& v, double min, double max) {
  const auto d = geo::parse_decimal(v);
  if (!d)
    throw input_error(ErrorCode::InvalidParameter, name,
                      name + ": '" + v.substr(0, 40) + "' is not a number");
  if (*d < min || *d > max)
    throw input_error(ErrorCode::InvalidParameter, name,
                      name + ": " + v.substr(0, 40) + " is out of range (" + std::to_string(min) +
                          " to " + std::to_string(max) + ")");
  return *d;
}

double number(const Request& req, const std::string& name, double min, double max) {
  auto v = req.param(name);
  if (!v) throw input_error(ErrorCode::MissingParameter, name, name + ": missing");
  return number_value(name, *v, min, max);
}

/// The names a record may use for each part, the same for GET and POST (JSON or CSV): the first
/// of each list is the documented one, the others aliases (also the batch command's).
struct FieldNames {
  std::string_view part;
  std::initializer_list<const char*> names;
};
const FieldNames kFields[] = {
    {"q", {"q", "adres", "address"}},
    {"straat", {"straat", "straatnaam"}},
    {"huisnummer", {"huisnummer", "nummer"}},
    {"huisletter", {"huisletter"}},
    {"toevoeging", {"toevoeging"}},
    {"postcode", {"postcode"}},
    {"plaats", {"plaats", "woonplaats"}},
    {"lat", {"lat"}},
    {"lon", {"lon"}},
    {"x", {"x"}},
    {"y", {"y"}},
};

bool is_record_field(std::string_view name) {
  for (const auto& f : kFields)
    for (const char* n : f.names)
      if (name == n) return true;
  return false;
}

/// The location columns a batch must have one of (a house number or place alone places nothing).
bool is_location_field(std::string_view name) {
  for (const auto& f : kFields) {
    if (f.part == "huisnummer" || f.part == "huisletter" || f.part == "toevoeging" ||
        f.part == "plaats")
      continue;
    for (const char* n : f.names)
      if (name == n) return true;
  }
  return false;
}

std::string expected_location_fields() {
  return "q/adres/address, straat/straatnaam (with huisnummer and plaats), postcode (with "
         "huisnummer), lat and lon, or x and y";
}

/// The one parser of a record, for GET /geocode and each record of POST /geocode: field names
/// (with their aliases) -> the engine's request. Empty values count as absent.
geo::GeocodeRequest request_from(const std::map<std::string, std::string>& fields) {
  geo::GeocodeRequest g;
  auto get = [&](std::string_view part) -> std::optional<std::string> {
    for (const auto& f : kFields) {
      if (f.part != part) continue;
      for (const char* n : f.names) {
        auto it = fields.find(n);
        if (it != fields.end() && !it->second.empty()) return it->second;
      }
    }
    return std::nullopt;
  };
  g.q = get("q");
  g.straat = get("straat");
  g.huisnummer = get("huisnummer");
  g.huisletter = get("huisletter");
  g.toevoeging = get("toevoeging");
  g.postcode = get("postcode");
  g.plaats = get("plaats");
  g.lat = get("lat");
  g.lon = get("lon");
  g.x = get("x");
  g.y = get("y");
  return g;
}

}  // namespace

Response GeocodeApi::route(const Request& req, const std::vector<std::string>& seg) const {
  if (seg.size() != 1)
    throw input_error(ErrorCode::NotFound, "path", "no such path: " + req.path.substr(0, 200));
  const bool is_geocode = seg[0] == "geocode";
  const std::string allow = is_geocode ? "GET, HEAD, POST, OPTIONS" : "GET, HEAD, OPTIONS";
  if (req.method == "OPTIONS") return options_response(allow);
  if (req.method == "GET") return is_geocode ? geocode_get(req) : reverse(req);
  if (req.method == "POST" && is_geocode) return geocode_post(req);
  Response r = error_response(ErrorCode::MethodNotAllowed,
                              "method " + req.method.substr(0, 16) + " is not allowed here");
  r.headers.emplace_back("Allow", allow);
  return r;
}

Response GeocodeApi::geocode_get(const Request& req) const {
  std::map<std::string, std::string> fields;
  for (const auto& [k, v] : req.query) {
    if (k != "f" && !is_record_field(k))
      throw input_error(ErrorCode::UnknownParameter, k,
                        "unknown parameter '" + k.substr(0, 60) + "'");
    if (v.size() > 500)
      throw input_error(ErrorCode::InvalidParameter, k, k + ": longer than 500 characters");
    fields[k] = v;
  }
  if (auto f = req.param("f"); f && *f != "json")
    throw input_error(ErrorCode::InvalidParameter, "f", "f: unsupported format (supported: json)");
  fields.erase("f");
  const geo::GeocodeRequest g = request_from(fields);
  // The coordinates are checked here (400 naming the parameter); decimal commas as in POST.
  if (g.lat || g.lon) {
    if (!g.lat || !g.lon)
      throw input_error(ErrorCode::MissingParameter, g.lat ? "lon" : "lat",
                        "lat and lon go together");
    number_value("lat", *g.lat, -90, 90);
    number_value("lon", *g.lon, -180, 180);
  }
  if (g.x || g.y) {
    if (!g.x || !g.y)
      throw input_error(ErrorCode::MissingParameter, g.x ? "y" : "x", "x and y go together");
    number_value("x", *g.x, -1e7, 1e7);
    number_value("y", *g.y, -1e7, 1e7);
  }
  if (fields.empty())
    throw input_error(ErrorCode::MissingParameter, "q",
                      "give q (free text, also adres or address), postcode and huisnummer, "
                      "straat/huisnummer/plaats, lat/lon or x/y");
  return json_response(
      result_json(counted(m_state.metrics.get(), "geocode", geocoder_of(m_state).geocode(g))));
}

Response GeocodeApi::reverse(const Request& req) const {
  only(req, {"lat", "lon", "x", "y", "crs", "f"});
  const geo::Geocoder& g = geocoder_of(m_state);
  if (req.param("lat") || req.param("lon")) {
    const double lat = number(req, "lat", -90, 90);
    const double lon = number(req, "lon", -180, 180);
    return json_response(
        result_json(counted(m_state.metrics.get(), "reverse", g.reverse_wgs84(lon, lat))));
  }
  if (req.param("x") || req.param("y")) {
    const double x = number(req, "x", -2e7, 2e7);
    const double y = number(req, "y", -2e7, 2e7);
    geo::Crs crs = geo::Crs::EPSG28992;
    if (auto c = req.param("crs")) {
      auto parsed = geo::crs_from_uri(*c);
      if (!parsed) {
        int code = 0;
        auto res = std::from_chars(c->data(), c->data() + c->size(), code);
        if (res.ec == std::errc() && res.ptr == c->data() + c->size())
          parsed = geo::crs_from_epsg(code);
      }
      if (!parsed)
        throw input_error(ErrorCode::InvalidParameter, "crs",
                          "crs: unsupported CRS '" + c->substr(0, 80) + "'");
      crs = *parsed;
    }
    switch (crs) {
      case geo::Crs::EPSG28992:
        return json_response(
            result_json(counted(m_state.metrics.get(), "reverse", g.reverse_rd(x, y))));
      case geo::Crs::EPSG3857: {
        const geo::XY ll = geo::webmercator_to_lonlat({x, y});
        return json_response(
            result_json(counted(m_state.metrics.get(), "reverse", g.reverse_wgs84(ll.x, ll.y))));
      }
      case geo::Crs::EPSG4326:
        return json_response(result_json(
            counted(m_state.metrics.get(), "reverse", g.reverse_wgs84(y, x))));  // lat,lon order
      case geo::Crs::CRS84:
        return json_response(
            result_json(counted(m_state.metrics.get(), "reverse", g.reverse_wgs84(x, y))));
    }
  }
  throw input_error(ErrorCode::MissingParameter, "lat",
                    "give lat and lon (WGS84), or x and y (with crs; default RD)");
}

Response GeocodeApi::geocode_post(const Request& req) const {
  const geo::Geocoder& g = geocoder_of(m_state);
  if (req.body.size() > m_state.config.server.max_request_bytes)
    throw input_error(ErrorCode::PayloadTooLarge, "body",
                      "the body is larger than " +
                          std::to_string(m_state.config.server.max_request_bytes) + " bytes");
  std::vector<std::map<std::string, std::string>> records;
  const std::string type = req.header("content-type");
  std::size_t first = req.body.find_first_not_of(" \t\r\n");
  const bool looks_json =
      first != std::string::npos && (req.body[first] == '[' || req.body[first] == '{');
  const bool is_json = type.find("json") != std::string::npos ||
                       (type.find("csv") == std::string::npos && looks_json);
  if (is_json) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(req.body);
    } catch (const nlohmann::json::exception& e) {
      throw input_error(ErrorCode::InvalidBody, "body",
                        std::string("the body is not valid JSON: ") + e.what());
    }
    if (j.is_object() && j.contains("records")) j = j["records"];
    if (!j.is_array())
      throw input_error(ErrorCode::InvalidBody, "body", "the body must be a JSON array of records");
    if (j.size() > kMaxRecords)
      throw input_error(ErrorCode::PayloadTooLarge, "body",
                        "at most " + std::to_string(kMaxRecords) + " records per request");
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (!j[i].is_object())
        throw input_error(ErrorCode::InvalidBody, "body[" + std::to_string(i) + "]",
                          "each record must be a JSON object");
      std::map<std::string, std::string> rec;
      for (auto it = j[i].begin(); it != j[i].end(); ++it) {
        if (it.value().is_string())
          rec[it.key()] = it.value().get<std::string>();
        else if (it.value().is_number())
          rec[it.key()] = it.value().dump();
        else if (!it.value().is_null())
          throw input_error(ErrorCode::InvalidBody, "body[" + std::to_string(i) + "]." + it.key(),
                            "must be a string or a number");
      }
      records.push_back(std::move(rec));
    }
  } else {
    // Comma-separated, or semicolons as Dutch spreadsheets export it.
    std::istringstream in(req.body);
    geo::CsvReader reader(in, geo::sniff_csv_delimiter(req.body));
    std::vector<std::string> header, cells;
    if (!reader.next(header) || reader.unterminated_quote() || header.empty() ||
        (header.size() == 1 && header[0].empty()))
      throw input_error(ErrorCode::InvalidBody, "body", "the CSV body has no header line");
    bool has_location = false;
    std::string found;
    for (auto& h : header) {
      h = util::ascii_lower(h);
      while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
      while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(0, 1);
      has_location = has_location || is_location_field(h);
      if (found.size() < 300) found += (found.empty() ? "" : ", ") + h.substr(0, 60);
    }
    if (!has_location)
      throw input_error(ErrorCode::InvalidBody, "body",
                        "the CSV header has none of the location columns (" +
                            expected_location_fields() + "); its columns are: " + found);
    while (reader.next(cells)) {
      const std::size_t line = reader.line();
      if (reader.unterminated_quote())
        throw input_error(ErrorCode::InvalidBody, "body",
                          "unterminated quote on CSV line " + std::to_string(line));
      if (cells.size() == 1 && cells[0].empty()) continue;
      if (cells.size() > header.size())
        throw input_error(ErrorCode::InvalidBody, "body",
                          "CSV line " + std::to_string(line) + " has more cells than the header");
      std::map<std::string, std::string> rec;
      for (std::size_t i = 0; i < cells.size(); ++i) rec[header[i]] = cells[i];
      records.push_back(std::move(rec));
      if (records.size() > kMaxRecords)
        throw input_error(ErrorCode::PayloadTooLarge, "body",
                          "at most " + std::to_string(kMaxRecords) + " records per request");
    }
  }
  if (records.empty() && !is_json)
    throw input_error(ErrorCode::InvalidBody, "body",
                      "the CSV body has a header line but no records; when the file has several "
                      "lines, they were lost on the way (curl -d drops line breaks: send the file "
                      "with --data-binary @FILE)");
  json results = json::array();
  std::map<std::string, int> per_status;
  for (const auto& rec : records) {
    for (const auto& [k, v] : rec)
      if (v.size() > 500)
        throw input_error(ErrorCode::InvalidBody, "body." + k.substr(0, 40),
                          "a value longer than 500 characters");
    const auto r = g.geocode(request_from(rec));
    json j = result_json(counted(m_state.metrics.get(), "batch", r));
    if (auto it = rec.find("id"); it != rec.end()) j["id"] = it->second;
    results.push_back(j);
    ++per_status[std::string(geo::status_name(r.status))];
  }
  json out;
  out["count"] = results.size();
  out["summary"] = per_status;
  out["results"] = results;
  return json_response(out);
}

}  // namespace gebieden::server
