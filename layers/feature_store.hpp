#pragma once
// The social base as a writable feature store: a GeoPackage (store.path; one instance) or a
// PostgreSQL + PostGIS database (store.database; several instances), layers/store_file.hpp. It
// is read at start-up, created and seeded from store.source when it does not exist yet, migrated
// to the typed schema (store.schema) when its columns differ (GeoPackage), and written one
// request or one batch at a time. Every write is checked against the schema, placed by the same
// path as at start-up (layers::place_record), and stored in one transaction together with its
// history row (who, when, the operation, the values before and after), committed before it
// returns.
// Concurrent writes are committed together (group commit: one transaction, one flush to disk for
// all writes waiting), each with its own outcome. The transaction holds the store's write lock
// (all instances), first applies what other instances wrote since (their history rows), and
// checks If-Match against that current state: no update is lost between instances. Every
// sync_interval_ms the store also looks for other instances' writes on its own.
// Then only what changed is published: the store collections of the soorten written, and the
// boundary collections when their counts changed, swapped into the catalogues together
// (Catalogue::replace_all): a reader sees a write whole or not at all. Two views are published:
// the public one (private fields marked private, records in a hidden status left out) and the
// full one (for keys that may read private fields). Readers never wait (they keep the snapshot
// they hold).

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/crs.hpp"
#include "geo/geocoder.hpp"
#include "layers/collection.hpp"
#include "layers/schema.hpp"
#include "layers/store.hpp"
#include "layers/store_file.hpp"

namespace gebieden::layers {

/// A record to write: values by stored column name (nullopt: null) as text (converted to the
/// column's type by the store: "12,5" and 12.5 are the same number); columns not given are null
/// (or, for a patch, unchanged).
struct StoreRecordInput {
  std::string id;
  RecordValues values;
  std::optional<geo::XY> point_crs84;  // the record's own point (lon, lat); none: geocode
};

enum class WriteOp { Create, Replace, Patch, Delete };

struct WriteRequest {
  WriteOp op = WriteOp::Create;
  /// Create/Replace: the whole record. Patch: only the columns to change. Delete: the id only.
  /// The store's system columns (aangemaakt_op, ...) are kept by the store.
  StoreRecordInput record;
  bool patch_point = false;  // Patch: set the point to record.point_crs84 (nullopt: remove it)
  /// Replace/Patch/Delete: the record must now have one of these soorten (the collection the
  /// request names), else NotFound. Empty: any. The new soort may be any soort of the store.
  std::vector<std::string> soorten;
  /// An If-Match header as sent ("*" or a list of strong ETags): when it matches no current
  /// ETag, PreconditionFailed and nothing is written.
  std::optional<std::string> if_match;
  std::string actor;        // who writes (the key's name): in the history and gewijzigd_door
  bool submission = false;  // a resident's submission: the workflow's initial status is set
};

enum class WriteOutcome {
  Created,
  Replaced,
  Deleted,
  NotFound,
  Conflict,            // create: the id exists
  PreconditionFailed,  // If-Match did not match
  Invalid,             // see problems: one per field
  RolledBack           // a batch write that was valid, undone because another failed
};

struct WriteResult {
  WriteOutcome outcome = WriteOutcome::NotFound;
  std::string id;
  std::string soort;
  geo::GeocodeResult result;  // the placement of the written record (create/replace/patch)
  std::string etag;           // the record's ETag after the write (on PreconditionFailed: now)
  std::vector<FieldProblem> problems;  // Invalid: what is wrong, each naming its field
  bool ok() const {
    return outcome == WriteOutcome::Created || outcome == WriteOutcome::Replaced ||
           outcome == WriteOutcome::Deleted;
  }
};

/// A stored record as the store holds it (all columns, private ones too).
struct StoredRecord {
  std::string id, soort, etag;
  RecordValues values;                 // by column name, as stored (text)
  std::optional<geo::XY> point_crs84;  // its own point, when it has one
  geo::GeocodeResult result;           // where it was placed
  bool is_public = true;               // in public answers (not in a hidden status)
};

class FeatureStore {
 public:
  /// Open store.path, or create it from store.source; migrate it to store.schema when its
  /// columns differ (the old file is kept beside it). `messages` gets what was read and what
  /// could not be placed. Throws config_error / gdal_error.
  static std::shared_ptr<FeatureStore> open(const geo::Config& config,
                                            std::shared_ptr<const geo::AreaModel> model,
                                            std::shared_ptr<const geo::Geocoder> geocoder,
                                            std::vector<std::string>& messages);
  ~FeatureStore();
  FeatureStore(const FeatureStore&) = delete;
  FeatureStore& operator=(const FeatureStore&) = delete;

  const StoreSchema& schema() const { return m_schema; }
  /// Where the store is (the GeoPackage's path, or the database without its password).
  const std::string& path() const { return m_where.display; }
  bool shared() const { return m_where.postgis; }

  /// The collections and counts of the current records: public (private fields marked, hidden
  /// records left out), or full (every field and record: for keys that may read private fields).
  StoreLoad snapshot(bool full = false) const;

  /// Where writes are published: the store collections and the boundaries' counts of the public
  /// view into `public_catalogue`, of the full view into `full_catalogue` (either may be null).
  /// The catalogues must outlive the store.
  void publish_to(Catalogue* public_catalogue, Catalogue* full_catalogue);

  /// One write. Throws gdal_error when the GeoPackage cannot be written (then nothing changed).
  WriteResult write(const WriteRequest& request);
  /// Several writes in one transaction, then one publish. `atomic`: when any fails, none is
  /// written (the valid ones answer RolledBack); else the failures are skipped.
  std::vector<WriteResult> write_batch(const std::vector<WriteRequest>& requests, bool atomic);

  std::optional<StoredRecord> get(const std::string& id) const;
  std::optional<std::string> soort_of(const std::string& id) const;
  /// The history of one record (oldest first), or of every record when `id` is empty.
  std::vector<HistoryEntry> history(const std::string& id) const;
  /// Records in the workflow's initial status (submissions waiting for an editor).
  std::size_t waiting() const;

 private:
  struct Entry {
    geo::TableRow row;    // as stored (row.fid is the store's FID)
    PlacedRecord placed;  // its feature is placed.shared (placed.feature is left empty)
    std::string etag;
    const Feature& feature() const { return *placed.shared; }
  };
  struct Pending;
  struct Job;
  /// A record as a view sees it, before or after a change.
  struct Snap {
    FeatureList::Ptr feature;
    std::string soort;
    geo::GeocodeResult result;
    bool is_public = true;
  };
  struct Change {
    std::string id;
    std::optional<Snap> before, after;
  };
  std::optional<Snap> snap(const std::string& id) const;
  bool is_public(const Entry& e) const;
  FeatureStore() = default;
  Entry place(geo::TableRow row) const;
  StoreLoad build(bool full) const;
  /// Publish what changed: each changed record taken out of or put into its collections (a
  /// collection of 50,000 records is not made anew), the counts of its areas, and the boundary
  /// collections whose counts changed. Under m_publish_mutex, which is taken while m_mutex is
  /// still held (so that publications keep the order of the writes) and is all that is held while
  /// publishing: the next batch is written meanwhile.
  void publish(const std::vector<Change>& changes);
  std::size_t find(const std::string& id) const;  // index in m_entries, or npos
  void put(Entry e);                              // add or replace (by id)
  void erase(const std::string& id);
  /// Apply the writes of other instances since m_seen (under m_mutex); returns the changes.
  std::vector<Change> catch_up();
  /// One transaction for all, under m_mutex; calls `written` once the transaction is over
  /// (committed or not) and the records are in m_entries, before publishing.
  void run_batch(std::vector<Job*>& jobs, const std::function<void()>& written);
  void sync_loop();
  RecordValues values_of(const geo::TableRow& row) const;
  std::string history_json(const Entry* e) const;
  WriteResult prepare(const WriteRequest& request, Pending& pending, const std::string& now) const;

  geo::Config m_config;
  std::shared_ptr<const geo::AreaModel> m_model;
  std::shared_ptr<const geo::Geocoder> m_geocoder;
  StoreLocation m_where;
  StoreSchema m_schema;
  Collection m_etag_fields;  // the fields of the full view (for feature_etag), made once
  std::vector<Entry> m_entries;
  std::unordered_map<std::string, std::size_t> m_index;  // id -> index in m_entries
  std::int64_t m_seen = 0;  // the last history row applied (ours or another instance's)
  std::unique_ptr<StoreFile> m_file;
  Catalogue* m_public = nullptr;
  Catalogue* m_full = nullptr;
  AreaCounts m_counts[2];      // of what is published: [0] public view, [1] full view (publish)
  std::mutex m_publish_mutex;  // guards m_counts and the publishing into the catalogues
  // WGS84 <-> RD (PROJ, not thread-safe): used at open and under m_mutex only.
  std::unique_ptr<geo::Transformer> m_to_wgs;
  mutable std::mutex m_mutex;  // one batch at a time (and guards m_entries, m_file)
  // Group commit: writers queue their job; one of them (the leader) runs all queued jobs.
  std::mutex m_queue_mutex;
  std::condition_variable m_queue_cv;
  std::vector<Job*> m_queue;
  bool m_leader = false;
  // The look for other instances' writes (stopped by the destructor).
  std::mutex m_stop_mutex;
  std::condition_variable m_stop_cv;
  bool m_stop = false;
  std::thread m_sync;
};

/// Does an If-Match header value match `etag`? ("*" matches any existing record; a list of
/// strong ETags matches one that is equal; weak ones never match, RFC 9110 13.1.1.)
bool if_match_matches(const std::string& header, const std::string& etag);

}  // namespace gebieden::layers
