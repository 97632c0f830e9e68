#pragma once
// Typed feature queries and their evaluation against an immutable collection snapshot.
// Front ends (OGC API, GeoServices) parse and validate their parameters into a FeatureQuery;
// the engine never sees HTTP.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "geo/crs.hpp"
#include "layers/collection.hpp"

namespace gebieden::layers {

struct SortKey {
  int field = -1;  // index into Collection::fields; -1 = feature id / objectid order
  bool descending = false;
};

struct FeatureQuery {
  std::size_t limit = 10;
  std::size_t offset = 0;
  std::optional<geo::Box> bbox;  // CRS84: features whose geometry intersects it
  /// Exact property equality filters (field index, value as text).
  std::vector<std::pair<int, std::string>> equals;
  /// Any further predicate (e.g. a compiled CQL2 or Esri where expression).
  std::function<bool(const Feature&)> predicate;
  std::vector<SortKey> sort;
  geo::Crs crs = geo::Crs::CRS84;
};

struct FeaturePage {
  CollectionPtr collection;  // keeps the snapshot alive while the page is encoded
  std::vector<const Feature*> features;
  std::size_t number_matched = 0;
};

/// Run a query: filter, sort (stable; default order is the collection's), then page.
FeaturePage run_query(const CollectionPtr& collection, const FeatureQuery& q);

/// True when the geometry (CRS84) intersects the box.
bool intersects_box(const geo::Geometry& g, const geo::Box& box);

}  // namespace gebieden::layers
