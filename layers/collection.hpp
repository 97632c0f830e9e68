#pragma once
// A collection of features: the unit that the OGC API and the GeoServices FeatureServer serve.
// A Collection is immutable once built and shared as std::shared_ptr<const Collection>: a
// write builds a new one and the Catalogue swaps it in atomically, so readers never wait and
// never see half a change.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "geo/geometry.hpp"

namespace gebieden::layers {

enum class FieldType { String, Integer, Double, Boolean, Date };

struct Field {
  std::string name;
  FieldType type = FieldType::String;
  std::string title;
  bool is_private = false;  // never in any public response
};

using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

struct Feature {
  std::string id;             // the OGC feature id (a code, or a record id)
  std::int64_t objectid = 0;  // stable positive integer (GeoServices OBJECTID)
  std::vector<Value> values;  // aligned with Collection::fields
  geo::Geometry rd;           // EPSG:28992 (storage CRS)
  geo::Geometry wgs84;        // CRS84, RFC 7946 orientation
  geo::Box bbox;              // of wgs84
};

class Collection {
 public:
  std::string id;
  std::string title;
  std::string description;
  std::vector<Field> fields;
  std::vector<Feature> features;  // in their stable order (by id)
  geo::GeometryType geometry_type = geo::GeometryType::None;
  std::string display_field;
  std::string attribution;
  // Temporal extent of a feature: indices of Date fields (values are RFC 3339 strings), -1: none.
  int start_field = -1;
  int end_field = -1;

  /// Make the snapshot: clean every feature's geometry once (degenerate polygon rings removed
  /// from `wgs84` and `rd`, geo::without_degenerate_rings, so no encoder looks for them), then
  /// build the indexes (by id, bbox grid) and the extent. Call once after filling the features.
  void finalize();

  const Feature* find(const std::string& feature_id) const;
  const Feature* find_objectid(std::int64_t objectid) const;
  int field_index(const std::string& name) const;  // -1 when unknown
  const geo::Box& extent() const { return m_extent; }
  const geo::Box& extent_rd() const { return m_extent_rd; }
  /// Indices of features whose bbox intersects `box` (CRS84), in stable order.
  std::vector<std::size_t> candidates(const geo::Box& box) const;

 private:
  std::unordered_map<std::string, std::size_t> m_by_id;
  std::unordered_map<std::int64_t, std::size_t> m_by_objectid;
  std::unordered_map<std::string, int> m_field_index;
  geo::Box m_extent, m_extent_rd;
  // Uniform grid over the extent: cell -> feature indices.
  std::size_t m_nx = 0, m_ny = 0;
  double m_cw = 0, m_ch = 0;
  std::vector<std::vector<std::uint32_t>> m_grid;
};

using CollectionPtr = std::shared_ptr<const Collection>;

/// What a request reads: the collections of one moment, all from the same write (a write that
/// replaced several collections is seen whole or not at all). Cheap to copy.
class CatalogueView {
 public:
  CatalogueView() = default;
  explicit CatalogueView(std::shared_ptr<const std::vector<CollectionPtr>> all)
      : m_all(std::move(all)) {}
  CollectionPtr get(const std::string& id) const;  // null when unknown
  const std::vector<CollectionPtr>& all() const;

 private:
  std::shared_ptr<const std::vector<CollectionPtr>> m_all;
};

/// The set of collections. Readers take a view() and keep it for the request; writers replace
/// one collection or several together, atomically.
class Catalogue {
 public:
  Catalogue();
  void add(CollectionPtr c);  // a new id (throws std::logic_error when it exists)
  /// Replace a collection with a new snapshot (readers holding the old one keep it).
  void replace(CollectionPtr c);
  /// Replace several at once: a reader sees all of them new or all of them old. Ids that are
  /// not in the catalogue are skipped.
  void replace_all(const std::vector<CollectionPtr>& cs);
  CollectionPtr get(const std::string& id) const { return view().get(id); }
  std::vector<CollectionPtr> all() const { return view().all(); }
  CatalogueView view() const { return CatalogueView(m_current.load()); }

 private:
  std::mutex m_write;  // one writer at a time (readers never wait)
  std::atomic<std::shared_ptr<const std::vector<CollectionPtr>>> m_current;
};

/// A strong ETag of a feature as a collection serves it (RFC 9110: quoted): a hash of its id,
/// its values (private fields left out, so that a public answer's ETag tells nothing of them) and
/// its geometry. Equal for equal representations, different (but for hash collisions) otherwise.
std::string feature_etag(const Collection& c, const Feature& f);

std::string to_string(const Value& v);

}  // namespace gebieden::layers
