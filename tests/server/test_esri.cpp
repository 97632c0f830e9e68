// In-process tests of the Esri GeoServices FeatureServer (/arcgis/rest/...): metadata, queries,
// spatial references, statistics, errors in the ArcGIS envelope, and hostile input.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "geo/config.hpp"
#include "geo/crs.hpp"
#include "layers/esri_json.hpp"
#include "layers/esri_query.hpp"
#include "layers/geojson.hpp"
#include "server/esri_api.hpp"
#include "server/in_process.hpp"
#include "server/service.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {
using Query = std::vector<std::pair<std::string, std::string>>;

const server::Service& service() {
  return test::default_service();
}

const std::string kFs = "/arcgis/rest/services/gebieden/FeatureServer";

server::Response call(const server::Service& svc, const std::string& method,
                      const std::string& path, Query query = {}, const std::string& body = {},
                      const std::string& content_type = {}) {
  server::Request r;
  r.method = method;
  r.path = path;
  r.query = std::move(query);
  r.body = body;
  r.headers["host"] = "gebieden.test";
  if (!content_type.empty()) r.headers["content-type"] = content_type;
  return svc.handle(r);
}

server::Response get(const std::string& path, Query query = {}) {
  return call(service(), "GET", path, std::move(query));
}

json get_json(const std::string& path, Query query = {}) {
  auto r = get(path, std::move(query));
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

/// The layer id of a collection (its index in the catalogue).
int layer_id(const std::string& collection) {
  const auto all = service().state().catalogue.all();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i]->id == collection) return static_cast<int>(i);
  FAIL("no collection " << collection);
  return -1;
}

std::string layer_path(const std::string& collection) {
  return kFs + "/" + std::to_string(layer_id(collection));
}

json query(const std::string& collection, Query q) {
  return get_json(layer_path(collection) + "/query", std::move(q));
}

/// An ArcGIS error body: HTTP 200 with {"error":{"code","message","details"}}.
void check_error(const server::Response& r, int code, const std::string& mention = {}) {
  CHECK(r.status == 200);
  auto j = json::parse(r.body);
  REQUIRE(j.contains("error"));
  CHECK(j["error"]["code"] == code);
  CHECK(j["error"]["message"].is_string());
  CHECK(j["error"]["details"].is_array());
  if (!mention.empty()) CHECK(j.dump().find(mention) != std::string::npos);
}

/// Every ring of an Esri polygon, as plain coordinate lists.
std::vector<std::vector<geo::XY>> esri_rings(const json& geometry) {
  std::vector<std::vector<geo::XY>> out;
  for (const auto& ring : geometry["rings"]) {
    std::vector<geo::XY> r;
    for (const auto& p : ring) r.push_back({p[0].get<double>(), p[1].get<double>()});
    out.push_back(std::move(r));
  }
  return out;
}

double ring_area(const std::vector<geo::XY>& r) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < r.size(); ++i) s += r[i].x * r[i + 1].y - r[i + 1].x * r[i].y;
  return s / 2;
}

/// Largest distance between the Esri rings and the expected rings (same order, either
/// direction along each ring).
double max_deviation(const std::vector<std::vector<geo::XY>>& got,
                     const std::vector<std::vector<geo::XY>>& want) {
  if (got.size() != want.size()) return 1e300;
  double worst = 0;
  for (std::size_t r = 0; r < got.size(); ++r) {
    if (got[r].size() != want[r].size()) return 1e300;
    double fwd = 0, bwd = 0;
    const std::size_t n = got[r].size();
    for (std::size_t i = 0; i < n; ++i) {
      fwd = std::max(fwd, std::hypot(got[r][i].x - want[r][i].x, got[r][i].y - want[r][i].y));
      bwd = std::max(
          bwd, std::hypot(got[r][i].x - want[r][n - 1 - i].x, got[r][i].y - want[r][n - 1 - i].y));
    }
    worst = std::max(worst, std::min(fwd, bwd));
  }
  return worst;
}

std::vector<std::vector<geo::XY>> flat_rings(const geo::Geometry& g) {
  std::vector<std::vector<geo::XY>> out;
  for (const auto& part : g.parts)
    for (const auto& ring : part) out.push_back(ring);
  return out;
}
}  // namespace

TEST_CASE("esri: rest info, services catalog, service, layers", "[esri][unit]") {
  auto info = get_json("/arcgis/rest/info", {{"f", "json"}});
  CHECK(info["currentVersion"].get<double>() >= 10.3);
  CHECK(info["authInfo"]["isTokenBasedSecurity"] == false);

  auto cat = get_json("/arcgis/rest/services", {{"f", "json"}});
  REQUIRE(cat["services"].size() == 1);
  CHECK(cat["services"][0]["name"] == "gebieden");
  CHECK(cat["services"][0]["type"] == "FeatureServer");
  CHECK(cat["services"][0]["url"] == "http://gebieden.test" + kFs);

  auto svc = get_json(kFs, {{"f", "json"}});
  CHECK(svc["capabilities"] == "Query");
  CHECK(svc["supportedQueryFormats"] == "JSON,geojson");
  CHECK(svc["maxRecordCount"] == service().state().config.server.esri_max_record_count);
  CHECK(svc["spatialReference"]["wkid"] == 4326);
  CHECK(svc["fullExtent"]["xmin"].get<double>() == Approx(5.63).margin(0.02));
  const auto all = service().state().catalogue.all();
  REQUIRE(svc["layers"].size() + svc["tables"].size() == all.size());
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(svc["layers"][i]["id"] == i);
    CHECK(svc["layers"][i]["name"] == all[i]->title);
    CHECK(svc["layers"][i]["type"] == "Feature Layer");
    CHECK(svc["layers"][i]["geometryType"] == "esriGeometryPolygon");
  }
  auto layers = get_json(kFs + "/layers", {{"f", "json"}});
  CHECK(layers["layers"].size() == svc["layers"].size());
  CHECK(layers["layers"][2]["name"] == "Gebieden");
  CHECK(layers["layers"][2]["fields"][0]["type"] == "esriFieldTypeOID");

  // Trailing slash and case of the fixed segments do not matter; the default format is JSON.
  CHECK(json::parse(get("/arcgis/rest/services/gebieden/FeatureServer/").body)["capabilities"] ==
        "Query");
  CHECK(json::parse(get("/arcgis/rest/services/gebieden/featureserver/0").body)["id"] == 0);
}

TEST_CASE("esri: layer JSON of every layer matches its collection", "[esri][unit]") {
  const auto all = service().state().catalogue.all();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& c = *all[i];
    INFO("layer " << i << " " << c.id);
    auto j = get_json(kFs + "/" + std::to_string(i), {{"f", "json"}});
    CHECK(j["id"] == i);
    CHECK(j["name"] == c.title);
    CHECK(j["objectIdField"] == "OBJECTID");
    CHECK(j["uniqueIdField"]["name"] == "OBJECTID");
    CHECK(j["uniqueIdField"]["isSystemMaintained"] == true);
    CHECK(j["capabilities"] == "Query");
    CHECK(j["supportedQueryFormats"] == "JSON,geojson");
    CHECK(j["maxRecordCount"] == service().state().config.server.esri_max_record_count);
    CHECK(j["advancedQueryCapabilities"]["supportsPagination"] == true);
    CHECK(j["advancedQueryCapabilities"]["supportsOrderBy"] == true);
    CHECK(j["advancedQueryCapabilities"]["supportsDistinct"] == true);
    CHECK(j["advancedQueryCapabilities"]["supportsStatistics"] == true);
    CHECK(j["advancedQueryCapabilities"]["supportsReturningQueryExtent"] == true);
    CHECK(j["extent"]["spatialReference"]["wkid"] == 4326);
    CHECK(j["extent"]["xmin"].get<double>() == Approx(c.extent().minx));
    CHECK(j["extent"]["ymax"].get<double>() == Approx(c.extent().maxy));
    CHECK(j["drawingInfo"]["renderer"].is_object());
    CHECK(j["geometryType"] == std::string(layers::esri::esri_geometry_type(c.geometry_type)));
    // Fields: OBJECTID, then every public field in order; private ones never.
    std::vector<std::string> want = {"OBJECTID"};
    for (const auto& f : c.fields)
      if (!f.is_private) want.push_back(f.name);
    std::vector<std::string> got;
    for (const auto& f : j["fields"]) {
      got.push_back(f["name"]);
      CHECK(f["type"].get<std::string>().rfind("esriFieldType", 0) == 0);
      if (f["type"] == "esriFieldTypeString") CHECK(f["length"].get<int>() >= 1);
    }
    CHECK(got == want);
    CHECK(j["fields"][0]["type"] == "esriFieldTypeOID");
    for (const auto& f : c.fields)
      if (f.is_private) CHECK(j.dump().find("\"" + f.name + "\"") == std::string::npos);
    CHECK(j["displayField"] == c.display_field);
  }
  // Styles come from styles/style.json.
  auto gebieden = get_json(layer_path("gebieden"));
  CHECK(gebieden["drawingInfo"]["renderer"]["type"] == "uniqueValue");
  CHECK(gebieden["drawingInfo"]["renderer"]["field1"] == "gebied");
  CHECK(gebieden["drawingInfo"]["renderer"]["uniqueValueInfos"].size() == 8);
  auto gemeente = get_json(layer_path("gemeente"));
  CHECK(gemeente["drawingInfo"]["renderer"]["symbol"]["style"] == "esriSFSNull");
  CHECK(get_json(layer_path("buurten"))["drawingInfo"]["labelingInfo"][0]["labelExpression"] ==
        "[buurtnaam]");
}

TEST_CASE("esri: counts and fields agree with the OGC API", "[esri][unit]") {
  const auto all = service().state().catalogue.all();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& c = *all[i];
    INFO(c.id);
    auto ogc = get_json("/collections/" + c.id + "/items", {{"limit", "1"}});
    auto count = query(c.id, {{"where", "1=1"}, {"returnCountOnly", "true"}, {"f", "json"}});
    CHECK(count["count"] == ogc["numberMatched"]);
    auto ids = query(c.id, {{"where", "1=1"}, {"returnIdsOnly", "true"}});
    CHECK(ids["objectIdFieldName"] == "OBJECTID");
    CHECK(ids["objectIds"].size() == ogc["numberMatched"].get<std::size_t>());
    auto page = query(c.id, {{"where", "1=1"}, {"outFields", "*"}, {"resultRecordCount", "1"}});
    REQUIRE(page["features"].size() == 1);
    std::set<std::string> esri_fields, ogc_fields;
    for (auto& [k, v] : page["features"][0]["attributes"].items()) esri_fields.insert(k);
    for (auto& [k, v] : ogc["features"][0]["properties"].items()) ogc_fields.insert(k);
    CHECK(esri_fields.erase("OBJECTID") == 1);
    CHECK(esri_fields == ogc_fields);
  }
  CHECK(query("buurten", {{"where", "1=1"}, {"returnCountOnly", "true"}})["count"] == 134);
  CHECK(query("wijken", {{"where", "1=1"}, {"returnCountOnly", "true"}})["count"] == 22);
  CHECK(query("gebieden", {{"where", "1=1"}, {"returnCountOnly", "true"}})["count"] == 8);
  CHECK(query("gemeente", {{"where", "1=1"}, {"returnCountOnly", "true"}})["count"] == 1);
}

TEST_CASE("esri: paging with exceededTransferLimit", "[esri][unit]") {
  const int max = service().state().config.server.esri_max_record_count;
  REQUIRE(max < 134);
  auto first = query("buurten", {{"where", "1=1"},
                                 {"outFields", "OBJECTID"},
                                 {"orderByFields", "OBJECTID ASC"},
                                 {"returnGeometry", "false"}});
  CHECK(first["features"].size() == static_cast<std::size_t>(max));
  CHECK(first["exceededTransferLimit"] == true);
  auto second = query("buurten", {{"where", "1=1"},
                                  {"outFields", "OBJECTID"},
                                  {"resultOffset", std::to_string(max)},
                                  {"returnGeometry", "false"}});
  CHECK(second["features"].size() == static_cast<std::size_t>(134 - max));
  CHECK(second["exceededTransferLimit"] == false);
  std::set<int> seen;
  for (auto* page : {&first, &second})
    for (auto& f : (*page)["features"]) seen.insert(f["attributes"]["OBJECTID"].get<int>());
  CHECK(seen.size() == 134);
  // A resultRecordCount above the maximum is clamped.
  auto big = query("buurten", {{"resultRecordCount", "2000"}, {"returnGeometry", "false"}});
  CHECK(big["features"].size() == static_cast<std::size_t>(max));
  // Pages of 50 in descending order.
  auto desc = query("buurten", {{"resultOffset", "130"},
                                {"resultRecordCount", "50"},
                                {"orderByFields", "OBJECTID DESC"},
                                {"returnGeometry", "false"}});
  REQUIRE(desc["features"].size() == 4);
  CHECK(desc["features"][0]["attributes"]["OBJECTID"] == 4);
  CHECK(desc["exceededTransferLimit"] == false);
  // Past the end.
  auto past = query("wijken", {{"resultOffset", "500"}});
  CHECK(past["features"].empty());
  CHECK(past["exceededTransferLimit"] == false);
}

TEST_CASE("esri: outSR 102100 agrees with PROJ's EPSG:3857, 28992 with the RD geometry",
          "[esri][unit]") {
  const auto c = service().state().catalogue.get("buurten");
  geo::Transformer to3857(4326, 3857);
  for (const std::string sr :
       {"102100", "3857", "{\"wkid\":102100}", "{\"wkid\":3857}", "{\"latestWkid\":3857}"}) {
    INFO(sr);
    auto j = query(
        "buurten",
        {{"where", "1=1"}, {"outSR", sr}, {"outFields", "OBJECTID"}, {"resultRecordCount", "40"}});
    CHECK(j["spatialReference"]["wkid"] == 102100);
    CHECK(j["spatialReference"]["latestWkid"] == 3857);
    REQUIRE(j["features"].size() == 40);
    double worst = 0;
    for (const auto& f : j["features"]) {
      const auto* feature = c->find_objectid(f["attributes"]["OBJECTID"].get<std::int64_t>());
      REQUIRE(feature);
      geo::Geometry want = feature->wgs84;
      to3857.forward(want);
      worst = std::max(worst, max_deviation(esri_rings(f["geometry"]), flat_rings(want)));
    }
    CHECK(worst < 0.01);  // a centimetre
  }
  auto rd = query("buurten", {{"where", "1=1"}, {"outSR", "28992"}, {"outFields", "OBJECTID"}});
  CHECK(rd["spatialReference"]["wkid"] == 28992);
  REQUIRE(rd["features"].size() == 100);
  double worst = 0;
  for (const auto& f : rd["features"]) {
    const auto* feature = c->find_objectid(f["attributes"]["OBJECTID"].get<std::int64_t>());
    REQUIRE(feature);
    worst = std::max(worst, max_deviation(esri_rings(f["geometry"]), flat_rings(feature->rd)));
  }
  CHECK(worst <= 0.001);  // a millimetre

  // 4326 (the default) is x = longitude, y = latitude, like the OGC API's CRS84.
  auto ll = query("gemeente", {{"where", "1=1"}});
  auto ogc = get_json("/collections/gemeente/items");
  const auto* g = c->find_objectid(1);
  REQUIRE(g);
  CHECK(ll["spatialReference"]["wkid"] == 4326);
  CHECK(max_deviation(esri_rings(ll["features"][0]["geometry"]),
                      flat_rings(service().state().catalogue.get("gemeente")->features[0].wgs84)) <
        1e-8);
  CHECK(ogc["numberMatched"] == 1);
}

TEST_CASE("esri: polygon rings are clockwise outside, counter-clockwise holes", "[esri][unit]") {
  for (const std::string sr : {"4326", "102100", "28992"}) {
    auto j = query("buurten", {{"where", "1=1"}, {"outSR", sr}, {"resultRecordCount", "100"}});
    int outer = 0;
    for (const auto& f : j["features"]) {
      auto rings = esri_rings(f["geometry"]);
      REQUIRE(!rings.empty());
      CHECK(ring_area(rings[0]) < 0);  // the first ring is an outer ring: clockwise
      outer += 1;
    }
    CHECK(outer == 100);
  }
  // Unit check of the encoder with a hole, in the RFC 7946 orientation on input.
  geo::Geometry g{
      geo::GeometryType::Polygon,
      {{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, {{2, 2}, {2, 4}, {4, 4}, {4, 2}, {2, 2}}}}};
  geo::orient_rings(g, true);
  std::string out;
  layers::esri::append_esri_geometry(out, g, geo::GeometryType::Polygon,
                                     layers::esri::SpatialRef::RdNew, 3);
  auto rings = esri_rings(json::parse(out));
  REQUIRE(rings.size() == 2);
  CHECK(ring_area(rings[0]) < 0);
  CHECK(ring_area(rings[1]) > 0);
}

TEST_CASE("esri: where, objectIds, outFields, orderByFields", "[esri][unit]") {
  auto j = query("buurten", {{"where", "wijkcode = 'WK008082'"}, {"returnCountOnly", "true"}});
  CHECK(j["count"] == 9);
  // Field names are case-insensitive, LIKE is too.
  j = query("buurten", {{"where", "WIJKCODE = 'WK008082' AND upper(buurtnaam) LIKE '%'"},
                        {"returnCountOnly", "true"}});
  CHECK(j["count"] == 9);
  j = query("buurten", {{"where", "buurtnaam LIKE 'grou'"}, {"outFields", "buurtnaam,buurtcode"}});
  REQUIRE(j["features"].size() == 1);
  CHECK(j["features"][0]["attributes"]["buurtcode"] == "BU00808206");
  CHECK(j["fields"].size() == 2);
  CHECK(j["fields"][0]["name"] == "buurtnaam");
  j = query("buurten", {{"where", "gebied IN ('centrum', 'oud-oost') AND oppervlakte_ha > 0"},
                        {"returnCountOnly", "true"}});
  CHECK(j["count"] == 26);
  j = query("buurten", {{"where", "OBJECTID BETWEEN 10 AND 19"}, {"returnIdsOnly", "true"}});
  CHECK(j["objectIds"] == json::array({10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  j = query("buurten",
            {{"where", "NOT (gebied = 'dorpen') OR gebied IS NULL"}, {"returnCountOnly", "true"}});
  CHECK(j["count"] == 100);

  // objectIds, with spaces and repeats; unknown ids are simply absent.
  j = query("wijken", {{"objectIds", "3, 1,1,99999"}, {"outFields", "*"}});
  REQUIRE(j["features"].size() == 2);
  CHECK(j["features"][0]["attributes"]["OBJECTID"] == 1);
  CHECK(j["features"][1]["attributes"]["OBJECTID"] == 3);
  CHECK(j["features"][0]["attributes"].contains("wijknaam"));

  // The default out field is the OID alone.
  j = query("wijken", {{"objectIds", "2"}});
  CHECK(j["features"][0]["attributes"].size() == 1);
  CHECK(j["features"][0]["attributes"].contains("OBJECTID"));

  // orderByFields: descending by a string, then OID; empty is allowed.
  j = query("wijken", {{"orderByFields", "wijknaam DESC, OBJECTID"},
                       {"outFields", "wijknaam"},
                       {"returnGeometry", "false"}});
  REQUIRE(j["features"].size() == 22);
  for (std::size_t i = 1; i < j["features"].size(); ++i)
    CHECK(j["features"][i - 1]["attributes"]["wijknaam"].get<std::string>() >=
          j["features"][i]["attributes"]["wijknaam"].get<std::string>());
  j = query("wijken", {{"orderByFields", ""}, {"outFields", "*"}, {"returnGeometry", "false"}});
  CHECK(j["features"][0]["attributes"]["OBJECTID"] == 1);
  CHECK_FALSE(j["features"][0].contains("geometry"));

  // Extent of a selection, in the asked spatial reference.
  j = query("buurten", {{"where", "gebied = 'centrum'"}, {"returnExtentOnly", "true"}});
  CHECK(j["count"] == 17);
  CHECK(j["extent"]["xmin"].get<double>() > 5.7);
  CHECK(j["extent"]["xmax"].get<double>() < 5.9);
  j = query("buurten", {{"where", "1=1"}, {"returnExtentOnly", "true"}, {"outSR", "102100"}});
  CHECK(j["extent"]["spatialReference"]["wkid"] == 102100);
  CHECK(j["extent"]["xmin"].get<double>() ==
        Approx(geo::lonlat_to_webmercator(
                   {service().state().catalogue.get("buurten")->extent().minx, 53.0})
                   .x));
  // returnIdsOnly + returnCountOnly is a count.
  j = query("buurten", {{"returnIdsOnly", "true"}, {"returnCountOnly", "true"}});
  CHECK(j == json{{"count", 134}});
}

TEST_CASE("esri: statistics, grouped, ordered", "[esri][unit]") {
  const auto c = service().state().catalogue.get("buurten");
  const int opp = c->field_index("oppervlakte_ha");
  std::map<std::string, std::vector<double>> by_gebied;
  for (const auto& f : c->features)
    by_gebied[std::get<std::string>(f.values[c->field_index("gebied")])].push_back(
        std::get<double>(f.values[opp]));
  const std::string stats = R"([
    {"statisticType":"count","onStatisticField":"buurtcode","outStatisticFieldName":"n"},
    {"statisticType":"sum","onStatisticField":"oppervlakte_ha","outStatisticFieldName":"total"},
    {"statisticType":"min","onStatisticField":"oppervlakte_ha","outStatisticFieldName":"kleinste"},
    {"statisticType":"max","onStatisticField":"oppervlakte_ha","outStatisticFieldName":"grootste"},
    {"statisticType":"avg","onStatisticField":"oppervlakte_ha","outStatisticFieldName":"gemiddeld"},
    {"statisticType":"stddev","onStatisticField":"oppervlakte_ha","outStatisticFieldName":"sd"},
    {"statisticType":"var","onStatisticField":"oppervlakte_ha","outStatisticFieldName":"variantie"},
    {"statisticType":"MAX","onStatisticField":"buurtnaam"}])";
  auto j = query("buurten", {{"where", "1=1"},
                             {"outStatistics", stats},
                             {"groupByFieldsForStatistics", "gebied"},
                             {"orderByFields", "n DESC"}});
  REQUIRE(j["features"].size() == 8);
  CHECK(j["features"][0]["attributes"]["gebied"] == "dorpen");  // the most buurten
  std::map<std::string, std::string> types;
  for (const auto& f : j["fields"]) types[f["name"]] = f["type"];
  CHECK(types["n"] == "esriFieldTypeInteger");
  CHECK(types["total"] == "esriFieldTypeDouble");
  CHECK(types["max_buurtnaam"] == "esriFieldTypeString");
  CHECK(types["gebied"] == "esriFieldTypeString");
  int total = 0;
  for (std::size_t i = 0; i < j["features"].size(); ++i) {
    const auto& a = j["features"][i]["attributes"];
    const auto& v = by_gebied[a["gebied"]];
    INFO(a.dump());
    if (i) CHECK(a["n"] <= j["features"][i - 1]["attributes"]["n"]);
    CHECK(a["n"] == v.size());
    total += a["n"].get<int>();
    double sum = 0, mn = 1e300, mx = -1e300;
    for (double x : v) sum += x, mn = std::min(mn, x), mx = std::max(mx, x);
    const double mean = sum / static_cast<double>(v.size());
    double ss = 0;
    for (double x : v) ss += (x - mean) * (x - mean);
    CHECK(a["total"].get<double>() == Approx(sum));
    CHECK(a["kleinste"].get<double>() == Approx(mn));
    CHECK(a["grootste"].get<double>() == Approx(mx));
    CHECK(a["gemiddeld"].get<double>() == Approx(mean));
    CHECK(a["variantie"].get<double>() == Approx(ss / static_cast<double>(v.size() - 1)));
    CHECK(a["sd"].get<double>() == Approx(std::sqrt(ss / static_cast<double>(v.size() - 1))));
    CHECK(a["max_buurtnaam"].is_string());
  }
  CHECK(total == 134);

  // Without grouping: one row; with a where that matches nothing: count 0, others null.
  j = query(
      "buurten",
      {{"outStatistics",
        R"([{"statisticType":"count","onStatisticField":"OBJECTID","outStatisticFieldName":"n"},
                             {"statisticType":"avg","onStatisticField":"oppervlakte_ha","outStatisticFieldName":"a"}])"},
       {"where", "1=0"}});
  REQUIRE(j["features"].size() == 1);
  CHECK(j["features"][0]["attributes"]["n"] == 0);
  CHECK(j["features"][0]["attributes"]["a"].is_null());

  // The map-filter request of the ArcGIS client sequence (Koop fixture shape).
  j = query(
      "wijken",
      {{"f", "json"},
       {"groupByFieldsForStatistics", "gebied"},
       {"outFields", "*"},
       {"outStatistics",
        R"([{"onStatisticField":"gebied","outStatisticFieldName":"countOFgebied","statisticType":"count"}])"},
       {"where", "1=1"}});
  REQUIRE(j["features"].size() == 8);
  CHECK(j["features"][0]["attributes"] == json{{"countOFgebied", 2}, {"gebied", "centrum"}});
  CHECK(j["displayFieldName"] == "");
}

TEST_CASE("esri: distinct values", "[esri][unit]") {
  auto j = query("buurten", {{"returnDistinctValues", "true"},
                             {"outFields", "gebied"},
                             {"returnGeometry", "false"},
                             {"orderByFields", "gebied DESC"}});
  REQUIRE(j["features"].size() == 8);
  CHECK(j["features"][0]["attributes"] == json{{"gebied", "zuidwest"}});
  j = query("buurten", {{"returnDistinctValues", "true"},
                        {"outFields", "gebied,wijkcode"},
                        {"returnCountOnly", "true"}});
  CHECK(j["count"] == 22);
  j = query(
      "buurten",
      {{"returnDistinctValues", "true"}, {"outFields", "gebied"}, {"where", "gebied LIKE 'z%'"}});
  CHECK(j["features"].size() == 2);
}

TEST_CASE("esri: spatial filters in every input spatial reference", "[esri][unit]") {
  // A point in the Oldehove (Binnenstad, wijk WK008010): 5.7911, 53.2033.
  const geo::XY ll{5.7911, 53.2033};
  const geo::XY wm = geo::lonlat_to_webmercator(ll);
  const geo::XY rd = geo::Transformer(4326, 28992).forward(ll);
  auto point_query = [&](Query extra) {
    Query q = {{"outFields", "wijkcode"}, {"returnGeometry", "false"}};
    q.insert(q.end(), extra.begin(), extra.end());
    auto j = query("wijken", q);
    std::set<std::string> codes;
    for (auto& f : j["features"]) codes.insert(f["attributes"]["wijkcode"]);
    return codes;
  };
  const std::set<std::string> binnenstad = {"WK008010"};
  CHECK(point_query({{"geometry", std::to_string(ll.x) + "," + std::to_string(ll.y)},
                     {"geometryType", "esriGeometryPoint"}}) == binnenstad);
  CHECK(point_query({{"geometry", json{{"x", wm.x}, {"y", wm.y}}.dump()},
                     {"geometryType", "esriGeometryPoint"},
                     {"inSR", "102100"},
                     {"spatialRel", "esriSpatialRelIntersects"}}) == binnenstad);
  CHECK(
      point_query({{"geometry",
                    json{{"x", rd.x}, {"y", rd.y}, {"spatialReference", {{"wkid", 28992}}}}.dump()},
                   {"geometryType", "esriGeometryPoint"}}) == binnenstad);
  // Within: the point lies within the feature.
  CHECK(point_query({{"geometry", json{{"x", ll.x}, {"y", ll.y}}.dump()},
                     {"geometryType", "esriGeometryPoint"},
                     {"spatialRel", "esriSpatialRelWithin"}}) == binnenstad);

  // Envelopes: plain numbers in 4326, JSON in 102100 and 28992.
  const std::string env = "5.790,53.203,5.792,53.204";
  auto a = point_query({{"geometry", env}});
  CHECK(a.count("WK008010"));
  const geo::XY lo = geo::lonlat_to_webmercator({5.790, 53.203});
  const geo::XY hi = geo::lonlat_to_webmercator({5.792, 53.204});
  auto b = point_query(
      {{"geometry", json{{"xmin", lo.x}, {"ymin", lo.y}, {"xmax", hi.x}, {"ymax", hi.y}}.dump()},
       {"geometryType", "esriGeometryEnvelope"},
       {"inSR", R"({"wkid":102100,"latestWkid":3857})"}});
  CHECK(a == b);
  auto whole = point_query({{"geometry", "170000,560000,195000,592000"}, {"inSR", "28992"}});
  CHECK(whole.size() == 22);
  // Contains: the query envelope contains the whole wijk.
  auto contains = point_query({{"geometry", "170000,560000,195000,592000"},
                               {"inSR", "28992"},
                               {"spatialRel", "esriSpatialRelContains"}});
  CHECK(contains.size() == 22);
  auto small_contains = point_query({{"geometry", env}, {"spatialRel", "esriSpatialRelContains"}});
  CHECK(small_contains.empty());
  auto env_int =
      point_query({{"geometry", env}, {"spatialRel", "esriSpatialRelEnvelopeIntersects"}});
  CHECK(env_int.size() >= a.size());

  // A polygon (Esri rings, clockwise) around the Oldehove, in lon/lat.
  const std::string poly =
      R"({"rings":[[[5.790,53.203],[5.790,53.204],[5.792,53.204],[5.792,53.203],[5.790,53.203]]],"spatialReference":{"wkid":4326}})";
  CHECK(point_query({{"geometry", poly}, {"geometryType", "esriGeometryPolygon"}}) == a);
  // A polyline and a multipoint.
  CHECK(point_query({{"geometry", R"({"paths":[[[5.7905,53.2035],[5.7915,53.2035]]]})"},
                     {"geometryType", "esriGeometryPolyline"}})
            .count("WK008010"));
  CHECK(point_query({{"geometry", R"({"points":[[5.7911,53.2033]]})"},
                     {"geometryType", "esriGeometryMultipoint"}}) == binnenstad);
  // Far away: nothing.
  CHECK(point_query({{"geometry", "4.0,52.0,4.1,52.1"}}).empty());
}

TEST_CASE("esri: POST form bodies, formats, JSONP", "[esri][unit]") {
  const std::string path = layer_path("gebieden") + "/query";
  auto r = call(service(), "POST", path, {{"f", "json"}},
                "where=naam+%3D+%27Centrum%27&outFields=naam%2Cgebied&returnGeometry=false",
                "application/x-www-form-urlencoded; charset=UTF-8");
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  REQUIRE(j["features"].size() == 1);
  CHECK(j["features"][0]["attributes"] == json{{"naam", "Centrum"}, {"gebied", "centrum"}});
  // Body parameters win over the query string.
  r = call(service(), "POST", path, {{"where", "1=0"}, {"returnCountOnly", "true"}}, "where=1%3D1",
           "application/x-www-form-urlencoded");
  CHECK(json::parse(r.body)["count"] == 8);
  // POST on the metadata routes too.
  r = call(service(), "POST", kFs, {}, "f=json", "application/x-www-form-urlencoded");
  CHECK(json::parse(r.body)["capabilities"] == "Query");
  // A body that is not a form.
  check_error(call(service(), "POST", path, {}, R"({"where":"1=1"})", "application/json"), 400);

  // f=pjson is indented JSON, f=geojson a FeatureCollection.
  r = get(layer_path("gebieden"), {{"f", "pjson"}});
  CHECK(r.body.find("\n  \"currentVersion\"") != std::string::npos);
  r = get(path, {{"f", "geojson"}, {"where", "1=1"}, {"outFields", "naam"}});
  CHECK(r.content_type == "application/geo+json");
  j = json::parse(r.body);
  CHECK(j["type"] == "FeatureCollection");
  REQUIRE(j["features"].size() == 8);
  CHECK(j["features"][0]["type"] == "Feature");
  CHECK(j["features"][0]["id"] == 1);
  CHECK(j["features"][0]["properties"].contains("naam"));
  auto ogc = get_json("/collections/gebieden/items", {{"limit", "1"}});
  CHECK(j["features"][0]["geometry"] == ogc["features"][0]["geometry"]);
  CHECK(j["properties"]["exceededTransferLimit"] == false);
  // Counts in GeoJSON are the JSON count.
  CHECK(json::parse(get(path, {{"f", "geojson"}, {"returnCountOnly", "true"}}).body)["count"] == 8);

  // JSONP: the callback is sanitised to [A-Za-z0-9_.$[]].
  r = get(path, {{"returnCountOnly", "true"},
                 {"callback", "dojo.io.script.jsonp_dojoIoScript1._jsonpCallback"}});
  CHECK(r.content_type == "application/javascript");
  CHECK(r.body == "/**/dojo.io.script.jsonp_dojoIoScript1._jsonpCallback({\"count\":8});");
  r = get(path, {{"returnCountOnly", "true"}, {"callback", "alert(document.cookie);//<script>"}});
  CHECK(r.body == "/**/alertdocument.cookiescript({\"count\":8});");
  r = get(path, {{"returnCountOnly", "true"}, {"callback", "cb[0]$x"}});
  CHECK(r.body == "/**/cb[0]$x({\"count\":8});");
  // Errors are wrapped too.
  r = get(path, {{"where", "nope = 1"}, {"callback", "cb"}});
  CHECK(r.body.rfind("/**/cb({\"error\":", 0) == 0);
}

TEST_CASE("esri: single feature resource", "[esri][unit]") {
  auto j = get_json(layer_path("wijken") + "/3", {{"f", "json"}, {"outSR", "28992"}});
  CHECK(j["feature"]["attributes"]["OBJECTID"] == 3);
  CHECK(j["feature"]["attributes"].contains("wijknaam"));
  CHECK(j["feature"]["geometry"]["rings"][0][0][0].get<double>() > 100000);
  check_error(get(layer_path("wijken") + "/999"), 404);
  check_error(get(layer_path("wijken") + "/abc"), 404);
}

TEST_CASE(
    "esri: errors are ArcGIS envelopes and other methods than GET, HEAD, POST, OPTIONS get 405",
    "[esri][unit]") {
  check_error(get(kFs + "/999"), 404, "Layer not found");
  check_error(get(kFs + "/999/query"), 404);
  check_error(get(kFs + "/-1"), 404);
  check_error(get(kFs + "/1x"), 404);
  check_error(get(kFs + "/0/query/extra"), 404);
  check_error(get("/arcgis/rest/services/other/FeatureServer"), 404);
  check_error(get("/arcgis/rest/services/gebieden/MapServer"), 404);
  check_error(get("/arcgis/nothing"), 404);
  check_error(get("/arcgis"), 404);
  check_error(get(kFs, {{"f", "pbf"}}), 400, "f");
  check_error(get(kFs, {{"f", "kml"}}), 400);
  for (auto m : {"PUT", "DELETE", "PATCH", "OTHER"}) {
    auto r = call(service(), m, kFs + "/0/query");
    CHECK(r.status == 405);
    CHECK(json::parse(r.body)["error"]["code"] == 405);
    bool allow = false;
    for (auto& [k, v] : r.headers) allow |= k == "Allow" && v == "GET, HEAD, POST, OPTIONS";
    CHECK(allow);
  }
  auto r = call(service(), "OPTIONS", kFs + "/0/query");
  CHECK(r.status == 204);
}

TEST_CASE("esri: malformed parameters get 400 naming the parameter", "[esri][unit]") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"resultOffset", "-1"},
      {"resultOffset", "abc"},
      {"resultRecordCount", "1.5"},
      {"resultRecordCount", "99999999999999999999999"},
      {"outSR", "1234"},
      {"outSR", "abc"},
      {"outSR", R"({"wkt":"PROJCS[...]"})"},
      {"outSR", R"({"wkid":"x"})"},
      {"inSR", "31370"},
      {"geometry", "1,2,3"},
      {"geometry", "a,b"},
      {"geometry", "1,2,3,nan"},
      {"geometry", R"({"rings":[[[0,0],[1,1]]]})"},
      {"geometry", R"({"rings":[]})"},
      {"geometry", R"({"rings":[[[0,0],[1,0],[2,0],[0,0]]]})"},
      {"geometry", R"({"x":"a","y":1})"},
      {"geometry", R"({"xmin":1,"ymin":2})"},
      {"geometry", R"({"foo":1})"},
      {"geometry", R"({"x":1,"y":2,"spatialReference":{"wkid":2000}})"},
      {"geometry", "{not json"},
      {"geometry", std::string(5000, '[') + std::string(5000, ']')},
      {"geometry", R"({"paths":[[[0,0]]]})"},
      {"geometryType", "esriGeometryCircle"},
      {"spatialRel", "esriSpatialRelRelation"},
      {"spatialRel", "nope"},
      {"outFields", "nope"},
      {"outFields", "buurtnaam,*,bogus"},
      {"orderByFields", "buurtnaam SIDEWAYS"},
      {"orderByFields", "buurtnaam ASC DESC"},
      {"orderByFields", "nope"},
      {"outStatistics", "notjson"},
      {"outStatistics", "[]"},
      {"outStatistics", R"([{"statisticType":"median","onStatisticField":"oppervlakte_ha"}])"},
      {"outStatistics", R"([{"statisticType":"sum","onStatisticField":"buurtnaam"}])"},
      {"outStatistics", R"([{"statisticType":"count"}])"},
      {"outStatistics", R"([{"statisticType":"count","onStatisticField":"nope"}])"},
      {"outStatistics",
       R"([{"statisticType":"count","onStatisticField":"gebied","outStatisticFieldName":"a b"}])"},
      {"outStatistics",
       R"([{"statisticType":"count","onStatisticField":"gebied","outStatisticFieldName":"x"},{"statisticType":"sum","onStatisticField":"oppervlakte_ha","outStatisticFieldName":"X"}])"},
      {"groupByFieldsForStatistics", "gebied"},
      {"returnGeometry", "maybe"},
      {"returnCountOnly", "yes please"},
      {"returnIdsOnly", "2"},
      {"objectIds", "1,a"},
      {"objectIds", "1.5"},
      {"distance", "100"},
      {"distance", "far"},
      {"geometryPrecision", "99"},
      {"f", "pbf"},
      {"f", "kml"},
  };
  for (const auto& [k, v] : bad) {
    INFO(k << "=" << v.substr(0, 80));
    Query q = {{k, v}};
    if (k == "geometryType") q.emplace_back("geometry", "1,2");
    if (k == "spatialRel") q.emplace_back("geometry", "1,2,3,4");
    auto r = get(layer_path("buurten") + "/query", q);
    check_error(r, 400);
    const std::string message = json::parse(r.body)["error"]["message"];
    if (k != "f") CHECK(message.find(k) != std::string::npos);
  }
  // Statistics ordering by something not in the result.
  check_error(get(layer_path("buurten") + "/query",
                  {{"outStatistics", R"([{"statisticType":"count","onStatisticField":"gebied"}])"},
                   {"orderByFields", "buurtnaam"}}),
              400, "orderByFields");
}

TEST_CASE("esri: ArcGIS codes come from the error registry through one table", "[esri][unit]") {
  CHECK(server::esri_error(ErrorCode::InvalidParameter).code == 400);
  CHECK(server::esri_error(ErrorCode::UnknownParameter).code == 400);
  CHECK(server::esri_error(ErrorCode::InvalidBody).code == 400);
  CHECK(server::esri_error(ErrorCode::NotFound).code == 404);
  CHECK(server::esri_error(ErrorCode::MethodNotAllowed).code == 405);
  CHECK(server::esri_error(ErrorCode::Unauthorized).code == 499);
  CHECK(server::esri_error(ErrorCode::Internal).code == 500);
  for (int c = 0; c <= static_cast<int>(ErrorCode::Internal); ++c) {
    const auto& e = server::esri_error(static_cast<ErrorCode>(c));
    CHECK(e.code >= 400);
    CHECK(!e.message.empty());
  }
}

TEST_CASE("esri: a parameter given twice is a 400 error naming it", "[esri][unit]") {
  const std::string path = layer_path("buurten") + "/query";
  auto r = get(path, {{"f", "json"}, {"where", "1=1"}, {"where", "OBJECTID=1"}});
  check_error(r, 400, "more than once");
  CHECK(json::parse(r.body)["error"]["message"] == "'where' parameter is invalid");
  // Names compare case-insensitively, as everywhere on this front.
  check_error(get(path, {{"where", "1=1"}, {"WHERE", "OBJECTID=1"}}), 400, "more than once");
  r = call(service(), "POST", path, {}, "f=json&outFields=*&outfields=buurtnaam",
           "application/x-www-form-urlencoded");
  check_error(r, 400, "more than once");
  // The body wins over the query string: the same name in both is not a repeat.
  r = call(service(), "POST", path, {{"where", "1=0"}}, "f=json&where=1%3D1&returnCountOnly=true",
           "application/x-www-form-urlencoded");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["count"] == 134);
}

TEST_CASE("esri: parameters ArcGIS clients send are accepted (and ignored)", "[esri][unit]") {
  auto j = query(
      "buurten",
      {{"where", "1=1"},
       {"token", "abc.def"},
       {"quantizationParameters",
        R"({"mode":"view","originPosition":"upperLeft","tolerance":1.2,"extent":{"xmin":0}})"},
       {"resultType", "tile"},
       {"sqlFormat", "standard"},
       {"cacheHint", "true"},
       {"maxAllowableOffset", "10"},
       {"outSpatialReference", "102100"},
       {"returnZ", "false"},
       {"returnM", "false"},
       {"having", "count(*) > 1"},
       {"time", "1700000000000,null"},
       {"_ts", "1700000000000"},
       {"returnTrueCurves", "false"},
       {"returnCentroid", "false"},
       {"gdbVersion", ""},
       {"historicMoment", ""},
       {"multipatchOption", "xyFootprint"},
       {"datumTransformation", ""},
       {"distance", "0"},
       {"units", "esriSRUnit_Meter"},
       {"returnCountOnly", "true"}});
  CHECK(j == json{{"count", 134}});
  // Parameter names are case-insensitive (GDAL's documentation uses outfields=*).
  j = query("gemeente", {{"WHERE", "1=1"}, {"outfields", "*"}, {"RETURNGEOMETRY", "false"}});
  CHECK(j["features"][0]["attributes"].contains("gemeentenaam"));
  // geometryPrecision is honoured.
  j = query("gemeente", {{"geometryPrecision", "2"}});
  const double x = j["features"][0]["geometry"]["rings"][0][0][0];
  CHECK(std::abs(x * 100 - std::round(x * 100)) < 1e-9);
}

TEST_CASE("esri: hostile where clauses get ArcGIS errors, never a crash", "[esri][unit]") {
  std::vector<std::string> corpus = {
      "1=1; DROP TABLE x",
      "1=1;",
      "buurtnaam = 'abc",
      "buurtnaam = 'abc''",
      "'",
      "\"",
      "((((buurtnaam = 'x')",
      "buurtnaam = 'x')",
      ")",
      "(",
      "()",
      "nope = 1",
      "contact_email = 'x'",
      "Shape IS NULL",
      "buurtnaam = 1 AND nope IS NULL",
      "SLEEP(5)",
      "buurtnaam = 'x' AND SLEEP(5) = 0",
      "SUBSTRING(buurtnaam, 1, 2) = 'x'",
      "CAST(oppervlakte_ha AS INT) = 1",
      "CONCAT(buurtnaam, 'x') = 'y'",
      "CHAR_LENGTH(buurtnaam) > 3",
      "EXTRACT(YEAR FROM buurtnaam) = 2020",
      "buurtnaam == 'x'",
      "buurtnaam = ",
      "buurtnaam",
      "--comment",
      "buurtnaam = 'x' --comment",
      "/* */ buurtnaam = 'x'",
      "buurtnaam LIKE",
      "buurtnaam LIKE buurtcode",
      "buurtnaam IN ()",
      "buurtnaam IN ('a',",
      "buurtnaam BETWEEN 1",
      "oppervlakte_ha = 'abc'",
      "oppervlakte_ha > 1 UNION SELECT * FROM users",
      "buurtnaam = 'x' OR 1=1 --",
      "oppervlakte_ha = 1 + 1",
      "buurtnaam || 'x' = 'y'",
      "oppervlakte_ha = 0x10",
      "[buurtnaam] = 'x'",
      "buurtnaam = 'x' AND",
      "AND buurtnaam = 'x'",
      "NOT",
      "buurtnaam IS NOT",
      "buurtnaam = 'x' ESCAPE",
      "S_INTERSECTS(geometry, POINT(1 2))",
      "\x01\x02\x03",
      "buurtnaam = '\xff\xfe'  AND ?",
      "buurtnaam = 'x' AND @var = 1",
      "EXEC xp_cmdshell('dir')",
      std::string(100 * 1024, 'a'),
      "buurtnaam = '" + std::string(100 * 1024, 'x') + "'",
      std::string(10000, '(') + "1=1" + std::string(10000, ')'),
      std::string(100, '(') + "1=1" + std::string(100, ')'),
      [] {
        std::string s;
        for (int i = 0; i < 20000; ++i) s += "NOT ";
        return s + "1=1";
      }(),
      [] {
        std::string s = "buurtnaam IN (";
        for (int i = 0; i < 30000; ++i) s += (i ? ",'" : "'") + std::to_string(i) + "'";
        return s + ")";
      }(),
      [] {
        std::string s = "1=1";
        for (int i = 0; i < 20000; ++i) s += " OR buurtnaam = 'x'";
        return s;
      }(),
      [] {
        std::string s = "UPPER(";
        for (int i = 0; i < 5000; ++i) s += "LOWER(";
        return s + "buurtnaam" + std::string(5001, ')') + " = 'X'";
      }(),
  };
  REQUIRE(corpus.size() >= 40);
  for (const auto& where : corpus) {
    INFO(where.substr(0, 80));
    auto r = get(layer_path("buurten") + "/query", {{"where", where}, {"f", "json"}});
    check_error(r, 400, "where");
    // POST carries the same through a form body.
    auto p =
        call(service(), "POST", layer_path("buurten") + "/query", {},
             "f=json&where=" + server::percent_encode(where), "application/x-www-form-urlencoded");
    check_error(p, 400, "where");
  }
  // The service still answers.
  CHECK(query("buurten", {{"returnCountOnly", "true"}})["count"] == 134);
}

TEST_CASE("esri: private fields never appear, dates are epoch ms, booleans 0/1, point layers",
          "[esri][unit]") {
  auto state = std::make_shared<server::ServiceState>();
  state->config.server.esri_max_record_count = 3;
  state->styles = server::load_styles(test::source_dir() + "/styles", true, state->messages);
  auto c = std::make_shared<layers::Collection>();
  c->id = "punten";
  c->title = "Punten";
  c->geometry_type = geo::GeometryType::Point;
  c->display_field = "naam";
  c->fields = {{"naam", layers::FieldType::String, "Naam", false},
               {"geheim", layers::FieldType::String, "Geheim", true},
               {"actief", layers::FieldType::Boolean, "Actief", false},
               {"datum", layers::FieldType::Date, "Datum", false},
               {"aantal", layers::FieldType::Integer, "Aantal", false}};
  geo::Transformer to_rd(4326, 28992);
  const std::vector<std::tuple<std::string, bool, std::string, layers::Value>> rows = {
      {"Een", true, "2024-03-01", std::int64_t{1}},
      {"Twee", false, "2024-03-02T12:00:00Z", std::int64_t{2}},
      {"Drie", true, "2023-12-31", std::int64_t{3}},
      {"Vier", false, "", layers::Value{}},
      {"Vijf", true, "2024-01-15", std::int64_t{4}}};
  std::int64_t oid = 0;
  for (const auto& [naam, actief, datum, aantal] : rows) {
    layers::Feature f;
    f.id = naam;
    f.objectid = ++oid;
    f.values = {naam, "sssh-" + naam, actief,
                datum.empty() ? layers::Value{} : layers::Value{datum}, aantal};
    f.wgs84 = geo::Geometry::point(5.78 + 0.01 * static_cast<double>(oid), 53.2);
    f.rd = f.wgs84;
    to_rd.forward(f.rd);
    c->features.push_back(std::move(f));
  }
  c->finalize();
  state->catalogue.add(c);
  auto table = std::make_shared<layers::Collection>();
  table->id = "tabel";
  table->title = "Tabel";
  table->fields = {{"naam", layers::FieldType::String, "Naam", false}};
  layers::Feature row;
  row.id = "r1";
  row.objectid = 1;
  row.values = {std::string("rij")};
  table->features.push_back(row);
  table->finalize();
  state->catalogue.add(table);
  auto lines = std::make_shared<layers::Collection>();
  lines->id = "lijnen-zonder-stijl";
  lines->title = "Lijnen";
  lines->geometry_type = geo::GeometryType::LineString;
  layers::Feature line;
  line.id = "l1";
  line.objectid = 7;
  line.wgs84 = geo::Geometry{geo::GeometryType::LineString, {{{{5.78, 53.2}, {5.79, 53.21}}}}};
  line.rd = line.wgs84;
  to_rd.forward(line.rd);
  lines->features.push_back(line);
  lines->finalize();
  state->catalogue.add(lines);
  const server::Service svc(state);
  auto q = [&](const std::string& path, Query query) {
    auto r = call(svc, "GET", path, std::move(query));
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  };
  auto everything = [&](const json& j) { return j.dump(); };

  auto layer = q(kFs + "/0", {});
  CHECK(layer["geometryType"] == "esriGeometryPoint");
  CHECK(layer["drawingInfo"]["renderer"]["defaultSymbol"]["type"] == "esriSMS");  // style.json "*"
  std::map<std::string, std::string> types;
  for (auto& f : layer["fields"]) types[f["name"]] = f["type"];
  CHECK(types == std::map<std::string, std::string>{{"OBJECTID", "esriFieldTypeOID"},
                                                    {"naam", "esriFieldTypeString"},
                                                    {"actief", "esriFieldTypeSmallInteger"},
                                                    {"datum", "esriFieldTypeDate"},
                                                    {"aantal", "esriFieldTypeInteger"}});
  auto svc_json = q(kFs, {});
  CHECK(svc_json["layers"].size() == 2);
  REQUIRE(svc_json["tables"].size() == 1);
  CHECK(svc_json["tables"][0]["type"] == "Table");
  CHECK(q(kFs + "/1", {})["type"] == "Table");
  // No style file: a generated renderer for the geometry type; polylines as paths.
  auto line_layer = q(kFs + "/2", {});
  CHECK(line_layer["geometryType"] == "esriGeometryPolyline");
  CHECK(line_layer["drawingInfo"]["renderer"]["type"] == "simple");
  CHECK(line_layer["drawingInfo"]["renderer"]["symbol"]["type"] == "esriSLS");
  auto paths = q(kFs + "/2/query", {{"outSR", "28992"}});
  REQUIRE(paths["features"].size() == 1);
  CHECK(paths["features"][0]["attributes"]["OBJECTID"] == 7);
  CHECK(paths["features"][0]["geometry"]["paths"][0].size() == 2);
  CHECK(paths["features"][0]["geometry"]["paths"][0][0][0].get<double>() ==
        Approx(line.rd.parts[0][0][0].x).margin(0.001));
  auto t = q(kFs + "/1/query", {{"outFields", "*"}});
  CHECK(t["features"][0]["attributes"]["naam"] == "rij");
  CHECK_FALSE(t["features"][0].contains("geometry"));

  auto all = q(kFs + "/0/query", {{"where", "1=1"}, {"outFields", "*"}});
  CHECK(all["exceededTransferLimit"] == true);
  REQUIRE(all["features"].size() == 3);
  const auto& a = all["features"][0]["attributes"];
  CHECK(a["datum"] == 1709251200000LL);
  CHECK(a["actief"] == 1);
  CHECK(all["features"][1]["attributes"]["datum"] == 1709380800000LL);
  CHECK(all["features"][0]["geometry"]["x"].get<double>() == Approx(5.79));
  CHECK(all["features"][0]["geometry"]["y"].get<double>() == Approx(53.2));
  auto wm = q(kFs + "/0/query", {{"objectIds", "1"}, {"outSR", "102100"}});
  CHECK(wm["features"][0]["geometry"]["x"].get<double>() ==
        Approx(geo::lonlat_to_webmercator({5.79, 53.2}).x).margin(0.001));

  // Dates and booleans in where clauses.
  CHECK(q(kFs + "/0/query",
          {{"where", "datum > DATE '2024-01-01'"}, {"returnCountOnly", "true"}})["count"] == 3);
  CHECK(q(kFs + "/0/query", {{"where", "datum IS NULL"}, {"returnIdsOnly", "true"}})["objectIds"] ==
        json::array({4}));
  CHECK(q(kFs + "/0/query", {{"where", "actief = 1"}, {"returnCountOnly", "true"}})["count"] == 3);
  auto stats =
      q(kFs + "/0/query",
        {{"outStatistics",
          R"([{"statisticType":"count","onStatisticField":"aantal","outStatisticFieldName":"n"},
                       {"statisticType":"sum","onStatisticField":"aantal","outStatisticFieldName":"s"},
                       {"statisticType":"var","onStatisticField":"aantal","outStatisticFieldName":"v"},
                       {"statisticType":"max","onStatisticField":"datum","outStatisticFieldName":"laatste"}])"},
         {"groupByFieldsForStatistics", "actief"}});
  REQUIRE(stats["features"].size() == 2);
  CHECK(stats["features"][0]["attributes"] ==
        json{{"n", 1}, {"s", 2.0}, {"v", nullptr}, {"laatste", 1709380800000LL}, {"actief", 0}});
  CHECK(stats["features"][1]["attributes"]["n"] == 3);
  CHECK(stats["features"][1]["attributes"]["s"] == 8.0);
  CHECK(stats["features"][1]["attributes"]["v"].get<double>() == Approx(7.0 / 3.0));

  // The private field: not listed, not returned, not usable anywhere.
  for (const auto& j :
       {layer, all, q(kFs + "/layers", {}), q(kFs + "/0/1", {}),
        q(kFs + "/0/query", {{"outFields", "*"}, {"f", "geojson"}}),
        q(kFs + "/0/query", {{"returnDistinctValues", "true"}, {"outFields", "*"}})})
    CHECK(everything(j).find("geheim") == std::string::npos);
  for (const Query& bad :
       {Query{{"where", "geheim = 'sssh-Een'"}}, Query{{"outFields", "geheim"}},
        Query{{"orderByFields", "geheim"}},
        Query{{"outStatistics", R"([{"statisticType":"count","onStatisticField":"geheim"}])"}},
        Query{{"outStatistics", R"([{"statisticType":"count","onStatisticField":"naam"}])"},
              {"groupByFieldsForStatistics", "geheim"}},
        Query{{"returnDistinctValues", "true"}, {"outFields", "GEHEIM"}}}) {
    auto r = call(svc, "GET", kFs + "/0/query", bad);
    INFO(bad[0].first << "=" << bad[0].second);
    check_error(r, 400);
    CHECK(r.body.find("sssh") == std::string::npos);
  }
}

TEST_CASE("esri: the typed query parser", "[esri][unit]") {
  const auto c = service().state().catalogue.get("buurten");
  server::EsriApi api(service().state(), server::RequestContext::public_of(service().state()));
  server::EsriParams p;
  p.set("outFields", "buurtnaam, OBJECTID ,buurtnaam");
  p.set("orderByFields", "buurtnaam desc");
  p.set("resultRecordCount", "25");
  p.set("outSR", "{\"wkid\":28992}");
  p.set("where", "");
  auto q = api.parse_query(p, *c);
  CHECK(q.out_fields == std::vector<int>{c->field_index("buurtnaam"), layers::esri::kObjectId});
  REQUIRE(q.order_by.size() == 1);
  CHECK(q.order_by[0].descending);
  CHECK(q.record_count == 25);
  CHECK(q.out_sr == layers::esri::SpatialRef::RdNew);
  CHECK_FALSE(q.where);
  CHECK(q.max_record_count ==
        static_cast<std::size_t>(service().state().config.server.esri_max_record_count));
  // The engine directly.
  const auto r = layers::esri::execute(c, q);
  CHECK(r.kind == layers::esri::Result::Kind::Features);
  CHECK(r.page.features.size() == 25);
  CHECK(r.exceeded_transfer_limit);
}

TEST_CASE("esri: f=html is a services directory: catalogue, service, layer, a query form",
          "[esri][unit]") {
  auto page = [](const std::string& path, Query q) {
    q.emplace_back("f", "html");
    auto r = get(path, std::move(q));
    INFO(path << ": " << r.body.substr(0, 300));
    CHECK(r.content_type.rfind("text/html", 0) == 0);
    return r;
  };
  auto r = page("/arcgis/rest/services", {});
  REQUIRE(r.status == 200);
  CHECK(r.body.find("href=\"http://gebieden.test" + kFs + "?f=html\"") != std::string::npos);

  r = page(kFs, {});
  REQUIRE(r.status == 200);
  // Every layer of the service's JSON is linked from its page.
  const json fs = get_json(kFs, {{"f", "json"}});
  REQUIRE(fs["layers"].size() >= 10);
  for (const auto& l : fs["layers"]) {
    INFO(l["name"]);
    CHECK(r.body.find(kFs + "/" + std::to_string(l["id"].get<int>()) + "?f=html\">") !=
          std::string::npos);
  }
  CHECK(r.body.find("?f=pjson") != std::string::npos);

  const std::string buurten = layer_path("buurten");
  r = page(buurten, {});
  REQUIRE(r.status == 200);
  CHECK(r.body.find("<td>buurtnaam</td>") != std::string::npos);
  CHECK(r.body.find(buurten + "/query?f=html") != std::string::npos);

  // The query form keeps what was asked, and the result is a table of the features asked for.
  r = page(buurten + "/query",
           {{"where", "buurtnaam LIKE 'Wergea%'"}, {"outFields", "buurtcode,buurtnaam"}});
  REQUIRE(r.status == 200);
  CHECK(r.body.find("<form method=\"get\"") != std::string::npos);
  CHECK(r.body.find("value=\"buurtnaam LIKE &#39;Wergea%&#39;\"") != std::string::npos);
  const json q = get_json(
      buurten + "/query",
      {{"where", "buurtnaam LIKE 'Wergea%'"}, {"outFields", "buurtcode,buurtnaam"}, {"f", "json"}});
  REQUIRE_FALSE(q["features"].empty());
  CHECK(r.body.find("<p>" + std::to_string(q["features"].size()) + " features") !=
        std::string::npos);
  for (const auto& f : q["features"])
    CHECK(r.body.find("<td>" + f["attributes"]["buurtnaam"].get<std::string>() + "</td>") !=
          std::string::npos);

  // Errors are pages with the error's status, saying what was wrong; markup in input is text.
  r = page(buurten + "/query", {{"where", "nope = <b>1</b>"}});
  CHECK(r.status == 400);
  CHECK(r.body.find("<b>1</b>") == std::string::npos);
  r = page(kFs + "/999", {});
  CHECK(r.status == 404);
  CHECK(r.body.find("Error 404") != std::string::npos);
}
