// Point -> buurt lookups per second on the synthetic BAG points: the grid locator beside the
// plain GEOS baselines measured in the same run (a loop over all prepared buurt polygons, and an
// STRtree + prepared geometries). Prints ratios, not verdicts: the machines are shared and noisy.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "geo/area_model.hpp"
#include "geo/gdal_io.hpp"
#include "geo/geos.hpp"

using namespace gebieden;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  geo::gdal_init();
  const std::string root = GEBIEDEN_SOURCE_DIR;
  const geo::Config config = geo::load_config(argc > 1 ? argv[1] : root + "/data/leeuwarden.json");
  const geo::AreaModel model = geo::AreaModel::load(config);

  std::vector<geo::XY> points;
  std::ifstream in(root + "/../shared/data/synthetic/bag_leeuwarden_synthetic.csv");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cells.push_back(c);
    if (cells.size() >= 9) points.push_back({std::stod(cells[7]), std::stod(cells[8])});
  }
  if (points.empty()) {
    std::fprintf(stderr, "no points read\n");
    return 1;
  }

  auto measure = [&](const char* name, auto&& fn, int rounds) {
    long long checksum = 0;
    const auto t0 = Clock::now();
    for (int r = 0; r < rounds; ++r)
      for (const auto& p : points) checksum += fn(p);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    const double rate = static_cast<double>(points.size()) * rounds / s;
    std::printf("%-34s %12.0f points/s  (checksum %lld)\n", name, rate, checksum);
    return rate;
  };

  // Baseline 1: a plain loop over all prepared buurt polygons.
  geo::GeosContext ctx;
  std::vector<geo::GeomPtr> geoms;
  std::vector<geo::PreparedPtr> prepared;
  for (const auto& b : model.buurten()) {
    geoms.push_back(geo::to_geos(ctx, b.rd));
    prepared.emplace_back(GEOSPrepare_r(ctx, geoms.back().get()), geo::PreparedDeleter{ctx.get()});
  }
  auto plain = [&](geo::XY p) {
    geo::GeomPtr pt(GEOSGeom_createPointFromXY_r(ctx, p.x, p.y), geo::GeomDeleter{ctx.get()});
    for (std::size_t i = 0; i < prepared.size(); ++i)
      if (GEOSPreparedIntersects_r(ctx, prepared[i].get(), pt.get()) == 1)
        return static_cast<int>(i);
    return -1;
  };
  auto strtree = [&](geo::XY p) { return model.locate_index_geos(p.x, p.y); };
  auto grid = [&](geo::XY p) { return model.locate_index(p.x, p.y); };

  std::printf("point -> buurt on %zu synthetic BAG points, %zu buurten\n", points.size(),
              model.buurten().size());
  const double r_plain = measure("GEOS loop over prepared polygons", plain, 1);
  const double r_tree = measure("GEOS STRtree + prepared", strtree, 2);
  const double r_grid = measure("gebieden grid locator", grid, 10);
  std::printf("ratio grid / plain GEOS loop:     %.1fx\n", r_grid / r_plain);
  std::printf("ratio grid / GEOS STRtree+prepared: %.1fx\n", r_grid / r_tree);
  return 0;
}
