#pragma once
// RAII over the GEOS C API (geos_c.h, reentrant *_r functions). A GeosContext is one
// GEOSContextHandle_t: use one per thread. Geometries made with a context must be destroyed
// with it; GeomPtr carries its context in the deleter.

#include <geos_c.h>

#include <memory>
#include <string>
#include <vector>

#include "geo/geometry.hpp"

namespace gebieden::geo {

class GeosContext {
 public:
  GeosContext();
  ~GeosContext();
  GeosContext(const GeosContext&) = delete;
  GeosContext& operator=(const GeosContext&) = delete;

  GEOSContextHandle_t get() const { return m_handle; }
  operator GEOSContextHandle_t() const { return m_handle; }
  const std::string& last_error() const { return m_last_error; }

 private:
  GEOSContextHandle_t m_handle;
  std::string m_last_error;
};

struct GeomDeleter {
  GEOSContextHandle_t ctx = nullptr;
  void operator()(GEOSGeometry* g) const {
    if (g) GEOSGeom_destroy_r(ctx, g);
  }
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;

struct PreparedDeleter {
  GEOSContextHandle_t ctx = nullptr;
  void operator()(const GEOSPreparedGeometry* g) const {
    if (g) GEOSPreparedGeom_destroy_r(ctx, g);
  }
};
using PreparedPtr = std::unique_ptr<const GEOSPreparedGeometry, PreparedDeleter>;

struct STRtreeDeleter {
  GEOSContextHandle_t ctx = nullptr;
  void operator()(GEOSSTRtree* t) const {
    if (t) GEOSSTRtree_destroy_r(ctx, t);
  }
};
using STRtreePtr = std::unique_ptr<GEOSSTRtree, STRtreeDeleter>;

/// Wrap a fresh GEOS result; throws geos_error when it is null.
GeomPtr wrap(const GeosContext& ctx, GEOSGeometry* g, const char* what);

GeomPtr to_geos(const GeosContext& ctx, const Geometry& g);
Geometry from_geos(const GeosContext& ctx, const GEOSGeometry* g);
GeomPtr from_wkb(const GeosContext& ctx, const unsigned char* wkb, std::size_t size);

/// Make valid (GEOSMakeValid) and keep only the polygonal part.
GeomPtr make_valid_polygonal(const GeosContext& ctx, const GEOSGeometry* g);
/// Union of many geometries (GEOSUnaryUnion over a collection).
GeomPtr union_all(const GeosContext& ctx, const std::vector<const GEOSGeometry*>& parts);
double area(const GeosContext& ctx, const GEOSGeometry* g);

}  // namespace gebieden::geo
