#include "layers/query.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "layers/geojson.hpp"

namespace gebieden::layers {

// ---------------------------------------------------------------------------------------------
// The one comparator

namespace {
/// The class of a value in the order: false/true, numbers, strings, NaN, null.
int rank(const Value& v) {
  switch (v.index()) {
    case 1:
      return 0;  // bool
    case 2:
      return 1;  // int64
    case 3:
      return std::isnan(std::get<double>(v)) ? 3 : 1;
    case 4:
      return 2;  // string
    default:
      return 4;  // null
  }
}

template <typename T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : b < a ? 1 : 0;
}

/// An int64 against a (non-NaN) double, exactly: converting the integer to double would round
/// above 2^53 and make "equal" intransitive.
int compare_int_double(std::int64_t i, double d) {
  constexpr double two63 = 9223372036854775808.0;
  if (d >= two63) return -1;
  if (d < -two63) return 1;
  const double whole = std::trunc(d);
  const auto w = static_cast<std::int64_t>(whole);
  if (i != w) return i < w ? -1 : 1;
  const double frac = d - whole;
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}
}  // namespace

int compare_values(const Value& a, const Value& b) {
  const int ra = rank(a), rb = rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return three_way(std::get<bool>(a), std::get<bool>(b));
    case 1: {
      const auto* ia = std::get_if<std::int64_t>(&a);
      const auto* ib = std::get_if<std::int64_t>(&b);
      if (ia && ib) return three_way(*ia, *ib);
      if (ia) return compare_int_double(*ia, std::get<double>(b));
      if (ib) return -compare_int_double(*ib, std::get<double>(a));
      return three_way(std::get<double>(a), std::get<double>(b));
    }
    case 2:
      return std::get<std::string>(a).compare(std::get<std::string>(b)) < 0   ? -1
             : std::get<std::string>(b).compare(std::get<std::string>(a)) < 0 ? 1
                                                                              : 0;
    default:
      return 0;  // NaN with NaN, null with null
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

std::vector<std::string> FeatureQuery::problems() const {
  std::vector<std::string> out;
  if (limit < 1) out.emplace_back("limit must be at least 1");
  if (spatial) {
    if (spatial->tested_on == TestedGeometry::Rd && !spatial->index_box.valid)
      out.emplace_back("spatial: a filter tested on the RD geometry needs its CRS84 index_box");
    if (spatial->envelope && spatial->geometry.empty())
      out.emplace_back("spatial: an envelope needs its box geometry");
    if (spatial->parameter.empty()) out.emplace_back("spatial: the parameter name is empty");
  }
  if (object_ids && !std::is_sorted(object_ids->begin(), object_ids->end()))
    out.emplace_back("object_ids must be sorted");
  if (object_ids && std::adjacent_find(object_ids->begin(), object_ids->end()) != object_ids->end())
    out.emplace_back("object_ids must be unique");
  if (datetime && datetime->start && datetime->end && *datetime->start > *datetime->end)
    out.emplace_back("datetime: the start is after the end");
  for (const auto& [field, value] : equals) {
    if (field < 0) out.emplace_back("equals: field " + std::to_string(field) + " is not a field");
    if (std::holds_alternative<std::monostate>(value))
      out.emplace_back("equals: a null value never matches");
  }
  for (const auto& k : sort)
    if (k.field < -1)
      out.emplace_back("sort: field " + std::to_string(k.field) + " is not a field");
  return out;
}

std::vector<std::string> FeatureQuery::problems(const Collection& c) const {
  std::vector<std::string> out = problems();
  auto check = [&](int field, const char* what) {
    if (field < 0) return;
    if (static_cast<std::size_t>(field) >= c.fields.size())
      out.push_back(std::string(what) + ": field " + std::to_string(field) + " is not in " + c.id);
    else if (c.fields[static_cast<std::size_t>(field)].is_private)
      out.push_back(std::string(what) + ": field " +
                    c.fields[static_cast<std::size_t>(field)].name + " is private");
  };
  for (const auto& e : equals) check(e.first, "equals");
  for (const auto& k : sort) check(k.field, "sort");
  return out;
}

bool intersects_box(const geo::Geometry& g, const geo::Box& box) {
  return g.empty() || geo::box_intersects(g, box);
}

// ---------------------------------------------------------------------------------------------
// The executor

namespace {

/// The bound filter of one query: its property values and its geometry accessor.
class FilterTest {
 public:
  FilterTest(const Collection& c, const FeatureQuery& q)
      : m_expr(*q.filter),
        m_crs(q.filter_crs),
        m_values(c, *q.filter, resolver(c, q.filter_names), q.filter_booleans),
        m_spatial(*q.filter),
        m_access(m_values.access(m_current)) {
    m_access.spatial = &m_spatial;
    m_access.geometry = [this](std::string_view name) -> const geo::Geometry* {
      if (name != kGeometryQueryable) return nullptr;
      const geo::Geometry* g = nullptr;
      switch (m_crs) {
        case geo::Crs::CRS84:
          g = &m_current->wgs84;
          break;
        case geo::Crs::EPSG28992:
          g = &m_current->rd;
          break;
        default:
          if (!m_converted) m_converted = geometry_in(*m_current, m_crs);
          g = &*m_converted;
          break;
      }
      return g->empty() ? nullptr : g;
    };
  }
  FilterTest(const FilterTest&) = delete;
  FilterTest& operator=(const FilterTest&) = delete;

  bool operator()(const Feature& f) {
    m_current = &f;
    m_converted.reset();
    return filter::matches(m_expr, m_access);  // three-valued: Unknown is no match
  }

 private:
  static FeatureValues::Resolver resolver(const Collection& c, PropertyNames names) {
    if (names == PropertyNames::Esri)
      return [&c](std::string_view name) { return esri_property_field(c, name); };
    return [&c](std::string_view name) {
      const int i = c.field_index(std::string(name));
      return i < 0 ? FeatureValues::kNoField : i;
    };
  }

  const filter::Expr& m_expr;
  geo::Crs m_crs;
  const Feature* m_current = nullptr;
  std::optional<geo::Geometry> m_converted;
  FeatureValues m_values;
  filter::SpatialTests m_spatial;  // the filter's spatial literals, prepared once per query
  filter::PropertyAccess m_access;
};

bool equals_all(const Feature& f, const std::vector<std::pair<int, Value>>& equals) {
  for (const auto& [field, want] : equals)
    if (!equals_value(f.values[static_cast<std::size_t>(field)], want)) return false;
  return true;
}

}  // namespace

FeaturePage execute(const CollectionPtr& collection, const FeatureQuery& q) {
  const Collection& c = *collection;
  if (auto p = q.problems(c); !p.empty()) throw std::invalid_argument("FeatureQuery: " + p.front());

  std::optional<geo::SpatialPredicate> spatial;
  if (q.spatial) {
    geo::SpatialOptions options;
    options.envelope = q.spatial->envelope;
    options.parameter = q.spatial->parameter;
    spatial.emplace(q.spatial->relation, q.spatial->geometry, std::move(options));
  }
  std::optional<FilterTest> filter_test;
  if (q.filter) filter_test.emplace(c, q);

  auto test = [&](const Feature& f) {
    if (q.object_ids && !std::binary_search(q.object_ids->begin(), q.object_ids->end(), f.objectid))
      return false;
    if (spatial) {
      const bool rd = q.spatial->tested_on == TestedGeometry::Rd;
      const geo::Geometry& g = rd ? f.rd : f.wgs84;
      if (g.empty()) {
        if (!q.spatial->match_without_geometry) return false;
      } else if (!(rd ? spatial->test(g) : spatial->test(g, f.bbox))) {
        return false;
      }
    }
    if (!equals_all(f, q.equals)) return false;
    if (q.datetime && !in_time(c, f, *q.datetime)) return false;
    if (filter_test && !(*filter_test)(f)) return false;
    return true;
  };

  // Candidates, in the collection's stable order.
  std::vector<const Feature*> matched;
  if (q.object_ids) {
    std::vector<std::size_t> found;  // indices: the collection's order
    for (auto oid : *q.object_ids)
      if (const Feature* f = c.find_objectid(oid)) found.push_back(c.index_of(*f));
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    for (const std::size_t i : found)
      if (test(c.features[i])) matched.push_back(&c.features[i]);
  } else if (spatial && q.spatial->relation != geo::SpatialRelation::Disjoint) {
    const geo::Box box = q.spatial->index_box.valid ? q.spatial->index_box : spatial->box();
    std::vector<std::size_t> indices = c.candidates(box);
    // Features without geometry are not in the grid.
    if (q.spatial->match_without_geometry) {
      for (std::size_t i = 0; i < c.features.size(); ++i)
        if (c.features[i].wgs84.empty()) indices.push_back(i);
      std::sort(indices.begin(), indices.end());
    }
    for (const std::size_t i : indices)
      if (test(c.features[i])) matched.push_back(&c.features[i]);
  } else {
    for (const auto& f : c.features)
      if (test(f)) matched.push_back(&f);
  }

  if (!q.sort.empty()) {
    std::stable_sort(matched.begin(), matched.end(), [&](const Feature* a, const Feature* b) {
      for (const auto& k : q.sort) {
        int r = k.field < 0 ? three_way(a->objectid, b->objectid)
                            : compare_values(a->values[static_cast<std::size_t>(k.field)],
                                             b->values[static_cast<std::size_t>(k.field)]);
        if (k.descending) r = -r;
        if (r != 0) return r < 0;
      }
      return false;
    });
  }

  FeaturePage page;
  page.collection = collection;
  page.number_matched = matched.size();
  if (q.offset < matched.size()) {
    const std::size_t end =
        q.limit >= matched.size() - q.offset ? matched.size() : q.offset + q.limit;
    page.features.assign(matched.begin() + static_cast<std::ptrdiff_t>(q.offset),
                         matched.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return page;
}

}  // namespace gebieden::layers
