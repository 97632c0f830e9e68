// The social-base store and geocoding over HTTP, in-process on the default configuration.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "geo/config.hpp"
#include "layers/geojson.hpp"
#include "server/in_process.hpp"
#include "server/service.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {

server::Response call(const std::string& method, const std::string& path,
                      std::vector<std::pair<std::string, std::string>> query = {},
                      std::string body = {}, std::string type = {}) {
  server::Request r;
  r.method = method;
  r.path = path;
  r.query = std::move(query);
  r.body = std::move(body);
  if (!type.empty()) r.headers["content-type"] = type;
  return test::default_service().handle(r);
}

const std::vector<std::string>& kSocial = test::kSocialCollections;

std::map<std::string, std::string> expected_buurten() {
  std::ifstream in(test::shared_data("synthetic/organisaties_dev_answers.csv"));
  REQUIRE(in);
  std::map<std::string, std::string> out;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::stringstream ss(line);
    std::string id, kase, buurt;
    std::getline(ss, id, ',');
    std::getline(ss, kase, ',');
    std::getline(ss, buurt, ',');
    out[id] = buurt;
  }
  return out;
}
}  // namespace

TEST_CASE("store: every record is served once, placed ones in the right buurt", "[store][unit]") {
  const auto& cat = test::default_service().state().catalogue;
  const auto expected = expected_buurten();
  REQUIRE(expected.size() == 400);
  std::set<std::string> seen;
  std::size_t placed = 0, wrong = 0;
  for (const auto& id : kSocial) {
    auto c = cat.get(id);
    REQUIRE(c);
    const int bi = c->field_index("buurtcode");
    const int ri = c->field_index("geocode_reason");
    REQUIRE(bi >= 0);
    for (const auto& f : c->features) {
      CHECK(seen.insert(f.id).second);
      CHECK(f.objectid > 0);
      const std::string b = layers::to_string(f.values[bi]);
      if (!b.empty()) {
        ++placed;
        CHECK_FALSE(f.wgs84.empty());
        if (b != expected.at(f.id)) ++wrong;
      } else {
        CHECK(f.wgs84.empty());
        CHECK_FALSE(layers::to_string(f.values[ri]).empty());  // every unplaced record says why
      }
    }
  }
  CHECK(seen.size() == 400);  // nothing dropped
  CHECK(placed >= 280);
  // Placed in a buurt the answer key does not expect: only the streets without a number that lie
  // wholly in one buurt (the issue asks to place those; the answer key leaves them unplaced).
  CHECK(wrong <= 4);
}

TEST_CASE("store: private fields appear in no response", "[store][privacy][unit]") {
  for (const auto& id : kSocial) {
    auto c = test::default_service().state().catalogue.get(id);
    REQUIRE(c);
    for (const char* p : {"contact_naam", "contact_telefoon", "contact_email"}) {
      const int i = c->field_index(p);
      REQUIRE(i >= 0);
      CHECK(c->fields[i].is_private);
    }
    auto r = call("GET", "/collections/" + id + "/items", {{"limit", "1000"}});
    REQUIRE(r.status == 200);
    CHECK(r.body.find("contact_") == std::string::npos);
    CHECK(r.body.find("@example.nl") == std::string::npos);
    CHECK(r.body.find("06-") == std::string::npos);
    // Asking for a private field by name is not a filter (it is an unknown parameter).
    CHECK(call("GET", "/collections/" + id + "/items", {{"contact_email", "contact1@example.nl"}})
              .status == 400);
  }
}

TEST_CASE("boundaries carry the counts of the social base", "[store][unit]") {
  auto buurten = test::default_service().state().catalogue.get("buurten");
  auto gemeente = test::default_service().state().catalogue.get("gemeente");
  std::int64_t total_buurten = 0, total_gemeente = 0, placed = 0;
  for (const auto& id : kSocial) {
    const int bi = buurten->field_index("aantal_" + id);
    const int gi = gemeente->field_index("aantal_" + id);
    REQUIRE(bi >= 0);
    REQUIRE(gi >= 0);
    for (const auto& f : buurten->features) total_buurten += std::get<std::int64_t>(f.values[bi]);
    total_gemeente += std::get<std::int64_t>(gemeente->features[0].values[gi]);
    auto c = test::default_service().state().catalogue.get(id);
    for (const auto& f : c->features) placed += f.wgs84.empty() ? 0 : 1;
  }
  CHECK(total_buurten == placed);
  CHECK(total_gemeente == placed);
}

TEST_CASE("GET /geocode and /reverse", "[geocode][unit]") {
  // A synthetic BAG address by postcode and number (0080010000000001: Marisdijk 1, 8914GD).
  auto r = call("GET", "/geocode",
                {{"straat", "Marisdijk"}, {"huisnummer", "1"}, {"plaats", "Leeuwarden"}});
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["status"] == "address");
  CHECK(j["buurtcode"] == "BU00801001");
  CHECK(j["wijkcode"] == "WK008010");
  CHECK(j["gebied"] == "centrum");
  CHECK(j["x"].get<double>() == Approx(182594.063).margin(0.01));

  j = json::parse(call("GET", "/geocode", {{"q", "Marisdijk 1, Leeuwarden"}}).body);
  CHECK(j["buurtcode"] == "BU00801001");

  j = json::parse(
      call("GET", "/geocode", {{"lat", "5.7965"}, {"lon", "53.2005"}}).body);  // swapped
  CHECK(j["status"] == "coordinates");
  CHECK_FALSE(j["warning"].is_null());

  j = json::parse(call("GET", "/reverse", {{"x", "182594.063"}, {"y", "579568.163"}}).body);
  CHECK(j["address"].get<std::string>().find("Marisdijk 1") != std::string::npos);
  CHECK(j["buurtcode"] == "BU00801001");

  j = json::parse(call("GET", "/geocode", {{"q", "Nergensstraat 1, Leeuwarden"}}).body);
  CHECK(j["status"] == "unmatched");
  CHECK_FALSE(j["reason"].is_null());
}

TEST_CASE("geocoding: bad input gets a 4xx naming the parameter", "[geocode][unit]") {
  struct Case {
    std::string method, path;
    std::vector<std::pair<std::string, std::string>> query;
    std::string body, type;
    int status;
    std::string parameter;
  };
  const std::vector<Case> cases = {
      {"GET", "/geocode", {}, "", "", 400, "q"},
      {"GET", "/geocode", {{"lat", "abc"}, {"lon", "5"}}, "", "", 400, "lat"},
      {"GET", "/geocode", {{"lat", "91"}, {"lon", "5"}}, "", "", 400, "lat"},
      {"GET", "/geocode", {{"lat", "53"}}, "", "", 400, "lon"},
      {"GET", "/geocode", {{"x", "1e999"}, {"y", "5"}}, "", "", 400, "x"},
      {"GET", "/geocode", {{"q", std::string(600, 'a')}}, "", "", 400, "q"},
      {"GET", "/geocode", {{"bogus", "1"}}, "", "", 400, "bogus"},
      {"GET", "/reverse", {}, "", "", 400, "lat"},
      {"GET", "/reverse", {{"lat", "nan"}, {"lon", "5"}}, "", "", 400, "lat"},
      {"GET", "/reverse", {{"lat", "53"}, {"lon", "181"}}, "", "", 400, "lon"},
      {"GET", "/reverse", {{"x", "1"}, {"y", "2"}, {"crs", "EPSG:31370"}}, "", "", 400, "crs"},
      {"POST", "/geocode", {}, "{not json", "application/json", 400, "body"},
      {"POST", "/geocode", {}, "{\"a\": 1}", "application/json", 400, "body"},
      {"POST", "/geocode", {}, "[1, 2]", "application/json", 400, "body[0]"},
      {"POST",
       "/geocode",
       {},
       "[{\"postcode\": [1]}]",
       "application/json",
       400,
       "body[0].postcode"},
      {"POST", "/geocode", {}, "postcode,huisnummer\n\"8911AB,12\n", "text/csv", 400, "body"},
      {"POST", "/geocode", {}, "a\n1,2,3\n", "text/csv", 400, "body"},
      {"POST", "/geocode", {}, std::string(2 << 20, 'x'), "text/csv", 413, "body"},
      {"PUT", "/geocode", {}, "", "", 405, ""},
      {"POST", "/reverse", {}, "", "", 405, ""},
      {"GET", "/geocode/x", {}, "", "", 404, "path"},
  };
  for (const auto& c : cases) {
    INFO(c.method << " " << c.path << " "
                  << (c.query.empty() ? c.body.substr(0, 40) : c.query[0].first));
    auto r = call(c.method, c.path, c.query, c.body, c.type);
    CHECK(r.status == c.status);
    auto j = json::parse(r.body);
    CHECK(j.contains("code"));
    if (!c.parameter.empty()) CHECK(j.value("parameter", "") == c.parameter);
  }
}

TEST_CASE("POST /geocode: JSON and CSV batches, private columns never echoed",
          "[geocode][privacy][unit]") {
  const std::string body = R"([
    {"id": "a", "straat": "Marisdijk", "huisnummer": "1", "plaats": "Leeuwarden", "contact_email": "geheim@example.nl"},
    {"id": "b", "lat": 53.2005, "lon": 5.7965, "contact_telefoon": "06-12345678"},
    {"id": "c"}])";
  auto r = call("POST", "/geocode", {}, body, "application/json");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("geheim") == std::string::npos);
  CHECK(r.body.find("06-1234") == std::string::npos);
  auto j = json::parse(r.body);
  REQUIRE(j["count"] == 3);
  CHECK(j["results"][0]["id"] == "a");
  CHECK(j["results"][0]["buurtcode"] == "BU00801001");
  CHECK(j["results"][1]["status"] == "coordinates");
  CHECK(j["results"][2]["status"] == "unmatched");
  CHECK(j["results"][2]["reason"] == "no address");

  r = call("POST", "/geocode", {},
           "id;straat;huisnummer;plaats;contact_naam\r\n1;Marisdijk;1;Leeuwarden;Piet\r\n",
           "text/csv");
  REQUIRE(r.status == 200);
  j = json::parse(r.body);
  CHECK(j["results"][0]["buurtcode"] == "BU00801001");
  CHECK(r.body.find("Piet") == std::string::npos);

  // Semicolons: a comma inside a free-text address is content, not a separator.
  r = call("POST", "/geocode", {}, "id;q\n7;Marisdijk 1, Leeuwarden\n", "text/csv");
  REQUIRE(r.status == 200);
  j = json::parse(r.body);
  REQUIRE(j["count"] == 1);
  CHECK(j["results"][0]["id"] == "7");
  CHECK(j["results"][0]["buurtcode"] == "BU00801001");
}

TEST_CASE("issue 9: what a new user ran into over HTTP", "[geocode][unit]") {
  // GET reads a record as POST does: decimal commas, adres/address, woonplaats, straatnaam.
  auto r = call("GET", "/geocode", {{"lat", "53,2005"}, {"lon", "5,7965"}});
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["status"] == "coordinates");
  CHECK_FALSE(j["buurtcode"].is_null());
  for (const char* name : {"adres", "address", "q"}) {
    INFO(name);
    r = call("GET", "/geocode", {{name, "8914GD 1"}});
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body)["buurtcode"] == "BU00801001");
  }
  r = call("GET", "/geocode",
           {{"straatnaam", "Marisdijk"}, {"nummer", "1"}, {"woonplaats", "Leeuwarden"}});
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["buurtcode"] == "BU00801001");
  // Still a 400 naming the parameter for what is not a number, with or without a comma.
  r = call("GET", "/geocode", {{"lat", "53,2,1"}, {"lon", "5,7965"}});
  CHECK(r.status == 400);
  CHECK(json::parse(r.body).value("parameter", "") == "lat");

  // /reverse: swapped lat/lon detected; a point in Amsterdam is outside the gemeente.
  r = call("GET", "/reverse", {{"lat", "5.7965"}, {"lon", "53.2005"}});
  REQUIRE(r.status == 200);
  j = json::parse(r.body);
  CHECK(j["status"] == "address");
  CHECK(j["warning"] == "lat and lon were swapped");
  const auto straight =
      json::parse(call("GET", "/reverse", {{"lat", "53.2005"}, {"lon", "5.7965"}}).body);
  CHECK(j["address"] == straight["address"]);
  r = call("GET", "/reverse", {{"lat", "52.3731"}, {"lon", "4.8922"}});
  REQUIRE(r.status == 200);
  j = json::parse(r.body);
  CHECK(j["status"] == "outside");
  CHECK(j["reason"] == "outside the gemeente");
  r = call("GET", "/reverse", {{"lat", "53,2005"}, {"lon", "5,7965"}});
  CHECK(r.status == 200);

  // A CSV without a location column: 400 with the columns found and expected.
  r = call("POST", "/geocode", {}, "id,naam,telefoon\n1,Buurthuis,06-1\n", "text/csv");
  CHECK(r.status == 400);
  j = json::parse(r.body);
  CHECK(j.value("parameter", "") == "body");
  const std::string d = j.value("description", "");
  CHECK(d.find("naam, telefoon") != std::string::npos);
  CHECK(d.find("postcode") != std::string::npos);
  // A body that lost its line breaks (curl -d @file) is not a silent {"count": 0}.
  r = call("POST", "/geocode", {}, "id,postcode,huisnummer1,8914GD,12,8914GD,2", "text/csv");
  CHECK(r.status == 400);
  CHECK(json::parse(r.body).value("description", "").find("--data-binary") != std::string::npos);
  // A one-column list of addresses is the most common input there is.
  r = call("POST", "/geocode", {}, "adres\nLeanewei 45 Grou\n8914GD 1\n", "text/csv");
  REQUIRE(r.status == 200);
  j = json::parse(r.body);
  REQUIRE(j["count"] == 2);
  CHECK(j["results"][0]["status"] == "address");
  CHECK(j["results"][1]["buurtcode"] == "BU00801001");
}
