// "QGIS loads the QGIS style": real QGIS (Debian python3-qgis and qgis-providers, headless)
// opens every styled collection of the real server through its OAPIF provider, applies the
// collection's SLD 1.0 (/collections/{id}/styles/default?f=sld10) with loadSldStyle and checks
// the renderer and the labels against styles/style.json: tests/qgis/check_sld.py.

#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "process.hpp"
#include "test_paths.hpp"

using namespace gebieden;
namespace fs = std::filesystem;

TEST_CASE("QGIS loads the SLD of every styled layer with the renderer the style says",
          "[styles][qgis][integration]") {
  // The Debian interpreter: python3-qgis is a Debian package, not one of a pyenv or venv.
  const std::string python = "/usr/bin/python3";
  std::string out;
  REQUIRE(test::run_command(python + " -c 'import qgis.core'", out) == 0);

  test::ServerProcess server;
  const fs::path dir = test::temp_path("qgis");
  fs::create_directories(dir);
  const std::string script = test::source_dir() + "/tests/qgis/check_sld.py";
  const std::string style = test::source_dir() + "/styles/style.json";
  const int rc =
      test::run_command("QT_QPA_PLATFORM=offscreen " + python + " '" + script + "' '" +
                            server.url() + "' '" + style + "' '" + dir.string() + "' 2>&1",
                        out);
  INFO(out);  // what QGIS said, layer by layer
  CHECK(rc == 0);
  CHECK(out.find("FAIL") == std::string::npos);
  // Every collection with a style was checked: the four boundaries and the point collections.
  std::set<std::string> checked;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("ok ", 0) == 0) checked.insert(line.substr(3, line.find(':') - 3));
  httplib::Client cli("127.0.0.1", server.port());
  auto res = cli.Get("/collections?f=json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const nlohmann::json list = nlohmann::json::parse(res->body);
  std::set<std::string> styled;
  for (const auto& c : list["collections"])
    if (c.contains("styles")) styled.insert(c["id"].get<std::string>());
  for (const char* id : {"gebieden", "wijken", "buurten", "gemeente"}) CHECK(styled.count(id));
  CHECK(styled.size() > 4);  // and points
  CHECK(checked == styled);
  // The QML QGIS saved for each: its own style format, from our SLD.
  for (const auto& id : checked) {
    INFO(id);
    CHECK(fs::file_size(dir / (id + ".qml")) > 0);
  }
}
