#include <memory>
#include <utility>
#include <vector>

#include "geo/spatial.hpp"
#include "layers/filter.hpp"
#include "util/error.hpp"

// S_INTERSECTS / S_DISJOINT / BBOX of the filters: decided by the one spatial predicate of
// geo/spatial (the box fast path for boxes, GEOS prepared geometry for everything else), so a
// CQL2 filter, an OGC bbox and an Esri geometry filter give the same answer on the same edge.

namespace gebieden::layers::filter {

namespace {

/// A polygon whose every position is a corner of its bounding box: a box as BBOX(...) or
/// Geometry::box writes it, also one without area (a point or a line as a box).
bool is_box(const geo::Geometry& g) {
  if (g.type != geo::GeometryType::Polygon || g.parts.size() != 1 || g.parts[0].size() != 1)
    return false;
  const geo::Box b = g.bbox();
  if (!b.valid) return false;
  for (const auto& p : g.parts[0][0])
    if ((p.x != b.minx && p.x != b.maxx) || (p.y != b.miny && p.y != b.maxy)) return false;
  return true;
}

geo::SpatialPredicate prepare(const geo::Geometry& literal, bool bbox) {
  geo::SpatialOptions options;
  options.envelope = bbox || is_box(literal);
  options.parameter = "filter";
  return geo::SpatialPredicate(geo::SpatialRelation::Intersects, literal, std::move(options));
}

void collect(const Expr& e, std::vector<const Spatial*>& out) {
  if (const auto* s = e.get_if<Spatial>()) {
    out.push_back(s);
  } else if (const auto* n = e.get_if<Not>()) {
    collect(n->operand, out);
  } else if (const auto* a = e.get_if<And>()) {
    for (const auto& o : a->operands) collect(o, out);
  } else if (const auto* o = e.get_if<Or>()) {
    for (const auto& x : o->operands) collect(x, out);
  }
}

}  // namespace

SpatialTests::SpatialTests(const Expr& expr) {
  std::vector<const Spatial*> nodes;
  collect(expr, nodes);
  for (const Spatial* s : nodes)
    m_tests.emplace_back(s, std::make_unique<geo::SpatialPredicate>(prepare(s->geometry, s->bbox)));
}

SpatialTests::~SpatialTests() = default;
SpatialTests::SpatialTests(SpatialTests&&) noexcept = default;

const geo::SpatialPredicate* SpatialTests::find(const Spatial& node) const {
  for (const auto& [s, p] : m_tests)
    if (s == &node) return p.get();
  return nullptr;
}

bool SpatialTests::intersects(const Spatial& node, const geo::Geometry& g) const {
  if (const geo::SpatialPredicate* p = find(node)) return p->test(g);
  return filter::intersects(g, node.geometry);
}

bool intersects(const geo::Geometry& a, const geo::Geometry& b) {
  if (a.empty() || b.empty()) return false;
  try {
    return prepare(b, false).test(a);
  } catch (const input_error&) {
    return false;  // a geometry that cannot be used shares no point with anything
  }
}

}  // namespace gebieden::layers::filter
