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

namespace {

/// Where the points come from, in order of trust (see the header): explicit columns, else the
/// geocode columns, else x/y or lon/lat columns. Empty: the feature geometry (checked by the
/// caller).
std::vector<PointColumns> point_sources(const ReassignCliOptions& o, OGRFeatureDefn* in_defn) {
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
  return sources;
}

/// The input geometry to RD (when it is the point) and to WGS84 (for the output); null when
/// the input is already in that CRS or has no geometry.
struct GeometryTransforms {
  geo::CTPtr to_rd, to_wgs84;
};

GeometryTransforms geometry_transforms(OGRLayer* in_layer) {
  GeometryTransforms t;
  if (in_layer->GetGeomType() == wkbNone) return t;
  const OGRSpatialReference wgs84 = gis_srs(4326), rd = gis_srs(28992);
  OGRSpatialReference in_srs(wgs84);  // GeoJSON without a CRS is CRS84
  if (const OGRSpatialReference* srs = in_layer->GetSpatialRef()) {
    in_srs = *srs;
    in_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  }
  if (!in_srs.IsSame(&rd)) t.to_rd.reset(OGRCreateCoordinateTransformation(&in_srs, &rd));
  if (!in_srs.IsSame(&wgs84)) t.to_wgs84.reset(OGRCreateCoordinateTransformation(&in_srs, &wgs84));
  return t;
}

using Levels = std::array<LevelColumns, 3>;

/// The buurt, wijk and gebied columns of the input (-1 when absent).
Levels find_levels(OGRFeatureDefn* in_defn) {
  Levels levels{{
      {"buurtcode", "buurtnaam", "vorige_buurtcode"},
      {"wijkcode", "wijknaam", "vorige_wijkcode"},
      {"gebied", "gebiednaam", "vorige_gebied"},
  }};
  for (auto& l : levels) {
    l.in_code = find_field(in_defn, l.code_name);
    l.in_name = find_field(in_defn, l.name_name);
    l.in_previous = find_field(in_defn, l.previous_name);
  }
  return levels;
}

/// The columns we add to the output layer after every input column (or reuse, when the input
/// has them); fills the out_ indexes of `levels` and returns the index of `verplaatst`.
int add_output_columns(OGRLayer* out_layer, int n_in, Levels& levels, int in_moved) {
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
  if (out_layer->GetLayerDefn()->GetFieldCount() != next)
    throw command_error("the output driver changed the columns: cannot copy the rows faithfully");
  return out_moved;
}

/// Reading one input row: its text values and the problems noted on it.
struct RowReader {
  OGRFeatureDefn* defn;
  int id_field;
  ReassignReport& report;
  const OGRFeature* feature = nullptr;

  std::string text(int i) const {
    if (i < 0 || !feature->IsFieldSetAndNotNull(i)) return {};
    return std::string(util::trim(feature->GetFieldAsString(i)));
  }
  const char* name(int i) const { return defn->GetFieldDefn(i)->GetNameRef(); }
  void note(const std::string& why) const {
    ++report.unreadable;
    if (report.problems.size() >= kMaxProblems) return;
    std::string line = "row " + std::to_string(report.records);
    if (id_field >= 0) line += " (" + std::string(name(id_field)) + " " + text(id_field) + ")";
    report.problems.push_back(line + ": " + why);
  }
};

/// The point of a row in RD from two columns; nullopt (with a note when the values are not a
/// point) when it has none. Returns whether the columns had values (then they decide).
bool point_from_columns(const RowReader& row, const PointColumns& s, const geo::Transformer& to_rd,
                        std::optional<geo::XY>& point) {
  const std::string a = row.text(s.first), b = row.text(s.second);
  if (a.empty() && b.empty()) return false;
  const std::string na = row.name(s.first), nb = row.name(s.second);
  const auto va = geo::parse_decimal(a), vb = geo::parse_decimal(b);
  if (!va || !vb) {
    row.note(!va ? na + " " + in_quotes(a) + " is not a number"
                 : nb + " " + in_quotes(b) + " is not a number");
  } else if (s.rd) {
    if (in_rd(*va, *vb))
      point = geo::XY{*va, *vb};
    else
      row.note(na + ", " + nb + " " + a + ", " + b + " are not RD coordinates (EPSG:28992)");
  } else if (*va < -180 || *va > 180 || *vb < -90 || *vb > 90) {
    row.note(na + ", " + nb + " " + a + ", " + b + " are out of range");
  } else {
    const geo::XY p = to_rd.forward(geo::XY{*va, *vb});
    if (std::isfinite(p.x) && std::isfinite(p.y) && in_rd(p.x, p.y))
      point = p;
    else
      row.note(na + ", " + nb + " " + a + ", " + b + " lie outside the RD area");
  }
  return true;
}

/// The point of a row in RD: from the first source with values, or the feature geometry.
std::optional<geo::XY> row_point(const RowReader& row, const std::vector<PointColumns>& sources,
                                 bool use_geometry, const GeometryTransforms& transforms,
                                 const geo::Transformer& to_rd) {
  std::optional<geo::XY> point;
  for (const auto& s : sources)
    if (point_from_columns(row, s, to_rd, point)) break;  // the first source with values decides
  if (use_geometry) {
    if (const OGRGeometry* g = row.feature->GetGeometryRef(); g && !g->IsEmpty()) {
      OGRPoint pt = point_of(*g);
      if (!pt.IsEmpty() &&
          (!transforms.to_rd || pt.transform(transforms.to_rd.get()) == OGRERR_NONE) &&
          in_rd(pt.getX(), pt.getY()))
        point = geo::XY{pt.getX(), pt.getY()};
      else
        row.note("the geometry cannot be placed in RD");
    }
  }
  return point;
}

/// The areas of a row before (its columns) and now (its point).
struct RowAreas {
  std::array<std::string, 3> now, now_names, before;
  bool same = true;  // the same at every level the input has
};

/// Compare a row's areas before and now, and count it in `counts` and `report`.
RowAreas compare_row(const RowReader& row, const Levels& levels,
                     const std::optional<geo::XY>& point, const geo::AreaModel& model,
                     std::array<LevelCount, 3>& counts, ReassignReport& report) {
  std::optional<geo::AreaRef> area;
  if (point) area = model.locate_rd(point->x, point->y);
  RowAreas r;
  if (area) {
    r.now = {area->buurtcode, area->wijkcode, area->gebied};
    r.now_names = {area->buurtnaam, area->wijknaam, area->gebiednaam};
  }
  bool placed_before = false;
  for (std::size_t k = 0; k < 3; ++k) {
    const LevelColumns& l = levels[k];
    r.before[k] = row.text(l.in_code);
    if (l.in_code < 0) continue;
    placed_before = placed_before || !r.before[k].empty();
    r.same = r.same && r.before[k] == r.now[k];
    LevelCount& c = counts[k];
    add_name(c.old_names, r.before[k], row.text(l.in_name));
    add_name(c.new_names, r.now[k], r.now_names[k]);
    if (!point || (r.before[k].empty() && r.now[k].empty())) continue;
    if (r.before[k] == r.now[k])
      ++c.kept;
    else
      ++c.moves[{r.before[k].empty() ? kNoArea : r.before[k],
                 r.now[k].empty() ? kOutside : r.now[k]}];
  }
  const bool placed_now = !r.now[0].empty();
  if (!point) {
    ++report.without_point;
    if (placed_before) ++report.cleared;
  } else if (placed_before && placed_now) {
    ++(r.same ? report.kept : report.moved);
  } else if (placed_before) {
    ++report.now_outside;
  } else if (placed_now) {
    ++report.now_inside;
  } else {
    ++report.still_outside;
  }
  return r;
}

/// Where and how rows are written.
struct OutputRows {
  OGRLayer* layer;
  std::vector<int> field_map;  // input column i -> output column i
  Levels levels;
  int moved = -1;
  bool compared_any = false;
  bool with_geometry = true;
};

/// One output row: every input column, the areas now and before, and a geometry.
void write_row(const OutputRows& out, const OGRFeature& feature, const RowAreas& areas,
               const std::optional<geo::XY>& point, const GeometryTransforms& transforms,
               const geo::Transformer& to_wgs84, const ReassignCliOptions& o,
               std::size_t row_number, const GdalMessages& messages) {
  OGRFeatureUniquePtr of(OGRFeature::CreateFeature(out.layer->GetLayerDefn()));
  if (of->SetFieldsFrom(&feature, out.field_map.data(), TRUE) != OGRERR_NONE)
    throw command_error("cannot copy row " + std::to_string(row_number) + " to the output");
  for (std::size_t k = 0; k < 3; ++k) {
    const LevelColumns& l = out.levels[k];
    of->SetField(l.out_code, areas.now[k].c_str());
    of->SetField(l.out_name, areas.now_names[k].c_str());
    of->SetField(l.out_previous, areas.before[k].c_str());
  }
  of->SetField(out.moved, !out.compared_any ? "" : areas.same ? "no" : "yes");
  if (out.with_geometry) {
    if (const OGRGeometry* g = feature.GetGeometryRef(); g && !g->IsEmpty()) {
      std::unique_ptr<OGRGeometry> copy(g->clone());
      if (!transforms.to_wgs84 || copy->transform(transforms.to_wgs84.get()) == OGRERR_NONE)
        of->SetGeometryDirectly(copy.release());
    } else if (point) {
      const geo::XY ll = to_wgs84.forward(*point);
      if (std::isfinite(ll.x) && std::isfinite(ll.y))
        of->SetGeometryDirectly(new OGRPoint(ll.x, ll.y));
    }
  }
  if (out.layer->CreateFeature(of.get()) != OGRERR_NONE)
    throw command_error("cannot write row " + std::to_string(row_number) + " to '" + o.output +
                        "': " + messages.last_error());
}

}  // namespace

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

    // 1. The input: where its points are, its area columns.
    GdalMessages messages;
    const InputLayer in = open_input(o.input, o.layer, messages);
    OGRLayer* in_layer = in.layer;
    OGRFeatureDefn* in_defn = in_layer->GetLayerDefn();
    const int n_in = in_defn->GetFieldCount();
    const std::vector<PointColumns> sources = point_sources(o, in_defn);
    const bool use_geometry = sources.empty() && in_layer->GetGeomType() != wkbNone;
    if (sources.empty() && !use_geometry)
      throw command_error("'" + o.input +
                          "' has no point: none of the columns geocode_x/geocode_y, "
                          "geocode_lon/geocode_lat, x/y or lon/lat, and no geometry; its "
                          "columns are: " +
                          field_names(in_defn) +
                          ". Name them with --column-x/--column-y or --column-lon/--column-lat");
    const GeometryTransforms transforms = geometry_transforms(in_layer);
    const geo::Transformer to_rd(4326, 28992), to_wgs84(28992, 4326);
    OutputRows out;
    out.levels = find_levels(in_defn);
    const int in_moved = find_field(in_defn, "verplaatst");
    out.compared_any = std::any_of(out.levels.begin(), out.levels.end(),
                                   [](const LevelColumns& l) { return l.in_code >= 0; });
    int id_field = find_field(in_defn, "id");
    if (id_field < 0) id_field = find_field(in_defn, "identificatie");

    // 2. The output: every input column, then the columns we add.
    GDALDatasetUniquePtr out_ds = create_output(o.output, driver_name, messages);
    output_created = true;
    out.with_geometry = driver_name != "CSV";
    out.layer =
        create_output_layer(*out_ds, o.output, driver_name, in_defn,
                            in_layer->GetGeomType() != wkbNone ? in_layer->GetGeomType() : wkbPoint,
                            "reassign", "reassigned", messages);
    out.moved = add_output_columns(out.layer, n_in, out.levels, in_moved);
    out.field_map.resize(static_cast<std::size_t>(n_in));
    for (int i = 0; i < n_in; ++i) out.field_map[static_cast<std::size_t>(i)] = i;
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

    // 3. Every row: its point, its areas before and now, counted and written.
    std::array<LevelCount, 3> counts;
    RowReader row{in_defn, id_field, report};
    in_layer->ResetReading();
    messages.clear();
    for (auto& feature : in_layer) {
      ++report.records;
      row.feature = feature.get();
      const auto point = row_point(row, sources, use_geometry, transforms, to_rd);
      const RowAreas areas = compare_row(row, out.levels, point, model, counts, report);
      write_row(out, *feature, areas, point, transforms, to_wgs84, o, report.records, messages);
    }
    finish_output(out_ds, transaction, report.records, o.input, o.output, messages);

    // 4. The moves per level.
    report.buurt = finish_level("buurt", out.levels[0].in_code >= 0, counts[0]);
    report.wijk = finish_level("wijk", out.levels[1].in_code >= 0, counts[1]);
    report.gebied = finish_level("gebied", out.levels[2].in_code >= 0, counts[2]);
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
