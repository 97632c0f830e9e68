// The privacy scan (issue #13, acceptance): the real server on a temporary store seeded from the
// development fixture (../shared/data/synthetic/organisaties_dev.csv: contact_naam,
// contact_telefoon and contact_email for every record). Every public endpoint, in every format it
// offers, is requested without a key and scanned (body and headers) for the fixture's private
// values: zero hits. Then with a reader key: the private values are there in the item JSON, the
// items page, the FeatureServer query (outFields=*) and nearby.
#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "geo/csv.hpp"
#include "process.hpp"
#include "server/access.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
constexpr const char* kReaderKey = "reader-key-for-privacy-scan";  // in the key file, role reader

/// A copy of data/leeuwarden.json in a temporary folder: every relative path made absolute, the
/// store in `gpkg` (created from the development fixture), a reader key in the key file.
std::string privacy_config(const fs::path& gpkg) {
  json j = test::relocated_default_config();
  j["store"]["path"] = gpkg.string();
  j["store"]["write_token_env"] = "GEBIEDEN_PRIVACY_TEST_NO_TOKENS";
  // An empty store (seeded from the fixture's header only): the records come by `gebieden
  // import`.
  const fs::path seed = test::temp_path("privacy-empty.csv");
  {
    std::ifstream in(test::shared_data("synthetic/organisaties_dev.csv"));
    std::string header;
    std::getline(in, header);
    test::write_file(seed, header + "\n");
  }
  j["store"]["source"]["sources"] = {seed.string()};
  const fs::path keys = test::temp_path("privacy-keys.json");
  test::write_file(keys, json{{"keys",
                               {{{"name", "test-reader"},
                                 {"role", "reader"},
                                 {"sha256", server::sha256_hex(kReaderKey)},
                                 {"created", "2026-12-01T00:00:00Z"}}}}}
                             .dump());
  j["access"] = {{"keys_file", keys.string()}};
  const fs::path config = test::temp_path("privacy-config.json");
  test::write_file(config, j.dump(2));
  return config.string();
}

/// The fixture's private values: every non-empty contact_naam, contact_telefoon, contact_email.
struct PrivateValues {
  std::vector<std::string> emails, phones, names;
  std::vector<const std::string*> all() const {
    std::vector<const std::string*> v;
    for (const auto* list : {&emails, &phones, &names})
      for (const auto& s : *list) v.push_back(&s);
    return v;
  }
};

PrivateValues private_values() {
  PrivateValues p;
  const auto rows =
      geo::read_csv_file(test::shared_data("synthetic/organisaties_dev.csv")).named_rows();
  for (const auto& row : rows) {
    auto add = [&](const char* field, std::vector<std::string>& to) {
      if (auto it = row.find(field); it != row.end() && !it->second.empty())
        to.push_back(it->second);
    };
    add("contact_email", p.emails);
    add("contact_telefoon", p.phones);
    add("contact_naam", p.names);
  }
  return p;
}

/// The private values found in `text`.
std::vector<std::string> hits(const std::string& text, const PrivateValues& p) {
  std::vector<std::string> found;
  for (const auto* v : p.all())
    if (text.find(*v) != std::string::npos) found.push_back(*v);
  return found;
}

struct Answer {
  int status = 0;
  std::string body, headers;
};

Answer get(httplib::Client& c, const std::string& path, const httplib::Headers& h = {}) {
  auto r = c.Get(path.c_str(), h);
  INFO(path);
  REQUIRE(r);
  Answer a;
  a.status = r->status;
  a.body = r->body;
  for (const auto& [k, v] : r->headers) a.headers += k + ": " + v + "\n";
  return a;
}

std::string esc(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == ' ')
      out += "%20";
    else if (ch == ',')
      out += "%2C";
    else if (ch == '\'')
      out += "%27";
    else if (ch == '=')
      out += "%3D";
    else
      out += ch;
  }
  return out;
}
}  // namespace

TEST_CASE("privacy scan: no private value in any public answer, and a reader key sees them",
          "[privacy][http][integration]") {
  const PrivateValues secrets = private_values();
  REQUIRE(secrets.emails.size() == 400);
  REQUIRE(secrets.phones.size() >= 300);
  // The records by `gebieden import`: the fixture, then an initiative in a hidden status (a
  // submission waiting: in no public answer) with private values of its own.
  const std::string config = privacy_config(test::temp_path("privacy-store.gpkg"));
  const fs::path hidden = test::temp_path("privacy-hidden.csv");
  test::write_file(hidden,
                   "id,naam,soort,status,straat,huisnummer,plaats,contact_naam,contact_email\n"
                   "VERBORGEN01,Verborgen Aanvraag Zeldzaam,initiatief,ingediend,Marisdijk,1,"
                   "Leeuwarden,Verborgen Aanvrager,verborgen-aanvrager@example.nl\n");
  for (const std::string& file :
       {test::shared_data("synthetic/organisaties_dev.csv"), hidden.string()}) {
    std::string output;
    INFO(output);
    REQUIRE(test::run_command(
                std::string(GEBIEDEN_BINARY) + " import " + file + " --config " + config, output) ==
            0);
    CHECK(output.find("add ") != std::string::npos);
  }
  // (Not its id: the 404 of a request for it names what was asked, and tells nothing.)
  const std::vector<std::string> hidden_values = {
      "Verborgen Aanvraag Zeldzaam", "Verborgen Aanvrager", "verborgen-aanvrager@example.nl"};
  PrivateValues with_hidden = secrets;
  with_hidden.names.insert(with_hidden.names.end(), hidden_values.begin(), hidden_values.end());

  test::ServerOptions o;
  o.config = config;
  o.unset_env = {"GEBIEDEN_PRIVACY_TEST_NO_TOKENS"};
  test::ServerProcess server(o);
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(120, 0);

  // The endpoints: the fixed ones, then per collection and per FeatureServer layer.
  std::vector<std::string> paths = {
      "/",
      "/?f=html",
      "/conformance",
      "/collections",
      "/collections?f=html",
      "/api",
      "/api.html",
      "/health",
      "/nearby?coords=" + esc("POINT(5.7965 53.2005)") + "&within=25&within-units=km&limit=1000",
      "/nearby?coords=" + esc("POINT(5.7965 53.2005)") +
          "&within=25&within-units=km&limit=1000&f=csv",
      "/nearby?coords=" + esc("POINT(5.7965 53.2005)") +
          "&within=25&within-units=km&limit=1000&f=html",
      "/nearby?q=" + esc("Tweede Beukenpad 29, Leeuwarden") + "&within=2&within-units=km",
      "/locate?q=" + esc("Tweede Beukenpad 29, Leeuwarden"),
      "/locate?coords=" + esc("POINT(5.7965 53.2005)"),
      "/locate?coords=" + esc("POINT(5.7965 53.2005)") + "&f=html",
      "/gebieden/dorpen/overzicht",
      "/gebieden/dorpen/overzicht?f=csv",
      "/gebieden/dorpen/overzicht?f=html",
      "/wijken/WK008082/overzicht",
      "/wijken/WK008082/overzicht?f=csv",
      "/wijken/WK008082/overzicht?f=html",
      "/buurten/BU00808206/overzicht",
      "/buurten/BU00808206/overzicht?f=csv",
      "/buurten/BU00808206/overzicht?f=html",
      "/geocode?q=" + esc("Marisdijk 1, Leeuwarden"),
      "/geocode?postcode=8914GD&huisnummer=1",
      "/reverse?lat=53.2005&lon=5.7965",
      "/arcgis/rest/services?f=json",
      "/arcgis/rest/services/gebieden/FeatureServer?f=json",
      "/arcgis/rest/services/gebieden/FeatureServer/layers?f=json",
  };
  const json collections = json::parse(get(c, "/collections?f=json").body)["collections"];
  REQUIRE(collections.size() >= 10);
  std::vector<std::string> store_collections;
  for (const auto& col : collections) {
    const std::string id = col["id"];
    const std::string base = "/collections/" + id;
    for (const char* s :
         {"", "?f=html", "/queryables", "/items?limit=10000", "/items?limit=10000&f=html"})
      paths.push_back(base + s);
    const json page = json::parse(get(c, base + "/items?limit=1&f=json").body);
    REQUIRE(page["features"].size() == 1);
    const std::string fid = page["features"][0]["id"].is_string()
                                ? page["features"][0]["id"].get<std::string>()
                                : page["features"][0]["id"].dump();
    paths.push_back(base + "/items/" + fid + "?f=json");
    paths.push_back(base + "/items/" + fid + "?f=html");
    if (page["features"][0]["properties"].contains("geocode_status"))
      store_collections.push_back(id);
  }
  REQUIRE(store_collections.size() == 6);
  const json layers =
      json::parse(get(c, "/arcgis/rest/services/gebieden/FeatureServer?f=json").body)["layers"];
  REQUIRE(layers.size() == collections.size());
  // Each layer, and all its records page by page (maxRecordCount is 100).
  std::vector<std::string> esri_queries;
  for (const auto& l : layers) {
    const std::string base =
        "/arcgis/rest/services/gebieden/FeatureServer/" + std::to_string(l["id"].get<int>());
    paths.push_back(base + "?f=json");
    const std::size_t count =
        json::parse(
            get(c, base + "/query?where=" + esc("1=1") + "&returnCountOnly=true&f=json").body)
            .at("count")
            .get<std::size_t>();
    for (std::size_t offset = 0; offset < std::max<std::size_t>(count, 1); offset += 100)
      for (const char* f : {"json", "geojson"})
        esri_queries.push_back(base + "/query?where=" + esc("1=1") +
                               "&outFields=*&resultRecordCount=100&resultOffset=" +
                               std::to_string(offset) + "&f=" + f);
  }
  paths.insert(paths.end(), esri_queries.begin(), esri_queries.end());
  // Errors: a 400 and a 404 of each front.
  const std::vector<std::pair<std::string, int>> errors = {
      {"/collections/organisaties/items?limit=0", 400},
      {"/collections/organisaties/items/GEEN-RECORD", 404},
      {"/collections/niets/items", 404},
      {"/collections/initiatieven/items/VERBORGEN01", 404},  // hidden: as if it did not exist
      {"/nearby?coords=" + esc("POINT(5.7965 53.2005)") + "&within=-1", 400},
      // (GeoServices answers its errors with 200 and {"error":{"code":400,…}}.)
      {"/arcgis/rest/services/gebieden/FeatureServer/4/query?where=" + esc("geen_veld=1") +
           "&f=json",
       200},
      {"/arcgis/rest/services/gebieden/FeatureServer/99?f=json", 200},
      {"/geocode", 400},
      {"/gebieden/nergens/overzicht", 404},
  };

  SECTION("without a key: zero hits in every body and every header") {
    std::string scanned;
    std::size_t n = 0;
    for (const auto& p : paths) {
      const Answer a = get(c, p);
      INFO(p << " -> " << a.status);
      CHECK(a.status == 200);
      CHECK(hits(a.body, with_hidden).empty());
      CHECK(hits(a.headers, with_hidden).empty());
      CHECK(a.body.find("contact_email") == std::string::npos);
      scanned += "  " + std::to_string(a.status) + " " + p + "\n";
      ++n;
    }
    for (const auto& [p, status] : errors) {
      const Answer a = get(c, p);
      INFO(p << " -> " << a.status);
      CHECK(a.status == status);
      if (p.rfind("/arcgis/", 0) == 0) CHECK(a.body.find("\"error\"") != std::string::npos);
      CHECK(hits(a.body, with_hidden).empty());
      CHECK(hits(a.headers, with_hidden).empty());
      scanned += "  " + std::to_string(a.status) + " " + p + "\n";
      ++n;
    }
    // The list of what was scanned, in the test output.
    WARN("privacy scan without a key: " << n << " answers, " << with_hidden.all().size()
                                        << " private values, zero hits:\n"
                                        << scanned);
  }

  SECTION("with a reader key: the private values are there") {
    const httplib::Headers reader = {{"Authorization", std::string("Bearer ") + kReaderKey}};
    // The item JSON: ORG0001's own values.
    const std::string org1 = "/collections/organisaties/items/ORG0001?f=json";
    const Answer item = get(c, org1, reader);
    REQUIRE(item.status == 200);
    CHECK(item.body.find("contact1@example.nl") != std::string::npos);
    CHECK(item.body.find("06-60951092") != std::string::npos);
    CHECK(item.body.find("Noor Zijlstra") != std::string::npos);
    // The public answer of the same item does not have them.
    CHECK(hits(get(c, org1).body, secrets).empty());
    // The hidden initiative: a reader sees it, with its contact details.
    const Answer waiting = get(c, "/collections/initiatieven/items/VERBORGEN01?f=json", reader);
    CHECK(waiting.status == 200);
    CHECK(waiting.body.find("verborgen-aanvrager@example.nl") != std::string::npos);

    // Every email is in the items of the store collections, JSON and HTML.
    std::string items_json, items_html;
    for (const auto& id : store_collections) {
      items_json += get(c, "/collections/" + id + "/items?limit=10000&f=json", reader).body;
      items_html += get(c, "/collections/" + id + "/items?limit=10000&f=html", reader).body;
    }
    std::size_t in_json = 0, in_html = 0;
    for (const auto& e : secrets.emails) {
      in_json += items_json.find(e) != std::string::npos ? 1 : 0;
      in_html += items_html.find(e) != std::string::npos ? 1 : 0;
    }
    CHECK(in_json == secrets.emails.size());
    CHECK(in_html > 0);

    // The FeatureServer query of the store layers (outFields=*), JSON and GeoJSON.
    std::string esri;
    for (const auto& q : esri_queries) esri += get(c, q, reader).body;
    std::size_t in_esri = 0;
    for (const auto& e : secrets.emails) in_esri += esri.find(e) != std::string::npos ? 1 : 0;
    CHECK(in_esri == secrets.emails.size());

    // Nearby: everything within 25 km has its contact details.
    const Answer near = get(
        c,
        "/nearby?coords=" + esc("POINT(5.7965 53.2005)") + "&within=25&within-units=km&limit=1000",
        reader);
    REQUIRE(near.status == 200);
    CHECK(!hits(near.body, secrets).empty());
    CHECK(near.body.find("contact_email") != std::string::npos);
  }
}
