// Integration tests of writes to the social-base store (OGC API - Features Part 4): the real
// server on a temporary GeoPackage, and again on a fresh PostGIS database (the [postgis]
// variants, on the cluster of CTest's postgis fixture), with a write token in its environment.
#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
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
constexpr const char* kTokenEnv = "GEBIEDEN_TEST_WRITE_TOKEN";
constexpr const char* kToken = "s3cret-token-for-tests";  // an editor (GEBIEDEN_WRITE_TOKEN)
constexpr const char* kAdminKey = "admin-key-for-tests";  // in the key file, role admin

/// A copy of data/leeuwarden.json in a temporary folder: every relative path made absolute,
/// the store of `where`, the write tokens in kTokenEnv.
std::string store_config(const test::TestStore& where, bool with_admin_key = true) {
  json j = test::relocated_default_config();
  where.configure(j["store"]);
  j["store"]["write_token_env"] = kTokenEnv;
  const fs::path keys = test::temp_path("keys.json");
  if (with_admin_key)
    test::write_file(keys, json{{"keys",
                                 {{{"name", "test-admin"},
                                   {"role", "admin"},
                                   {"sha256", server::sha256_hex(kAdminKey)},
                                   {"created", "2026-12-01T00:00:00Z"}}}}}
                               .dump());
  j["access"] = {{"keys_file", keys.string()}};
  const fs::path config = test::temp_path("store-config.json");
  test::write_file(config, j.dump(2));
  return config.string();
}

test::ServerOptions options(const std::string& config, bool with_token) {
  test::ServerOptions o;
  o.config = config;
  // The store is the configuration's (the default store.database_env would override it).
  o.unset_env = {"GEBIEDEN_STORE_DATABASE"};
  if (with_token) {
    o.env = {{kTokenEnv, std::string("other-token, ") + kToken}};
  } else {
    o.unset_env.push_back(kTokenEnv);
  }
  return o;
}

httplib::Headers auth(const std::string& token = kToken) {
  return {{"Authorization", "Bearer " + token}};
}

std::unique_ptr<httplib::Client> client(const test::ServerProcess& s) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", s.port());
  c->set_read_timeout(60, 0);
  return c;
}

json body_json(const httplib::Result& r) {
  REQUIRE(r);
  return json::parse(r->body);
}

/// aantal_<collection> of a buurt.
std::int64_t count_in(httplib::Client& c, const std::string& buurtcode,
                      const std::string& collection) {
  auto r = c.Get("/collections/buurten/items/" + buurtcode + "?f=json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return json::parse(r->body)["properties"]["aantal_" + collection].get<std::int64_t>();
}

/// The private values in an answer (to a key that may read them: roles are cumulative, an
/// editor is also a reader).
void check_has_private(const std::string& body) {
  INFO(body.substr(0, 400));
  CHECK(body.find("\"contact_naam\":\"Geheim Persoon\"") != std::string::npos);
  CHECK(body.find("geheim@example.nl") != std::string::npos);
}

/// Nothing private in an answer.
void check_private(const std::string& body) {
  INFO(body.substr(0, 400));
  CHECK(body.find("contact_naam") == std::string::npos);
  CHECK(body.find("contact_telefoon") == std::string::npos);
  CHECK(body.find("contact_email") == std::string::npos);
  CHECK(body.find("Geheim Persoon") == std::string::npos);
  CHECK(body.find("geheim@example.nl") == std::string::npos);
}

// Two addresses of the development register in different buurten (from
// ../shared/data/synthetic/organisaties_dev.csv).
json feature(const std::string& straat, const std::string& nr, const std::string& postcode,
             const std::string& plaats) {
  return json{{"type", "Feature"},
              {"geometry", nullptr},
              {"properties",
               {{"naam", "Testvereniging Schrijfproef"},
                {"straat", straat},
                {"huisnummer", nr},
                {"postcode", postcode},
                {"plaats", plaats},
                {"contact_naam", "Geheim Persoon"},
                {"contact_telefoon", "06-00000000"},
                {"contact_email", "geheim@example.nl"}}}};
}
const json kFirst = feature("Sweelincksingel", "11", "8927CX", "Leeuwarden");  // BU00805103
const json kSecond = feature("Descartesgracht", "5", "8929HE", "Leeuwarden");  // BU00806001
constexpr const char* kBuurt1 = "BU00805103";
constexpr const char* kBuurt2 = "BU00806001";

void bearer_tokens(test::StoreKind kind) {
  const test::TestStore where(kind, "writes_auth");
  const std::string config = store_config(where);
  const std::string body = kFirst.dump();
  {
    test::ServerProcess s(options(config, true));
    auto c = client(s);
    auto r = c->Post("/collections/organisaties/items", body, "application/geo+json");
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
    CHECK(body_json(r)["code"] == "Unauthorized");
    r = c->Post("/collections/organisaties/items", auth("wrong-token"), body,
                "application/geo+json");
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
    CHECK(r->body.find(kToken) == std::string::npos);
    r = c->Delete("/collections/organisaties/items/ORG0001", {{"Authorization", "Basic abc"}});
    REQUIRE(r);
    CHECK(r->status == 401);
    // The wrong tokens changed nothing; every token of the list is accepted.
    r = c->Get("/collections/organisaties/items/ORG0001?f=json");
    REQUIRE(r);
    CHECK(r->status == 200);
    // While writes are enabled, clients revalidate what they keep (the next write may change it).
    CHECK(r->get_header_value("Cache-Control") == "no-cache");
    CHECK(c->Get("/collections/buurten/items?limit=1")->get_header_value("Cache-Control") ==
          "no-cache");
    // Deleting needs an admin key: the editor tokens get 403 naming the role.
    r = c->Delete("/collections/organisaties/items/NIET-ER", auth("other-token"));
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(body_json(r)["description"].get<std::string>().find("admin") != std::string::npos);
    r = c->Delete("/collections/organisaties/items/NIET-ER", auth(kAdminKey));
    REQUIRE(r);
    CHECK(r->status == 404);
  }
  {
    test::ServerProcess s(options(store_config(where, false), false));
    auto c = client(s);
    auto r = c->Post("/collections/organisaties/items", auth(), body, "application/geo+json");
    REQUIRE(r);
    CHECK(r->status == 403);
    const json j = body_json(r);
    CHECK(j["code"] == "Forbidden");
    CHECK(j["description"].get<std::string>().find("disabled") != std::string::npos);
    // Without writes the data only changes with a restart: clients may keep it a minute.
    CHECK(c->Get("/collections/organisaties/items?limit=1")->get_header_value("Cache-Control") ==
          "public, max-age=60");
    r = c->Delete("/collections/organisaties/items/ORG0001", auth());
    REQUIRE(r);
    CHECK(r->status == 403);
  }
  CHECK(where.stored("ORG0001") == 1);
}

void create_replace_delete_restart(test::StoreKind kind) {
  const test::TestStore where(kind, "writes_crud");
  const std::string config = store_config(where);
  std::string buurt1, buurt2, location;
  std::int64_t before1 = 0, before2 = 0;
  {
    test::ServerProcess s(options(config, true));
    where.check_made();  // created and seeded from store.source
    CHECK(where.stored("ORG0001") == 1);
    auto c = client(s);

    // Seeded: the same records as the source.
    auto r = c->Get("/collections/organisaties/items/ORG0001?f=json");
    REQUIRE(r);
    CHECK(r->status == 200);

    // OPTIONS lists the write methods on store collections only, as far as the key may.
    r = c->Options("/collections/organisaties/items", auth());
    REQUIRE(r);
    CHECK(r->get_header_value("Allow") == "GET, HEAD, POST, OPTIONS");
    r = c->Options("/collections/organisaties/items/ORG0001", auth(kAdminKey));
    REQUIRE(r);
    CHECK(r->get_header_value("Allow") == "GET, HEAD, PUT, PATCH, DELETE, OPTIONS");
    r = c->Options("/collections/buurten/items");
    REQUIRE(r);
    CHECK(r->get_header_value("Allow") == "GET, HEAD, OPTIONS");

    // 405 on boundary collections, even with a good token.
    r = c->Post("/collections/buurten/items", auth(), kFirst.dump(), "application/geo+json");
    REQUIRE(r);
    CHECK(r->status == 405);
    CHECK(r->get_header_value("Allow") == "GET, HEAD, OPTIONS");
    r = c->Delete("/collections/buurten/items/BU00801000", auth());
    REQUIRE(r);
    CHECK(r->status == 405);
    r = c->Post("/collections/nergens/items", auth(), kFirst.dump(), "application/geo+json");
    REQUIRE(r);
    CHECK(r->status == 404);

    before1 = count_in(*c, kBuurt1, "organisaties");
    before2 = count_in(*c, kBuurt2, "organisaties");

    // A page of the collection before the write (cached), to check it is not served stale.
    auto page_before = c->Get("/collections/organisaties/items?f=json&limit=10000");
    REQUIRE(page_before);
    const auto n_before = json::parse(page_before->body)["numberMatched"].get<int>();

    // POST: 201, Location, the created feature with its placement (the editor sees the private
    // fields it wrote; the public does not, below).
    r = c->Post("/collections/organisaties/items", auth(), kFirst.dump(), "application/geo+json");
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 201);
    check_has_private(r->body);
    json created = json::parse(r->body);
    const std::string id = created["id"].get<std::string>();
    CHECK(!id.empty());
    location = r->get_header_value("Location");
    CHECK(location == s.url() + "/collections/organisaties/items/" + id);
    CHECK(created["properties"]["soort"] == "organisatie");
    CHECK(created["properties"]["geocode_status"] == "address");
    buurt1 = created["properties"]["buurtcode"].get<std::string>();
    CHECK(buurt1 == kBuurt1);
    CHECK(created["geometry"]["type"] == "Point");

    // It is served: by id, in the page (no stale cached page), and counted in its buurt.
    r = c->Get("/collections/organisaties/items/" + id + "?f=json");
    REQUIRE(r);
    CHECK(r->status == 200);
    check_private(r->body);
    CHECK(json::parse(r->body)["properties"]["buurtcode"] == buurt1);
    auto page = c->Get("/collections/organisaties/items?f=json&limit=10000");
    REQUIRE(page);
    check_private(page->body);
    CHECK(json::parse(page->body)["numberMatched"].get<int>() == n_before + 1);
    CHECK(page->body.find("\"" + id + "\"") != std::string::npos);

    // The count of its buurt went up by one.
    CHECK(count_in(*c, buurt1, "organisaties") == before1 + 1);
    CHECK(where.stored(id) == 1);  // committed before the answer

    // 409 for an existing id.
    json again = kFirst;
    again["id"] = id;
    r = c->Post("/collections/organisaties/items", auth(), again.dump(), "application/geo+json");
    REQUIRE(r);
    CHECK(r->status == 409);

    // PUT moves it: a new address, a new buurt, counts follow.
    r = c->Put("/collections/organisaties/items/" + id, auth(), kSecond.dump(),
               "application/geo+json");
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    check_has_private(r->body);
    buurt2 = json::parse(r->body)["properties"]["buurtcode"].get<std::string>();
    CHECK(buurt2 == kBuurt2);
    CHECK(count_in(*c, buurt1, "organisaties") == before1);
    CHECK(count_in(*c, buurt2, "organisaties") == before2 + 1);
    r = c->Get("/collections/organisaties/items/" + id + "?f=json");
    REQUIRE(r);
    CHECK(json::parse(r->body)["properties"]["buurtcode"] == buurt2);

    // PUT and DELETE of an absent feature: 404.
    r = c->Put("/collections/organisaties/items/NIET-ER", auth(), kSecond.dump(),
               "application/geo+json");
    REQUIRE(r);
    CHECK(r->status == 404);
    r = c->Delete("/collections/organisaties/items/NIET-ER", auth(kAdminKey));
    REQUIRE(r);
    CHECK(r->status == 404);
    // An item of another collection is not found here.
    r = c->Delete("/collections/initiatieven/items/" + id, auth(kAdminKey));
    REQUIRE(r);
    CHECK(r->status == 404);

    // DELETE: 204, gone, count back.
    r = c->Delete("/collections/organisaties/items/" + id, auth(kAdminKey));
    REQUIRE(r);
    CHECK(r->status == 204);
    r = c->Get("/collections/organisaties/items/" + id + "?f=json");
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(count_in(*c, buurt2, "organisaties") == before2);
    CHECK(count_in(*c, buurt1, "organisaties") == before1);
    CHECK(where.stored(id) == 0);

    // One more, with a client id, for the restart.
    json keep = kFirst;
    keep["id"] = "TEST-BLIJFT";
    r = c->Post("/collections/organisaties/items", auth(), keep.dump(), "application/geo+json");
    REQUIRE(r);
    REQUIRE(r->status == 201);
    CHECK(r->get_header_value("Location") ==
          s.url() + "/collections/organisaties/items/TEST-BLIJFT");
    CHECK(count_in(*c, buurt1, "organisaties") == before1 + 1);
  }
  {
    // Durability: a new server on the same store has the record, placed the same way.
    test::ServerProcess s(options(config, false));
    auto c = client(s);
    auto r = c->Get("/collections/organisaties/items/TEST-BLIJFT?f=json");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    check_private(r->body);
    CHECK(json::parse(r->body)["properties"]["buurtcode"] == buurt1);
    CHECK(count_in(*c, buurt1, "organisaties") == before1 + 1);
    CHECK(count_in(*c, buurt2, "organisaties") == before2);
  }
}

void malformed_bodies(test::StoreKind kind) {
  const test::TestStore where(kind, "writes_bad");
  test::ServerProcess s(options(store_config(where), true));
  auto c = client(s);
  const std::string items = "/collections/organisaties/items";

  auto with = [&](const std::function<void(json&)>& change) {
    json j = kFirst;
    change(j);
    return j.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "body"},
      {"{\"type\": \"Feature\", ", "body"},
      {"[1, 2, 3]", "body"},
      {"\"Feature\"", "body"},
      {with([](json& j) { j.erase("type"); }), "type"},
      {with([](json& j) { j["type"] = "FeatureCollection"; }), "type"},
      {with([](json& j) { j["properties"] = json::array(); }), "properties"},
      {with([](json& j) { j["properties"]["lat"] = "noord"; }), "properties.lat"},
      {with([](json& j) { j["properties"]["huisnummer"] = true; }), "properties.huisnummer"},
      {with([](json& j) { j["properties"]["naam"] = json::object(); }), "properties.naam"},
      {with([](json& j) { j["properties"]["lievelingskleur"] = "blauw"; }),
       "properties.lievelingskleur"},
      {with([](json& j) { j["properties"]["soort"] = "vereniging"; }), "properties.soort"},
      {with([](json& j) { j["id"] = json::array({1}); }), "id"},
      {with([](json& j) { j["id"] = "met spatie"; }), "id"},
      {with([](json& j) {
         j["geometry"] = {{"type", "LineString"}, {"coordinates", {{5, 53}}}};
       }),
       "geometry.type"},
      {with([](json& j) {
         j["geometry"] = {{"type", "Point"}, {"coordinates", {"5.8", 53.2}}};
       }),
       "geometry.coordinates"},
      {with([](json& j) {
         j["geometry"] = {{"type", "Point"}, {"coordinates", {500, 53.2}}};
       }),
       "geometry.coordinates"},
      {with([](json& j) { j["extra"] = 1; }), "extra"},
      {with([](json& j) {
         j["id"] = "A1";
         j["properties"]["id"] = "B2";
       }),
       "properties.id"},
  };
  for (const auto& [body, member] : cases) {
    INFO(body.substr(0, 200));
    auto r = c->Post(items, auth(), body, "application/geo+json");
    REQUIRE(r);
    CHECK(r->status == 400);
    const json j = json::parse(r->body);
    CHECK(j["code"] == "InvalidRequestBody");
    CHECK(j["parameter"] == member);
  }
  // PUT with a different id in the body.
  auto r = c->Put(items + "/ORG0001", auth(), with([](json& j) { j["id"] = "ORG0002"; }),
                  "application/geo+json");
  REQUIRE(r);
  CHECK(r->status == 400);

  // Nothing was written by the failures.
  r = c->Get(items + "?f=json&limit=1");
  REQUIRE(r);
  const int n = json::parse(r->body)["numberMatched"].get<int>();

  // Oversize: 413 JSON (server.max_request_bytes is 1 MiB).
  json big = kFirst;
  big["properties"]["omschrijving"] = std::string(1100000, 'x');
  r = c->Post(items, auth(), big.dump(), "application/geo+json");
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(json::parse(r->body)["code"] == "PayloadTooLarge");

  // A description over the schema's limit: 400 naming it.
  json long_text = kFirst;
  long_text["properties"]["omschrijving"] = std::string(6000, 'x');
  r = c->Post(items, auth(), long_text.dump(), "application/geo+json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(json::parse(r->body)["parameter"] == "properties.omschrijving");

  // A point of its own outside the gemeente, or one sent as [lat, lon]: 400 naming the
  // geometry, nothing stored.
  r = c->Post(items, auth(), with([](json& j) {
                j["geometry"] = {{"type", "Point"}, {"coordinates", {4.9, 52.37}}};
              }),
              "application/geo+json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(json::parse(r->body)["parameter"] == "geometry");
  r = c->Post(items, auth(), with([](json& j) {
                j["geometry"] = {{"type", "Point"}, {"coordinates", {53.2005, 5.7965}}};
              }),
              "application/geo+json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(json::parse(r->body)["parameter"] == "geometry");
  CHECK(json::parse(r->body)["description"].get<std::string>().find("[lon, lat]") !=
        std::string::npos);
  r = c->Get(items + "?f=json&limit=1");
  REQUIRE(r);
  CHECK(json::parse(r->body)["numberMatched"].get<int>() == n);
}

void nearby_after_writes(test::StoreKind kind) {
  const test::TestStore where(kind, "writes_nearby");
  test::ServerProcess s(options(store_config(where), true));
  auto c = client(s);
  json record = kSecond;
  record["id"] = "TEST-DICHTBIJ";
  record["properties"]["naam"] = "Buurtkamer Proef";
  auto r = c->Post("/collections/ontmoetingsplekken/items", auth(), record.dump(),
                   "application/geo+json");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  const json created = json::parse(r->body);
  const double lon = created["geometry"]["coordinates"][0].get<double>();
  const double lat = created["geometry"]["coordinates"][1].get<double>();
  const std::string at = "/nearby?collections=ontmoetingsplekken&limit=1&within=50&coords=" +
                         httplib::detail::encode_query_param("POINT(" + std::to_string(lon) + " " +
                                                             std::to_string(lat) + ")");
  r = c->Get(at);
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  json j = json::parse(r->body);
  REQUIRE(j["features"].size() == 1);
  CHECK(j["features"][0]["id"] == "TEST-DICHTBIJ");
  CHECK(j["features"][0]["properties"]["collection"] == "ontmoetingsplekken");
  CHECK(j["features"][0]["properties"]["afstand_m"].get<double>() < 1.0);
  check_private(r->body);
  // /locate names it as the nearest meeting place.
  r = c->Get("/locate?coords=" +
             httplib::detail::encode_query_param("POINT(" + std::to_string(lon) + " " +
                                                 std::to_string(lat) + ")"));
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(json::parse(r->body)["dichtstbijzijnde_ontmoetingsplek"]["id"] == "TEST-DICHTBIJ");

  // Deleted: gone from the next answer.
  r = c->Delete("/collections/ontmoetingsplekken/items/TEST-DICHTBIJ", auth(kAdminKey));
  REQUIRE(r);
  REQUIRE(r->status == 204);
  r = c->Get(at);
  REQUIRE(r);
  j = json::parse(r->body);
  for (const auto& f : j["features"]) CHECK(f["id"] != "TEST-DICHTBIJ");
}
}  // namespace

GEBIEDEN_STORE_TEST_CASE("store writes need a bearer token, none configured disables them",
                         "[store][http]", bearer_tokens)
GEBIEDEN_STORE_TEST_CASE("store writes: create, read, replace, delete, and they survive a restart",
                         "[store][http]", create_replace_delete_restart)
GEBIEDEN_STORE_TEST_CASE("store writes: malformed bodies are 400 naming the member, oversize 413",
                         "[store][http]", malformed_bodies)
GEBIEDEN_STORE_TEST_CASE(
    "store writes: a written record is found by the next /nearby, a deleted one not",
    "[store][http][nearby]", nearby_after_writes)

// Only a database can be shared: these run on PostGIS alone.

TEST_CASE("store writes: the database named by store.database_env overrides store.path",
          "[store][http][postgis]") {
  const test::TestStore where(test::StoreKind::PostGIS, "writes_env");
  // The configuration names only the GeoPackage; the database comes from the environment.
  test::TestStore file = where;
  file.kind = test::StoreKind::GeoPackage;
  json j = json::parse(std::ifstream(store_config(file)));
  j["store"]["database_env"] = "GEBIEDEN_TEST_STORE_DATABASE";
  const fs::path config = test::temp_path("env-config.json");
  test::write_file(config, j.dump(2));
  test::ServerOptions o = options(config.string(), true);
  o.env.emplace_back("GEBIEDEN_TEST_STORE_DATABASE", where.conninfo);
  test::ServerProcess s(o);
  auto c = client(s);
  where.check_made();
  CHECK(where.stored("ORG0001") == 1);
  json record = kFirst;
  record["id"] = "TEST-OMGEVING";
  auto r =
      c->Post("/collections/organisaties/items", auth(), record.dump(), "application/geo+json");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  CHECK(where.stored("TEST-OMGEVING") == 1);
  CHECK_FALSE(fs::exists(where.gpkg));
}

TEST_CASE(
    "store writes: two instances on one database serve each other's writes, and of two "
    "PATCHes with one If-Match exactly one succeeds",
    "[store][http][postgis]") {
  const test::TestStore where(test::StoreKind::PostGIS, "writes_two");
  const std::string config = store_config(where);
  test::ServerProcess a(options(config, true));
  test::ServerProcess b(options(config, true));  // the store is there already: not seeded again
  auto ca = client(a);
  auto cb = client(b);
  const std::string items = "/collections/organisaties/items";
  const std::int64_t before = count_in(*cb, kBuurt1, "organisaties");

  // Written through A, served by B within a few sync intervals (200 ms), counted there too.
  json record = kFirst;
  record["id"] = "TEST-TWEE";
  auto r = ca->Post(items, auth(), record.dump(), "application/geo+json");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  auto eventually = [](const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return done();
  };
  CHECK(eventually([&] {
    auto g = cb->Get(items + "/TEST-TWEE?f=json");
    return g && g->status == 200;
  }));
  CHECK(eventually([&] { return count_in(*cb, kBuurt1, "organisaties") == before + 1; }));

  // Rounds of two PATCHes of one record with the same (current) If-Match, one through each
  // instance at the same moment: one is written, the other gets 412, whatever the timing.
  const std::string path = items + "/TEST-TWEE";
  for (int round = 0; round < 8; ++round) {
    INFO("round " << round);
    auto g = ca->Get(path + "?f=json", auth());
    REQUIRE(g);
    REQUIRE(g->status == 200);
    const std::string etag = g->get_header_value("ETag");
    REQUIRE(etag.size() > 2);
    // The value instance i writes in this round: "A3", "B3".
    auto value = [round](int i) {
      std::string v(1, i == 0 ? 'A' : 'B');
      v += std::to_string(round);
      return v;
    };
    int status[2] = {0, 0};
    std::latch go(2);
    auto patch = [&](int i) {
      httplib::Client& c = i == 0 ? *ca : *cb;
      httplib::Headers h = auth();
      h.emplace("If-Match", etag);
      const std::string body = json{{"properties", {{"omschrijving", value(i)}}}}.dump();
      go.arrive_and_wait();
      auto res = c.Patch(path.c_str(), h, body, "application/merge-patch+json");
      status[i] = res ? res->status : -1;
    };
    std::thread t0(patch, 0), t1(patch, 1);
    t0.join();
    t1.join();
    std::vector<int> got = {status[0], status[1]};
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<int>{200, 412});
    // Both instances then serve the winner's value.
    const std::string winner = value(status[0] == 200 ? 0 : 1);
    for (httplib::Client* c : {ca.get(), cb.get()}) {
      CHECK(eventually([&] {
        auto v = c->Get(path + "?f=json");
        return v && v->status == 200 &&
               json::parse(v->body)["properties"]["omschrijving"] == winner;
      }));
    }
  }
}
