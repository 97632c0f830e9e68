// Faults (issue #12, point 4; docs/faults.md): the real `gebieden serve` with broken
// configurations must exit non-zero with one line naming the file and what is wrong (a missing
// or corrupt boundary file, a missing or corrupt address register, a truncated area scheme, a
// read-only or locked store); and on a store whose disk is full (a 2 MiB tmpfs) a write answers
// 507 with the JSON error body, reads go on, nothing of it is on disk after a restart, and
// writes work again once space is free. The tmpfs tests need root ([root]) and skip otherwise.
#include <httplib.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"
#include "util/error.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
constexpr const char* kTokenEnv = "GEBIEDEN_TEST_FAULTS_TOKEN";
constexpr const char* kToken = "faults-editor-token";

std::string write_config(const json& j) {
  const fs::path p = test::temp_path("faults-config.json");
  test::write_file(p, j.dump(2));
  return p.string();
}

/// The default configuration with a store of its own at `store`.
json config_with_store(const fs::path& store) {
  json j = test::relocated_default_config();
  j["store"]["path"] = store.string();
  j["store"]["write_token_env"] = kTokenEnv;
  j["access"] = {{"keys_file", test::temp_path("no-keys.json").string()}};
  return j;
}

struct Outcome {
  int rc = 0;
  std::string output;  // stderr and stdout
  std::vector<std::string> lines;
};

/// `gebieden serve` on `config`, to its end (a server that starts after all is stopped by
/// `timeout`: status 124).
Outcome serve(const std::string& config) {
  Outcome o;
  o.rc = test::run_command("env -u GEBIEDEN_STORE_DATABASE " + std::string(kTokenEnv) + "=" +
                               kToken + " timeout 60 '" + GEBIEDEN_BINARY + "' serve -c '" +
                               config + "' --port 0 2>&1 </dev/null",
                           o.output);
  std::istringstream in(o.output);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) o.lines.push_back(line);
  return o;
}

/// Exit non-zero (the config-error status 2), and one line that names `file` and says `what`.
void check_one_message(const Outcome& o, const std::string& file, const std::string& what) {
  INFO("output:\n" << o.output);
  CHECK(o.rc == 2);
  REQUIRE(o.lines.size() == 1);
  CHECK(o.lines.front().find("configuration error: ") == 0);
  CHECK(o.lines.front().find(file) != std::string::npos);
  CHECK(o.lines.front().find(what) != std::string::npos);
}

test::ServerOptions options(const std::string& config) {
  test::ServerOptions o;
  o.config = config;
  o.unset_env = {"GEBIEDEN_STORE_DATABASE"};
  o.env = {{kTokenEnv, kToken}};
  o.forward_stderr = false;
  return o;
}

/// Start a server once on `config`, so that its store exists (created from store.source).
void make_store(const std::string& config) {
  test::ServerProcess s(options(config));
}

/// A tmpfs of `size` mounted at `dir` while it lives (root only: `ok` says whether it is).
struct Tmpfs {
  fs::path dir;
  bool ok = false;
  Tmpfs(const fs::path& d, const std::string& size) : dir(d) {
    fs::create_directories(dir);
    ok = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  bool remount_read_only() {
    return ::mount("tmpfs", dir.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }
  ~Tmpfs() {
    if (ok) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

httplib::Headers auth() {
  return {{"Authorization", std::string("Bearer ") + kToken}};
}

json feature(const std::string& id, const std::string& omschrijving) {
  return {{"type", "Feature"},
          {"id", id},
          {"geometry", {{"type", "Point"}, {"coordinates", {5.7955, 53.1995}}}},
          {"properties",
           {{"naam", "Faults " + id},
            {"soort", "organisatie"},
            {"categorie", "welzijn"},
            {"omschrijving", omschrijving}}}};
}

int status_of(const httplib::Result& r) {
  return r ? r->status : -1;
}
}  // namespace

TEST_CASE("faults: the messages of a full disk are told apart from other write failures",
          "[faults]") {
  // SQLite through GDAL, the C library, and PostgreSQL (a PostGIS store: SQLSTATE 53100).
  CHECK(says_storage_full("sqlite3_exec(COMMIT) failed: database or disk is full"));
  CHECK(says_storage_full("write: No space left on device"));
  CHECK(says_storage_full(
      "ERROR:  could not extend file \"base/16384/16385\": No space left on device"));
  CHECK(says_storage_full("SQLSTATE 53100"));
  CHECK_FALSE(says_storage_full("database is locked"));
  CHECK_FALSE(says_storage_full("UNIQUE constraint failed: store.id"));
  CHECK_FALSE(says_storage_full("attempt to write a readonly database"));
  // The registry: 507, right before Internal.
  CHECK(error_spec(ErrorCode::InsufficientStorage).http_status == 507);
  CHECK(error_spec(ErrorCode::InsufficientStorage).code == "InsufficientStorage");
  CHECK(static_cast<int>(ErrorCode::InsufficientStorage) + 1 ==
        static_cast<int>(ErrorCode::Internal));
}

TEST_CASE("faults: a missing buurten file exits non-zero with one line naming it", "[faults]") {
  json j = test::relocated_default_config();
  const fs::path missing = test::temp_path("nowhere/buurten.gpkg");
  j["boundaries"]["buurten"]["sources"] = {missing.string()};
  check_one_message(serve(write_config(j)), missing.string(), "not found");
}

TEST_CASE("faults: a corrupt buurten file is fatal, not skipped for the next source", "[faults]") {
  json j = test::relocated_default_config();
  const fs::path garbage = test::temp_path("buurten.gpkg");
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>((i * 7919 + 13) % 251);
  test::write_file(garbage, bytes);
  // The good source behind it would load: the broken file must not be hidden by it.
  json sources = {garbage.string()};
  for (const auto& s : j["boundaries"]["buurten"]["sources"]) sources.push_back(s);
  j["boundaries"]["buurten"]["sources"] = sources;
  const Outcome o = serve(write_config(j));
  check_one_message(o, garbage.string(), "not a GDAL dataset");
  CHECK(o.output.find("buurten: ") != std::string::npos);
}

TEST_CASE("faults: a truncated GeoJSON wijken file names the file", "[faults]") {
  json j = test::relocated_default_config();
  std::ifstream in(test::shared_data("leeuwarden_wijken_2023_cartomap.geojson"));
  std::stringstream ss;
  ss << in.rdbuf();
  const fs::path cut = test::temp_path("wijken.geojson");
  test::write_file(cut, ss.str().substr(0, ss.str().size() / 2));
  j["boundaries"]["wijken"]["sources"] = {cut.string()};
  check_one_message(serve(write_config(j)), cut.string(), "wijken: ");
}

TEST_CASE("faults: a missing register that is required exits non-zero naming it", "[faults]") {
  json j = test::relocated_default_config();
  const fs::path missing = test::temp_path("bag.gpkg");
  j["addresses"]["sources"] = {missing.string()};
  j["addresses"]["required"] = true;
  check_one_message(serve(write_config(j)), missing.string(), "not found");
}

TEST_CASE("faults: a corrupt register is fatal even when the register is optional", "[faults]") {
  json j = test::relocated_default_config();
  const fs::path garbage = test::temp_path("bag.gpkg");
  test::write_file(garbage, std::string(8192, 'x'));
  j["addresses"]["sources"] = {garbage.string()};
  j["addresses"]["required"] = false;
  check_one_message(serve(write_config(j)), garbage.string(), "addresses: ");
}

TEST_CASE("faults: a truncated area scheme names the file", "[faults]") {
  json j = test::relocated_default_config();
  std::ifstream in(j["scheme"].get<std::string>());
  std::stringstream ss;
  ss << in.rdbuf();
  const fs::path cut = test::temp_path("gebieden.json");
  test::write_file(cut, ss.str().substr(0, ss.str().size() / 2));
  j["scheme"] = cut.string();
  check_one_message(serve(write_config(j)), cut.string(), "not valid JSON");
}

TEST_CASE("faults: a read-only store is reported at start-up", "[faults][root]") {
  const fs::path dir = test::temp_path("ro-store");
  fs::create_directories(dir);
  const bool root = ::geteuid() == 0;
  // As root permissions do not stop a write: the store on a tmpfs remounted read-only.
  std::unique_ptr<Tmpfs> mnt;
  if (root) {
    mnt = std::make_unique<Tmpfs>(dir, "64m");
    if (!mnt->ok) {
      WARN("skipped: cannot mount a tmpfs here (" << std::strerror(errno) << ")");
      return;
    }
  }
  const fs::path store = dir / "store.gpkg";
  const std::string config = write_config(config_with_store(store));
  make_store(config);
  REQUIRE(fs::exists(store));
  if (root) {
    REQUIRE(mnt->remount_read_only());
  } else {
    fs::permissions(store, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }
  check_one_message(serve(config), store.string(), "read-only");
  if (!root) fs::permissions(store, fs::perms::owner_all);
}

TEST_CASE("faults: a store locked by another process is reported at start-up", "[faults]") {
  const fs::path store = test::temp_path("locked-store.gpkg");
  const std::string config = write_config(config_with_store(store));
  make_store(config);
  REQUIRE(fs::exists(store));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(store.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  REQUIRE(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, &err) == SQLITE_OK);
  const Outcome o = serve(config);  // waits out the store's busy timeout (10 s)
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, &err);
  sqlite3_close(db);
  check_one_message(o, store.string(), "locked by another process");
  // Once the lock is gone the same configuration serves.
  test::ServerProcess again(options(config));
  CHECK(again.alive());
}

TEST_CASE("faults: a full disk answers 507, reads go on, nothing half-written", "[faults][root]") {
  if (::geteuid() != 0) {
    WARN("skipped: mounting a small tmpfs needs root");
    return;
  }
  const fs::path dir = test::temp_path("full-disk");
  Tmpfs mnt(dir, "2m");
  if (!mnt.ok) {
    WARN("skipped: cannot mount a tmpfs here (" << std::strerror(errno) << ")");
    return;
  }
  const fs::path store = dir / "store.gpkg";
  const std::string config = write_config(config_with_store(store));
  std::string full_id = "faults-full", later_id = "faults-later";
  {
    test::ServerProcess s(options(config));
    httplib::Client c("127.0.0.1", s.port());
    c.set_read_timeout(60, 0);
    auto before = c.Get("/collections/organisaties/items?limit=1");
    REQUIRE(status_of(before) == 200);
    const auto matched = json::parse(before->body).value("numberMatched", -1);
    // Fill the disk to the last byte.
    const fs::path filler = dir / "filler";
    {
      std::ofstream out(filler, std::ios::binary);
      const std::string block(4096, 'f');
      while (out.write(block.data(), block.size())) {
      }
    }
    {
      std::ofstream out(dir / "filler2", std::ios::binary);
      while (out.put('f')) {
      }
    }
    const auto r = c.Post("/collections/organisaties/items", auth(),
                          feature(full_id, std::string(4000, 'a')).dump(), "application/geo+json");
    REQUIRE(r);
    INFO("answer: " << r->body << "\nserver: " << s.stderr_text());
    CHECK(r->status == 507);
    const json body = json::parse(r->body, nullptr, false);
    CHECK(body.value("code", "") == "InsufficientStorage");
    CHECK(body.value("status", 0) == 507);
    CHECK(r->get_header_value("Content-Type").find("application/json") == 0);
    // Reads go on, and the snapshot is unchanged.
    auto during = c.Get("/collections/organisaties/items?limit=1");
    REQUIRE(status_of(during) == 200);
    CHECK(json::parse(during->body).value("numberMatched", -1) == matched);
    CHECK(status_of(c.Get(("/collections/organisaties/items/" + full_id).c_str())) == 404);
    CHECK(status_of(c.Get("/health/ready")) == 200);
    // Space again: writes work.
    fs::remove(filler);
    fs::remove(dir / "filler2");
    const auto ok =
        c.Post("/collections/organisaties/items", auth(),
               feature(later_id, "written once there was room").dump(), "application/geo+json");
    REQUIRE(ok);
    INFO("answer: " << ok->body);
    CHECK(ok->status == 201);
  }
  // After a restart: the write that got 507 is not there, the later one is.
  test::ServerProcess s(options(config));
  httplib::Client c("127.0.0.1", s.port());
  CHECK(status_of(c.Get(("/collections/organisaties/items/" + full_id).c_str())) == 404);
  CHECK(status_of(c.Get(("/collections/organisaties/items/" + later_id).c_str())) == 200);
}
