// Proximity queries per second on 100,000 synthetic points spread over the gemeente (in RD):
// the grid index (geo/proximity) beside a brute-force scan of the same points, measured in the
// same run, for the radius query (500 m) and the k-nearest query (k = 10). Two scans for the
// radius: one comparing squared distances (tuned), one computing every distance (the plain brute
// force). Prints ratios, not verdicts: the machines are shared and noisy, so the index and its
// scan take turns (ROUNDS rounds of about 0.2 s each) and the ratio is taken round by round: the
// median of those is quoted, with the lowest and highest beside it.
//
//   build/bench/bench_nearby [POINTS [CELL_M [ROUNDS]]]

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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// The index and the scan in turns, `rounds` times: the median queries per second of each and
/// the median, lowest and highest of the ratios of the rounds.
struct Paired {
  double index_qps, scan_qps, ratio, lowest, highest;
};
template <typename I, typename S>
Paired paired(const std::vector<geo::XY>& centres, I&& index, S&& scan, int rounds,
              std::size_t& checksum) {
  std::vector<double> qi, qs, ratios;
  for (int r = 0; r < rounds; ++r) {
    qi.push_back(rate(centres, index, 0.1, checksum));
    qs.push_back(rate(centres, scan, 0.1, checksum));
    ratios.push_back(qi.back() / qs.back());
  }
  return Paired{median(qi), median(qs), median(ratios),
                *std::min_element(ratios.begin(), ratios.end()),
                *std::max_element(ratios.begin(), ratios.end())};
}

void print(const char* query, const Paired& p, const char* note = "") {
  std::printf("%-28s %12.0f %12.0f %7.0fx  (%.0f-%.0fx)%s\n", query, p.index_qps, p.scan_qps,
              p.ratio, p.lowest, p.highest, note);
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

  const int rounds = argc > 3 ? std::atoi(argv[3]) : 7;
  std::size_t sum = 0;
  const auto grid_within = [&](geo::XY c) { return index.within(c, 500); };
  const Paired radius = paired(
      centres, grid_within, [&](geo::XY c) { return scan_within(pts, c, 500); }, rounds, sum);
  const Paired plain = paired(
      centres, grid_within, [&](geo::XY c) { return scan_distances(pts, c, 500); }, rounds, sum);
  // What /nearby runs by default: the 50 nearest within the radius.
  const Paired radius_k = paired(
      centres, [&](geo::XY c) { return index.nearest(c, 50, 500); },
      [&](geo::XY c) {
        auto v = scan_within(pts, c, 500);
        if (v.size() > 50) v.resize(50);
        return v;
      },
      rounds, sum);
  const Paired nearest = paired(
      centres, [&](geo::XY c) { return index.nearest(c, 10); },
      [&](geo::XY c) { return scan_nearest(pts, c, 10); }, rounds, sum);
  std::printf("%-28s %12s %12s %8s  %s\n", "query", "index q/s", "scan q/s", "ratio",
              "(lowest-highest round)");
  print("radius 500 m, all, sorted", radius);
  print("radius 500 m, all, sorted", plain, "   (scan computing every distance)");
  print("radius 500 m, 50 nearest", radius_k);
  print("k nearest, k = 10", nearest);
  std::printf("(checksum %zu)\n", sum);
  return 0;
}
