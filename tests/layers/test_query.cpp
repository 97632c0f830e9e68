#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "layers/geojson.hpp"
#include "layers/query.hpp"

using namespace gebieden;
using geo::Geometry;
using geo::GeometryType;

namespace {
/// A 10 x 10 grid of points (lon 5.0..5.9, lat 53.0..53.9) plus a polygon, with a category.
layers::CollectionPtr grid() {
  auto c = std::make_shared<layers::Collection>();
  c->id = "grid";
  c->fields = {{"naam", layers::FieldType::String, "Naam", false},
               {"categorie", layers::FieldType::String, "Categorie", false},
               {"n", layers::FieldType::Integer, "N", false},
               {"contact_email", layers::FieldType::String, "E-mail", true}};
  c->geometry_type = GeometryType::Point;
  std::int64_t oid = 0;
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) {
      layers::Feature f;
      f.id = "p" + std::to_string(i * 10 + j);
      f.objectid = ++oid;
      f.values = {f.id, (i + j) % 2 ? std::string("sport") : std::string("cultuur"),
                  std::int64_t{i * 10 + j}, std::string("geheim@example.nl")};
      f.wgs84 = Geometry::point(5.0 + i * 0.1, 53.0 + j * 0.1);
      f.rd = f.wgs84;
      c->features.push_back(f);
    }
  c->finalize();
  return c;
}
}  // namespace

TEST_CASE("paging never loses or repeats a feature", "[query][unit]") {
  auto c = grid();
  for (std::size_t limit : {1u, 7u, 10u, 33u, 100u, 1000u}) {
    std::set<std::string> seen;
    std::size_t offset = 0, pages = 0;
    while (true) {
      layers::FeatureQuery q;
      q.limit = limit;
      q.offset = offset;
      auto page = layers::execute(c, q);
      CHECK(page.number_matched == 100);
      CHECK(page.features.size() <= limit);
      for (auto* f : page.features) CHECK(seen.insert(f->id).second);
      offset += page.features.size();
      ++pages;
      if (page.features.empty() || offset >= page.number_matched) break;
    }
    CHECK(seen.size() == 100);
    CHECK(pages == (100 + limit - 1) / limit);
  }
  layers::FeatureQuery past;
  past.offset = 500;
  CHECK(layers::execute(c, past).features.empty());
}

TEST_CASE("bbox, equality and sort", "[query][unit]") {
  auto c = grid();
  layers::FeatureQuery q;
  q.limit = 1000;
  layers::SpatialFilter bbox;  // i in 1..2, j in 1
  bbox.geometry = Geometry::box(geo::Box{5.05, 53.05, 5.25, 53.15, true});
  bbox.envelope = true;
  bbox.match_without_geometry = true;
  q.spatial = bbox;
  auto page = layers::execute(c, q);
  REQUIRE(page.number_matched == 2);
  CHECK(page.features[0]->id == "p11");
  CHECK(page.features[1]->id == "p21");

  layers::FeatureQuery eq;
  eq.limit = 1000;
  eq.equals = {{1, layers::Value{std::string("sport")}}};
  CHECK(layers::execute(c, eq).number_matched == 50);

  layers::FeatureQuery sorted;
  sorted.limit = 3;
  sorted.sort = {{2, true}};
  auto s = layers::execute(c, sorted);
  REQUIRE(s.features.size() == 3);
  CHECK(s.features[0]->id == "p99");
  CHECK(s.features[2]->id == "p97");
}

TEST_CASE("bbox intersection of polygons", "[query][unit]") {
  Geometry square{GeometryType::Polygon, {{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}}}};
  CHECK(layers::intersects_box(square, {2, 2, 3, 3, true}));      // box inside the polygon
  CHECK(layers::intersects_box(square, {-5, -5, 20, 20, true}));  // polygon inside the box
  CHECK(layers::intersects_box(square, {9, 9, 11, 11, true}));    // corner overlap
  CHECK_FALSE(layers::intersects_box(square, {11, 11, 12, 12, true}));
  CHECK(layers::intersects_box(Geometry{}, {0, 0, 1, 1, true}));  // no geometry matches
}

TEST_CASE("GeoJSON encoding: RFC 7946, private fields never written", "[geojson][unit]") {
  auto c = grid();
  std::string out;
  layers::append_feature(out, *c, c->features[0], geo::Crs::CRS84, {0, 1, 2, 3});
  auto j = nlohmann::json::parse(out);
  CHECK(j["type"] == "Feature");
  CHECK(j["id"] == "p0");
  CHECK(j["geometry"]["coordinates"][0] == 5.0);
  CHECK(j["properties"].contains("naam"));
  CHECK_FALSE(j["properties"].contains("contact_email"));
  CHECK(out.find("geheim") == std::string::npos);

  // EPSG:4326 swaps to lat,lon.
  out.clear();
  layers::append_feature(out, *c, c->features[1], geo::Crs::EPSG4326, layers::public_fields(*c));
  j = nlohmann::json::parse(out);
  CHECK(j["geometry"]["coordinates"][0] == Approx(53.1));
  CHECK(j["geometry"]["coordinates"][1] == Approx(5.0));

  // Polygons come out with the right-hand rule whatever the stored orientation.
  layers::Feature f;
  f.id = "sq";
  f.values = {std::string("x"), std::string("y"), std::int64_t{1}, std::string("z")};
  f.wgs84 =
      Geometry{GeometryType::Polygon, {{{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}}}};  // clockwise
  geo::orient_rings(f.wgs84, true);
  out.clear();
  layers::append_feature(out, *c, f, geo::Crs::CRS84, {});
  j = nlohmann::json::parse(out);
  geo::Path ring;
  for (auto& p : j["geometry"]["coordinates"][0])
    ring.push_back({p[0].get<double>(), p[1].get<double>()});
  CHECK(geo::signed_area(ring) > 0);
}

TEST_CASE("a snapshot is cleaned once: no degenerate ring reaches any encoder", "[query][unit]") {
  auto c = std::make_shared<layers::Collection>();
  c->id = "rings";
  c->fields = {{"naam", layers::FieldType::String, "Naam", false}};
  c->geometry_type = GeometryType::MultiPolygon;
  layers::Feature f;
  f.id = "a";
  f.objectid = 1;
  f.values = {std::string("a")};
  // A square with an out-and-back spike as a "hole", and a polygon that is only a spike.
  f.wgs84 = Geometry{
      GeometryType::MultiPolygon,
      {{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, {{0.2, 0.2}, {0.4, 0.4}, {0.2, 0.2}, {0.2, 0.2}}},
       {{{5, 5}, {6, 6}, {5, 5}, {5, 5}}}}};
  f.rd = f.wgs84;
  c->features.push_back(f);
  c->finalize();
  for (const Geometry* g : {&c->features[0].wgs84, &c->features[0].rd}) {
    CHECK_FALSE(geo::has_degenerate_rings(*g));
    REQUIRE(g->parts.size() == 1);
    CHECK(g->parts[0].size() == 1);
  }
  // The bbox of the snapshot is that of the clean geometry.
  CHECK(c->features[0].bbox.maxx == 1);
  std::string out;
  layers::append_feature(out, *c, c->features[0], geo::Crs::CRS84, {0});
  auto j = nlohmann::json::parse(out);
  CHECK(j["geometry"]["coordinates"].size() == 1);
  CHECK(j["geometry"]["coordinates"][0].size() == 1);
}

TEST_CASE("a large snapshot finds every feature by objectid and by bbox", "[query][unit]") {
  // 3,000 points with hashed objectids (some shared), as the store makes them: the objectid
  // index (radix sorted) and the grid (compressed rows) against a brute force.
  auto c = std::make_shared<layers::Collection>();
  c->id = "many";
  c->fields = {{"naam", layers::FieldType::String, "Naam", false}};
  c->geometry_type = GeometryType::Point;
  std::uint32_t h = 12345;
  std::vector<std::int64_t> oids;
  for (int i = 0; i < 3000; ++i) {
    h = h * 1103515245u + 12345u;
    layers::Feature f;
    f.id = "f" + std::to_string(i);
    f.objectid = i % 500 == 7 ? 42 : static_cast<std::int64_t>(h % 2147483646u) + 1;
    oids.push_back(f.objectid);
    f.values = {f.id};
    f.wgs84 = Geometry::point(5.7 + (h % 1000) * 0.0002, 53.1 + ((h >> 10) % 1000) * 0.0002);
    f.rd = f.wgs84;
    c->features.push_back(f);
  }
  c->finalize();
  for (std::size_t i = 0; i < oids.size(); ++i) {
    std::size_t first = i;
    for (std::size_t j = 0; j < i; ++j)
      if (oids[j] == oids[i]) {
        first = j;
        break;
      }
    const layers::Feature* f = c->find_objectid(oids[i]);
    REQUIRE(f);
    CHECK(f->id == "f" + std::to_string(first));
  }
  CHECK_FALSE(c->find_objectid(0));
  for (const geo::Box box :
       {geo::Box{5.75, 53.12, 5.78, 53.2, true}, geo::Box{5.7, 53.1, 5.9, 53.3, true},
        geo::Box{5.8999, 53.2999, 6.0, 54.0, true}}) {
    std::vector<std::size_t> brute;
    for (std::size_t i = 0; i < c->features.size(); ++i)
      if (c->features[i].bbox.intersects(box)) brute.push_back(i);
    CHECK(c->candidates(box) == brute);
  }
}
