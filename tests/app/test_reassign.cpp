// Tests of `gebieden reassign`: records placed with one set of boundaries, recomputed with
// another. A hand-drawn boundary change (every kind of move, asserted one by one), the input
// forms (geocode columns, raw x/y and lon/lat, point geometries), bad input, and the real thing:
// the 400 organisations geocoded with the CBS 2023 buurten, reassigned to the 2014 buurten and
// back.
//
// Data paths come from test_paths.hpp (GEBIEDEN_SOURCE_DIR, the repository root).

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/geocode_command.hpp"
#include "app/reassign_command.hpp"
#include "geo/address_register.hpp"
#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/crs.hpp"
#include "geo/csv.hpp"
#include "geo/geocoder.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using namespace gebieden::geo;
namespace fs = std::filesystem;

namespace {

using Row = std::map<std::string, std::string>;

using test::temp_path;
using test::write_file;

/// A CSV file: the header, and the rows by column name.
struct Csv {
  std::vector<std::string> header;
  std::vector<Row> rows;
};

Csv read_csv(const std::string& path) {
  const CsvTable t = read_csv_file(path);
  return Csv{t.header, t.named_rows()};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const app::AreaMove* find_move(const app::ReassignLevel& level, const std::string& from,
                               const std::string& to) {
  for (const auto& m : level.moves)
    if (m.from == from && m.to == to) return &m;
  return nullptr;
}

std::size_t moved_records(const app::ReassignLevel& level, const std::string& from,
                          const std::string& to) {
  const app::AreaMove* m = find_move(level, from, to);
  return m ? m->records : 0;
}

// ---- a hand-drawn boundary change ----------------------------------------------------------
// The new layout: four buurten in a row along x (RD, y 579000..580000). The old one, as the
// records remember it, had BU00809902 from 183000 to 184000, a BU00809905 east of 185000 and
// WK008098 in gebied dorpen.
//
//   x: 182000    183000   183500   184000      185000
//      | 9901      | 9902   | 9903   | 9904      |
//      |  WK008099 (centrum)|  WK008098 (west)   |

Buurt square(std::string code, std::string name, std::string wijk, double x0, double x1) {
  Buurt b;
  b.code = std::move(code);
  b.name = std::move(name);
  b.wijkcode = std::move(wijk);
  b.rd = Geometry::box(Box{x0, 579000, x1, 580000, true});
  return b;
}

AreaModel hand_drawn_model() {
  std::vector<Buurt> buurten;
  buurten.push_back(square("BU00809901", "Noord Een", "WK008099", 182000, 183000));
  buurten.push_back(square("BU00809902", "Noord Twee", "WK008099", 183000, 183500));
  buurten.push_back(square("BU00809903", "Noord Drie", "WK008098", 183500, 184000));
  buurten.push_back(square("BU00809904", "Noord Vier", "WK008098", 184000, 185000));
  AreaSchemeConfig scheme;
  scheme.gebieden.push_back(GebiedConfig{"centrum", "Centrum", {"WK008099"}, {}});
  scheme.gebieden.push_back(GebiedConfig{"west", "West", {"WK008098"}, {}});
  return AreaModel::build(std::move(buurten),
                          {{"WK008099", "Proefwijk"}, {"WK008098", "Nieuwe wijk"}}, scheme,
                          "GM0080", "Leeuwarden");
}

/// The old placements, as `gebieden geocode` wrote them (with a private column).
std::string hand_drawn_input() {
  const Transformer to_wgs84(28992, 4326);
  const XY ll = to_wgs84.forward(XY{184500, 579500});
  char lon[32], lat[32];
  std::snprintf(lon, sizeof lon, "%.9f", ll.x);
  std::snprintf(lat, sizeof lat, "%.9f", ll.y);
  return std::string(
             "id,naam,contact_email,geocode_status,geocode_x,geocode_y,geocode_lon,geocode_lat,"
             "buurtcode,buurtnaam,wijkcode,wijknaam,gebied,gebiednaam\n"
             "1,Een blijft,a@example.org,address,182500,579500,,,BU00809901,Noord Een,WK008099,"
             "Proefwijk,centrum,Centrum\n"
             "2,Twee blijft,,address,183200,579500,,,BU00809902,Noord Twee,WK008099,Proefwijk,"
             "centrum,Centrum\n"
             "3,Twee wordt Drie,,address,183700,579500,,,BU00809902,Noord Twee,WK008099,"
             "Proefwijk,centrum,Centrum\n"
             "4,\"Ook Drie, met komma\",,address,183800,579400,,,BU00809902,Noord Twee,WK008099,"
             "Proefwijk,centrum,Centrum\n"
             "5,Vier naar West,,coordinates,184500,579500,,,BU00809904,Noord Vier,WK008098,"
             "Oude wijk,dorpen,Dorpen\n"
             "6,Vijf valt weg,,address,186000,579500,,,BU00809905,Noord Vijf,WK008097,Oost,"
             "dorpen,Dorpen\n"
             "7,Niet gevonden,,unmatched,,,,,,,,,,\n"
             "8,Kapot punt,,address,abc,579500,,,BU00809901,Noord Een,WK008099,Proefwijk,centrum,"
             "Centrum\n"
             "9,Was buiten,,outside,182600,579500,,,,,,,,\n"
             "10,Blijft buiten,,outside,190000,579500,,,,,,,,\n"
             "11,Alleen lon/lat,,coordinates,,,") +
         lon + "," + lat + ",BU00809904,Noord Vier,WK008098,Nieuwe wijk,west,West\n";
}

// ---- real data -----------------------------------------------------------------------------

const Config& config_2023() {
  static const Config config = [] {
    GDALAllRegister();
    return test::load_default_config();
  }();
  return config;
}

const AreaModel& model_2023() {
  static const AreaModel model = AreaModel::load(config_2023());
  return model;
}

/// The 2014 buurten without the rings that the quantisation to ~300 m collapsed: 17 small
/// buurten (villages such as Britsum and Warten, and Stationskwartier in the city) are a point
/// or a line there, and their holes in the surrounding buurt rings of 2 points, which the GEOS
/// WKB reader (and so AreaModel::load) refuses. A ring is kept when it has at least 3 distinct
/// consecutive corners; a buurt without a ring left is dropped: its area becomes part of the
/// surrounding buurt (a hole removed) or a gap (a buurt removed).
fs::path write_buurten_2014() {
  std::ifstream in(test::shared_data("leeuwarden_area_buurten_2014_ties_q1e3.geojson"));
  REQUIRE(in);
  nlohmann::json j = nlohmann::json::parse(in);
  nlohmann::json features = nlohmann::json::array();
  for (auto& f : j.at("features")) {
    nlohmann::json& g = f.at("geometry");
    nlohmann::json polygons = g.at("type") == "Polygon"
                                  ? nlohmann::json::array({g.at("coordinates")})
                                  : g.at("coordinates");
    nlohmann::json kept = nlohmann::json::array();
    for (auto& polygon : polygons) {
      nlohmann::json rings = nlohmann::json::array();
      for (auto& ring : polygon) {
        nlohmann::json clean = nlohmann::json::array();
        for (auto& c : ring)
          if (clean.empty() || clean.back() != c) clean.push_back(c);
        if (clean.size() >= 4)
          rings.push_back(clean);
        else if (rings.empty())
          break;  // the exterior collapsed: drop the polygon
      }
      if (!rings.empty()) kept.push_back(rings);
    }
    if (kept.empty()) continue;
    g = {{"type", "MultiPolygon"}, {"coordinates", kept}};
    features.push_back(f);
  }
  j["features"] = features;
  const fs::path path = temp_path("buurten-2014.geojson");
  write_file(path, j.dump());
  return path;
}

/// A configuration of the 2014 buurten (old codes BU0080…, BU0081…, BU0140…) with a scheme of
/// our own: each 2014 wijk in the gebied that holds most of its buurten according to the
/// indicative 2014 -> 2023 table; the wijken of Littenseradiel that did not join Leeuwarden
/// (no 2023 wijk) form a gebied "elders".
fs::path write_config_2014() {
  std::map<std::string, std::string> gebied_of_2023_wijk;
  for (const auto& g : config_2023().scheme.gebieden)
    for (const auto& w : g.wijken) gebied_of_2023_wijk[w] = g.id;
  std::map<std::string, std::map<std::string, int>> votes;  // 2014 wijk -> gebied -> buurten
  for (const auto& r :
       read_csv(test::shared_data("buurten2014_to_wijken2023_indicative.csv")).rows) {
    const std::string& wk2023 = r.at("wk2023_code");
    votes["WK" + r.at("bu2014_code").substr(2, 6)]
         [wk2023.empty() ? "elders" : gebied_of_2023_wijk.at(wk2023)] += wk2023.empty() ? 1 : 100;
  }
  std::map<std::string, std::vector<std::string>> wijken_of;
  for (const auto& [wijk, v] : votes) {
    auto best = v.begin();
    for (auto it = v.begin(); it != v.end(); ++it)
      if (it->second > best->second) best = it;
    wijken_of[best->first].push_back(wijk);
  }
  nlohmann::json scheme;
  scheme["status"] = "test: 2014 wijken by the indicative table";
  for (const auto& g : config_2023().scheme.gebieden) {
    if (!wijken_of.count(g.id)) continue;
    scheme["gebieden"].push_back({{"id", g.id}, {"name", g.name}, {"wijken", wijken_of[g.id]}});
  }
  if (wijken_of.count("elders"))
    scheme["gebieden"].push_back(
        {{"id", "elders"}, {"name", "Elders"}, {"wijken", wijken_of["elders"]}});
  nlohmann::json j = {{"gemeente", {{"code", "GM0080"}, {"name", "Leeuwarden"}}},
                      {"boundaries",
                       {{"buurten",
                         {{"sources", {write_buurten_2014().string()}},
                          {"fields", {{"code", {"statcode"}}, {"name", {"statnaam"}}}},
                          {"gemeente_filter", ""}}}}},
                      {"scheme", scheme}};
  const fs::path path = temp_path("leeuwarden-2014.json");
  write_file(path, j.dump(2));
  return path;
}

}  // namespace

// ==== a hand-drawn boundary change ===========================================================

TEST_CASE("reassign: a hand-drawn boundary change, every kind of move", "[reassign]") {
  const AreaModel model = hand_drawn_model();
  const fs::path input = temp_path("placed.csv");
  write_file(input, hand_drawn_input());
  const fs::path output = temp_path("reassigned.csv");
  app::ReassignCliOptions o;
  o.input = input.string();
  o.output = output.string();

  std::ostringstream out, err;
  REQUIRE(app::run_reassign(model, o, out, err) == 0);
  INFO(err.str());
  const std::string text = out.str();
  INFO(text);

  SECTION("the report") {
    const app::ReassignReport r = app::reassign_file(model, o);
    CHECK(r.records == 11);
    CHECK(r.buurten == 4);
    CHECK(r.location == "geocode_x, geocode_y (RD), else geocode_lon, geocode_lat (WGS84)");
    CHECK(r.kept == 3);           // 1, 2, 11
    CHECK(r.moved == 3);          // 3, 4 (buurt, wijk, gebied), 5 (gebied only)
    CHECK(r.now_outside == 1);    // 6
    CHECK(r.now_inside == 1);     // 9
    CHECK(r.still_outside == 1);  // 10
    CHECK(r.without_point == 2);  // 7 (never placed), 8 (geocode_x 'abc')
    CHECK(r.cleared == 1);        // 8 had an area
    CHECK(r.unreadable == 1);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0] == "row 8 (id 8): geocode_x 'abc' is not a number");

    CHECK(r.buurt.compared);
    CHECK(r.buurt.kept == 4);  // 1, 2, 5, 11
    CHECK(r.buurt.changed == 4);
    REQUIRE(r.buurt.moves.size() == 3);
    CHECK(r.buurt.moves[0].from == "BU00809902");  // most records first
    CHECK(r.buurt.moves[0].from_name == "Noord Twee");
    CHECK(r.buurt.moves[0].to == "BU00809903");
    CHECK(r.buurt.moves[0].to_name == "Noord Drie");
    CHECK(r.buurt.moves[0].records == 2);
    CHECK(moved_records(r.buurt, "BU00809905", "(outside)") == 1);
    CHECK(moved_records(r.buurt, "(none)", "BU00809901") == 1);

    CHECK(r.wijk.kept == 4);
    CHECK(r.wijk.changed == 4);
    CHECK(moved_records(r.wijk, "WK008099", "WK008098") == 2);
    CHECK(moved_records(r.wijk, "WK008097", "(outside)") == 1);
    CHECK(moved_records(r.wijk, "(none)", "WK008099") == 1);
    CHECK(find_move(r.wijk, "WK008099", "WK008098")->to_name == "Nieuwe wijk");

    CHECK(r.gebied.kept == 3);  // 1, 2, 11
    CHECK(r.gebied.changed == 5);
    CHECK(moved_records(r.gebied, "centrum", "west") == 2);
    CHECK(moved_records(r.gebied, "dorpen", "west") == 1);
    CHECK(moved_records(r.gebied, "dorpen", "(outside)") == 1);
    CHECK(moved_records(r.gebied, "(none)", "centrum") == 1);
  }

  SECTION("the printed report lists the moves from where to where") {
    CHECK(contains(text, "reassigned 11 records of " + input.string()));
    CHECK(contains(text, "kept their buurt, wijk and gebied"));
    CHECK(contains(text, "\n  now outside the gemeente "));
    CHECK(contains(text, " 1     9.1 %\n  now inside the gemeente (no area before) "));
    CHECK(contains(text, "row 8 (id 8): geocode_x 'abc' is not a number"));
    CHECK(contains(text,
                   "buurt moves (3):\n"
                   "  BU00809902 (Noord Twee) → BU00809903 (Noord Drie): 2 records\n"));
    CHECK(contains(text, "  BU00809905 (Noord Vijf) → (outside): 1 record\n"));
    CHECK(contains(text, "  (none) → BU00809901 (Noord Een): 1 record\n"));
    CHECK(contains(text, "  WK008099 (Proefwijk) → WK008098 (Nieuwe wijk): 2 records\n"));
    CHECK(contains(text, "gebied moves (4):\n  centrum (Centrum) → west (West): 2 records\n"));
    CHECK(contains(text, "  dorpen (Dorpen) → west (West): 1 record\n"));
    CHECK(contains(text, "  dorpen (Dorpen) → (outside): 1 record\n"));
  }

  SECTION("the output keeps every row and column, updates the areas, adds vorige_*") {
    const Csv in = read_csv(input.string());
    const Csv res = read_csv(output.string());
    std::vector<std::string> want_header = in.header;
    for (const char* c : {"vorige_buurtcode", "vorige_wijkcode", "vorige_gebied", "verplaatst"})
      want_header.push_back(c);
    CHECK(res.header == want_header);
    REQUIRE(res.rows.size() == in.rows.size());
    const std::set<std::string> areas = {"buurtcode", "buurtnaam", "wijkcode",
                                         "wijknaam",  "gebied",    "gebiednaam"};
    for (std::size_t i = 0; i < in.rows.size(); ++i) {
      INFO("row " << i + 1);
      for (const auto& [column, value] : in.rows[i]) {
        if (!areas.count(column)) CHECK(res.rows[i].at(column) == value);
      }
      CHECK(res.rows[i].at("vorige_buurtcode") == in.rows[i].at("buurtcode"));
      CHECK(res.rows[i].at("vorige_wijkcode") == in.rows[i].at("wijkcode"));
      CHECK(res.rows[i].at("vorige_gebied") == in.rows[i].at("gebied"));
    }
    // id -> buurtcode, wijkcode, gebied, buurtnaam, verplaatst
    const std::vector<std::vector<std::string>> want = {
        {"BU00809901", "WK008099", "centrum", "Noord Een", "no"},
        {"BU00809902", "WK008099", "centrum", "Noord Twee", "no"},
        {"BU00809903", "WK008098", "west", "Noord Drie", "yes"},
        {"BU00809903", "WK008098", "west", "Noord Drie", "yes"},
        {"BU00809904", "WK008098", "west", "Noord Vier", "yes"},
        {"", "", "", "", "yes"},
        {"", "", "", "", "no"},
        {"", "", "", "", "yes"},
        {"BU00809901", "WK008099", "centrum", "Noord Een", "yes"},
        {"", "", "", "", "no"},
        {"BU00809904", "WK008098", "west", "Noord Vier", "no"},
    };
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO("row " << i + 1);
      const Row& r = res.rows[i];
      CHECK(r.at("buurtcode") == want[i][0]);
      CHECK(r.at("wijkcode") == want[i][1]);
      CHECK(r.at("gebied") == want[i][2]);
      CHECK(r.at("buurtnaam") == want[i][3]);
      CHECK(r.at("verplaatst") == want[i][4]);
    }
    CHECK(res.rows[2].at("wijknaam") == "Nieuwe wijk");
    CHECK(res.rows[2].at("gebiednaam") == "West");
    CHECK(res.rows[3].at("naam") == "Ook Drie, met komma");
    CHECK(res.rows[0].at("contact_email") == "a@example.org");  // the owner's file: kept
  }

  SECTION("reassigning the output again changes nothing and adds no columns") {
    const fs::path again = temp_path("again.csv");
    app::ReassignCliOptions o2;
    o2.input = output.string();
    o2.output = again.string();
    const app::ReassignReport r = app::reassign_file(model, o2);
    CHECK(r.kept == 7);  // 1, 2, 3, 4, 5, 9, 11
    CHECK(r.moved == 0);
    CHECK(r.now_outside == 0);
    CHECK(r.still_outside == 2);
    CHECK(r.without_point == 2);
    CHECK(r.cleared == 0);
    CHECK(r.buurt.moves.empty());
    CHECK(r.gebied.moves.empty());
    const Csv first = read_csv(output.string());
    const Csv second = read_csv(again.string());
    CHECK(second.header == first.header);
    REQUIRE(second.rows.size() == first.rows.size());
    for (std::size_t i = 0; i < first.rows.size(); ++i) {
      CHECK(second.rows[i].at("buurtcode") == first.rows[i].at("buurtcode"));
      CHECK(second.rows[i].at("vorige_buurtcode") == first.rows[i].at("buurtcode"));
      CHECK(second.rows[i].at("verplaatst") == "no");
    }
  }

  SECTION("GeoJSON and GeoPackage output carry the points") {
    for (const std::string ext : {".geojson", ".gpkg"}) {
      INFO(ext);
      const fs::path path = temp_path("reassigned" + ext);
      app::ReassignCliOptions o2 = o;
      o2.output = path.string();
      std::ostringstream out2, err2;
      REQUIRE(app::run_reassign(model, o2, out2, err2) == 0);
      GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR));
      REQUIRE(ds);
      OGRLayer* layer = ds->GetLayer(0);
      REQUIRE(layer);
      CHECK(layer->GetFeatureCount() == 11);
      std::size_t with_point = 0;
      for (auto& f : layer) {
        const OGRGeometry* g = f->GetGeometryRef();
        if (!g || g->IsEmpty()) continue;
        ++with_point;
        const OGRPoint* p = g->toPoint();
        CHECK(p->getX() > 5.7);  // WGS84 longitude, near Leeuwarden
        CHECK(p->getX() < 6.0);
        CHECK(p->getY() > 53.1);
        CHECK(p->getY() < 53.3);
        if (std::string(f->GetFieldAsString("id")) == "3") {
          CHECK(std::string(f->GetFieldAsString("buurtcode")) == "BU00809903");
          CHECK(std::string(f->GetFieldAsString("vorige_buurtcode")) == "BU00809902");
          CHECK(std::string(f->GetFieldAsString("verplaatst")) == "yes");
        }
      }
      CHECK(with_point == 9);  // all but 7 (no point) and 8 (geocode_x 'abc')
    }
  }
  fs::remove(output);
}

TEST_CASE("reassign through a configuration: boundaries from a file", "[reassign]") {
  // The same hand-drawn layout, as a GeoJSON in RD with the buurtcode in a field, loaded by
  // AreaModel::load the way `gebieden reassign -c CONFIG` loads it.
  std::string features;
  const auto feature = [&](const char* code, const char* name, const char* wijk, int x0, int x1) {
    if (!features.empty()) features += ",\n";
    const std::string x0s = std::to_string(x0), x1s = std::to_string(x1);
    features += std::string("{\"type\":\"Feature\",\"properties\":{\"code\":\"") + code +
                "\",\"naam\":\"" + name + "\",\"wijk\":\"" + wijk +
                "\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[" + x0s + ",579000],[" +
                x1s + ",579000],[" + x1s + ",580000],[" + x0s + ",580000],[" + x0s + ",579000]]]}}";
  };
  feature("BU00809901", "Noord Een", "WK008099", 182000, 183000);
  feature("BU00809902", "Noord Twee", "WK008099", 183000, 183500);
  feature("BU00809903", "Noord Drie", "WK008098", 183500, 184000);
  feature("BU00809904", "Noord Vier", "WK008098", 184000, 185000);
  const fs::path boundaries = temp_path("buurten.geojson");
  write_file(boundaries,
             "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
             "\"urn:ogc:def:crs:EPSG::28992\"}},\"features\":[\n" +
                 features + "]}\n");
  const fs::path config_path = temp_path("hand-drawn.json");
  write_file(config_path, R"({
    "boundaries": {"buurten": {"sources": [")" +
                              boundaries.filename().string() + R"("],
      "fields": {"code": ["code"], "name": ["naam"], "wijkcode": ["wijk"]}}},
    "scheme": {"gebieden": [{"id": "centrum", "name": "Centrum", "wijken": ["WK008099"]},
                            {"id": "west", "name": "West", "wijken": ["WK008098"]}]}
  })");
  const Config config = load_config(config_path);
  const AreaModel model = AreaModel::load(config);
  REQUIRE(model.buurten().size() == 4);

  const fs::path input = temp_path("placed.csv");
  write_file(input, hand_drawn_input());
  app::ReassignCliOptions o;
  o.input = input.string();
  o.output = temp_path("out.csv").string();
  const app::ReassignReport r = app::reassign_file(model, o);
  CHECK(r.kept == 3);
  CHECK(r.moved == 3);
  CHECK(moved_records(r.buurt, "BU00809902", "BU00809903") == 2);
  CHECK(moved_records(r.gebied, "centrum", "west") == 2);

  // The whole command, as main() runs it (the report goes to stdout).
  o.output = temp_path("out2.csv").string();
  CHECK(app::run_reassign(config, o) == 0);
  CHECK(fs::exists(o.output));

  // A configuration whose boundaries cannot be read: exit code 2.
  Config broken = config;
  broken.buurten.sources = {"does-not-exist.geojson"};
  o.output = temp_path("out3.csv").string();
  CHECK(app::run_reassign(broken, o) == 2);
  CHECK_FALSE(fs::exists(o.output));
}

TEST_CASE("reassign reads raw x/y and lon/lat columns and point geometries", "[reassign]") {
  const AreaModel model = hand_drawn_model();
  const Transformer to_wgs84(28992, 4326);
  const XY ll = to_wgs84.forward(XY{183700, 579500});
  char lon[32], lat[32];
  std::snprintf(lon, sizeof lon, "%.9f", ll.x);
  std::snprintf(lat, sizeof lat, "%.9f", ll.y);

  SECTION("x/y first, lon/lat when x/y are empty; area columns added") {
    const fs::path input = temp_path("raw.csv");
    write_file(input, std::string("naam,x,y,lat,lon\n"
                                  "rd,182500,579500,,\n"
                                  "wgs84,,,") +
                          lat + "," + lon +
                          "\n"
                          "decimal comma,\"183200,5\",579500,,\n"
                          "nothing,,,,\n"
                          "not rd,5.8,53.2,,\n");
    app::ReassignCliOptions o;
    o.input = input.string();
    o.output = temp_path("raw-out.csv").string();
    std::ostringstream out, err;
    REQUIRE(app::run_reassign(model, o, out, err) == 0);
    const Csv res = read_csv(o.output);
    CHECK(res.header == std::vector<std::string>{"naam", "x", "y", "lat", "lon", "buurtcode",
                                                 "buurtnaam", "wijkcode", "wijknaam", "gebied",
                                                 "gebiednaam", "vorige_buurtcode",
                                                 "vorige_wijkcode", "vorige_gebied", "verplaatst"});
    REQUIRE(res.rows.size() == 5);
    CHECK(res.rows[0].at("buurtcode") == "BU00809901");
    CHECK(res.rows[1].at("buurtcode") == "BU00809903");
    CHECK(res.rows[1].at("gebied") == "west");
    CHECK(res.rows[2].at("buurtcode") == "BU00809902");
    CHECK(res.rows[2].at("x") == "183200,5");
    CHECK(res.rows[3].at("buurtcode").empty());
    CHECK(res.rows[4].at("buurtcode").empty());
    for (const auto& r : res.rows) CHECK(r.at("verplaatst").empty());  // nothing to compare
    const std::string text = out.str();
    CHECK(contains(text, "points from x, y (RD), else lon, lat (WGS84)"));
    CHECK(contains(text, "no buurtcode column in the input: nothing to compare"));
    CHECK(contains(text, "row 5: x, y 5.8, 53.2 are not RD coordinates (EPSG:28992)"));
  }

  SECTION("explicit columns") {
    const fs::path input = temp_path("explicit.csv");
    write_file(input, "naam,oost,noord,x,y\nrd,183700,579500,1,2\n");
    app::ReassignCliOptions o;
    o.input = input.string();
    o.output = temp_path("explicit-out.csv").string();
    o.column_x = "Oost";
    o.column_y = "noord";
    const app::ReassignReport r = app::reassign_file(model, o);
    CHECK(r.location == "Oost, noord (RD)");
    CHECK(r.now_inside == 1);
    CHECK(read_csv(o.output).rows.at(0).at("buurtcode") == "BU00809903");
  }

  SECTION("point geometries of a GeoJSON without location columns") {
    const fs::path input = temp_path("points.geojson");
    write_file(input, std::string("{\"type\":\"FeatureCollection\",\"features\":[") +
                          "{\"type\":\"Feature\",\"properties\":{\"naam\":\"a\",\"buurtcode\":"
                          "\"BU00809902\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[" +
                          lon + "," + lat +
                          "]}},"
                          "{\"type\":\"Feature\",\"properties\":{\"naam\":\"b\",\"buurtcode\":"
                          "null},\"geometry\":null}]}");
    app::ReassignCliOptions o;
    o.input = input.string();
    o.output = temp_path("points-out.geojson").string();
    const app::ReassignReport r = app::reassign_file(model, o);
    CHECK(r.location == "the feature geometry");
    CHECK(r.moved == 1);
    CHECK(r.without_point == 1);
    CHECK(moved_records(r.buurt, "BU00809902", "BU00809903") == 1);
    CHECK_FALSE(r.wijk.compared);
    GDALDatasetUniquePtr ds(GDALDataset::Open(o.output.c_str(), GDAL_OF_VECTOR));
    REQUIRE(ds);
    OGRFeatureUniquePtr f(ds->GetLayer(0)->GetNextFeature());
    REQUIRE(f);
    CHECK(std::string(f->GetFieldAsString("buurtcode")) == "BU00809903");
    CHECK(std::string(f->GetFieldAsString("vorige_buurtcode")) == "BU00809902");
    CHECK(std::string(f->GetFieldAsString("verplaatst")) == "yes");
    REQUIRE(f->GetGeometryRef());
    CHECK(f->GetGeometryRef()->toPoint()->getX() == Approx(ll.x).margin(1e-6));
  }
}

TEST_CASE("reassign refuses bad input with a clear message", "[reassign]") {
  const AreaModel model = hand_drawn_model();
  const auto run = [&](const std::string& input, const std::string& output,
                       const std::string& column_x = {}) {
    app::ReassignCliOptions o;
    o.input = input;
    o.output = output;
    o.column_x = column_x;
    o.column_y = column_x.empty() ? std::string() : "y";
    std::ostringstream out, err;
    const int code = app::run_reassign(model, o, out, err);
    return std::pair{code, err.str()};
  };
  const fs::path ok = temp_path("ok.csv");
  write_file(ok, "id,geocode_x,geocode_y\n1,182500,579500\n");

  auto [c1, e1] = run(temp_path("missing.csv").string(), temp_path("o.csv").string());
  CHECK(c1 == 1);
  CHECK(contains(e1, "does not exist"));

  auto [c2, e2] = run(ok.string(), ok.string());
  CHECK(c2 == 1);
  CHECK(contains(e2, "must not be the input"));

  auto [c3, e3] = run(ok.string(), temp_path("o.txt").string());
  CHECK(c3 == 1);
  CHECK(contains(e3, ".csv, .geojson or .gpkg"));

  const fs::path no_point = temp_path("nopoint.csv");
  write_file(no_point, "id,naam\n1,a\n");
  const fs::path no_point_out = temp_path("nopoint-out.csv");
  auto [c4, e4] = run(no_point.string(), no_point_out.string());
  CHECK(c4 == 1);
  CHECK(contains(e4, "has no point"));
  CHECK(contains(e4, "id, naam"));
  CHECK_FALSE(fs::exists(no_point_out));

  auto [c5, e5] = run(ok.string(), temp_path("o.csv").string(), "oost");
  CHECK(c5 == 1);
  CHECK(contains(e5, "column 'oost' is not in"));

  const fs::path empty = temp_path("empty.csv");
  write_file(empty, "");
  auto [c6, e6] = run(empty.string(), temp_path("o.csv").string());
  CHECK(c6 == 1);
  CHECK(contains(e6, "empty"));

  const fs::path header_only = temp_path("header.csv");
  write_file(header_only, "id,geocode_x,geocode_y\n");
  const fs::path header_out = temp_path("header-out.csv");
  auto [c7, e7] = run(header_only.string(), header_out.string());
  CHECK(c7 == 1);
  CHECK(contains(e7, "has no rows"));
  CHECK_FALSE(fs::exists(header_out));

  const fs::path latin1 = temp_path("latin1.csv");
  write_file(latin1, "id,naam,geocode_x,geocode_y\n1,Wielenp\xF4lle,182500,579500\n");
  auto [c8, e8] = run(latin1.string(), temp_path("o.csv").string());
  CHECK(c8 == 1);
  CHECK(contains(e8, "not UTF-8"));
}

// ==== the real thing: CBS 2023 -> 2014 -> 2023 ================================================

TEST_CASE("reassign: the 400 organisations from the 2023 buurten to the 2014 buurten and back",
          "[reassign][data]") {
  // 1. Place them with the 2023 boundaries, through the batch command.
  const Box b = model_2023().gemeente().rd.bbox();
  const Geocoder geocoder(
      std::make_shared<const AddressRegister>(AddressRegister::load(
          config_2023(), Box{b.minx - 1000, b.miny - 1000, b.maxx + 1000, b.maxy + 1000, true})),
      [](double x, double y) { return model_2023().locate_rd(x, y); },
      read_place_aliases(config_2023().resolve(config_2023().place_aliases)));
  const fs::path placed = temp_path("placed-2023.csv");
  {
    app::GeocodeCliOptions o;
    o.input = test::shared_data("synthetic/organisaties_dev.csv");
    o.output = placed.string();
    o.progress = false;
    std::ostringstream out, err;
    REQUIRE(app::run_geocode(geocoder, o, out, err) == 0);
  }
  const Csv before = read_csv(placed.string());
  REQUIRE(before.rows.size() == 400);

  // 2. Reassign them to the 2014 buurten.
  const Config config_2014 = load_config(write_config_2014());
  const AreaModel model_2014 = AreaModel::load(config_2014);
  REQUIRE(model_2014.buurten().size() == 139 - 17);
  const fs::path in_2014 = temp_path("reassigned-2014.csv");
  app::ReassignCliOptions o;
  o.input = placed.string();
  o.output = in_2014.string();
  std::ostringstream out, err;
  REQUIRE(app::run_reassign(model_2014, o, out, err) == 0);
  const std::string text = out.str();
  WARN(text);
  const app::ReassignReport r = app::reassign_file(model_2014, o);
  const Csv after = read_csv(in_2014.string());
  REQUIRE(after.rows.size() == 400);
  CHECK(r.records == 400);
  CHECK(r.location == "geocode_x, geocode_y (RD), else geocode_lon, geocode_lat (WGS84)");
  CHECK(r.kept + r.moved + r.now_outside + r.now_inside + r.still_outside + r.without_point == 400);

  // Every column passes through but the areas; each new buurt is the one the exact GEOS test
  // of the 2014 boundaries finds for the geocoded point.
  const std::set<std::string> areas = {"buurtcode", "buurtnaam", "wijkcode",
                                       "wijknaam",  "gebied",    "gebiednaam"};
  std::map<std::pair<std::string, std::string>, std::size_t> buurt_moves, gebied_moves;
  std::size_t with_point = 0, placed_2014 = 0, geos_checked = 0;
  for (std::size_t i = 0; i < 400; ++i) {
    const Row& in = before.rows[i];
    const Row& res = after.rows[i];
    INFO(in.at("id"));
    for (const auto& [column, value] : in)
      if (!areas.count(column)) CHECK(res.at(column) == value);
    CHECK(res.at("vorige_buurtcode") == in.at("buurtcode"));
    CHECK(res.at("vorige_wijkcode") == in.at("wijkcode"));
    CHECK(res.at("vorige_gebied") == in.at("gebied"));
    const bool same = res.at("buurtcode") == in.at("buurtcode") &&
                      res.at("wijkcode") == in.at("wijkcode") &&
                      res.at("gebied") == in.at("gebied");
    CHECK(res.at("verplaatst") == (same ? "no" : "yes"));
    if (in.at("geocode_x").empty()) {
      CHECK(res.at("buurtcode").empty());
      continue;
    }
    ++with_point;
    const double x = std::stod(in.at("geocode_x")), y = std::stod(in.at("geocode_y"));
    const int geos = model_2014.locate_index_geos(x, y);
    const int grid = model_2014.locate_index(x, y);
    CHECK(grid == geos);
    if (grid == geos) {
      ++geos_checked;
      CHECK(res.at("buurtcode") ==
            (geos < 0 ? std::string() : model_2014.buurten()[static_cast<std::size_t>(geos)].code));
    }
    if (!res.at("buurtcode").empty()) {
      ++placed_2014;
      CHECK(res.at("wijkcode") == "WK" + res.at("buurtcode").substr(2, 6));
      CHECK_FALSE(res.at("gebied").empty());  // every 2014 wijk is in a gebied of the scheme
    }
    const auto label = [](const std::string& code, const char* empty) {
      return code.empty() ? std::string(empty) : code;
    };
    if (in.at("buurtcode") != res.at("buurtcode"))
      ++buurt_moves[{label(in.at("buurtcode"), "(none)"), label(res.at("buurtcode"), "(outside)")}];
    if (in.at("gebied") != res.at("gebied"))
      ++gebied_moves[{label(in.at("gebied"), "(none)"), label(res.at("gebied"), "(outside)")}];
  }
  CHECK(geos_checked == with_point);
  CHECK(with_point == 400 - r.without_point);
  CHECK(placed_2014 == r.kept + r.moved + r.now_inside);

  // The report's moves are exactly those of the file.
  std::map<std::pair<std::string, std::string>, std::size_t> reported;
  for (const auto& m : r.buurt.moves) reported[{m.from, m.to}] = m.records;
  CHECK(reported == buurt_moves);
  reported.clear();
  for (const auto& m : r.gebied.moves) reported[{m.from, m.to}] = m.records;
  CHECK(reported == gebied_moves);

  // Known moves: the 2023 code of Grou is BU00808206, in 2014 it was BU00807201 (wijk 72 of the
  // old numbering), and Stiens (2023 BU00806301) was BU00810000 of Leeuwarderadeel.
  CHECK(moved_records(r.buurt, "BU00808206", "BU00807201") > 0);
  CHECK(moved_records(r.wijk, "WK008082", "WK008072") > 0);
  CHECK(moved_records(r.buurt, "BU00806301", "BU00810000") > 0);
  CHECK(moved_records(r.wijk, "WK008063", "WK008100") > 0);
  CHECK(contains(text, "BU00808206 (Grou) → BU00807201 (Grou): "));
  CHECK(contains(text, "BU00806301 (Stiens) → BU00810000 (Stiens): "));
  // The city centre kept its codes: De Waag is BU00801001 in both years.
  CHECK(r.buurt.kept > 0);
  // Most records stay in their gebied: the scheme of the 2014 wijken follows the 2023 one.
  CHECK(r.gebied.kept > r.gebied.changed);

  // 3. And back to the 2023 buurten: every record returns to where the geocoder put it.
  const fs::path back = temp_path("back-2023.csv");
  o.input = in_2014.string();
  o.output = back.string();
  const app::ReassignReport r2 = app::reassign_file(model_2023(), o);
  const Csv again = read_csv(back.string());
  REQUIRE(again.rows.size() == 400);
  CHECK(again.header == after.header);  // vorige_* and verplaatst are reused, not added again
  for (std::size_t i = 0; i < 400; ++i) {
    INFO(before.rows[i].at("id"));
    for (const char* c : {"buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gebied", "gebiednaam"})
      CHECK(again.rows[i].at(c) == before.rows[i].at(c));
    CHECK(again.rows[i].at("vorige_buurtcode") == after.rows[i].at("buurtcode"));
  }
  CHECK(r2.moved == r.moved);
  CHECK(r2.now_inside == r.now_outside);
  CHECK(r2.now_outside == r.now_inside);
}
