// Geocoding throughput on the 88,780 synthetic BAG addresses, each rate beside a baseline
// measured in the same run (the machines are shared and noisy: compare ratios, not rates):
//   (a) postcode + house number -> buurt with the geocoder, beside the time to read the CSV;
//   (b) point -> buurt with the area model's locator, beside a plain GEOS STRtree +
//       prepared-geometry loop built here (not the model's own GEOS path). Goal: >= 5x.
// Usage: bench_geocode [CONFIG [BAG_CSV]]

#include <geos_c.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "geo/address_register.hpp"
#include "geo/area_model.hpp"
#include "geo/csv.hpp"
#include "geo/gdal_io.hpp"
#include "geo/geocoder.hpp"
#include "geo/geos.hpp"

using namespace gebieden;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct BagRow {
  std::string identificatie, huisnummer, huisletter, toevoeging, postcode;
  geo::XY rd;
};

/// The baseline of (a): read the whole CSV into rows (cells split, coordinates parsed).
std::vector<BagRow> read_bag_csv(const std::string& path) {
  std::vector<BagRow> rows;
  std::ifstream in(path, std::ios::binary);
  geo::CsvReader csv(in);
  std::vector<std::string> cells;
  if (!csv.next(cells)) return rows;
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < cells.size(); ++i) col[cells[i]] = i;
  for (const char* need :
       {"identificatie", "huisnummer", "huisletter", "toevoeging", "postcode", "x", "y"})
    if (!col.count(need)) return rows;
  const std::size_t c_id = col["identificatie"], c_nr = col["huisnummer"],
                    c_letter = col["huisletter"], c_add = col["toevoeging"], c_pc = col["postcode"],
                    c_x = col["x"], c_y = col["y"];
  const std::size_t width = cells.size();
  while (csv.next(cells)) {
    if (cells.size() < width) continue;
    BagRow r;
    r.identificatie = std::move(cells[c_id]);
    r.huisnummer = std::move(cells[c_nr]);
    r.huisletter = std::move(cells[c_letter]);
    r.toevoeging = std::move(cells[c_add]);
    r.postcode = std::move(cells[c_pc]);
    r.rd = {std::strtod(cells[c_x].c_str(), nullptr), std::strtod(cells[c_y].c_str(), nullptr)};
    rows.push_back(std::move(r));
  }
  return rows;
}

/// Run `round` until at least `min_seconds` have passed; items per second.
template <typename F>
double rate_of(std::size_t items, F&& round, double min_seconds = 0.5) {
  int rounds = 0;
  const auto t0 = Clock::now();
  double s = 0;
  do {
    round();
    ++rounds;
    s = seconds_since(t0);
  } while (s < min_seconds);
  return static_cast<double>(items) * rounds / s;
}

}  // namespace

int main(int argc, char** argv) {
  geo::gdal_init();
  const std::string root = GEBIEDEN_SOURCE_DIR;
  const geo::Config config = geo::load_config(argc > 1 ? argv[1] : root + "/data/leeuwarden.json");
  const std::string csv =
      argc > 2 ? argv[2] : root + "/../shared/data/synthetic/bag_leeuwarden_synthetic.csv";

  // ---- (a) postcode + number -> buurt, beside the time to read the CSV -----------------------
  std::vector<BagRow> rows;
  const double csv_rate = rate_of(
      1, [&] { rows = read_bag_csv(csv); }, 1.0);  // CSV reads per second, for now
  if (rows.empty()) {
    std::fprintf(stderr, "no rows read from %s\n", csv.c_str());
    return 1;
  }
  const double csv_rows_per_s = csv_rate * static_cast<double>(rows.size());

  auto t0 = Clock::now();
  const geo::AreaModel model = geo::AreaModel::load(config);
  const double model_s = seconds_since(t0);
  t0 = Clock::now();
  const geo::Box b = model.gemeente().rd.bbox();
  auto reg = std::make_shared<const geo::AddressRegister>(geo::AddressRegister::load(
      config, geo::Box{b.minx - 1000, b.miny - 1000, b.maxx + 1000, b.maxy + 1000, true}));
  const double register_s = seconds_since(t0);
  std::vector<geo::PlaceAlias> aliases;
  if (!config.place_aliases.empty())
    aliases = geo::read_place_aliases(config.resolve(config.place_aliases));
  const geo::Geocoder geocoder(
      reg, [&model](double x, double y) { return model.locate_rd(x, y); }, aliases);

  std::vector<geo::GeocodeRequest> requests(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    requests[i].postcode = rows[i].postcode;
    requests[i].huisnummer = rows[i].huisnummer;
    if (!rows[i].huisletter.empty()) requests[i].huisletter = rows[i].huisletter;
    if (!rows[i].toevoeging.empty()) requests[i].toevoeging = rows[i].toevoeging;
  }
  std::size_t placed = 0, ambiguous = 0, other = 0;
  std::vector<std::string> buurt(rows.size());
  const double geocode_rate = rate_of(rows.size(), [&] {
    placed = ambiguous = other = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      geo::GeocodeResult r = geocoder.geocode(requests[i]);
      if (r.placed()) {
        ++placed;
      } else if (r.reason == "ambiguous") {
        ++ambiguous;
      } else {
        ++other;
      }
      buurt[i] = std::move(r.buurtcode);
    }
  });
  // Check against the truth file (not timed).
  std::size_t right = 0, wrong = 0;
  {
    std::map<std::string, std::string> truth;
    std::ifstream in(root + "/../shared/data/synthetic/bag_leeuwarden_synthetic_truth.csv");
    geo::CsvReader csv(in);
    std::vector<std::string> cells;
    csv.next(cells);  // the header
    while (csv.next(cells))
      if (cells.size() >= 2) truth[cells[0]] = cells[1];
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (buurt[i].empty()) continue;
      const auto it = truth.find(rows[i].identificatie);
      ++(it != truth.end() && it->second == buurt[i] ? right : wrong);
    }
  }

  std::printf("(a) postcode + house number -> buurt on %zu synthetic BAG addresses\n", rows.size());
  std::printf("    loaded %zu buurten in %.2f s, %zu addresses (%s) in %.2f s\n",
              model.buurten().size(), model_s, reg->addresses().size(),
              reg->report().source.c_str(), register_s);
  std::printf("    %-40s %12.0f rows/s\n", "baseline: read the CSV (split, parse)", csv_rows_per_s);
  std::printf("    %-40s %12.0f addresses/s\n", "geocode postcode + number -> buurt", geocode_rate);
  std::printf("    ratio geocode / CSV read: %.2fx (%.2f us per address, %.2f us per CSV row)\n",
              geocode_rate / csv_rows_per_s, 1e6 / geocode_rate, 1e6 / csv_rows_per_s);
  std::printf("    placed %zu (%zu in the truth buurt, %zu elsewhere), ambiguous %zu, other %zu\n",
              placed, right, wrong, ambiguous, other);

  // ---- (b) point -> buurt: the locator beside a plain GEOS STRtree + prepared loop -----------
  geo::GeosContext ctx;
  std::vector<geo::GeomPtr> geoms;
  std::vector<geo::PreparedPtr> prepared;
  std::vector<int> ids(model.buurten().size());
  geo::STRtreePtr tree(GEOSSTRtree_create_r(ctx, 10), geo::STRtreeDeleter{ctx.get()});
  for (std::size_t i = 0; i < model.buurten().size(); ++i) {
    geoms.push_back(geo::to_geos(ctx, model.buurten()[i].rd));
    prepared.emplace_back(GEOSPrepare_r(ctx, geoms.back().get()), geo::PreparedDeleter{ctx.get()});
    ids[i] = static_cast<int>(i);
    GEOSSTRtree_insert_r(ctx, tree.get(), geoms.back().get(), &ids[i]);
  }
  std::vector<int> candidates;
  const auto collect = [](void* item, void* userdata) {
    static_cast<std::vector<int>*>(userdata)->push_back(*static_cast<int*>(item));
  };
  // The lowest buurt index whose polygon holds the point, as the locator answers on borders.
  auto geos_locate = [&](geo::XY p) {
    geo::GeomPtr pt(GEOSGeom_createPointFromXY_r(ctx, p.x, p.y), geo::GeomDeleter{ctx.get()});
    candidates.clear();
    GEOSSTRtree_query_r(ctx, tree.get(), pt.get(), collect, &candidates);
    std::sort(candidates.begin(), candidates.end());
    for (int c : candidates)
      if (GEOSPreparedIntersects_r(ctx, prepared[static_cast<std::size_t>(c)].get(), pt.get()) == 1)
        return c;
    return -1;
  };
  auto grid_locate = [&](geo::XY p) { return model.locate_index(p.x, p.y); };
  geos_locate(rows.front().rd);  // the STRtree is built on the first query

  std::vector<geo::XY> bag_points;
  for (const auto& r : rows) bag_points.push_back(r.rd);
  std::vector<geo::XY> box_points;
  std::mt19937 rng(80);
  std::uniform_real_distribution<double> ux(b.minx, b.maxx), uy(b.miny, b.maxy);
  for (int i = 0; i < 200000; ++i) box_points.push_back({ux(rng), uy(rng)});

  std::printf("\n(b) point -> buurt, %zu buurten\n", model.buurten().size());
  for (const auto& [name, points] :
       {std::pair{"synthetic BAG points", &bag_points},
        std::pair{"uniform points in the gemeente's bbox", &box_points}}) {
    std::size_t mismatches = 0, outside = 0;
    for (const auto& p : *points) {
      const int g = grid_locate(p);
      mismatches += g != geos_locate(p) ? 1 : 0;
      outside += g < 0 ? 1 : 0;
    }
    volatile long long sink = 0;  // keeps the loops from being optimised away
    const double r_geos = rate_of(points->size(), [&] {
      long long sum = 0;
      for (const auto& p : *points) sum += geos_locate(p);
      sink = sum;
    });
    const double r_grid = rate_of(points->size(), [&] {
      long long sum = 0;
      for (const auto& p : *points) sum += grid_locate(p);
      sink = sum;
    });
    std::printf("    %zu %s (%zu outside every buurt), %zu answers differ\n", points->size(), name,
                outside, mismatches);
    std::printf("      %-36s %12.0f points/s\n", "baseline: GEOS STRtree + prepared", r_geos);
    std::printf("      %-36s %12.0f points/s\n", "area model locator (grid)", r_grid);
    std::printf("      ratio locator / GEOS: %.1fx (goal >= 5x)\n", r_grid / r_geos);
    (void)sink;
  }
  return 0;
}
