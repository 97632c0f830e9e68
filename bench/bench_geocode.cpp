// Geocoding on the 88,780 synthetic BAG addresses, each figure beside a baseline measured in the
// same run (the machines are shared and noisy: compare ratios, not rates). Issue 9:
//   (a) postcode + house number, the whole path (raw strings as typed -> normalise -> look up ->
//       buurt, wijk, gebied) on one core, beside a plain std::unordered_map probe with the same
//       keys already normalised. Goal: >= 1,000,000 addresses/s and >= 1/4 of the probe's rate;
//       geocode() with its full result beside it;
//   (b) `gebieden geocode` on a CSV of all addresses (postcode and number only) beside
//       `ogr2ogr -f CSV` copying the same file. Goal: <= 3x;
//   (c) loading the register (CSV and GeoPackage): time and memory per address. Goal: <= 1 us
//       per address;
//   (d) start-up: the time of each phase of `gebieden serve` (boundaries, register, geocoder,
//       store and pages) and of `gebieden serve` printing its listening line. Goal: < 0.5 s;
//   (e) point -> buurt with the area model's locator, beside a plain GEOS STRtree +
//       prepared-geometry loop built here (not the model's own GEOS path). Goal: >= 5x.
// Usage: bench_geocode [CONFIG [BAG_CSV [GEBIEDEN_BINARY]]]

#include <geos_c.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "geo/address_register.hpp"
#include "geo/area_model.hpp"
#include "geo/csv.hpp"
#include "geo/gdal_io.hpp"
#include "geo/geocoder.hpp"
#include "geo/geos.hpp"
#include "server/service.hpp"

extern char** environ;

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

/// Resident memory of this process, bytes (Linux /proc/self/statm).
std::size_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

/// Run a shell command `runs` times; the fastest wall time in seconds (-1 when it failed).
double time_command(const std::string& cmd, const std::string& remove_first, int runs = 3) {
  double best = -1;
  for (int i = 0; i < runs; ++i) {
    std::error_code ec;
    std::filesystem::remove(remove_first, ec);  // ogr2ogr does not replace a CSV
    const auto t0 = Clock::now();
    const int rc = std::system(cmd.c_str());
    const double s = seconds_since(t0);
    if (rc != 0) return -1;
    if (best < 0 || s < best) best = s;
  }
  return best;
}

/// Start `gebieden serve` on a free port and time it until it prints its listening line; then
/// stop that process (the one started here, by its pid). -1 when it did not get there.
double time_serve(const std::string& binary, const std::string& config, const std::string& store) {
  int out[2];
  if (pipe(out) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = {binary,      "serve",   "--port", "0",  "--host",
                                   "127.0.0.1", "--store", store,    "-c", config};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const auto t0 = Clock::now();
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return -1;
  }
  std::string seen;
  char buf[256];
  double s = -1;
  while (true) {
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
    if (seen.find("listening on") != std::string::npos) {
      s = seconds_since(t0);
      break;
    }
  }
  close(out[0]);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  geo::gdal_init();
  const std::string root = GEBIEDEN_SOURCE_DIR;
  const geo::Config config = geo::load_config(argc > 1 ? argv[1] : root + "/data/leeuwarden.json");
  const std::string csv =
      argc > 2 ? argv[2] : root + "/../shared/data/synthetic/bag_leeuwarden_synthetic.csv";

  const std::string config_path = argc > 1 ? argv[1] : root + "/data/leeuwarden.json";
  const std::string binary = argc > 3 ? argv[3] : GEBIEDEN_BINARY;
  const std::filesystem::path tmp =
      std::filesystem::temp_directory_path() / ("bench-geocode-" + std::to_string(getpid()));
  std::filesystem::create_directories(tmp);

  std::vector<BagRow> rows = read_bag_csv(csv);
  if (rows.empty()) {
    std::fprintf(stderr, "no rows read from %s\n", csv.c_str());
    return 1;
  }

  // ---- (d) start-up phases, as `gebieden serve` runs them --------------------------------------
  auto t0 = Clock::now();
  const geo::AreaModel model = geo::AreaModel::load(config);
  const double model_s = seconds_since(t0);
  const geo::Box b = model.gemeente().rd.bbox();
  const geo::Box area{b.minx - 1000, b.miny - 1000, b.maxx + 1000, b.maxy + 1000, true};
  const std::size_t rss0 = rss_bytes();
  t0 = Clock::now();
  auto reg = std::make_shared<const geo::AddressRegister>(geo::AddressRegister::load(config, area));
  const double register_s = seconds_since(t0);
  const std::size_t rss_register = rss_bytes() - std::min(rss0, rss_bytes());
  std::vector<geo::PlaceAlias> aliases;
  if (!config.place_aliases.empty())
    aliases = geo::read_place_aliases(config.resolve(config.place_aliases));
  t0 = Clock::now();
  const geo::Geocoder geocoder(
      reg, [&model](double x, double y) { return model.locate_rd(x, y); }, aliases);
  const double geocoder_s = seconds_since(t0);
  double state_s = 0;
  {
    geo::Config c = config;
    c.store.path = (tmp / "store-state.gpkg").string();
    server::load_state(c);  // creates the store once: the next run times what start-up does
    t0 = Clock::now();
    server::load_state(c);
    state_s = seconds_since(t0);
  }
  double serve_s = -1;
  for (int i = 0; i < 3; ++i) {
    const double s = time_serve(binary, config_path, (tmp / "store-serve.gpkg").string());
    if (s >= 0 && (serve_s < 0 || s < serve_s)) serve_s = s;
  }
  std::printf("(d) start-up (%s)\n", config_path.c_str());
  std::printf("    %-46s %8.3f s\n", "boundaries (AreaModel::load)", model_s);
  std::printf("    %-46s %8.3f s  (%zu addresses, %s)\n", "register (AddressRegister::load)",
              register_s, reg->addresses().size(), reg->report().source.c_str());
  std::printf("    %-46s %8.3f s  (every address located once)\n", "geocoder", geocoder_s);
  std::printf("    %-46s %8.3f s\n", "store and pages (load_state minus the above)",
              std::max(0.0, state_s - model_s - register_s - geocoder_s));
  std::printf("    %-46s %8.3f s\n", "all of server::load_state (store existing)", state_s);
  std::printf("    %-46s %8.3f s  (goal < 0.5 s)\n", "gebieden serve -> listening line", serve_s);

  // ---- (a) postcode + number, the whole path, beside an unordered_map probe ------------------
  struct Raw {
    std::string postcode, huisnummer;  // as a user types them: "8914 gd", "12a"
  };
  std::vector<Raw> raw(rows.size());
  std::vector<geo::GeocodeRequest> requests(rows.size());
  std::vector<std::string> keys(rows.size());
  std::unordered_map<std::string, std::uint32_t> probe;
  probe.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const BagRow& r = rows[i];
    std::string pc = r.postcode;
    for (auto& c : pc) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (pc.size() == 6) pc.insert(4, " ");
    std::string nr = r.huisnummer;
    for (char c : r.huisletter)
      nr += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!r.toevoeging.empty()) nr += "-" + r.toevoeging;
    raw[i] = {pc, nr};
    requests[i].postcode = pc;
    requests[i].huisnummer = nr;
    keys[i] = r.postcode + "|" + r.huisnummer + "|" + r.huisletter + "|" + r.toevoeging;
    probe.emplace(keys[i], static_cast<std::uint32_t>(i));
  }
  volatile std::size_t sink = 0;
  const double probe_rate = rate_of(rows.size(), [&] {
    std::size_t sum = 0;
    for (const auto& k : keys) {
      const auto it = probe.find(k);
      sum += it == probe.end() ? 0 : it->second;
    }
    sink = sum;
  });
  std::size_t hits = 0;
  std::vector<const geo::AreaRef*> area_of(rows.size());
  std::vector<std::string> fallback_buurt(rows.size());
  const double lookup_rate = rate_of(rows.size(), [&] {
    hits = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const auto h = geocoder.lookup_postcode(raw[i].postcode, raw[i].huisnummer);
      if (h) {
        area_of[i] = h->area;
        ++hits;
      } else {
        // Not one address as typed ("12-a" for 12A): the full answer decides.
        geo::GeocodeResult r = geocoder.geocode(requests[i]);
        area_of[i] = nullptr;
        fallback_buurt[i] = std::move(r.buurtcode);
      }
    }
  });
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
  std::size_t right = 0, wrong = 0, lookup_right = 0;
  {
    std::map<std::string, std::string> truth;
    std::ifstream in(root + "/../shared/data/synthetic/bag_leeuwarden_synthetic_truth.csv");
    geo::CsvReader tr(in);
    std::vector<std::string> cells;
    tr.next(cells);  // the header
    while (tr.next(cells))
      if (cells.size() >= 2) truth[cells[0]] = cells[1];
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto it = truth.find(rows[i].identificatie);
      const std::string& got = area_of[i] ? area_of[i]->buurtcode : fallback_buurt[i];
      if (!got.empty() && it != truth.end() && it->second == got) ++lookup_right;
      if (buurt[i].empty()) continue;
      ++(it != truth.end() && it->second == buurt[i] ? right : wrong);
    }
  }
  std::printf(
      "\n(a) postcode + house number -> buurt, wijk, gebied on %zu synthetic BAG addresses, "
      "one core\n",
      rows.size());
  std::printf("    %-52s %12.0f /s\n", "baseline: std::unordered_map probe, keys normalised",
              probe_rate);
  std::printf("    %-52s %12.0f /s  (%.2f us)\n",
              "whole path: raw text -> Geocoder::lookup_postcode", lookup_rate, 1e6 / lookup_rate);
  std::printf("    %-52s %12.0f /s  (%.2f us)\n", "Geocoder::geocode(), full result", geocode_rate,
              1e6 / geocode_rate);
  std::printf("    ratio whole path / probe: %.2f (goal >= 0.25); whole path %s 1,000,000/s\n",
              lookup_rate / probe_rate, lookup_rate >= 1e6 ? ">=" : "<  (goal)");
  std::printf(
      "    lookup: %zu of %zu in their truth buurt; geocode(): placed %zu (%zu in the truth "
      "buurt, %zu elsewhere), ambiguous %zu, other %zu\n",
      lookup_right, rows.size(), placed, right, wrong, ambiguous, other);
  std::printf(
      "    (the whole path answered %zu of them by the fast look-up, the rest by geocode())\n",
      hits);

  // ---- (b) the batch command beside ogr2ogr copying the same CSV ------------------------------
  {
    const std::string in_csv = (tmp / "adressen.csv").string();
    {
      std::ofstream f(in_csv, std::ios::binary);
      f << "postcode,huisnummer\n";
      for (const auto& r : raw) f << r.postcode << "," << r.huisnummer << "\n";
    }
    const std::string ogr_out = (tmp / "ogr2ogr.csv").string();
    const std::string ours_out = (tmp / "geocoded.csv").string();
    const double ogr_s =
        time_command("ogr2ogr -f CSV '" + ogr_out + "' '" + in_csv + "' > /dev/null 2>&1", ogr_out);
    const double ours_s =
        time_command("'" + binary + "' geocode '" + in_csv + "' -o '" + ours_out + "' -c '" +
                         config_path + "' --no-progress > /dev/null 2>&1",
                     ours_out);
    std::printf("\n(b) a CSV of %zu addresses (postcode, huisnummer)\n", raw.size());
    std::printf("    %-52s %8.3f s\n", "baseline: ogr2ogr -f CSV (copy)", ogr_s);
    std::printf("    %-52s %8.3f s  (of which start-up as in (d))\n",
                "gebieden geocode, the whole process", ours_s);
    if (ogr_s > 0 && ours_s > 0)
      std::printf("    ratio geocode / ogr2ogr: %.2fx (goal <= 3x)\n", ours_s / ogr_s);
  }

  // ---- (c) loading the register: per address, and its memory ---------------------------------
  {
    std::printf("\n(c) loading the register\n");
    for (const std::string path :
         {csv, root + "/../shared/data/synthetic/bag_leeuwarden_synthetic.gpkg"}) {
      double best = -1;
      std::size_t n = 0, bytes = 0;
      for (int i = 0; i < 3; ++i) {
        t0 = Clock::now();
        const geo::AddressRegister r = geo::AddressRegister::load(path, config.addresses, area);
        const double s = seconds_since(t0);
        if (best < 0 || s < best) best = s;
        n = r.addresses().size();
        bytes = r.memory_bytes();
      }
      std::printf(
          "    %-60s %6.3f s, %5.2f us per address (goal <= 1), %5.0f MB per million "
          "addresses\n",
          std::filesystem::path(path).filename().c_str(), best, 1e6 * best / static_cast<double>(n),
          static_cast<double>(bytes) / static_cast<double>(n));
    }
    std::printf(
        "    (memory: the register's own data structures; the process grew by %.0f MB per "
        "million while loading the configured source)\n",
        static_cast<double>(rss_register) / static_cast<double>(reg->addresses().size()));
  }
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  (void)sink;

  // ---- (e) point -> buurt: the locator beside a plain GEOS STRtree + prepared loop -----------
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

  std::printf("\n(e) point -> buurt, %zu buurten\n", model.buurten().size());
  for (const auto& [name, points] :
       {std::pair{"synthetic BAG points", &bag_points},
        std::pair{"uniform points in the gemeente's bbox", &box_points}}) {
    std::size_t mismatches = 0, outside = 0;
    for (const auto& p : *points) {
      const int g = grid_locate(p);
      mismatches += g != geos_locate(p) ? 1 : 0;
      outside += g < 0 ? 1 : 0;
    }
    volatile long long lsink = 0;  // keeps the loops from being optimised away
    const double r_geos = rate_of(points->size(), [&] {
      long long sum = 0;
      for (const auto& p : *points) sum += geos_locate(p);
      lsink = sum;
    });
    const double r_grid = rate_of(points->size(), [&] {
      long long sum = 0;
      for (const auto& p : *points) sum += grid_locate(p);
      lsink = sum;
    });
    std::printf("    %zu %s (%zu outside every buurt), %zu answers differ\n", points->size(), name,
                outside, mismatches);
    std::printf("      %-36s %12.0f points/s\n", "baseline: GEOS STRtree + prepared", r_geos);
    std::printf("      %-36s %12.0f points/s\n", "area model locator (grid)", r_grid);
    std::printf("      ratio locator / GEOS: %.1fx (goal >= 5x)\n", r_grid / r_geos);
    (void)lsink;
  }
  return 0;
}
