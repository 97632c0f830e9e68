// Two instances of `gebieden serve` on one PostGIS store (issue #14): a write on one is read on
// the other within a second (POST, PATCH, DELETE, both ways); concurrent PATCHes of one record
// from both with the same If-Match never both succeed; and nginx in front (the example of
// deploy/nginx/gebieden-two-instances.conf, started by the test) spreads reads and writes over
// both, and every write is readable through it right after its answer.
//
// Each test case has a fresh database of the PostgreSQL + PostGIS cluster of the CTest fixture
// (test::pg_database). To see these tests fail as they must when the instances do not share a
// store, run them with GEBIEDEN_TEST_INSTANCES_STORE=gpkg: each instance then gets a GeoPackage
// of its own.
#include <arpa/inet.h>
#include <grp.h>
#include <httplib.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <barrier>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nginx.hpp"
#include "process.hpp"
#include "server/access.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"
#include "test_pg.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {
constexpr const char* kAdminKey = "instances-admin-key";
constexpr const char* kEditorKey = "instances-editor-key";

constexpr const char* kTokenEnv = "GEBIEDEN_TEST_INSTANCES_TOKEN";
constexpr const char* kItems = "/collections/organisaties/items";
constexpr auto kSyncLimit = milliseconds(1000);  // issue #14: "within a second"
constexpr auto kPollEvery = milliseconds(20);

/// More editors: nginx sends each key to one instance, so the test of nginx needs one for each.
std::vector<std::string> editor_keys() {
  std::vector<std::string> keys;
  for (int i = 1; i <= 8; ++i) keys.push_back("instances-editor-key-" + std::to_string(i));
  return keys;
}

/// The configurations of two instances on one store: the same database (or, with
/// GEBIEDEN_TEST_INSTANCES_STORE=gpkg, a GeoPackage each: the mode in which they must fail) and
/// the same key file (an admin and nine editors).
struct TwoConfigs {
  std::string a;
  std::string b;
};

TwoConfigs two_configs(const std::string& name) {
  auto key = [](const char* who, const char* role, const char* secret) {
    return json{{"name", who},
                {"role", role},
                {"sha256", server::sha256_hex(secret)},
                {"created", "2026-12-02T00:00:00Z"}};
  };
  const fs::path keys = test::temp_path(name + "-keys.json");
  json list = {key("test-admin", "admin", kAdminKey), key("test-editor", "editor", kEditorKey)};
  int n = 0;
  for (const std::string& k : editor_keys())
    list.push_back(key(("test-editor-" + std::to_string(++n)).c_str(), "editor", k.c_str()));
  test::write_file(keys, json{{"keys", list}}.dump());
  const char* mode = std::getenv("GEBIEDEN_TEST_INSTANCES_STORE");
  const bool separate = mode != nullptr && std::string(mode) == "gpkg";
  const std::string database = separate ? std::string() : test::pg_database(name);
  auto config = [&](const std::string& instance) {
    json j = test::relocated_default_config();
    if (separate) {
      j["store"]["path"] = test::temp_path(name + "-" + instance + ".gpkg").string();
    } else {
      j["store"]["database"] = database;
      // Never the GeoPackage: a path that cannot be written, should the database be ignored.
      j["store"]["path"] = "/nonexistent/gebieden-instances/store.gpkg";
    }
    j["store"]["write_token_env"] = kTokenEnv;
    j["access"] = {{"keys_file", keys.string()}};
    const fs::path file = test::temp_path(name + "-" + instance + ".json");
    test::write_file(file, j.dump(2));
    return file.string();
  };
  return {config("a"), config("b")};
}

test::ServerOptions options(const std::string& config) {
  test::ServerOptions o;
  o.config = config;
  // The store's database only from the configuration, never from the caller's environment.
  o.unset_env = {kTokenEnv, "GEBIEDEN_STORE_DATABASE"};
  return o;
}

std::unique_ptr<httplib::Client> client(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(60, 0);
  c->set_write_timeout(60, 0);
  return c;
}

httplib::Headers with_key(const std::string& key,
                          std::vector<std::pair<std::string, std::string>> more = {}) {
  httplib::Headers h = {{"Authorization", "Bearer " + key}};
  for (auto& [k, v] : more) h.emplace(k, v);
  return h;
}

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body.substr(0, 400));
  return json::parse(r->body);
}

/// A new organisation at a point in Leeuwarden (CRS84), `shift` degrees east.
json new_feature(const std::string& naam, double shift = 0) {
  return json{{"type", "Feature"},
              {"geometry", {{"type", "Point"}, {"coordinates", {5.7965 + shift, 53.2005}}}},
              {"properties",
               {{"naam", naam},
                {"soort", "organisatie"},
                {"categorie", "buurthuis"},
                {"plaats", "Leeuwarden"},
                {"omschrijving", "Twee instanties"}}}};
}

/// POST a new feature; returns its item path.
std::string post(httplib::Client& c, const json& feature) {
  auto r = c.Post(kItems, with_key(kEditorKey), feature.dump(), "application/geo+json");
  REQUIRE(r);
  INFO(r->body.substr(0, 400));
  REQUIRE(r->status == 201);
  const std::string location = r->get_header_value("Location");
  const auto at = location.rfind("/items/");
  REQUIRE(at != std::string::npos);
  return std::string(kItems) + "/" + location.substr(at + 7);
}

/// Poll `c` every 20 ms until `done` holds for the answer to GET `path` (with the editor key),
/// for at most `limit`; returns the time it took, or nothing when it never held.
std::optional<milliseconds> poll_until(httplib::Client& c, const std::string& path,
                                       const std::function<bool(const httplib::Result&)>& done,
                                       Clock::time_point since, milliseconds limit = kSyncLimit) {
  while (true) {
    auto r = c.Get(path + "?f=json", with_key(kEditorKey));
    const auto now = Clock::now();
    if (done(r)) return std::chrono::duration_cast<milliseconds>(now - since);
    if (now - since > limit) return std::nullopt;
    std::this_thread::sleep_for(kPollEvery);
  }
}

bool has_naam(const httplib::Result& r, const std::string& naam) {
  if (!r || r->status != 200) return false;
  const json j = json::parse(r->body, nullptr, false);
  return !j.is_discarded() && j["properties"]["naam"] == naam;
}

/// A write on `from` is read on `to`: POST, PATCH, DELETE, each polled on `to` and timed.
void write_then_read(httplib::Client& from, httplib::Client& to, const std::string& direction) {
  const std::string naam = "Sync " + direction;
  const std::string path = post(from, new_feature(naam));
  auto t0 = Clock::now();  // from the answer on: the write is committed
  auto took = poll_until(
      to, path, [&](const httplib::Result& r) { return has_naam(r, naam); }, t0);
  INFO(direction << ": POST " << path);
  REQUIRE(took.has_value());
  WARN(direction << " POST visible after " << took->count() << " ms");

  const std::string renamed = naam + " hernoemd";
  auto r =
      from.Patch(path.c_str(), with_key(kEditorKey),
                 json{{"properties", {{"naam", renamed}}}}.dump(), "application/merge-patch+json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const std::string etag = r->get_header_value("ETag");
  t0 = Clock::now();
  took = poll_until(
      to, path,
      [&](const httplib::Result& g) {
        return has_naam(g, renamed) && g->get_header_value("ETag") == etag;
      },
      t0);
  REQUIRE(took.has_value());
  WARN(direction << " PATCH visible after " << took->count() << " ms");

  r = from.Delete(path.c_str(), with_key(kAdminKey));
  REQUIRE(r);
  REQUIRE(r->status == 204);
  t0 = Clock::now();
  took = poll_until(
      to, path, [](const httplib::Result& g) { return g && g->status == 404; }, t0);
  REQUIRE(took.has_value());
  WARN(direction << " DELETE visible after " << took->count() << " ms");
  // And it stays gone on both.
  r = from.Get(path + "?f=json", with_key(kEditorKey));
  REQUIRE(r);
  CHECK(r->status == 404);
}

/// A free TCP port on 127.0.0.1 (the kernel's choice; closed again for nginx to take).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

using test::read_text;

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t i = 0; (i = s.find(from, i)) != std::string::npos; i += to.size())
    s.replace(i, from.size(), to);
}

/// nginx on the example deploy/nginx/gebieden-two-instances.conf with the instances' and
/// nginx's ports put in; ready when it answers on its port (502 until its upstreams do; they do).
class Nginx {
 public:
  Nginx(int port, int upstream_a, int upstream_b) : m_dir(test::temp_path("nginx")) {
    fs::create_directories(m_dir);
    std::string site =
        read_text(fs::path(test::source_dir()) / "deploy/nginx/gebieden-two-instances.conf");
    REQUIRE(site.find("127.0.0.1:8081") != std::string::npos);
    REQUIRE(site.find("127.0.0.1:8082") != std::string::npos);
    REQUIRE(site.find("listen 127.0.0.1:8080") != std::string::npos);
    replace_all(site, "127.0.0.1:8081", "127.0.0.1:" + std::to_string(upstream_a));
    replace_all(site, "127.0.0.1:8082", "127.0.0.1:" + std::to_string(upstream_b));
    replace_all(site, "listen 127.0.0.1:8080", "listen 127.0.0.1:" + std::to_string(port));
    httplib::Client probe("127.0.0.1", port);
    probe.set_connection_timeout(0, 200000);
    m_process = std::make_unique<test::NginxProcess>(
        m_dir, site, [&] { return static_cast<bool>(probe.Get("/conformance?f=json")); });
  }

 private:
  fs::path m_dir;
  std::unique_ptr<test::NginxProcess> m_process;
};

/// The port of an X-Upstream value ("127.0.0.1:PORT"; on a retry "A, B": the last one).
int upstream_port(const httplib::Result& r) {
  const std::string v = r->get_header_value("X-Upstream");
  const auto colon = v.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(v.c_str() + colon + 1);
}
}  // namespace

TEST_CASE("two instances on one PostGIS: a write on one is read on the other within a second",
          "[postgis][instances][store][http]") {
  const TwoConfigs configs = two_configs("instances_sync");
  test::ServerProcess a(options(configs.a));
  test::ServerProcess b(options(configs.b));
  auto ca = client(a.port());
  auto cb = client(b.port());

  // Both serve the seeded store: the same records.
  auto count = [](httplib::Client& c) {
    return body_of(c.Get(std::string(kItems) + "?f=json&limit=1",
                         with_key(kEditorKey)))["numberMatched"]
        .get<int>();
  };
  const int before = count(*ca);
  CHECK(before > 0);
  CHECK(count(*cb) == before);

  write_then_read(*ca, *cb, "A to B");
  write_then_read(*cb, *ca, "B to A");
  CHECK(count(*ca) == before);
  CHECK(count(*cb) == before);
}

TEST_CASE("two instances on one PostGIS: concurrent PATCHes with one If-Match never both win",
          "[postgis][instances][store][http]") {
  const TwoConfigs configs = two_configs("instances_race");
  test::ServerProcess a(options(configs.a));
  test::ServerProcess b(options(configs.b));
  auto ca = client(a.port());
  auto cb = client(b.port());
  httplib::Client* clients[2] = {ca.get(), cb.get()};
  const std::string path = std::string(kItems) + "/ORG0001";

  constexpr int kRounds = 60;
  int won[2] = {0, 0};
  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    // The ETag both instances agree on (B follows A's view of the previous round's winner).
    auto r = ca->Get(path + "?f=json", with_key(kEditorKey));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const std::string etag = r->get_header_value("ETag");
    REQUIRE(poll_until(
        *cb, path,
        [&](const httplib::Result& g) { return g && g->get_header_value("ETag") == etag; },
        Clock::now()));

    std::string values[2];
    std::optional<httplib::Result> results[2];
    std::barrier start(2);
    auto patch = [&](int who) {
      values[who] = "ronde " + std::to_string(round) + " van " + (who == 0 ? "A" : "B");
      const std::string body = json{{"properties", {{"omschrijving", values[who]}}}}.dump();
      start.arrive_and_wait();  // both released at the same moment
      results[who] = clients[who]->Patch(path.c_str(), with_key(kEditorKey, {{"If-Match", etag}}),
                                         body, "application/merge-patch+json");
    };
    std::thread ta(patch, 0);
    std::thread tb(patch, 1);
    ta.join();
    tb.join();
    REQUIRE((results[0] && *results[0]));
    REQUIRE((results[1] && *results[1]));
    const int sa = (*results[0])->status;
    const int sb = (*results[1])->status;
    INFO("A: " << sa << " " << (*results[0])->body.substr(0, 200));
    INFO("B: " << sb << " " << (*results[1])->body.substr(0, 200));
    const bool a2 = sa >= 200 && sa < 300;
    const bool b2 = sb >= 200 && sb < 300;
    REQUIRE_FALSE((a2 && b2));  // never both
    REQUIRE((a2 || b2));        // and not a lost write: one of them wins
    const int winner = a2 ? 0 : 1;
    CHECK((*results[1 - winner])->status == 412);
    ++won[winner];

    // Afterwards the record on both instances is the winner's.
    const std::string winner_etag = (*results[winner])->get_header_value("ETag");
    REQUIRE_FALSE(winner_etag.empty());
    for (httplib::Client* c : clients) {
      const auto took = poll_until(
          *c, path,
          [&](const httplib::Result& g) {
            if (!g || g->status != 200 || g->get_header_value("ETag") != winner_etag) return false;
            const json j = json::parse(g->body, nullptr, false);
            return !j.is_discarded() && j["properties"]["omschrijving"] == values[winner];
          },
          Clock::now());
      CHECK(took.has_value());
    }
  }
  WARN("concurrent PATCHes: A won " << won[0] << ", B won " << won[1] << " of " << kRounds
                                    << " rounds, never both");
}

TEST_CASE("two instances on one PostGIS behind nginx: reads and writes reach both",
          "[postgis][instances][nginx][store][http]") {
  const TwoConfigs configs = two_configs("instances_nginx");
  test::ServerProcess a(options(configs.a));
  test::ServerProcess b(options(configs.b));
  const int port = free_port();
  Nginx nginx(port, a.port(), b.port());
  auto c = client(port);
  const std::set<int> both = {a.port(), b.port()};

  // nginx sends a request with a key to the instance of its key and the others round robin.
  // An editor key for each instance: every key asked twice, and answered by one instance.
  std::map<int, std::string> editor_at;  // the instance's port, a key nginx sends there
  for (const std::string& key : editor_keys()) {
    auto r1 = c->Get("/collections?f=json", with_key(key));
    auto r2 = c->Get("/collections?f=json", with_key(key));
    REQUIRE(r1);
    REQUIRE(r2);
    CHECK(r1->status == 200);
    CHECK(upstream_port(r1) == upstream_port(r2));
    editor_at.emplace(upstream_port(r1), key);
  }
  REQUIRE(editor_at.size() == 2);
  REQUIRE(editor_at.count(a.port()) == 1);
  REQUIRE(editor_at.count(b.port()) == 1);
  const std::string editors[2] = {editor_at[a.port()], editor_at[b.port()]};

  std::set<int> read_by, written_by, public_read_by;
  int reads = 0, writes = 0;
  auto read = [&](const std::string& target, const httplib::Headers& h) {
    auto r = c->Get(target, h);
    REQUIRE(r);
    INFO(target << ": " << r->status << " " << r->body.substr(0, 300));
    CHECK(r->status >= 200);
    CHECK(r->status < 300);
    read_by.insert(upstream_port(r));
    ++reads;
    return r;
  };
  // Every write read back through nginx with the writer's key right after its answer, then a
  // public read; 10 records, each created by the editor of one instance and changed by the
  // editor of the other: 20 writes, 40 reads.
  for (int k = 0; k < 10; ++k) {
    std::string path;
    for (int step = 0; step < 2; ++step) {
      const bool create = step == 0;
      const std::string& editor = editors[(k + step) % 2];
      const std::string naam = "Via nginx " + std::to_string(k) + (create ? "" : " hernoemd");
      INFO("record " << k << (create ? ": POST" : ": PATCH"));
      auto r = create ? c->Post(kItems, with_key(editor), new_feature(naam, 0.0001 * k).dump(),
                                "application/geo+json")
                      : c->Patch(path.c_str(), with_key(editor),
                                 json{{"properties", {{"naam", naam}}}}.dump(),
                                 "application/merge-patch+json");
      REQUIRE(r);
      INFO(r->status << " " << r->body.substr(0, 300));
      REQUIRE(r->status == (create ? 201 : 200));
      if (create) {
        const std::string location = r->get_header_value("Location");
        // The links are nginx's (Host passed on with its port), not an instance's.
        CHECK(location.find("127.0.0.1:" + std::to_string(port) + "/") != std::string::npos);
        path = std::string(kItems) + "/" + location.substr(location.rfind("/items/") + 7);
      }
      ++writes;
      written_by.insert(upstream_port(r));
      const std::string etag = r->get_header_value("ETag");
      // Right after the answer, through nginx: the write is there.
      auto g = read(path + "?f=json", with_key(editor));
      CHECK(has_naam(g, naam));
      CHECK(g->get_header_value("ETag") == etag);
      auto p = read("/collections/organisaties/items?f=json&limit=5", {});
      public_read_by.insert(upstream_port(p));
    }
  }
  CHECK(reads == 40);
  CHECK(writes == 20);
  CHECK(read_by == both);
  CHECK(written_by == both);
  CHECK(public_read_by == both);  // round robin for the requests without a key
}
