#pragma once
// Point -> buurt. A uniform grid over the buurten answers most points without any polygon test
// (cells known to lie inside one buurt); cells on a border keep their few candidate buurten and
// fall back to an exact point-in-polygon test. Immutable after construction: thread-safe.
// The GEOS STRtree + prepared-geometry path is kept as the reference (and benchmark baseline).

#include <cstdint>
#include <memory>
#include <vector>

#include "geo/geometry.hpp"
#include "geo/geos.hpp"

namespace gebieden::geo {

class Locator {
 public:
  /// `polygons` in one projected CRS (metres); `cell_size` in the same unit.
  explicit Locator(const std::vector<const Geometry*>& polygons, double cell_size = 100.0);
  ~Locator();

  /// Index of the polygon holding p, or -1. Deterministic on shared borders. Thread-safe.
  int locate(XY p) const;
  /// Exact reference through GEOS (STRtree + prepared geometries). Single-threaded use only.
  int locate_geos(XY p) const;

  struct Stats {
    std::size_t cells = 0, inside_cells = 0, border_cells = 0, empty_cells = 0;
  };
  Stats stats() const;

 private:
  int exact(std::uint32_t cell, XY p) const;

  std::vector<const Geometry*> m_polygons;
  std::vector<Box> m_boxes;
  Box m_extent;
  double m_cell = 100.0;
  std::size_t m_nx = 0, m_ny = 0;
  // Per cell: >= 0 the polygon index that contains the whole cell; -1 empty; <= -2 a border
  // cell whose candidates are m_candidates[m_offsets[-(v+2)] .. m_offsets[-(v+2)+1]).
  std::vector<std::int32_t> m_cells;
  std::vector<std::uint32_t> m_offsets;
  std::vector<std::int32_t> m_candidates;

  // GEOS reference path.
  std::unique_ptr<GeosContext> m_ctx;
  std::vector<GeomPtr> m_geoms;
  std::vector<PreparedPtr> m_prepared;
  STRtreePtr m_tree;
  std::vector<int> m_ids;  // stable storage for STRtree item pointers
};

}  // namespace gebieden::geo
