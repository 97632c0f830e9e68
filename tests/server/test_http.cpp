// Integration tests: the real server on 127.0.0.1 with real clients (cpp-httplib, GDAL).
#include <httplib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "process.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {
test::ServerProcess& server() {
  static test::ServerProcess s;
  return s;
}

int feature_count(const std::string& output) {
  std::smatch m;
  static const std::regex re("Feature Count: (\\d+)");
  return std::regex_search(output, m, re) ? std::stoi(m[1]) : -1;
}
}  // namespace

TEST_CASE("GDAL's OAPIF driver reads every boundary layer", "[http][gdal][integration]") {
  const std::string url = "OAPIF:" + server().url() + "/";
  std::string out;
  REQUIRE(test::run_command("ogrinfo -ro -al -so '" + url + "' gebieden", out) == 0);
  CHECK(feature_count(out) == 8);
  CHECK(out.find("wijkcodes") != std::string::npos);
  REQUIRE(test::run_command("ogrinfo -ro -al -so '" + url + "' buurten", out) == 0);
  CHECK(feature_count(out) == 134);
  REQUIRE(test::run_command("ogrinfo -ro -al -so '" + url + "' wijken", out) == 0);
  CHECK(feature_count(out) == 22);
  REQUIRE(test::run_command("ogrinfo -ro -al -so '" + url + "' gemeente", out) == 0);
  CHECK(feature_count(out) == 1);

  // Reading every feature pages through `next` links (GDAL asks for small pages).
  REQUIRE(test::run_command(
              "ogrinfo -ro -al -oo PAGE_SIZE=25 '" + url + "' buurten | grep -c '^OGRFeature'",
              out) == 0);
  CHECK(std::stoi(out) == 134);
}

TEST_CASE("HTTP: bad input is a 4xx with a JSON body, the server stays up", "[http][integration]") {
  httplib::Client cli("127.0.0.1", server().port());
  cli.set_connection_timeout(5);
  cli.set_read_timeout(10);
  struct Case {
    std::string path;
    int status;
    std::string parameter;
  };
  const std::vector<Case> cases = {
      {"/collections/nope", 404, "collectionId"},
      {"/collections/buurten/items/nope", 404, "featureId"},
      {"/collections/buurten/items?limit=abc", 400, "limit"},
      {"/collections/buurten/items?limit=0", 400, "limit"},
      {"/collections/buurten/items?offset=-1", 400, "offset"},
      {"/collections/buurten/items?bbox=1,2", 400, "bbox"},
      {"/collections/buurten/items?limit=%ZZ", 400, ""},
      {"/collections/buurten/items?crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F2",
       400, "crs"},
      {"/collections/buurten/items?" + std::string(3000, 'a') + "=1", 400, std::string(60, 'a')},
  };
  for (const auto& c : cases) {
    INFO(c.path.substr(0, 100));
    auto res = cli.Get(c.path.c_str());
    REQUIRE(res);
    CHECK(res->status == c.status);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    auto j = json::parse(res->body);
    CHECK(j.contains("code"));
    if (!c.parameter.empty()) CHECK(j["parameter"] == c.parameter);
  }
  auto res = cli.Post("/collections/buurten/items", "{}", "application/json");
  REQUIRE(res);
  CHECK(res->status == 405);
  CHECK(json::parse(res->body)["code"] == "MethodNotAllowed");
  res = cli.Delete("/collections");
  REQUIRE(res);
  CHECK(res->status == 405);
  CHECK(server().alive());
}

TEST_CASE("HTTP: items in GeoJSON with paging and CRS", "[http][integration]") {
  httplib::Client cli("127.0.0.1", server().port());
  auto res = cli.Get("/collections/wijken/items?limit=5&offset=20");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/geo+json");
  CHECK(res->get_header_value("Content-Crs") == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>");
  auto j = json::parse(res->body);
  CHECK(j["numberMatched"] == 22);
  CHECK(j["numberReturned"] == 2);
  bool prev = false;
  for (auto& l : j["links"]) prev |= l["rel"] == "prev";
  CHECK(prev);
  CHECK(res->get_header_value("Access-Control-Allow-Origin") == "*");

  res = cli.Get("/health");
  REQUIRE(res);
  CHECK(json::parse(res->body)["collections"]["buurten"] == 134);
}

TEST_CASE("a malformed configuration names the member and exits non-zero",
          "[config][integration]") {
  const std::string path = "/tmp/gebieden-bad-config.json";
  {
    std::ofstream f(path);
    f << R"({"boundaries": {"buurten": {"sources": ["x.geojson"]}}, "scheme": {"gebieden": []}, "server": {"port": "80"}})";
  }
  std::string out;
  const int rc = test::run_command(std::string(GEBIEDEN_BINARY) + " check --config " + path, out);
  CHECK(rc != 0);
  CHECK(out.find("scheme.gebieden") != std::string::npos);

  {
    std::ofstream f(path);
    f << R"({"boundaries": {"buurten": {"sources": ["x.geojson"]}}, "scheme": {"gebieden": [{"id":"a","wijken":["WK1"]}]}, "server": {"port": "80"}})";
  }
  CHECK(test::run_command(std::string(GEBIEDEN_BINARY) + " serve --config " + path, out) != 0);
  CHECK(out.find("server.port") != std::string::npos);

  {
    std::ofstream f(path);
    f << "{ not json";
  }
  CHECK(test::run_command(std::string(GEBIEDEN_BINARY) + " check --config " + path, out) != 0);
  CHECK(out.find("not valid JSON") != std::string::npos);
}

TEST_CASE("gebieden check on the default configuration", "[check][integration]") {
  std::string out;
  const int rc = test::run_command(
      std::string(GEBIEDEN_BINARY) + " check --config " GEBIEDEN_SOURCE_DIR "/data/leeuwarden.json",
      out);
  CHECK(rc == 0);
  CHECK(out.find("2 repaired geometries") != std::string::npos);
  CHECK(out.find("BU00806210") != std::string::npos);
  CHECK(out.find("BU00808008") != std::string::npos);
  CHECK(out.find("check passed") != std::string::npos);
}
