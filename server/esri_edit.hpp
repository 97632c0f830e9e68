#pragma once
// GeoServices editing of the store layers (issue #13, point 5): the edits of `applyEdits`,
// `addFeatures`, `updateFeatures` and `deleteFeatures` (Esri JSON features, object ids) parsed
// into layers::WriteRequests, written through the store's one write path
// (FeatureStore::write_batch: atomic when rollbackOnFailure), and the per-edit results ArcGIS
// clients expect ({"objectId","success","error":{"code","description"}}). The layer metadata of
// editing (which fields are editable and nullable, the edit fields, the last edit) is here too.
// See docs/esri.md, "Editing".

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "geo/config.hpp"
#include "geo/crs.hpp"
#include "layers/collection.hpp"
#include "layers/esri_query.hpp"
#include "layers/feature_store.hpp"

namespace gebieden::server {
class Metrics;
}

namespace gebieden::server::esri_edit {

using json = nlohmann::ordered_json;

/// The error code of a failed edit (ArcGIS's generic "edit failed").
inline constexpr int kEditErrorCode = 1000;
/// At most this many edits (adds, updates and deletes of all layers) in one request.
inline constexpr std::size_t kMaxEdits = 2000;

/// Whether a served field of a store layer can be written, and whether it may be null.
struct FieldEditing {
  bool editable = false;
  bool nullable = true;
};

/// How a layer is edited: a store layer (editable while writes are enabled), or not at all.
struct LayerEditing {
  const layers::StoreSchema* schema = nullptr;  // a store layer: the store's schema
  const geo::StoreConfig* store = nullptr;
  bool editable = false;  // writes are enabled (keys exist)
};

/// A served field of the store: the placement fields (buurtcode ... geocode_score), the
/// schema's system fields (aangemaakt_op ...) and the id are not editable; required fields are
/// not nullable.
FieldEditing field_editing(const layers::StoreSchema& schema, const geo::StoreConfig& store,
                           const std::string& name);

/// The latest aangemaakt_op / gewijzigd_op of a collection's features (epoch milliseconds), or
/// nullopt when it has none.
std::optional<std::int64_t> last_edit_millis(const layers::Collection& c);

/// A store layer as the edits see it: its FeatureServer id, its collection in the full view
/// (every field and record) and its store.collections entry.
struct EditLayer {
  std::size_t id = 0;
  layers::CollectionPtr collection;
  const geo::LayerConfig* config = nullptr;
};

/// What parsing needs besides the layer.
struct EditEnv {
  const layers::StoreSchema& schema;
  const geo::StoreConfig& store;
  const geo::TransformerCache& transformers;
  std::string actor;  // the key's name: in the history and gewijzigd_door
};

enum class EditKind { Add, Update, Delete };

/// One edit: the write to do, or why it cannot be done.
struct ParsedEdit {
  EditKind kind = EditKind::Add;
  std::int64_t object_id = -1;  // updates and deletes: the OBJECTID named; adds: -1
  std::optional<layers::WriteRequest> write;
  std::string error;  // when there is no write: "<field>: <message>"
};

/// The edits of one layer, in the order of the request.
struct LayerEdits {
  EditLayer layer;
  std::vector<ParsedEdit> adds, updates, deletes;
};

/// Adds or updates: a JSON array of {"geometry":{x,y,spatialReference},"attributes":{...}}.
/// Points without a spatialReference are in `default_sr`. Attributes by field name (ASCII case
/// does not matter); OBJECTID names the record of an update (ignored in adds); fields that are
/// not editable are ignored; an unknown field, a bad value or geometry, or an update of an
/// OBJECTID the layer does not have fails that edit only. Dates may be epoch milliseconds.
/// Throws input_error naming `parameter` when `features` is not an array of objects.
std::vector<ParsedEdit> parse_features(const std::string& parameter, const json& features,
                                       EditKind kind, const EditLayer& layer, const EditEnv& env,
                                       layers::esri::SpatialRef default_sr);

/// Object ids: "1,2,3" or a JSON array of integers. Throws input_error naming `parameter`.
std::vector<std::int64_t> parse_object_ids(const std::string& parameter, const std::string& text);
std::vector<std::int64_t> parse_object_ids(const std::string& parameter, const json& ids);

/// Deletes of object ids (an OBJECTID the layer does not have fails that edit).
std::vector<ParsedEdit> deletes_of(const std::vector<std::int64_t>& object_ids,
                                   const EditLayer& layer, const EditEnv& env);

/// The results of one layer: {"addResults":[…],"updateResults":[…],"deleteResults":[…]}.
struct LayerResults {
  std::size_t layer = 0;
  json adds = json::array(), updates = json::array(), deletes = json::array();
};

/// Write every edit of every layer in one batch. `rollback` (rollbackOnFailure): when any edit
/// fails, none is written and every result is a failure; else the failures are skipped and the
/// rest is written. The object id of an added record is read from `full` after the write (in
/// the store layer of its soort).
std::vector<LayerResults> apply(const std::vector<LayerEdits>& edits, bool rollback,
                                layers::FeatureStore& store, const layers::Catalogue& full,
                                const geo::StoreConfig& store_config, Metrics* metrics = nullptr);

/// A new record id: "r" and 15 hex digits.
std::string generated_id();

}  // namespace gebieden::server::esri_edit
