// geo/spatial: the one spatial predicate, checked against plain GEOS (GEOSIntersects_r etc.)
// on seeded random polygons, rectangles, points and lines (a few thousand cases), and the one
// degenerate-ring rule.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>

#include "geo/geos.hpp"
#include "geo/spatial.hpp"
#include "util/error.hpp"

using namespace gebieden;
using geo::Geometry;
using geo::GeometryType;
using geo::Path;
using geo::SpatialRelation;
using geo::XY;

namespace {

/// Random geometries on a small grid (0..20, so that touching, shared edges and collinear
/// segments are frequent), and star-shaped polygons with continuous coordinates.
class Random {
 public:
  explicit Random(unsigned seed) : m_rng(seed) {}

  int grid(int lo = 0, int hi = 20) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
  double real(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(m_rng);
  }

  XY grid_point() { return XY{double(grid()), double(grid())}; }

  Geometry point() {
    const XY p = grid_point();
    return Geometry::point(p.x, p.y);
  }

  Geometry multipoint() {
    Path pts;
    for (int i = 0, n = grid(2, 4); i < n; ++i) pts.push_back(grid_point());
    return Geometry{GeometryType::MultiPoint, {{pts}}};
  }

  Geometry line() {
    Path path;
    for (int i = 0, n = grid(2, 4); i < n; ++i) {
      XY p = grid_point();
      if (!path.empty() && p == path.back()) p.x += 1;
      path.push_back(p);
    }
    return Geometry{GeometryType::LineString, {{path}}};
  }

  Geometry rectangle() {
    const int x0 = grid(0, 18), y0 = grid(0, 18);
    const int x1 = grid(x0 + 1, 20), y1 = grid(y0 + 1, 20);
    return Geometry::box(geo::Box{double(x0), double(y0), double(x1), double(y1), true});
  }

  /// A star-shaped polygon around a random centre: simple, so valid.
  Geometry star(bool on_grid) {
    const double cx = real(3, 17), cy = real(3, 17);
    const int n = grid(3, 8);
    std::vector<double> angles;
    for (int i = 0; i < n; ++i) angles.push_back(real(0, 2 * M_PI));
    std::sort(angles.begin(), angles.end());
    Path ring;
    for (double a : angles) {
      const double r = real(1, 7);
      XY p{cx + r * std::cos(a), cy + r * std::sin(a)};
      if (on_grid) p = XY{std::round(p.x), std::round(p.y)};
      ring.push_back(p);
    }
    ring.push_back(ring.front());
    return Geometry{GeometryType::Polygon, {{ring}}};
  }

  Geometry any() {
    switch (grid(0, 5)) {
      case 0:
        return point();
      case 1:
        return multipoint();
      case 2:
        return line();
      case 3:
        return rectangle();
      case 4:
        return star(true);
      default:
        return star(false);
    }
  }

 private:
  std::mt19937 m_rng;
};

/// Plain GEOS: query REL feature, or -1 when GEOS cannot tell (an exception).
int plain_geos(const geo::GeosContext& ctx, SpatialRelation rel, const GEOSGeometry* q,
               const GEOSGeometry* g) {
  char r = 2;
  switch (rel) {
    case SpatialRelation::Intersects:
      r = GEOSIntersects_r(ctx, q, g);
      break;
    case SpatialRelation::Disjoint:
      r = GEOSDisjoint_r(ctx, q, g);
      break;
    case SpatialRelation::Contains:
      r = GEOSContains_r(ctx, q, g);
      break;
    case SpatialRelation::Within:
      r = GEOSWithin_r(ctx, q, g);
      break;
    case SpatialRelation::Touches:
      r = GEOSTouches_r(ctx, q, g);
      break;
    case SpatialRelation::Crosses:
      r = GEOSCrosses_r(ctx, q, g);
      break;
    case SpatialRelation::Overlaps:
      r = GEOSOverlaps_r(ctx, q, g);
      break;
    case SpatialRelation::EnvelopeIntersects:
      break;
  }
  return r == 2 ? -1 : r;
}

bool valid(const geo::GeosContext& ctx, const GEOSGeometry* g) {
  return GEOSisValid_r(ctx, g) == 1;
}

std::string wkt(const geo::GeosContext& ctx, const GEOSGeometry* g) {
  char* text = GEOSGeomToWKT_r(ctx, g);
  std::string out = text ? text : "";
  GEOSFree_r(ctx, text);
  return out;
}

constexpr SpatialRelation kExact[] = {SpatialRelation::Intersects, SpatialRelation::Disjoint,
                                      SpatialRelation::Contains,   SpatialRelation::Within,
                                      SpatialRelation::Touches,    SpatialRelation::Crosses,
                                      SpatialRelation::Overlaps};

}  // namespace

TEST_CASE("spatial predicate agrees with GEOS on random geometries", "[spatial][unit]") {
  geo::GeosContext ctx;
  Random random(20261201);
  int compared = 0, box_path = 0;
  for (int i = 0; i < 600; ++i) {
    const Geometry query = i % 3 == 0 ? random.rectangle() : random.any();
    const auto q = geo::to_geos(ctx, query);
    if (!valid(ctx, q.get())) continue;  // invalid queries are repaired: see the next test
    for (SpatialRelation rel : kExact) {
      const geo::SpatialPredicate predicate(rel, query);
      if (predicate.uses_box()) ++box_path;
      for (int j = 0; j < 4; ++j) {
        const Geometry feature = random.any();
        const auto g = geo::to_geos(ctx, feature);
        if (!valid(ctx, g.get())) continue;
        const int want = plain_geos(ctx, rel, q.get(), g.get());
        if (want < 0) continue;
        INFO(geo::relation_name(rel)
             << " query " << wkt(ctx, q.get()) << " feature " << wkt(ctx, g.get()));
        CHECK(predicate.test(feature) == (want == 1));
        ++compared;
      }
    }
  }
  CHECK(compared > 10000);
  CHECK(box_path > 300);  // the box fast path is exercised, not only GEOS
}

TEST_CASE("spatial predicate: envelopes, empty and invalid geometry", "[spatial][unit]") {
  geo::GeosContext ctx;
  Random random(7);
  // An envelope with no area (a point or a line box) is still tested as a box, against GEOS on
  // the same box as a point or a line.
  for (int i = 0; i < 500; ++i) {
    const XY a = random.grid_point();
    const XY b = i % 2 ? a : XY{a.x + random.grid(0, 3), a.y};
    geo::Box box;
    box.expand(a);
    box.expand(b);
    geo::SpatialOptions options;
    options.envelope = true;
    const geo::SpatialPredicate p(SpatialRelation::Intersects, Geometry::box(box), options);
    REQUIRE(p.uses_box());
    const Geometry as_geos =
        a == b ? Geometry::point(a.x, a.y) : Geometry{GeometryType::LineString, {{Path{a, b}}}};
    const auto q = geo::to_geos(ctx, as_geos);
    const Geometry feature = random.any();
    const auto g = geo::to_geos(ctx, feature);
    if (!valid(ctx, g.get())) continue;
    CHECK(p.test(feature) == (GEOSIntersects_r(ctx, q.get(), g.get()) == 1));
  }

  // Envelope-intersects compares bounding boxes only.
  const Geometry diagonal{GeometryType::LineString, {{Path{{0, 0}, {10, 10}}}}};
  const geo::SpatialPredicate env(SpatialRelation::EnvelopeIntersects,
                                  Geometry::box({8, 0, 10, 2, true}));
  CHECK(env.test(diagonal));
  CHECK_FALSE(geo::SpatialPredicate(SpatialRelation::Intersects, Geometry::box({8, 0, 10, 2, true}))
                  .test(diagonal));

  // An empty feature geometry is in no relation but disjoint.
  for (SpatialRelation rel : kExact)
    CHECK(geo::SpatialPredicate(rel, Geometry::box({0, 0, 1, 1, true})).test(Geometry{}) ==
          (rel == SpatialRelation::Disjoint));

  // A self-intersecting polygon (a bow tie) is repaired (make_valid_polygonal), not refused.
  const Geometry bowtie{GeometryType::Polygon,
                        {{Path{{0, 0}, {10, 10}, {10, 0}, {0, 10}, {0, 0}}}}};
  const geo::SpatialPredicate repaired(SpatialRelation::Intersects, bowtie);
  CHECK(repaired.test(Geometry::point(2, 5)));
  CHECK_FALSE(repaired.test(Geometry::point(5, 2)));

  // Invalid geometry that is not polygonal is an input_error naming the caller's parameter.
  const Geometry spike{GeometryType::LineString, {{Path{{1, 1}}}}};
  try {
    geo::SpatialOptions options;
    options.parameter = "filter";
    geo::SpatialPredicate bad(SpatialRelation::Intersects, spike, options);
    FAIL("no input_error");
  } catch (const input_error& e) {
    CHECK(e.parameter() == "filter");
  }
}

TEST_CASE("box fast path: rectangles are recognised, other polygons are not", "[spatial][unit]") {
  CHECK(geo::as_rectangle(Geometry::box({0, 0, 2, 1, true})));
  // Clockwise is a rectangle too.
  CHECK(geo::as_rectangle(
      Geometry{GeometryType::Polygon, {{Path{{0, 0}, {0, 1}, {2, 1}, {2, 0}, {0, 0}}}}}));
  // No area, an out-and-back spike, a trapezoid, a hole: not rectangles.
  CHECK_FALSE(geo::as_rectangle(Geometry::box({0, 0, 0, 1, true})));
  CHECK_FALSE(geo::as_rectangle(
      Geometry{GeometryType::Polygon, {{Path{{0, 0}, {1, 0}, {0, 0}, {0, 1}, {0, 0}}}}}));
  CHECK_FALSE(geo::as_rectangle(
      Geometry{GeometryType::Polygon, {{Path{{0, 0}, {3, 0}, {2, 1}, {1, 1}, {0, 0}}}}}));
  Geometry holed = Geometry::box({0, 0, 4, 4, true});
  holed.parts[0].push_back(Path{{1, 1}, {1, 2}, {2, 2}, {2, 1}, {1, 1}});
  CHECK_FALSE(geo::as_rectangle(holed));
  CHECK_FALSE(geo::SpatialPredicate(SpatialRelation::Intersects, holed).uses_box());
  CHECK(geo::SpatialPredicate(SpatialRelation::Intersects, Geometry::box({0, 0, 2, 1, true}))
            .uses_box());
  CHECK_FALSE(geo::SpatialPredicate(SpatialRelation::Contains, Geometry::box({0, 0, 2, 1, true}))
                  .uses_box());
}

TEST_CASE("one degenerate-ring rule", "[spatial][geometry][unit]") {
  // Fewer than four positions, fewer than three distinct positions, or no area.
  CHECK(geo::degenerate_ring(Path{{0, 0}, {1, 1}, {0, 0}}));
  CHECK(geo::degenerate_ring(Path{{2, 2}, {3, 3}, {2, 2}, {2, 2}}));
  CHECK(geo::degenerate_ring(Path{{0, 0}, {1, 0}, {0, 0}, {1, 0}, {0, 0}}));
  CHECK(geo::degenerate_ring(Path{{0, 0}, {1, 0}, {2, 0}, {0, 0}}));  // collinear: no area
  CHECK_FALSE(geo::degenerate_ring(Path{{0, 0}, {1, 0}, {1, 1}, {0, 0}}));

  Geometry g{
      GeometryType::MultiPolygon,
      {{Path{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, Path{{2, 2}, {3, 3}, {2, 2}, {2, 2}}},
       {Path{{20, 20}, {21, 21}, {20, 20}, {20, 20}}}}};
  CHECK(geo::has_degenerate_rings(g));
  const Geometry clean = geo::without_degenerate_rings(g);
  REQUIRE(clean.parts.size() == 1);   // the polygon with a degenerate exterior is dropped
  CHECK(clean.parts[0].size() == 1);  // the spike hole is dropped
  CHECK_FALSE(geo::has_degenerate_rings(clean));
  CHECK(geo::without_degenerate_rings(
            Geometry{GeometryType::Polygon, {{Path{{0, 0}, {1, 1}, {0, 0}, {0, 0}}}}})
            .empty());

  // GEOS reading applies the same rule.
  geo::GeosContext ctx;
  auto collinear = geo::wrap(
      ctx, GEOSGeomFromWKT_r(ctx, "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,6 2,2 2))"), "wkt");
  CHECK(geo::from_geos(ctx, collinear.get()).parts[0].size() == 1);
}
