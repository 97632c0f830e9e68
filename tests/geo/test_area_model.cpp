#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "geo/area_model.hpp"
#include "geo/geos.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using geo::Geometry;
using geo::GeometryType;

namespace {
constexpr double X0 = 180000, Y0 = 578000;

geo::Buurt square_buurt(const std::string& code, double col, double row, double size = 1000) {
  geo::Buurt b;
  b.code = code;
  b.name = "Buurt " + code;
  b.wijkcode = "WK" + code.substr(2, 6);
  const double x = X0 + col * 1000, y = Y0 + row * 1000;
  b.rd = Geometry{GeometryType::Polygon,
                  {{{{x, y}, {x + size, y}, {x + size, y + size}, {x, y + size}, {x, y}}}}};
  return b;
}

geo::AreaSchemeConfig two_gebieden() {
  geo::AreaSchemeConfig s;
  s.gebieden.push_back({"zuid", "Zuid", {"WK000110"}, {}});
  s.gebieden.push_back({"noord", "Noord", {"WK000120"}, {}});
  return s;
}

geo::AreaModel four_squares() {
  std::vector<geo::Buurt> b{square_buurt("BU00011001", 0, 0), square_buurt("BU00011002", 1, 0),
                            square_buurt("BU00012001", 0, 1), square_buurt("BU00012002", 1, 1)};
  return geo::AreaModel::build(std::move(b), {{"WK000110", "Onder"}, {"WK000120", "Boven"}},
                               two_gebieden(), "GM0001", "Testgemeente");
}

bool has_error(const std::vector<geo::Finding>& fs, const std::string& needle) {
  for (const auto& f : fs)
    if (f.severity == geo::Finding::Severity::Error &&
        (f.message + " " + f.subject).find(needle) != std::string::npos)
      return true;
  return false;
}

int errors(const std::vector<geo::Finding>& fs) {
  int n = 0;
  for (const auto& f : fs) n += f.severity == geo::Finding::Severity::Error ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("hand-drawn squares: hierarchy, dissolve and lookup", "[area][unit]") {
  const geo::AreaModel m = four_squares();
  REQUIRE(m.buurten().size() == 4);
  REQUIRE(m.wijken().size() == 2);
  REQUIRE(m.gebieden().size() == 2);
  CHECK(m.wijk("WK000110")->name == "Onder");
  CHECK(m.wijk("WK000110")->gebied == "zuid");
  CHECK(m.wijk("WK000110")->area_m2 == Approx(2e6));
  CHECK(m.gebied("noord")->area_m2 == Approx(2e6));
  // The dissolved wijk is one polygon (the shared edge is gone).
  CHECK(m.wijk("WK000110")->rd.type == GeometryType::Polygon);
  CHECK(m.gemeente().area_m2 == Approx(4e6));
  CHECK(errors(m.findings()) == 0);
  CHECK(errors(m.check(1.0, 1.0)) == 0);

  auto r = m.locate_rd(X0 + 1500, Y0 + 1500);
  REQUIRE(r);
  CHECK(r->buurtcode == "BU00012002");
  CHECK(r->wijkcode == "WK000120");
  CHECK(r->wijknaam == "Boven");
  CHECK(r->gebied == "noord");
  CHECK(r->gebiednaam == "Noord");
  CHECK(r->gemeentecode == "GM0001");
  CHECK(m.locate_rd(X0 + 250, Y0 + 750)->buurtcode == "BU00011001");

  CHECK_FALSE(m.locate_rd(X0 - 10, Y0 + 10));
  CHECK_FALSE(m.locate_rd(X0 + 2500, Y0 + 500));
  CHECK_FALSE(m.locate_rd(0, 0));

  // On a shared border: one answer, the same every time, and the GEOS path agrees it is a buurt.
  for (auto p : {geo::XY{X0 + 1000, Y0 + 500}, geo::XY{X0 + 500, Y0 + 1000},
                 geo::XY{X0 + 1000, Y0 + 1000}}) {
    auto a = m.locate_rd(p.x, p.y);
    REQUIRE(a);
    for (int i = 0; i < 3; ++i) CHECK(m.locate_rd(p.x, p.y)->buurtcode == a->buurtcode);
    CHECK(m.locate_index_geos(p.x, p.y) >= 0);
  }
}

TEST_CASE("check reports overlaps, gaps and scheme errors", "[area][unit]") {
  SECTION("overlap") {
    std::vector<geo::Buurt> b{square_buurt("BU00011001", 0, 0), square_buurt("BU00011002", 0.5, 0)};
    geo::AreaSchemeConfig s;
    s.gebieden.push_back({"zuid", "Zuid", {"WK000110"}, {}});
    auto m = geo::AreaModel::build(std::move(b), {}, s, "GM0001", "T");
    auto f = m.check(1.0, 1.0);
    CHECK(has_error(f, "overlap by 500000"));
    CHECK(errors(m.check(1.0, 1e6)) == 0);  // within a generous tolerance
  }
  SECTION("gap") {
    // A ring of 8 squares around an empty middle square.
    std::vector<geo::Buurt> b;
    int n = 1;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        if (!(r == 1 && c == 1)) b.push_back(square_buurt("BU0001100" + std::to_string(n++), c, r));
    geo::AreaSchemeConfig s;
    s.gebieden.push_back({"zuid", "Zuid", {"WK000110"}, {}});
    auto m = geo::AreaModel::build(std::move(b), {}, s, "GM0001", "T");
    CHECK(has_error(m.check(1.0, 1.0), "gap of 1000000"));
    CHECK_FALSE(m.locate_rd(X0 + 1500, Y0 + 1500));
  }
  SECTION("a wijk in no gebied, a wijk in two, an unknown wijk") {
    std::vector<geo::Buurt> b{square_buurt("BU00011001", 0, 0), square_buurt("BU00012001", 1, 0),
                              square_buurt("BU00013001", 2, 0)};
    geo::AreaSchemeConfig s;
    s.gebieden.push_back({"a", "A", {"WK000110", "WK000120"}, {}});
    s.gebieden.push_back({"b", "B", {"WK000120", "WK000199"}, {}});
    auto m = geo::AreaModel::build(std::move(b), {}, s, "GM0001", "T");
    CHECK(has_error(m.findings(), "WK000130"));              // in no gebied
    CHECK(has_error(m.findings(), "more than one gebied"));  // WK000120
    CHECK(has_error(m.findings(), "unknown wijk WK000199"));
  }
}

namespace {
struct Loaded {
  geo::Config config;
  geo::AreaModel model;
};
const Loaded& real() {
  static const Loaded l = [] {
    geo::Config c = test::load_default_config();
    return Loaded{c, geo::AreaModel::load(c)};
  }();
  return l;
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}
}  // namespace

TEST_CASE("real data: Leeuwarden's buurten, wijken, gebieden", "[area][realdata][unit]") {
  const geo::AreaModel& m = real().model;
  CHECK(m.buurten().size() == 134);
  CHECK(m.wijken().size() == 22);
  CHECK(m.gebieden().size() == 8);
  std::vector<std::string> repaired;
  for (const auto& b : m.buurten())
    if (b.repaired) repaired.push_back(b.code);
  CHECK(repaired == std::vector<std::string>{"BU00806210", "BU00808008"});
  CHECK(m.wijk("WK008082")->name == "Grou e.o.");
  CHECK(m.gebied("dorpen")->wijken.size() == 3);
  CHECK(errors(m.findings()) == 0);

  const auto& cfg = real().config;
  CHECK(errors(m.check(cfg.check.gap_tolerance_m2, cfg.check.overlap_tolerance_m2)) == 0);
}

TEST_CASE("real data: the gebieden cover the buurten and do not overlap",
          "[area][realdata][unit]") {
  const geo::AreaModel& m = real().model;
  geo::GeosContext ctx;
  std::vector<geo::GeomPtr> bg, gg;
  std::vector<const GEOSGeometry*> bp, gp;
  for (const auto& b : m.buurten()) bp.push_back((bg.emplace_back(geo::to_geos(ctx, b.rd))).get());
  for (const auto& g : m.gebieden()) gp.push_back((gg.emplace_back(geo::to_geos(ctx, g.rd))).get());
  auto ub = geo::union_all(ctx, bp);
  auto ug = geo::union_all(ctx, gp);
  const double a = geo::area(ctx, ub.get());
  auto diff = geo::wrap(ctx, GEOSSymDifference_r(ctx, ub.get(), ug.get()), "symdiff");
  CHECK(geo::area(ctx, diff.get()) / a < 0.001);
  CHECK(a / 1e6 == Approx(253.5).epsilon(0.01));
  for (std::size_t i = 0; i < gp.size(); ++i)
    for (std::size_t j = i + 1; j < gp.size(); ++j) {
      auto inter = geo::wrap(ctx, GEOSIntersection_r(ctx, gp[i], gp[j]), "intersection");
      INFO(m.gebieden()[i].config.id << " / " << m.gebieden()[j].config.id);
      CHECK(geo::area(ctx, inter.get()) <= 1.0);
    }
}

TEST_CASE("real data: every synthetic BAG address lands in its true buurt, wijk and gebied",
          "[area][realdata][unit]") {
  const geo::AreaModel& m = real().model;
  std::map<std::string, std::vector<std::string>> truth;
  for (auto& row : read_csv(test::shared_data("synthetic/bag_leeuwarden_synthetic_truth.csv")))
    truth[row.at(0)] = {row.at(1), row.at(2), row.at(3)};
  const auto rows = read_csv(test::shared_data("synthetic/bag_leeuwarden_synthetic.csv"));
  REQUIRE(rows.size() == 88780);
  std::size_t right = 0, geos_agrees = 0;
  std::vector<std::string> wrong;
  for (const auto& row : rows) {
    const double x = std::stod(row.at(7)), y = std::stod(row.at(8));
    auto r = m.locate_rd(x, y);
    const auto& t = truth.at(row.at(0));
    if (r && r->buurtcode == t[0] && r->wijkcode == t[1] && r->gebied == t[2]) {
      ++right;
    } else if (wrong.size() < 5) {
      wrong.push_back(row.at(0) + " -> " + (r ? r->buurtcode : "outside") + " expected " + t[0]);
    }
    if (m.locate_index_geos(x, y) == m.locate_index(x, y)) ++geos_agrees;
  }
  INFO((wrong.empty() ? "" : wrong.front()));
  CHECK(right == rows.size());
  CHECK(geos_agrees == rows.size());
}
