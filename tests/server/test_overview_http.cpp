// The overview PDF against the real server: GET /gebieden/{id}/overzicht?f=pdf of the gebied
// with the most buurten, written under the build folder and read back with poppler's pdfinfo
// (A4 pages) and pdftotext (the gebied's name, its buurten, the team); the HTML page and its
// links answer.

#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "process.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}
}  // namespace

TEST_CASE("overview PDF over HTTP: A4 pages with the gebied, its buurten and the team",
          "[overview][integration]") {
  test::ServerProcess server;
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60);

  // The gebied with the most buurten, from the gebieden and their overviews.
  auto res = cli.Get("/collections/gebieden/items?limit=100");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  std::string largest;
  std::size_t most = 0;
  const json gebieden = json::parse(res->body);
  for (const auto& f : gebieden["features"]) {
    const std::string id = f["id"].get<std::string>();
    auto o = cli.Get(("/gebieden/" + id + "/overzicht").c_str());
    REQUIRE(o);
    REQUIRE(o->status == 200);
    const std::size_t n = json::parse(o->body)["buurten"].size();
    if (n > most) most = n, largest = id;
  }
  REQUIRE(!largest.empty());
  const std::string path = "/gebieden/" + largest + "/overzicht";
  res = cli.Get(path.c_str());
  REQUIRE(res);
  const json o = json::parse(res->body);

  res = cli.Get((path + "?f=pdf").c_str());
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/pdf");
  CHECK(res->get_header_value("Content-Disposition") ==
        "inline; filename=\"overzicht-" + largest + ".pdf\"");
  // Under the build folder (beside the binary), kept for a look after the run.
  const fs::path dir = fs::path(GEBIEDEN_BINARY).parent_path() / "test-output";
  fs::create_directories(dir);
  const fs::path file = dir / ("overzicht-" + largest + ".pdf");
  test::write_file(file, res->body);

  std::string info;
  REQUIRE(test::run_command("pdfinfo -f 1 -l 1000 '" + file.string() + "'", info) == 0);
  std::smatch m;
  REQUIRE(std::regex_search(info, m, std::regex("Pages:\\s+(\\d+)")));
  const int pages = std::stoi(m[1]);
  CHECK(pages >= 2);
  const std::regex a4("Page +[0-9]+ size: +595\\.276 x 841\\.89 pts \\(A4\\)");
  CHECK(std::distance(std::sregex_iterator(info.begin(), info.end(), a4), std::sregex_iterator()) ==
        pages);

  std::string text;
  REQUIRE(test::run_command("pdftotext -enc UTF-8 '" + file.string() + "' -", text) == 0);
  text = squeeze(text);
  CHECK(text.find("Overzicht " + o["naam"].get<std::string>()) != std::string::npos);
  for (const auto& b : o["buurten"])
    CHECK(text.find(b["buurtnaam"].get<std::string>() + " (" + b["buurtcode"].get<std::string>() +
                    ")") != std::string::npos);
  if (o["team"]["name"].is_string())
    CHECK(text.find(squeeze(o["team"]["name"].get<std::string>())) != std::string::npos);

  // The page and the formats it links to.
  res = cli.Get((path + "?f=html").c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.find("@page{size:A4") != std::string::npos);
  for (const char* f : {"csv", "json", "pdf"}) {
    auto r = cli.Get((path + "?f=" + f).c_str());
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  res = cli.Get((path + "?f=odt").c_str());
  REQUIRE(res);
  CHECK(res->status == 400);
}
