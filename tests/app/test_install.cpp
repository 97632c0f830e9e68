// `cmake --install` into a temporary DESTDIR, the tree moved elsewhere, and the moved binary
// serving the installed styles and web assets (nothing from the source or build tree).
#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "server/process.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}
void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}
/// Every relative entry of a `sources` list made absolute against `folder` (the installed
/// configuration's data sources are relative to the repository's data/, like the original).
void absolute_sources(json& j, const fs::path& folder) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "sources" && it.value().is_array()) {
        for (auto& s : it.value())
          if (s.is_string() && fs::path(s.get<std::string>()).is_relative())
            s = (folder / s.get<std::string>()).lexically_normal().string();
      } else {
        absolute_sources(it.value(), folder);
      }
    }
  } else if (j.is_array()) {
    for (auto& v : j) absolute_sources(v, folder);
  }
}
}  // namespace

TEST_CASE("an installed tree, moved, serves its own styles and web assets",
          "[install][integration]") {
  const fs::path root = test::temp_path("install");
  const fs::path stage = root / "stage";
  std::string out;
  const int rc =
      test::run_command("DESTDIR=" + stage.string() +
                            " " GEBIEDEN_CMAKE " --install " GEBIEDEN_BUILD_DIR " --prefix /usr",
                        out);
  INFO(out);
  REQUIRE(rc == 0);
  REQUIRE(fs::exists(stage / "usr/bin/gebieden"));
  for (const char* f :
       {"styles/style.json", "web/leaflet.js", "web/leaflet.css", "web/images/marker-icon.png",
        "data/leeuwarden.json", "data/gebieden.json"}) {
    INFO(f);
    CHECK(fs::exists(stage / "usr/share/gebieden" / f));
  }

  // Moved as a whole: nothing may depend on the prefix it was installed for.
  const fs::path moved = root / "elsewhere" / "gebieden-0";
  fs::create_directories(moved.parent_path());
  fs::rename(stage / "usr", moved);
  const fs::path share = moved / "share/gebieden";

  // Marks that only the installed copies carry.
  json style = read_json(share / "styles/style.json");
  bool marked = false;
  for (auto& layer : style["layers"])
    if (layer["collection"] == "gemeente") {
      layer["outline"]["color"] = "#123456";  // the installed definition's own colour
      marked = true;
    }
  REQUIRE(marked);
  write_file(share / "styles/style.json", style.dump());
  write_file(share / "web/installed-marker.js", "// installed web asset\n");

  // The installed configuration, its data sources pointed at the repository's shared data; the
  // styles stay the default (../styles relative to it) and the web assets beside the binary.
  json config = read_json(share / "data/leeuwarden.json");
  absolute_sources(config, fs::path(test::source_dir()) / "data");
  config["store"]["path"] = (root / "store.gpkg").string();
  if (config.contains("assets")) config["assets"].erase("web");
  write_file(share / "data/installed.json", config.dump(2));

  test::ServerOptions options;
  options.config = (share / "data/installed.json").string();
  options.binary = (moved / "bin/gebieden").string();
  test::ServerProcess server(options);
  httplib::Client cli("127.0.0.1", server.port());

  auto res = cli.Get("/arcgis/rest/services/gebieden/FeatureServer/layers?f=json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  bool found = false;
  const json layers = json::parse(res->body);
  for (const auto& l : layers["layers"])
    if (l["name"] == "Gemeente" || l["name"] == "gemeente") {
      found = true;
      CHECK(l["drawingInfo"]["renderer"]["symbol"]["outline"]["color"] ==
            json::array({0x12, 0x34, 0x56, 255}));
    }
  CHECK(found);

  res = cli.Get("/static/leaflet/leaflet.js");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/javascript");
  res = cli.Get("/static/leaflet/installed-marker.js");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "// installed web asset\n");
  CHECK(server.alive());
}
