// In-process tests of the map app's routes (server/map_api.*): the files and their media types,
// no way out of the two folders, the manifest's members, config.json and map.basemap.

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "geo/config.hpp"
#include "server/http_manners.hpp"
#include "server/in_process.hpp"
#include "server/map_api.hpp"
#include "server/service.hpp"
#include "test_config_copy.hpp"
#include "util/error.hpp"

using namespace gebieden;
using nlohmann::json;
using test::get;

namespace {
std::string header(const server::Response& r, const std::string& name) {
  const std::string* v = server::find_header(r, name);
  return v ? *v : std::string();
}

/// The 404 of the error registry, as JSON naming the path.
void check_not_found(const std::string& path,
                     std::vector<std::pair<std::string, std::string>> query = {}) {
  INFO(path);
  const auto r = get(path, std::move(query));
  CHECK(r.status == 404);
  CHECK(r.content_type == "application/json");
  const json j = json::parse(r.body, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["code"] == "NotFound");
  CHECK(j["parameter"] == "path");
}

std::uint32_t png_size(const std::string& body, int at) {
  REQUIRE(body.size() > 24);
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(body[at + i]);
  return v;
}
}  // namespace

TEST_CASE("map app: /map leads to /map/, the page and its files with their media types",
          "[map][unit]") {
  auto r = get("/map");
  CHECK(r.status == 301);
  CHECK(header(r, "Location") == "map/");  // relative: right behind a proxy's prefix too

  r = get("/map/");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "text/html; charset=utf-8");
  CHECK(r.body.find("<html lang=\"nl\">") != std::string::npos);
  CHECK(r.body.find("rel=\"manifest\" href=\"manifest.webmanifest\"") != std::string::npos);
  CHECK(r.body.find("lib/maplibre-gl.css") != std::string::npos);
  // No CDN: every script and stylesheet of the page is ours (a relative URL).
  CHECK(r.body.find("https://") == std::string::npos);
  CHECK(r.body.find("//unpkg") == std::string::npos);
  CHECK(header(r, "Cache-Control") == "public, no-cache");

  const struct {
    const char* path;
    const char* type;
  } files[] = {
      {"/map/index.html", "text/html; charset=utf-8"},
      {"/map/app.js", "application/javascript; charset=utf-8"},
      {"/map/sw.js", "application/javascript; charset=utf-8"},
      {"/map/app.css", "text/css; charset=utf-8"},
      {"/map/manifest.webmanifest", "application/manifest+json"},
      {"/map/icon-192.png", "image/png"},
      {"/map/icon-512.png", "image/png"},
      {"/map/icon.svg", "image/svg+xml"},
      {"/map/lib/maplibre-gl.mjs", "application/javascript; charset=utf-8"},
      {"/map/lib/maplibre-gl-worker.mjs", "application/javascript; charset=utf-8"},
      {"/map/lib/maplibre-gl.css", "text/css; charset=utf-8"},
  };
  for (const auto& f : files) {
    INFO(f.path);
    r = get(f.path);
    CHECK(r.status == 200);
    CHECK(r.content_type == f.type);
    CHECK(!r.body.empty());
    CHECK(!header(r, "Cache-Control").empty());
    CHECK(!header(r, "ETag").empty());
  }
  // MapLibre asks for its worker with ?v=<version>; the library is kept for a day.
  r = get("/map/lib/maplibre-gl-worker.mjs", {{"v", "6"}});
  CHECK(r.status == 200);
  CHECK(header(r, "Cache-Control") == "public, max-age=86400");
  CHECK(get("/map/app.js", {{"v", "6"}}).status == 400);
  // Our own files, read as they are in web/map.
  const server::MapDirs dirs = server::MapDirs::find();
  CHECK(std::filesystem::exists(std::filesystem::path(dirs.app) / "sw.js"));
  CHECK(std::filesystem::exists(std::filesystem::path(dirs.lib) / "maplibre-gl.mjs"));
}

TEST_CASE("map app: only plain file names of the two folders, 404 JSON otherwise", "[map][unit]") {
  for (const char* p :
       {"/map/..%2Fservice.cpp", "/map/%2E%2E", "/map/..", "/map/.hidden.js",
        "/map/lib/..%2Fapp.js", "/map/lib/..%2F..%2Fleaflet%2Fdist%2Fleaflet.js",
        "/map/lib/package.json", "/map/lib/index.html", "/map/make_icons.py", "/map/nothing.js",
        "/map/a/b/c", "/map/lib/sub/maplibre-gl.mjs", "/map/%2Fetc%2Fpasswd", "/map/app.js%00.png",
        "/map/icon-192.png%2F..%2F..%2Fsecret"})
    check_not_found(p);
  // Only reading.
  server::Request post;
  post.method = "POST";
  post.path = "/map/app.js";
  post.headers["host"] = "gebieden.test";
  CHECK(test::default_service().handle(post).status == 405);
}

TEST_CASE("map app: the manifest makes it installable", "[map][unit]") {
  const auto r = get("/map/manifest.webmanifest");
  REQUIRE(r.status == 200);
  const json m = json::parse(r.body);
  CHECK(m["lang"] == "nl");
  CHECK(m["display"] == "standalone");
  CHECK(!m["name"].get<std::string>().empty());
  CHECK(!m["short_name"].get<std::string>().empty());
  CHECK(m["start_url"] == "./");  // /map/: inside the service worker's scope
  CHECK(m["scope"] == "./");
  bool has192 = false, has512 = false;
  for (const auto& icon : m["icons"]) {
    const std::string src = icon["src"];
    INFO(src);
    const auto f = get("/map/" + src);
    REQUIRE(f.status == 200);
    CHECK(f.content_type == icon["type"]);
    if (icon["type"] != "image/png") continue;
    // The PNG's own width and height (IHDR) are the sizes the manifest says.
    CHECK(f.body.compare(1, 3, "PNG") == 0);
    const std::string size =
        std::to_string(png_size(f.body, 16)) + "x" + std::to_string(png_size(f.body, 20));
    CHECK(icon["sizes"] == size);
    has192 = has192 || size == "192x192";
    has512 = has512 || size == "512x512";
  }
  CHECK(has192);
  CHECK(has512);
}

TEST_CASE("map app: config.json names our style and the base map of map.basemap", "[map][unit]") {
  auto r = get("/map/config.json");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  json c = json::parse(r.body);
  CHECK(c["style"] == "http://gebieden.test/styles/sociale-basis?f=mapbox");
  CHECK(c["basemap"].is_null());  // the default: none
  CHECK(c["gemeente"]["naam"] == "Leeuwarden");
  REQUIRE(c["bbox"].size() == 4);
  CHECK(c["bbox"][0].get<double>() < c["bbox"][2].get<double>());
  CHECK(c["bbox"][1].get<double>() < c["bbox"][3].get<double>());
  CHECK(c["geocoder"] == true);
  CHECK(c["submissions"] == true);
  CHECK(c["categorieen"].size() > 0);  // the schema's (data/schema.json), the form's choices
  CHECK(get("/map/config.json", {{"f", "json"}}).status == 400);

  // The production base map (docs/map-app.md): PDOK's BRT-Achtergrondkaart.
  json j = test::relocated_default_config();
  const std::string pdok =
      "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png";
  j["map"] = {
      {"basemap", {{"url", pdok}, {"attribution", "Kaartgegevens © Kadaster"}, {"max_zoom", 19}}}};
  server::ServiceState state;
  state.config = geo::parse_config(j, test::default_config());
  server::Request req;
  req.method = "GET";
  req.path = "/map/config.json";
  req.headers["host"] = "gebieden.test";
  r = server::MapApi(state).route(req, {"map", "config.json"});
  REQUIRE(r.status == 200);
  c = json::parse(r.body);
  CHECK(c["basemap"]["url"] == pdok);
  CHECK(c["basemap"]["type"] == "raster");
  CHECK(c["basemap"]["tileSize"] == 256);
  CHECK(c["basemap"]["maxzoom"] == 19);
  CHECK(c["basemap"]["attribution"] == "Kaartgegevens © Kadaster");
  CHECK(c["style"].is_null());  // this state has no style sheet
}

TEST_CASE("map.basemap: parsed and checked, a config_error naming the member",
          "[map][config][unit]") {
  auto error_of = [](const json& map) -> std::string {
    json j = test::relocated_default_config();
    j["map"] = map;
    try {
      geo::parse_config(j, test::default_config());
    } catch (const config_error& e) {
      return e.member();
    }
    return "";
  };
  const std::string pdok =
      "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png";
  CHECK(error_of(json::object()).empty());
  CHECK(error_of({{"basemap", nullptr}}).empty());
  CHECK(error_of({{"basemap", {{"url", pdok}, {"attribution", "Kadaster"}}}}).empty());
  CHECK(error_of({{"basemap", {{"url", ""}}}}).empty());  // none
  CHECK(error_of({{"basemap", {{"url", pdok}}}}) == "map.basemap.attribution");
  CHECK(error_of(
            {{"basemap", {{"url", "https://tiles.example/{z}/{x}.png"}, {"attribution", "x"}}}}) ==
        "map.basemap.url");
  CHECK(error_of({{"basemap", {{"url", "ftp://a/{z}/{x}/{y}"}, {"attribution", "x"}}}}) ==
        "map.basemap.url");
  CHECK(error_of(
            {{"basemap", {{"url", "https://a/{z}/{x}/{y}\" onload=\""}, {"attribution", "x"}}}}) ==
        "map.basemap.url");
  CHECK(error_of({{"basemap", {{"url", pdok}, {"attribution", "x"}, {"type", "wms"}}}}) ==
        "map.basemap.type");
  CHECK(error_of({{"basemap", {{"url", pdok}, {"attribution", "x"}, {"tile_size", 300}}}}) ==
        "map.basemap.tile_size");
  CHECK(error_of({{"basemap", {{"url", pdok}, {"attribution", "x"}, {"max_zoom", 30}}}}) ==
        "map.basemap.max_zoom");
  CHECK(error_of({{"basemap", {{"url", pdok}, {"attribution", "x"}, {"colour", "x"}}}}) ==
        "map.basemap.colour");
  CHECK(error_of({{"basemap", "none"}}) == "map.basemap");
  CHECK(error_of({{"tiles", 1}}) == "map.tiles");
  CHECK(error_of(json::array()) == "map");
  // Default: none.
  CHECK(geo::parse_config(test::relocated_default_config(), test::default_config())
            .map.basemap.url.empty());
}
