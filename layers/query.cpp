#include "layers/query.hpp"

#include <algorithm>

namespace gebieden::layers {

namespace {
bool segment_intersects_box(geo::XY a, geo::XY b, const geo::Box& box) {
  // Liang-Barsky clipping.
  double t0 = 0, t1 = 1;
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.x - box.minx, box.maxx - a.x, a.y - box.miny, box.maxy - a.y};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
    } else {
      const double t = q[i] / p[i];
      if (p[i] < 0) {
        if (t > t1) return false;
        t0 = std::max(t0, t);
      } else {
        if (t < t0) return false;
        t1 = std::min(t1, t);
      }
    }
  }
  return true;
}
}  // namespace

bool intersects_box(const geo::Geometry& g, const geo::Box& box) {
  using T = geo::GeometryType;
  if (g.empty()) return true;  // features without geometry match any bbox (OGC API Part 1)
  const geo::Box gb = g.bbox();
  if (!gb.intersects(box)) return false;
  if (gb.minx >= box.minx && gb.maxx <= box.maxx && gb.miny >= box.miny && gb.maxy <= box.maxy)
    return true;
  for (const auto& part : g.parts) {
    for (const auto& path : part) {
      if (g.type == T::Point || g.type == T::MultiPoint) {
        for (const auto& p : path)
          if (box.contains(p)) return true;
        continue;
      }
      for (std::size_t i = 0; i + 1 < path.size(); ++i)
        if (segment_intersects_box(path[i], path[i + 1], box)) return true;
      if (path.size() == 1 && box.contains(path[0])) return true;
    }
  }
  // A box entirely inside a polygon crosses no edge.
  if (g.type == T::Polygon || g.type == T::MultiPolygon)
    return geo::contains_point(g, geo::XY{(box.minx + box.maxx) / 2, (box.miny + box.maxy) / 2});
  return false;
}

namespace {
int compare_values(const Value& a, const Value& b) {
  if (a.index() != b.index()) {
    // Nulls first; numbers compare across int/double.
    auto num = [](const Value& v, double& out) {
      if (v.index() == 2) {
        out = static_cast<double>(std::get<std::int64_t>(v));
        return true;
      }
      if (v.index() == 3) {
        out = std::get<double>(v);
        return true;
      }
      return false;
    };
    double x, y;
    if (num(a, x) && num(b, y)) return x < y ? -1 : x > y ? 1 : 0;
    return a.index() < b.index() ? -1 : 1;
  }
  if (a < b) return -1;
  if (b < a) return 1;
  return 0;
}
}  // namespace

FeaturePage run_query(const CollectionPtr& collection, const FeatureQuery& q) {
  FeaturePage page;
  page.collection = collection;
  const Collection& c = *collection;
  std::vector<const Feature*> matched;
  auto test = [&](const Feature& f) {
    if (q.bbox && !intersects_box(f.wgs84, *q.bbox)) return false;
    for (const auto& [field, value] : q.equals) {
      if (to_string(f.values[field]) != value) return false;
    }
    if (q.predicate && !q.predicate(f)) return false;
    return true;
  };
  if (q.bbox) {
    for (auto i : c.candidates(*q.bbox))
      if (test(c.features[i])) matched.push_back(&c.features[i]);
    // Features without geometry match any bbox; they are not in the grid.
    for (const auto& f : c.features)
      if (f.wgs84.empty() && test(f)) matched.push_back(&f);
    std::sort(matched.begin(), matched.end());  // back to the stable order
  } else {
    for (const auto& f : c.features)
      if (test(f)) matched.push_back(&f);
  }
  if (!q.sort.empty()) {
    std::stable_sort(matched.begin(), matched.end(), [&](const Feature* a, const Feature* b) {
      for (const auto& k : q.sort) {
        int r = k.field < 0 ? (a->objectid < b->objectid   ? -1
                               : a->objectid > b->objectid ? 1
                                                           : 0)
                            : compare_values(a->values[k.field], b->values[k.field]);
        if (k.descending) r = -r;
        if (r != 0) return r < 0;
      }
      return false;
    });
  }
  page.number_matched = matched.size();
  if (q.offset < matched.size()) {
    const std::size_t end = std::min(matched.size(), q.offset + q.limit);
    page.features.assign(matched.begin() + static_cast<std::ptrdiff_t>(q.offset),
                         matched.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return page;
}

}  // namespace gebieden::layers
