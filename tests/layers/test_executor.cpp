// The single query path: one corpus of spatial questions asked through the OGC bbox, CQL2
// S_INTERSECTS and the Esri geometry filter, all answered by the one executor
// (layers::execute); sorting with nulls and NaN; the one comparator as a strict weak order;
// FeatureQuery::problems().

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "layers/esri_query.hpp"
#include "layers/geojson.hpp"
#include "layers/ogc_filter.hpp"
#include "layers/ogc_geojson.hpp"
#include "layers/query.hpp"
#include "util/error.hpp"

using namespace gebieden;
using geo::Geometry;
using geo::GeometryType;
using geo::Path;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A 10 x 10 grid of points (x 0..9, y 0..9; RD = 1000 x the CRS84 position), three squares
/// and a feature without geometry; `score` holds ints, doubles, NaN and nulls.
layers::CollectionPtr corpus() {
  auto c = std::make_shared<layers::Collection>();
  c->id = "corpus";
  c->fields = {{"naam", layers::FieldType::String, "Naam", false},
               {"score", layers::FieldType::Double, "Score", false},
               {"geheim", layers::FieldType::String, "Geheim", true}};
  c->geometry_type = GeometryType::Point;
  std::int64_t oid = 0;
  auto add = [&](std::string id, Geometry g, layers::Value score) {
    layers::Feature f;
    f.id = id;
    f.objectid = ++oid;
    f.values = {layers::Value{id}, std::move(score), layers::Value{std::string("x")}};
    f.wgs84 = g;
    f.rd = g;
    geo::for_each_xy(f.rd, [](geo::XY& p) {
      p.x *= 1000;
      p.y *= 1000;
    });
    c->features.push_back(std::move(f));
  };
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) {
      const int n = i * 10 + j;
      layers::Value score;
      if (n % 7 == 0)
        score = layers::Value{};  // null
      else if (n % 11 == 0)
        score = layers::Value{kNaN};
      else if (n % 2)
        score = layers::Value{std::int64_t{n % 13}};
      else
        score = layers::Value{double(n % 13) + 0.5};
      std::string id = "p";  // (not "p" + to_string: GCC 12 warns falsely, -Wrestrict)
      id += std::to_string(n);
      add(id, Geometry::point(i, j), score);
    }
  add("sq_a", Geometry::box({0.5, 0.5, 1.5, 1.5, true}), layers::Value{std::int64_t{1}});
  add("sq_b", Geometry::box({6.5, 6.5, 8.5, 8.5, true}), layers::Value{std::int64_t{2}});
  add("sq_big", Geometry::box({-1, -1, 20, 20, true}), layers::Value{std::int64_t{3}});
  add("nowhere", Geometry{}, layers::Value{std::int64_t{4}});
  c->finalize();
  return c;
}

std::set<std::string> ids(const layers::FeaturePage& page) {
  std::set<std::string> out;
  for (const auto* f : page.features) out.insert(f->id);
  return out;
}

std::vector<std::string> ordered_ids(const layers::FeaturePage& page) {
  std::vector<std::string> out;
  for (const auto* f : page.features) out.push_back(f->id);
  return out;
}

layers::FeatureQuery all() {
  layers::FeatureQuery q;
  q.limit = layers::FeatureQuery::kAll;
  return q;
}

layers::FeaturePage ogc_bbox(const layers::CollectionPtr& c, geo::Box b) {
  auto q = all();
  layers::SpatialFilter s;
  s.geometry = Geometry::box(b);
  s.envelope = true;
  s.match_without_geometry = true;
  s.parameter = "bbox";
  q.spatial = s;
  return layers::execute(c, q);
}

layers::FeaturePage ogc_bbox_rd(const layers::CollectionPtr& c, geo::Box b) {
  auto q = all();
  layers::SpatialFilter s;
  geo::Box rd{b.minx * 1000, b.miny * 1000, b.maxx * 1000, b.maxy * 1000, true};
  s.geometry = Geometry::box(rd);
  s.envelope = true;
  s.match_without_geometry = true;
  s.tested_on = layers::TestedGeometry::Rd;
  s.index_box = b;
  q.spatial = s;
  return layers::execute(c, q);
}

layers::FeaturePage cql2(const layers::CollectionPtr& c, const std::string& text) {
  auto q = all();
  q.filter = layers::compile_cql2(*c, text);
  return layers::execute(c, q);
}

layers::FeaturePage esri(const layers::CollectionPtr& c, Geometry g, layers::esri::SpatialRel rel,
                         bool envelope = false) {
  layers::esri::Query q;
  q.spatial = layers::esri::SpatialFilter{std::move(g), envelope, rel};
  q.record_count = 1000;
  auto r = layers::esri::execute(c, q);
  REQUIRE(r.kind == layers::esri::Result::Kind::Features);
  return r.page;
}

std::string fmt(double v) {
  std::string s = std::to_string(v);
  return s;
}
}  // namespace

TEST_CASE("executor: the same spatial question through every front", "[executor][unit]") {
  auto c = corpus();
  struct Case {
    geo::Box box;
    std::set<std::string> want;  // features with geometry
  };
  const std::vector<Case> cases = {
      {{0.75, 0.75, 1.25, 2.25, true}, {"p11", "p12", "sq_a", "sq_big"}},
      {{2.25, 2.25, 2.75, 2.75, true}, {"sq_big"}},  // inside the big square only
      {{5.5, 5.5, 7.2, 6.8, true}, {"p66", "p76", "sq_b", "sq_big"}},
      {{30, 30, 31, 31, true}, {}},
  };
  for (const auto& k : cases) {
    const std::string box =
        fmt(k.box.minx) + "," + fmt(k.box.miny) + "," + fmt(k.box.maxx) + "," + fmt(k.box.maxy);
    INFO("box " << box);
    // OGC bbox: features without geometry match any bbox.
    auto want_ogc = k.want;
    want_ogc.insert("nowhere");
    CHECK(ids(ogc_bbox(c, k.box)) == want_ogc);
    CHECK(ids(ogc_bbox_rd(c, k.box)) == want_ogc);
    // CQL2 S_INTERSECTS with a BBOX and with the same box as a POLYGON.
    CHECK(ids(cql2(c, "S_INTERSECTS(geometry, BBOX(" + box + "))")) == k.want);
    const std::string x0 = fmt(k.box.minx), y0 = fmt(k.box.miny), x1 = fmt(k.box.maxx),
                      y1 = fmt(k.box.maxy);
    CHECK(ids(cql2(c, "S_INTERSECTS(geometry, POLYGON((" + x0 + " " + y0 + ", " + x1 + " " + y0 +
                          ", " + x1 + " " + y1 + ", " + x0 + " " + y1 + ", " + x0 + " " + y0 +
                          ")))")) == k.want);
    // Esri: an envelope, the same box as a polygon, envelope-intersects.
    using layers::esri::SpatialRel;
    CHECK(ids(esri(c, Geometry::box(k.box), SpatialRel::Intersects, true)) == k.want);
    CHECK(ids(esri(c, Geometry::box(k.box), SpatialRel::Intersects)) == k.want);
    CHECK(ids(esri(c, Geometry::box(k.box), SpatialRel::EnvelopeIntersects)) == k.want);
  }

  // Relations beyond intersects go through GEOS: the query contains / is within a feature.
  using layers::esri::SpatialRel;
  const Geometry tri{GeometryType::Polygon, {{Path{{0.6, 0.6}, {1.4, 0.6}, {1, 1.4}, {0.6, 0.6}}}}};
  CHECK(ids(esri(c, tri, SpatialRel::Within)) == std::set<std::string>{"sq_a", "sq_big"});
  CHECK(ids(esri(c, Geometry::box({0.5, 0.5, 2.5, 2.5, true}), SpatialRel::Contains)) ==
        std::set<std::string>{"p11", "p12", "p21", "p22", "sq_a"});
  CHECK(ids(esri(c, Geometry::box({1, 1, 1.5, 1.5, true}), SpatialRel::Touches)) ==
        std::set<std::string>{"p11"});

  // An empty query geometry matches nothing (never the origin), whatever the relation.
  for (auto rel : {SpatialRel::Intersects, SpatialRel::EnvelopeIntersects, SpatialRel::Contains})
    CHECK(esri(c, Geometry{}, rel).features.empty());
  CHECK(esri(c, Geometry{}, SpatialRel::Intersects, true).features.empty());

  // A geometry filter and object ids together, through the executor's id path.
  layers::FeatureQuery q = all();
  q.object_ids = std::vector<std::int64_t>{1, 2, 12, 13, 101};  // p0 p1 p11 p12 sq_a
  layers::SpatialFilter s;
  s.geometry = Geometry::box({0.75, 0.75, 1.25, 2.25, true});
  q.spatial = s;
  CHECK(ordered_ids(layers::execute(c, q)) == std::vector<std::string>{"p11", "p12", "sq_a"});

  // Disjoint is the complement of intersects among features with geometry.
  q = all();
  s.relation = geo::SpatialRelation::Disjoint;
  q.spatial = s;
  CHECK(layers::execute(c, q).number_matched == c->features.size() - 1 - 4);
}

TEST_CASE("executor: an unusable query geometry names its parameter", "[executor][unit]") {
  auto c = corpus();
  auto q = all();
  layers::SpatialFilter s;
  s.geometry = Geometry{GeometryType::LineString, {{Path{{1, 1}}}}};
  s.parameter = "geometry";
  q.spatial = s;
  try {
    layers::execute(c, q);
    FAIL("no input_error");
  } catch (const input_error& e) {
    CHECK(e.parameter() == "geometry");
  }
}

TEST_CASE("executor: sorting with nulls and NaN, stable, through both fronts", "[executor][unit]") {
  auto c = corpus();
  auto q = all();
  q.sort = {{1, false}};
  const auto page = layers::execute(c, q);
  REQUIRE(page.features.size() == c->features.size());
  // Ascending: numbers, then NaN, then null; equal values keep the collection's order.
  int phase = 0;  // 0 numbers, 1 NaN, 2 null
  double last = -1e300;
  const layers::Feature* previous = nullptr;
  for (const auto* f : page.features) {
    const auto& v = f->values[1];
    double x = 0;
    const bool null = std::holds_alternative<std::monostate>(v);
    const bool number = layers::numeric_value(v, x);
    const int p = null ? 2 : std::isnan(x) ? 1 : 0;
    INFO(f->id);
    REQUIRE(number != null);
    CHECK(p >= phase);
    if (p == 0 && phase == 0) {
      CHECK(x >= last);
      if (previous && x == last) CHECK(c->index_of(*previous) < c->index_of(*f));  // stable
      last = x;
    }
    if (p == phase && p > 0 && previous)
      CHECK(c->index_of(*previous) < c->index_of(*f));  // stable among NaN, nulls
    phase = p;
    previous = f;
  }
  CHECK(phase == 2);

  // Descending is the exact reverse order of the keys (nulls first), still stable.
  q.sort = {{1, true}};
  const auto desc = layers::execute(c, q);
  CHECK(std::holds_alternative<std::monostate>(desc.features.front()->values[1]));
  double d = 0;
  REQUIRE(layers::numeric_value(desc.features.back()->values[1], d));
  CHECK(d == 0);

  // The Esri front sorts its features with the same comparator.
  layers::esri::Query eq;
  eq.order_by = {{"SCORE", false}};
  eq.record_count = 1000;
  const auto r = layers::esri::execute(c, eq);
  CHECK(ordered_ids(r.page) == ordered_ids(page));

  // ... and its tables: distinct scores in ascending order, NaN and null last.
  eq = {};
  eq.distinct = true;
  eq.out_fields = {1};
  eq.order_by = {{"score", false}};
  const auto t = layers::esri::execute(c, eq);
  REQUIRE(t.kind == layers::esri::Result::Kind::Table);
  REQUIRE(t.table.rows.size() >= 3);
  const auto n = t.table.rows.size();
  CHECK(std::holds_alternative<std::monostate>(t.table.rows[n - 1][0]));
  CHECK(std::isnan(std::get<double>(t.table.rows[n - 2][0])));
}

TEST_CASE("the one comparator is a strict weak order", "[executor][comparator][unit]") {
  using layers::Value;
  const std::vector<Value> values = {
      Value{},
      Value{kNaN},
      Value{-kNaN},
      Value{true},
      Value{false},
      Value{std::int64_t{0}},
      Value{0.0},
      Value{-0.0},
      Value{std::int64_t{1}},
      Value{1.0},
      Value{1.5},
      Value{-std::numeric_limits<double>::infinity()},
      Value{std::numeric_limits<double>::infinity()},
      Value{std::int64_t{9007199254740993}},  // 2^53 + 1: not a double
      Value{9007199254740992.0},              // 2^53
      Value{std::int64_t{9007199254740992}},
      Value{std::numeric_limits<std::int64_t>::max()},
      Value{std::numeric_limits<std::int64_t>::min()},
      Value{9223372036854775808.0},  // 2^63
      Value{std::string()},
      Value{std::string("1")},
      Value{std::string("a")},
      Value{std::string("b")},
      Value{},
      Value{kNaN},
  };
  auto less = [](const Value& a, const Value& b) { return layers::compare_values(a, b) < 0; };
  auto equiv = [&](const Value& a, const Value& b) { return !less(a, b) && !less(b, a); };
  for (const auto& a : values) {
    CHECK_FALSE(less(a, a));  // irreflexive
    for (const auto& b : values) {
      CHECK(layers::compare_values(a, b) == -layers::compare_values(b, a));  // antisymmetric
      for (const auto& c : values) {
        if (less(a, b) && less(b, c)) CHECK(less(a, c));     // transitive
        if (equiv(a, b) && equiv(b, c)) CHECK(equiv(a, c));  // equivalence transitive
      }
    }
  }
  // The documented order.
  CHECK(less(Value{false}, Value{true}));
  CHECK(less(Value{true}, Value{std::int64_t{-5}}));
  CHECK(equiv(Value{std::int64_t{1}}, Value{1.0}));
  CHECK(less(Value{std::int64_t{9007199254740992}}, Value{std::int64_t{9007199254740993}}));
  CHECK(less(Value{9007199254740992.0}, Value{std::int64_t{9007199254740993}}));
  CHECK(less(Value{std::numeric_limits<double>::infinity()}, Value{std::string()}));
  CHECK(less(Value{std::string("z")}, Value{kNaN}));
  CHECK(less(Value{kNaN}, Value{}));
}

TEST_CASE("FeatureQuery::problems", "[executor][unit]") {
  auto c = corpus();
  layers::FeatureQuery q;
  CHECK(q.problems().empty());
  CHECK(q.problems(*c).empty());
  q.limit = 0;
  q.object_ids = std::vector<std::int64_t>{3, 1, 1};
  q.datetime = layers::TimeInterval{10, 5};
  q.sort = {{7, false}};
  q.equals = {{2, layers::Value{std::string("x")}}};
  layers::SpatialFilter s;
  s.geometry = Geometry::box({0, 0, 1, 1, true});
  s.tested_on = layers::TestedGeometry::Rd;
  q.spatial = s;
  const auto p = q.problems(*c);
  auto has = [&](const std::string& text) {
    for (const auto& m : p)
      if (m.find(text) != std::string::npos) return true;
    return false;
  };
  CHECK(has("limit"));
  CHECK(has("sorted"));
  CHECK(has("unique"));
  CHECK(has("datetime"));
  CHECK(has("index_box"));
  CHECK(has("sort: field 7"));
  CHECK(has("geheim is private"));
  CHECK_THROWS_AS(layers::execute(c, q), std::invalid_argument);
}

TEST_CASE("items_page: one call answers a page from the snapshot's encodings", "[executor][unit]") {
  auto c = corpus();
  layers::FeatureEncodings encodings(4);
  layers::FeatureQuery q;
  q.limit = 5;
  q.offset = 10;
  q.sort = {{1, true}};
  const auto fields = layers::public_fields(*c);
  // A snapshot that has not settled yet (a collection that writes replace many times a second)
  // is not encoded whole: its page is encoded now, the same.
  const auto early =
      layers::items_page(encodings, c, q, fields, true, true, std::chrono::milliseconds(60000));
  CHECK(encodings.encodings() == 0);
  const std::chrono::milliseconds now(0);
  const auto cached = layers::items_page(encodings, c, q, fields, true, true, now);
  const auto fresh = layers::items_page(encodings, c, q, fields, false, true, now);
  CHECK(encodings.encodings() == 1);  // only the all-fields page uses (and fills) the cache
  CHECK(early.features == cached.features);
  CHECK(cached.features == fresh.features);
  CHECK(ordered_ids(cached.page) == ordered_ids(layers::execute(c, q)));
  std::string want = "[";
  for (std::size_t i = 0; i < cached.page.features.size(); ++i) {
    if (i) want += ",";
    layers::append_feature(want, *c, *cached.page.features[i], geo::Crs::CRS84, fields);
  }
  CHECK(cached.features == want + "]");
  layers::items_page(encodings, c, q, fields, true, true, now);
  CHECK(encodings.encodings() == 1);  // reused
  // Another CRS is another encoding; a new snapshot is never served from the old one's.
  q.crs = geo::Crs::EPSG28992;
  layers::items_page(encodings, c, q, fields, true, true, now);
  CHECK(encodings.encodings() == 2);
  auto next = corpus();
  q.crs = geo::Crs::CRS84;
  const auto other = layers::items_page(encodings, next, q, fields, true, true, now);
  CHECK(encodings.encodings() == 3);
  CHECK(other.page.collection == next);
  // Without encoding only the page is made.
  CHECK(layers::items_page(encodings, c, q, fields, true, false).features.empty());
}

TEST_CASE("items_page: a settled snapshot is encoded once, however many threads ask",
          "[executor][unit]") {
  auto c = corpus();
  layers::FeatureEncodings encodings(4);
  layers::FeatureQuery q;
  q.limit = 3;
  const auto fields = layers::public_fields(*c);
  const std::chrono::milliseconds settle(1);
  const auto first = layers::items_page(encodings, c, q, fields, true, true, settle);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 20; ++k)
        got[i] = layers::items_page(encodings, c, q, fields, true, true, settle).features;
    });
  for (auto& t : threads) t.join();
  CHECK(encodings.encodings() == 1);
  for (const auto& g : got) CHECK(g == first.features);
}
