#pragma once
// A collection of features: the unit that the OGC API and the GeoServices FeatureServer serve.
// A Collection is immutable once built and shared as std::shared_ptr<const Collection>: a
// write builds a new one and the Catalogue swaps it in atomically, so readers never wait and
// never see half a change.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
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
  geo::Box bbox_rd;           // of rd
  // Cleaned (no degenerate ring) and its bbox made, by Collection::finalize; reset by
  // FeatureList::edit.
  bool prepared = false;
};

/// Clean a feature's geometry (degenerate polygon rings removed from `wgs84` and `rd`) and make
/// its bbox, once (Collection::finalize does it for features not yet prepared).
void prepare_feature(Feature& f);

/// The features of a snapshot: shared, immutable Feature objects, so that a new snapshot that
/// changes a few features copies pointers, not features (a write to a store of 50,000 records
/// makes its collection anew in a few milliseconds). Reads see `const Feature&`.
class FeatureList {
 public:
  using Ptr = std::shared_ptr<const Feature>;
  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = Feature;
    using difference_type = std::ptrdiff_t;
    using pointer = const Feature*;
    using reference = const Feature&;
    const_iterator() = default;
    explicit const_iterator(std::vector<Ptr>::const_iterator it) : m_it(it) {}
    reference operator*() const { return **m_it; }
    pointer operator->() const { return m_it->get(); }
    const_iterator& operator++() {
      ++m_it;
      return *this;
    }
    const_iterator operator++(int) {
      auto t = *this;
      ++m_it;
      return t;
    }
    const_iterator& operator--() {
      --m_it;
      return *this;
    }
    const_iterator& operator+=(difference_type n) {
      m_it += n;
      return *this;
    }
    const_iterator operator+(difference_type n) const { return const_iterator(m_it + n); }
    const_iterator operator-(difference_type n) const { return const_iterator(m_it - n); }
    difference_type operator-(const const_iterator& o) const { return m_it - o.m_it; }
    reference operator[](difference_type n) const { return *m_it[n]; }
    bool operator==(const const_iterator& o) const { return m_it == o.m_it; }
    bool operator!=(const const_iterator& o) const { return m_it != o.m_it; }
    bool operator<(const const_iterator& o) const { return m_it < o.m_it; }

   private:
    std::vector<Ptr>::const_iterator m_it;
  };

  std::size_t size() const { return m_items.size(); }
  bool empty() const { return m_items.empty(); }
  const Feature& operator[](std::size_t i) const { return *m_items[i]; }
  const Feature& front() const { return *m_items.front(); }
  const Feature& back() const { return *m_items.back(); }
  const_iterator begin() const { return const_iterator(m_items.begin()); }
  const_iterator end() const { return const_iterator(m_items.end()); }
  const Ptr& ptr(std::size_t i) const { return m_items[i]; }
  void reserve(std::size_t n) { m_items.reserve(n); }
  void push_back(Feature f) { m_items.push_back(std::make_shared<Feature>(std::move(f))); }
  /// A feature made with std::make_shared<Feature> (never a const object: edit() may change it).
  void push_back(Ptr f) { m_items.push_back(std::move(f)); }
  /// Feature i to change: copied first when another snapshot shares it.
  Feature& edit(std::size_t i);
  /// In the stable order of the collections: by id.
  void sort_by_id();
  /// In a list sorted by id: put `f` in its place (replacing the feature with its id), or take
  /// the feature with this id out (false when there is none).
  void upsert_sorted(Ptr f);
  bool erase_sorted(const std::string& id);

 private:
  std::vector<Ptr> m_items;
};

class Collection {
 public:
  std::string id;
  std::string title;
  std::string description;
  std::vector<Field> fields;
  FeatureList features;  // in their stable order (by id)
  geo::GeometryType geometry_type = geo::GeometryType::None;
  std::string display_field;
  std::string attribution;
  // Temporal extent of a feature: indices of Date fields (values are RFC 3339 strings), -1: none.
  int start_field = -1;
  int end_field = -1;

  /// Make the snapshot: prepare every feature not yet prepared (prepare_feature: no encoder looks
  /// for degenerate rings), then build the indexes (by id, bbox grid) and the extent. Call once
  /// after filling the features.
  void finalize();

  const Feature* find(const std::string& feature_id) const;
  const Feature* find_objectid(std::int64_t objectid) const;
  /// The index of a feature of this snapshot in `features` (by its id).
  std::size_t index_of(const Feature& f) const;
  /// A new collection with this one's description, fields and features (shared), to change and
  /// finalize: a new snapshot of the same collection.
  std::shared_ptr<Collection> derive() const;
  int field_index(const std::string& name) const;  // -1 when unknown
  const geo::Box& extent() const { return m_extent; }
  const geo::Box& extent_rd() const { return m_extent_rd; }
  /// Indices of features whose bbox intersects `box` (CRS84), in stable order.
  std::vector<std::size_t> candidates(const geo::Box& box) const;

 private:
  std::size_t find_index(const std::string& feature_id) const;  // features.size(): none
  // By id: a binary search when the features are sorted by id (the store's and file layers'
  // collections), else this map.
  bool m_sorted = false;
  std::unordered_map<std::string, std::size_t> m_by_id;
  std::vector<std::pair<std::int64_t, std::uint32_t>> m_by_objectid;  // sorted
  std::unordered_map<std::string, int> m_field_index;
  geo::Box m_extent, m_extent_rd;
  // Uniform grid over the extent, compressed rows: the feature indices of cell c are
  // m_cell_items[m_cell_start[c] .. m_cell_start[c + 1]) (ascending). Two flat arrays, so that a
  // new snapshot of 50,000 features builds it in two passes without an allocation per cell.
  std::size_t m_nx = 0, m_ny = 0;
  double m_cw = 0, m_ch = 0;
  std::vector<std::uint32_t> m_cell_start;
  std::vector<std::uint32_t> m_cell_items;
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
