// In-process tests of the OGC API front beyond the basics of test_service.cpp: HTML and
// negotiation, queryables, datetime, CQL2 filters, sortby/properties, CRS, private fields,
// HTTP manners (ETag, 304, gzip, CORS), cache freshness and the OpenAPI document.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "geo/config.hpp"
#include "layers/ogc_filter.hpp"
#include "server/html.hpp"
#include "server/http_manners.hpp"
#include "server/ogc_api.hpp"
#include "server/ogc_params.hpp"
#include "server/service.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {
using Query = std::vector<std::pair<std::string, std::string>>;

/// A point collection with every field type, temporal fields, private fields, a feature
/// without geometry and features without dates: what the social base looks like.
layers::CollectionPtr make_points(const geo::TransformerCache& transformers,
                                  const std::string& id = "testpunten", int n = 60,
                                  const std::string& suffix = "") {
  auto c = std::make_shared<layers::Collection>();
  c->id = id;
  c->title = "Testpunten";
  c->description = "Synthetic points for the tests";
  c->geometry_type = geo::GeometryType::Point;
  c->fields = {{"naam", layers::FieldType::String, "Naam", false},
               {"categorie", layers::FieldType::String, "Categorie", false},
               {"aantal", layers::FieldType::Integer, "Aantal", false},
               {"score", layers::FieldType::Double, "Score", false},
               {"actief", layers::FieldType::Boolean, "Actief", false},
               {"start", layers::FieldType::Date, "Start", false},
               {"eind", layers::FieldType::Date, "Eind", false},
               {"contact_email", layers::FieldType::String, "E-mail", true},
               {"contact_telefoon", layers::FieldType::String, "Telefoon", true}};
  c->start_field = 5;
  c->end_field = 6;
  const char* cats[] = {"sport", "cultuur", "zorg"};
  const auto& to_rd = transformers.get(4326, 28992);
  for (int i = 0; i < n; ++i) {
    layers::Feature f;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "P%03d", i);
    f.id = buf;
    f.objectid = i + 1;
    const double lon = 5.70 + 0.004 * (i % 20), lat = 53.15 + 0.02 * (i / 20);
    if (i != 7) {
      f.wgs84 = geo::Geometry::point(lon, lat);
      f.rd = f.wgs84;
      to_rd.forward(f.rd);
    }
    char start[32], end[32];
    std::snprintf(start, sizeof(start), "2024-%02d-01T10:00:00Z", 1 + i % 12);
    std::snprintf(end, sizeof(end), "2024-%02d-15", 1 + i % 12);
    layers::Value sv = std::string(start), ev = std::string(end);
    if (i % 10 == 3) ev = std::monostate{};                      // ongoing
    if (i % 10 == 4) sv = ev = layers::Value{std::monostate{}};  // no dates at all
    f.values = {std::string("Punt ") + std::to_string(i) + suffix,
                std::string(cats[i % 3]),
                std::int64_t{i},
                i * 0.5,
                i % 2 == 0,
                sv,
                ev,
                std::string("geheim") + std::to_string(i) + "@example.nl",
                std::string("06-1234") + std::to_string(1000 + i)};
    c->features.push_back(std::move(f));
  }
  c->finalize();
  return c;
}

struct Fixture {
  std::shared_ptr<server::ServiceState> state;
  std::unique_ptr<server::Service> service;
  Fixture() {
    state = server::load_state(test::load_default_config());
    state->catalogue.add(make_points(state->transformers));
    service = std::make_unique<server::Service>(state);
  }
};

Fixture& fx() {
  static Fixture f;
  return f;
}

server::Response get(const std::string& path, Query query = {},
                     std::map<std::string, std::string> headers = {}) {
  server::Request r;
  r.method = "GET";
  r.path = path;
  r.query = std::move(query);
  r.headers = std::move(headers);
  r.headers["host"] = "gebieden.test";
  return fx().service->handle(r);
}

std::string header(const server::Response& r, const std::string& name) {
  const std::string* v = server::find_header(r, name);
  return v ? *v : std::string();
}

json get_json(const std::string& path, Query query = {}) {
  auto r = get(path, std::move(query));
  INFO(path << " -> " << r.status << " " << r.body.substr(0, 300));
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

std::vector<std::string> ids_of(const json& fc) {
  std::vector<std::string> out;
  for (const auto& f : fc["features"]) out.push_back(f["id"]);
  return out;
}

std::string link_href(const json& doc, const std::string& rel, const std::string& type = {}) {
  for (const auto& l : doc["links"])
    if (l["rel"] == rel && (type.empty() || l["type"] == type)) return l["href"];
  return {};
}

/// Split an absolute href of ours into path and decoded query, to call the service in-process.
std::pair<std::string, Query> split_href(const std::string& href) {
  const std::string prefix = "http://gebieden.test";
  REQUIRE(href.rfind(prefix, 0) == 0);
  std::string rest = href.substr(prefix.size());
  const auto q = rest.find('?');
  Query query;
  if (q != std::string::npos) {
    std::string qs = rest.substr(q + 1);
    rest = rest.substr(0, q);
    std::size_t i = 0;
    while (i <= qs.size()) {
      std::size_t j = qs.find('&', i);
      if (j == std::string::npos) j = qs.size();
      const std::string kv = qs.substr(i, j - i);
      const auto eq = kv.find('=');
      if (!kv.empty())
        query.emplace_back(
            *server::percent_decode(kv.substr(0, eq), true),
            eq == std::string::npos ? "" : *server::percent_decode(kv.substr(eq + 1), true));
      i = j + 1;
    }
  }
  return {rest, query};
}

/// Follow `next` links from the first page; returns every feature id in order.
std::vector<std::string> walk(const std::string& collection, Query query,
                              std::size_t* matched = nullptr) {
  std::vector<std::string> out;
  std::string path = "/collections/" + collection + "/items";
  for (int guard = 0; guard < 1000; ++guard) {
    const json page = get_json(path, query);
    if (matched) *matched = page["numberMatched"];
    CHECK(page["numberReturned"] == page["features"].size());
    for (const auto& id : ids_of(page)) out.push_back(id);
    const std::string next = link_href(page, "next");
    if (next.empty()) break;
    std::tie(path, query) = split_href(next);
  }
  return out;
}
}  // namespace

TEST_CASE("OGC: conformance declares the classes implemented", "[ogc][unit]") {
  const json j = get_json("/conformance");
  std::set<std::string> c(j["conformsTo"].begin(), j["conformsTo"].end());
  for (const char* cls :
       {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json"})
    CHECK(c.count(cls));
  // Not implemented, so not declared.
  CHECK_FALSE(c.count("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/gmlsf0"));
}

TEST_CASE("OGC: collections carry items and queryables links per format", "[ogc][unit]") {
  const json j = get_json("/collections");
  CHECK(link_href(j, "self", "application/json") == "http://gebieden.test/collections");
  CHECK(link_href(j, "alternate", "text/html") == "http://gebieden.test/collections?f=html");
  bool found_points = false;
  for (const auto& c : j["collections"]) {
    INFO(c["id"]);
    CHECK(c["itemType"] == "feature");
    for (const auto& l : c["links"]) {
      CHECK(l.contains("rel"));
      CHECK(l.contains("type"));
    }
    CHECK_FALSE(link_href(c, "items", "application/geo+json").empty());
    CHECK_FALSE(link_href(c, "items", "text/html").empty());
    CHECK(link_href(c, "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                    "application/schema+json") ==
          "http://gebieden.test/collections/" + c["id"].get<std::string>() + "/queryables");
    CHECK(c["crs"][0] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    std::set<std::string> crs(c["crs"].begin(), c["crs"].end());
    CHECK(crs.count(c["storageCrs"].get<std::string>()));
    CHECK(crs.count("http://www.opengis.net/def/crs/EPSG/0/4326"));
    CHECK(crs.count("http://www.opengis.net/def/crs/EPSG/0/3857"));
    CHECK(crs.count("http://www.opengis.net/def/crs/EPSG/0/28992"));
    if (c["id"] == "testpunten") {
      found_points = true;
      const auto interval = c["extent"]["temporal"]["interval"][0];
      CHECK(interval[0] == "2024-01-01T10:00:00Z");
      CHECK(interval[1].is_null());  // some are ongoing
    }
  }
  CHECK(found_points);
  CHECK(get("/collections/testpunten").status == 200);
}

TEST_CASE("OGC: queryables are a JSON Schema of the public properties", "[ogc][unit]") {
  auto r = get("/collections/testpunten/queryables");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/schema+json");
  const json j = json::parse(r.body);
  CHECK(j["type"] == "object");
  CHECK(j["$id"] == "http://gebieden.test/collections/testpunten/queryables");
  CHECK(j["properties"]["naam"]["type"] == "string");
  CHECK(j["properties"]["aantal"]["type"] == "integer");
  CHECK(j["properties"]["score"]["type"] == "number");
  CHECK(j["properties"]["actief"]["type"] == "boolean");
  CHECK(j["properties"]["start"]["format"] == "date-time");
  CHECK(j["properties"]["geometry"]["$ref"] == "https://geojson.org/schema/Point.json");
  CHECK_FALSE(j["properties"].contains("contact_email"));
  CHECK_FALSE(j["properties"].contains("contact_telefoon"));
  CHECK(get("/collections/nope/queryables").status == 404);
  auto h = get("/collections/buurten/queryables", {{"f", "html"}});
  CHECK(h.status == 200);
  CHECK(h.body.find("buurtnaam") != std::string::npos);
}

TEST_CASE("OGC: paging follows next links without losing or repeating a feature", "[ogc][unit]") {
  for (const std::string id : {"buurten", "testpunten"}) {
    INFO(id);
    std::size_t matched = 0;
    const auto all = walk(id, {{"limit", "7"}}, &matched);
    CHECK(all.size() == matched);
    CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
    // The same with a sort key: still complete.
    const auto sorted = walk(
        id,
        {{"limit", "9"}, {"sortby", "-" + std::string(id == "buurten" ? "buurtnaam" : "score")}});
    CHECK(std::set<std::string>(sorted.begin(), sorted.end()) ==
          std::set<std::string>(all.begin(), all.end()));
  }
  // Default and clamped limits.
  CHECK(get_json("/collections/testpunten/items")["numberReturned"] == 10);
  const json big = get_json("/collections/testpunten/items", {{"limit", "10001"}});
  CHECK(big["numberReturned"] == 60);
  CHECK(link_href(big, "self").find("limit=10000") != std::string::npos);
  // prev keeps the other parameters too.
  const json p = get_json("/collections/testpunten/items",
                          {{"limit", "5"}, {"offset", "12"}, {"categorie", "sport"}});
  const std::string prev = link_href(p, "prev");
  CHECK(prev.find("offset=7") != std::string::npos);
  CHECK(prev.find("categorie=sport") != std::string::npos);
  CHECK(prev.find("limit=5") != std::string::npos);
  // An offset past the end: an empty page, still exact counts.
  const json past = get_json("/collections/testpunten/items", {{"offset", "1000"}});
  CHECK(past["numberReturned"] == 0);
  CHECK(past["numberMatched"] == 60);
}

TEST_CASE("OGC: sortby and properties", "[ogc][unit]") {
  json j = get_json("/collections/testpunten/items", {{"sortby", "-aantal"}, {"limit", "3"}});
  CHECK(ids_of(j) == std::vector<std::string>{"P059", "P058", "P057"});
  // '+' arrives as a space after form decoding: still ascending.
  j = get_json("/collections/testpunten/items", {{"sortby", " categorie,-aantal"}, {"limit", "2"}});
  CHECK(j["features"][0]["properties"]["categorie"] == "cultuur");
  CHECK(j["features"][0]["id"] == "P058");
  j = get_json("/collections/testpunten/items", {{"properties", "naam,score"}, {"limit", "2"}});
  CHECK(j["features"][0]["properties"].size() == 2);
  CHECK(j["features"][0]["properties"].contains("score"));
  j = get_json("/collections/testpunten/items/P003", {{"properties", "naam"}});
  CHECK(j["properties"].size() == 1);
  for (const Query& q : std::vector<Query>{{{"properties", "contact_email"}},
                                           {{"properties", "naam,contact_telefoon"}},
                                           {{"sortby", "contact_email"}},
                                           {{"sortby", "nope"}},
                                           {{"properties", ""}},
                                           {{"sortby", ""}},
                                           {{"sortby", "+"}}}) {
    auto r = get("/collections/testpunten/items", q);
    INFO(q[0].first << "=" << q[0].second);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["parameter"] == q[0].first);
    // The message never echoes a private value, and names the property only as asked.
    CHECK(r.body.find("@example.nl") == std::string::npos);
  }
}

TEST_CASE("OGC: datetime on start and end fields", "[ogc][unit]") {
  auto count = [](const std::string& dt) {
    const json j = get_json("/collections/testpunten/items", {{"datetime", dt}, {"limit", "1000"}});
    return j["numberMatched"].get<int>();
  };
  // Feature i runs from 2024-(1+i%12)-01T10:00Z to the 15th; i%10==3 is open-ended, i%10==4 has
  // no dates (matches everything).
  const int march = count("2024-03-05T00:00:00Z");
  CHECK(march > 0);
  CHECK(count("2024-03-05") == march);  // a date is its whole day
  CHECK(count("2024-03-20T00:00:00Z") < march);
  CHECK(count("../..") == 60);
  CHECK(count("2024-01-01T00:00:00Z/..") == 60);
  CHECK(count("../2023-12-31T23:59:59Z") == 6);                   // only the ones without dates
  CHECK(count("/2023-12-31T23:59:59Z") == 6);                     // empty means open too
  CHECK(count("2030-01-01T00:00:00Z/2030-02-01T00:00:00Z") > 6);  // the ongoing ones
  const int q1 = count("2024-01-01T00:00:00Z/2024-03-31T23:59:59Z");
  CHECK(q1 > march);
  // Boundaries have no time: every feature matches any valid value.
  CHECK(get_json("/collections/buurten/items",
                 {{"datetime", "2020-01-01T00:00:00Z"}})["numberMatched"] == 134);
  for (const std::string bad :
       {"", "..", "yesterday", "2024-13-01", "2024-02-30T00:00:00Z", "2024-03-01/2024-02-01", "a/b",
        "2024-01-01/2024-02-01/2024-03-01", "2024-01-01T25:00:00Z"}) {
    INFO(bad);
    auto r = get("/collections/testpunten/items", {{"datetime", bad}});
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["parameter"] == "datetime");
  }
}

TEST_CASE("OGC: CQL2 text filters", "[ogc][unit]") {
  auto matched = [](const std::string& filter, Query extra = {}) {
    Query q = {{"filter", filter}, {"limit", "1000"}};
    q.insert(q.end(), extra.begin(), extra.end());
    auto r = get("/collections/testpunten/items", q);
    INFO(filter << " -> " << r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    return json::parse(r.body)["numberMatched"].get<int>();
  };
  CHECK(matched("categorie = 'sport'") == 20);
  CHECK(matched("categorie <> 'sport'") == 40);
  CHECK(matched("aantal >= 50") == 10);
  CHECK(matched("aantal < 10 AND actief = TRUE") == 5);
  CHECK(matched("aantal < 3 OR aantal > 57") == 5);
  CHECK(matched("NOT (aantal < 30)") == 30);
  CHECK(matched("eind IS NULL") == 12);
  CHECK(matched("start IS NOT NULL") == 54);
  CHECK(matched("naam LIKE 'Punt 1%'") == 11);
  CHECK(matched("CASEI(naam) LIKE CASEI('PUNT 1%')") == 11);
  CHECK(matched("ACCENTI(naam) = ACCENTI('Punt 1')") == 1);
  CHECK(matched("aantal IN (1, 2, 3, 99)") == 3);
  CHECK(matched("aantal BETWEEN 10 AND 19") == 10);
  CHECK(matched("score > 29.5") == 0);
  CHECK(matched("start > TIMESTAMP('2024-06-30T00:00:00Z')") > 0);
  // Spatial: first row of points is at lat 53.15, lon 5.70 + 0.004 i.
  CHECK(matched("S_INTERSECTS(geometry, BBOX(5.699, 53.149, 5.7061, 53.151))") == 2);
  CHECK(matched("S_INTERSECTS(geometry, POINT(5.7 53.15))") == 1);
  CHECK(matched("S_INTERSECTS(geometry, POLYGON((5.699 53.149, 5.7061 53.149, 5.7061 53.151, "
                "5.699 53.151, 5.699 53.149)))") == 2);
  // The same box as EPSG:4326 (lat, lon) and as a filter-crs.
  CHECK(matched("S_INTERSECTS(geometry, BBOX(53.149, 5.699, 53.151, 5.7061))",
                {{"filter-crs", "http://www.opengis.net/def/crs/EPSG/0/4326"}}) == 2);
  // And in RD: the box around point P001 (5.704, 53.15).
  const json p1 = get_json("/collections/testpunten/items/P001",
                           {{"crs", "http://www.opengis.net/def/crs/EPSG/0/28992"}});
  const double x = p1["geometry"]["coordinates"][0], y = p1["geometry"]["coordinates"][1];
  char rd[200];
  std::snprintf(rd, sizeof(rd), "S_INTERSECTS(geometry, BBOX(%.3f, %.3f, %.3f, %.3f))", x - 1,
                y - 1, x + 1, y + 1);
  CHECK(matched(rd, {{"filter-crs", "http://www.opengis.net/def/crs/EPSG/0/28992"}}) == 1);
  // ANDed with bbox, datetime and property parameters.
  CHECK(matched("aantal < 30", {{"categorie", "zorg"}}) == 10);
  CHECK(matched("aantal < 30", {{"categorie", "zorg"}, {"bbox", "5.69,53.14,5.80,53.16"}}) == 6);
  CHECK(matched("categorie = 'sport'", {{"filter-lang", "cql2-text"}}) == 20);

  struct Bad {
    Query q;
    std::string parameter;
  };
  const std::vector<Bad> bad = {
      {{{"filter", "contact_email = 'x'"}}, "filter"},  // private: unknown
      {{{"filter", "nope = 1"}}, "filter"},
      {{{"filter", "aantal = 'veel'"}}, "filter"},
      {{{"filter", "naam LIKE"}}, "filter"},
      {{{"filter", "(((("}}, "filter"},
      {{{"filter", ""}}, "filter"},
      {{{"filter", "S_INTERSECTS(geometry, POINT(1))"}}, "filter"},
      {{{"filter", "aantal = 1"}, {"filter-lang", "cql2-json"}}, "filter"},  // text, not JSON
      {{{"filter", "aantal = 1"}, {"filter-lang", "cql2-JSON"}}, "filter-lang"},
      {{{"filter", R"({"op":"=","args":[{"property":"aantal"},1]})"}}, "filter"},  // JSON as text
      {{{"filter", R"({"op":"=","args":[{"property":"nope"},1]})"}, {"filter-lang", "cql2-json"}},
       "filter"},
      {{{"filter", R"({"op":"=","args":[{"property":"aantal"}]})"}, {"filter-lang", "cql2-json"}},
       "filter"},
      {{{"filter", "  "}, {"filter-lang", "cql2-json"}}, "filter"},
      {{{"filter", "aantal = 1"}, {"filter-lang", ""}}, "filter-lang"},
      {{{"filter", "aantal = 1"}, {"filter-crs", "EPSG:31370"}}, "filter-crs"},
      {{{"filter-lang", "cql2-text"}}, "filter-lang"},
      {{{"filter-crs", "http://www.opengis.net/def/crs/EPSG/0/28992"}}, "filter-crs"},
  };
  for (const auto& b : bad) {
    INFO(b.q[0].first << "=" << b.q[0].second);
    auto r = get("/collections/testpunten/items", b.q);
    CHECK(r.status == 400);
    const json j = json::parse(r.body);
    CHECK(j["parameter"] == b.parameter);
    CHECK_FALSE(j["description"].get<std::string>().empty());
  }
  // The position of a syntax error is in the message.
  auto r = get("/collections/testpunten/items", {{"filter", "aantal = = 1"}});
  CHECK(json::parse(r.body)["description"].get<std::string>().find("position") !=
        std::string::npos);
  // A string in double quotes is a name in CQL2: the message says how to write the string.
  r = get("/collections/testpunten/items", {{"filter", "categorie=\"sport\""}});
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["description"].get<std::string>().find(
            "unknown property 'sport' (strings take single quotes: 'sport')") != std::string::npos);
}

TEST_CASE("OGC: CQL2 JSON filters select what the same CQL2 text selects", "[ogc][unit]") {
  auto ids = [](const std::string& filter, const std::string& lang, Query extra = {}) {
    Query q = {{"filter", filter}, {"filter-lang", lang}, {"limit", "1000"}};
    q.insert(q.end(), extra.begin(), extra.end());
    auto r = get("/collections/testpunten/items", q);
    INFO(filter << " -> " << r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    const json j = json::parse(r.body);
    CHECK(j["numberMatched"] == j["features"].size());
    return ids_of(j);
  };
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {R"({"op":"=","args":[{"property":"categorie"},"sport"]})", "categorie = 'sport'"},
      {R"({"op":"and","args":[{"op":"<","args":[{"property":"aantal"},10]},
          {"op":"=","args":[{"property":"actief"},true]}]})",
       "aantal < 10 AND actief = TRUE"},
      {R"({"op":"not","args":[{"op":"<","args":[{"property":"aantal"},30]}]})",
       "NOT (aantal < 30)"},
      {R"({"op":"isNull","args":[{"property":"eind"}]})", "eind IS NULL"},
      {R"({"op":"like","args":[{"op":"casei","args":[{"property":"naam"}]},
          {"op":"casei","args":["PUNT 1%"]}]})",
       "CASEI(naam) LIKE CASEI('PUNT 1%')"},
      {R"({"op":"in","args":[{"property":"aantal"},[1,2,3,99]]})", "aantal IN (1, 2, 3, 99)"},
      {R"({"op":"between","args":[{"property":"aantal"},10,19]})", "aantal BETWEEN 10 AND 19"},
      {R"({"op":">","args":[{"property":"start"},{"timestamp":"2024-06-30T00:00:00Z"}]})",
       "start > TIMESTAMP('2024-06-30T00:00:00Z')"},
      {R"({"op":"s_intersects","args":[{"property":"geometry"},
          {"bbox":[5.699,53.149,5.7061,53.151]}]})",
       "S_INTERSECTS(geometry, BBOX(5.699, 53.149, 5.7061, 53.151))"},
      {R"({"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":
          [[[5.699,53.149],[5.7061,53.149],[5.7061,53.151],[5.699,53.151],[5.699,53.149]]]}]})",
       "S_INTERSECTS(geometry, POLYGON((5.699 53.149, 5.7061 53.149, 5.7061 53.151, "
       "5.699 53.151, 5.699 53.149)))"},
  };
  for (const auto& [j, t] : pairs) {
    const auto want = ids(t, "cql2-text");
    CHECK(ids(j, "cql2-json") == want);
  }
  CHECK(ids(pairs[0].first, "cql2-json").size() == 20);
  CHECK(ids(pairs[8].first, "cql2-json").size() == 2);
  // filter-crs applies to JSON geometries too: the same box as EPSG:4326 (lat, lon).
  CHECK(ids(R"({"op":"s_intersects","args":[{"property":"geometry"},
                {"bbox":[53.149,5.699,53.151,5.7061]}]})",
            "cql2-json", {{"filter-crs", "http://www.opengis.net/def/crs/EPSG/0/4326"}})
            .size() == 2);
  // Errors name the parameter and the problem.
  auto r = get(
      "/collections/testpunten/items",
      {{"filter", R"({"op":"=","args":[{"property":"aantal"},1)"}, {"filter-lang", "cql2-json"}});
  CHECK(r.status == 400);
  const json e = json::parse(r.body);
  CHECK(e["parameter"] == "filter");
  CHECK_THAT(e["description"].get<std::string>(), Catch::Contains("unexpected end of JSON"));
  r = get("/collections/testpunten/items",
          {{"filter", "aantal = 1"}, {"filter-lang", "cql2-yaml"}});
  CHECK(r.status == 400);
  CHECK_THAT(json::parse(r.body)["description"].get<std::string>(),
             Catch::Contains("cql2-text, cql2-json"));
}

TEST_CASE("OGC: property query parameters are typed", "[ogc][unit]") {
  CHECK(get_json("/collections/testpunten/items", {{"categorie", "sport"}})["numberMatched"] == 20);
  CHECK(get_json("/collections/testpunten/items", {{"aantal", "12"}})["numberMatched"] == 1);
  CHECK(get_json("/collections/testpunten/items", {{"score", "6"}})["numberMatched"] == 1);
  CHECK(get_json("/collections/testpunten/items", {{"actief", "true"}})["numberMatched"] == 30);
  CHECK(get("/collections/testpunten/items", {{"aantal", "twaalf"}}).status == 400);
  CHECK(get("/collections/testpunten/items", {{"actief", "ja"}}).status == 400);
  // A private field is not a parameter at all.
  auto r = get("/collections/testpunten/items", {{"contact_email", "geheim1@example.nl"}});
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["code"] == "UnknownParameter");
}

TEST_CASE("OGC: CRS parameters give the same features in four CRSs", "[ogc][unit]") {
  const json ll = get_json("/collections/testpunten/items/P021");
  const json latlon = get_json("/collections/testpunten/items/P021",
                               {{"crs", "http://www.opengis.net/def/crs/EPSG/0/4326"}});
  CHECK(latlon["geometry"]["coordinates"][0] == ll["geometry"]["coordinates"][1]);
  CHECK(latlon["geometry"]["coordinates"][1] == ll["geometry"]["coordinates"][0]);
  auto r = get("/collections/testpunten/items/P021", {{"crs", "EPSG:3857"}});
  CHECK(header(r, "Content-Crs") == "<http://www.opengis.net/def/crs/EPSG/0/3857>");
  const json wm = json::parse(r.body);
  const double lon = ll["geometry"]["coordinates"][0], lat = ll["geometry"]["coordinates"][1];
  CHECK(wm["geometry"]["coordinates"][0].get<double>() ==
        Approx(6378137.0 * lon * M_PI / 180).margin(0.01));
  CHECK(wm["geometry"]["coordinates"][1].get<double>() ==
        Approx(6378137.0 * std::log(std::tan(M_PI / 4 + lat * M_PI / 360))).margin(0.01));

  // The same bbox in each CRS selects the same buurten.
  const json base =
      get_json("/collections/buurten/items", {{"bbox", "5.78,53.19,5.81,53.21"}, {"limit", "200"}});
  const auto expected = ids_of(base);
  REQUIRE(expected.size() > 3);
  const json swapped = get_json("/collections/buurten/items",
                                {{"bbox", "53.19,5.78,53.21,5.81"},
                                 {"bbox-crs", "http://www.opengis.net/def/crs/EPSG/0/4326"},
                                 {"limit", "200"}});
  CHECK(ids_of(swapped) == expected);
  auto m = [](double lo, double la) {
    return std::make_pair(6378137.0 * lo * M_PI / 180,
                          6378137.0 * std::log(std::tan(M_PI / 4 + la * M_PI / 360)));
  };
  const auto [x0, y0] = m(5.78, 53.19);
  const auto [x1, y1] = m(5.81, 53.21);
  const json merc = get_json("/collections/buurten/items",
                             {{"bbox", std::to_string(x0) + "," + std::to_string(y0) + "," +
                                           std::to_string(x1) + "," + std::to_string(y1)},
                              {"bbox-crs", "http://www.opengis.net/def/crs/EPSG/0/3857"},
                              {"limit", "200"}});
  CHECK(ids_of(merc) == expected);
  // An RD box: features intersecting it, tested on the RD geometry.
  const json rd = get_json("/collections/buurten/items",
                           {{"bbox", "182000,579000,184000,581000"},
                            {"bbox-crs", "http://www.opengis.net/def/crs/EPSG/0/28992"},
                            {"crs", "http://www.opengis.net/def/crs/EPSG/0/28992"},
                            {"limit", "200"}});
  CHECK(rd["numberMatched"].get<int>() > 0);
  CHECK(link_href(rd, "next").empty());
}

TEST_CASE("OGC: private fields appear in no response - in any format", "[ogc][unit]") {
  std::vector<std::pair<std::string, Query>> requests = {
      {"/", {}},
      {"/api", {}},
      {"/api.html", {}},
      {"/collections", {}},
      {"/collections", {{"f", "html"}}},
      {"/collections/testpunten", {}},
      {"/collections/testpunten", {{"f", "html"}}},
      {"/collections/testpunten/queryables", {}},
      {"/collections/testpunten/queryables", {{"f", "html"}}},
      {"/collections/testpunten/items", {{"limit", "1000"}}},
      {"/collections/testpunten/items", {{"limit", "1000"}, {"f", "html"}}},
      {"/collections/testpunten/items", {{"limit", "1000"}, {"crs", "EPSG:28992"}}},
      {"/collections/testpunten/items/P001", {}},
      {"/collections/testpunten/items/P001", {{"f", "html"}}},
  };
  // Every collection of the catalogue (the social base too, when configured).
  for (const auto& c : fx().state->catalogue.all()) {
    requests.push_back({"/collections/" + c->id + "/items", {{"limit", "10000"}}});
    requests.push_back({"/collections/" + c->id + "/items", {{"limit", "10000"}, {"f", "html"}}});
    requests.push_back({"/collections/" + c->id + "/queryables", {}});
    if (!c->features.empty())
      requests.push_back(
          {"/collections/" + c->id + "/items/" + server::percent_encode(c->features[0].id),
           {{"f", "html"}}});
  }
  std::vector<std::string> secrets = {"contact_email", "contact_telefoon", "contact_naam",
                                      "geheim1@example.nl", "06-12341001"};
  for (const auto& c : fx().state->catalogue.all())
    for (std::size_t i = 0; i < c->fields.size(); ++i)
      if (c->fields[i].is_private)
        for (const auto& f : c->features)
          if (auto* s = std::get_if<std::string>(&f.values[i]); s && s->size() > 4)
            secrets.push_back(*s);
  for (const auto& [path, q] : requests) {
    auto r = get(path, q);
    INFO(path << " " << (q.empty() ? "" : q[0].first + "=" + q[0].second));
    REQUIRE(r.status == 200);
    for (const auto& s : secrets) CHECK(r.body.find(s) == std::string::npos);
  }
}

TEST_CASE("OGC: HTML for browsers - JSON for the rest", "[ogc][unit]") {
  const std::map<std::string, std::string> browser = {
      {"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}};
  for (const std::string path :
       {"/", "/conformance", "/collections", "/collections/buurten", "/collections/buurten/items",
        "/collections/buurten/items/BU00801001", "/collections/buurten/queryables", "/api"}) {
    INFO(path);
    auto h = get(path, {}, browser);
    CHECK(h.status == 200);
    CHECK(h.content_type.rfind("text/html", 0) == 0);
    CHECK(h.body.find("<!DOCTYPE html>") == 0);
    CHECK(h.body.find("<a href=") != std::string::npos);
    CHECK(get(path, {{"f", "html"}}).content_type.rfind("text/html", 0) == 0);
    // f wins over Accept; GDAL/curl-style Accept gets JSON.
    CHECK(get(path, {{"f", "json"}}, browser).content_type.rfind("text/html", 0) != 0);
    CHECK(get(path, {}, {{"accept", "application/geo+json, application/json;q=0.9"}})
              .content_type.rfind("text/html", 0) != 0);
    CHECK(get(path, {}, {{"accept", "*/*"}}).content_type.rfind("text/html", 0) != 0);
    CHECK(header(h, "Vary").find("Accept") != std::string::npos);
  }
  // Items and single features are on a Leaflet map served by us.
  auto items = get("/collections/buurten/items", {{"f", "html"}, {"limit", "5"}});
  CHECK(items.body.find("/static/leaflet/leaflet.js") != std::string::npos);
  CHECK(items.body.find("id=\"features\"") != std::string::npos);
  CHECK(items.body.find("BU00801001") != std::string::npos);
  CHECK(items.body.find("rel=\"next\"") != std::string::npos);
  auto one = get("/collections/buurten/items/BU00801001", {{"f", "html"}});
  CHECK(one.body.find("/static/leaflet/leaflet.js") != std::string::npos);
  CHECK(one.body.find("De Waag") != std::string::npos);
  auto list = get("/collections", {{"f", "html"}});
  CHECK(list.body.find("id=\"boxes\"") != std::string::npos);
  CHECK(get("/api.html").content_type.rfind("text/html", 0) == 0);
  CHECK(get("/api.html", {{"f", "json"}}).status == 400);
  // Text that looks like markup is escaped.
  CHECK(server::html::escape("<script>\"&'") == "&lt;script&gt;&quot;&amp;&#39;");
  CHECK(server::html::script_json(R"({"a":"</script>"})") == R"({"a":"\u003c/script>"})");
}

TEST_CASE("OGC: the Leaflet files are served from the build tree", "[ogc][unit]") {
  auto js = get("/static/leaflet/leaflet.js");
  REQUIRE(js.status == 200);
  CHECK(js.content_type == "application/javascript");
  CHECK(js.body.find("Leaflet") != std::string::npos);
  CHECK(get("/static/leaflet/leaflet.css").content_type == "text/css");
  CHECK(get("/static/leaflet/images/marker-icon.png").content_type == "image/png");
  for (const std::string bad :
       {"/static/leaflet/..%2F..%2Fpackage.json", "/static/leaflet/.hidden",
        "/static/leaflet/nope.js", "/static/other/leaflet.js", "/static/leaflet/x/leaflet.js",
        "/static/leaflet/images/../leaflet.js"})
    CHECK(get(bad).status == 404);
}

TEST_CASE("HTTP manners: ETag - 304 - gzip - CORS - Cache-Control", "[ogc][manners][unit]") {
  auto a = get("/collections/buurten/items", {{"limit", "50"}});
  auto b = get("/collections/buurten/items", {{"limit", "50"}});
  REQUIRE(a.status == 200);
  const std::string etag = header(a, "ETag");
  CHECK(etag.size() > 10);
  CHECK(etag.front() == '"');
  CHECK(header(b, "ETag") == etag);
  CHECK(header(a, "Access-Control-Allow-Origin") == "*");
  CHECK(header(a, "Access-Control-Expose-Headers").find("Content-Crs") != std::string::npos);
  CHECK(header(a, "Cache-Control").find("max-age") != std::string::npos);
  auto nm = get("/collections/buurten/items", {{"limit", "50"}}, {{"if-none-match", etag}});
  CHECK(nm.status == 304);
  CHECK(nm.body.empty());
  CHECK(header(nm, "ETag") == etag);
  CHECK(get("/collections/buurten/items", {{"limit", "50"}}, {{"if-none-match", "W/" + etag}})
            .status == 304);
  CHECK(get("/collections/buurten/items", {{"limit", "50"}},
            {{"if-none-match", "\"other\", " + etag}})
            .status == 304);
  CHECK(get("/collections/buurten/items", {{"limit", "50"}}, {{"if-none-match", "\"other\""}})
            .status == 200);
  // Metadata documents too.
  auto col = get("/collections");
  CHECK(get("/collections", {}, {{"if-none-match", header(col, "ETag")}}).status == 304);

  // gzip when accepted: a different tag, the same content.
  auto z = get("/collections/buurten/items", {{"limit", "50"}},
               {{"accept-encoding", "gzip, deflate, br"}});
  CHECK(header(z, "Content-Encoding") == "gzip");
  CHECK(header(z, "Vary").find("Accept-Encoding") != std::string::npos);
  CHECK(header(z, "ETag") != etag);
  std::string plain;
  REQUIRE(server::gunzip(z.body, plain));
  CHECK(json::parse(plain)["numberReturned"] == 50);
  CHECK(z.body.size() < plain.size() / 3);
  CHECK(get("/collections/buurten/items", {{"limit", "50"}},
            {{"accept-encoding", "gzip"}, {"if-none-match", header(z, "ETag")}})
            .status == 304);
  CHECK(header(
            get("/collections/buurten/items", {{"limit", "50"}}, {{"accept-encoding", "gzip;q=0"}}),
            "Content-Encoding")
            .empty());
  CHECK(header(
            get("/collections/buurten/items", {{"limit", "50"}}, {{"accept-encoding", "identity"}}),
            "Content-Encoding")
            .empty());
  CHECK(header(get("/conformance", {}, {{"accept-encoding", "gzip"}}), "Content-Encoding") ==
        "gzip");

  // Errors: CORS yes, caching no.
  auto e = get("/collections/nope");
  CHECK(header(e, "Access-Control-Allow-Origin") == "*");
  CHECK(header(e, "Cache-Control") == "no-store");
  CHECK(header(e, "ETag").empty());

  // Preflight.
  server::Request o;
  o.method = "OPTIONS";
  o.path = "/collections/buurten/items";
  o.headers = {{"origin", "http://kaart.example"}, {"access-control-request-method", "GET"}};
  auto pre = fx().service->handle(o);
  CHECK(pre.status == 204);
  CHECK(header(pre, "Access-Control-Allow-Origin") == "*");
  CHECK(header(pre, "Access-Control-Allow-Methods").find("GET") != std::string::npos);
  CHECK(header(pre, "Access-Control-Allow-Headers").find("If-None-Match") != std::string::npos);

  // The helpers.
  server::Request r;
  r.headers["accept-encoding"] = "deflate, x-gzip;q=0.5";
  CHECK(server::accepts_gzip(r));
  r.headers["accept-encoding"] = "*;q=0.1";
  CHECK(server::accepts_gzip(r));
  r.headers["accept-encoding"] = "gzip;q=0, *";
  CHECK_FALSE(server::accepts_gzip(r));
  CHECK(server::compressible("application/vnd.oai.openapi+json;version=3.0"));
  CHECK_FALSE(server::compressible("image/png"));
  std::string round;
  REQUIRE(server::gunzip(server::gzip("hallo hallo hallo"), round));
  CHECK(round == "hallo hallo hallo");
  CHECK(server::strong_etag("a") != server::strong_etag("b"));
}

TEST_CASE("OGC: a replaced snapshot is never served from the cache", "[ogc][unit]") {
  auto& cat = fx().state->catalogue;
  cat.add(make_points(fx().state->transformers, "wisselend", 10, " (v1)"));
  const json v1 = get_json("/collections/wisselend/items", {{"limit", "3"}});
  CHECK(v1["features"][0]["properties"]["naam"] == "Punt 0 (v1)");
  const json again = get_json("/collections/wisselend/items", {{"limit", "3"}});
  CHECK(again == v1);  // cached: the same page, the same timeStamp
  cat.replace(make_points(fx().state->transformers, "wisselend", 12, " (v2)"));
  const json v2 = get_json("/collections/wisselend/items", {{"limit", "3"}});
  CHECK(v2["features"][0]["properties"]["naam"] == "Punt 0 (v2)");
  CHECK(v2["numberMatched"] == 12);
  CHECK(get_json("/collections/wisselend/items/P001")["properties"]["naam"] == "Punt 1 (v2)");
  for (int i = 0; i < 5; ++i) {  // a new snapshot may reuse the old one's address
    cat.replace(make_points(fx().state->transformers, "wisselend", 5 + i,
                            " (v" + std::to_string(3 + i) + ")"));
    const json v = get_json("/collections/wisselend/items", {{"limit", "3"}});
    CHECK(v["numberMatched"] == 5 + i);
    CHECK(v["features"][0]["properties"]["naam"] == "Punt 0 (v" + std::to_string(3 + i) + ")");
  }

  // The cache itself.
  server::OgcCache cache;
  auto c = make_points(fx().state->transformers, "c", 4);
  auto enc = cache.features(c, geo::Crs::CRS84);
  CHECK(enc->size() == 4);
  CHECK(cache.features(c, geo::Crs::CRS84) == enc);
  CHECK(cache.encodings() == 1);
  server::Response resp;
  resp.body = "x";
  cache.store(c, "k", resp);
  CHECK(cache.response(c, "k"));
  auto other = make_points(fx().state->transformers, "c", 4);
  CHECK_FALSE(cache.response(other, "k"));
}

TEST_CASE("OGC: the OpenAPI document declares every path - parameter and response",
          "[ogc][openapi][unit]") {
  auto r = get("/api");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/vnd.oai.openapi+json;version=3.0");
  const json api = json::parse(r.body);
  CHECK(api["openapi"] == "3.0.3");
  CHECK(api["servers"][0]["url"] == "http://gebieden.test");
  const json& paths = api["paths"];
  for (const char* p : {"/", "/conformance", "/api", "/api.html", "/collections"})
    CHECK(paths.contains(p));
  auto resolve = [&](const json& x) -> json {
    if (!x.contains("$ref")) return x;
    std::string ref = x["$ref"];
    REQUIRE(ref.rfind("#/", 0) == 0);
    json cur = api;
    std::size_t i = 2;
    while (i <= ref.size()) {
      std::size_t j = ref.find('/', i);
      if (j == std::string::npos) j = ref.size();
      const std::string key = ref.substr(i, j - i);
      REQUIRE(cur.contains(key));
      cur = cur[key];
      i = j + 1;
    }
    return cur;
  };
  std::set<std::string> operation_ids;
  for (const auto& [path, item] : paths.items()) {
    INFO(path);
    REQUIRE(item.contains("get"));
    const json& get_op = item["get"];
    CHECK(operation_ids.insert(get_op["operationId"].get<std::string>()).second);
    CHECK(get_op["responses"].contains("200"));
    CHECK(get_op["responses"].contains("500"));
    CHECK(get_op["responses"].contains("400"));
    CHECK(get_op["responses"].contains("304"));
    CHECK(item["options"]["responses"].contains("204"));
    std::set<std::string> names;
    // An array, whatever the compiler (fuzzing a clang build found the object {"$ref": ...}
    // there: clang reads a braced single json as a copy of it, g++ as an array).
    CHECK(get_op["parameters"].is_array());
    for (const auto& raw : get_op["parameters"]) {
      const json p = resolve(raw);
      CHECK(p.contains("name"));
      CHECK(p.contains("in"));
      CHECK(p.contains("schema"));
      CHECK(names.insert(p["in"].get<std::string>() + ":" + p["name"].get<std::string>()).second);
      if (p["in"] == "path") CHECK(p["required"] == true);
    }
    // Every {template} in the path is a declared path parameter.
    for (std::size_t i = path.find('{'); i != std::string::npos; i = path.find('{', i + 1))
      CHECK(names.count("path:" + path.substr(i + 1, path.find('}', i) - i - 1)));
    for (const auto& [code, resp] : get_op["responses"].items())
      CHECK(resolve(resp).contains("description"));
  }
  // Each collection, with its own property parameters; none private.
  for (const auto& c : fx().state->catalogue.all()) {
    const std::string items = "/collections/" + c->id + "/items";
    INFO(items);
    REQUIRE(paths.contains(items));
    REQUIRE(paths.contains(items + "/{featureId}"));
    REQUIRE(paths.contains("/collections/" + c->id + "/queryables"));
    std::set<std::string> names;
    json limit;
    for (const auto& raw : paths[items]["get"]["parameters"]) {
      const json p = resolve(raw);
      names.insert(p["name"]);
      if (p["name"] == "limit") limit = p;
    }
    for (const char* n : {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter",
                          "filter-lang", "filter-crs", "sortby", "properties"})
      CHECK(names.count(n));
    for (const auto& f : c->fields) CHECK(names.count(f.name) == (f.is_private ? 0u : 1u));
    // What the CITE suite reads (FeaturesLimit.limitParameterDefinition).
    CHECK(limit["in"] == "query");
    CHECK(limit["required"] == false);
    CHECK(limit["style"] == "form");
    CHECK(limit["explode"] == false);
    CHECK(limit["schema"]["type"] == "integer");
    CHECK(limit["schema"]["minimum"] == 1);
    CHECK(limit["schema"]["maximum"] == 10000);
    CHECK(limit["schema"]["default"] == 10);
  }
  // Free-form property parameters are not declared: unknown parameters get 400 (consistent).
  CHECK(r.body.find("\"additionalProperties\":true") == std::string::npos);
  CHECK(r.body.find("contact_email") == std::string::npos);
}

TEST_CASE("OGC: parameter parsers", "[ogc][unit]") {
  auto t = server::parse_datetime("2024-03-01T12:00:00Z/..");
  CHECK(t.start.has_value());
  CHECK_FALSE(t.end.has_value());
  CHECK(layers::format_time(*t.start) == "2024-03-01T12:00:00Z");
  t = server::parse_datetime("2024-03-01");
  CHECK(*t.end - *t.start == 24 * 3600 * 1000 - 1);
  server::Request r;
  r.headers["accept"] = "text/html;q=0.5, application/json";
  CHECK(server::negotiate(r) == server::Format::Json);
  r.headers["accept"] = "text/html";
  CHECK(server::negotiate(r) == server::Format::Html);
  r.query = {{"f", "xml"}};
  CHECK_THROWS_AS(server::negotiate(r), input_error);
  long long n = 0;
  CHECK(server::parse_integer("42", n));
  CHECK_FALSE(server::parse_integer("4 2", n));
  double d = 0;
  CHECK_FALSE(server::parse_number("inf", d));
  CHECK_FALSE(server::parse_number("nan", d));
  CHECK(server::parse_number("-5.5e1", d));
}
