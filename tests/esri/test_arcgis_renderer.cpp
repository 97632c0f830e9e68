// Esri's own ArcGIS Maps SDK for JavaScript (@arcgis/core from npm, in Debian's headless
// Chromium) reads every layer of the FeatureServer and builds the renderer that styles/style.json
// (the one style definition) asks for: the gebieden in their 8 colours on `gebied`, the
// boundaries outlined, the social base as symbols per soort. What the SDK makes of drawingInfo
// is what the gemeente's ArcGIS viewer shows.

#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "server/process.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

/// The style definition's layer for a collection (or the "*" point layer).
const json* style_layer(const json& sheet, const std::string& collection, bool point) {
  for (const auto& l : sheet["layers"])
    if (l["collection"] == collection) return &l;
  if (point)
    for (const auto& l : sheet["layers"])
      if (l["collection"] == "*") return &l;
  return nullptr;
}
}  // namespace

TEST_CASE("@arcgis/core in Chromium reads the FeatureServer's renderers as the style says",
          "[esri][integration][browser]") {
  const fs::path dir = GEBIEDEN_ARCGIS_DIR;
  REQUIRE(fs::exists(dir / "bundle" / "arcgis-check.js"));
  REQUIRE(fs::exists("/usr/bin/chromium"));
  std::ifstream style_file(test::source_dir() + "/styles/style.json");
  const json sheet = json::parse(style_file);

  test::ServerProcess server;
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60);
  const std::string service = "/arcgis/rest/services/gebieden/FeatureServer";
  auto res = cli.Get((service + "?f=json").c_str());
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const json fs_json = json::parse(res->body);
  std::string ids;
  std::map<std::string, json> served;  // layer id -> the layer's JSON as we serve it
  for (const auto& l : fs_json["layers"]) {
    const std::string id = std::to_string(l["id"].get<int>());
    ids += (ids.empty() ? "" : ",") + id;
    auto lr = cli.Get((service + "/" + id + "?f=json").c_str());
    REQUIRE(lr);
    REQUIRE(lr->status == 200);
    served[id] = json::parse(lr->body);
  }
  REQUIRE(served.size() >= 4);
  // A layer's name is its collection's title: the collection ids from the OGC front.
  std::map<std::string, std::string> collection_of_title;
  auto cr = cli.Get("/collections?f=json");
  REQUIRE(cr);
  INFO(cr->body.substr(0, 400));
  REQUIRE(cr->status == 200);
  const json collections = json::parse(cr->body);
  for (const auto& c : collections["collections"])
    collection_of_title[c.value("title", c["id"].get<std::string>())] = c["id"];

  const fs::path out = fs::path(GEBIEDEN_BUILD_DIR) / "screenshots" / "arcgis-renderers.json";
  fs::create_directories(out.parent_path());
  std::string log;
  const int rc = test::run_command("node '" + (dir / "check.mjs").string() + "' '" +
                                       (dir / "bundle").string() + "' '" + server.url() + service +
                                       "' '" + ids + "' '" + out.string() + "' 2>&1",
                                   log);
  INFO(log);
  REQUIRE(rc == 0);
  std::ifstream in(out);
  const json got = json::parse(in);
  CHECK(got["problems"].empty());

  int checked_polygons = 0, checked_points = 0;
  for (const auto& [id, layer] : served) {
    const std::string name = layer["name"];
    INFO("layer " << id << " (" << name << "): " << got["layers"][id].dump());
    const json& sdk = got["layers"][id];
    REQUIRE_FALSE(sdk.contains("error"));
    const bool point = layer["geometryType"] == "esriGeometryPoint";
    REQUIRE(collection_of_title.count(name));
    const std::string collection = collection_of_title[name];
    const json* st = style_layer(sheet, collection, point);
    if (!st) continue;
    if (st->contains("classes")) {
      // A class per value of the style's field, in the style's colours.
      CHECK(sdk["rendererType"] == "unique-value");
      CHECK(sdk["field"] == (*st)["field"]);
      std::map<std::string, std::string> want;
      for (const auto& c : (*st)["classes"]) want[c["value"]] = upper(c["color"]);
      std::map<std::string, std::string> have;
      for (const auto& c : sdk["classes"]) have[c["value"]] = c["color"];
      CHECK(have == want);
      CHECK(sdk["defaultColor"] == upper((*st)["other"]["color"]));
      if (point) {
        ++checked_points;
        // Each soort as the symbol the style gives it: a circle, square or triangle marker.
        std::map<std::string, std::string> shape;
        for (const auto& c : (*st)["classes"]) shape[c["value"]] = c.value("shape", "circle");
        for (const auto& c : sdk["classes"]) {
          CHECK(c["symbolType"] == "simple-marker");
          CHECK(c["style"] == shape[c["value"]]);
        }
      } else {
        ++checked_polygons;
      }
    } else {
      // One symbol: the outline in the style's colour.
      CHECK(sdk["rendererType"] == "simple");
      CHECK(sdk["symbolType"] == "simple-fill");
      CHECK(sdk["defaultColor"] == upper((*st)["outline"]["color"]));
      ++checked_polygons;
    }
    if (st->contains("label")) {
      REQUIRE(sdk["labels"].is_array());
      REQUIRE_FALSE(sdk["labels"].empty());
      CHECK(sdk["labels"][0].get<std::string>().find((*st)["label"]["field"].get<std::string>()) !=
            std::string::npos);
    }
  }
  CHECK(checked_polygons >= 3);  // gebieden, wijken, buurten (and the gemeente)
  CHECK(checked_points >= 1);
}
