// The map app in a real browser against the real server: Debian's chromium driven by
// playwright-core (tests/browser/map.mjs, through tests/browser/harness.mjs). The server runs
// on a copy of the default configuration with its store in the test's temporary folder (the
// app posts a submission); an address of the register is handed to the script, which checks
// the drawn map, the search, nearby and locate, the form, the manifest, the service worker and
// offline use, and saves screenshots in the build folder (screenshots/).

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "server/process.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
/// A row of the synthetic register, far from its first lines: "Straat 12 Plaats".
std::string register_address() {
  std::ifstream in(test::shared_data("synthetic/bag_leeuwarden_synthetic.csv"));
  REQUIRE(in);
  std::string line;
  std::vector<std::string> rows;
  std::getline(in, line);  // identificatie,openbare_ruimte_naam,huisnummer,huisletter,...
  while (std::getline(in, line)) rows.push_back(line);
  REQUIRE(rows.size() > 10);
  // A row of the middle of the file with a plain number (no letter or addition).
  for (std::size_t i = rows.size() / 2; i < rows.size(); ++i) {
    std::vector<std::string> f;
    std::stringstream ss(rows[i]);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    if (f.size() >= 7 && f[3].empty() && f[4].empty() && !f[1].empty())
      return f[1] + " " + f[2] + " " + f[6];
  }
  FAIL("no plain address in the register");
  return "";
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

TEST_CASE("map app in Chromium: drawn, search, nearby, locate, the form, installable",
          "[map][browser][integration]") {
  REQUIRE(fs::exists("/usr/bin/chromium"));  // Makefile DEBS
  const std::string web = GEBIEDEN_WEB_DIR;
  REQUIRE(fs::exists(web + "/node_modules/playwright-core/package.json"));

  json j = test::relocated_default_config();
  j["store"]["path"] = test::temp_path("map-store.gpkg").string();
  j["assets"]["styles"] = test::source_dir() + "/styles";  // not ../styles of the temp folder
  const fs::path config = test::temp_path("map-config.json");
  test::write_file(config, j.dump(2));
  test::ServerOptions options;
  options.config = config.string();
  test::ServerProcess server(options);

  const std::string screenshots = (fs::path(web).parent_path() / "screenshots").string();
  const std::string address = register_address();
  const std::string script = test::source_dir() + "/tests/browser/map.mjs";
  std::string out;
  const int rc = test::run_command(
      "GEBIEDEN_URL=" + quoted(server.url()) + " GEBIEDEN_ADDRESS=" + quoted(address) +
          " GEBIEDEN_WEB_DIR=" + quoted(web) + " GEBIEDEN_SCREENSHOTS=" + quoted(screenshots) +
          " timeout 240 node " + quoted(script) + " 2>&1",
      out);
  INFO(address << "\n" << out);
  CHECK(rc == 0);
  CHECK(out.find(" 0 failed") != std::string::npos);
  CHECK(fs::exists(screenshots + "/map-desktop.png"));
  CHECK(fs::exists(screenshots + "/map-360x740.png"));
}
