// Integration tests of the Esri GeoServices FeatureServer: the real server on 127.0.0.1 with
// real clients (GDAL's ESRIJSON driver, cpp-httplib replaying the ArcGIS client sequence).
#include <httplib.h>

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "process.hpp"
#include "server/http_types.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {
test::ServerProcess& esri_server() {
  static test::ServerProcess s;
  return s;
}

const std::string kFs = "/arcgis/rest/services/gebieden/FeatureServer";

std::unique_ptr<httplib::Client> client() {
  auto cli = std::make_unique<httplib::Client>("127.0.0.1", esri_server().port());
  cli->set_connection_timeout(5);
  cli->set_read_timeout(30);
  return cli;
}

std::string encode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += "&";
    out += server::percent_encode(k) + "=" + server::percent_encode(v);
  }
  return out;
}

/// GET with the parameters in the query string; the body must be JSON (not an error).
json get(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params) {
  auto res = client()->Get((path + "?" + encode(params)).c_str());
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Access-Control-Allow-Origin") == "*");
  auto j = json::parse(res->body);
  INFO(res->body.substr(0, 300));
  CHECK_FALSE(j.contains("error"));
  return j;
}

/// POST with a form-encoded body, as ArcGIS clients do for long requests.
json post(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params) {
  auto res = client()->Post(path.c_str(), encode(params), "application/x-www-form-urlencoded");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto j = json::parse(res->body);
  INFO(res->body.substr(0, 300));
  CHECK_FALSE(j.contains("error"));
  return j;
}

/// Fields and feature count as ogrinfo -so reports them.
struct OgrSummary {
  int count = -1;
  std::set<std::string> fields;
  std::string geometry;
};

OgrSummary ogr_summary(const std::string& output) {
  OgrSummary s;
  std::istringstream in(output);
  std::string line;
  static const std::regex field_re(
      R"(^([A-Za-z_][A-Za-z0-9_]*): (Integer|Integer64|Real|String|Date|DateTime|Time)(\([A-Za-z0-9]+\))? \()");
  static const std::regex count_re(R"(^Feature Count: (\d+))");
  static const std::regex geom_re(R"(^Geometry: (.+))");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, count_re)) s.count = std::stoi(m[1]);
    if (std::regex_search(line, m, geom_re)) s.geometry = m[1];
    if (std::regex_search(line, m, field_re)) s.fields.insert(m[1]);
  }
  return s;
}

/// OGC collection ids by title (the Esri layer name).
std::map<std::string, std::string> ogc_ids_by_title() {
  std::map<std::string, std::string> out;
  const json collections = get("/collections", {{"f", "json"}});
  for (const auto& c : collections["collections"]) out[c["title"]] = c["id"];
  return out;
}
}  // namespace

TEST_CASE("GDAL's ESRIJSON driver pages through every layer with the OGC API's counts and fields",
          "[esri][http][gdal][integration]") {
  const json service = get(kFs, {{"f", "json"}});
  const auto ids = ogc_ids_by_title();
  REQUIRE(service["layers"].size() >= 4);
  std::map<std::string, int> counts;
  for (const auto& layer : service["layers"]) {
    const std::string name = layer["name"];
    INFO("layer " << layer["id"] << " " << name);
    REQUIRE(ids.count(name));
    const std::string collection = ids.at(name);
    const json ogc = get("/collections/" + collection + "/items", {{"limit", "1"}});
    std::set<std::string> ogc_fields;
    if (!ogc["features"].empty())
      for (auto& [k, v] : ogc["features"][0]["properties"].items()) ogc_fields.insert(k);

    const std::string url = "ESRIJSON:" + esri_server().url() + kFs + "/" +
                            std::to_string(layer["id"].get<int>()) +
                            "/query?where=1%3D1&outFields=*&orderByFields=OBJECTID+ASC&f=json";
    std::string out;
    REQUIRE(test::run_command("ogrinfo -ro -al -so \"" + url + "\"", out) == 0);
    INFO(out.substr(0, 2000));
    const OgrSummary s = ogr_summary(out);
    CHECK(s.count == ogc["numberMatched"].get<int>());
    std::set<std::string> esri_fields = s.fields;
    CHECK(esri_fields.erase("OBJECTID") == 1);
    CHECK(esri_fields == ogc_fields);
    CHECK(s.geometry == (layer["geometryType"] == "esriGeometryPoint" ? "Point" : "Polygon"));
    counts[collection] = s.count;
  }
  CHECK(counts["buurten"] == 134);
  CHECK(counts["wijken"] == 22);
  CHECK(counts["gebieden"] == 8);
  CHECK(counts["gemeente"] == 1);

  // Every feature is read (GDAL asks for the next pages while exceededTransferLimit is true).
  std::string out;
  REQUIRE(test::run_command("ogrinfo -ro -al \"ESRIJSON:" + esri_server().url() + kFs +
                                "/0/query?where=1%3D1&outFields=*&orderByFields=OBJECTID+ASC&f=json"
                                "\" | grep -c '^OGRFeature'",
                            out) == 0);
  CHECK(std::stoi(out) == 134);
}

TEST_CASE("the ArcGIS client request sequence (as Koop's integration test replays it)",
          "[esri][http][integration]") {
  const std::string layer = kFs + "/0";  // buurten
  const std::string query = layer + "/query";

  // 1. Service inquiry.
  const json service = get(kFs, {{"f", "json"}});
  CHECK(service["capabilities"] == "Query");
  CHECK(service["supportedQueryFormats"] == "JSON,geojson");
  CHECK(service["layers"][0]["id"] == 0);
  CHECK(service["layers"][0]["name"] == "Buurten");
  CHECK(service["layers"][0]["geometryType"] == "esriGeometryPolygon");
  CHECK(service["spatialReference"]["wkid"] == 4326);
  const json layers = get(kFs + "/layers", {{"f", "json"}});
  CHECK(layers["layers"].size() == service["layers"].size());
  CHECK(layers["tables"].is_array());
  const json info = get("/arcgis/rest/info", {{"f", "json"}});
  CHECK(info.contains("currentVersion"));

  // 2. Adding the layer to a map: the layer, ids + count, the first page in Web Mercator.
  const json meta = get(layer, {{"f", "json"}});
  CHECK(meta["objectIdField"] == "OBJECTID");
  CHECK(meta["geometryType"] == "esriGeometryPolygon");
  const int max_records = meta["maxRecordCount"];
  CHECK(max_records == 100);
  CHECK(meta["drawingInfo"]["renderer"]["type"] == "simple");
  std::set<std::string> field_names;
  for (const auto& f : meta["fields"]) field_names.insert(f["name"]);
  CHECK(field_names.count("buurtnaam"));
  CHECK(field_names.count("OBJECTID"));

  const json count = get(query, {{"f", "json"},
                                 {"returnIdsOnly", "true"},
                                 {"returnCountOnly", "true"},
                                 {"spatialRel", "esriSpatialRelIntersects"},
                                 {"where", "1=1"}});
  CHECK(count == json{{"count", 134}});

  const std::vector<std::pair<std::string, std::string>> first_page = {
      {"f", "json"},
      {"resultOffset", "0"},
      {"resultRecordCount", "2000"},
      {"where", "1=1"},
      {"orderByFields", "OBJECTID"},
      {"outFields", "OBJECTID"},
      {"outSR", "102100"},
      {"spatialRel", "esriSpatialRelIntersects"}};
  const json page = get(query, first_page);
  CHECK(page["objectIdFieldName"] == "OBJECTID");
  CHECK(page["geometryType"] == "esriGeometryPolygon");
  CHECK(page["spatialReference"] == json{{"wkid", 102100}, {"latestWkid", 3857}});
  REQUIRE(page["features"].size() == static_cast<std::size_t>(max_records));
  CHECK(page["exceededTransferLimit"] == true);
  CHECK(page["fields"].size() == 1);
  for (const auto& f : page["features"]) {
    CHECK(f["attributes"].size() == 1);
    const auto& p = f["geometry"]["rings"][0][0];
    CHECK(p[0].get<double>() == Approx(640000).margin(40000));   // x ~ 5.7 degrees east
    CHECK(p[1].get<double>() == Approx(7020000).margin(40000));  // y ~ 53.2 degrees north
  }
  CHECK(page["features"][0]["attributes"]["OBJECTID"] == 1);
  // The rest, as the client pages (POST this time).
  auto rest_params = first_page;
  rest_params[1].second = std::to_string(max_records);
  const json rest = post(query, rest_params);
  CHECK(rest["features"].size() == static_cast<std::size_t>(134 - max_records));
  CHECK(rest["exceededTransferLimit"] == false);

  // 3. Identify: one feature with every field, then with an explicit list.
  const json identify = get(query, {{"f", "json"},
                                    {"objectIds", "42"},
                                    {"outFields", "*"},
                                    {"outSR", "102100"},
                                    {"spatialRel", "esriSpatialRelIntersects"},
                                    {"where", "1=1"}});
  REQUIRE(identify["features"].size() == 1);
  const auto& attrs = identify["features"][0]["attributes"];
  CHECK(attrs["OBJECTID"] == 42);
  CHECK(attrs.size() == meta["fields"].size());
  CHECK(attrs["gemeentecode"] == "GM0080");
  CHECK(identify["features"][0]["geometry"]["rings"].size() >= 1);
  const json identify2 = post(query, {{"f", "json"},
                                      {"objectIds", "42"},
                                      {"outFields", "buurtnaam,wijknaam,OBJECTID"},
                                      {"outSR", "102100"},
                                      {"spatialRel", "esriSpatialRelIntersects"},
                                      {"where", "1=1"}});
  REQUIRE(identify2["features"].size() == 1);
  CHECK(identify2["features"][0]["attributes"] ==
        json{{"buurtnaam", attrs["buurtnaam"]}, {"wijknaam", attrs["wijknaam"]}, {"OBJECTID", 42}});

  // 4. Map filter: statistics grouped by a field, one row of a page, a where on the field.
  const json stats = get(
      query,
      {{"f", "json"},
       {"groupByFieldsForStatistics", "gebied"},
       {"outFields", "*"},
       {"outStatistics",
        R"([{"onStatisticField":"gebied","outStatisticFieldName":"countOFgebied","statisticType":"count"}])"},
       {"where", "1=1"}});
  REQUIRE(stats["features"].size() == 8);
  int total = 0;
  std::map<std::string, int> per_gebied;
  for (const auto& f : stats["features"]) {
    CHECK(f["attributes"].size() == 2);
    per_gebied[f["attributes"]["gebied"]] = f["attributes"]["countOFgebied"];
    total += f["attributes"]["countOFgebied"].get<int>();
  }
  CHECK(total == 134);
  CHECK(per_gebied["centrum"] == 17);
  CHECK(stats["fields"][0]["name"] == "countOFgebied");

  const json one = get(query, {{"f", "json"},
                               {"resultOffset", "2"},
                               {"resultRecordCount", "1"},
                               {"where", "1=1"},
                               {"orderByFields", "OBJECTID"},
                               {"outFields", "gebied"},
                               {"outSR", "102100"},
                               {"returnGeometry", "false"}});
  REQUIRE(one["features"].size() == 1);
  CHECK(one["features"][0]["attributes"].size() == 1);
  CHECK(one["features"][0]["attributes"].contains("gebied"));
  CHECK_FALSE(one["features"][0].contains("geometry"));
  CHECK(one["exceededTransferLimit"] == true);

  const json filtered = get(query, {{"f", "json"},
                                    {"where", "gebied = 'centrum'"},
                                    {"outFields", "gebied,OBJECTID"},
                                    {"outSR", "102100"}});
  CHECK(filtered["features"].size() == 17);
  for (const auto& f : filtered["features"]) CHECK(f["attributes"]["gebied"] == "centrum");

  // 5. Attribute table: a page without geometry and an empty orderByFields.
  const json table = get(query, {{"f", "json"},
                                 {"resultOffset", "0"},
                                 {"resultRecordCount", "50"},
                                 {"where", "1=1"},
                                 {"orderByFields", ""},
                                 {"outFields", "*"},
                                 {"returnGeometry", "false"}});
  REQUIRE(table["features"].size() == 50);
  CHECK(table["exceededTransferLimit"] == true);
  CHECK(table["fields"].size() == meta["fields"].size());
  for (std::size_t i = 0; i < table["features"].size(); ++i) {
    CHECK_FALSE(table["features"][i].contains("geometry"));
    CHECK(table["features"][i]["attributes"]["OBJECTID"] == i + 1);
  }
  CHECK(esri_server().alive());
}

TEST_CASE("HTTP: ArcGIS errors, hostile where clauses, JSONP, CORS, 405",
          "[esri][http][integration]") {
  const std::string query = kFs + "/0/query";
  const std::vector<std::string> hostile = {
      "1=1; DROP TABLE x",
      "buurtnaam = 'abc",
      "((((buurtnaam = 'x')",
      "nope = 1",
      "SLEEP(5)",
      "buurtnaam = 'x' UNION SELECT * FROM users",
      std::string(100 * 1024, 'a'),
      std::string(20000, '(') + "1=1" + std::string(20000, ')'),
  };
  for (const auto& where : hostile) {
    INFO(where.substr(0, 60));
    for (bool use_post : {false, true}) {
      auto cli = client();
      const std::string params = encode({{"f", "json"}, {"where", where}});
      auto res = use_post ? cli->Post(query.c_str(), params, "application/x-www-form-urlencoded")
                          : cli->Get((query + "?" + params).c_str());
      REQUIRE(res);
      CHECK(res->status == 200);
      auto j = json::parse(res->body);
      REQUIRE(j.contains("error"));
      CHECK(j["error"]["code"] == 400);
      CHECK(j["error"]["message"] == "'where' parameter is invalid");
    }
  }
  auto cli = client();
  auto res = cli->Get((kFs + "/77?f=json").c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["error"]["code"] == 404);

  res = cli->Get((query + "?f=json&returnCountOnly=true&callback=jQuery.cb_1%28alert%29").c_str());
  REQUIRE(res);
  CHECK(res->body == "/**/jQuery.cb_1alert({\"count\":134});");

  res = cli->Delete(query.c_str());
  REQUIRE(res);
  CHECK(res->status == 405);
  CHECK(json::parse(res->body)["error"]["code"] == 405);
  res = cli->Put(query.c_str(), "x", "text/plain");
  REQUIRE(res);
  CHECK(res->status == 405);

  httplib::Headers preflight = {{"Origin", "https://www.arcgis.com"},
                                {"Access-Control-Request-Method", "POST"}};
  res = cli->Options(query.c_str(), preflight);
  REQUIRE(res);
  CHECK(res->status == 204);
  CHECK(res->get_header_value("Access-Control-Allow-Origin") == "*");
  CHECK(res->get_header_value("Access-Control-Allow-Methods").find("POST") != std::string::npos);

  // f=geojson over the wire.
  res =
      cli->Get((query + "?f=geojson&where=1%3D1&outFields=buurtnaam&resultRecordCount=3").c_str());
  REQUIRE(res);
  CHECK(res->get_header_value("Content-Type") == "application/geo+json");
  auto j = json::parse(res->body);
  CHECK(j["features"].size() == 3);
  CHECK(j["properties"]["exceededTransferLimit"] == true);
  CHECK(esri_server().alive());
}
