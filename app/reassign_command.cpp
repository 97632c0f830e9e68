#include "app/reassign_command.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "app/command_support.hpp"
#include "geo/address_normalize.hpp"
#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/crs.hpp"
#include "geo/gdal_io.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace gebieden::app {

namespace {

namespace fs = std::filesystem;

constexpr const char* kNoArea = "(none)";      // no area before
constexpr const char* kOutside = "(outside)";  // in no buurt of the gemeente now
constexpr std::size_t kMaxProblems = 10;

std::string in_quotes(std::string_view s) {
  constexpr std::size_t max = 40;
  return "'" + std::string(s.substr(0, max)) + (s.size() > max ? "...'" : "'");
}

int find_any(OGRFeatureDefn* defn, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const int i = find_field(defn, n); i >= 0) return i;
  return -1;
}

bool in_rd(double x, double y) {
  return x >= -7000 && x <= 300000 && y >= 289000 && y <= 629000;
}

/// Where a row's point comes from: two columns, RD or WGS84.
struct PointColumns {
  bool rd = true;  // false: lon, lat
  int first = -1, second = -1;
  std::string label;  // "geocode_x, geocode_y (RD)"
};

/// The columns of one level: the code and name we update, and the vorige_ column.
struct LevelColumns {
  const char* code_name;
  const char* name_name;
  const char* previous_name;
  int in_code = -1, in_name = -1, in_previous = -1;     // in the input, -1 when absent
  int out_code = -1, out_name = -1, out_previous = -1;  // in the output
};

/// Counting one level.
struct LevelCount {
  std::size_t kept = 0;
  std::map<std::pair<std::string, std::string>, std::size_t> moves;
  std::map<std::string, std::string> old_names, new_names;
};

void add_name(std::map<std::string, std::string>& names, const std::string& code,
              const std::string& name) {
  if (!code.empty() && !name.empty()) names.emplace(code, name);
}

ReassignLevel finish_level(const char* level, bool compared, LevelCount& c) {
  ReassignLevel r;
  r.level = level;
  r.compared = compared;
  r.kept = c.kept;
  for (const auto& [key, n] : c.moves) {
    AreaMove m;
    m.from = key.first;
    m.to = key.second;
    if (auto it = c.old_names.find(m.from); it != c.old_names.end()) m.from_name = it->second;
    if (auto it = c.new_names.find(m.to); it != c.new_names.end()) m.to_name = it->second;
    m.records = n;
    r.changed += n;
    r.moves.push_back(std::move(m));
  }
  std::stable_sort(r.moves.begin(), r.moves.end(),
                   [](const AreaMove& a, const AreaMove& b) { return a.records > b.records; });
  return r;
}

std::string area_label(const std::string& code, const std::string& name, const char* empty) {
  if (code.empty()) return empty;
  if (name.empty() || name == code) return code;
  return code + " (" + name + ")";
}

void print_counts(std::ostream& out, const std::vector<std::pair<std::string, std::size_t>>& rows,
                  std::size_t total) {
  std::size_t w = 0;
  for (const auto& [k, v] : rows) w = std::max(w, k.size());
  for (const auto& [k, v] : rows) {
    const double pct = total ? 100.0 * static_cast<double>(v) / static_cast<double>(total) : 0.0;
    out << "  " << std::left << std::setw(static_cast<int>(w)) << k << std::right << std::setw(9)
        << v << std::setw(8) << format_fixed(pct, 1) << " %\n";
  }
  out << "\n";
}

}  // namespace

void add_reassign_options(CLI::App& sub, ReassignCliOptions& o) {
  sub.add_option("INPUT", o.input,
                 "placed records: the output of `gebieden geocode`, or any CSV, GeoJSON or "
                 "GeoPackage with points")
      ->required();
  sub.add_option("-o,--output", o.output,
                 "output file: .csv, .geojson or .gpkg (replaced if it exists)")
      ->required();
  sub.add_option("--layer", o.layer, "input layer, when the input has several");
  sub.add_option("--column-x", o.column_x, "column with the RD x (EPSG:28992)");
  sub.add_option("--column-y", o.column_y, "column with the RD y (EPSG:28992)");
  sub.add_option("--column-lon", o.column_lon, "column with the WGS84 longitude");
  sub.add_option("--column-lat", o.column_lat, "column with the WGS84 latitude");
}

int run_reassign(const geo::Config& config, const ReassignCliOptions& o) {
  if (const std::string problem = check_input_file(o.input); !problem.empty()) {
    std::cerr << "reassign: " << problem << std::endl;
    return 1;
  }
  try {
    if (GDALGetDriverCount() == 0) GDALAllRegister();
    std::cerr << "loading the boundaries..." << std::flush;
    const geo::AreaModel model = geo::AreaModel::load(config);
    std::cerr << " " << model.buurten().size() << " buurten, " << model.wijken().size()
              << " wijken, " << model.gebieden().size() << " gebieden\n";
    for (const auto& f : model.findings())
      if (f.severity != geo::Finding::Severity::Info)
        std::cerr << (f.severity == geo::Finding::Severity::Error ? "error: " : "warning: ")
                  << f.subject << ": " << f.message << "\n";
    return run_reassign(model, o, std::cout, std::cerr);
  } catch (const config_error& e) {
    std::cerr << "\nreassign: configuration: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "\nreassign: " << e.what() << std::endl;
    return 2;
  }
}

int run_reassign(const geo::AreaModel& model, const ReassignCliOptions& o, std::ostream& out,
                 std::ostream& err) {
  try {
    const ReassignReport report = reassign_file(model, o);
    print_reassign_report(out, report);
    return 0;
  } catch (const std::exception& e) {
    err << "reassign: " << e.what() << std::endl;
    return 1;
  }
}

ReassignReport reassign_file(const geo::AreaModel& model, const ReassignCliOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path out_path(o.output);
  bool output_created = false;
  try {
    if (const std::string problem = check_input_file(o.input); !problem.empty())
      throw command_error(problem);
    const std::string driver_name = output_driver(o.input, o.output);
    if ((o.column_x.empty() != o.column_y.empty()) ||
        (o.column_lon.empty() != o.column_lat.empty()))
      throw command_error(
          "--column-x and --column-y go together, and so do --column-lon and --column-lat");
    if (GDALGetDriverCount() == 0) GDALAllRegister();

    GdalMessages messages;
    const InputLayer in = open_input(o.input, o.layer, messages);
    OGRLayer* in_layer = in.layer;
    OGRFeatureDefn* in_defn = in_layer->GetLayerDefn();
    const int n_in = in_defn->GetFieldCount();

    // Where the points come from, in order of trust (see the header).
    std::vector<PointColumns> sources;
    const auto explicit_pair = [&](const std::string& a, const std::string& b, bool rd,
                                   const char* what) {
      PointColumns p{rd, find_field(in_defn, a), find_field(in_defn, b), a + ", " + b + what};
      for (const auto& [name, i] : {std::pair{a, p.first}, std::pair{b, p.second}})
        if (i < 0)
          throw command_error("column '" + name + "' is not in '" + o.input +
                              "'; its columns are: " + field_names(in_defn));
      sources.push_back(std::move(p));
    };
    if (!o.column_x.empty()) explicit_pair(o.column_x, o.column_y, true, " (RD)");
    if (!o.column_lon.empty()) explicit_pair(o.column_lon, o.column_lat, false, " (WGS84)");
    const auto pair_of = [&](std::initializer_list<const char*> a,
                             std::initializer_list<const char*> b, bool rd, const char* what) {
      const int i = find_any(in_defn, a), j = find_any(in_defn, b);
      if (i < 0 || j < 0) return false;
      sources.push_back({rd, i, j,
                         std::string(in_defn->GetFieldDefn(i)->GetNameRef()) + ", " +
                             in_defn->GetFieldDefn(j)->GetNameRef() + what});
      return true;
    };
    if (sources.empty()) {
      // Both geocode pairs when present: a row has either both or neither.
      const bool geocoded_rd = pair_of({"geocode_x"}, {"geocode_y"}, true, " (RD)");
      const bool geocoded_wgs84 = pair_of({"geocode_lon"}, {"geocode_lat"}, false, " (WGS84)");
      if (!geocoded_rd && !geocoded_wgs84) {
        pair_of({"x", "rd_x", "x_rd", "xcoord", "x_coord"},
                {"y", "rd_y", "y_rd", "ycoord", "y_coord"}, true, " (RD)");
        pair_of({"lon", "lng", "long", "longitude", "lengtegraad", "wgs84_lon"},
                {"lat", "latitude", "breedtegraad", "wgs84_lat"}, false, " (WGS84)");
      }
    }
    const bool use_geometry = sources.empty() && in_layer->GetGeomType() != wkbNone;
    if (sources.empty() && !use_geometry)
      throw command_error("'" + o.input +
                          "' has no point: none of the columns geocode_x/geocode_y, "
                          "geocode_lon/geocode_lat, x/y or lon/lat, and no geometry; its "
                          "columns are: " +
                          field_names(in_defn) +
                          ". Name them with --column-x/--column-y or --column-lon/--column-lat");

    const OGRSpatialReference wgs84 = gis_srs(4326), rd = gis_srs(28992);
    // The input geometry: to RD as the point (when it is the source), to WGS84 for the output.
    OGRSpatialReference in_srs(wgs84);  // GeoJSON without a CRS is CRS84
    if (const OGRSpatialReference* srs = in_layer->GetSpatialRef()) {
      in_srs = *srs;
      in_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    }
    geo::CTPtr geometry_to_rd, geometry_to_wgs84;
    if (in_layer->GetGeomType() != wkbNone) {
      if (!in_srs.IsSame(&rd))
        geometry_to_rd.reset(OGRCreateCoordinateTransformation(&in_srs, &rd));
      if (!in_srs.IsSame(&wgs84))
        geometry_to_wgs84.reset(OGRCreateCoordinateTransformation(&in_srs, &wgs84));
    }
    const geo::Transformer to_rd(4326, 28992), to_wgs84(28992, 4326);

    std::array<LevelColumns, 3> levels{{
        {"buurtcode", "buurtnaam", "vorige_buurtcode"},
        {"wijkcode", "wijknaam", "vorige_wijkcode"},
        {"gebied", "gebiednaam", "vorige_gebied"},
    }};
    for (auto& l : levels) {
      l.in_code = find_field(in_defn, l.code_name);
      l.in_name = find_field(in_defn, l.name_name);
      l.in_previous = find_field(in_defn, l.previous_name);
    }
    const int in_moved = find_field(in_defn, "verplaatst");
    const bool compared_any = std::any_of(levels.begin(), levels.end(),
                                          [](const LevelColumns& l) { return l.in_code >= 0; });
    int id_field = find_field(in_defn, "id");
    if (id_field < 0) id_field = find_field(in_defn, "identificatie");

    // The output: every input column, then the columns we add.
    GDALDatasetUniquePtr out_ds = create_output(o.output, driver_name, messages);
    output_created = true;
    const bool with_geometry = driver_name != "CSV";
    OGRLayer* out_layer =
        create_output_layer(*out_ds, o.output, driver_name, in_defn,
                            in_layer->GetGeomType() != wkbNone ? in_layer->GetGeomType() : wkbPoint,
                            "reassign", "reassigned", messages);
    int next = n_in;
    const auto add_column = [&](int in_index, const char* name) {
      if (in_index >= 0) return in_index;
      OGRFieldDefn f(name, OFTString);
      if (out_layer->CreateField(&f) != OGRERR_NONE)
        throw command_error(std::string("cannot create the column '") + name +
                            "' in the output: " + CPLGetLastErrorMsg());
      return next++;
    };
    for (auto& l : levels) {
      l.out_code = add_column(l.in_code, l.code_name);
      l.out_name = add_column(l.in_name, l.name_name);
    }
    for (auto& l : levels) l.out_previous = add_column(l.in_previous, l.previous_name);
    const int out_moved = add_column(in_moved, "verplaatst");
    OGRFeatureDefn* out_defn = out_layer->GetLayerDefn();
    if (out_defn->GetFieldCount() != next)
      throw command_error("the output driver changed the columns: cannot copy the rows faithfully");
    std::vector<int> field_map(static_cast<std::size_t>(n_in));
    for (int i = 0; i < n_in; ++i) field_map[static_cast<std::size_t>(i)] = i;
    const bool transaction = out_ds->StartTransaction() == OGRERR_NONE;

    ReassignReport report;
    report.input = o.input;
    report.output = o.output;
    report.buurten = model.buurten().size();
    if (use_geometry) {
      report.location = "the feature geometry";
    } else {
      for (const auto& s : sources)
        report.location += (report.location.empty() ? "" : ", else ") + s.label;
    }
    std::array<LevelCount, 3> counts;

    in_layer->ResetReading();
    messages.clear();
    for (auto& feature : in_layer) {
      ++report.records;
      const auto text = [&](int i) -> std::string {
        if (i < 0 || !feature->IsFieldSetAndNotNull(i)) return {};
        return std::string(util::trim(feature->GetFieldAsString(i)));
      };
      const auto note = [&](const std::string& why) {
        ++report.unreadable;
        if (report.problems.size() >= kMaxProblems) return;
        std::string line = "row " + std::to_string(report.records);
        if (id_field >= 0)
          line += " (" + std::string(in_defn->GetFieldDefn(id_field)->GetNameRef()) + " " +
                  text(id_field) + ")";
        report.problems.push_back(line + ": " + why);
      };

      // The point, in RD.
      std::optional<geo::XY> point;
      for (const auto& s : sources) {
        const std::string a = text(s.first), b = text(s.second);
        if (a.empty() && b.empty()) continue;
        const char* na = in_defn->GetFieldDefn(s.first)->GetNameRef();
        const char* nb = in_defn->GetFieldDefn(s.second)->GetNameRef();
        const auto va = geo::parse_decimal(a), vb = geo::parse_decimal(b);
        if (!va || !vb) {
          note(!va ? std::string(na) + " " + in_quotes(a) + " is not a number"
                   : std::string(nb) + " " + in_quotes(b) + " is not a number");
        } else if (s.rd) {
          if (in_rd(*va, *vb))
            point = geo::XY{*va, *vb};
          else
            note(std::string(na) + ", " + nb + " " + a + ", " + b +
                 " are not RD coordinates (EPSG:28992)");
        } else if (*va < -180 || *va > 180 || *vb < -90 || *vb > 90) {
          note(std::string(na) + ", " + nb + " " + a + ", " + b + " are out of range");
        } else {
          const geo::XY p = to_rd.forward(geo::XY{*va, *vb});
          if (std::isfinite(p.x) && std::isfinite(p.y) && in_rd(p.x, p.y))
            point = p;
          else
            note(std::string(na) + ", " + nb + " " + a + ", " + b + " lie outside the RD area");
        }
        break;  // the first source with values decides
      }
      if (use_geometry) {
        if (const OGRGeometry* g = feature->GetGeometryRef(); g && !g->IsEmpty()) {
          OGRPoint pt = point_of(*g);
          if (!pt.IsEmpty() &&
              (!geometry_to_rd || pt.transform(geometry_to_rd.get()) == OGRERR_NONE) &&
              in_rd(pt.getX(), pt.getY()))
            point = geo::XY{pt.getX(), pt.getY()};
          else
            note("the geometry cannot be placed in RD");
        }
      }

      std::optional<geo::AreaRef> area;
      if (point) area = model.locate_rd(point->x, point->y);
      const std::array<std::string, 3> now = {area ? area->buurtcode : std::string(),
                                              area ? area->wijkcode : std::string(),
                                              area ? area->gebied : std::string()};
      const std::array<std::string, 3> now_names = {area ? area->buurtnaam : std::string(),
                                                    area ? area->wijknaam : std::string(),
                                                    area ? area->gebiednaam : std::string()};
      std::array<std::string, 3> before;
      bool placed_before = false, same = true;
      for (std::size_t k = 0; k < 3; ++k) {
        const LevelColumns& l = levels[k];
        before[k] = text(l.in_code);
        if (l.in_code < 0) continue;
        placed_before = placed_before || !before[k].empty();
        same = same && before[k] == now[k];
        LevelCount& c = counts[k];
        add_name(c.old_names, before[k], text(l.in_name));
        add_name(c.new_names, now[k], now_names[k]);
        if (!point || (before[k].empty() && now[k].empty())) continue;
        if (before[k] == now[k])
          ++c.kept;
        else
          ++c.moves[{before[k].empty() ? kNoArea : before[k], now[k].empty() ? kOutside : now[k]}];
      }
      const bool placed_now = !now[0].empty();
      if (!point) {
        ++report.without_point;
        if (placed_before) ++report.cleared;
      } else if (placed_before && placed_now) {
        ++(same ? report.kept : report.moved);
      } else if (placed_before) {
        ++report.now_outside;
      } else if (placed_now) {
        ++report.now_inside;
      } else {
        ++report.still_outside;
      }

      OGRFeatureUniquePtr of(OGRFeature::CreateFeature(out_defn));
      if (of->SetFieldsFrom(feature.get(), field_map.data(), TRUE) != OGRERR_NONE)
        throw command_error("cannot copy row " + std::to_string(report.records) + " to the output");
      for (std::size_t k = 0; k < 3; ++k) {
        const LevelColumns& l = levels[k];
        of->SetField(l.out_code, now[k].c_str());
        of->SetField(l.out_name, now_names[k].c_str());
        of->SetField(l.out_previous, before[k].c_str());
      }
      of->SetField(out_moved, !compared_any ? "" : same ? "no" : "yes");
      if (with_geometry) {
        if (const OGRGeometry* g = feature->GetGeometryRef(); g && !g->IsEmpty()) {
          std::unique_ptr<OGRGeometry> copy(g->clone());
          if (!geometry_to_wgs84 || copy->transform(geometry_to_wgs84.get()) == OGRERR_NONE)
            of->SetGeometryDirectly(copy.release());
        } else if (point) {
          const geo::XY ll = to_wgs84.forward(*point);
          if (std::isfinite(ll.x) && std::isfinite(ll.y))
            of->SetGeometryDirectly(new OGRPoint(ll.x, ll.y));
        }
      }
      if (out_layer->CreateFeature(of.get()) != OGRERR_NONE)
        throw command_error("cannot write row " + std::to_string(report.records) + " to '" +
                            o.output + "': " + messages.last_error());
    }
    finish_output(out_ds, transaction, report.records, o.input, o.output, messages);

    report.buurt = finish_level("buurt", levels[0].in_code >= 0, counts[0]);
    report.wijk = finish_level("wijk", levels[1].in_code >= 0, counts[1]);
    report.gebied = finish_level("gebied", levels[2].in_code >= 0, counts[2]);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
  } catch (...) {
    if (output_created) {
      std::error_code ec;
      fs::remove(out_path, ec);
    }
    throw;
  }
}

void print_reassign_report(std::ostream& out, const ReassignReport& r) {
  out << "reassigned " << r.records << " records of " << r.input << " -> " << r.output << " with "
      << r.buurten << " buurten in " << format_fixed(r.seconds, 1) << " s\n"
      << "points from " << r.location << "\n\n";
  print_counts(out,
               {{"kept their buurt, wijk and gebied", r.kept},
                {"moved to another buurt, wijk or gebied", r.moved},
                {"now outside the gemeente", r.now_outside},
                {"now inside the gemeente (no area before)", r.now_inside},
                {"outside the gemeente, before and now", r.still_outside},
                {"without a usable point", r.without_point}},
               r.records);
  if (r.cleared)
    out << r.cleared << (r.cleared == 1 ? " record" : " records")
        << " without a usable point had an area before: now empty (vorige_* keep it)\n\n";
  if (!r.problems.empty()) {
    out << "points that could not be read"
        << (r.unreadable > r.problems.size()
                ? " (" + std::to_string(r.unreadable) + "; the first " +
                      std::to_string(r.problems.size()) + ")"
                : std::string())
        << ":\n";
    for (const auto& p : r.problems) out << "  " << p << "\n";
    out << "\n";
  }
  out << std::left << std::setw(10) << "per level" << std::right << std::setw(9) << "kept"
      << std::setw(9) << "changed"
      << "\n";
  for (const ReassignLevel* l : {&r.buurt, &r.wijk, &r.gebied}) {
    out << "  " << std::left << std::setw(8) << l->level << std::right;
    if (l->compared)
      out << std::setw(9) << l->kept << std::setw(9) << l->changed << "\n";
    else
      out << "  no " << (l->level == "gebied" ? "gebied" : l->level + "code")
          << " column in the input: nothing to compare\n";
  }
  out << "\n";
  for (const ReassignLevel* l : {&r.buurt, &r.wijk, &r.gebied}) {
    if (!l->compared) continue;
    if (l->moves.empty()) {
      out << l->level << " moves: none\n\n";
      continue;
    }
    out << l->level << " moves (" << l->moves.size() << "):\n";
    for (const auto& m : l->moves)
      out << "  " << area_label(m.from, m.from_name, kNoArea) << " → "
          << area_label(m.to, m.to_name, kOutside) << ": " << m.records
          << (m.records == 1 ? " record\n" : " records\n");
    out << "\n";
  }
}

}  // namespace gebieden::app
