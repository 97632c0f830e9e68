// bench_store_write: the write benchmark of the store (issue 14; bench/bench_store_write.sh
// drives it). Against a running `gebieden serve` with writes enabled, on one store collection:
//
//  1. R reader threads alone for SECONDS: /items?limit=100 pages, bbox queries and a
//     FeatureServer query, each thread on its own keep-alive connection (the read baseline);
//  2. the same readers again, now beside W writer threads for SECONDS, each writer on its own
//     keep-alive connection cycling through POST of a new record (a point of its own in
//     Leeuwarden), PATCH of a seeded record's text without If-Match, PATCH of a seeded record
//     with the If-Match of a GET just before (a 412 here is expected: another writer was first),
//     PATCH of its own record with the ETag of its POST (a 412 there is an error: nobody else
//     writes it) and DELETE of a record it created (admin key; left out without one);
//  3. optionally the write baseline: W threads inserting one row per transaction, committed, for
//     SECONDS each (half before 1., half after 2.: the disk's speed drifts; the mean of the
//     two rates) into the same kind of store with its default durability. --plain-gpkg FILE
//     (created when missing): a GeoPackage in WAL mode, first through GDAL as the store writes
//     its own (StartTransaction, CreateFeature, CommitTransaction, FlushCache: "gdal_*"), then
//     a plain table of the same file through sqlite3 (BEGIN IMMEDIATE, INSERT, COMMIT:
//     "plain_*", the ratio's denominator). --plain-pg CONNINFO: a PostGIS table through libpq,
//     one INSERT per transaction ("plain_*"; bench_plain_writes, created when missing).
//
//   bench_store_write --port PORT --token EDITOR [--admin-key ADMIN] [--collection organisaties]
//                     [--writers 8] [--readers 2] [--seconds 10] [--plain-gpkg FILE |
//                     --plain-pg CONNINFO]
//   bench_store_write --plain-only [--writers 8] [--seconds 10] --plain-gpkg FILE | --plain-pg CI
//
// Prints one JSON line (the script makes the table of it). Loopback only; exit status 1 when a
// request failed unexpectedly (any non-2xx but the expected 412s, or no answer) or when the
// collection did not end with its records plus those created less those deleted.

#include <gdal_priv.h>
#include <httplib.h>
#include <libpq-fe.h>
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string collection = "organisaties";
  std::string token;
  std::string admin_key;
  int writers = 8;
  int readers = 2;
  double seconds = 10;
  std::string plain_gpkg;
  std::string plain_pg;
  bool plain_only = false;  // only the baseline (no server needed)
};

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

/// What went wrong first, kept for the report (the first of all threads wins).
class FirstError {
 public:
  void note(const std::string& what) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_text.empty()) m_text = what;
  }
  std::string text() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_text;
  }

 private:
  mutable std::mutex m_mutex;
  std::string m_text;
};

std::unique_ptr<httplib::Client> client(const Options& o) {
  auto c = std::make_unique<httplib::Client>(o.host, o.port);
  c->set_keep_alive(true);
  // cpp-httplib sends a request's headers and its body in two writes; with Nagle's algorithm on
  // (its default) the body waits for the server's delayed ACK of the headers, about 40 ms per
  // write. curl, browsers, Qt (QGIS) and .NET (ArcGIS Pro) set TCP_NODELAY, and so do we.
  c->set_tcp_nodelay(true);
  c->set_connection_timeout(5);
  c->set_read_timeout(120);
  c->set_write_timeout(60);
  return c;
}

httplib::Headers bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

std::string describe(const char* what, const httplib::Result& r) {
  if (!r) return std::string(what) + ": no answer (" + httplib::to_string(r.error()) + ")";
  return std::string(what) + ": " + std::to_string(r->status) + " " + r->body.substr(0, 200);
}

// ---------------------------------------------------------------------------------------------
// Readers

struct ReadTally {
  std::atomic<std::size_t> ok{0};
  std::atomic<std::size_t> errors{0};
};

/// R threads reading until `stop`; counts what was answered between `from` and `until`.
class Readers {
 public:
  Readers(const Options& o, std::vector<std::string> paths, FirstError& first)
      : m_options(o), m_paths(std::move(paths)), m_first(first) {}

  /// Reads for `seconds` and returns the completed reads per second.
  double run(double seconds, std::size_t& errors) {
    ReadTally tally;
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < m_options.readers; ++t) {
      threads.emplace_back([&, t] {
        auto c = client(m_options);
        std::size_t i = static_cast<std::size_t>(t) * 7;
        while (!stop.load(std::memory_order_relaxed)) {
          const std::string& path = m_paths[i++ % m_paths.size()];
          auto r = c->Get(path.c_str());
          if (stop.load(std::memory_order_relaxed)) break;  // finished after the window
          if (r && r->status == 200) {
            ++tally.ok;
          } else {
            ++tally.errors;
            m_first.note(describe(("GET " + path).c_str(), r));
          }
        }
      });
    }
    const auto start = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const std::size_t done = tally.ok.load();
    const double elapsed = ms_since(start) / 1000.0;
    stop = true;
    for (auto& th : threads) th.join();
    errors += tally.errors.load();
    return static_cast<double>(done) / elapsed;
  }

 private:
  const Options& m_options;
  std::vector<std::string> m_paths;
  FirstError& m_first;
};

// ---------------------------------------------------------------------------------------------
// Writers

struct WriterResult {
  std::vector<double> latencies_ms;
  std::size_t posts = 0, patches = 0, deletes = 0, expected_412 = 0, errors = 0;
};

class Writer {
 public:
  Writer(const Options& o, int index, const std::vector<std::string>& seed_ids, FirstError& first)
      : m_options(o),
        m_index(index),
        m_seed_ids(seed_ids),
        m_first(first),
        m_rng(static_cast<std::uint32_t>(1000 + index)) {}

  void run(const std::atomic<bool>& stop) {
    m_client = client(m_options);
    const std::string items = "/collections/" + m_options.collection + "/items";
    for (std::size_t step = 0; !stop.load(std::memory_order_relaxed); ++step) {
      switch (step % 5) {
        case 0:
          post(items);
          break;
        case 1:
          patch_seeded(items, false);
          break;
        case 2:
          patch_seeded(items, true);
          break;
        case 3:
          patch_own(items);
          break;
        default:
          remove_own(items);
          break;
      }
    }
  }

  const WriterResult& result() const { return m_result; }

 private:
  struct Own {
    std::string id;
    std::string etag;
  };

  /// One write, timed; true when 2xx. A 412 is expected only when `may_conflict`.
  template <typename Send>
  httplib::Result timed(const char* what, bool may_conflict, Send send) {
    const auto t = Clock::now();
    httplib::Result r = send();
    const double ms = ms_since(t);
    if (r && r->status >= 200 && r->status < 300) {
      m_result.latencies_ms.push_back(ms);
    } else if (r && r->status == 412 && may_conflict) {
      ++m_result.expected_412;  // answered, not written: not in the write latencies
    } else {
      ++m_result.errors;
      m_first.note(describe(what, r));
    }
    return r;
  }

  void post(const std::string& items) {
    std::uniform_real_distribution<double> lon(5.79, 5.81), lat(53.19, 53.21);
    const json feature = {
        {"type", "Feature"},
        {"geometry", {{"type", "Point"}, {"coordinates", {lon(m_rng), lat(m_rng)}}}},
        {"properties",
         {{"naam", "Benchvereniging " + std::to_string(m_index) + "-" + std::to_string(++m_made)},
          {"omschrijving", "Aangemaakt door de schrijfbenchmark."}}}};
    auto r = timed("POST", false, [&] {
      return m_client->Post(items.c_str(), bearer(m_options.token), feature.dump(),
                            "application/geo+json");
    });
    if (!r || r->status != 201) return;
    ++m_result.posts;
    const std::string location = r->get_header_value("Location");
    const auto at = location.rfind("/items/");
    if (at == std::string::npos) {
      ++m_result.errors;
      m_first.note("POST: 201 without a Location of an item: '" + location + "'");
      return;
    }
    m_own.push_back({location.substr(at + 7), r->get_header_value("ETag")});
  }

  std::string text() {
    return "Gewijzigd door schrijver " + std::to_string(m_index) + " om " +
           std::to_string(std::uniform_int_distribution<int>(0, 1'000'000)(m_rng)) + ".";
  }

  void patch_seeded(const std::string& items, bool with_if_match) {
    if (m_seed_ids.empty()) return;
    const std::string& id =
        m_seed_ids[std::uniform_int_distribution<std::size_t>(0, m_seed_ids.size() - 1)(m_rng)];
    const std::string path = items + "/" + id;
    httplib::Headers headers = bearer(m_options.token);
    if (with_if_match) {
      auto g = m_client->Get(path.c_str(), bearer(m_options.token));  // not timed: a read
      if (!g || g->status != 200) {
        ++m_result.errors;
        m_first.note(describe(("GET " + path).c_str(), g));
        return;
      }
      headers.emplace("If-Match", g->get_header_value("ETag"));
    }
    const json patch = {{"properties", {{"omschrijving", text()}}}};
    auto r = timed("PATCH", with_if_match, [&] {
      return m_client->Patch(path.c_str(), headers, patch.dump(), "application/merge-patch+json");
    });
    if (r && r->status == 200) ++m_result.patches;
  }

  void patch_own(const std::string& items) {
    if (m_own.empty()) return;
    Own& own = m_own.back();
    httplib::Headers headers = bearer(m_options.token);
    if (!own.etag.empty()) headers.emplace("If-Match", own.etag);
    const json patch = {{"properties", {{"omschrijving", text()}}}};
    auto r = timed("PATCH (own record, If-Match of its POST)", false, [&] {
      return m_client->Patch((items + "/" + own.id).c_str(), headers, patch.dump(),
                             "application/merge-patch+json");
    });
    if (r && r->status == 200) {
      ++m_result.patches;
      own.etag = r->get_header_value("ETag");
    }
  }

  void remove_own(const std::string& items) {
    if (m_options.admin_key.empty() || m_own.empty()) return;
    const Own own = m_own.front();
    m_own.erase(m_own.begin());
    auto r = timed("DELETE", false, [&] {
      return m_client->Delete((items + "/" + own.id).c_str(), bearer(m_options.admin_key));
    });
    if (r && r->status == 204) ++m_result.deletes;
  }

  const Options& m_options;
  int m_index;
  const std::vector<std::string>& m_seed_ids;
  FirstError& m_first;
  std::mt19937 m_rng;
  std::unique_ptr<httplib::Client> m_client;
  std::vector<Own> m_own;
  std::size_t m_made = 0;
  WriterResult m_result;
};

// ---------------------------------------------------------------------------------------------
// The plain baseline: one row per committed transaction, W threads.

struct PlainResult {
  double writes_per_s = 0;
  double p50_ms = 0;
  double retries = 0;  // transactions that failed (busy) and were retried
  std::string store;
};

template <typename PerThread>
PlainResult plain_loop(int threads, double seconds, PerThread per_thread) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  std::vector<std::size_t> retries(static_cast<std::size_t>(threads), 0);
  std::vector<std::thread> pool;
  std::atomic<std::size_t> committed{0};
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      per_thread(t, stop, committed, latencies[static_cast<std::size_t>(t)],
                 retries[static_cast<std::size_t>(t)]);
    });
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const std::size_t done = committed.load();
  const double elapsed = ms_since(start) / 1000.0;
  stop = true;
  for (auto& th : pool) th.join();
  std::vector<double> all;
  PlainResult out;
  for (std::size_t t = 0; t < latencies.size(); ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    out.retries += static_cast<double>(retries[t]);
  }
  out.writes_per_s = static_cast<double>(done) / elapsed;
  out.p50_ms = percentile(all, 0.5);
  return out;
}

struct GdalClose {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, GdalClose>;

/// A GeoPackage in WAL mode written through GDAL, as the store writes its own: each thread its
/// own connection; StartTransaction, CreateFeature (a point and two text fields),
/// CommitTransaction, FlushCache.
PlainResult gdal_gpkg(const std::string& path, int threads, double seconds) {
  GDALAllRegister();
  CPLSetConfigOption("OGR_SQLITE_JOURNAL", "WAL");
  CPLSetConfigOption("OGR_SQLITE_PRAGMA", "busy_timeout=10000");
  {
    DatasetPtr ds(static_cast<GDALDataset*>(
        GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr)));
    if (!ds) {
      GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
      if (!driver) throw std::runtime_error("GDAL has no GPKG driver");
      ds.reset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
      if (!ds) throw std::runtime_error("cannot create " + path + ": " + CPLGetLastErrorMsg());
      OGRSpatialReference srs;
      srs.importFromEPSG(4326);
      srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      OGRLayer* layer = ds->CreateLayer("plain_writes", &srs, wkbPoint, nullptr);
      if (!layer) throw std::runtime_error("cannot create a layer in " + path);
      for (const char* name : {"naam", "omschrijving"}) {
        OGRFieldDefn defn(name, OFTString);
        layer->CreateField(&defn);
      }
    }
  }
  PlainResult r = plain_loop(
      threads, seconds,
      [&](int t, const std::atomic<bool>& stop, std::atomic<std::size_t>& committed,
          std::vector<double>& lat, std::size_t& retry) {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        DatasetPtr ds(static_cast<GDALDataset*>(
            GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr)));
        OGRLayer* layer = ds ? ds->GetLayerByName("plain_writes") : nullptr;
        std::mt19937 rng(static_cast<std::uint32_t>(t));
        std::uniform_real_distribution<double> lon(5.79, 5.81), lat_d(53.19, 53.21);
        for (std::size_t n = 0; layer && !stop.load(std::memory_order_relaxed); ++n) {
          const auto start = Clock::now();
          OGRFeatureUniquePtr f(OGRFeature::CreateFeature(layer->GetLayerDefn()));
          f->SetField("naam", ("Plain " + std::to_string(t) + "-" + std::to_string(n)).c_str());
          f->SetField("omschrijving", "Een rij per transactie.");
          OGRPoint p(lon(rng), lat_d(rng));
          f->SetGeometry(&p);
          if (ds->StartTransaction() != OGRERR_NONE) {
            ++retry;
            continue;
          }
          if (layer->CreateFeature(f.get()) != OGRERR_NONE ||
              ds->CommitTransaction() != OGRERR_NONE) {
            ds->RollbackTransaction();
            ++retry;
            continue;
          }
          ds->FlushCache(false);
          if (stop.load(std::memory_order_relaxed)) break;
          ++committed;
          lat.push_back(ms_since(start));
        }
        CPLPopErrorHandler();
      });
  r.store = "GeoPackage (WAL, GDAL)";
  return r;
}

struct SqliteClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct SqliteFinalize {
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteClose>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, SqliteFinalize>;

SqlitePtr sqlite_open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + path + " with sqlite3");
  sqlite3_busy_timeout(db.get(), 10000);
  return db;
}

bool sqlite_exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

/// The same GeoPackage file (made by GDAL first, WAL) written with sqlite3 alone: a plain
/// table, no R-tree, the point as a GeoPackage blob; BEGIN IMMEDIATE, one INSERT, COMMIT, at
/// SQLite's default durability (synchronous FULL), as GDAL leaves it. The floor of one row per
/// durable transaction in this file format.
PlainResult sqlite_gpkg(const std::string& path, int threads, double seconds) {
  {
    SqlitePtr db = sqlite_open(path);
    if (!sqlite_exec(db.get(), "PRAGMA journal_mode=WAL") ||
        !sqlite_exec(db.get(),
                     "CREATE TABLE IF NOT EXISTS plain_rows (id INTEGER PRIMARY KEY, naam TEXT, "
                     "omschrijving TEXT, geom BLOB)"))
      throw std::runtime_error("cannot create plain_rows in " + path + ": " +
                               sqlite3_errmsg(db.get()));
  }
  PlainResult r = plain_loop(
      threads, seconds,
      [&](int t, const std::atomic<bool>& stop, std::atomic<std::size_t>& committed,
          std::vector<double>& lat, std::size_t& retry) {
        SqlitePtr db = sqlite_open(path);
        sqlite3_stmt* raw = nullptr;
        sqlite3_prepare_v2(db.get(),
                           "INSERT INTO plain_rows (naam, omschrijving, geom) VALUES (?, ?, ?)", -1,
                           &raw, nullptr);
        StatementPtr insert(raw);
        if (!insert) return;
        // A GeoPackage point blob: header GP, version 0, flags 1 (little endian, no envelope),
        // srs 4326, then WKB point.
        std::mt19937 rng(static_cast<std::uint32_t>(t));
        std::uniform_real_distribution<double> lon(5.79, 5.81), lat_d(53.19, 53.21);
        for (std::size_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
          const auto start = Clock::now();
          unsigned char blob[8 + 21] = {'G', 'P', 0, 1, 0xE6, 0x10, 0, 0, 1, 1, 0, 0, 0};
          const double xy[2] = {lon(rng), lat_d(rng)};
          std::memcpy(blob + 13, xy, sizeof(xy));
          const std::string naam = "Plain " + std::to_string(t) + "-" + std::to_string(n);
          sqlite3_reset(insert.get());
          sqlite3_bind_text(insert.get(), 1, naam.c_str(), -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(insert.get(), 2, "Een rij per transactie.", -1, SQLITE_STATIC);
          sqlite3_bind_blob(insert.get(), 3, blob, sizeof(blob), SQLITE_STATIC);
          if (!sqlite_exec(db.get(), "BEGIN IMMEDIATE")) {
            ++retry;
            continue;
          }
          if (sqlite3_step(insert.get()) != SQLITE_DONE || !sqlite_exec(db.get(), "COMMIT")) {
            sqlite_exec(db.get(), "ROLLBACK");
            ++retry;
            continue;
          }
          if (stop.load(std::memory_order_relaxed)) break;
          ++committed;
          lat.push_back(ms_since(start));
        }
      });
  r.store = "GeoPackage file (WAL, sqlite3)";
  return r;
}

struct PgClose {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgConn = std::unique_ptr<PGconn, PgClose>;
using PgResult = std::unique_ptr<PGresult, PgClear>;

PgConn pg_connect(const std::string& conninfo) {
  const std::string ci = conninfo.rfind("PG:", 0) == 0 ? conninfo.substr(3) : conninfo;
  PgConn c(PQconnectdb(ci.c_str()));
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error("cannot connect to '" + ci + "': " + PQerrorMessage(c.get()));
  return c;
}

/// A PostGIS table written through libpq with the server's durability (synchronous_commit as
/// configured): each thread its own connection; one INSERT per transaction (autocommit).
PlainResult plain_pg(const std::string& conninfo, int threads, double seconds) {
  {
    PgConn c = pg_connect(conninfo);
    PgResult r(PQexec(c.get(),
                      "CREATE TABLE IF NOT EXISTS bench_plain_writes (id bigserial PRIMARY KEY, "
                      "naam text, omschrijving text, geom geometry(Point, 4326))"));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      throw std::runtime_error(std::string("cannot create bench_plain_writes: ") +
                               PQerrorMessage(c.get()));
  }
  PlainResult r = plain_loop(
      threads, seconds,
      [&](int t, const std::atomic<bool>& stop, std::atomic<std::size_t>& committed,
          std::vector<double>& lat, std::size_t& retry) {
        PgConn c = pg_connect(conninfo);
        PgResult prep(PQprepare(c.get(), "ins",
                                "INSERT INTO bench_plain_writes (naam, omschrijving, geom) VALUES "
                                "($1, $2, ST_SetSRID(ST_MakePoint($3::float8, $4::float8), 4326))",
                                4, nullptr));
        if (PQresultStatus(prep.get()) != PGRES_COMMAND_OK) {
          std::cerr << "bench_store_write: prepare: " << PQerrorMessage(c.get());
          return;
        }
        std::mt19937 rng(static_cast<std::uint32_t>(t));
        std::uniform_real_distribution<double> lon(5.79, 5.81), lat_d(53.19, 53.21);
        for (std::size_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
          const auto start = Clock::now();
          const std::string naam = "Plain " + std::to_string(t) + "-" + std::to_string(n);
          const std::string x = std::to_string(lon(rng)), y = std::to_string(lat_d(rng));
          const char* values[4] = {naam.c_str(), "Een rij per transactie.", x.c_str(), y.c_str()};
          PgResult res(PQexecPrepared(c.get(), "ins", 4, values, nullptr, nullptr, 0));
          if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
            ++retry;
            continue;
          }
          if (stop.load(std::memory_order_relaxed)) break;
          ++committed;
          lat.push_back(ms_since(start));
        }
      });
  r.store = "PostgreSQL table (libpq)";
  return r;
}

/// The baselines of the write rate: for a GeoPackage the plain sqlite3 loop (the ratio's
/// denominator) and the GDAL loop the store's own writes go through; for PostgreSQL the libpq
/// loop.
struct Baselines {
  PlainResult plain;
  PlainResult gdal;  // GeoPackage only (store empty otherwise)
};

Baselines measure_baselines(const Options& o, double seconds) {
  Baselines b;
  if (!o.plain_pg.empty()) {
    b.plain = plain_pg(o.plain_pg, o.writers, seconds);
  } else {
    // GDAL first: it creates the GeoPackage file the sqlite3 loop then writes too.
    b.gdal = gdal_gpkg(o.plain_gpkg, o.writers, seconds);
    b.plain = sqlite_gpkg(o.plain_gpkg, o.writers, seconds);
  }
  return b;
}

/// Two halves of a baseline (one before the server's phases, one after: the disk's speed
/// drifts) as one: the mean of their rates.
PlainResult mean(const PlainResult& a, const PlainResult& b) {
  PlainResult m = a;
  m.writes_per_s = (a.writes_per_s + b.writes_per_s) / 2;
  m.p50_ms = (a.p50_ms + b.p50_ms) / 2;
  m.retries = a.retries + b.retries;
  return m;
}

void put_baselines(const Baselines& b, json& out) {
  auto put = [&](const std::string& prefix, const PlainResult& p) {
    if (p.store.empty()) return;
    out[prefix + "_store"] = p.store;
    out[prefix + "_writes_per_s"] = std::round(p.writes_per_s * 10) / 10;
    out[prefix + "_p50_ms"] = std::round(p.p50_ms * 100) / 100;
    out[prefix + "_retries"] = p.retries;
  };
  put("plain", b.plain);
  put("gdal", b.gdal);
}

// ---------------------------------------------------------------------------------------------

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--plain-only") {
      o.plain_only = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    if (a == "--host") {
      o.host = v;
    } else if (a == "--port") {
      o.port = std::stoi(v);
    } else if (a == "--collection") {
      o.collection = v;
    } else if (a == "--token") {
      o.token = v;
    } else if (a == "--admin-key") {
      o.admin_key = v;
    } else if (a == "--writers") {
      o.writers = std::stoi(v);
    } else if (a == "--readers") {
      o.readers = std::stoi(v);
    } else if (a == "--seconds") {
      o.seconds = std::stod(v);
    } else if (a == "--plain-gpkg") {
      o.plain_gpkg = v;
    } else if (a == "--plain-pg") {
      o.plain_pg = v;
    } else {
      return false;
    }
  }
  if (o.plain_only)
    return (!o.plain_gpkg.empty() || !o.plain_pg.empty()) && o.writers >= 1 && o.seconds > 0;
  return o.port > 0 && !o.token.empty() && o.writers >= 1 && o.writers <= 256 && o.readers >= 0 &&
         o.readers <= 64 && o.seconds > 0 && o.seconds <= 600 &&
         (o.host == "127.0.0.1" || o.host == "localhost");
}

/// The FeatureServer layer of a collection (its index in the service's layer list).
int esri_layer(httplib::Client& c, const std::string& collection) {
  auto r = c.Get("/arcgis/rest/services/gebieden/FeatureServer?f=json");
  if (!r || r->status != 200) throw std::runtime_error(describe("FeatureServer", r));
  const json j = json::parse(r->body);
  const std::string wanted = collection;
  for (const auto& l : j.at("layers")) {
    std::string name = l.value("name", std::string());
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (name == wanted) return l.at("id").get<int>();
  }
  // Fall back on the layer JSON of each (the name may be the title).
  for (const auto& l : j.at("layers")) {
    const int id = l.at("id").get<int>();
    auto lr = c.Get(
        ("/arcgis/rest/services/gebieden/FeatureServer/" + std::to_string(id) + "?f=json").c_str());
    if (lr && lr->status == 200 && lr->body.find("\"" + collection + "\"") != std::string::npos)
      return id;
  }
  throw std::runtime_error("no FeatureServer layer for collection " + collection);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::cerr << "usage: bench_store_write --port PORT --token EDITOR_KEY [--admin-key KEY] "
                 "[--collection ID] [--writers 8] [--readers 2] [--seconds 10] "
                 "[--plain-gpkg FILE | --plain-pg CONNINFO]   (loopback only)\n";
    return 2;
  }
  try {
    if (o.plain_only) {
      json out = {{"writers", o.writers}};
      put_baselines(measure_baselines(o, o.seconds), out);
      std::cout << out.dump() << std::endl;
      return 0;
    }
    FirstError first;
    auto c = client(o);
    const std::string items = "/collections/" + o.collection + "/items";
    // The seeded records the writers patch (the first 1,000 of the collection).
    auto r = c->Get((items + "?f=json&limit=1000").c_str(), bearer(o.token));
    if (!r || r->status != 200) throw std::runtime_error(describe("GET items", r));
    const json page = json::parse(r->body);
    std::vector<std::string> seed_ids;
    for (const auto& f : page.at("features")) seed_ids.push_back(f.at("id").get<std::string>());
    const long long matched = page.value("numberMatched", 0LL);
    const int layer = esri_layer(*c, o.collection);

    // The readers' requests: pages of 100 over the collection, bbox queries over Leeuwarden,
    // one FeatureServer query.
    std::vector<std::string> paths;
    const long long pages = std::max(1LL, std::min(matched / 100, 20LL));
    const char* boxes[] = {"5.78,53.19,5.80,53.20", "5.79,53.195,5.81,53.21",
                           "5.76,53.18,5.84,53.22", "5.80,53.20,5.82,53.215"};
    for (long long p = 0; p < pages; ++p) {
      paths.push_back(items + "?f=json&limit=100&offset=" + std::to_string(p * 100));
      paths.push_back(items + "?f=json&limit=100&bbox=" + boxes[p % 4]);
      if (p % 2 == 0)
        paths.push_back("/arcgis/rest/services/gebieden/FeatureServer/" + std::to_string(layer) +
                        "/query?f=json&where=1%3D1&outFields=*&resultRecordCount=100&"
                        "resultOffset=" +
                        std::to_string(p * 100) +
                        "&geometry=5.78%2C53.19%2C5.82%2C53.21&geometryType=esriGeometryEnvelope"
                        "&inSR=4326&spatialRel=esriSpatialRelIntersects");
    }
    // The first half of the write baseline, while the server is idle.
    const bool with_baseline = !o.plain_gpkg.empty() || !o.plain_pg.empty();
    Baselines before;
    if (with_baseline) before = measure_baselines(o, o.seconds / 2);

    Readers readers(o, paths, first);
    std::size_t read_errors = 0;
    readers.run(std::min(1.0, o.seconds / 5), read_errors);  // warm up: pages encoded, cached
    read_errors = 0;
    const double reads_alone = readers.run(o.seconds, read_errors);

    // Writers and readers together.
    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<Writer>> writers;
    for (int w = 0; w < o.writers; ++w)
      writers.push_back(std::make_unique<Writer>(o, w, seed_ids, first));
    std::vector<std::thread> threads;
    const auto start = Clock::now();
    for (auto& w : writers) threads.emplace_back([&stop, &w] { w->run(stop); });
    const double reads_during = readers.run(o.seconds, read_errors);
    stop = true;
    for (auto& th : threads) th.join();
    const double elapsed = ms_since(start) / 1000.0;  // includes the last writes' tails
    WriterResult all;
    for (const auto& w : writers) {
      const WriterResult& x = w->result();
      all.latencies_ms.insert(all.latencies_ms.end(), x.latencies_ms.begin(), x.latencies_ms.end());
      all.posts += x.posts;
      all.patches += x.patches;
      all.deletes += x.deletes;
      all.expected_412 += x.expected_412;
      all.errors += x.errors;
    }
    const std::size_t writes = all.posts + all.patches + all.deletes;
    const double writes_per_s = static_cast<double>(writes) / elapsed;

    json out = {{"collection", o.collection},
                {"records_in_collection", matched},
                {"writers", o.writers},
                {"readers", o.readers},
                {"seconds", o.seconds},
                {"writes", writes},
                {"posts", all.posts},
                {"patches", all.patches},
                {"deletes", all.deletes},
                {"expected_412", all.expected_412},
                {"write_errors", all.errors},
                {"read_errors", read_errors},
                {"writes_per_s", std::round(writes_per_s * 10) / 10},
                {"write_p50_ms", std::round(percentile(all.latencies_ms, 0.5) * 10) / 10},
                {"write_p99_ms", std::round(percentile(all.latencies_ms, 0.99) * 10) / 10},
                {"write_max_ms", std::round(percentile(all.latencies_ms, 1.0) * 10) / 10},
                {"reads_alone_per_s", std::round(reads_alone * 10) / 10},
                {"reads_during_per_s", std::round(reads_during * 10) / 10},
                {"read_ratio",
                 reads_alone > 0 ? std::round(reads_during / reads_alone * 1000) / 1000 : 0.0}};
    // Every write answered 201 or 204 is there: the collection has grown by the POSTs less the
    // DELETEs (a reader's view; the store publishes before it answers, allow it a moment).
    const long long expected =
        matched + static_cast<long long>(all.posts) - static_cast<long long>(all.deletes);
    long long seen = -1;
    for (int attempt = 0; attempt < 20 && seen != expected; ++attempt) {
      if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto after = c->Get((items + "?f=json&limit=1").c_str(), bearer(o.token));
      if (after && after->status == 200)
        seen = json::parse(after->body).value("numberMatched", -1LL);
    }
    out["records_after"] = seen;
    if (seen != expected) {
      ++all.errors;
      first.note("after the writes the collection has " + std::to_string(seen) +
                 " records, expected " + std::to_string(expected) + " (" + std::to_string(matched) +
                 " + " + std::to_string(all.posts) + " created - " + std::to_string(all.deletes) +
                 " deleted)");
      out["write_errors"] = all.errors;
    }
    if (with_baseline) {
      // The second half, after the writes.
      const Baselines after = measure_baselines(o, o.seconds / 2);
      put_baselines({mean(before.plain, after.plain),
                     before.gdal.store.empty() ? before.gdal : mean(before.gdal, after.gdal)},
                    out);
      for (const char* prefix : {"plain", "gdal"}) {
        const double p = out.value(std::string(prefix) + "_writes_per_s", 0.0);
        if (p > 0) out[std::string(prefix) + "_ratio"] = std::round(writes_per_s / p * 1000) / 1000;
      }
    }
    const std::string e = first.text();
    if (!e.empty()) out["first_error"] = e;
    std::cout << out.dump() << std::endl;
    return all.errors + read_errors == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "bench_store_write: " << e.what() << "\n";
    return 1;
  }
}
