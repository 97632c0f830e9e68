#pragma once
// Coordinate reference systems and PROJ transformations (RAII over PJ_CONTEXT and PJ).
// A Transformer is NOT thread-safe (PROJ objects are bound to one context): give each thread its
// own, or use TransformerCache which hands out one per thread.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "geo/geometry.hpp"

namespace gebieden::geo {

/// The CRSs we serve. Axis order as the OGC defines it: CRS84 lon,lat; EPSG:4326 lat,lon;
/// EPSG:3857 and EPSG:28992 east,north.
enum class Crs { CRS84, EPSG4326, EPSG3857, EPSG28992 };

std::optional<Crs> crs_from_uri(std::string_view uri);  // OGC URIs, "EPSG:n", "CRS84"
std::optional<Crs> crs_from_epsg(int code);             // 4326 -> EPSG4326, 102100/3857, 28992
std::string crs_uri(Crs crs);
int crs_epsg(Crs crs);  // CRS84 -> 4326

/// A PROJ transformation between two EPSG codes, always in "traditional GIS order"
/// (x = longitude / easting, y = latitude / northing), whatever the CRS's official axis order.
class Transformer {
 public:
  Transformer(int from_epsg, int to_epsg);
  Transformer(const Transformer&) = delete;
  Transformer& operator=(const Transformer&) = delete;
  Transformer(Transformer&&) noexcept;
  Transformer& operator=(Transformer&&) noexcept;
  ~Transformer();

  XY forward(XY p) const;
  void forward(Geometry& g) const;  // in place
  void inverse(Geometry& g) const;  // in place
  XY inverse(XY p) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Hands out one Transformer per (thread, from, to). Owned by whoever serves requests.
class TransformerCache {
 public:
  const Transformer& get(int from_epsg, int to_epsg) const;

 private:
  mutable std::mutex m_mutex;
  mutable std::map<std::tuple<std::thread::id, int, int>, std::unique_ptr<Transformer>> m_cache;
};

/// Spherical Web Mercator from lon/lat degrees, as PROJ's EPSG:3857 computes it.
XY lonlat_to_webmercator(XY lonlat);
XY webmercator_to_lonlat(XY xy);

}  // namespace gebieden::geo
