// Crash safety and recovery of the store (issue #14): the real server on a store of its own (a
// GeoPackage, or a PostGIS database), many concurrent writes over keep-alive connections (POST
// creates with distinct ids and known values, PATCHes with known values and If-Match), SIGKILL
// when about half of them are acknowledged, a restart on the same store. Then every write that
// got a 2xx answer must be there with exactly the values sent, read back one by one through
// GET /collections/{id}/items/{fid}; a write that got no answer may or may not be there, but a
// record is always one whole state the test wrote (never half of one), and no record appears
// that the test never wrote. Then the recovery loop: 20 times a burst of writes, SIGKILL in the
// middle, and a restart that must come up without help (a hot journal or WAL recovered on open).
#include <httplib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"

#include "test_pg.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
constexpr const char* kTokenEnv = "GEBIEDEN_TEST_CRASH_TOKEN";
constexpr const char* kToken = "crash-editor-token";
constexpr const char* kCollection = "organisaties";
constexpr const char* kItems = "/collections/organisaties/items";
const std::array<const char*, 4> kCategories = {"buurthuis", "sport", "cultuur", "welzijn"};

// The crash round: 16 connections, 2048 writes planned, SIGKILL at 1024 acknowledged.
constexpr int kThreads = 16;
constexpr int kCrashWritesPerThread = 128;
constexpr int kCrashKillAt = kThreads * kCrashWritesPerThread / 2;
static_assert(kCrashKillAt >= 1000);
// The recovery loop: 20 rounds of 16 x 8 writes planned, SIGKILL at half.
constexpr int kRecoveryRounds = 20;
constexpr int kRecoveryWritesPerThread = 8;
constexpr int kRecoveryKillAt = kThreads * kRecoveryWritesPerThread / 2;

/// What the test writes and reads of a record.
struct Values {
  std::string naam, omschrijving, website, categorie, contact_naam;
  bool has_point = false;
  double lon = 0, lat = 0;
};

bool same(const Values& a, const Values& b) {
  // CRS84 is served with 9 decimals; the points the test sends are 1e-5 degree apart.
  return a.naam == b.naam && a.omschrijving == b.omschrijving && a.website == b.website &&
         a.categorie == b.categorie && a.contact_naam == b.contact_naam &&
         a.has_point == b.has_point &&
         (!a.has_point || (std::abs(a.lon - b.lon) < 1e-7 && std::abs(a.lat - b.lat) < 1e-7));
}
bool same(const std::optional<Values>& a, const std::optional<Values>& b) {
  return a.has_value() == b.has_value() && (!a || same(*a, *b));
}

std::string describe(const std::optional<Values>& v) {
  if (!v) return "(absent)";
  std::ostringstream s;
  s.precision(10);
  s << "{naam '" << v->naam << "', omschrijving '" << v->omschrijving << "', website '"
    << v->website << "', categorie '" << v->categorie << "', contact_naam '" << v->contact_naam
    << "', point ";
  if (v->has_point)
    s << "[" << v->lon << ", " << v->lat << "]";
  else
    s << "none";
  s << "}";
  return s.str();
}

std::string text_of(const json& props, const char* name) {
  if (!props.contains(name) || props.at(name).is_null()) return "";
  const json& v = props.at(name);
  return v.is_string() ? v.get<std::string>() : "<" + v.dump() + ">";
}

/// A GeoJSON feature of the store as the test sees it.
Values values_of(const json& f) {
  Values v;
  const json empty = json::object();
  const json& p =
      f.contains("properties") && f.at("properties").is_object() ? f.at("properties") : empty;
  v.naam = text_of(p, "naam");
  v.omschrijving = text_of(p, "omschrijving");
  v.website = text_of(p, "website");
  v.categorie = text_of(p, "categorie");
  v.contact_naam = text_of(p, "contact_naam");
  if (f.contains("geometry") && f.at("geometry").is_object()) {
    const json& c = f.at("geometry").value("coordinates", json());
    if (c.is_array() && c.size() >= 2 && c[0].is_number() && c[1].is_number()) {
      v.has_point = true;
      v.lon = c[0].get<double>();
      v.lat = c[1].get<double>();
    }
  }
  return v;
}

/// A record the test knows: the states it may be in now (more than one only after a write
/// that got no answer; nullopt: absent), the ETag of its one certain state.
struct Record {
  std::string id;
  std::vector<std::optional<Values>> allowed;
  std::string etag;        // of the certain state, from the last answer or read
  std::string acked_etag;  // the ETag of the last acknowledged write of the last burst
  bool touched = false;    // written in the last burst: read back one by one
  int version = 0;         // writes sent
  bool certain_present() const { return allowed.size() == 1 && allowed.front().has_value(); }
};

/// The records each connection owns: only its own thread writes them, one write at a time, so
/// the state before each write is known.
using Slots = std::vector<std::vector<Record>>;

httplib::Headers auth() {
  return {{"Authorization", std::string("Bearer ") + kToken}};
}

std::unique_ptr<httplib::Client> client(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_connection_timeout(10, 0);
  c->set_read_timeout(120, 0);
  c->set_write_timeout(60, 0);
  return c;
}

/// A point near the centre of Leeuwarden (inside buurten, not water), distinct per `n`.
std::pair<double, double> point(int n) {
  return {5.7955 + 1e-5 * ((n * 37) % 200), 53.1995 + 1e-5 * ((n * 53) % 200)};
}

std::string shown(const std::string& s) {
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

/// How one burst went.
struct Burst {
  int planned = 0, sent = 0, acked = 0, unanswered = 0;
  double seconds = 0;
  std::vector<std::string> problems;  // answers that were not 2xx: the test's or the store's bug
};

/// One connection's writes: creates (even steps) and PATCHes of a record it owns (odd steps),
/// until it has sent `n` or a write gets no answer (the server is gone).
void writer(int port, int thread, int n, const std::string& prefix, std::vector<Record>& owned,
            std::atomic<int>& acked, std::atomic<int>& sent, std::mutex& mutex,
            std::vector<std::string>& problems, int& unanswered) {
  auto c = client(port);
  std::size_t next_patch = static_cast<std::size_t>(thread);
  int created = 0;
  for (int i = 0; i < n; ++i) {
    std::vector<std::size_t> patchable;
    for (std::size_t k = 0; k < owned.size(); ++k)
      if (owned[k].certain_present()) patchable.push_back(k);
    const bool create = i % 2 == 0 || patchable.empty();
    Values v;
    std::size_t at = 0;
    httplib::Result res(nullptr, httplib::Error::Unknown);
    const int seq = thread * 100000 + i;
    const auto [lon, lat] = point(seq);
    if (create) {
      Record r;
      r.id = prefix + "-t" + std::to_string(thread) + "-" + std::to_string(created++);
      v.naam = "Crashproef " + r.id;
      v.omschrijving = "created " + r.id + " v0";
      v.website = "https://example.org/" + r.id + "/0";
      v.categorie = kCategories[static_cast<std::size_t>(i) % kCategories.size()];
      v.contact_naam = "Contact " + r.id;
      v.has_point = true;
      v.lon = lon;
      v.lat = lat;
      r.allowed = {std::nullopt};
      owned.push_back(std::move(r));
      at = owned.size() - 1;
      const json body = {{"type", "Feature"},
                         {"id", owned[at].id},
                         {"geometry", {{"type", "Point"}, {"coordinates", {lon, lat}}}},
                         {"properties",
                          {{"naam", v.naam},
                           {"soort", "organisatie"},
                           {"categorie", v.categorie},
                           {"omschrijving", v.omschrijving},
                           {"website", v.website},
                           {"contact_naam", v.contact_naam}}}};
      ++sent;
      res = c->Post(kItems, auth(), body.dump(), "application/geo+json");
    } else {
      at = patchable[next_patch++ % patchable.size()];
      Record& r = owned[at];
      v = *r.allowed.front();
      const std::string version = std::to_string(r.version + 1);
      v.omschrijving = "patched " + r.id + " v" + version;
      v.website = "https://example.org/" + r.id + "/" + version;
      v.categorie = kCategories[static_cast<std::size_t>(r.version + 1) % kCategories.size()];
      v.has_point = true;
      v.lon = lon;
      v.lat = lat;
      const json body = {
          {"geometry", {{"type", "Point"}, {"coordinates", {lon, lat}}}},
          {"properties",
           {{"omschrijving", v.omschrijving}, {"website", v.website}, {"categorie", v.categorie}}}};
      httplib::Headers h = auth();
      if (!r.etag.empty()) h.emplace("If-Match", r.etag);
      ++sent;
      const std::string path = std::string(kItems) + "/" + r.id;
      res = c->Patch(path.c_str(), h, body.dump(), "application/merge-patch+json");
    }
    Record& r = owned[at];
    ++r.version;
    r.touched = true;
    if (!res) {
      // No answer: the write may or may not have been committed.
      r.allowed.push_back(v);
      r.etag.clear();
      ++unanswered;
      return;
    }
    if (res->status < 200 || res->status > 299) {
      std::lock_guard lock(mutex);
      problems.push_back((create ? "POST " : "PATCH ") + r.id + ": status " +
                         std::to_string(res->status) + ": " + shown(res->body));
      // The state is unknown now: the test stops writing it.
      r.allowed.push_back(v);
      r.etag.clear();
      return;
    }
    r.allowed = {v};
    r.etag = res->get_header_value("ETag");
    r.acked_etag = r.etag;
    ++acked;
  }
}

/// A burst of concurrent writes on `s`; SIGKILL once `kill_at` are acknowledged (or when all
/// are done). Returns false (with `why`) when the server had ended before the kill.
Burst burst(test::ServerProcess& s, Slots& slots, int per_thread, int kill_at,
            const std::string& prefix, std::string& why) {
  Burst b;
  b.planned = per_thread * static_cast<int>(slots.size());
  std::atomic<int> acked{0}, sent{0}, done{0};
  std::mutex mutex;
  std::vector<int> unanswered(slots.size(), 0);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < slots.size(); ++t)
    threads.emplace_back([&, t] {
      writer(s.port(), static_cast<int>(t), per_thread, prefix, slots[t], acked, sent, mutex,
             b.problems, unanswered[t]);
      ++done;
    });
  while (acked < kill_at && done < static_cast<int>(slots.size()))
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  if (!s.kill_hard())
    why = "the server had ended by itself during the writes (" + s.how_it_ended() +
          "); its stderr:\n" + s.stderr_text();
  for (auto& t : threads) t.join();
  b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  b.acked = acked;
  b.sent = sent;
  for (int u : unanswered) b.unanswered += u;
  return b;
}

/// Start the server; a start that fails is the test's failure, with the server's stderr.
std::unique_ptr<test::ServerProcess> start(const test::ServerOptions& o, const std::string& when) {
  try {
    return std::make_unique<test::ServerProcess>(o);
  } catch (const std::exception& e) {
    FAIL(when << ": " << e.what());
  }
  return nullptr;
}

/// Every record of the store collection, by id, from one page.
std::map<std::string, Values> all_records(int port, std::string& error) {
  std::map<std::string, Values> out;
  auto c = client(port);
  auto r = c->Get(std::string(kItems) + "?f=json&limit=10000", auth());
  if (!r || r->status != 200) {
    error = "GET items: " +
            (r ? std::to_string(r->status) + ": " + shown(r->body) : std::string("no answer"));
    return out;
  }
  const json j = json::parse(r->body);
  for (const auto& f : j.at("features")) {
    std::string id = f.at("id").is_string() ? f.at("id").get<std::string>() : f.at("id").dump();
    out.emplace(std::move(id), values_of(f));
  }
  if (j.value("numberMatched", -1) != static_cast<int>(out.size()))
    error = "GET items: numberMatched " + std::to_string(j.value("numberMatched", -1)) + " but " +
            std::to_string(out.size()) + " features on the one page";
  return out;
}

/// After a restart: every record the test knows is in one of its allowed states (in the list
/// and, for those written in the last burst, one by one through GET items/{fid}), an
/// acknowledged write has the ETag it was answered with, and no record of `prefix` exists that
/// the test never wrote. Then the state read is the certain state of each record. Returns the
/// problems; `present_unanswered` counts writes without an answer that are there.
std::vector<std::string> verify(int port, Slots& slots, const std::string& prefix,
                                int& present_unanswered) {
  std::vector<std::string> problems;
  std::string error;
  const auto listed = all_records(port, error);
  if (!error.empty()) problems.push_back(error);
  std::map<std::string, const Record*> known;
  for (const auto& slot : slots)
    for (const auto& r : slot) known[r.id] = &r;
  for (const auto& [id, v] : listed)
    if (id.rfind(prefix, 0) == 0 && !known.count(id))
      problems.push_back(id + ": in the store, but the test never wrote it: " + describe(v));

  std::mutex mutex;
  std::atomic<int> unanswered_present{0};
  auto check_slot = [&](std::vector<Record>& slot) {
    auto c = client(port);
    for (auto& r : slot) {
      const auto it = listed.find(r.id);
      std::optional<Values> in_list;
      if (it != listed.end()) in_list = it->second;
      std::optional<Values> got = in_list;
      std::string etag = r.etag;
      std::vector<std::string> mine;
      if (r.touched) {
        const std::string path = std::string(kItems) + "/" + r.id + "?f=json";
        auto res = c->Get(path, auth());
        if (!res) {
          mine.push_back(r.id + ": GET gave no answer");
        } else if (res->status == 404) {
          got.reset();
        } else if (res->status != 200) {
          mine.push_back(r.id + ": GET: status " + std::to_string(res->status) + ": " +
                         shown(res->body));
        } else {
          got = values_of(json::parse(res->body));
          etag = res->get_header_value("ETag");
        }
        if (!same(got, in_list))
          mine.push_back(r.id + ": GET items/{fid} gives " + describe(got) +
                         " but the list gives " + describe(in_list));
      }
      const bool allowed = std::any_of(r.allowed.begin(), r.allowed.end(),
                                       [&](const auto& a) { return same(a, got); });
      if (!allowed) {
        std::string msg = r.id + ": after the restart " + describe(got) + "; it may only be ";
        for (std::size_t k = 0; k < r.allowed.size(); ++k)
          msg += (k ? " or " : "") + describe(r.allowed[k]) +
                 (k == 0 && r.allowed.size() > 1 ? " (acknowledged)" : "");
        mine.push_back(msg);
      } else {
        if (r.allowed.size() > 1 && same(got, r.allowed.back())) ++unanswered_present;
        if (r.touched && r.allowed.size() == 1 && !r.acked_etag.empty() && got &&
            etag != r.acked_etag)
          mine.push_back(r.id + ": ETag " + etag + " after the restart, " + r.acked_etag +
                         " in the answer to its last write (the same values)");
      }
      r.allowed = {got};
      r.etag = got ? etag : std::string();
      r.acked_etag.clear();
      r.touched = false;
      if (!mine.empty()) {
        std::lock_guard lock(mutex);
        problems.insert(problems.end(), mine.begin(), mine.end());
      }
    }
  };
  std::vector<std::thread> threads;
  for (auto& slot : slots) threads.emplace_back([&] { check_slot(slot); });
  for (auto& t : threads) t.join();
  present_unanswered = unanswered_present;
  return problems;
}

std::string first(const std::vector<std::string>& problems, std::size_t n = 20) {
  std::string s;
  for (std::size_t i = 0; i < problems.size() && i < n; ++i) s += problems[i] + "\n";
  if (problems.size() > n) s += "... and " + std::to_string(problems.size() - n) + " more\n";
  return s;
}

/// Whether the SQLite file at `path` is in WAL mode: its header's file format write and read
/// versions (bytes 18 and 19) are 2 (1: a rollback journal).
std::string sqlite_journal(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char h[100] = {};
  if (!in.read(h, sizeof(h))) return "no SQLite header in " + path.string();
  if (std::string(h, 16) != std::string("SQLite format 3\0", 16))
    return path.string() + " is not an SQLite file";
  if (h[18] == 2 && h[19] == 2) return "wal";
  return "file format versions " + std::to_string(h[18]) + " and " + std::to_string(h[19]) +
         " (not WAL)";
}

/// The whole test on one store (a GeoPackage, or a fresh PostGIS database).
void crash_and_recover(test::StoreKind kind) {
  const std::string name = kind == test::StoreKind::GeoPackage ? "gpkg" : "pg";
  const test::TestStore store(kind, "crash_" + name);
  // After every start: the store where it was asked for; a GeoPackage in WAL mode (readers never
  // wait for the writer, and a crash leaves nothing that needs a writer to be read).
  const auto check_store = [&] {
    store.check_made();
    if (kind == test::StoreKind::GeoPackage) CHECK(sqlite_journal(store.gpkg) == "wal");
  };
  json j = test::relocated_default_config();
  store.configure(j["store"]);
  j["store"]["write_token_env"] = kTokenEnv;
  j["access"] = {{"keys_file", test::temp_path(name + "-keys.json").string()}};
  j["server"]["threads"] = 4;
  const fs::path config = test::temp_path(name + "-config.json");
  test::write_file(config, j.dump(2));
  test::ServerOptions o;
  o.config = config.string();
  o.env = {{kTokenEnv, kToken}};
  o.forward_stderr = false;  // kept, and shown when something fails

  const std::string prefix = "crash-" + name;
  const auto t0 = std::chrono::steady_clock::now();
  auto s = start(o, "the first start");
  check_store();

  // The seeded records of the collection, shared out among the connections.
  Slots slots(kThreads);
  {
    std::string error;
    const auto seeds = all_records(s->port(), error);
    INFO(error);
    REQUIRE(error.empty());
    REQUIRE(seeds.size() >= static_cast<std::size_t>(kThreads));
    std::size_t k = 0;
    for (const auto& [id, v] : seeds) {
      Record r;
      r.id = id;
      r.allowed = {v};
      slots[k++ % slots.size()].push_back(std::move(r));
    }
    // Their ETags: verify() reads them one by one (touched).
    for (auto& slot : slots)
      for (auto& r : slot) r.touched = true;
    int unused = 0;
    const auto problems = verify(s->port(), slots, prefix, unused);
    INFO(first(problems));
    REQUIRE(problems.empty());
  }

  // One round: a burst of writes, SIGKILL in the middle, the restart, the check.
  std::string summary;  // a line a round
  double slowest_restart = 0;
  auto round = [&](int n, int per_thread, int kill_at) {
    std::string why;
    const std::string label = n == 0 ? "the crash round" : "recovery round " + std::to_string(n);
    const Burst b = burst(*s, slots, per_thread, kill_at, prefix + "-r" + std::to_string(n), why);
    s.reset();
    std::ostringstream line;
    line.precision(3);
    line << label << ": " << b.sent << " writes sent, " << b.acked << " acknowledged ("
         << b.acked / std::max(b.seconds, 1e-3) << "/s), " << b.unanswered
         << " without an answer, SIGKILL after " << b.seconds << " s";
    INFO(summary << line.str());
    INFO(first(b.problems));
    CHECK(b.problems.empty());
    INFO(why);
    REQUIRE(why.empty());
    // SIGKILL in the middle: writes were acknowledged, and some were not.
    CHECK(b.acked >= kill_at);
    CHECK(b.acked < b.planned);
    const auto r0 = std::chrono::steady_clock::now();
    s = start(o, label + ": the restart after SIGKILL (" + std::to_string(b.acked) +
                     " writes acknowledged)");
    const auto r1 = std::chrono::steady_clock::now();
    check_store();
    int present_unanswered = 0;
    const auto problems = verify(s->port(), slots, prefix, present_unanswered);
    const auto r2 = std::chrono::steady_clock::now();
    const double restart = std::chrono::duration<double>(r1 - r0).count();
    slowest_restart = std::max(slowest_restart, restart);
    line << "; restarted in " << restart << " s, checked in "
         << std::chrono::duration<double>(r2 - r1).count() << " s; " << present_unanswered
         << " of the writes without an answer are there";
    INFO(line.str());
    INFO(first(problems));
    REQUIRE(problems.empty());
    summary += line.str() + "\n";
    return b;
  };

  const Burst crash = round(0, kCrashWritesPerThread, kCrashKillAt);
  CHECK(crash.acked >= 1000);
  for (int n = 1; n <= kRecoveryRounds; ++n) round(n, kRecoveryWritesPerThread, kRecoveryKillAt);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::size_t records = 0;
  for (const auto& slot : slots) records += slot.size();
  WARN(name << ": " << kRecoveryRounds + 1 << " SIGKILLs and restarts, " << records
            << " records checked after each, slowest restart " << slowest_restart << " s, " << total
            << " s in all\n"
            << summary);
}
}  // namespace

GEBIEDEN_STORE_TEST_CASE(
    "crash safety: SIGKILL during concurrent writes loses no acknowledged write",
    "[crash][store][http]", crash_and_recover)

TEST_CASE("test::ServerProcess: kill_hard ends the server - and a failed start names why",
          "[crash][http]") {
  {
    json j = test::relocated_default_config();
    j["store"]["path"] = test::temp_path("process.gpkg").string();
    const fs::path config = test::temp_path("process-config.json");
    test::write_file(config, j.dump(2));
    test::ServerOptions o;
    o.config = config.string();
    o.forward_stderr = false;
    test::ServerProcess s(o);
    CHECK(s.alive());
    CHECK(s.pid() > 0);
    CHECK(s.how_it_ended().empty());
    // Kept, not shown. stderr is read by a thread of its own, apart from the stdout line that
    // said the server is up, so it may arrive a moment later.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (s.stderr_text().find("store: ") == std::string::npos &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(s.stderr_text().find("store: ") != std::string::npos);
    CHECK(s.kill_hard());
    CHECK_FALSE(s.alive());
    CHECK(s.pid() == -1);
    CHECK(s.how_it_ended() == "killed by signal 9");
    CHECK_FALSE(s.kill_hard());  // once only
  }
  // A configuration that does not exist: the server exits with 2 and says so on stderr.
  test::ServerOptions o;
  o.config = (test::temp_path("no-such-dir") / "config.json").string();
  o.forward_stderr = false;
  std::string what;
  try {
    test::ServerProcess s(o);
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  INFO(what);
  CHECK(what.find("the server did not start (exited with status 2)") != std::string::npos);
  CHECK(what.find("configuration error") != std::string::npos);
  CHECK(what.find("no-such-dir") != std::string::npos);
}
