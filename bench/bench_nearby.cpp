// Proximity queries per second on 100,000 synthetic points spread over the gemeente (in RD):
// the grid index (geo/proximity) beside a brute-force scan of the same points, measured in the
// same run, for the radius query (500 m) and the k-nearest query (k = 10). Two scans for the
// radius: one comparing squared distances (tuned), one computing every distance (the plain brute
// force). Prints ratios, not verdicts: the machines are shared and noisy.
//
//   build/bench/bench_nearby [POINTS]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "geo/proximity.hpp"

using namespace gebieden;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<geo::ProximityHit> scan_within(const std::vector<geo::XY>& pts, geo::XY c, double r) {
  std::vector<geo::ProximityHit> out;
  const double r2 = r * r;
  for (std::uint32_t i = 0; i < pts.size(); ++i) {
    const double dx = pts[i].x - c.x, dy = pts[i].y - c.y;
    const double d2 = dx * dx + dy * dy;
    if (d2 <= r2) out.push_back({i, std::sqrt(d2)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto ma = std::llround(a.distance_m * 1000), mb = std::llround(b.distance_m * 1000);
    return ma != mb ? ma < mb : a.index < b.index;
  });
  return out;
}

/// The plain brute force: the distance to every point, keep those within the radius.
std::vector<geo::ProximityHit> scan_distances(const std::vector<geo::XY>& pts, geo::XY c,
                                              double r) {
  std::vector<geo::ProximityHit> out;
  for (std::uint32_t i = 0; i < pts.size(); ++i) {
    const double dx = pts[i].x - c.x, dy = pts[i].y - c.y;
    const double d = std::sqrt(dx * dx + dy * dy);
    if (d <= r) out.push_back({i, d});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto ma = std::llround(a.distance_m * 1000), mb = std::llround(b.distance_m * 1000);
    return ma != mb ? ma < mb : a.index < b.index;
  });
  return out;
}

std::vector<geo::ProximityHit> scan_nearest(const std::vector<geo::XY>& pts, geo::XY c,
                                            std::size_t k) {
  std::vector<geo::ProximityHit> all;
  all.reserve(pts.size());
  for (std::uint32_t i = 0; i < pts.size(); ++i) {
    const double dx = pts[i].x - c.x, dy = pts[i].y - c.y;
    all.push_back({i, std::sqrt(dx * dx + dy * dy)});
  }
  const auto less = [](const auto& a, const auto& b) {
    const auto ma = std::llround(a.distance_m * 1000), mb = std::llround(b.distance_m * 1000);
    return ma != mb ? ma < mb : a.index < b.index;
  };
  k = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), less);
  all.resize(k);
  return all;
}

template <typename F>
double rate(const std::vector<geo::XY>& centres, F&& query, double min_seconds,
            std::size_t& checksum) {
  std::size_t n = 0;
  const auto t0 = Clock::now();
  double s = 0;
  do {
    for (const auto& c : centres) {
      checksum += query(c).size();
      ++n;
    }
    s = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (s < min_seconds);
  return static_cast<double>(n) / s;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  // The gemeente Leeuwarden in RD New, roughly: 30 x 38 km.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> ux(166000, 196000), uy(556000, 594000);
  std::vector<geo::XY> pts(count);
  for (auto& p : pts) p = {ux(rng), uy(rng)};
  std::vector<geo::XY> centres(500);
  for (auto& c : centres) c = {ux(rng), uy(rng)};

  const auto t0 = Clock::now();
  const double cell = argc > 2 ? std::strtod(argv[2], nullptr) : 250;
  const geo::PointIndex index(pts, cell);
  const double build_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::printf("points: %zu, index built in %.1f ms\n", count, build_ms);

  // The same answers first: a benchmark of a wrong index measures nothing.
  for (const auto& c : centres) {
    if (index.within(c, 500) != scan_within(pts, c, 500) ||
        index.nearest(c, 10) != scan_nearest(pts, c, 10)) {
      std::fprintf(stderr, "the index and the scan disagree\n");
      return 1;
    }
  }

  std::size_t sum = 0;
  const double grid_r = rate(
      centres, [&](geo::XY c) { return index.within(c, 500); }, 1.0, sum);
  const double scan_r = rate(
      centres, [&](geo::XY c) { return scan_within(pts, c, 500); }, 1.0, sum);
  const double plain_r = rate(
      centres, [&](geo::XY c) { return scan_distances(pts, c, 500); }, 1.0, sum);
  // What /nearby runs by default: the 50 nearest within 500 m.
  const double grid_rk = rate(
      centres, [&](geo::XY c) { return index.nearest(c, 50, 500); }, 1.0, sum);
  const double scan_rk = rate(
      centres,
      [&](geo::XY c) {
        auto v = scan_within(pts, c, 500);
        if (v.size() > 50) v.resize(50);
        return v;
      },
      1.0, sum);
  const double grid_k = rate(
      centres, [&](geo::XY c) { return index.nearest(c, 10); }, 1.0, sum);
  const double scan_k = rate(
      centres, [&](geo::XY c) { return scan_nearest(pts, c, 10); }, 1.0, sum);
  std::printf("%-28s %12s %12s %8s\n", "query", "index q/s", "scan q/s", "ratio");
  std::printf("%-28s %12.0f %12.0f %7.0fx\n", "radius 500 m, all, sorted", grid_r, scan_r,
              grid_r / scan_r);
  std::printf("%-28s %12.0f %12.0f %7.0fx   (scan computing every distance)\n",
              "radius 500 m, all, sorted", grid_r, plain_r, grid_r / plain_r);
  std::printf("%-28s %12.0f %12.0f %7.0fx\n", "radius 500 m, 50 nearest", grid_rk, scan_rk,
              grid_rk / scan_rk);
  std::printf("%-28s %12.0f %12.0f %7.0fx\n", "k nearest, k = 10", grid_k, scan_k, grid_k / scan_k);
  std::printf("(checksum %zu)\n", sum);
  return 0;
}
