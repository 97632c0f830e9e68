// In-process tests of the routes: every bad input gets a 4xx with a JSON body naming the
// parameter, never a 500.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "geo/config.hpp"
#include "server/http_server.hpp"
#include "server/in_process.hpp"
#include "server/service.hpp"
#include "server/store_api.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {
using test::get;

}  // namespace

TEST_CASE("landing page, conformance, collections", "[service][unit]") {
  auto r = get("/");
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  std::set<std::string> rels;
  for (auto& l : j["links"]) {
    rels.insert(l["rel"].get<std::string>());
    CHECK(l.contains("type"));
    CHECK(l["href"].get<std::string>().rfind("http://gebieden.test/", 0) == 0);
  }
  CHECK(rels.count("service-desc"));
  CHECK(rels.count("conformance"));
  CHECK(rels.count("data"));

  j = json::parse(get("/conformance").body);
  CHECK(j["conformsTo"][0] == "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core");

  j = json::parse(get("/collections").body);
  std::map<std::string, json> by_id;
  for (auto& c : j["collections"]) by_id[c["id"]] = c;
  CHECK(by_id.size() >= 4);
  for (auto id : {"buurten", "wijken", "gebieden", "gemeente"}) {
    REQUIRE(by_id.count(id));
    CHECK(by_id[id]["itemType"] == "feature");
    CHECK(by_id[id]["crs"][0] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    auto bbox = by_id[id]["extent"]["spatial"]["bbox"][0];
    CHECK(bbox[0].get<double>() == Approx(5.64).margin(0.02));
    CHECK(bbox[3].get<double>() == Approx(53.29).margin(0.02));
  }
  CHECK(get("/collections/wijken").status == 200);
  CHECK(json::parse(get("/api").body)["openapi"] == "3.0.3");
  CHECK(get("/health").status == 200);
}

TEST_CASE("items: counts, parent codes, paging links", "[service][unit]") {
  auto r = get("/collections/buurten/items", {{"limit", "50"}});
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/geo+json");
  auto j = json::parse(r.body);
  CHECK(j["numberMatched"] == 134);
  CHECK(j["numberReturned"] == 50);
  std::string next;
  for (auto& l : j["links"])
    if (l["rel"] == "next") next = l["href"];
  CHECK(next.find("offset=50") != std::string::npos);
  CHECK(next.find("limit=50") != std::string::npos);
  auto f = j["features"][0];
  CHECK(f["id"] == "BU00801001");
  CHECK(f["properties"]["wijkcode"] == "WK008010");
  CHECK(f["properties"]["gebied"] == "centrum");
  CHECK(f["properties"]["gemeentecode"] == "GM0080");

  j = json::parse(get("/collections/gebieden/items", {{"limit", "100"}}).body);
  CHECK(j["numberMatched"] == 8);
  CHECK(j["features"].size() == 8);
  for (auto& l : j["links"]) CHECK(l["rel"] != "next");

  // A limit above the maximum is clamped, not refused.
  j = json::parse(get("/collections/buurten/items", {{"limit", "999999999"}}).body);
  CHECK(j["numberReturned"] == 134);

  // Property filter.
  j = json::parse(
      get("/collections/buurten/items", {{"wijkcode", "WK008082"}, {"limit", "100"}}).body);
  CHECK(j["numberMatched"] == 9);

  // bbox around the Oldehove (in the Binnenstad).
  j = json::parse(get("/collections/wijken/items", {{"bbox", "5.790,53.203,5.792,53.204"}}).body);
  REQUIRE(j["numberMatched"].get<int>() >= 1);
  bool binnenstad = false;
  for (auto& feat : j["features"]) binnenstad |= feat["id"] == "WK008010";
  CHECK(binnenstad);

  auto one = get("/collections/buurten/items/BU00808206");
  REQUIRE(one.status == 200);
  j = json::parse(one.body);
  CHECK(j["properties"]["buurtnaam"] == "Grou");
  CHECK(j["properties"]["gebied"] == "dorpen");
}

TEST_CASE("CRS parameter and Content-Crs", "[service][unit]") {
  auto r = get("/collections/gemeente/items/GM0080",
               {{"crs", "http://www.opengis.net/def/crs/EPSG/0/28992"}});
  REQUIRE(r.status == 200);
  bool header = false;
  for (auto& [k, v] : r.headers)
    if (k == "Content-Crs") header = v == "<http://www.opengis.net/def/crs/EPSG/0/28992>";
  CHECK(header);
  auto j = json::parse(r.body);
  auto first = j["geometry"]["coordinates"][0][0][0];
  if (j["geometry"]["type"] == "MultiPolygon")
    first = j["geometry"]["coordinates"][0][0][0];
  else
    first = j["geometry"]["coordinates"][0][0];
  CHECK(first[0].get<double>() > 150000);
  CHECK(first[1].get<double>() > 550000);
}

TEST_CASE("bad input gets 4xx JSON naming the parameter", "[service][unit]") {
  struct Case {
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    int status;
    std::string parameter;
  };
  const std::vector<Case> cases = {
      {"/collections/nope", {}, 404, "collectionId"},
      {"/collections/nope/items", {}, 404, "collectionId"},
      {"/collections/buurten/items/BU99999999", {}, 404, "featureId"},
      {"/nowhere", {}, 404, "path"},
      {"/collections/buurten/items/x/y", {}, 404, "path"},
      {"/collections/buurten/items", {{"limit", "abc"}}, 400, "limit"},
      {"/collections/buurten/items", {{"limit", "0"}}, 400, "limit"},
      {"/collections/buurten/items", {{"limit", "-5"}}, 400, "limit"},
      {"/collections/buurten/items", {{"limit", ""}}, 400, "limit"},
      {"/collections/buurten/items", {{"limit", "1e3"}}, 400, "limit"},
      {"/collections/buurten/items", {{"limit", "99999999999999999999999"}}, 400, "limit"},
      {"/collections/buurten/items", {{"offset", "-1"}}, 400, "offset"},
      {"/collections/buurten/items", {{"offset", "x"}}, 400, "offset"},
      {"/collections/buurten/items", {{"bbox", "1,2,3"}}, 400, "bbox"},
      {"/collections/buurten/items", {{"bbox", "1,2,3,4,5"}}, 400, "bbox"},
      {"/collections/buurten/items", {{"bbox", "a,b,c,d"}}, 400, "bbox"},
      {"/collections/buurten/items", {{"bbox", "0,0,1,nan"}}, 400, "bbox"},
      {"/collections/buurten/items", {{"bbox", "0,91,1,92"}}, 400, "bbox"},
      {"/collections/buurten/items", {{"bbox", "0,2,1,1"}}, 400, "bbox"},
      {"/collections/buurten/items", {{"bbox", ""}}, 400, "bbox"},
      {"/collections/buurten/items", {{"crs", "EPSG:31370"}}, 400, "crs"},
      {"/collections/buurten/items",
       {{"bbox-crs", "urn:nope"}, {"bbox", "1,2,3,4"}},
       400,
       "bbox-crs"},
      {"/collections/buurten/items", {{"unknownQueryParam123", "1"}}, 400, "unknownQueryParam123"},
      {"/collections/buurten/items", {{"f", "xml"}}, 400, "f"},
      {"/collections/buurten/items/BU00801001", {{"crs", "foo"}}, 400, "crs"},
      {"/collections/buurten/items/BU00801001", {{"limit", "3"}}, 400, "limit"},
      {"/collections", {{"foo", "bar"}}, 400, "foo"},
  };
  for (const auto& c : cases) {
    INFO(c.path << " " << (c.query.empty() ? "" : c.query[0].first + "=" + c.query[0].second));
    auto r = get(c.path, c.query);
    CHECK(r.status == c.status);
    CHECK(r.content_type == "application/json");
    auto j = json::parse(r.body);
    CHECK(j.contains("code"));
    CHECK(j.contains("description"));
    CHECK(j.value("parameter", "") == c.parameter);
  }
}

TEST_CASE("unserved methods get 405, OPTIONS a CORS preflight, HEAD the GET headers",
          "[service][unit]") {
  server::Request r;
  r.path = "/collections/buurten/items";
  for (auto m : {"POST", "PUT", "DELETE", "PATCH", "OTHER"}) {
    INFO(m);
    r.method = m;
    auto resp = test::default_service().handle(r);
    CHECK(resp.status == 405);
    CHECK(json::parse(resp.body)["code"] == "MethodNotAllowed");
    bool allow = false;
    for (auto& [k, v] : resp.headers) allow |= k == "Allow" && v == "GET, HEAD, OPTIONS";
    CHECK(allow);
  }
  r.method = "OPTIONS";
  auto resp = test::default_service().handle(r);
  CHECK(resp.status == 204);
  // HEAD: the status and headers of GET (the HTTP front leaves the body out).
  r.method = "GET";
  const auto get = test::default_service().handle(r);
  r.method = "HEAD";
  const auto head = test::default_service().handle(r);
  CHECK(head.status == 200);
  CHECK(head.content_type == get.content_type);
  auto etag = [](const server::Response& x) {
    for (auto& [k, v] : x.headers)
      if (k == "ETag") return v;
    return std::string();
  };
  CHECK(!etag(get).empty());
  CHECK(etag(head) == etag(get));
}

TEST_CASE("an unexpected exception at the HTTP edge is a generic 500, an input_error its 4xx",
          "[service][http][unit]") {
  const auto internal = server::exception_response(
      std::make_exception_ptr(std::runtime_error("secret detail /srv/file.cpp:42")), "GET /x");
  CHECK(internal.status == 500);
  CHECK(internal.content_type == "application/json");
  const json j = json::parse(internal.body);
  CHECK(j["code"] == "InternalServerError");
  CHECK(j["status"] == 500);
  CHECK(internal.body.find("secret") == std::string::npos);
  CHECK(server::exception_response(std::make_exception_ptr(42), "GET /x").status == 500);

  const auto input = server::exception_response(
      std::make_exception_ptr(input_error(ErrorCode::InvalidParameter, "limit",
                                          "malformed percent-encoding in the query string")),
      "GET /x");
  CHECK(input.status == 400);
  const json k = json::parse(input.body);
  CHECK(k["code"] == "InvalidParameterValue");
  CHECK(k["parameter"] == "limit");
}

TEST_CASE("the raw query string keeps repeated keys, in order, decoded", "[service][http][unit]") {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(server::parse_query_string("gebied=dorpen&gebied=noord") ==
        Pairs{{"gebied", "dorpen"}, {"gebied", "noord"}});
  CHECK(server::parse_query_string("a=1+2&b=%C3%A9&c") ==
        Pairs{{"a", "1 2"}, {"b", "\xC3\xA9"}, {"c", ""}});
  CHECK(server::parse_query_string("x=a%3Db%26c") == Pairs{{"x", "a=b&c"}});
  CHECK(server::parse_query_string("a=1&") == Pairs{{"a", "1"}, {"", ""}});
  CHECK_THROWS_AS(server::parse_query_string("limit=%ZZ"), input_error);
  try {
    server::parse_query_string("limit=%Z");
  } catch (const input_error& e) {
    CHECK(e.parameter() == "limit");
  }
}

TEST_CASE("a parameter given twice is a 400 naming it", "[service][unit]") {
  const auto r = get("/collections/buurten/items", {{"gebied", "dorpen"}, {"gebied", "noord"}});
  CHECK(r.status == 400);
  const json j = json::parse(r.body);
  CHECK(j["parameter"] == "gebied");
  CHECK(j["description"].get<std::string>().find("more than once") != std::string::npos);
}

TEST_CASE("queryables declare the geometry types the data has", "[service][ogc][unit]") {
  // 132 buurten are Polygons, 2 MultiPolygons: the schema allows both, not only MultiPolygon.
  auto r = get("/collections/buurten/queryables");
  REQUIRE(r.status == 200);
  const json g = json::parse(r.body)["properties"]["geometry"];
  CHECK(g["title"] == "Geometry");
  CHECK_FALSE(g.contains("$ref"));
  REQUIRE(g["oneOf"].size() == 2);
  CHECK(g["oneOf"][0]["$ref"] == "https://geojson.org/schema/Polygon.json");
  CHECK(g["oneOf"][1]["$ref"] == "https://geojson.org/schema/MultiPolygon.json");
  // Each declared type occurs.
  const auto& c = *test::default_service().state().catalogue.get("buurten");
  std::size_t polygons = 0, multi = 0;
  for (const auto& f : c.features) {
    polygons += f.wgs84.type == geo::GeometryType::Polygon ? 1 : 0;
    multi += f.wgs84.type == geo::GeometryType::MultiPolygon ? 1 : 0;
  }
  CHECK(polygons > 0);
  CHECK(multi > 0);
  CHECK(polygons + multi == c.features.size());
}

// Found by fuzzing (tests/fuzz, fuzz_store_body): a number beyond a double in a write's body is
// valid JSON text that nlohmann refuses with out_of_range, which escaped as a 500.
TEST_CASE("a write's body with a number beyond a double is a 400 naming the body",
          "[service][store][unit][fuzz]") {
  const auto& state = test::default_service().state();
  REQUIRE(state.store);
  const auto& collection = state.config.store.collections.front();
  for (const std::string body :
       {R"({"type":"Feature","properties":{"lat":1e999}})",
        R"({"type":"Feature","geometry":{"type":"Point","coordinates":[-1e999,53]}})",
        R"({"properties":{"scharrelbudget":1e400}})"}) {
    INFO(body);
    const bool patch = body.find("\"type\":\"Feature\"") == std::string::npos;
    try {
      if (patch)
        server::parse_item_patch(body, "x1", state.store->schema(), state.config.store);
      else
        server::parse_item_write(body, state.store->schema(), state.config.store, collection);
      FAIL("expected an input_error");
    } catch (const gebieden::input_error& e) {
      CHECK(e.parameter() == "body");
      CHECK(gebieden::error_spec(e.code()).http_status == 400);
      CHECK_THAT(e.what(), Catch::Contains("out of range"));
    }
  }
}

TEST_CASE("a browser gets an error as a page, every other client the JSON", "[service][unit]") {
  auto ask = [](const std::string& path, const std::string& accept,
                std::vector<std::pair<std::string, std::string>> query = {}) {
    server::Request r;
    r.method = "GET";
    r.path = path;
    r.query = std::move(query);
    r.headers["host"] = "gebieden.test";
    if (!accept.empty()) r.headers["accept"] = accept;
    return test::default_service().handle(r);
  };
  const std::string browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  auto r = ask("/collections/nope", browser);
  CHECK(r.status == 404);
  CHECK(r.content_type.rfind("text/html", 0) == 0);
  CHECK(r.body.find("Fout 404: niet gevonden") != std::string::npos);
  CHECK(r.body.find("collectionId") != std::string::npos);
  CHECK(r.body.find("no collection") != std::string::npos);
  // f=html asks for the page too; markup in what was asked is shown as text.
  r = ask("/collections/buurten/items", "", {{"f", "html"}, {"limit", "<b>x</b>"}});
  CHECK(r.status == 400);
  CHECK(r.content_type.rfind("text/html", 0) == 0);
  CHECK(r.body.find("<b>x</b>") == std::string::npos);
  CHECK(r.body.find("limit") != std::string::npos);
  // JSON for everyone else, and for an f the service does not know (the error is about f).
  r = ask("/collections/nope", "application/json");
  CHECK(r.status == 404);
  CHECK(json::parse(r.body)["parameter"] == "collectionId");
  r = ask("/collections/nope", "");
  CHECK(r.content_type == "application/json");
  r = ask("/collections", browser, {{"f", "kml"}});
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["parameter"] == "f");
  // The GeoServices front keeps its own envelope.
  r = ask("/arcgis/rest/services/gebieden/FeatureServer/999", browser);
  CHECK(r.content_type == "application/json");
}
