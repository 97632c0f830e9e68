// The proximity index against a brute-force scan of the same points.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "geo/proximity.hpp"

using namespace gebieden::geo;

namespace {

std::vector<ProximityHit> brute_within(const std::vector<XY>& pts, XY c, double r,
                                       bool (*accept)(std::uint32_t)) {
  std::vector<ProximityHit> out;
  for (std::uint32_t i = 0; i < pts.size(); ++i) {
    if (!std::isfinite(pts[i].x) || !std::isfinite(pts[i].y)) continue;
    const double d = std::hypot(pts[i].x - c.x, pts[i].y - c.y);
    const double dx = pts[i].x - c.x, dy = pts[i].y - c.y;
    if (dx * dx + dy * dy <= r * r && accept(i)) out.push_back({i, d});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto ma = std::llround(a.distance_m * 1000), mb = std::llround(b.distance_m * 1000);
    return ma != mb ? ma < mb : a.index < b.index;
  });
  return out;
}

bool any(std::uint32_t) {
  return true;
}
bool even(std::uint32_t i) {
  return i % 2 == 0;
}

void check_same(const std::vector<ProximityHit>& got, const std::vector<ProximityHit>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].index == want[i].index);
    CHECK(got[i].distance_m == Approx(want[i].distance_m).margin(1e-9));
  }
}

}  // namespace

TEST_CASE("proximity: radius and k-nearest agree with a brute-force scan", "[proximity]") {
  std::mt19937_64 rng(20261201);
  std::uniform_real_distribution<double> ux(160000, 200000), uy(550000, 600000);
  std::vector<XY> pts;
  for (int i = 0; i < 5000; ++i) pts.push_back({ux(rng), uy(rng)});
  // Ties: several points on one spot, and points exactly on a radius.
  for (int i = 0; i < 5; ++i) pts.push_back({180000, 575000});
  pts.push_back({180500, 575000});
  pts.push_back({179500, 575000});
  pts.push_back({180000, 575500});
  // Unusable points keep their index but are never found.
  pts.push_back({std::nan(""), 575000});
  pts.push_back({180000, std::numeric_limits<double>::infinity()});
  const PointIndex index(pts, 250);
  REQUIRE(index.size() == pts.size());

  std::vector<XY> centres = {
      {180000, 575000}, {160000, 550000}, {200000, 600000}, {100000, 400000}, {180123.4, 575432.1}};
  for (int i = 0; i < 200; ++i) centres.push_back({ux(rng), uy(rng)});
  const double radii[] = {0, 1, 250, 499.9, 500, 1234.5, 5000, 80000};
  for (const XY& c : centres) {
    INFO("centre " << c.x << " " << c.y);
    for (double r : radii) {
      INFO("radius " << r);
      check_same(index.within(c, r), brute_within(pts, c, r, any));
      check_same(index.within_if(c, r, even), brute_within(pts, c, r, even));
    }
    for (std::size_t k : {1u, 2u, 7u, 10u, 100u}) {
      INFO("k " << k);
      auto want = brute_within(pts, c, 1e12, any);
      if (want.size() > k) want.resize(k);
      check_same(index.nearest(c, k), want);
      auto want_even = brute_within(pts, c, 700, even);
      if (want_even.size() > k) want_even.resize(k);
      check_same(index.nearest_if(c, k, 700, even), want_even);
    }
  }
  // The five points on one spot come in index order, then the three at exactly 500 m.
  const auto at = index.within(XY{180000, 575000}, 500);
  REQUIRE(at.size() >= 8);
  for (std::uint32_t i = 0; i < 5; ++i) CHECK(at[i].index == 5000 + i);
  CHECK(index.nearest(XY{180000, 575000}, 3).back().index == 5002);
}

TEST_CASE("proximity: degenerate input finds nothing and never crashes", "[proximity]") {
  const PointIndex empty;
  CHECK(empty.within(XY{0, 0}, 100).empty());
  CHECK(empty.nearest(XY{0, 0}, 3).empty());
  const PointIndex one(std::vector<XY>{{5, 5}});
  CHECK(one.within(XY{5, 5}, 0).size() == 1);
  CHECK(one.within(XY{5, 5}, -1).empty());
  CHECK(one.within(XY{5, 5}, std::nan("")).empty());
  CHECK(one.within(XY{std::nan(""), 5}, 10).empty());
  CHECK(one.nearest(XY{5, 5}, 0).empty());
  CHECK(one.nearest(XY{1e9, -1e9}, 1).size() == 1);
  CHECK(one.nearest(XY{1e9, -1e9}, 1, 1000).empty());
  // A very wide spread makes larger cells, not a huge grid.
  const PointIndex wide(std::vector<XY>{{-1e9, -1e9}, {1e9, 1e9}}, 1);
  CHECK(wide.nearest(XY{0, 0}, 2).size() == 2);
  CHECK(wide.within(XY{1e9, 1e9}, 1).size() == 1);
}

TEST_CASE("proximity: many hits at one distance (one bucket of the sort) stay in index order",
          "[proximity]") {
  // 600 points on a circle of 100 m (several cells, so collected out of index order), their
  // indices shuffled, and 400 spread around: the radius query's sort meets a cluster far beyond
  // what an insertion sort should take on.
  std::mt19937_64 rng(7);
  std::vector<XY> pts;
  const XY c{180000, 575000};
  std::vector<int> angle(600);
  for (int i = 0; i < 600; ++i) angle[static_cast<std::size_t>(i)] = i;
  std::shuffle(angle.begin(), angle.end(), rng);
  for (int a : angle) {
    const double t = a * 2 * 3.14159265358979 / 600;
    // Rounded to the centimetre: the distances differ by far less than a millimetre.
    pts.push_back({std::round((c.x + 100 * std::cos(t)) * 100) / 100,
                   std::round((c.y + 100 * std::sin(t)) * 100) / 100});
  }
  std::uniform_real_distribution<double> u(-300, 300);
  for (int i = 0; i < 400; ++i) pts.push_back({c.x + u(rng), c.y + u(rng)});
  const PointIndex index(pts, 50);
  for (double r : {100.0, 150.0, 300.0, 500.0}) {
    INFO("radius " << r);
    check_same(index.within(c, r), brute_within(pts, c, r, any));
    check_same(index.within_if(c, r, even), brute_within(pts, c, r, even));
    auto want = brute_within(pts, c, r, any);
    if (want.size() > 50) want.resize(50);
    check_same(index.nearest_if(c, 50, r, any), want);
  }
}

TEST_CASE("proximity: a huge finite radius reaches every point", "[proximity]") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> ux(160000, 200000), uy(550000, 600000);
  std::vector<XY> pts;
  for (int i = 0; i < 1000; ++i) pts.push_back({ux(rng), uy(rng)});
  const PointIndex index(pts, 250);
  // (Within 4,294 km: ranks are millimetres in 32 bits.)
  for (const XY c : {XY{180000, 575000}, XY{-1e6, 1e6}}) {
    for (double r : {1e7, 1e300}) {
      INFO("centre " << c.x << " " << c.y << ", radius " << r);
      check_same(index.within(c, r), brute_within(pts, c, r, any));
      check_same(index.nearest(c, 5, r), index.nearest(c, 5));
      auto want = brute_within(pts, c, r, even);
      want.resize(3);
      check_same(index.nearest_if(c, 3, r, even), want);
    }
  }
}
