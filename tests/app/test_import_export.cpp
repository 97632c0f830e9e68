// Integration tests of `gebieden import` and `gebieden export`: the built binary, on a store in
// a temporary folder seeded from the development fixture
// (../shared/data/synthetic/organisaties_dev.csv, 400 records with private contact fields).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "geo/csv.hpp"
#include "server/process.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A copy of data/leeuwarden.json in a temporary folder, every relative path made absolute,
/// the store in `gpkg`; `seed`: another store.source (empty: the development fixture).
fs::path import_config(const fs::path& gpkg, const std::string& seed = "") {
  json j = test::relocated_default_config();
  j["store"]["path"] = gpkg.string();
  if (!seed.empty()) j["store"]["source"]["sources"] = {seed};
  j["access"] = {{"keys_file", test::temp_path("keys.json").string()}};
  const fs::path config = test::temp_path("import-config.json");
  test::write_file(config, j.dump(2));
  return config;
}

/// Run `gebieden ARGS --config CONFIG`; stdout into `out`, stderr into `err`.
int run_gebieden(const std::string& args, const fs::path& config, std::string& out,
                 std::string& err) {
  const fs::path err_file = test::temp_path("stderr.txt");
  const int rc = test::run_command("( " + std::string(GEBIEDEN_BINARY) + " " + args + " --config " +
                                       config.string() + " 2>" + err_file.string() + " )",
                                   out);
  err = read_all(err_file);
  INFO("gebieden " << args << "\nstdout: " << out << "\nstderr: " << err);
  return rc;
}

std::string fixture() {
  return test::shared_data("synthetic/organisaties_dev.csv");
}

/// The fixture's lines: [0] the header, then one per record (as written, quotes and all).
std::vector<std::string> fixture_lines() {
  std::ifstream in(fixture());
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty()) lines.push_back(l);
  }
  return lines;
}

/// Every non-empty contact_email and contact_telefoon of the fixture.
std::vector<std::string> private_values() {
  std::vector<std::string> v;
  for (const auto& row : geo::read_csv_file(fixture()).named_rows())
    for (const char* f : {"contact_email", "contact_telefoon"})
      if (auto it = row.find(f); it != row.end() && !it->second.empty()) v.push_back(it->second);
  return v;
}

std::size_t count_hits(const std::string& body, const std::vector<std::string>& values) {
  std::size_t n = 0;
  for (const auto& v : values) n += contains(body, v) ? 1 : 0;
  return n;
}

/// The number of history rows of the store (export --history --private).
std::size_t history_rows(const fs::path& config) {
  const fs::path out = test::temp_path("history.csv");
  std::string o, e;
  REQUIRE(run_gebieden("export --history --private -o " + out.string(), config, o, e) == 0);
  const geo::CsvTable t = geo::read_csv_file(out.string());
  REQUIRE(t.header.size() == 7);
  return t.rows.size();
}

/// The features of a GeoJSON export by id.
std::map<std::string, json> features_by_id(const fs::path& geojson) {
  json j = json::parse(read_all(geojson));
  std::map<std::string, json> m;
  for (auto& f : j["features"]) m[f["properties"]["id"].get<std::string>()] = f;
  return m;
}

}  // namespace

TEST_CASE("gebieden import: dry run, import, the same again, a bad file",
          "[cli][import][integration]") {
  const fs::path config = import_config(test::temp_path("import-store.gpkg"));
  const std::vector<std::string> lines = fixture_lines();
  REQUIRE(lines.size() == 401);
  REQUIRE(contains(lines[1], "ORG0001,Tennisclub Huizum-Bornia,organisatie"));
  REQUIRE(contains(lines[2], "ORG0002,Buurtbus Wergea,initiatief"));
  // The fixture's own columns plus the status; 2 changed, 3 unchanged, 3 new.
  const std::string header = lines[0] + ",status";
  std::string changed1 = lines[1] + ",";
  changed1.replace(changed1.find("Tennisclub Huizum-Bornia"), 24, "Tennisclub Huizum-Bornia 2");
  const std::string changed2 = lines[2] + ",in_behandeling";
  const std::string csv =
      header + "\n" + changed1 + "\n" + changed2 + "\n" + lines[3] + ",\n" + lines[4] + ",\n" +
      lines[5] + ",\n" +
      "NEW0001,Nieuwe Buurtclub,organisatie,sport,,,,,53.2005,5.7965,,,,,Nieuw Persoon,"
      "06-99990001,nieuw1@example.nl,\n"
      "NEW0002,Nieuw Initiatief,initiatief,jeugd,,,,,53.2010,5.7970,,,,,,,,lopend\n"
      "NEW0003,Nieuwe Plek,ontmoetingsplek,buurthuis,,,,,\"53,2015\",\"5,7975\",,,,,,,,\n";
  const fs::path file = test::temp_path("import.csv");
  test::write_file(file, csv);
  std::string out, err;

  const std::size_t history0 = history_rows(config);  // 0: the store was just seeded
  REQUIRE(run_gebieden("import --dry-run " + file.string(), config, out, err) == 0);
  CHECK(contains(out, "would add 3, change 2, remove 0, unchanged 3"));
  CHECK(contains(out, "nothing written"));
  CHECK(history_rows(config) == history0);

  REQUIRE(run_gebieden("import " + file.string() + " --as test-import", config, out, err) == 0);
  CHECK(contains(out, "add 3, change 2, remove 0, unchanged 3"));
  CHECK(contains(out, "a server running on this store serves these changes within"));
  const std::size_t history1 = history_rows(config);
  CHECK(history1 == history0 + 5);

  // The same file again: nothing changes, no history.
  REQUIRE(run_gebieden("import " + file.string(), config, out, err) == 0);
  CHECK(contains(out, "add 0, change 0, remove 0, unchanged 8"));
  CHECK_FALSE(contains(out, "serves these changes"));
  CHECK(history_rows(config) == history1);

  // The records as written: the new name, the status, the new records placed.
  const fs::path all = test::temp_path("after-import.geojson");
  REQUIRE(run_gebieden("export --private -o " + all.string(), config, out, err) == 0);
  auto features = features_by_id(all);
  CHECK(features.size() == 403);
  CHECK(features["ORG0001"]["properties"]["naam"] == "Tennisclub Huizum-Bornia 2");
  CHECK(features["ORG0001"]["properties"]["contact_email"] == "contact1@example.nl");
  CHECK(features["ORG0002"]["properties"]["status"] == "in_behandeling");
  CHECK(features["NEW0001"]["properties"]["gewijzigd_door"] == "test-import");
  CHECK(features["NEW0001"]["properties"]["buurtcode"].is_string());
  CHECK(features["NEW0003"]["properties"]["lat"] == Approx(53.2015));

  SECTION("a bad row: nothing is written, every problem is named") {
    const fs::path bad = test::temp_path("bad.csv");
    test::write_file(bad,
                     "id,naam,soort,lat,lon,status\n"
                     "NEW0009,Raketclub,raket,53.2005,5.7965,\n"
                     "ORG0002,Buurtbus Wergea,initiatief,,,afgerond\n"
                     "NEW0010,Getallenclub,organisatie,noord,5.7965,\n"
                     "NEW0011,Goede Club,organisatie,53.2005,5.7965,\n");
    CHECK(run_gebieden("import " + bad.string(), config, out, err) == 2);
    CHECK(contains(err, "row 1 (id NEW0009): soort:"));
    CHECK(contains(err,
                   "row 2 (id ORG0002): status: cannot move from 'in_behandeling' to "
                   "'afgerond'"));
    CHECK(contains(err, "row 3 (id NEW0010): lat: must be a number"));
    CHECK_FALSE(contains(err, "NEW0011"));
    CHECK(contains(err, "nothing was written"));
    CHECK(history_rows(config) == history1);
    // The dry run reports the same problems.
    CHECK(run_gebieden("import --dry-run " + bad.string(), config, out, err) == 2);
    CHECK(contains(err, "row 3 (id NEW0010): lat: must be a number"));
    CHECK(history_rows(config) == history1);
  }

  SECTION("unknown columns are an error naming them, unless --ignore-unknown") {
    const fs::path odd = test::temp_path("odd.csv");
    test::write_file(odd,
                     "id,naam,soort,kleur\nORG0001,Tennisclub Huizum-Bornia 2,organisatie,rood\n");
    CHECK(run_gebieden("import " + odd.string(), config, out, err) == 2);
    CHECK(contains(err, "columns the store does not have: kleur"));
    REQUIRE(run_gebieden("import --dry-run --ignore-unknown " + odd.string(), config, out, err) ==
            0);
    CHECK(contains(out, "would add 0, change 0, remove 0, unchanged 1"));
  }

  SECTION("--remove-missing removes only records of the soorten in the file") {
    const fs::path one = test::temp_path("one.csv");
    test::write_file(one, "id,naam,soort\nORG0001,Tennisclub Huizum-Bornia 2,organisatie\n");
    std::size_t organisaties = 0;
    for (const auto& [id, f] : features)
      organisaties += f["properties"]["soort"] == "organisatie" ? 1 : 0;
    REQUIRE(organisaties > 1);
    REQUIRE(run_gebieden("import --dry-run --remove-missing " + one.string(), config, out, err) ==
            0);
    CHECK(contains(out, "would add 0, change 0, remove " + std::to_string(organisaties - 1) +
                            ", unchanged 1"));
    CHECK(history_rows(config) == history1);
    REQUIRE(run_gebieden("import --remove-missing " + one.string(), config, out, err) == 0);
    CHECK(history_rows(config) == history1 + organisaties - 1);
    const fs::path left = test::temp_path("left.geojson");
    REQUIRE(run_gebieden("export --private -o " + left.string(), config, out, err) == 0);
    CHECK(features_by_id(left).size() == 403 - (organisaties - 1));
  }
}

TEST_CASE("gebieden export: three formats, with and without the private fields",
          "[cli][export][integration]") {
  const fs::path config = import_config(test::temp_path("export-store.gpkg"));
  const std::vector<std::string> secrets = private_values();
  REQUIRE(secrets.size() >= 400);
  std::string out, err;
  for (const std::string ext : {".geojson", ".csv", ".gpkg"}) {
    const fs::path pub = test::temp_path("public" + ext);
    const fs::path full = test::temp_path("private" + ext);
    REQUIRE(run_gebieden("export -o " + pub.string(), config, out, err) == 0);
    CHECK(contains(out, "exported 400 records (without private fields)"));
    REQUIRE(run_gebieden("export --private --output " + full.string(), config, out, err) == 0);
    CHECK(contains(out, "with private fields"));
    const std::string p = read_all(pub), f = read_all(full);
    INFO(ext);
    CHECK(count_hits(p, secrets) == 0);
    CHECK_FALSE(contains(p, "contact_email"));
    CHECK(count_hits(f, secrets) == secrets.size());
    CHECK(contains(p, "buurtcode"));
    CHECK(contains(p, "point_source"));
  }
  // CSV: the point as geocode_lon/geocode_lat; GeoJSON: Point geometries in CRS84.
  const fs::path csv = test::temp_path("records.csv");
  REQUIRE(run_gebieden("export -o " + csv.string(), config, out, err) == 0);
  const geo::CsvTable t = geo::read_csv_file(csv.string());
  CHECK(std::count(t.header.begin(), t.header.end(), "geocode_lon") == 1);
  CHECK(t.rows.size() == 400);
  const fs::path gj = test::temp_path("records.json");
  REQUIRE(run_gebieden("export --format geojson -o " + gj.string(), config, out, err) == 0);
  std::size_t points = 0;
  for (const auto& [id, f] : features_by_id(gj))
    if (f["geometry"].is_object()) {
      ++points;
      CHECK(f["geometry"]["coordinates"][0].get<double>() == Approx(5.8).margin(0.3));
    }
  CHECK(points > 300);
  // Bad options.
  CHECK(run_gebieden("export -o " + test::temp_path("x.txt").string(), config, out, err) == 2);
  CHECK(contains(err, ".gpkg, .csv or .geojson"));
  CHECK(run_gebieden("export --history -o " + test::temp_path("h.csv").string(), config, out,
                     err) == 2);
  CHECK(contains(err, "--private"));
}

TEST_CASE("export --private as GeoJSON, import into an empty store: the same records",
          "[cli][import][export][integration]") {
  const fs::path config = import_config(test::temp_path("source-store.gpkg"));
  std::string out, err;
  const fs::path exported = test::temp_path("all.geojson");
  REQUIRE(run_gebieden("export --private -o " + exported.string(), config, out, err) == 0);

  // An empty store: seeded from a file with the fixture's header only.
  const fs::path empty_seed = test::temp_path("empty.csv");
  test::write_file(empty_seed, fixture_lines()[0] + "\n");
  const fs::path target = import_config(test::temp_path("empty-store.gpkg"), empty_seed.string());
  REQUIRE(run_gebieden("import " + exported.string(), target, out, err) == 0);
  CHECK(contains(out, "add 400, change 0, remove 0, unchanged 0"));
  // Again: the export of a store imports into it unchanged.
  REQUIRE(run_gebieden("import " + exported.string(), target, out, err) == 0);
  CHECK(contains(out, "add 0, change 0, remove 0, unchanged 400"));

  const fs::path again = test::temp_path("again.geojson");
  REQUIRE(run_gebieden("export --private -o " + again.string(), target, out, err) == 0);
  auto before = features_by_id(exported), after = features_by_id(again);
  REQUIRE(before.size() == 400);
  REQUIRE(after.size() == 400);
  const std::set<std::string> system = {"aangemaakt_op", "aangemaakt_door", "gewijzigd_op",
                                        "gewijzigd_door"};
  std::size_t same = 0;
  for (auto& [id, f] : before) {
    INFO(id);
    REQUIRE(after.count(id));
    json a = f, b = after[id];
    for (const auto& s : system) {
      a["properties"].erase(s);
      b["properties"].erase(s);
    }
    CHECK(a["properties"] == b["properties"]);
    CHECK(a["geometry"] == b["geometry"]);
    same += a == b ? 1 : 0;
  }
  CHECK(same == 400);
}
