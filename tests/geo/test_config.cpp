#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "geo/config.hpp"
#include "test_paths.hpp"
#include "util/error.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {
json minimal() {
  return json::parse(R"({
    "boundaries": {"buurten": {"sources": ["b.geojson"]}},
    "scheme": {"gebieden": [{"id": "a", "name": "A", "wijken": ["WK000101"]}]}
  })");
}

/// The member named by the config_error that parsing `j` throws.
std::string failing_member(const json& j) {
  try {
    geo::parse_config(j, "/tmp/x/config.json");
  } catch (const config_error& e) {
    return e.member();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("the default configuration loads", "[config][unit]") {
  const geo::Config c = geo::load_config(test::default_config());
  CHECK(c.gemeentecode == "GM0080");
  CHECK(c.scheme.gebieden.size() == 8);
  CHECK(c.buurten.sources.size() == 2);
  CHECK(c.server.max_limit >= c.server.default_limit);
  CHECK_FALSE(c.scheme.status.empty());
}

TEST_CASE("a malformed configuration names the member", "[config][unit]") {
  CHECK(failing_member(minimal()) == "(no error)");

  json j = minimal();
  j["server"] = {{"port", "8080"}};
  CHECK(failing_member(j) == "server.port");

  j = minimal();
  j["server"] = {{"port", 70000}};
  CHECK(failing_member(j) == "server.port");

  j = minimal();
  j["server"] = {{"threads", 2.5}};
  CHECK(failing_member(j) == "server.threads");

  j = minimal();
  j["server"] = {{"prot", 1}};
  CHECK(failing_member(j) == "server.prot");

  j = minimal();
  j["boundaries"]["buurten"]["sources"] = json::array();
  CHECK(failing_member(j) == "boundaries.buurten.sources");

  j = minimal();
  j["boundaries"]["buurten"]["sources"] = json::array({"a", 3});
  CHECK(failing_member(j) == "boundaries.buurten.sources[1]");

  j = minimal();
  j["boundaries"].erase("buurten");
  CHECK(failing_member(j) == "boundaries.buurten");

  j = minimal();
  j["scheme"]["gebieden"][0].erase("id");
  CHECK(failing_member(j) == "scheme.gebieden[0].id");

  j = minimal();
  j["scheme"]["gebieden"].push_back(j["scheme"]["gebieden"][0]);
  CHECK(failing_member(j) == "scheme.gebieden[1].id");

  j = minimal();
  j["scheme"]["gebieden"][0]["team"] = {{"email", 12}};
  CHECK(failing_member(j) == "scheme.gebieden[0].team.email");

  j = minimal();
  j["check"] = {{"overlap_tolerance_m2", "big"}};
  CHECK(failing_member(j) == "check.overlap_tolerance_m2");

  j = minimal();
  j["server"] = {{"default_limit", 500}, {"max_limit", 100}};
  CHECK(failing_member(j) == "server.default_limit");

  CHECK(failing_member(json::array()) == "");
}

TEST_CASE("missing or broken configuration files are config errors", "[config][unit]") {
  CHECK_THROWS_AS(geo::load_config("/nonexistent/gebieden.json"), config_error);
  // Found by fuzzing (tests/fuzz, fuzz_config): a number beyond a double is valid JSON text
  // that nlohmann refuses with out_of_range, not parse_error, and that escaped as is.
  const auto f = test::temp_path("huge-number.json");
  test::write_file(f, R"({"server": {"port": 1e999}})");
  CHECK_THROWS_AS(geo::load_config(f), config_error);
  test::write_file(f, "{\"server\": ");
  CHECK_THROWS_AS(geo::load_config(f), config_error);
}

TEST_CASE("sources resolve relative to the configuration file", "[config][unit]") {
  geo::Config c;
  c.file = "/srv/gebieden/data/leeuwarden.json";
  CHECK(c.resolve("import/buurten.gpkg") == "/srv/gebieden/data/import/buurten.gpkg");
  CHECK(c.resolve("../../shared/data/x.geojson") == "/srv/shared/data/x.geojson");
  CHECK(c.resolve("/abs/x.gpkg") == "/abs/x.gpkg");
  CHECK(c.resolve("OAPIF:https://example.org/ogc") == "OAPIF:https://example.org/ogc");
  CHECK(c.resolve("https://example.org/x.geojson") == "https://example.org/x.geojson");
}

TEST_CASE("the store's GeoPackage and write token variable", "[config][unit]") {
  const geo::Config d = geo::load_config(test::default_config());
  CHECK(d.store.path == "var/store.gpkg");
  CHECK(d.store.write_token_env == "GEBIEDEN_WRITE_TOKEN");
  CHECK(d.resolve(d.store.path) == test::source_dir() + "/data/var/store.gpkg");

  json j = minimal();
  j["store"] = {{"source", {{"sources", {"s.csv"}}}},
                {"collections", json::array()},
                {"path", "/srv/gebieden/store.gpkg"},
                {"write_token_env", "MY_TOKENS"}};
  const geo::Config c = geo::parse_config(j, "/tmp/x/config.json");
  CHECK(c.store.path == "/srv/gebieden/store.gpkg");
  CHECK(c.store.write_token_env == "MY_TOKENS");

  j["store"]["path"] = 3;
  CHECK(failing_member(j) == "store.path");
  j["store"]["path"] = "";
  CHECK(failing_member(j) == "store.path");
  j["store"]["path"] = "s.gpkg";
  j["store"]["write_token_env"] = json::array();
  CHECK(failing_member(j) == "store.write_token_env");
}

TEST_CASE("assets: styles and web folders, relative to the configuration file", "[config][unit]") {
  json j = minimal();
  geo::Config c = geo::parse_config(j, "/srv/gebieden/share/data/config.json");
  CHECK(c.assets.styles == "/srv/gebieden/share/styles");
  CHECK_FALSE(c.assets.styles_given);
  CHECK(c.assets.web.empty());  // the server finds the default

  j["assets"] = {{"styles", "stijlen"}, {"web", "/opt/leaflet/dist"}};
  c = geo::parse_config(j, "/srv/gebieden/share/data/config.json");
  CHECK(c.assets.styles == "/srv/gebieden/share/data/stijlen");
  CHECK(c.assets.styles_given);
  CHECK(c.assets.web == "/opt/leaflet/dist");

  j["assets"] = {{"styles", 3}};
  CHECK(failing_member(j) == "assets.styles");
  j["assets"] = {{"styles", ""}};
  CHECK(failing_member(j) == "assets.styles");
  j["assets"] = {{"web", false}};
  CHECK(failing_member(j) == "assets.web");
  j["assets"] = {{"stiles", "x"}};
  CHECK(failing_member(j) == "assets.stiles");
  j["assets"] = "styles";
  CHECK(failing_member(j) == "assets");
}
