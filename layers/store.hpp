#pragma once
// The social base (organisations, initiatives, activities, volunteer work, meeting places,
// support) and other file layers, as collections. Every record of the store is placed by the
// geocoder when it is loaded or written (layers/feature_store.hpp keeps it in a GeoPackage).
// Nothing is dropped: a record that cannot be placed is served without geometry, with its
// geocode status and reason.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/crs.hpp"
#include "geo/gdal_io.hpp"
#include "geo/geocoder.hpp"
#include "layers/collection.hpp"
#include "layers/schema.hpp"

namespace gebieden::layers {

/// Counts per collection id, per area code (buurtcode, wijkcode, gebied id, gemeentecode).
using AreaCounts = std::map<std::string, std::map<std::string, std::int64_t>>;

struct StoreLoad {
  std::vector<CollectionPtr> collections;
  AreaCounts counts;
  std::size_t records = 0, placed = 0;
};

/// The stored columns of the store and the fields served (the stored ones, then what the
/// placement adds: buurtcode ... geocode_score), with the columns the geocoder reads.
struct StoreSchema {
  std::vector<geo::TableField> source;  // the stored columns, in order
  std::vector<Field> fields;            // served: source columns, then the placement fields
  std::size_t n_source = 0;
  int c_id = -1, c_soort = -1, c_q = -1, c_straat = -1, c_nr = -1, c_pc = -1, c_plaats = -1,
      c_lat = -1, c_lon = -1, c_x = -1, c_y = -1;  // source columns, -1: absent
  std::string display_field;
  std::optional<StoreSchemaDef> def;  // the typed schema (store.schema), when configured

  /// Throws config_error when the soort column is missing. Private fields: store.private_fields
  /// and those the schema marks private; titles from the schema.
  static StoreSchema make(const std::vector<geo::TableField>& source, const geo::StoreConfig& store,
                          std::optional<StoreSchemaDef> def = std::nullopt);
  int index_of(const std::string& name) const;  // in `fields`, -1 when unknown
};

/// One record of the store, placed: its feature (all served fields), soort and geocode result.
struct PlacedRecord {
  Feature feature;
  /// The feature shared with the collections (set by whoever keeps the record: the store), then
  /// used by build_store instead of a copy of `feature`; prepared, with its stable objectid.
  FeatureList::Ptr shared;
  std::string soort;
  geo::GeocodeResult result;
};

/// Place one stored row: its own point geometry when it has one, else the geocoder on its
/// address or coordinate columns (`geocoder` may be null). The one placement path of the store,
/// at start-up and on every write. `to_wgs` is Transformer(4326, 28992).
PlacedRecord place_record(const StoreSchema& schema, const geo::TableRow& row,
                          const geo::AreaModel& model, const geo::Geocoder* geocoder,
                          const geo::Transformer& to_wgs);

/// "not placed: ID: reason (detail)".
std::string not_placed_message(const PlacedRecord& p);

/// The store collections (one per store.collections entry) and their counts per area. `full`:
/// every field public (for keys that may read private fields); else private fields are marked
/// private. `records` are those the view holds (the caller leaves out hidden ones).
StoreLoad build_store(const geo::Config& config, const StoreSchema& schema,
                      const std::vector<const PlacedRecord*>& records, const geo::AreaModel& model,
                      bool full = false);

/// A collection from a file layer (every field, geometry reprojected).
CollectionPtr load_file_layer(const geo::Config& config, const geo::LayerConfig& layer);

/// Sort by id and give every feature its stable objectid (stable_objectid, collisions probed in
/// id order); a feature is only copied when its objectid changes.
void assign_objectids(FeatureList& features);

/// A stable positive 31-bit integer for an id (FNV-1a), the same across restarts; collisions
/// are resolved by probing in id order, so it stays stable while the set of ids does.
std::int64_t stable_objectid(const std::string& id);

}  // namespace gebieden::layers
