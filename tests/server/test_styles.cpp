// In-process tests of the map styles over HTTP (/styles, /collections/{id}/styles): the same
// definition behind the FeatureServer's drawingInfo, the SLD and the MapLibre style; errors.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "server/in_process.hpp"
#include "server/service.hpp"

using namespace gebieden;
using nlohmann::json;
using test::get;

TEST_CASE("styles: the list, the MapLibre style of the whole map and its metadata",
          "[styles][unit]") {
  auto r = get("/styles");
  REQUIRE(r.status == 200);
  const json list = json::parse(r.body);
  CHECK(list["default"] == "sociale-basis");
  REQUIRE(list["styles"].size() == 1);
  bool stylesheet = false;
  for (const auto& l : list["styles"][0]["links"])
    if (l["rel"] == "stylesheet" && l["type"] == "application/vnd.mapbox.style+json") {
      stylesheet = true;
      CHECK(l["href"] == "http://gebieden.test/styles/sociale-basis?f=mapbox");
    }
  CHECK(stylesheet);

  r = get("/styles/sociale-basis");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/vnd.mapbox.style+json");
  const json style = json::parse(r.body);
  CHECK(style["version"] == 8);
  // Every collection of the catalogue is a source: the boundaries and every soort.
  for (const char* id :
       {"gebieden", "wijken", "buurten", "gemeente", "organisaties", "initiatieven", "activiteiten",
        "vrijwilligerswerk", "ontmoetingsplekken", "ondersteuning"}) {
    INFO(id);
    REQUIRE(style["sources"].contains(id));
    CHECK(style["sources"][id]["data"].get<std::string>().rfind(
              std::string("http://gebieden.test/collections/") + id + "/items?f=json&limit=", 0) ==
          0);
  }
  std::set<std::string> ids;
  for (const auto& l : style["layers"]) ids.insert(l["id"].get<std::string>());
  for (const char* id : {"background", "gebieden-fill", "gebieden-line", "buurten-line",
                         "buurten-label", "gemeente-line", "initiatieven-point"})
    CHECK(ids.count(id));
  CHECK_FALSE(ids.count("gemeente-fill"));  // the gemeente is drawn as its outline only

  r = get("/styles/sociale-basis/metadata");
  REQUIRE(r.status == 200);
  const json meta = json::parse(r.body);
  CHECK(meta["id"] == "sociale-basis");
  CHECK(meta["layers"].size() == style["sources"].size());
}

TEST_CASE("styles: per collection as MapLibre, SLD and the FeatureServer's own drawingInfo",
          "[styles][unit]") {
  // The collection says where its styles are.
  auto r = get("/collections/buurten");
  REQUIRE(r.status == 200);
  const json c = json::parse(r.body);
  CHECK(c["defaultStyle"] == "default");
  REQUIRE(c["styles"].size() == 1);
  bool styles_link = false;
  for (const auto& l : c["links"]) styles_link |= l["rel"] == "styles";
  CHECK(styles_link);
  const json all = json::parse(get("/collections").body);
  for (const auto& col : all["collections"]) {
    INFO(col["id"]);
    CHECK(col["defaultStyle"] == "default");
  }

  r = get("/collections/buurten/styles/default", {{"f", "sld10"}});
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/vnd.ogc.sld+xml;version=1.0");
  CHECK(r.body.find("<NamedLayer><Name>buurten</Name>") != std::string::npos);
  CHECK(r.body.find("<ogc:PropertyName>buurtnaam</ogc:PropertyName>") != std::string::npos);

  // f=esri is what the FeatureServer layer carries, for every layer.
  const json layers =
      json::parse(get("/arcgis/rest/services/gebieden/FeatureServer/layers", {{"f", "json"}}).body);
  int compared = 0;
  for (const auto& l : layers["layers"]) {
    const std::string id = l["name"].get<std::string>();
    std::string cid;
    for (const auto& col : all["collections"])
      if (col["title"] == id || col["id"] == id) cid = col["id"];
    if (cid.empty()) continue;
    INFO(cid);
    auto e = get("/collections/" + cid + "/styles/default", {{"f", "esri"}});
    REQUIRE(e.status == 200);
    CHECK(json::parse(e.body) == l["drawingInfo"]);
    ++compared;
  }
  CHECK(compared >= 10);

  r = get("/collections/ondersteuning/styles/default");
  REQUIRE(r.status == 200);
  const json one = json::parse(r.body);
  CHECK(one["sources"].size() == 1);
  CHECK(one["sources"].contains("ondersteuning"));
}

TEST_CASE("styles: unknown styles and formats are 4xx naming what is wrong", "[styles][unit]") {
  auto r = get("/styles/nope");
  CHECK(r.status == 404);
  CHECK(json::parse(r.body).dump().find("nope") != std::string::npos);
  r = get("/styles/sociale-basis", {{"f", "sld10"}});
  CHECK(r.status == 400);
  CHECK(json::parse(r.body).dump().find("\"f\"") != std::string::npos);
  r = get("/collections/buurten/styles/other");
  CHECK(r.status == 404);
  r = get("/collections/nope/styles");
  CHECK(r.status == 404);
  r = get("/collections/buurten/styles/default", {{"f", "qml"}});
  CHECK(r.status == 400);
  r = get("/styles", {{"color", "red"}});
  CHECK(r.status == 400);
  r = get("/styles/sociale-basis/metadata/x");
  CHECK(r.status == 404);
}

namespace {
/// The value of a response header (empty when absent).
std::string header_of(const server::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        }))
      return v;
  return "";
}

/// The names of the font stacks the MapLibre style's text layers ask for.
std::set<std::string> text_fonts(const json& style) {
  std::set<std::string> out;
  for (const auto& l : style["layers"])
    if (l.contains("layout") && l["layout"].contains("text-font")) {
      std::string stack;
      for (const auto& f : l["layout"]["text-font"])
        stack += (stack.empty() ? "" : ",") + f.get<std::string>();
      out.insert(stack);
    }
  return out;
}
}  // namespace

TEST_CASE("styles: the glyphs the MapLibre style names are served, cached and tagged",
          "[styles][glyphs][unit]") {
  const json style = json::parse(get("/styles/sociale-basis").body);
  const std::string glyphs = style["glyphs"];
  const std::string prefix = "http://gebieden.test";
  REQUIRE(glyphs.rfind(prefix, 0) == 0);
  const std::set<std::string> stacks = text_fonts(style);
  REQUIRE_FALSE(stacks.empty());
  for (const std::string& stack : stacks) {
    INFO(stack);
    for (const char* range : {"0-255", "256-511"}) {
      std::string path = glyphs.substr(prefix.size());
      path.replace(path.find("{fontstack}"), 11, stack);
      path.replace(path.find("{range}"), 7, range);
      auto r = get(path);
      REQUIRE(r.status == 200);
      CHECK(r.content_type == "application/x-protobuf");
      CHECK(r.body.size() > 1000);
      CHECK(header_of(r, "Cache-Control").find("max-age=") != std::string::npos);
      const std::string etag = header_of(r, "ETag");
      CHECK_FALSE(etag.empty());
      // The stack name and the range are in the protobuf as they were asked for.
      CHECK(r.body.find(stack) != std::string::npos);
      CHECK(r.body.find(range) != std::string::npos);
      // Again: the same bytes and tag (from the cache); with If-None-Match: 304.
      const auto again = get(path);
      CHECK(again.body == r.body);
      CHECK(header_of(again, "ETag") == etag);
      server::Request req;
      req.method = "GET";
      req.path = path;
      req.headers["host"] = "gebieden.test";
      req.headers["if-none-match"] = etag;
      const auto cond = test::default_service().handle(req);
      CHECK(cond.status == 304);
      CHECK(cond.body.empty());
    }
  }
  // An unknown stack: the default font, never an error.
  auto r = get("/styles/fonts/Comic Nonexistent Bold/0-255.pbf");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/x-protobuf");
}

TEST_CASE("styles: glyph errors: a bad range is 400 naming range, a bad path 404",
          "[styles][glyphs][unit]") {
  for (const char* range : {"0-256", "1-256", "65536-65791", "x-y", "0--255", "-"}) {
    INFO(range);
    auto r = get(std::string("/styles/fonts/Noto Sans Regular/") + range + ".pbf");
    CHECK(r.status == 400);
    REQUIRE(r.content_type == "application/json");
    CHECK(json::parse(r.body)["parameter"] == "range");
  }
  for (const char* path :
       {"/styles/fonts/Noto Sans Regular/0-255", "/styles/fonts/Noto Sans Regular/0-255.json",
        "/styles/fonts/Noto Sans Regular", "/styles/fonts", "/styles/fonts/a/b/0-255.pbf",
        "/styles/fonts/Noto Sans Regular/.pbf"}) {
    INFO(path);
    const auto r = get(path);
    CHECK(r.status == 404);
    CHECK(r.content_type == "application/json");
  }
  auto r = get("/styles/fonts/Noto Sans Regular/0-255.pbf", {{"x", "1"}});
  CHECK(r.status == 400);
  server::Request post;
  post.method = "POST";
  post.path = "/styles/fonts/Noto Sans Regular/0-255.pbf";
  post.headers["host"] = "gebieden.test";
  CHECK(test::default_service().handle(post).status == 405);
}
