// The map styles against the real server with real clients: the MapLibre style passes
// MapLibre's own validator (gl-style-validate of @maplibre/maplibre-gl-style-spec, from npm),
// every source it names answers GeoJSON, and the SLD is well-formed XML for QGIS.

#include <cpl_minixml.h>
#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "process.hpp"
#include "test_paths.hpp"

using namespace gebieden;

using nlohmann::json;
namespace fs = std::filesystem;

namespace {
std::string local(const std::string& href) {
  const auto p = href.find("://");
  REQUIRE(p != std::string::npos);
  const auto slash = href.find('/', p + 3);
  return slash == std::string::npos ? "/" : href.substr(slash);
}
}  // namespace

TEST_CASE("styles over HTTP: gl-style-validate accepts the MapLibre styles, the sources answer",
          "[styles][integration]") {
  test::ServerProcess server;
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60);
  const std::string validator = std::string(GEBIEDEN_WEB_DIR) +
                                "/node_modules/@maplibre/maplibre-gl-style-spec/dist/"
                                "gl-style-validate.mjs";
  REQUIRE(fs::exists(validator));
  const fs::path dir = test::temp_path("styles");
  fs::create_directories(dir);

  auto validate = [&](const std::string& path, const std::string& name) {
    auto res = cli.Get(path.c_str());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const fs::path file = dir / (name + ".json");
    std::ofstream(file) << res->body;
    std::string out;
    const int rc = test::run_command("node '" + validator + "' '" + file.string() + "'", out);
    INFO(path << ": " << out);
    CHECK(rc == 0);
    CHECK(out.find("rror") == std::string::npos);
    return json::parse(res->body);
  };
  const json style = validate("/styles/sociale-basis?f=mapbox", "sociale-basis");
  validate("/collections/buurten/styles/default?f=mapbox", "buurten");
  validate("/collections/activiteiten/styles/default", "activiteiten");

  // The validator can fail: a style with an unknown layer type does not pass.
  json broken = style;
  broken["layers"][1]["type"] = "polygon";
  std::ofstream(dir / "broken.json") << broken.dump();
  std::string out;
  CHECK(test::run_command("node '" + validator + "' '" + (dir / "broken.json").string() + "'",
                          out) != 0);

  // Every source is our own GeoJSON, complete (numberMatched = numberReturned).
  REQUIRE(style["sources"].size() >= 10);
  for (const auto& [id, src] : style["sources"].items()) {
    INFO(id);
    const std::string url = src["data"];
    CHECK(url.rfind(server.url(), 0) == 0);
    auto res = cli.Get(local(url).c_str());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const json fc = json::parse(res->body);
    CHECK(fc["type"] == "FeatureCollection");
    CHECK(fc["numberReturned"] == fc["numberMatched"]);
  }

  // SLD 1.0 for every collection, well-formed, named after it.
  for (const char* id : {"gebieden", "wijken", "buurten", "gemeente", "ontmoetingsplekken"}) {
    INFO(id);
    auto res = cli.Get((std::string("/collections/") + id + "/styles/default?f=sld10").c_str());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/vnd.ogc.sld+xml;version=1.0");
    std::unique_ptr<CPLXMLNode, void (*)(CPLXMLNode*)> doc(CPLParseXMLString(res->body.c_str()),
                                                           CPLDestroyXMLNode);
    REQUIRE(doc);
    CHECK(std::string(CPLGetXMLValue(doc.get(), "=StyledLayerDescriptor.NamedLayer.Name", "")) ==
          id);
  }
}
