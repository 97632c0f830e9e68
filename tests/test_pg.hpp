#pragma once
// The PostgreSQL + PostGIS cluster of CTest's `postgis` fixture (tests/pg/cluster.sh, started
// by the test `postgis_start`, its directory in GEBIEDEN_TEST_PG_DIR), and the two stores the
// store tests run on. Header-only, for unit and integration tests.
//
// A test that runs on both stores is written once, as a function of the store kind, and
// declared with GEBIEDEN_STORE_TEST_CASE: one TEST_CASE on a GeoPackage, one tagged [postgis]
// (discovered with FIXTURES_REQUIRED postgis) on a fresh PostGIS database.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "test_paths.hpp"

namespace gebieden::test {

namespace pg_detail {
/// Run a command through the shell: its exit code (-1 when it did not exit) and its stdout.
inline int run(const std::string& command, std::string& out) {
  out.clear();
  FILE* p = popen(command.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// `s` in single quotes for the shell.
inline std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

inline const char* cluster_dir() {
  const char* d = std::getenv("GEBIEDEN_TEST_PG_DIR");
  return d && *d ? d : nullptr;
}
}  // namespace pg_detail

/// The cluster of CTest's `postgis` fixture (GEBIEDEN_TEST_PG_DIR): its connection string
/// (dbname=postgres), or nullopt when the test runs outside that fixture.
inline std::optional<std::string> pg_cluster() {
  const char* dir = pg_detail::cluster_dir();
  if (!dir) return std::nullopt;
  std::ifstream in(std::string(dir) + "/conninfo");
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) return std::nullopt;
  return pg_detail::chomp(line);
}

/// A new database with PostGIS for one test, dropped first when it exists: its libpq
/// connection string. REQUIREs the cluster (a [postgis] test run without it fails, it never
/// passes silently).
inline std::string pg_database(const std::string& name) {
  INFO("GEBIEDEN_TEST_PG_DIR=" << (pg_detail::cluster_dir() ? pg_detail::cluster_dir() : "(unset)")
                               << ": a [postgis] test needs the cluster of CTest's postgis fixture "
                                  "(ctest starts it; by hand: tests/pg/cluster.sh start DIR and "
                                  "GEBIEDEN_TEST_PG_DIR=DIR)");
  REQUIRE(pg_cluster());
  std::string out;
  const int rc = pg_detail::run(source_dir() + "/tests/pg/cluster.sh createdb " +
                                    pg_detail::quoted(pg_detail::cluster_dir()) + " " +
                                    pg_detail::quoted(name),
                                out);
  INFO("cluster.sh createdb " << name << ": " << out);
  REQUIRE(rc == 0);
  out = pg_detail::chomp(out);
  REQUIRE(out.find("dbname=" + name) != std::string::npos);
  return out;
}

/// Run SQL with psql on a database (a connection string of pg_database): the rows as psql -At
/// prints them (unaligned, tuples only, '|' between fields). REQUIREs success.
inline std::string pg_query(const std::string& conninfo, const std::string& sql) {
  std::string out;
  const int rc = pg_detail::run("psql -X -At -v ON_ERROR_STOP=1 -d " + pg_detail::quoted(conninfo) +
                                    " -c " + pg_detail::quoted(sql) + " 2>&1",
                                out);
  INFO("psql " << sql << ": " << out);
  REQUIRE(rc == 0);
  return pg_detail::chomp(out);
}

/// Where a store test keeps the store.
enum class StoreKind { GeoPackage, PostGIS };

inline const char* to_string(StoreKind k) {
  return k == StoreKind::GeoPackage ? "GeoPackage" : "PostGIS";
}

/// The store of one test: a temporary GeoPackage `<name>.gpkg`, or a fresh PostGIS database
/// `name` (and then `gpkg` is the store.path that must never be made).
struct TestStore {
  StoreKind kind;
  std::filesystem::path gpkg;
  std::string conninfo;  // PostGIS only

  TestStore(StoreKind k, const std::string& name) : kind(k), gpkg(temp_path(name + ".gpkg")) {
    if (kind == StoreKind::PostGIS) conninfo = pg_database(name);
  }

  /// `store` of a JSON configuration on this store.
  void configure(nlohmann::json& store) const {
    store["path"] = gpkg.string();
    if (kind == StoreKind::PostGIS) store["database"] = conninfo;
  }

  /// The store was made where it was asked for: the GeoPackage, or the database and no file.
  void check_made() const {
    INFO(to_string(kind));
    if (kind == StoreKind::GeoPackage) {
      CHECK(std::filesystem::exists(gpkg));
    } else {
      CHECK_FALSE(std::filesystem::exists(gpkg));
    }
  }

  /// How many rows of the store's table `store` have this id, read through GDAL on a
  /// connection of its own (what is committed).
  GIntBig stored(const std::string& id) const {
    const std::string name = kind == StoreKind::GeoPackage ? gpkg.string() : "PG:" + conninfo;
    GDALDatasetUniquePtr ds(GDALDataset::FromHandle(
        GDALOpenEx(name.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
    INFO(to_string(kind) << " " << name);
    REQUIRE(ds);
    OGRLayer* layer = ds->GetLayerByName("store");
    REQUIRE(layer);
    REQUIRE(layer->SetAttributeFilter(("id = '" + id + "'").c_str()) == OGRERR_NONE);
    return layer->GetFeatureCount();
  }
};

}  // namespace gebieden::test

/// Two TEST_CASEs from one body `fn(gebieden::test::StoreKind)`: `name` on a GeoPackage with
/// `tags`, and `name` " on PostGIS" with `tags` and [postgis].
#define GEBIEDEN_STORE_TEST_CASE(name, tags, fn)    \
  TEST_CASE(name, tags) {                           \
    fn(gebieden::test::StoreKind::GeoPackage);      \
  }                                                 \
  TEST_CASE(name " on PostGIS", tags "[postgis]") { \
    fn(gebieden::test::StoreKind::PostGIS);         \
  }
