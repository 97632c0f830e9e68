#pragma once
// Where the store keeps its records: a GeoPackage (one instance; WAL mode, so readers never wait
// for the writer and a crash leaves nothing that the next open does not recover) or a PostgreSQL
// + PostGIS database (several instances on one store), both through GDAL. Tables `store` (the
// records, points in EPSG:28992) and `history` (one row per write, its FID the order of commits).
// RAII: the dataset closes with the StoreFile. Not thread-safe: the FeatureStore calls it under
// its mutex.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "geo/config.hpp"
#include "geo/gdal_io.hpp"

class GDALDataset;
class OGRLayer;

namespace gebieden::layers {

/// One row of the history: a write, with the record before and after as JSON text
/// ({"properties":{...},"geometry":{"type":"Point","coordinates":[lon,lat]}|null}, or "null").
struct HistoryEntry {
  std::int64_t seq = 0;
  std::string record_id, op, actor, at;  // op: create, replace, patch, delete
  std::string before, after;
};

/// Which store a configuration names.
struct StoreLocation {
  bool postgis = false;
  std::string name;       // what GDAL opens: the GeoPackage's path, or "PG:<conninfo>"
  std::string display;    // for messages: the path, or the conninfo without its password
  std::string id_column;  // store.id_field (indexed)
  static StoreLocation of(const geo::Config& config);
};

class StoreFile {
 public:
  /// One change, with its history row.
  struct Op {
    enum class Kind { Insert, Set, Delete } kind = Kind::Insert;
    std::string id;
    geo::TableRow row;  // Insert/Set: the row (Set: row.fid); Delete: row.fid
    HistoryEntry history;
  };

  /// Open for update (a hot journal or WAL left by a crash is recovered here). Throws gdal_error.
  explicit StoreFile(const StoreLocation& where);
  ~StoreFile();
  StoreFile(const StoreFile&) = delete;
  StoreFile& operator=(const StoreFile&) = delete;

  /// Is there a store (the GeoPackage file; the database's `store` table)?
  static bool exists(const StoreLocation& where);
  /// Create the store with `fields`, `rows` and `history`, in one transaction. A GeoPackage is
  /// written beside the path and linked into place (`replace`: renamed over the old one). Returns
  /// false when another process created it first (then nothing was written). Throws gdal_error.
  static bool create(const StoreLocation& where, const std::vector<geo::TableField>& fields,
                     const std::vector<geo::TableRow>& rows,
                     const std::vector<HistoryEntry>& history, bool replace = false);

  /// Every record (points in EPSG:28992), and the columns.
  geo::Table table();
  /// The rows whose column `id_column` is one of `ids`.
  std::vector<geo::TableRow> rows_with_ids(const std::string& id_column,
                                           const std::vector<std::string>& ids);
  /// The history of one record (all when `id` is empty), oldest first.
  std::vector<HistoryEntry> history(const std::string& id);
  /// The history rows after `seq` (oldest first): the writes since then, of every instance.
  std::vector<HistoryEntry> history_since(std::int64_t seq);
  /// The sequence number of the last write (0: none).
  std::int64_t last_seq();

  /// Run `f` in one transaction that holds the store's write lock (PostGIS: a table lock, so
  /// that writers of all instances take turns and history FIDs follow the commit order):
  /// committed (durable) before it returns, or rolled back and rethrown.
  template <typename F>
  void transaction(F f) {
    begin();
    try {
      f();
    } catch (...) {
      rollback();
      throw;
    }
    commit();
  }
  /// Apply `ops` (inside transaction()); returns the FIDs of the rows inserted, by id, and sets
  /// `last_seq` to the sequence number of the last history row written.
  std::map<std::string, long long> apply(const std::vector<Op>& ops, std::int64_t& last_seq);

 private:
  struct Handles;
  /// After opening: the connection's settings, the tables, the indexes, and a write lock taken
  /// and given back (a GeoPackage). Throws gdal_error.
  void prepare();
  void begin();
  void commit();
  void rollback();
  std::unique_ptr<Handles> m_h;
};

}  // namespace gebieden::layers
