#include "layers/nearby.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gebieden::layers {

namespace {
std::string metres(double m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", m);
  return buf;
}
}  // namespace

std::vector<std::string> NearbyQuery::problems(const NearbyLimits& limits) const {
  std::vector<std::string> out;
  if (!std::isfinite(centre_rd.x) || !std::isfinite(centre_rd.y))
    out.push_back("coords: not a finite point");
  if (!std::isfinite(radius_m) || radius_m < 0)
    out.push_back("within: must be a distance of 0 or more");
  else if (radius_m > limits.max_radius_m)
    out.push_back("within: must be at most " + metres(limits.max_radius_m) + " m");
  if (limit < 1)
    out.push_back("limit: must be at least 1");
  else if (limit > limits.max_limit)
    out.push_back("limit: must be at most " + std::to_string(limits.max_limit));
  return out;
}

std::optional<geo::XY> anchor_rd(const Feature& f) {
  const geo::Geometry& g = f.rd;
  if (g.empty()) return std::nullopt;
  if (g.type == geo::GeometryType::Point) return g.parts[0][0][0];
  const geo::Box b = g.bbox();
  if (!b.valid) return std::nullopt;
  return geo::XY{(b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2};
}

std::shared_ptr<const NearbyIndex::Indexed> NearbyIndex::indexed(const CollectionPtr& c) const {
  {
    std::lock_guard lock(m_mutex);
    auto it = m_by_collection.find(c.get());
    if (it != m_by_collection.end() && it->second->snapshot.lock() == c) return it->second;
  }
  // Build outside the lock: two readers may build the same index once each, never wait.
  auto built = std::make_shared<Indexed>();
  built->snapshot = c;
  std::vector<geo::XY> points;
  for (std::size_t i = 0; i < c->features.size(); ++i) {
    if (auto p = anchor_rd(c->features[i])) {
      points.push_back(*p);
      built->feature_of.push_back(static_cast<std::uint32_t>(i));
    }
  }
  built->index = std::make_shared<const geo::PointIndex>(points);
  std::lock_guard lock(m_mutex);
  // Forget the indexes of snapshots nobody holds any more (a write replaced them).
  for (auto i = m_by_collection.begin(); i != m_by_collection.end();)
    i = i->second->snapshot.expired() ? m_by_collection.erase(i) : std::next(i);
  auto& slot = m_by_collection[c.get()];
  if (!slot || slot->snapshot.lock() != c) slot = built;
  return built;
}

std::vector<NearbyHit> NearbyIndex::query(const std::vector<CollectionPtr>& collections,
                                          const NearbyQuery& q) const {
  std::vector<NearbyHit> hits;
  // A centre or radius that is not finite, a negative radius or a limit of 0 finds nothing (the
  // proximity index checks them); the front reports them through NearbyQuery::problems().
  for (const auto& c : collections) {
    if (!c) continue;
    // The equalities as typed values of this collection's fields; a property it lacks (or
    // keeps private) or a value its field cannot hold means no feature of it matches.
    std::vector<std::pair<int, Value>> equals;
    bool possible = true;
    for (const auto& [name, text] : q.equals) {
      const int fi = c->field_index(name);
      if (fi < 0 || c->fields[static_cast<std::size_t>(fi)].is_private) {
        possible = false;
        break;
      }
      auto v = typed_value(c->fields[static_cast<std::size_t>(fi)], text);
      if (!v) {
        possible = false;
        break;
      }
      equals.emplace_back(fi, std::move(*v));
    }
    if (!possible) continue;
    const auto ix = indexed(c);
    const Collection& coll = *c;
    const auto accept = [&](std::uint32_t i) {
      const Feature& f = coll.features[ix->feature_of[i]];
      for (const auto& [fi, want] : equals)
        if (!equals_value(f.values[static_cast<std::size_t>(fi)], want)) return false;
      return !q.time || in_time(coll, f, *q.time);
    };
    for (const auto& h : ix->index->nearest_if(q.centre_rd, q.limit, q.radius_m, accept))
      hits.push_back(NearbyHit{c, &coll.features[ix->feature_of[h.index]], h.distance_m});
  }
  const auto mm = [](double d) { return std::llround(d * 1000); };
  std::sort(hits.begin(), hits.end(), [&](const NearbyHit& a, const NearbyHit& b) {
    const auto da = mm(a.distance_m), db = mm(b.distance_m);
    if (da != db) return da < db;
    if (a.feature->id != b.feature->id) return a.feature->id < b.feature->id;
    return a.collection->id < b.collection->id;
  });
  if (hits.size() > q.limit) hits.resize(q.limit);
  return hits;
}

}  // namespace gebieden::layers
