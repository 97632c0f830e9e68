// The overview of a gebied and the welcome pack of an address in a real browser against the
// real server (tests/browser/pages.mjs through tests/browser/harness.mjs): drawn, readable on
// a 360 px phone, printable, no console error and nothing fetched from outside 127.0.0.1.
// The expectations come from the server's own JSON (/locate, the overview), not from here.

#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "server/process.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

TEST_CASE("overview and welcome pack in Chromium: drawn, on a phone, printable",
          "[overview][welkom][browser][integration]") {
  REQUIRE(fs::exists("/usr/bin/chromium"));
  const std::string web = GEBIEDEN_WEB_DIR;
  REQUIRE(fs::exists(web + "/node_modules/playwright-core/package.json"));
  test::ServerProcess server;
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60);

  // An address of the register in the city centre (the gebied and team follow from /locate).
  const std::string address = "8914GD 1";
  auto loc = cli.Get("/locate?q=8914GD%201");
  REQUIRE(loc);
  REQUIRE(loc->status == 200);
  const json where = json::parse(loc->body);
  const std::string gebied = where["gebied"]["id"];
  const std::string expect = where["gebied"]["naam"].get<std::string>() + "|" +
                             where["gebied"]["team"]["name"].get<std::string>();
  auto ov = cli.Get(("/gebieden/" + gebied + "/overzicht?f=json").c_str());
  REQUIRE(ov);
  REQUIRE(ov->status == 200);
  const std::size_t buurten = json::parse(ov->body)["buurten"].size();
  REQUIRE(buurten > 0);

  const std::string screenshots = (fs::path(web).parent_path() / "screenshots").string();
  std::string out;
  const int rc = test::run_command(
      "GEBIEDEN_URL=" + quoted(server.url()) + " GEBIEDEN_GEBIED=" + quoted(gebied) +
          " GEBIEDEN_BUURTEN=" + std::to_string(buurten) + " GEBIEDEN_ADDRESS=" + quoted(address) +
          " GEBIEDEN_EXPECT=" + quoted(expect) + " GEBIEDEN_WEB_DIR=" + quoted(web) +
          " GEBIEDEN_SCREENSHOTS=" + quoted(screenshots) + " timeout 240 node " +
          quoted(test::source_dir() + "/tests/browser/pages.mjs") + " 2>&1",
      out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find(" 0 failed") != std::string::npos);
  CHECK(fs::exists(screenshots + "/overzicht-desktop.png"));
  CHECK(fs::exists(screenshots + "/welkom-mobile.png"));
}
