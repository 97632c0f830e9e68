#pragma once
// The social base as a writable feature store: a GeoPackage (store.path) that is read at
// start-up, created and seeded from store.source when it does not exist yet, and written one
// record at a time. Every write is one GDAL transaction, committed and flushed before it
// returns; the record is placed by the same path as at start-up (layers::place_record) and the
// store collections and the boundary counts are rebuilt and swapped into the catalogue.
// Writers are serialised by a mutex; readers never wait (they keep the snapshot they hold).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/crs.hpp"
#include "geo/geocoder.hpp"
#include "layers/collection.hpp"
#include "layers/store.hpp"

namespace gebieden::layers {

/// A record to write, typed and validated by the front: values by stored column name
/// (nullopt: null), as text in GDAL's field syntax; columns not given are null.
struct StoreRecordInput {
  std::string id;
  std::map<std::string, std::optional<std::string>> values;
  std::optional<geo::XY> point_crs84;  // the record's own point (lon, lat); none: geocode
};

enum class WriteOutcome { Created, Replaced, Deleted, NotFound, Conflict };

struct WriteResult {
  WriteOutcome outcome = WriteOutcome::NotFound;
  std::string id;
  std::string soort;
  geo::GeocodeResult result;  // the placement of the written record (create/replace)
};

class StoreFile;

class FeatureStore {
 public:
  /// Open store.path, or create it from store.source. `messages` gets what was read and what
  /// could not be placed. Throws config_error / gdal_error.
  static std::shared_ptr<FeatureStore> open(const geo::Config& config,
                                            std::shared_ptr<const geo::AreaModel> model,
                                            std::shared_ptr<const geo::Geocoder> geocoder,
                                            std::vector<std::string>& messages);
  ~FeatureStore();
  FeatureStore(const FeatureStore&) = delete;
  FeatureStore& operator=(const FeatureStore&) = delete;

  const StoreSchema& schema() const { return m_schema; }
  const std::string& path() const { return m_path; }

  /// The collections and counts of the current records.
  StoreLoad snapshot() const;

  /// Add a record (Conflict when its id exists), replace one (NotFound when absent), delete one
  /// (NotFound when absent). On success the store collections and the boundary collections are
  /// replaced in `catalogue`. Throws gdal_error when the GeoPackage cannot be written (then
  /// nothing changed).
  WriteResult create(const StoreRecordInput& record, Catalogue& catalogue);
  WriteResult replace(const StoreRecordInput& record, Catalogue& catalogue);
  WriteResult remove(const std::string& id, Catalogue& catalogue);

  /// The soort of a record, nullopt when there is no record with that id.
  std::optional<std::string> soort_of(const std::string& id) const;

 private:
  struct Entry {
    geo::TableRow row;  // as stored (row.fid is the GeoPackage FID)
    PlacedRecord placed;
  };
  FeatureStore() = default;
  geo::TableRow to_row(const StoreRecordInput& record) const;
  Entry place(geo::TableRow row) const;
  StoreLoad build() const;
  void publish(Catalogue& catalogue) const;
  std::size_t find(const std::string& id) const;  // index in m_entries, or npos
  StoreFile& file();                              // opened for update at the first write

  geo::Config m_config;
  std::shared_ptr<const geo::AreaModel> m_model;
  std::shared_ptr<const geo::Geocoder> m_geocoder;
  std::string m_path;
  StoreSchema m_schema;
  std::vector<Entry> m_entries;
  std::unique_ptr<StoreFile> m_file;
  // WGS84 <-> RD (PROJ, not thread-safe): used at open and under m_mutex only.
  std::unique_ptr<geo::Transformer> m_to_wgs;
  mutable std::mutex m_mutex;  // one writer at a time (and guards m_entries)
};

}  // namespace gebieden::layers
