#include <catch2/catch.hpp>
#include <cmath>

#include "geo/crs.hpp"
#include "geo/geometry.hpp"
#include "geo/geos.hpp"
#include "layers/json_format.hpp"

using namespace gebieden;
using geo::Geometry;
using geo::GeometryType;
using geo::Path;
using geo::XY;

namespace {
Path square(double x0, double y0, double size) {
  return {{x0, y0}, {x0 + size, y0}, {x0 + size, y0 + size}, {x0, y0 + size}, {x0, y0}};
}
}  // namespace

TEST_CASE("signed area and orientation", "[geometry][unit]") {
  Path ccw = square(0, 0, 10);
  CHECK(geo::signed_area(ccw) == Approx(100.0));
  Path cw(ccw.rbegin(), ccw.rend());
  CHECK(geo::signed_area(cw) == Approx(-100.0));

  Geometry g{GeometryType::Polygon, {{cw, square(2, 2, 2)}}};  // exterior CW, hole CCW
  geo::orient_rings(g, true);                                  // RFC 7946
  CHECK(geo::signed_area(g.parts[0][0]) > 0);
  CHECK(geo::signed_area(g.parts[0][1]) < 0);
  geo::orient_rings(g, false);  // Esri
  CHECK(geo::signed_area(g.parts[0][0]) < 0);
  CHECK(geo::signed_area(g.parts[0][1]) > 0);
}

TEST_CASE("point in polygon with holes and shared borders", "[geometry][unit]") {
  Geometry donut{GeometryType::Polygon, {{square(0, 0, 10), square(4, 4, 2)}}};
  CHECK(geo::contains_point(donut, {1, 1}));
  CHECK_FALSE(geo::contains_point(donut, {5, 5}));  // in the hole
  CHECK_FALSE(geo::contains_point(donut, {11, 5}));

  // Two squares sharing the edge x = 10: a point on it lies in exactly one.
  Geometry left{GeometryType::Polygon, {{square(0, 0, 10)}}};
  Geometry right{GeometryType::Polygon, {{square(10, 0, 10)}}};
  for (double y : {0.5, 3.0, 7.25, 9.5}) {
    const int n = (geo::contains_point(left, {10, y}) ? 1 : 0) +
                  (geo::contains_point(right, {10, y}) ? 1 : 0);
    CHECK(n == 1);
  }
}

TEST_CASE("GEOS round trip keeps coordinates", "[geometry][geos][unit]") {
  geo::GeosContext ctx;
  Geometry mp{GeometryType::MultiPolygon,
              {{square(0, 0, 1)}, {square(5, 5, 2), square(5.5, 5.5, 0.5)}}};
  auto g = geo::to_geos(ctx, mp);
  CHECK(geo::area(ctx, g.get()) == Approx(1 + 4 - 0.25));
  Geometry back = geo::from_geos(ctx, g.get());
  REQUIRE(back.type == GeometryType::MultiPolygon);
  CHECK(back.parts == mp.parts);

  // A bow-tie is repaired into two triangles.
  Geometry bow{GeometryType::Polygon, {{{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}}}};
  auto invalid = geo::to_geos(ctx, bow);
  CHECK(GEOSisValid_r(ctx, invalid.get()) == 0);
  auto valid = geo::make_valid_polygonal(ctx, invalid.get());
  CHECK(GEOSisValid_r(ctx, valid.get()) == 1);
  CHECK(geo::area(ctx, valid.get()) == Approx(2.0));
}

TEST_CASE("CRS URIs and transformations", "[crs][unit]") {
  CHECK(geo::crs_from_uri("http://www.opengis.net/def/crs/OGC/1.3/CRS84") == geo::Crs::CRS84);
  CHECK(geo::crs_from_uri("http://www.opengis.net/def/crs/EPSG/0/28992") == geo::Crs::EPSG28992);
  CHECK(geo::crs_from_uri("EPSG:3857") == geo::Crs::EPSG3857);
  CHECK_FALSE(geo::crs_from_uri("http://www.opengis.net/def/crs/EPSG/0/31370").has_value());
  CHECK_FALSE(geo::crs_from_uri("").has_value());
  CHECK(geo::crs_from_epsg(102100) == geo::Crs::EPSG3857);

  // The origin of RD (Amersfoort, 155000 463000) is at about 52.15517 N 5.38720 E.
  geo::Transformer to_wgs(28992, 4326);
  const XY ll = to_wgs.forward(XY{155000.0, 463000.0});
  CHECK(ll.x == Approx(5.38720).margin(0.0002));
  CHECK(ll.y == Approx(52.15517).margin(0.0002));
  const XY rd = to_wgs.inverse(ll);
  CHECK(rd.x == Approx(155000.0).margin(0.001));
  CHECK(rd.y == Approx(463000.0).margin(0.001));

  // Web Mercator agrees with PROJ to the millimetre.
  geo::Transformer to_merc(4326, 3857);
  const XY m1 = to_merc.forward(ll);
  const XY m2 = geo::lonlat_to_webmercator(ll);
  CHECK(std::abs(m1.x - m2.x) < 0.001);
  CHECK(std::abs(m1.y - m2.y) < 0.001);
  const XY back = geo::webmercator_to_lonlat(m2);
  CHECK(back.x == Approx(ll.x).margin(1e-9));
  CHECK(back.y == Approx(ll.y).margin(1e-9));
}

TEST_CASE("JSON number and string formatting", "[json][unit]") {
  CHECK(layers::format_number(5.8, 8) == "5.8");
  CHECK(layers::format_number(-0.0, 3) == "0");
  CHECK(layers::format_number(182207.12345, 3) == "182207.123");
  CHECK(layers::format_number(std::nan(""), 3) == "null");
  CHECK(layers::format_number(INFINITY, 3) == "null");
  std::string s;
  layers::append_json_string(s, "a\"b\\c\n\x01 Wielenp\xC3\xB4lle \xFF");
  CHECK(s == "\"a\\\"b\\\\c\\n\\u0001 Wielenp\xC3\xB4lle \xEF\xBF\xBD\"");
}

TEST_CASE("degenerate rings are dropped when reading from GEOS", "[geometry][geos][unit]") {
  geo::GeosContext ctx;
  // A square with a zero-area "hole" [a, b, a, a].
  auto g = geo::wrap(
      ctx, GEOSGeomFromWKT_r(ctx, "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 3,2 2,2 2))"), "wkt");
  const Geometry plain = geo::from_geos(ctx, g.get());
  REQUIRE(plain.type == GeometryType::Polygon);
  CHECK(plain.parts[0].size() == 1);
}
