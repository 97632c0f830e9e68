// In-process tests of /nearby and /locate against independent computations: every record's RD
// point read through the OGC API (crs=EPSG:28992), distances by brute force; /locate for
// register addresses against the truth file.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "geo/crs.hpp"
#include "geo/csv.hpp"
#include "layers/feature_store.hpp"
#include "server/in_process.hpp"
#include "server/service.hpp"
#include "test_paths.hpp"
#include "util/calendar.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {

using test::get;

const std::vector<std::string>& kSocial = test::kSocialCollections;

struct Record {
  std::string collection, id;
  double x = 0, y = 0;
  json properties;
};

/// Every placed record of the social base with its RD point, through the OGC API.
const std::vector<Record>& records() {
  static const std::vector<Record> all = [] {
    std::vector<Record> out;
    for (const auto& c : kSocial) {
      auto r = get("/collections/" + c + "/items",
                   {{"limit", "10000"}, {"crs", "http://www.opengis.net/def/crs/EPSG/0/28992"}});
      REQUIRE(r.status == 200);
      const json page = json::parse(r.body);
      for (const auto& f : page["features"]) {
        if (f["geometry"].is_null()) continue;
        Record rec{c, f["id"].get<std::string>(), f["geometry"]["coordinates"][0].get<double>(),
                   f["geometry"]["coordinates"][1].get<double>(), f["properties"]};
        out.push_back(std::move(rec));
      }
    }
    return out;
  }();
  return all;
}

struct Expected {
  std::string collection, id;
  double distance = 0;
};

/// Brute force: every record within `radius` of (x, y) that `keep` takes, nearest first (to the
/// millimetre), ties by id, at most `limit`.
template <typename Keep>
std::vector<Expected> brute(double x, double y, double radius, std::size_t limit, Keep keep) {
  std::vector<Expected> out;
  for (const auto& r : records()) {
    const double d = std::hypot(r.x - x, r.y - y);
    if (d <= radius && keep(r)) out.push_back({r.collection, r.id, d});
  }
  std::sort(out.begin(), out.end(), [](const Expected& a, const Expected& b) {
    const auto ma = std::llround(a.distance * 1000), mb = std::llround(b.distance * 1000);
    return ma != mb ? ma < mb : a.id < b.id;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::string rd_point(double x, double y) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "POINT(%.3f %.3f)", x, y);
  return buf;
}
const std::string kRd = "http://www.opengis.net/def/crs/EPSG/0/28992";

/// The answer is the brute-force list. The brute force reads RD points rounded to the
/// millimetre, so two answers less than 2 mm apart in distance may come in either order.
void check_against(const json& got, const std::vector<Expected>& want) {
  REQUIRE(got["features"].size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto& f = got["features"][i];
    const std::string id = f["id"].get<std::string>();
    INFO("answer " << i << ": " << id << " want " << want[i].id);
    std::size_t j = i;
    if (id != want[i].id) {
      for (std::size_t k = i > 2 ? i - 2 : 0; k < want.size() && k <= i + 2; ++k)
        if (want[k].id == id && std::abs(want[k].distance - want[i].distance) < 0.002) j = k;
    }
    CHECK(want[j].id == id);
    CHECK(f["properties"]["collection"] == want[j].collection);
    CHECK(f["properties"]["afstand_m"].get<double>() == Approx(want[j].distance).margin(0.06));
  }
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("nearby: radius and k-nearest agree with a brute-force scan", "[nearby]") {
  REQUIRE(records().size() > 300);
  const auto any = [](const Record&) { return true; };
  // Centres: on records (distance 0), between them, and in villages.
  std::vector<std::pair<double, double>> centres;
  for (std::size_t i = 0; i < records().size(); i += 37)
    centres.emplace_back(records()[i].x + 13.7, records()[i].y - 21.1);
  centres.emplace_back(records()[5].x, records()[5].y);
  for (const auto& [x, y] : centres) {
    INFO("centre " << x << " " << y);
    for (double radius : {250.0, 1000.0, 3000.0}) {
      auto r = get("/nearby", {{"coords", rd_point(x, y)},
                               {"crs", kRd},
                               {"within", std::to_string(radius)},
                               {"limit", "1000"}});
      REQUIRE(r.status == 200);
      check_against(json::parse(r.body), brute(x, y, radius, 1000, any));
    }
    // k nearest within the default radius (1000 m).
    auto r = get("/nearby", {{"coords", rd_point(x, y)}, {"crs", kRd}, {"limit", "10"}});
    REQUIRE(r.status == 200);
    check_against(json::parse(r.body), brute(x, y, 1000, 10, any));
    // In km.
    r = get("/nearby", {{"coords", rd_point(x, y)},
                        {"crs", kRd},
                        {"within", "1.5"},
                        {"within-units", "km"},
                        {"limit", "5"}});
    REQUIRE(r.status == 200);
    check_against(json::parse(r.body), brute(x, y, 1500, 5, any));
  }
}

TEST_CASE("nearby: the radius edge, ties, filters, collections and CRS", "[nearby]") {
  const Record& a = records()[42];
  // A second record exactly at the edge: within its distance it is in, a millimetre less out.
  const auto others = brute(a.x, a.y, 1e9, 2, [](const Record&) { return true; });
  REQUIRE(others.size() == 2);
  const double edge = others[1].distance;
  char within[64];
  std::snprintf(within, sizeof within, "%.4f", edge + 0.01);
  auto r = get("/nearby", {{"coords", rd_point(a.x, a.y)}, {"crs", kRd}, {"within", within}});
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["features"].size() ==
        brute(a.x, a.y, edge + 0.01, 50, [](auto&) { return true; }).size());
  std::snprintf(within, sizeof within, "%.4f", edge - 0.01);
  j = json::parse(
      get("/nearby", {{"coords", rd_point(a.x, a.y)}, {"crs", kRd}, {"within", within}}).body);
  CHECK(j["features"].size() ==
        brute(a.x, a.y, edge - 0.01, 50, [](auto&) { return true; }).size());

  // Ties: a point halfway between two records is equally far from both; the lower id first.
  const Record& b = records()[43];
  const double mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
  j = json::parse(
      get("/nearby",
          {{"coords", rd_point(mx, my)}, {"crs", kRd}, {"limit", "1000"}, {"within", "25000"}})
          .body);
  check_against(j, brute(mx, my, 25000, 1000, [](auto&) { return true; }));

  // Property filters and collections.
  const auto by = [](std::string key, std::string value) {
    return [key, value](const Record& rec) {
      return rec.properties.contains(key) && rec.properties[key].is_string() &&
             rec.properties[key].get<std::string>() == value;
    };
  };
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"soort", "initiatief"}, {"categorie", "sport"}, {"gebied", "dorpen"}}) {
    INFO(key << "=" << value);
    r = get("/nearby", {{"coords", rd_point(a.x, a.y)},
                        {"crs", kRd},
                        {"within", "25000"},
                        {"limit", "1000"},
                        {key, value}});
    REQUIRE(r.status == 200);
    check_against(json::parse(r.body), brute(a.x, a.y, 25000, 1000, by(key, value)));
  }
  r = get("/nearby", {{"coords", rd_point(a.x, a.y)},
                      {"crs", kRd},
                      {"within", "25000"},
                      {"limit", "1000"},
                      {"collections", "ontmoetingsplekken, ondersteuning"}});
  REQUIRE(r.status == 200);
  check_against(json::parse(r.body), brute(a.x, a.y, 25000, 1000, [](const Record& rec) {
                  return rec.collection == "ontmoetingsplekken" ||
                         rec.collection == "ondersteuning";
                }));
  // datetime: the development store has no dates, so every record takes place "then".
  r = get("/nearby", {{"coords", rd_point(a.x, a.y)},
                      {"crs", kRd},
                      {"limit", "10"},
                      {"datetime", "2026-12-01/2026-12-07"}});
  REQUIRE(r.status == 200);
  check_against(json::parse(r.body), brute(a.x, a.y, 1000, 10, [](auto&) { return true; }));

  // The same centre in CRS84 and EPSG:4326 (lat lon): the same answer.
  const auto rd = json::parse(get("/nearby", {{"coords", rd_point(a.x, a.y)}, {"crs", kRd}}).body);
  const double lon = rd["centre"]["lon"].get<double>(), lat = rd["centre"]["lat"].get<double>();
  char wgs[96];
  std::snprintf(wgs, sizeof wgs, "POINT(%.9f %.9f)", lon, lat);
  const auto crs84 = json::parse(get("/nearby", {{"coords", wgs}}).body);
  std::snprintf(wgs, sizeof wgs, "POINT(%.9f %.9f)", lat, lon);
  const auto epsg4326 = json::parse(
      get("/nearby", {{"coords", wgs}, {"crs", "http://www.opengis.net/def/crs/EPSG/0/4326"}})
          .body);
  REQUIRE(crs84["features"].size() == rd["features"].size());
  REQUIRE(epsg4326["features"].size() == rd["features"].size());
  for (std::size_t i = 0; i < rd["features"].size(); ++i) {
    CHECK(crs84["features"][i]["id"] == rd["features"][i]["id"]);
    CHECK(epsg4326["features"][i]["id"] == rd["features"][i]["id"]);
  }
  // Output in RD: the geometry of each answer is the record's RD point.
  for (const auto& f : rd["features"]) {
    const auto it = std::find_if(records().begin(), records().end(),
                                 [&](const Record& rec) { return rec.id == f["id"]; });
    REQUIRE(it != records().end());
    CHECK(f["geometry"]["coordinates"][0].get<double>() == Approx(it->x).margin(0.01));
    CHECK(f["geometry"]["coordinates"][1].get<double>() == Approx(it->y).margin(0.01));
  }
}

TEST_CASE("nearby: private fields never, CSV and HTML, the address as q", "[nearby]") {
  const Record& a = records()[7];
  for (const std::string f : {"json", "csv", "html"}) {
    auto r = get("/nearby", {{"coords", rd_point(a.x, a.y)},
                             {"crs", kRd},
                             {"within", "25000"},
                             {"limit", "1000"},
                             {"f", f}});
    REQUIRE(r.status == 200);
    CHECK_FALSE(contains(r.body, "contact_"));
    CHECK_FALSE(contains(r.body, "@example.nl"));
    CHECK_FALSE(contains(r.body, "06-"));
    if (f == "csv") {
      CHECK(contains(r.content_type, "text/csv"));
      CHECK(r.body.rfind("collection,afstand_m,id,lon,lat", 0) == 0);
      const auto want = brute(a.x, a.y, 25000, 1000, [](auto&) { return true; });
      CHECK(std::count(r.body.begin(), r.body.end(), '\n') == static_cast<long>(want.size() + 1));
    }
    if (f == "html") CHECK(contains(r.body, "<ol>"));
  }
  // An address: geocoded, then the same as its point.
  auto r = get("/nearby", {{"q", "Tweede Beukenpad 29, Leeuwarden"}, {"limit", "3"}});
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["geocode"]["status"] == "address");
  const double x = j["centre"]["x"].get<double>(), y = j["centre"]["y"].get<double>();
  check_against(j, brute(x, y, 1000, 3, [](auto&) { return true; }));
}

// Found by fuzzing (tests/fuzz, fuzz_http): a place name that is not UTF-8 is corrected as a
// typo, and the warning that quotes it made the JSON encoder throw (a 500).
TEST_CASE("nearby: a q that is not UTF-8 is answered in valid JSON", "[nearby][fuzz]") {
  auto r = get("/nearby", {{"q",
                            "Tweede Beukenpad 29, Leeuw\xAD"
                            "rden"},
                           {"limit", "3"}});
  REQUIRE(r.status == 200);
  const auto j = json::parse(r.body);  // throws on invalid UTF-8
  CHECK(j["geocode"]["status"] != "unmatched");
  CHECK(j["features"].size() == 3);
}

TEST_CASE("nearby and locate: bad input is a 4xx naming the parameter", "[nearby]") {
  const std::string c = "POINT(5.7965 53.2005)";
  struct Case {
    std::vector<std::pair<std::string, std::string>> query;
    int status;
    std::string parameter;
  };
  const std::vector<Case> cases = {
      {{{"coords", c}, {"within", "-1"}}, 400, "within"},
      {{{"coords", c}, {"within", "1e9"}}, 400, "within"},
      {{{"coords", c}, {"within", "ver"}}, 400, "within"},
      {{{"coords", c}, {"within", "5"}, {"within-units", "parsec"}}, 400, "within-units"},
      {{{"coords", c}, {"limit", "0"}}, 400, "limit"},
      {{{"coords", c}, {"limit", "1000000"}}, 400, "limit"},
      {{{"coords", c}, {"collections", "buurten"}}, 400, "collections"},
      {{{"coords", c}, {"collections", "nergens"}}, 400, "collections"},
      {{{"coords", c}, {"soort", "kasteel"}}, 200, ""},  // a value no record has: none found
      {{{"coords", c}, {"onbekend", "x"}}, 400, "onbekend"},
      {{{"coords", c}, {"contact_email", "x"}}, 400, "contact_email"},
      {{{"coords", "POINT(5.79)"}}, 400, "coords"},
      {{{"coords", "5.79 53.2"}}, 400, "coords"},
      {{{"coords", "POINT(5.79 53.2"}}, 400, "coords"},
      {{{"coords", "POINT(abc 53.2)"}}, 400, "coords"},
      {{{"coords", "POINT(53.2005 5.7965)"}}, 400, "coords"},  // lat lon in CRS84
      {{{"coords", "POINT(500 100)"}}, 400, "coords"},
      {{{"coords", c}, {"crs", "EPSG:9999"}}, 400, "crs"},
      {{}, 400, "coords"},
      {{{"coords", c}, {"q", "Marisdijk 1"}}, 400, "q"},
      {{{"q", "Nergensstraat 1, Leeuwarden"}}, 404, "q"},
      {{{"coords", c}, {"datetime", "gisteren"}}, 400, "datetime"},
      {{{"coords", c}, {"f", "xml"}}, 400, "f"},
      {{{"coords", c}, {"within", "5"}, {"within", "6"}}, 400, "within"},
  };
  for (const auto& k : cases) {
    std::string shown;
    for (const auto& [n, v] : k.query) shown += n + "=" + v + "&";
    INFO(shown);
    auto r = get("/nearby", k.query);
    CHECK(r.status == k.status);
    if (k.status != 200) {
      auto j = json::parse(r.body);
      CHECK(j["parameter"] == k.parameter);
      CHECK(contains(j["description"].get<std::string>(), k.parameter));
    } else {
      CHECK(json::parse(r.body)["features"].empty());
    }
  }
  // /locate: outside the gemeente is a 404 naming coords; unknown parameters are 400.
  auto r = get("/locate", {{"coords", "POINT(4.9 52.37)"}});  // Amsterdam
  CHECK(r.status == 404);
  CHECK(json::parse(r.body)["parameter"] == "coords");
  r = get("/locate", {{"coords", c}, {"within", "5"}});
  CHECK(r.status == 400);
  r = get("/locate", {{"q", "Nergensstraat 1, Leeuwarden"}});
  CHECK(r.status == 404);
  CHECK(contains(json::parse(r.body)["description"].get<std::string>(), "unknown street"));
}

TEST_CASE("locate: register addresses land in their truth gebied, with the team", "[nearby]") {
  std::map<std::string, std::map<std::string, std::string>> truth;
  for (auto& row :
       geo::read_csv_file(test::shared_data("synthetic/bag_leeuwarden_synthetic_truth.csv"))
           .named_rows())
    truth[row["identificatie"]] = row;
  const auto rows =
      geo::read_csv_file(test::shared_data("synthetic/bag_leeuwarden_synthetic.csv")).named_rows();
  REQUIRE(rows.size() > 80000);
  std::size_t checked = 0;
  for (std::size_t i = 0; i < rows.size(); i += 997) {
    const auto& a = rows[i];
    std::string q = a.at("postcode") + " " + a.at("huisnummer") + a.at("huisletter");
    if (!a.at("toevoeging").empty()) q += "-" + a.at("toevoeging");
    INFO(q);
    auto r = get("/locate", {{"q", q}});
    REQUIRE(r.status == 200);
    auto j = json::parse(r.body);
    const auto& t = truth.at(a.at("identificatie"));
    CHECK(j["buurt"]["code"] == t.at("buurtcode"));
    CHECK(j["wijk"]["code"] == t.at("wijkcode"));
    CHECK(j["gebied"]["id"] == t.at("gebied"));
    CHECK(j["gebied"]["team"]["name"].is_string());
    // Unknown details are null with a note, never an empty string.
    for (const char* k : {"email", "phone", "address", "website"}) {
      const auto& v = j["gebied"]["team"][k];
      CHECK((v.is_null() || (v.is_string() && !v.get<std::string>().empty())));
    }
    CHECK(j["geocode"]["status"] == "address");
    // The nearest meeting place, with its distance.
    if (!j["dichtstbijzijnde_ontmoetingsplek"].is_null()) {
      const auto& m = j["dichtstbijzijnde_ontmoetingsplek"];
      CHECK(m["properties"]["collection"] == "ontmoetingsplekken");
      const double x = j["point"]["x"].get<double>(), y = j["point"]["y"].get<double>();
      const auto want = brute(
          x, y, 1e9, 1, [](const Record& rec) { return rec.collection == "ontmoetingsplekken"; });
      REQUIRE(want.size() == 1);
      CHECK(m["id"] == want[0].id);
      CHECK(m["properties"]["afstand_m"].get<double>() == Approx(want[0].distance).margin(0.06));
    }
    ++checked;
  }
  CHECK(checked > 80);
}

TEST_CASE("overviews: counts per buurt agree with the boundary counts, white spots, formats",
          "[overview]") {
  for (const std::string id : {"dorpen", "centrum", "noord"}) {
    INFO(id);
    auto r = get("/gebieden/" + id + "/overzicht");
    REQUIRE(r.status == 200);
    const json o = json::parse(r.body);
    CHECK(o["niveau"] == "gebied");
    CHECK(o["team"]["name"].is_string());
    // The gebied's totals are its aantal_* on the gebieden collection.
    const json g = json::parse(get("/collections/gebieden/items/" + id).body);
    for (const auto& c : kSocial)
      CHECK(o["totaal"]["per_collectie"][c] == g["properties"]["aantal_" + c]);
    std::size_t white = 0;
    for (const auto& b : o["buurten"]) {
      const std::string code = b["buurtcode"].get<std::string>();
      INFO(code);
      const json bu = json::parse(get("/collections/buurten/items/" + code).body);
      CHECK(bu["properties"]["gebied"] == id);
      for (const auto& c : kSocial) CHECK(b["per_collectie"][c] == bu["properties"]["aantal_" + c]);
      const bool no_meeting = bu["properties"]["aantal_ontmoetingsplekken"] == 0;
      const auto& missing = b["ontbreekt"];
      CHECK((std::find(missing.begin(), missing.end(), "ontmoetingsplek") != missing.end()) ==
            no_meeting);
      CHECK(b["inwoners"].is_null());  // the development boundaries carry no population
      if (!missing.empty()) ++white;
    }
    CHECK(o["witte_vlekken"].size() == white);
    // Every meeting place listed lies in the gebied.
    for (const auto& m : o["ontmoetingsplekken"]) {
      const json f = json::parse(
          get("/collections/ontmoetingsplekken/items/" + m["id"].get<std::string>()).body);
      CHECK(f["properties"]["gebied"] == id);
    }
    // The population is said to be unknown, not 0.
    bool said = false;
    for (const auto& n : o["notities"]) said = said || contains(n.get<std::string>(), "inwoners");
    CHECK(said);
    // CSV: a header and one row per buurt.
    r = get("/gebieden/" + id + "/overzicht", {{"f", "csv"}});
    REQUIRE(r.status == 200);
    CHECK(static_cast<std::size_t>(std::count(r.body.begin(), r.body.end(), '\n')) ==
          o["buurten"].size() + 1);
    r = get("/gebieden/" + id + "/overzicht", {{"f", "html"}});
    REQUIRE(r.status == 200);
    CHECK(contains(r.body, "<table>"));
  }
  auto r = get("/wijken/WK008082/overzicht");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["buurten"].size() == 9);
  r = get("/buurten/BU00808206/overzicht");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["naam"] == "Grou");
  CHECK(get("/gebieden/nergens/overzicht").status == 404);
  CHECK(get("/buurten/BU0000/overzicht").status == 404);
  CHECK(get("/gebieden/dorpen/overzicht", {{"f", "docx"}}).status == 400);
  CHECK(get("/gebieden/dorpen/overzicht", {{"x", "1"}}).status == 400);
  for (const auto& body : {get("/gebieden/dorpen/overzicht").body,
                           get("/gebieden/dorpen/overzicht", {{"f", "csv"}}).body}) {
    CHECK_FALSE(contains(body, "@example.nl"));
    CHECK_FALSE(contains(body, "contact_"));
  }
}

TEST_CASE("overviews: the population comes from the boundary data when it has it", "[overview]") {
  // The development buurten with CBS's aantal_inwoners added: one secret (CBS: negative).
  json fc;
  std::ifstream(test::shared_data("leeuwarden_buurten_2023_cartomap.geojson")) >> fc;
  std::map<std::string, std::int64_t> population;
  std::int64_t n = 100;
  for (auto& f : fc["features"]) {
    const std::string code = f["properties"]["statcode"].get<std::string>();
    if (code == "BU00808206") {
      f["properties"]["aantal_inwoners"] = -99999999;
    } else {
      f["properties"]["aantal_inwoners"] = n;
      population[code] = n;
      n += 10;
    }
  }
  const auto path = test::temp_path("buurten_inwoners.geojson");
  test::write_file(path, fc.dump());
  geo::Config config = test::load_default_config();
  config.buurten.sources = {path.string()};
  const server::Service s(server::load_state(config));
  server::Request req;
  req.method = "GET";
  req.path = "/wijken/WK008082/overzicht";
  req.headers["host"] = "gebieden.test";
  const auto r = s.handle(req);
  REQUIRE(r.status == 200);
  const json o = json::parse(r.body);
  REQUIRE(o["buurten"].size() == 9);
  for (const auto& b : o["buurten"]) {
    const std::string code = b["buurtcode"].get<std::string>();
    if (code == "BU00808206")
      CHECK(b["inwoners"].is_null());  // secret: unknown, not 0
    else
      CHECK(b["inwoners"] == population.at(code));
  }
  for (const auto& note : o["notities"]) CHECK_FALSE(contains(note.get<std::string>(), "inwoners"));
  // And on the buurten collection.
  req.path = "/collections/buurten/items/BU00808201";
  CHECK(json::parse(s.handle(req).body)["properties"]["aantal_inwoners"] ==
        population.at("BU00808201"));
}

TEST_CASE("nearby: datetime selects activities by their start and end, as a brute force does",
          "[nearby][store]") {
  // A service of its own on a temporary store, with 24 activities of known times and places.
  geo::Config config = test::load_default_config();
  config.store.path = test::temp_path("nearby-time.gpkg").string();
  auto state = server::load_state(config);
  const server::Service service(state);
  geo::Transformer to_rd(4326, 28992);
  struct Act {
    std::string id;
    double x, y;
    std::optional<std::int64_t> start, end;
  };
  std::vector<Act> acts;
  const std::int64_t day = 86400000, base = util::parse_iso_datetime("2026-12-01")->millis;
  for (int i = 0; i < 24; ++i) {
    const geo::XY p{5.7965 + 0.0004 * (i % 6), 53.2005 + 0.0003 * (i / 6)};
    Act a{"TIJD-" + std::to_string(100 + i), 0, 0, {}, {}};
    const geo::XY rd = to_rd.forward(p);
    a.x = rd.x, a.y = rd.y;
    layers::WriteRequest w;
    w.op = layers::WriteOp::Create;
    w.record.id = a.id;
    w.record.values = {{"naam", "Activiteit " + std::to_string(i)}, {"soort", "activiteit"}};
    w.record.point_crs84 = p;
    w.actor = "test";
    if (i % 4 != 3) {  // every fourth has no times: it always takes place
      a.start = base + (i - 8) * day / 2;
      w.record.values["start"] = util::format_iso_datetime(*a.start, false);
      if (i % 4 != 2) {  // and some have a start only
        a.end = *a.start + (i % 3 + 1) * day / 3;
        w.record.values["eind"] = util::format_iso_datetime(*a.end, false);
      }
    }
    REQUIRE(state->store->write(w).ok());
    acts.push_back(a);
  }
  const double cx = acts[0].x, cy = acts[0].y;
  auto ask = [&](const std::string& datetime) {
    server::Request r;
    r.method = "GET";
    r.path = "/nearby";
    char coords[96];
    std::snprintf(coords, sizeof coords, "POINT(%.3f %.3f)", cx, cy);
    r.query = {{"coords", coords},
               {"crs", "http://www.opengis.net/def/crs/EPSG/0/28992"},
               {"within", "500"},
               {"limit", "100"},
               {"collections", "activiteiten"},
               {"datetime", datetime}};
    r.headers["host"] = "gebieden.test";
    const auto resp = service.handle(r);
    REQUIRE(resp.status == 200);
    const json answer = json::parse(resp.body);
    std::vector<std::string> ids;
    for (const auto& f : answer["features"])
      if (f["id"].get<std::string>().rfind("TIJD-", 0) == 0) ids.push_back(f["id"]);
    return ids;
  };
  // The brute force: an activity takes place in [a, b] when its [start, end] meets it (no end:
  // open, from its start on, as an OGC temporal extent "start/.."; no times: always), nearest
  // first, ties by id.
  auto brute = [&](std::optional<std::int64_t> a, std::optional<std::int64_t> b) {
    std::vector<std::pair<double, std::string>> hits;
    for (const auto& act : acts) {
      const double d = std::hypot(act.x - cx, act.y - cy);
      if (d > 500) continue;
      bool meets = true;
      if (act.start) {
        const std::int64_t s = *act.start;
        meets = (!b || s <= *b) && (!a || !act.end || *act.end >= *a);
      }
      if (meets) hits.push_back({std::round(d * 1000) / 1000, act.id});
    }
    std::sort(hits.begin(), hits.end());
    std::vector<std::string> ids;
    for (const auto& h : hits) ids.push_back(h.second);
    return ids;
  };
  const auto t = [&](const char* s) { return util::parse_iso_datetime(s)->millis; };
  CHECK(ask("2026-11-29T00:00:00Z/2026-11-30T00:00:00Z") ==
        brute(t("2026-11-29T00:00:00Z"), t("2026-11-30T00:00:00Z")));
  CHECK(ask("2026-12-01T12:00:00Z") == brute(t("2026-12-01T12:00:00Z"), t("2026-12-01T12:00:00Z")));
  CHECK(ask("2026-12-03/..") == brute(t("2026-12-03"), std::nullopt));
  CHECK(ask("../2026-11-28T00:00:00Z") == brute(std::nullopt, t("2026-11-28T00:00:00Z")));
  // A whole day: 2026-12-02 from midnight to the last millisecond.
  CHECK(ask("2026-12-02") == brute(t("2026-12-02"), t("2026-12-03") - 1));
  // Some answers differ, so the test can tell a wrong selection.
  CHECK(ask("2026-11-29T00:00:00Z/2026-11-30T00:00:00Z") != ask("2026-12-03/.."));
}
