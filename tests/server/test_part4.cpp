// Integration tests of OGC API - Features Part 4 (draft) on the store: the requests QGIS's OAPIF
// provider (3.30 and later) sends when a user edits a layer (OPTIONS, POST application/geo+json,
// PATCH application/merge-patch+json with Content-Crs, DELETE), the strong ETag and If-Match,
// Content-Type and Content-Crs, bad input, and the history of every write. The real server on
// a temporary GeoPackage, with a key file of an admin, an editor and a reader.
#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "process.hpp"
#include "server/access.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"
#include "test_pg.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
constexpr const char* kAdminKey = "part4-admin-key";
constexpr const char* kEditorKey = "part4-editor-key";
constexpr const char* kReaderKey = "part4-reader-key";
constexpr const char* kTokenEnv = "GEBIEDEN_TEST_PART4_TOKEN";
constexpr const char* kRd = "http://www.opengis.net/def/crs/EPSG/0/28992";
constexpr const char* kWgs84 = "http://www.opengis.net/def/crs/EPSG/0/4326";
constexpr const char* kItems = "/collections/organisaties/items";

/// A copy of data/leeuwarden.json in a temporary folder (every relative path made absolute),
/// the store of `where`, a key file with an admin ("test-admin"), an editor ("qgis-editor")
/// and a reader ("test-reader").
std::string store_config(const test::TestStore& where) {
  json j = test::relocated_default_config();
  where.configure(j["store"]);
  j["store"]["write_token_env"] = kTokenEnv;
  const fs::path keys = test::temp_path("part4-keys.json");
  auto key = [](const char* name, const char* role, const char* secret) {
    return json{{"name", name},
                {"role", role},
                {"sha256", server::sha256_hex(secret)},
                {"created", "2026-12-02T00:00:00Z"}};
  };
  test::write_file(
      keys, json{{"keys",
                  {key("test-admin", "admin", kAdminKey), key("qgis-editor", "editor", kEditorKey),
                   key("test-reader", "reader", kReaderKey)}}}
                .dump());
  j["access"] = {{"keys_file", keys.string()}};
  const fs::path config = test::temp_path("part4-config.json");
  test::write_file(config, j.dump(2));
  return config.string();
}
/// The same on a temporary GeoPackage.
std::string store_config(const fs::path& gpkg) {
  test::TestStore where(test::StoreKind::GeoPackage, "part4");
  where.gpkg = gpkg;
  return store_config(where);
}

test::ServerOptions options(const std::string& config) {
  test::ServerOptions o;
  o.config = config;
  // The store is the configuration's (the default store.database_env would override it).
  o.unset_env = {kTokenEnv, "GEBIEDEN_STORE_DATABASE"};
  return o;
}

std::unique_ptr<httplib::Client> client(const test::ServerProcess& s) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", s.port());
  c->set_read_timeout(60, 0);
  c->set_write_timeout(60, 0);
  return c;
}

/// The headers of QGIS's requests: its auth configuration adds the key as a bearer token.
httplib::Headers with_key(const std::string& key,
                          std::vector<std::pair<std::string, std::string>> more = {}) {
  httplib::Headers h = {{"Authorization", "Bearer " + key}, {"User-Agent", "QGIS/33400"}};
  for (auto& [k, v] : more) h.emplace(k, v);
  return h;
}

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body.substr(0, 400));
  return json::parse(r->body);
}

/// An error answer: its status and the parameter it names.
void check_error(const httplib::Result& r, int status, const std::string& parameter) {
  REQUIRE(r);
  INFO(r->body.substr(0, 400));
  CHECK(r->status == status);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  const json j = json::parse(r->body);
  CHECK(j["status"] == status);
  CHECK(j["parameter"] == parameter);
}

/// The methods of an Allow header.
std::vector<std::string> methods(const std::string& allow) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < allow.size()) {
    std::size_t j = allow.find(',', i);
    if (j == std::string::npos) j = allow.size();
    std::string m = allow.substr(i, j - i);
    m.erase(0, m.find_first_not_of(' '));
    m.erase(m.find_last_not_of(' ') + 1);
    out.push_back(m);
    i = j + 1;
  }
  return out;
}
bool has(const std::vector<std::string>& list, const std::string& m) {
  return std::find(list.begin(), list.end(), m) != list.end();
}

/// A new feature as QGIS's QgsJsonExporter writes it: every attribute of the layer (the ones
/// the placement computes are null), no id, no bbox.
json qgis_feature(double lon, double lat) {
  return json{{"type", "Feature"},
              {"geometry", {{"type", "Point"}, {"coordinates", {lon, lat}}}},
              {"properties",
               {{"naam", "Buurtvereniging QGIS-proef"},
                {"soort", "organisatie"},
                {"categorie", "buurthuis"},
                {"straat", nullptr},
                {"huisnummer", nullptr},
                {"postcode", nullptr},
                {"plaats", "Leeuwarden"},
                {"omschrijving", "Ingevoerd in QGIS"},
                {"contact_naam", "Geheim Persoon"},
                {"buurtcode", nullptr},
                {"wijkcode", nullptr},
                {"gebied", nullptr},
                {"geocode_status", nullptr}}}};
}

int number_matched(httplib::Client& c, const std::string& collection) {
  auto r = c.Get("/collections/" + collection + "/items?f=json&limit=1", with_key(kEditorKey));
  return body_of(r)["numberMatched"].get<int>();
}

std::string etag_of(httplib::Client& c, const std::string& path) {
  auto r = c.Get(path + "?f=json", with_key(kEditorKey));
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return r->get_header_value("ETag");
}
}  // namespace

TEST_CASE("part 4: the QGIS editing sequence passes, and the history records it",
          "[part4][store][http]") {
  const fs::path gpkg = test::temp_path("part4-qgis.gpkg");
  test::ServerProcess s(options(store_config(gpkg)));
  auto c = client(s);

  // The capabilities QGIS computes: OPTIONS on items (POST: it can add), then on the first
  // item of a page (PUT: change, DELETE: delete, PATCH: it patches instead of replacing).
  auto r = c->Get(std::string(kItems) + "?limit=10", with_key(kEditorKey));
  const std::string first = body_of(r)["features"][0]["id"].get<std::string>();
  r = c->Options(kItems, with_key(kEditorKey));
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(r->get_header_value("Allow") == "GET, HEAD, POST, OPTIONS");
  r = c->Options(std::string(kItems) + "/" + first, with_key(kEditorKey));
  REQUIRE(r);
  CHECK(r->get_header_value("Allow") == "GET, HEAD, PUT, PATCH, OPTIONS");  // no DELETE
  CHECK(r->get_header_value("Accept-Patch").find("application/merge-patch+json") !=
        std::string::npos);
  r = c->Options(std::string(kItems) + "/" + first, with_key(kAdminKey));
  REQUIRE(r);
  const auto admin = methods(r->get_header_value("Allow"));
  CHECK(has(admin, "POST") == false);
  for (const char* m : {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    INFO(m);
    CHECK(has(admin, m));
  }
  // QGIS asks OPTIONS on "unknown_id" when a layer is empty: the same answer.
  r = c->Options(std::string(kItems) + "/unknown_id", with_key(kAdminKey));
  REQUIRE(r);
  CHECK(r->get_header_value("Allow") == "GET, HEAD, PUT, PATCH, DELETE, OPTIONS");
  // The public and a reader: reading only. A CORS preflight carries no key, so its
  // Access-Control-* headers name every method and request header a write may use.
  for (const auto& h : {httplib::Headers{}, with_key(kReaderKey)}) {
    r = c->Options(std::string(kItems) + "/" + first, h);
    REQUIRE(r);
    CHECK(r->get_header_value("Allow") == "GET, HEAD, OPTIONS");
    const auto cors = methods(r->get_header_value("Access-Control-Allow-Methods"));
    CHECK(has(cors, "PATCH"));
    CHECK(has(cors, "PUT"));
    CHECK(has(cors, "DELETE"));
    const std::string headers = r->get_header_value("Access-Control-Allow-Headers");
    CHECK(headers.find("If-Match") != std::string::npos);
    CHECK(headers.find("Content-Crs") != std::string::npos);
    CHECK(headers.find("Authorization") != std::string::npos);
  }
  r = c->Options(kItems);
  REQUIRE(r);
  CHECK(r->get_header_value("Allow") == "GET, HEAD, OPTIONS");
  CHECK(has(methods(r->get_header_value("Access-Control-Allow-Methods")), "POST"));

  const int before = number_matched(*c, "organisaties");

  // Add: POST application/geo+json (CRS84, no Content-Crs); QGIS takes the id from Location,
  // then GETs the feature to refresh it.
  r = c->Post(kItems, with_key(kEditorKey), qgis_feature(5.7965, 53.2005).dump(),
              "application/geo+json");
  REQUIRE(r);
  INFO(r->body.substr(0, 400));
  REQUIRE(r->status == 201);
  const std::string location = r->get_header_value("Location");
  const auto at = location.rfind("/items/");
  REQUIRE(at != std::string::npos);
  const std::string id = location.substr(at + 7);
  const std::string path = std::string(kItems) + "/" + id;
  CHECK(!r->get_header_value("ETag").empty());
  r = c->Get(path, with_key(kEditorKey));
  json got = body_of(r);
  CHECK(r->status == 200);
  CHECK(got["id"] == id);
  CHECK(got["properties"]["naam"] == "Buurtvereniging QGIS-proef");
  CHECK(got["properties"]["contact_naam"] == "Geheim Persoon");
  CHECK(got["properties"]["geocode_status"] == "coordinates");
  CHECK_FALSE(got["properties"]["buurtcode"].is_null());
  const std::string buurt1 = got["properties"]["buurtcode"];
  const std::string etag1 = r->get_header_value("ETag");
  CHECK(etag1.size() > 2);
  CHECK(etag1.front() == '"');  // strong
  CHECK(number_matched(*c, "organisaties") == before + 1);

  // Change the geometry: PATCH application/merge-patch+json with the layer's CRS (RD, as
  // QgsCoordinateReferenceSystem::toOgcUri writes it: no brackets).
  const double rd_x = 182351, rd_y = 579395;
  json geometry_patch = {{"geometry", {{"type", "Point"}, {"coordinates", {rd_x, rd_y}}}}};
  r = c->Patch(path.c_str(), with_key(kEditorKey, {{"Content-Crs", kRd}}), geometry_patch.dump(),
               "application/merge-patch+json");
  REQUIRE(r);
  INFO(r->body.substr(0, 400));
  REQUIRE(r->status == 200);
  const std::string etag2 = r->get_header_value("ETag");
  CHECK(etag2 != etag1);
  r = c->Get(path + "?crs=" + httplib::detail::encode_query_param(kRd), with_key(kEditorKey));
  got = body_of(r);
  CHECK(r->get_header_value("ETag") == etag2);
  CHECK(std::abs(got["geometry"]["coordinates"][0].get<double>() - rd_x) < 0.01);
  CHECK(std::abs(got["geometry"]["coordinates"][1].get<double>() - rd_y) < 0.01);
  CHECK(got["properties"]["naam"] == "Buurtvereniging QGIS-proef");  // unchanged
  CHECK(got["properties"]["contact_naam"] == "Geheim Persoon");
  CHECK(got["properties"]["geocode_status"] == "coordinates");

  // Change an attribute: PATCH with only the changed property (no Content-Crs).
  json attribute_patch = {{"properties", {{"naam", "Buurtvereniging Hernoemd"}}}};
  r = c->Patch(path.c_str(), with_key(kEditorKey), attribute_patch.dump(),
               "application/merge-patch+json");
  REQUIRE(r);
  INFO(r->body.substr(0, 400));
  REQUIRE(r->status == 200);
  CHECK(body_of(r)["properties"]["naam"] == "Buurtvereniging Hernoemd");
  const std::string etag3 = r->get_header_value("ETag");
  CHECK(etag3 != etag2);
  r = c->Get(path + "?crs=" + httplib::detail::encode_query_param(kRd), with_key(kEditorKey));
  got = body_of(r);
  CHECK(r->get_header_value("ETag") == etag3);
  CHECK(got["properties"]["naam"] == "Buurtvereniging Hernoemd");
  CHECK(got["properties"]["omschrijving"] == "Ingevoerd in QGIS");                 // the rest kept
  CHECK(std::abs(got["geometry"]["coordinates"][0].get<double>() - rd_x) < 0.01);  // kept
  // The public sees it too, without the private fields, with its own ETag.
  r = c->Get(path + "?f=json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find("Geheim Persoon") == std::string::npos);
  CHECK(!r->get_header_value("ETag").empty());

  // Delete: an editor may not (403), an admin may (204); then it is gone.
  r = c->Delete(path.c_str(), with_key(kEditorKey));
  check_error(r, 403, "Authorization");
  r = c->Delete(path.c_str(), with_key(kAdminKey));
  REQUIRE(r);
  CHECK(r->status == 204);
  r = c->Get(path + "?f=json", with_key(kEditorKey));
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(number_matched(*c, "organisaties") == before);

  // The history: create, patch, patch, delete, with who did it and the record before and after.
  const std::string history = path + "/history";
  check_error(c->Get(history), 401, "Authorization");
  check_error(c->Get(history, with_key(kEditorKey)), 403, "Authorization");
  r = c->Get(history, with_key(kAdminKey));
  const json h = body_of(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Cache-Control").find("no-store") != std::string::npos);
  CHECK(h["id"] == id);
  const json& list = h["history"];
  REQUIRE(list.size() == 4);
  const std::vector<std::string> ops = {"create", "patch", "patch", "delete"};
  const std::vector<std::string> actors = {"qgis-editor", "qgis-editor", "qgis-editor",
                                           "test-admin"};
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(i);
    CHECK(list[i]["op"] == ops[i]);
    CHECK(list[i]["actor"] == actors[i]);
    CHECK(list[i]["at"].get<std::string>().size() >= 20);
    if (i > 0) {
      CHECK(list[i]["seq"].get<std::int64_t>() > list[i - 1]["seq"].get<std::int64_t>());
      CHECK(list[i]["before"] == list[i - 1]["after"]);  // one chain of states
    }
  }
  CHECK(list[0]["before"].is_null());
  CHECK(list[0]["after"]["properties"]["naam"] == "Buurtvereniging QGIS-proef");
  CHECK(std::abs(list[0]["after"]["geometry"]["coordinates"][0].get<double>() - 5.7965) < 1e-6);
  // The geometry patch: the point moved to the RD point (in CRS84: about 5.7966, 53.2006).
  const json& moved = list[1]["after"]["geometry"]["coordinates"];
  CHECK(std::abs(moved[0].get<double>() - 5.7965) < 0.01);
  CHECK(std::abs(moved[1].get<double>() - 53.2005) < 0.01);
  CHECK(moved != list[1]["before"]["geometry"]["coordinates"]);
  CHECK(list[1]["after"]["properties"]["naam"] == "Buurtvereniging QGIS-proef");
  CHECK(list[2]["before"]["properties"]["naam"] == "Buurtvereniging QGIS-proef");
  CHECK(list[2]["after"]["properties"]["naam"] == "Buurtvereniging Hernoemd");
  CHECK(list[2]["after"]["geometry"] == list[2]["before"]["geometry"]);
  CHECK(list[3]["before"]["properties"]["naam"] == "Buurtvereniging Hernoemd");
  CHECK(list[3]["after"].is_null());
  // Not in another collection; an id that never was: 404.
  check_error(c->Get("/collections/initiatieven/items/" + id + "/history", with_key(kAdminKey)),
              404, "featureId");
  check_error(c->Get(std::string(kItems) + "/NOOIT-GEWEEST/history", with_key(kAdminKey)), 404,
              "featureId");
  check_error(c->Get("/collections/buurten/items/BU00801000/history", with_key(kAdminKey)), 404,
              "path");

  // The export: every write of the store, JSON and CSV.
  check_error(c->Get("/history?f=csv", with_key(kEditorKey)), 403, "Authorization");
  check_error(c->Get("/history?f=xml", with_key(kAdminKey)), 400, "f");
  r = c->Get("/history", with_key(kAdminKey));
  const json all = body_of(r);
  REQUIRE(r->status == 200);
  std::size_t ours = 0;
  for (const auto& e : all["history"]) ours += e["record_id"] == id;
  CHECK(ours == 4);
  r = c->Get("/history?f=csv", with_key(kAdminKey));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type").rfind("text/csv", 0) == 0);
  CHECK(r->body.rfind("seq,record_id,op,actor,at,before,after\r\n", 0) == 0);
  std::size_t rows = 0;
  for (std::size_t i = 0; (i = r->body.find("," + id + ",", i)) != std::string::npos; ++i) ++rows;
  CHECK(rows == 4);
  CHECK(r->body.find(",delete,test-admin,") != std::string::npos);
  // The history is only read.
  r = c->Options("/history", with_key(kAdminKey));
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(r->get_header_value("Allow") == "GET, HEAD, OPTIONS");
  r = c->Post("/history", with_key(kAdminKey), "{}", "application/json");
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->get_header_value("Allow") == "GET, HEAD, OPTIONS");
  check_error(c->Get("/history?seq=1", with_key(kAdminKey)), 400, "seq");
}

namespace {
void etags_and_if_match(test::StoreKind kind) {
  const test::TestStore where(kind, "part4_etag");
  test::ServerProcess s(options(store_config(where)));
  auto c = client(s);
  const std::string path = std::string(kItems) + "/ORG0001";

  auto r = c->Get(path + "?f=json", with_key(kEditorKey));
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const std::string etag = r->get_header_value("ETag");
  REQUIRE(etag.size() > 2);
  CHECK(etag.front() == '"');
  // The same for the same feature, whatever the CRS; 304 for If-None-Match.
  CHECK(etag_of(*c, path) == etag);
  r = c->Get(path + "?f=json", with_key(kEditorKey, {{"If-None-Match", etag}}));
  REQUIRE(r);
  CHECK(r->status == 304);
  r = c->Head((path + "?f=json").c_str(), with_key(kEditorKey));
  REQUIRE(r);
  CHECK(r->get_header_value("ETag") == etag);

  // A stale If-Match: 412 naming If-Match with the current ETag; nothing written.
  const std::string patch = json{{"properties", {{"omschrijving", "Nieuw"}}}}.dump();
  r = c->Patch(path.c_str(), with_key(kEditorKey, {{"If-Match", "\"verouderd\""}}), patch,
               "application/merge-patch+json");
  check_error(r, 412, "If-Match");
  CHECK(r->get_header_value("ETag") == etag);
  // A weak ETag never matches (strong comparison).
  r = c->Patch(path.c_str(), with_key(kEditorKey, {{"If-Match", "W/" + etag}}), patch,
               "application/merge-patch+json");
  check_error(r, 412, "If-Match");
  CHECK(etag_of(*c, path) == etag);

  // The current one: written; the answer carries the new ETag, which GET gives too.
  r = c->Patch(path.c_str(), with_key(kEditorKey, {{"If-Match", "\"x\", " + etag}}), patch,
               "application/merge-patch+json");
  REQUIRE(r);
  INFO(r->body.substr(0, 300));
  REQUIRE(r->status == 200);
  const std::string etag2 = r->get_header_value("ETag");
  CHECK(etag2 != etag);
  CHECK(etag_of(*c, path) == etag2);
  r = c->Get(path + "?f=json", with_key(kEditorKey, {{"If-None-Match", etag}}));
  REQUIRE(r);
  CHECK(r->status == 200);  // changed

  // PUT and DELETE with the old one: 412, nothing written.
  json whole = body_of(c->Get(path + "?f=json", with_key(kEditorKey)));
  whole.erase("links");
  r = c->Put(path.c_str(), with_key(kEditorKey, {{"If-Match", etag}}), whole.dump(),
             "application/geo+json");
  check_error(r, 412, "If-Match");
  r = c->Delete(path.c_str(), with_key(kAdminKey, {{"If-Match", etag}}));
  check_error(r, 412, "If-Match");
  CHECK(etag_of(*c, path) == etag2);
  // PUT with the current one, and "*".
  r = c->Put(path.c_str(), with_key(kEditorKey, {{"If-Match", etag2}}), whole.dump(),
             "application/geo+json");
  REQUIRE(r);
  INFO(r->body.substr(0, 300));
  CHECK(r->status == 200);
  r = c->Patch(path.c_str(), with_key(kEditorKey, {{"If-Match", "*"}}), patch,
               "application/merge-patch+json");
  REQUIRE(r);
  CHECK(r->status == 200);

  // If-Match on an absent item: 412 (no representation matches); without it, 404.
  r = c->Patch((std::string(kItems) + "/NIET-ER").c_str(),
               with_key(kEditorKey, {{"If-Match", etag}}), patch, "application/merge-patch+json");
  check_error(r, 412, "If-Match");
  r = c->Patch((std::string(kItems) + "/NIET-ER").c_str(), with_key(kEditorKey), patch,
               "application/merge-patch+json");
  check_error(r, 404, "featureId");

  // EPSG:4326 bodies are [lat, lon]; the Content-Crs brackets are optional.
  r = c->Patch(path.c_str(),
               with_key(kEditorKey, {{"Content-Crs", std::string("<") + kWgs84 + ">"}}),
               json{{"geometry", {{"type", "Point"}, {"coordinates", {53.2005, 5.7965}}}}}.dump(),
               "application/json");
  REQUIRE(r);
  INFO(r->body.substr(0, 300));
  REQUIRE(r->status == 200);
  const json moved = body_of(r);
  CHECK(std::abs(moved["geometry"]["coordinates"][0].get<double>() - 5.7965) < 1e-6);
  CHECK(std::abs(moved["geometry"]["coordinates"][1].get<double>() - 53.2005) < 1e-6);
  // "geometry": null removes the point: placed again from the address.
  r = c->Patch(path.c_str(), with_key(kEditorKey), json{{"geometry", nullptr}}.dump(),
               "application/merge-patch+json");
  REQUIRE(r);
  INFO(r->body.substr(0, 300));
  REQUIRE(r->status == 200);
  CHECK(body_of(r)["properties"]["geocode_status"] != "coordinates");
  // A property set to null is unset.
  r = c->Patch(path.c_str(), with_key(kEditorKey),
               json{{"properties", {{"omschrijving", nullptr}}}}.dump(),
               "application/merge-patch+json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(body_of(r)["properties"]["omschrijving"].is_null());
}
}  // namespace
GEBIEDEN_STORE_TEST_CASE("part 4: strong ETags, If-None-Match and If-Match", "[part4][store][http]",
                         etags_and_if_match)

TEST_CASE("part 4: bad input is a 4xx naming the field, and nothing is stored",
          "[part4][store][http]") {
  const fs::path gpkg = test::temp_path("part4-bad.gpkg");
  test::ServerProcess s(options(store_config(gpkg)));
  auto c = client(s);

  // An initiative under consideration (in_behandeling), for the status jump below.
  json initiatief = qgis_feature(5.7965, 53.2005);
  initiatief["properties"]["soort"] = "initiatief";
  initiatief["properties"]["status"] = "in_behandeling";
  initiatief["properties"]["scharrelbudget"] = 500;
  auto r = c->Post("/collections/initiatieven/items", with_key(kEditorKey), initiatief.dump(),
                   "application/geo+json");
  REQUIRE(r);
  INFO(r->body.substr(0, 400));
  REQUIRE(r->status == 201);
  const std::string initiative =
      "/collections/initiatieven/items/" + body_of(r)["id"].get<std::string>();

  const std::string item = std::string(kItems) + "/ORG0001";
  const int n_org = number_matched(*c, "organisaties");
  const int n_ini = number_matched(*c, "initiatieven");
  const std::string etag_org = etag_of(*c, item);
  const std::string etag_ini = etag_of(*c, initiative);
  const std::size_t n_history = body_of(c->Get("/history", with_key(kAdminKey)))["history"].size();
  const std::string mp = "application/merge-patch+json";
  auto patch = [&](const std::string& path, const std::string& body,
                   httplib::Headers h = with_key(kEditorKey)) {
    return c->Patch(path.c_str(), h, body, mp);
  };
  const json rd_point = {{"type", "Point"}, {"coordinates", {182351, 579395}}};

  // Invalid JSON.
  check_error(patch(item, "{\"properties\": {"), 400, "body");
  check_error(
      c->Post(kItems, with_key(kEditorKey), "{\"type\": \"Feature\", ", "application/geo+json"),
      400, "body");
  check_error(patch(item, "[1, 2]"), 400, "body");
  check_error(patch(item, ""), 400, "body");
  // Wrong types.
  check_error(patch(initiative, json{{"properties", {{"scharrelbudget", "veel"}}}}.dump()), 400,
              "properties.scharrelbudget");
  check_error(patch(item, json{{"properties", {{"naam", json::array()}}}}.dump()), 400,
              "properties.naam");
  check_error(patch(item, json{{"properties", json::array()}}.dump()), 400, "properties");
  check_error(patch(item, json{{"properties", nullptr}}.dump()), 400, "properties");
  check_error(patch(item, json{{"properties", {{"lievelingskleur", "blauw"}}}}.dump()), 400,
              "properties.lievelingskleur");
  check_error(patch(item, json{{"extra", 1}}.dump()), 400, "extra");
  // Unknown soort.
  check_error(patch(item, json{{"properties", {{"soort", "vereniging"}}}}.dump()), 400,
              "properties.soort");
  check_error(patch(item, json{{"properties", {{"soort", nullptr}}}}.dump()), 400,
              "properties.soort");
  // The id cannot change.
  check_error(patch(item, json{{"id", "ORG0002"}}.dump()), 400, "id");
  check_error(patch(item, json{{"id", nullptr}}.dump()), 400, "id");
  check_error(patch(item, json{{"properties", {{"id", "ORG0002"}}}}.dump()), 400, "properties.id");
  // A status jump: in_behandeling -> lopend skips toegekend.
  check_error(patch(initiative, json{{"properties", {{"status", "lopend"}}}}.dump()), 400,
              "properties.status");
  // A required field unset.
  check_error(patch(item, json{{"properties", {{"naam", nullptr}}}}.dump()), 400,
              "properties.naam");
  // A 10 MB description: 413, JSON naming the body (above server.max_request_bytes, 1 MiB).
  check_error(
      patch(item, json{{"properties", {{"omschrijving", std::string(10 << 20, 'x')}}}}.dump()), 413,
      "body");
  // Just above the limit: the same.
  check_error(
      patch(item, json{{"properties", {{"omschrijving", std::string(2 << 20, 'x')}}}}.dump()), 413,
      "body");
  // Over the schema's limit (5000): 400 naming it.
  check_error(patch(item, json{{"properties", {{"omschrijving", std::string(6000, 'x')}}}}.dump()),
              400, "properties.omschrijving");
  // A geometry outside the gemeente (Amsterdam), or as [lat, lon] without Content-Crs.
  check_error(
      patch(item, json{{"geometry", {{"type", "Point"}, {"coordinates", {4.9, 52.37}}}}}.dump()),
      400, "geometry");
  r = patch(item,
            json{{"geometry", {{"type", "Point"}, {"coordinates", {53.2005, 5.7965}}}}}.dump());
  check_error(r, 400, "geometry");
  // RD coordinates without Content-Crs: refused, and the message says what to send.
  r = patch(item, json{{"geometry", rd_point}}.dump());
  check_error(r, 400, "geometry.coordinates");
  CHECK(body_of(r)["description"].get<std::string>().find("Content-Crs") != std::string::npos);
  json rd_feature = qgis_feature(0, 0);
  rd_feature["geometry"] = rd_point;
  check_error(c->Post(kItems, with_key(kEditorKey), rd_feature.dump(), "application/geo+json"), 400,
              "geometry.coordinates");
  // RD coordinates in the wrong CRS (sent as EPSG:4326) are not a place either.
  check_error(patch(item, json{{"geometry", rd_point}}.dump(),
                    with_key(kEditorKey, {{"Content-Crs", kWgs84}})),
              400, "geometry.coordinates");
  // An RD point outside the gemeente (Amsterdam, in RD).
  check_error(
      patch(item, json{{"geometry", {{"type", "Point"}, {"coordinates", {121000, 487000}}}}}.dump(),
            with_key(kEditorKey, {{"Content-Crs", kRd}})),
      400, "geometry");
  // An unsupported Content-Crs.
  for (const char* crs : {"http://www.opengis.net/def/crs/EPSG/0/3857", "EPSG:28992", "<>"}) {
    INFO(crs);
    r = patch(item, json{{"geometry", rd_point}}.dump(),
              with_key(kEditorKey, {{"Content-Crs", crs}}));
    check_error(r, 400, "Content-Crs");
    CHECK(body_of(r)["description"].get<std::string>().find(kRd) != std::string::npos);
  }
  // Content-Type: 415 naming it, with the accepted types.
  r = c->Post(kItems, with_key(kEditorKey), qgis_feature(5.7965, 53.2005).dump(), "text/plain");
  check_error(r, 415, "Content-Type");
  CHECK(body_of(r)["description"].get<std::string>().find("application/geo+json") !=
        std::string::npos);
  check_error(c->Put(item.c_str(), with_key(kEditorKey), qgis_feature(5.7965, 53.2005).dump(),
                     "application/merge-patch+json"),
              415, "Content-Type");
  r = c->Patch(item.c_str(), with_key(kEditorKey), json{{"properties", {{"naam", "X"}}}}.dump(),
               "application/geo+json");
  check_error(r, 415, "Content-Type");
  CHECK(r->get_header_value("Accept-Patch").find("application/merge-patch+json") !=
        std::string::npos);
  // An unknown id.
  check_error(patch(std::string(kItems) + "/NIET-ER", json{{"properties", {{"naam", "X"}}}}.dump()),
              404, "featureId");
  check_error(c->Delete((std::string(kItems) + "/NIET-ER").c_str(), with_key(kAdminKey)), 404,
              "featureId");
  // A stale If-Match.
  check_error(patch(item, json{{"properties", {{"naam", "X"}}}}.dump(),
                    with_key(kEditorKey, {{"If-Match", "\"oud\""}})),
              412, "If-Match");
  // Without a key, or with a reader's: 401, 403.
  check_error(c->Patch(item.c_str(), json{{"properties", {{"naam", "X"}}}}.dump(), mp.c_str()), 401,
              "Authorization");
  check_error(patch(item, json{{"properties", {{"naam", "X"}}}}.dump(), with_key(kReaderKey)), 403,
              "Authorization");
  // PATCH on a read-only collection: 405.
  r = patch("/collections/buurten/items/BU00801000", json{{"properties", {{"x", 1}}}}.dump());
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->get_header_value("Allow") == "GET, HEAD, OPTIONS");

  // Nothing of it was stored.
  CHECK(number_matched(*c, "organisaties") == n_org);
  CHECK(number_matched(*c, "initiatieven") == n_ini);
  CHECK(etag_of(*c, item) == etag_org);
  CHECK(etag_of(*c, initiative) == etag_ini);
  CHECK(body_of(c->Get("/history", with_key(kAdminKey)))["history"].size() == n_history);

  // And a good patch with a charset parameter still goes through.
  r = c->Patch(
      initiative.c_str(), with_key(kEditorKey),
      json{{"properties", {{"status", "toegekend"}, {"besluit_door", "Tafel van 8"}}}}.dump(),
      "application/merge-patch+json; charset=utf-8");
  REQUIRE(r);
  INFO(r->body.substr(0, 300));
  CHECK(r->status == 200);
  CHECK(body_of(r)["properties"]["status"] == "toegekend");
}

TEST_CASE("part 4: conformance, OpenAPI with the write operations, and its validator",
          "[part4][store][http][openapi]") {
  const fs::path gpkg = test::temp_path("part4-api.gpkg");
  test::ServerProcess s(options(store_config(gpkg)));
  auto c = client(s);
  const json conf = body_of(c->Get("/conformance?f=json"));
  std::set<std::string> classes(conf["conformsTo"].begin(), conf["conformsTo"].end());
  for (const char* k :
       {"create-replace-delete", "update", "features", "optimistic-locking-etags"}) {
    INFO(k);
    CHECK(
        classes.count(std::string("http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/") + k));
  }
  auto r = c->Get("/api?f=json");
  const json api = body_of(r);
  const json& item = api["paths"]["/collections/organisaties/items/{featureId}"];
  REQUIRE(item.contains("patch"));
  CHECK(item["patch"]["requestBody"]["content"].contains("application/merge-patch+json"));
  CHECK(item["patch"]["responses"].contains("412"));
  CHECK(item["patch"]["responses"].contains("415"));
  CHECK(item.contains("put"));
  CHECK(item.contains("delete"));
  CHECK(item.contains("options"));
  CHECK(item["get"]["responses"]["200"]["headers"].contains("ETag"));
  CHECK(api["paths"]["/collections/organisaties/items"]["post"]["requestBody"]["content"].contains(
      "application/geo+json"));
  CHECK(api["paths"].contains("/collections/organisaties/items/{featureId}/history"));
  CHECK(api["paths"].contains("/history"));
  CHECK_FALSE(api["paths"]["/collections/buurten/items/{featureId}"].contains("patch"));
  CHECK(api["components"]["securitySchemes"].contains("bearer"));
  CHECK(r->body.find("Methods other than GET, HEAD and OPTIONS") == std::string::npos);

  const std::string validator = std::string(GEBIEDEN_WEB_DIR) + "/validate-openapi.js";
  std::string out;
  const int rc = test::run_command("node '" + validator + "' '" + s.url() + "/api'", out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("valid:") != std::string::npos);
}
