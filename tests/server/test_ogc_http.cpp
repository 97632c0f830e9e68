// Integration tests of the OGC API front against the real server: the assertions of the OGC
// CITE suite (ets-ogcapi-features10, Part 2 CRS), GDAL as a client, an RFC 7946 validator on
// every items response, RD coordinates checked against PROJ, HTTP manners on the wire, and a
// corpus of hostile requests.
#include <httplib.h>
#include <proj.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "process.hpp"
#include "server/http_manners.hpp"
#include "server/http_types.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {
test::ServerProcess& ogc_server() {
  static test::ServerProcess s;
  return s;
}

httplib::Client client() {
  httplib::Client cli("127.0.0.1", ogc_server().port());
  cli.set_connection_timeout(5);
  cli.set_read_timeout(60);
  cli.set_keep_alive(true);
  return cli;
}

/// GET a path (with its query) and parse the JSON body; REQUIREs 200.
json get_json(httplib::Client& cli, const std::string& path_and_query,
              httplib::Headers headers = {}) {
  auto res = cli.Get(path_and_query.c_str(), headers);
  INFO(path_and_query);
  REQUIRE(res);
  INFO(res->body.substr(0, 300));
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

/// The path and query of one of our absolute hrefs.
std::string local(const std::string& href) {
  const auto p = href.find("://");
  REQUIRE(p != std::string::npos);
  const auto slash = href.find('/', p + 3);
  return slash == std::string::npos ? "/" : href.substr(slash);
}

std::string link_of(const json& doc, const std::string& rel, const std::string& type = {}) {
  for (const auto& l : doc["links"])
    if (l["rel"] == rel && (type.empty() || l.value("type", "") == type)) return l["href"];
  return {};
}

std::vector<std::string> collection_ids(httplib::Client& cli) {
  std::vector<std::string> ids;
  const json all = get_json(cli, "/collections");  // keep it alive for the loop
  for (const auto& c : all["collections"]) ids.push_back(c["id"]);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// A small RFC 7946 validator: structure, positions, ranges, closed rings, right-hand rule.

struct GeoJsonCheck {
  std::vector<std::string> problems;
  void fail(const std::string& where, const std::string& what) {
    if (problems.size() < 20) problems.push_back(where + ": " + what);
  }

  bool position(const json& p, const std::string& where) {
    if (!p.is_array() || p.size() < 2 || p.size() > 3) {
      fail(where, "a position has 2 or 3 numbers");
      return false;
    }
    for (const auto& n : p) {
      if (!n.is_number() || !std::isfinite(n.get<double>())) {
        fail(where, "a coordinate is not a finite number");
        return false;
      }
    }
    const double lon = p[0], lat = p[1];
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
      fail(where, "outside longitude/latitude range: " + p.dump());
      return false;
    }
    return true;
  }

  bool positions(const json& a, std::size_t min, const std::string& where) {
    if (!a.is_array() || a.size() < min) {
      fail(where, "needs at least " + std::to_string(min) + " positions");
      return false;
    }
    for (const auto& p : a)
      if (!position(p, where)) return false;
    return true;
  }

  static double signed_area(const json& ring) {
    double s = 0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i)
      s += ring[i][0].get<double>() * ring[i + 1][1].get<double>() -
           ring[i + 1][0].get<double>() * ring[i][1].get<double>();
    return s / 2;
  }

  void polygon(const json& rings, const std::string& where) {
    if (!rings.is_array() || rings.empty()) {
      fail(where, "a polygon needs at least one ring");
      return;
    }
    for (std::size_t i = 0; i < rings.size(); ++i) {
      const json& r = rings[i];
      if (!positions(r, 4, where)) return;
      if (r.front() != r.back()) fail(where, "a ring is not closed");
      const double a = signed_area(r);
      // Right-hand rule: exterior counter-clockwise (area > 0), holes clockwise.
      if (i == 0 && a <= 0) fail(where, "the exterior ring is not counter-clockwise");
      if (i > 0 && a >= 0) fail(where, "a hole is not clockwise");
    }
  }

  void geometry(const json& g, const std::string& where, int depth = 0) {
    if (g.is_null()) return;
    if (!g.is_object() || !g.contains("type")) {
      fail(where, "geometry must be an object with a type, or null");
      return;
    }
    const std::string t = g["type"];
    if (t == "GeometryCollection") {
      if (depth > 0 || !g["geometries"].is_array()) fail(where, "bad GeometryCollection");
      for (const auto& x : g["geometries"]) geometry(x, where, depth + 1);
      return;
    }
    const json& c = g["coordinates"];
    if (t == "Point") {
      position(c, where);
    } else if (t == "MultiPoint") {
      positions(c, 0, where);
    } else if (t == "LineString") {
      positions(c, 2, where);
    } else if (t == "MultiLineString") {
      for (const auto& l : c) positions(l, 2, where);
    } else if (t == "Polygon") {
      polygon(c, where);
    } else if (t == "MultiPolygon") {
      if (!c.is_array()) fail(where, "MultiPolygon coordinates must be an array");
      for (const auto& p : c) polygon(p, where);
    } else {
      fail(where, "unknown geometry type " + t);
    }
  }

  void feature(const json& f, const std::string& where) {
    if (!f.is_object() || f.value("type", "") != "Feature") return fail(where, "not a Feature");
    if (!f.contains("geometry")) fail(where, "a Feature has a geometry member");
    if (!f.contains("properties") || !(f["properties"].is_object() || f["properties"].is_null()))
      fail(where, "a Feature has a properties object or null");
    if (f.contains("id") && !(f["id"].is_string() || f["id"].is_number()))
      fail(where, "id must be a string or number");
    geometry(f["geometry"], where + " " + f.value("id", json()).dump());
  }

  void feature_collection(const std::string& body, const std::string& where) {
    for (const char* bad : {"NaN", "Infinity"})
      if (body.find(bad) != std::string::npos) {
        // Could be inside a string; check the parsed numbers then (parse fails on real NaN).
      }
    json j;
    try {
      j = json::parse(body);
    } catch (const std::exception& e) {
      return fail(where, std::string("not JSON: ") + e.what());
    }
    if (j.value("type", "") != "FeatureCollection") return fail(where, "not a FeatureCollection");
    if (!j["features"].is_array()) return fail(where, "features must be an array");
    for (const auto& f : j["features"]) feature(f, where);
  }
};

bool rfc3339(const std::string& s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
  return std::regex_match(s, re);
}

/// Does a GeoJSON geometry's envelope intersect the box (what a client can check cheaply)?
bool envelope_intersects(const json& g, double minx, double miny, double maxx, double maxy) {
  if (g.is_null()) return true;
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  std::function<void(const json&)> visit = [&](const json& a) {
    if (a.is_array() && !a.empty() && a[0].is_number()) {
      x0 = std::min(x0, a[0].get<double>());
      x1 = std::max(x1, a[0].get<double>());
      y0 = std::min(y0, a[1].get<double>());
      y1 = std::max(y1, a[1].get<double>());
      return;
    }
    for (const auto& x : a) visit(x);
  };
  visit(g["coordinates"]);
  return x0 <= maxx && minx <= x1 && y0 <= maxy && miny <= y1;
}

/// Every vertex of a geometry, in order.
void vertices(const json& a, std::vector<std::pair<double, double>>& out) {
  if (a.is_array() && a.size() >= 2 && a[0].is_number()) {
    out.emplace_back(a[0].get<double>(), a[1].get<double>());
    return;
  }
  for (const auto& x : a) vertices(x, out);
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// CITE ets-ogcapi-features10, core

TEST_CASE("CITE: landing page - API definition and conformance", "[ogc][cite][integration]") {
  auto cli = client();
  const json landing = get_json(cli, "/");
  std::set<std::string> rels;
  for (const auto& l : landing["links"]) {
    rels.insert(l["rel"]);
    CHECK(l.contains("type"));
  }
  CHECK((rels.count("service-desc") || rels.count("service-doc")));
  CHECK(rels.count("conformance"));
  CHECK(rels.count("data"));
  CHECK(link_of(landing, "self", "application/json").size() > 0);
  CHECK(link_of(landing, "alternate", "text/html").size() > 0);

  // service-desc: OpenAPI 3.0 that a validator accepts.
  const std::string desc =
      link_of(landing, "service-desc", "application/vnd.oai.openapi+json;version=3.0");
  REQUIRE_FALSE(desc.empty());
  auto res = cli.Get(local(desc).c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/vnd.oai.openapi+json;version=3.0");
  const json api = json::parse(res->body);
  CHECK(api["openapi"].get<std::string>().rfind("3.0", 0) == 0);
  const std::string validator = std::string(GEBIEDEN_WEB_DIR) + "/validate-openapi.js";
  REQUIRE(std::filesystem::exists(std::string(GEBIEDEN_WEB_DIR) +
                                  "/node_modules/@apidevtools/swagger-parser"));
  std::string out;
  const int rc =
      test::run_command("node '" + validator + "' '" + ogc_server().url() + "/api'", out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("valid:") != std::string::npos);

  const std::string doc = link_of(landing, "service-doc", "text/html");
  REQUIRE_FALSE(doc.empty());
  res = cli.Get(local(doc).c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type").rfind("text/html", 0) == 0);

  const json conf = get_json(cli, local(link_of(landing, "conformance", "application/json")));
  std::set<std::string> classes(conf["conformsTo"].begin(), conf["conformsTo"].end());
  CHECK(classes.count("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
  CHECK(classes.count("http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"));
}

TEST_CASE("CITE: collections and each collection", "[ogc][cite][integration]") {
  auto cli = client();
  auto res = cli.Get("/collections");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const json all = json::parse(res->body);
  CHECK(link_of(all, "self", "application/json").size() > 0);
  CHECK(link_of(all, "alternate", "text/html").size() > 0);
  REQUIRE(all["collections"].size() >= 4);
  for (const auto& c : all["collections"]) {
    const std::string id = c["id"];
    INFO(id);
    for (const auto& l : c["links"]) {
      CHECK(l.contains("rel"));
      CHECK(l.contains("type"));
    }
    CHECK_FALSE(link_of(c, "items", "application/geo+json").empty());
    CHECK(c["crs"][0] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    if (c["extent"].contains("spatial")) {
      const auto b = c["extent"]["spatial"]["bbox"][0];
      CHECK(b[0].get<double>() >= -180);
      CHECK(b[2].get<double>() <= 180);
      CHECK(b[1].get<double>() >= -90);
      CHECK(b[3].get<double>() <= 90);
      CHECK(b[0].get<double>() <= b[2].get<double>());
    }
    const json one = get_json(cli, "/collections/" + id);
    CHECK(one["id"] == id);
    CHECK(one["extent"] == c["extent"]);
    for (const auto& crs : one["crs"]) {
      std::string u = crs;
      CHECK((u.rfind("http://www.opengis.net/def/crs/", 0) == 0));
    }
    std::set<std::string> crs(one["crs"].begin(), one["crs"].end());
    CHECK(crs.count(one["storageCrs"].get<std::string>()));
  }
  res = cli.Get("/collections/does-not-exist");
  REQUIRE(res);
  CHECK(res->status == 404);
}

TEST_CASE("CITE: features - paging and numberMatched - valid RFC 7946 GeoJSON",
          "[ogc][cite][geojson][integration]") {
  auto cli = client();
  GeoJsonCheck check;
  std::size_t pages = 0;
  for (const auto& id : collection_ids(cli)) {
    INFO(id);
    std::string next = "/collections/" + id + "/items?limit=37";
    std::size_t total = 0, matched = 0;
    std::set<std::string> ids;
    std::vector<std::string> fids;
    for (int guard = 0; !next.empty() && guard < 10000; ++guard) {
      auto res = cli.Get(next.c_str());
      REQUIRE(res);
      REQUIRE(res->status == 200);
      CHECK(res->get_header_value("Content-Type") == "application/geo+json");
      ++pages;
      check.feature_collection(res->body, next);
      const json page = json::parse(res->body);
      CHECK(page["type"] == "FeatureCollection");
      CHECK(rfc3339(page["timeStamp"]));
      CHECK(page["numberReturned"] == page["features"].size());
      CHECK(page["features"].size() <= 37);
      for (const char* rel : {"self", "alternate"}) {
        bool typed = false;
        for (const auto& l : page["links"]) typed |= l["rel"] == rel && l.contains("type");
        CHECK(typed);
      }
      matched = page["numberMatched"];
      total += page["features"].size();
      for (const auto& f : page["features"]) {
        ids.insert(f["id"].get<std::string>());
        if (fids.size() < 3) fids.push_back(f["id"]);
      }
      const std::string n = link_of(page, "next");
      next = n.empty() ? "" : local(n);
    }
    CHECK(total == matched);
    CHECK(ids.size() == total);  // no feature twice

    // CITE Feature: /items/{fid} for ids seen above.
    for (const auto& fid : fids) {
      auto res = cli.Get(("/collections/" + id + "/items/" + server::percent_encode(fid)).c_str());
      REQUIRE(res);
      REQUIRE(res->status == 200);
      const json f = json::parse(res->body);
      CHECK(f["id"] == fid);
      CHECK_FALSE(link_of(f, "self", "application/geo+json").empty());
      CHECK_FALSE(link_of(f, "alternate", "text/html").empty());
      CHECK_FALSE(link_of(f, "collection", "application/json").empty());
      check.feature(f, id + "/" + fid);
    }
  }
  CHECK(pages > 10);
  INFO((check.problems.empty() ? "" : check.problems.front()));
  CHECK(check.problems.empty());

  // The validator itself catches what it should.
  GeoJsonCheck bad;
  bad.feature_collection(
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}}]})",
      "clockwise");
  bad.feature_collection(
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[200,0]}}]})",
      "range");
  bad.feature_collection(
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0]]}}]})",
      "short");
  CHECK(bad.problems.size() == 3);
}

TEST_CASE("CITE: limit from the OpenAPI document - bbox - datetime - error conditions",
          "[ogc][cite][integration]") {
  auto cli = client();
  const json api = get_json(cli, "/api");
  for (const auto& id : collection_ids(cli)) {
    INFO(id);
    const std::string items = "/collections/" + id + "/items";
    json limit;
    for (const auto& p : api["paths"][items]["get"]["parameters"]) {
      json q = p;
      if (p.contains("$ref"))
        q = api["components"]["parameters"][p["$ref"].get<std::string>().substr(24)];
      if (q["name"] == "limit") limit = q;
    }
    REQUIRE(limit.is_object());
    const int min = limit["schema"]["minimum"], max = limit["schema"]["maximum"];
    CHECK(get_json(cli, items + "?limit=" + std::to_string(min))["features"].size() <=
          std::size_t(min));
    CHECK(get_json(cli, items + "?limit=" + std::to_string(max))["features"].size() <=
          std::size_t(max));
    // Clamped, not refused.
    CHECK(get_json(cli, items + "?limit=" + std::to_string(max + 1))["features"].size() <=
          std::size_t(max));

    // bbox: every returned geometry intersects it (a box in the middle of Leeuwarden).
    const json b = get_json(cli, items + "?bbox=5.78,53.19,5.82,53.21&limit=1000");
    for (const auto& f : b["features"])
      CHECK(envelope_intersects(f["geometry"], 5.78, 53.19, 5.82, 53.21));
    const json b6 = get_json(cli, items + "?bbox=5.78,53.19,-100,5.82,53.21,100&limit=1000");
    CHECK(b6["numberMatched"] == b["numberMatched"]);

    // datetime: instant, bounded and half-bounded intervals are accepted.
    const std::size_t all = get_json(cli, items)["numberMatched"];
    for (const char* dt :
         {"2024-03-01T12:00:00Z", "2024-01-01T00:00:00Z/2024-12-31T23:59:59Z",
          "../2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z/..", "2024-01-01T00:00:00Z/"}) {
      const json t = get_json(cli, items + "?datetime=" + server::percent_encode(dt));
      CHECK(t["numberMatched"].get<std::size_t>() <= all);
    }

    // Error conditions: an invalid limit, an unknown parameter.
    for (const std::string q : {"?limit=abc", "?limit=-1", "?unknownQueryParam1234=1"}) {
      auto res = cli.Get((items + q).c_str());
      REQUIRE(res);
      CHECK(res->status == 400);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Part 2: CRS

TEST_CASE("CITE Part 2: crs and bbox-crs - Content-Crs - RD agrees with PROJ to the millimetre",
          "[ogc][cite][crs][integration]") {
  auto cli = client();
  auto res = cli.Get("/collections/buurten/items?limit=1");
  REQUIRE(res);
  CHECK(res->get_header_value("Content-Crs") == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>");
  for (const std::string bad : {"crs=http://www.opengis.net/def/crs/EPSG/0/31370", "crs=foo",
                                "bbox-crs=urn:x&bbox=1,2,3,4", "crs="}) {
    INFO(bad);
    res = cli.Get(("/collections/buurten/items?" + bad).c_str());
    REQUIRE(res);
    CHECK(res->status == 400);
  }
  res = cli.Get(
      "/collections/buurten/items/BU00801001?crs=http://www.opengis.net/def/crs/EPSG/0/99999");
  REQUIRE(res);
  CHECK(res->status == 400);

  const std::string rd_uri = "http://www.opengis.net/def/crs/EPSG/0/28992";
  res = cli.Get(("/collections/buurten/items/BU00801001?crs=" + rd_uri).c_str());
  REQUIRE(res);
  CHECK(res->get_header_value("Content-Crs") == "<" + rd_uri + ">");

  // Every vertex of every buurt and of the gemeente: RD from the server against PROJ applied
  // to the server's CRS84 coordinates.
  PJ_CONTEXT* ctx = proj_context_create();
  PJ* raw = proj_create_crs_to_crs(ctx, "EPSG:4326", "EPSG:28992", nullptr);
  REQUIRE(raw);
  PJ* pj = proj_normalize_for_visualization(ctx, raw);
  proj_destroy(raw);
  REQUIRE(pj);
  double worst = 0;
  std::size_t compared = 0;
  for (const std::string id : {"buurten", "gemeente"}) {
    const json ll = get_json(cli, "/collections/" + id + "/items?limit=1000");
    const json rd = get_json(
        cli, "/collections/" + id + "/items?limit=1000&crs=" + server::percent_encode(rd_uri));
    REQUIRE(ll["features"].size() == rd["features"].size());
    for (std::size_t i = 0; i < ll["features"].size(); ++i) {
      REQUIRE(ll["features"][i]["id"] == rd["features"][i]["id"]);
      std::vector<std::pair<double, double>> a, b;
      vertices(ll["features"][i]["geometry"]["coordinates"], a);
      vertices(rd["features"][i]["geometry"]["coordinates"], b);
      REQUIRE(a.size() == b.size());
      for (std::size_t k = 0; k < a.size(); ++k) {
        PJ_COORD c = proj_coord(a[k].first, a[k].second, 0, 0);
        c = proj_trans(pj, PJ_FWD, c);
        worst = std::max(worst, std::hypot(c.xy.x - b[k].first, c.xy.y - b[k].second));
        ++compared;
      }
    }
  }
  proj_destroy(pj);
  proj_context_destroy(ctx);
  INFO("worst deviation " << worst << " m over " << compared << " vertices");
  CHECK(compared > 1000);
  CHECK(worst <= 0.001);

  // EPSG:4326 is lat,lon; bbox-crs in RD selects what the same area in CRS84 selects.
  const json a = get_json(cli, "/collections/buurten/items/BU00801001");
  const json b =
      get_json(cli, "/collections/buurten/items/BU00801001?crs=" +
                        server::percent_encode("http://www.opengis.net/def/crs/EPSG/0/4326"));
  std::vector<std::pair<double, double>> va, vb;
  vertices(a["geometry"]["coordinates"], va);
  vertices(b["geometry"]["coordinates"], vb);
  REQUIRE(va.size() == vb.size());
  CHECK(va[0].first == vb[0].second);
  CHECK(va[0].second == vb[0].first);
}

// ---------------------------------------------------------------------------------------------
// Part 3: CQL2 JSON gives what the same CQL2 text gives

TEST_CASE("CQL2 JSON filter-lang: same numberMatched and ids as CQL2 text - 400 when malformed",
          "[ogc][cql2json][integration]") {
  auto cli = client();
  struct Selection {
    std::size_t matched = 0;
    std::vector<std::string> ids;
  };
  auto select = [&](const std::string& collection, const std::string& filter,
                    const std::string& lang, const std::string& extra = {}) {
    const json fc =
        get_json(cli, "/collections/" + collection + "/items?limit=1000&filter-lang=" + lang +
                          "&filter=" + server::percent_encode(filter) + extra);
    Selection s;
    s.matched = fc["numberMatched"];
    for (const auto& f : fc["features"]) s.ids.push_back(f["id"]);
    CHECK(s.ids.size() == s.matched);  // all on one page
    return s;
  };
  struct Pair {
    std::string collection, json, text;
  };
  const std::string polygon_json =
      R"({"type":"Polygon","coordinates":[[[5.78,53.19],[5.82,53.19],[5.82,53.21],[5.78,53.21],)"
      R"([5.78,53.19]]]})";
  const std::string polygon_text =
      "POLYGON((5.78 53.19, 5.82 53.19, 5.82 53.21, 5.78 53.21, 5.78 53.19))";
  const std::vector<Pair> pairs = {
      {"organisaties", R"({"op":"=","args":[{"property":"soort"},"organisatie"]})",
       "soort = 'organisatie'"},
      {"organisaties", R"({"op":"=","args":[{"property":"soort"},"initiatief"]})",
       "soort = 'initiatief'"},
      {"organisaties", R"({"op":"=","args":[{"property":"categorie"},"ouderen"]})",
       "categorie = 'ouderen'"},
      {"organisaties",
       R"({"op":"and","args":[{"op":">","args":[{"property":"geocode_score"},0.9]},)"
       R"({"op":"not","args":[{"op":"isNull","args":[{"property":"buurtnaam"}]}]}]})",
       "geocode_score > 0.9 AND NOT (buurtnaam IS NULL)"},
      {"organisaties",
       R"({"op":"or","args":[{"op":"in","args":[{"property":"categorie"},["sport","jeugd"]]},)"
       R"({"op":"like","args":[{"op":"casei","args":[{"property":"naam"}]},)"
       R"({"op":"casei","args":["%VERENIGING%"]}]}]})",
       "categorie IN ('sport', 'jeugd') OR CASEI(naam) LIKE CASEI('%VERENIGING%')"},
      {"organisaties",
       R"({"op":"s_intersects","args":[{"property":"geometry"},)" + polygon_json + "]}",
       "S_INTERSECTS(geometry, " + polygon_text + ")"},
      {"organisaties",
       R"({"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[5.78,53.19,5.82,53.21]}]})",
       "S_INTERSECTS(geometry, BBOX(5.78, 53.19, 5.82, 53.21))"},
      {"buurten", R"({"op":"s_intersects","args":[{"property":"geometry"},)" + polygon_json + "]}",
       "S_INTERSECTS(geometry, " + polygon_text + ")"},
      {"buurten", R"({"op":"between","args":[{"property":"oppervlakte_ha"},10,100]})",
       "oppervlakte_ha BETWEEN 10 AND 100"},
  };
  for (const auto& p : pairs) {
    INFO(p.collection << ": " << p.text);
    const Selection text = select(p.collection, p.text, "cql2-text");
    const Selection json_sel = select(p.collection, p.json, "cql2-json");
    CHECK(json_sel.matched == text.matched);
    CHECK(json_sel.ids == text.ids);
  }
  // The comparisons are not vacuous: the polygon selects some organisations, not all.
  const std::size_t all = get_json(cli, "/collections/organisaties/items")["numberMatched"];
  const Selection in_polygon = select("organisaties", pairs[5].json, "cql2-json");
  CHECK(in_polygon.matched > 0);
  CHECK(in_polygon.matched < all);
  CHECK(select("organisaties", pairs[0].json, "cql2-json").matched == all);
  CHECK(select("organisaties", pairs[2].json, "cql2-json").matched > 0);
  // filter-crs applies to JSON geometries as to text ones: the box in EPSG:4326 (lat, lon).
  CHECK(
      select("organisaties",
             R"({"op":"s_intersects","args":[{"property":"geometry"},)"
             R"({"bbox":[53.19,5.78,53.21,5.82]}]})",
             "cql2-json",
             "&filter-crs=" + server::percent_encode("http://www.opengis.net/def/crs/EPSG/0/4326"))
          .ids == select("organisaties", pairs[6].json, "cql2-json").ids);

  // Declared in /conformance and in the OpenAPI document.
  const json conf = get_json(cli, "/conformance");
  CHECK(std::count(conf["conformsTo"].begin(), conf["conformsTo"].end(),
                   "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json") == 1);
  const json api = get_json(cli, "/api");
  const json lang = api["components"]["parameters"]["filter-lang"]["schema"];
  CHECK(lang["enum"] == json::array({"cql2-text", "cql2-json"}));
  CHECK(lang["default"] == "cql2-text");

  // Malformed JSON, unknown operators, wrong arity, unknown properties: 400 naming `filter`.
  for (
      const std::string bad :
      {R"({"op":"=","args":[{"property":"soort"},"organisatie"])",
       R"({"op":"==","args":[{"property":"soort"},"organisatie"]})",
       R"({"op":"=","args":[{"property":"soort"}]})",
       R"({"op":"=","args":[{"property":"contact_email"},"x"]})",
       R"({"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[]}]})",
       "soort = 'organisatie'", "[]", ""}) {
    INFO(bad);
    auto res = cli.Get(("/collections/organisaties/items?filter-lang=cql2-json&filter=" +
                        server::percent_encode(bad))
                           .c_str());
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    json j;
    REQUIRE_NOTHROW(j = json::parse(res->body));
    CHECK(j.value("parameter", "") == "filter");
    CHECK(j.value("description", "").rfind("filter: ", 0) == 0);
  }
}

// ---------------------------------------------------------------------------------------------
// GDAL as a client

TEST_CASE("GDAL: ogrinfo reads every collection with the same count - ogr2ogr copies one",
          "[ogc][gdal][integration]") {
  auto cli = client();
  const std::string url = "OAPIF:" + ogc_server().url() + "/";
  static const std::regex count_re("Feature Count: (\\d+)");
  for (const auto& id : collection_ids(cli)) {
    INFO(id);
    const std::size_t expected =
        get_json(cli, "/collections/" + id + "/items?limit=1")["numberMatched"];
    std::string out;
    REQUIRE(test::run_command("ogrinfo -ro -so '" + url + "' '" + id + "'", out) == 0);
    std::smatch m;
    REQUIRE(std::regex_search(out, m, count_re));
    CHECK(std::stoul(m[1]) == expected);
    // Paging included: read every feature in small pages.
    REQUIRE(test::run_command("ogrinfo -ro -al -oo PAGE_SIZE=40 '" + url + "' '" + id +
                                  "' | grep -c '^OGRFeature'",
                              out) <= 1);
    CHECK(std::stoul(out) == expected);
  }

  const std::string gpkg =
      "/tmp/gebieden-ogc-copy-" + std::to_string(ogc_server().port()) + ".gpkg";
  std::filesystem::remove(gpkg);
  std::string out;
  REQUIRE(test::run_command("ogr2ogr -f GPKG '" + gpkg + "' '" + url + "' buurten -oo PAGE_SIZE=50",
                            out) == 0);
  REQUIRE(test::run_command("ogrinfo -ro -so '" + gpkg + "' buurten", out) == 0);
  std::smatch m;
  REQUIRE(std::regex_search(out, m, count_re));
  CHECK(std::stoi(m[1]) == 134);
  REQUIRE(test::run_command("ogrinfo -ro -q '" + gpkg +
                                "' -sql \"SELECT buurtnaam, wijkcode, gebied FROM buurten WHERE "
                                "buurtcode IN ('BU00808206', 'BU00801001') ORDER BY buurtcode\"",
                            out) == 0);
  CHECK(out.find("buurtnaam (String) = De Waag") != std::string::npos);
  CHECK(out.find("buurtnaam (String) = Grou") != std::string::npos);
  CHECK(out.find("wijkcode (String) = WK008082") != std::string::npos);
  CHECK(out.find("gebied (String) = dorpen") != std::string::npos);
  // Geometry intact: the vertices of the copy are the server's (GPKG stores doubles).
  const json waag = get_json(cli, "/collections/buurten/items/BU00801001");
  std::vector<std::pair<double, double>> served;
  vertices(waag["geometry"]["coordinates"], served);
  REQUIRE(test::run_command(
              "ogrinfo -ro -q '" + gpkg + "' buurten -where \"buurtcode = 'BU00801001'\"", out) ==
          0);
  std::smatch gm;
  REQUIRE(std::regex_search(out, gm, std::regex(R"(POLYGON \(\(([-0-9.]+) ([-0-9.]+))")));
  CHECK(std::stod(gm[1]) == Approx(served[0].first).margin(1e-9));
  CHECK(std::stod(gm[2]) == Approx(served[0].second).margin(1e-9));
  CHECK(std::count(out.begin(), out.end(), ',') + 1 >= static_cast<long>(served.size()));
  std::filesystem::remove(gpkg);
}

// ---------------------------------------------------------------------------------------------
// HTTP manners on the wire

TEST_CASE("HTTP manners on the wire: gzip - ETag/304 - CORS preflight - keep-alive",
          "[ogc][manners][integration]") {
  auto cli = client();
  auto plain = cli.Get("/collections/buurten/items?limit=100");
  REQUIRE(plain);
  const std::string etag = plain->get_header_value("ETag");
  CHECK_FALSE(etag.empty());
  CHECK(plain->get_header_value("Access-Control-Allow-Origin") == "*");
  CHECK(plain->get_header_value("Cache-Control").find("max-age") != std::string::npos);

  cli.set_decompress(false);  // see the bytes on the wire
  auto zipped = cli.Get("/collections/buurten/items?limit=100", {{"Accept-Encoding", "gzip"}});
  REQUIRE(zipped);
  CHECK(zipped->get_header_value("Content-Encoding") == "gzip");
  std::string body;
  REQUIRE(server::gunzip(zipped->body, body));
  CHECK(json::parse(body)["features"] == json::parse(plain->body)["features"]);

  auto nm = cli.Get("/collections/buurten/items?limit=100", {{"If-None-Match", etag}});
  REQUIRE(nm);
  CHECK(nm->status == 304);
  CHECK(nm->body.empty());

  auto pre = cli.Options("/collections/buurten/items",
                         {{"Origin", "http://kaart.example"},
                          {"Access-Control-Request-Method", "GET"},
                          {"Access-Control-Request-Headers", "If-None-Match"}});
  REQUIRE(pre);
  CHECK(pre->status == 204);
  CHECK(pre->get_header_value("Access-Control-Allow-Origin") == "*");
  CHECK(pre->get_header_value("Access-Control-Allow-Methods").find("GET") != std::string::npos);

  // A browser asking for a page gets HTML with the Leaflet map, served by us.
  auto page = cli.Get("/collections/buurten/items?limit=3",
                      {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
  REQUIRE(page);
  CHECK(page->get_header_value("Content-Type").rfind("text/html", 0) == 0);
  CHECK(page->body.find("/static/leaflet/leaflet.js") != std::string::npos);
  auto js = cli.Get("/static/leaflet/leaflet.js");
  REQUIRE(js);
  CHECK(js->status == 200);
  CHECK(js->body.size() > 100000);

  // Keep-alive when asked for, and by default in HTTP/1.1.
  auto ka = cli.Get("/conformance", {{"Connection", "keep-alive"}});
  REQUIRE(ka);
  CHECK(ka->get_header_value("Connection") == "keep-alive");
  auto cl = cli.Get("/conformance", {{"Connection", "close"}});
  REQUIRE(cl);
  CHECK(cl->get_header_value("Connection") == "close");
}

TEST_CASE("private fields appear in no response of any collection - any format (wire)",
          "[ogc][private][integration]") {
  auto cli = client();
  std::vector<std::string> paths = {"/", "/api", "/api.html", "/collections",
                                    "/collections?f=html"};
  for (const auto& id : collection_ids(cli)) {
    for (const char* suffix :
         {"", "?f=html", "/queryables", "/queryables?f=html", "/items?limit=10000",
          "/items?limit=10000&f=html",
          "/items?limit=10000&crs=http://www.opengis.net/def/crs/EPSG/0/28992"})
      paths.push_back("/collections/" + id + suffix);
    const json first = get_json(cli, "/collections/" + id + "/items?limit=1");
    if (!first["features"].empty()) {
      const std::string fid = server::percent_encode(first["features"][0]["id"].get<std::string>());
      paths.push_back("/collections/" + id + "/items/" + fid);
      paths.push_back("/collections/" + id + "/items/" + fid + "?f=html");
    }
  }
  // The private columns of the organisations fixture, by name and by value.
  std::vector<std::string> secrets = {"contact_naam", "contact_telefoon", "contact_email"};
  std::ifstream csv(std::string(GEBIEDEN_SOURCE_DIR) +
                    "/../shared/data/synthetic/organisaties_dev.csv");
  std::string line;
  std::getline(csv, line);
  for (int n = 0; std::getline(csv, line) && n < 400; ++n) {
    const auto last = line.rfind(',');
    if (last != std::string::npos && line.find('@', last) != std::string::npos)
      secrets.push_back(line.substr(last + 1));  // contact_email
  }
  for (const auto& p : paths) {
    INFO(p);
    auto res = cli.Get(p.c_str());
    REQUIRE(res);
    CHECK(res->status == 200);
    for (const auto& s : secrets) {
      INFO(s);
      CHECK(res->body.find(s) == std::string::npos);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile requests

TEST_CASE("a corpus of hostile requests gets 400/404 with JSON naming the problem",
          "[ogc][hostile][integration]") {
  const std::string I = "/collections/buurten/items";
  struct Case {
    std::string target;  // path and raw query, sent as is
    int status;
    std::string parameter;  // expected `parameter`, empty: not checked
  };
  std::vector<Case> cases = {
      // Bad numbers.
      {I + "?limit=abc", 400, "limit"},
      {I + "?limit=0", 400, "limit"},
      {I + "?limit=-1", 400, "limit"},
      {I + "?limit=", 400, "limit"},
      {I + "?limit=1.5", 400, "limit"},
      {I + "?limit=1e3", 400, "limit"},
      {I + "?limit=0x10", 400, "limit"},
      {I + "?limit=%2B5", 400, "limit"},
      {I + "?limit=%205", 400, "limit"},
      {I + "?limit=5%20", 400, "limit"},
      {I + "?limit=NaN", 400, "limit"},
      {I + "?limit=%EF%BC%91", 400, "limit"},  // fullwidth 1
      {I + "?limit=%00", 400, "limit"},
      {I + "?offset=-1", 400, "offset"},
      {I + "?offset=x", 400, "offset"},
      {I + "?offset=", 400, "offset"},
      {I + "?offset=1.0", 400, "offset"},
      // Huge numbers.
      {I + "?limit=99999999999999999999999", 400, "limit"},
      {I + "?limit=18446744073709551616", 400, "limit"},
      {I + "?limit=-9223372036854775809", 400, "limit"},
      {I + "?offset=99999999999999999999999999", 400, "offset"},
      {I + "?offset=1e308", 400, "offset"},
      {I + "?bbox=1e400,0,1,1", 400, "bbox"},
      {I + "?bbox=-1e308,-1e308,1e308,1e308", 400, "bbox"},
      {I + "?bbox=0,0,1," + std::string(400, '9'), 400, "bbox"},
      // bbox.
      {I + "?bbox=1,2,3", 400, "bbox"},
      {I + "?bbox=1,2,3,4,5", 400, "bbox"},
      {I + "?bbox=1,2,3,4,5,6,7", 400, "bbox"},
      {I + "?bbox=a,b,c,d", 400, "bbox"},
      {I + "?bbox=0,0,1,nan", 400, "bbox"},
      {I + "?bbox=0,0,1,inf", 400, "bbox"},
      {I + "?bbox=0,91,1,92", 400, "bbox"},
      {I + "?bbox=0,2,1,1", 400, "bbox"},
      {I + "?bbox=", 400, "bbox"},
      {I + "?bbox=,,,", 400, "bbox"},
      {I + "?bbox=1,2,3,4,", 400, "bbox"},
      {I + "?bbox=1;2;3;4", 400, "bbox"},
      {I + "?bbox=200,0,210,1", 400, "bbox"},
      {I + "?bbox=5,52,6", 400, "bbox"},
      {I + "?bbox=" +
           [] {
             std::string s = "1";
             for (int i = 0; i < 5000; ++i) s += ",1";
             return s;
           }(),
       400, "bbox"},
      {I + "?bbox=100,400000,50,500000&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/28992", 400,
       "bbox"},
      {I + "?bbox=0,0,1e9,1e9&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/28992", 400, "bbox"},
      // CRS.
      {I + "?crs=EPSG:31370", 400, "crs"},
      {I + "?crs=http://www.opengis.net/def/crs/EPSG/0/99999", 400, "crs"},
      {I + "?crs=", 400, "crs"},
      {I + "?crs=CRS84%00", 400, "crs"},
      {I + "?crs=" + std::string(5000, 'x'), 400, "crs"},
      {I + "?bbox-crs=urn:nope&bbox=1,2,3,4", 400, "bbox-crs"},
      {I + "?bbox-crs=http://www.opengis.net/def/crs/EPSG/0/28992", 400, "bbox-crs"},
      {I + "?bbox-crs=&bbox=1,2,3,4", 400, "bbox-crs"},
      {I + "/BU00801001?crs=foo", 400, "crs"},
      {I + "/BU00801001?crs=http://www.opengis.net/def/crs/EPSG/0/4258", 400, "crs"},
      // datetime.
      {I + "?datetime=", 400, "datetime"},
      {I + "?datetime=..", 400, "datetime"},
      {I + "?datetime=yesterday", 400, "datetime"},
      {I + "?datetime=2024-13-01", 400, "datetime"},
      {I + "?datetime=2024-02-30T00:00:00Z", 400, "datetime"},
      {I + "?datetime=2024-03-01/2024-02-01", 400, "datetime"},
      {I + "?datetime=a/b", 400, "datetime"},
      {I + "?datetime=2024-01-01/2024-02-01/2024-03-01", 400, "datetime"},
      {I + "?datetime=" + std::string(200, '2'), 400, "datetime"},
      // Malformed CQL2.
      {I + "?filter=((((", 400, "filter"},
      {I + "?filter=buurtnaam%20%3D", 400, "filter"},
      {I + "?filter=buurtnaam%20LIKE", 400, "filter"},
      {I + "?filter=%27unterminated", 400, "filter"},
      {I + "?filter=buurtnaam%20%3D%20%27x%27%20AND", 400, "filter"},
      {I + "?filter=nope%20%3D%201", 400, "filter"},
      {I + "?filter=contact_email%20%3D%20%27x%27", 400, "filter"},
      {I + "?filter=oppervlakte_ha%20%3D%20%27groot%27", 400, "filter"},
      {I + "?filter=S_INTERSECTS(geometry%2C%20POINT(1))", 400, "filter"},
      {I + "?filter=S_INTERSECTS(buurtnaam%2C%20POINT(1%202))", 400, "filter"},
      {I + "?filter=S_INTERSECTS(geometry%2C%20POLYGON((1%202%2C%203%204)))", 400, "filter"},
      {I + "?filter=DROP%20TABLE%20buurten%3B--", 400, "filter"},
      {I + "?filter=buurtnaam%20%3D%20%27a%27%3B%20DELETE", 400, "filter"},
      {I + "?filter=" + std::string(200, '(') + "1=1" + std::string(200, ')'), 400, "filter"},
      {I + "?filter=" +
           [] {
             std::string s;
             for (int i = 0; i < 300; ++i) s += "NOT%20";
             return s + "buurtnaam%20IS%20NULL";
           }(),
       400, "filter"},
      {I + "?filter=" +
           [] {
             std::string s = "buurtnaam%20IN%20(";
             for (int i = 0; i < 20000; ++i) s += "%27x%27%2C";
             return s + "%27y%27)";
           }(),
       400, "filter"},
      {I + "?filter=", 400, "filter"},
      {I + "?filter=%20%20", 400, "filter"},
      {I + "?filter=buurtnaam%20%3D%20%27x%27&filter-lang=cql2-json", 400, "filter"},
      {I + "?filter=%7B%22op%22%3A%22%3D%22&filter-lang=cql2-json", 400, "filter"},
      {I + "?filter=buurtnaam%20%3D%20%27x%27&filter-lang=cql2-jsonx", 400, "filter-lang"},
      {I + "?filter=buurtnaam%20%3D%20%27x%27&filter-lang=sql", 400, "filter-lang"},
      {I + "?filter=buurtnaam%20%3D%20%27x%27&filter-lang=", 400, "filter-lang"},
      {I + "?filter=buurtnaam%20%3D%20%27x%27&filter-crs=EPSG:2", 400, "filter-crs"},
      {I + "?filter-lang=cql2-text", 400, "filter-lang"},
      {I + "?filter-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84", 400, "filter-crs"},
      // sortby, properties, f.
      {I + "?sortby=nope", 400, "sortby"},
      {I + "?sortby=", 400, "sortby"},
      {I + "?sortby=%2B", 400, "sortby"},
      {I + "?sortby=-", 400, "sortby"},
      {I + "?sortby=buurtnaam%2C", 400, "sortby"},
      {I + "?properties=nope", 400, "properties"},
      {I + "?properties=", 400, "properties"},
      {I + "?properties=buurtnaam%2C%2C", 400, "properties"},
      {I + "?f=xml", 400, "f"},
      {I + "?f=", 400, "f"},
      {"/collections?f=JSON%00", 400, "f"},
      {"/?f=pdf", 400, "f"},
      {"/api?f=yaml", 400, "f"},
      // Unknown parameters and property values.
      {I + "?unknownQueryParam123=1", 400, "unknownQueryParam123"},
      {I + "?LIMIT=5", 400, "LIMIT"},
      {I + "?limit%20=5", 400, "limit "},
      {I + "?" + std::string(3000, 'a') + "=1", 400, std::string(60, 'a')},
      {I + "?oppervlakte_ha=veel", 400, "oppervlakte_ha"},
      {"/collections?foo=bar", 400, "foo"},
      {"/conformance?limit=5", 400, "limit"},
      {I + "/BU00801001?limit=3", 400, "limit"},
      {I + "/BU00801001?bbox=1,2,3,4", 400, "bbox"},
      // Repeated keys, the first of them bad.
      {I + "?limit=abc&limit=5", 400, "limit"},
      {I + "?bbox=1,2&bbox=1,2,3,4", 400, "bbox"},
      // Percent-encoding tricks.
      {I + "?limit=%ZZ", 400, ""},
      {I + "?limit=%", 400, ""},
      {I + "?limit=%2", 400, ""},
      {I + "?%6Cimit=abc", 400, "limit"},  // an encoded name is still limit
      {I + "?li%00mit=5", 400, ""},
      {I + "?filter=%C0%AF", 400, "filter"},  // overlong UTF-8
      {I + "?bbox=1%2C2%2C3", 400, "bbox"},
      // Paths.
      {"/collections/nope", 404, "collectionId"},
      {"/collections/nope/items", 404, "collectionId"},
      {"/collections/nope/queryables", 404, "collectionId"},
      {"/collections/nope/items/x", 404, "collectionId"},
      {I + "/BU99999999", 404, "featureId"},
      {I + "/" + std::string(5000, 'A'), 404, "featureId"},
      {I + "/%00", 404, "featureId"},
      {I + "/x/y", 404, "path"},
      {"/collections/%2e%2e/items", 404, "collectionId"},
      {"/collections/buurten%00/items", 404, "collectionId"},
      {"/collections/buurten/items/%ZZ", 404, "path"},
      {"/COLLECTIONS", 404, "path"},
      {"/nowhere", 404, "path"},
      {"/static/leaflet/..%2F..%2Fpackage.json", 404, "path"},
      {"/static/leaflet/nope.js", 404, "path"},
      {"/static/../CMakeCache.txt", 404, "path"},
      {"/collections/buurten/foo", 404, "path"},
  };
  REQUIRE(cases.size() >= 100);

  httplib::Client cli("127.0.0.1", ogc_server().port());
  cli.set_connection_timeout(5);
  cli.set_read_timeout(30);
  int checked = 0;
  for (const auto& c : cases) {
    INFO(c.target.substr(0, 160));
    auto res = cli.Get(c.target.c_str());
    REQUIRE(res);
    CHECK(res->status == c.status);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    json j;
    REQUIRE_NOTHROW(j = json::parse(res->body));
    CHECK(j.contains("code"));
    CHECK_FALSE(j.value("description", "").empty());
    if (!c.parameter.empty()) CHECK(j.value("parameter", "") == c.parameter);
    ++checked;
  }
  CHECK(checked == static_cast<int>(cases.size()));
  CHECK(ogc_server().alive());
  auto ok = cli.Get("/collections/buurten/items?limit=1");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}
