#include "app/geocode_command.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

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
#include <sstream>
#include <vector>

#include "app/command_support.hpp"
#include "geo/address_register.hpp"
#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/gdal_io.hpp"
#include "geo/geocoder.hpp"
#include "util/error.hpp"

namespace gebieden::app {

namespace {

namespace fs = std::filesystem;

enum class Role { Q, Straat, Huisnummer, Huisletter, Toevoeging, Postcode, Plaats, Lat, Lon, X, Y };
constexpr std::size_t kRoles = 11;

struct RoleSpec {
  Role role;
  const char* option;  // the override option
  std::vector<std::string> names;
};

const std::vector<RoleSpec>& role_specs() {
  static const std::vector<RoleSpec> specs = {
      {Role::Q, "--column-q", {"q", "adres", "address", "volledig_adres", "full_address"}},
      {Role::Straat,
       "--column-straat",
       {"straat", "straatnaam", "street", "openbare_ruimte_naam", "openbareruimte"}},
      {Role::Huisnummer,
       "--column-huisnummer",
       {"huisnummer", "huisnr", "nummer", "nr", "number", "housenumber", "house_number"}},
      {Role::Huisletter, "", {"huisletter"}},
      {Role::Toevoeging, "", {"toevoeging", "huisnummertoevoeging", "huisnummer_toevoeging"}},
      {Role::Postcode,
       "--column-postcode",
       {"postcode", "zip", "zipcode", "postal_code", "postalcode"}},
      {Role::Plaats,
       "--column-plaats",
       {"plaats", "woonplaats", "plaatsnaam", "woonplaats_naam", "place", "city", "stad", "dorp"}},
      {Role::Lat, "--column-lat", {"lat", "latitude", "breedtegraad", "wgs84_lat"}},
      {Role::Lon, "--column-lon", {"lon", "lng", "long", "longitude", "lengtegraad", "wgs84_lon"}},
      {Role::X, "--column-x", {"x", "rd_x", "x_rd", "xcoord", "x_coord"}},
      {Role::Y, "--column-y", {"y", "rd_y", "y_rd", "ycoord", "y_coord"}},
  };
  return specs;
}

const std::string& override_of(const GeocodeCliOptions& o, Role role) {
  static const std::string none;
  switch (role) {
    case Role::Q:
      return o.column_q;
    case Role::Straat:
      return o.column_straat;
    case Role::Huisnummer:
      return o.column_huisnummer;
    case Role::Postcode:
      return o.column_postcode;
    case Role::Plaats:
      return o.column_plaats;
    case Role::Lat:
      return o.column_lat;
    case Role::Lon:
      return o.column_lon;
    case Role::X:
      return o.column_x;
    case Role::Y:
      return o.column_y;
    default:
      return none;
  }
}

/// The result columns, in output order.
enum Out {
  kStatus,
  kScore,
  kAdres,
  kLon,
  kLat,
  kX,
  kY,
  kBuurtcode,
  kBuurtnaam,
  kWijkcode,
  kWijknaam,
  kGebied,
  kGebiednaam,
  kReason,
  kWarning,
  kOutCount
};

struct OutSpec {
  const char* name;
  OGRFieldType type;
  int width, precision;
};

constexpr std::array<OutSpec, kOutCount> kOutSpecs = {{
    {"geocode_status", OFTString, 0, 0},
    {"geocode_score", OFTReal, 5, 2},
    {"geocode_adres", OFTString, 0, 0},
    {"geocode_lon", OFTReal, 12, 7},
    {"geocode_lat", OFTReal, 12, 7},
    {"geocode_x", OFTReal, 11, 2},
    {"geocode_y", OFTReal, 11, 2},
    {"buurtcode", OFTString, 0, 0},
    {"buurtnaam", OFTString, 0, 0},
    {"wijkcode", OFTString, 0, 0},
    {"wijknaam", OFTString, 0, 0},
    {"gebied", OFTString, 0, 0},
    {"gebiednaam", OFTString, 0, 0},
    {"geocode_reason", OFTString, 0, 0},
    {"geocode_warning", OFTString, 0, 0},
}};

struct Summary {
  std::size_t rows = 0;
  std::size_t with_warning = 0;
  std::map<std::string, std::size_t> status;
  std::map<std::string, std::size_t> gebied;  // "id\tname"
  std::map<std::string, std::size_t> reason;
  std::vector<std::string> unplaced;  // the first rows, for the list
};

class Progress {
 public:
  Progress(std::ostream& err, bool enabled, long long total)
      : m_err(err), m_enabled(enabled && total > 0), m_total(total) {}
  void update(long long done) {
    if (!m_enabled) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < m_total && now - m_last < std::chrono::milliseconds(100)) return;
    m_last = now;
    const int width = 30;
    const double f = std::min(1.0, static_cast<double>(done) / static_cast<double>(m_total));
    const int fill = static_cast<int>(f * width);
    m_err << "\rgeocoding [" << std::string(static_cast<std::size_t>(fill), '#')
          << std::string(static_cast<std::size_t>(width - fill), '.') << "] " << std::setw(3)
          << static_cast<int>(f * 100) << "%  " << done << "/" << m_total << std::flush;
  }
  void done() {
    if (m_enabled) m_err << "\n";
  }

 private:
  std::ostream& m_err;
  bool m_enabled;
  long long m_total;
  std::chrono::steady_clock::time_point m_last{};
};

void print_table(std::ostream& out, const std::string& title,
                 const std::vector<std::pair<std::string, std::size_t>>& rows, std::size_t total) {
  std::size_t w = title.size();
  for (const auto& [k, v] : rows) w = std::max(w, k.size() + 2);
  out << std::left << std::setw(static_cast<int>(w)) << title << std::right << std::setw(8)
      << "rows" << std::setw(8) << "%"
      << "\n";
  for (const auto& [k, v] : rows) {
    const double pct = total ? 100.0 * static_cast<double>(v) / static_cast<double>(total) : 0.0;
    out << "  " << std::left << std::setw(static_cast<int>(w) - 2) << k << std::right
        << std::setw(8) << v << std::setw(8) << format_fixed(pct, 1) << "\n";
  }
  out << "\n";
}

void print_summary(std::ostream& out, const Summary& s, const std::string& input,
                   const std::string& output, double seconds) {
  out << "geocoded " << s.rows << " rows of " << input << " -> " << output << " in "
      << format_fixed(seconds, 1) << " s\n\n";
  std::vector<std::pair<std::string, std::size_t>> rows;
  std::size_t placed = 0;
  for (const auto& [k, v] : s.gebied) {
    const auto tab = k.find('\t');
    std::string label = k.substr(0, tab);
    const std::string name = tab == std::string::npos ? std::string() : k.substr(tab + 1);
    if (!name.empty() && name != label) label += " (" + name + ")";
    rows.emplace_back(label, v);
    placed += v;
  }
  rows.emplace_back("not placed", s.rows - placed);
  print_table(out, "per gebied", rows, s.rows);

  rows.clear();
  for (const char* st : {"address", "fuzzy", "coordinates", "unmatched", "outside"}) {
    const auto it = s.status.find(st);
    rows.emplace_back(st, it == s.status.end() ? 0 : it->second);
  }
  print_table(out, "per status", rows, s.rows);

  if (!s.reason.empty()) {
    rows.assign(s.reason.begin(), s.reason.end());
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    print_table(out, "not placed, per reason", rows, s.rows);
  }
  if (s.with_warning)
    out << s.with_warning << " rows were placed with a correction: see geocode_warning\n\n";
  if (!s.unplaced.empty()) {
    out << "rows not placed"
        << (s.unplaced.size() < s.rows - placed
                ? " (the first " + std::to_string(s.unplaced.size()) + ")"
                : "")
        << "; geocode_reason has them all:\n";
    for (const auto& line : s.unplaced) out << "  " << line << "\n";
  }
}

/// Our columns after the input's (created with the layer).
void create_output_fields(OGRLayer* layer, OGRFeatureDefn* in_defn,
                          std::array<std::string, kOutCount>& out_names) {
  for (std::size_t k = 0; k < kOutCount; ++k) {
    std::string name = kOutSpecs[k].name;
    while (find_field(in_defn, name) >= 0) name = "geocode_" + name;  // the input keeps its own
    out_names[k] = name;
    OGRFieldDefn f(name.c_str(), kOutSpecs[k].type);
    if (kOutSpecs[k].width) {
      f.SetWidth(kOutSpecs[k].width);
      f.SetPrecision(kOutSpecs[k].precision);
    }
    if (layer->CreateField(&f) != OGRERR_NONE)
      throw command_error("cannot create the column '" + name +
                          "' in the output: " + CPLGetLastErrorMsg());
  }
}

}  // namespace

std::string check_geocode_input(const std::string& path) {
  return check_input_file(path);
}

void add_geocode_options(CLI::App& sub, GeocodeCliOptions& o) {
  sub.add_option("input", o.input, "CSV, GeoJSON or GeoPackage with the records to place")
      ->required();
  sub.add_option("-o,--output", o.output,
                 "output file: .csv, .geojson or .gpkg (replaced if it exists)")
      ->required();
  sub.add_option("--layer", o.layer, "input layer, when the input has several");
  sub.add_option("--column-q", o.column_q,
                 "column with a one-line address (\"Kerkstraat 12a, Grou\")");
  sub.add_option("--column-straat", o.column_straat, "column with the street");
  sub.add_option("--column-huisnummer", o.column_huisnummer, "column with the house number");
  sub.add_option("--column-postcode", o.column_postcode, "column with the postcode");
  sub.add_option("--column-plaats", o.column_plaats, "column with the place (woonplaats)");
  sub.add_option("--column-lat", o.column_lat, "column with the WGS84 latitude");
  sub.add_option("--column-lon", o.column_lon, "column with the WGS84 longitude");
  sub.add_option("--column-x", o.column_x, "column with the RD x (EPSG:28992)");
  sub.add_option("--column-y", o.column_y, "column with the RD y (EPSG:28992)");
  sub.add_flag_callback(
      "--no-progress", [&o] { o.progress = false; },
      "no progress bar (it is shown only on a terminal anyway)");
}

int run_geocode(const geo::Config& config, const GeocodeCliOptions& o) {
  if (const std::string problem = check_geocode_input(o.input); !problem.empty()) {
    std::cerr << "geocode: " << problem << std::endl;
    return 1;
  }
  try {
    if (GDALGetDriverCount() == 0) GDALAllRegister();
    std::cerr << "loading the boundaries..." << std::flush;
    const geo::AreaModel model = geo::AreaModel::load(config);
    std::cerr << " " << model.buurten().size() << " buurten\n";
    // Only the addresses of the gemeente (and a margin): a national extract loads in seconds.
    std::optional<geo::Box> area;
    if (const geo::Box b = model.gemeente().rd.bbox(); b.valid)
      area = geo::Box{b.minx - 1000, b.miny - 1000, b.maxx + 1000, b.maxy + 1000, true};
    std::cerr << "loading the address register..." << std::flush;
    auto reg =
        std::make_shared<const geo::AddressRegister>(geo::AddressRegister::load(config, area));
    const auto& report = reg->report();
    std::cerr << " " << reg->addresses().size() << " addresses from " << report.source << " ("
              << format_fixed(report.seconds, 1) << " s)\n";
    if (report.skipped)
      std::cerr << "note: " << report.skipped << " register rows skipped, e.g. "
                << (report.skipped_examples.empty() ? std::string()
                                                    : report.skipped_examples.front())
                << "\n";
    std::vector<geo::PlaceAlias> aliases;
    if (!config.place_aliases.empty())
      aliases = geo::read_place_aliases(config.resolve(config.place_aliases));
    const geo::Geocoder geocoder(
        reg, [&model](double x, double y) { return model.locate_rd(x, y); }, aliases);
    for (const auto& f : geocoder.findings()) std::cerr << "note: " << f << "\n";
    return run_geocode(geocoder, o, std::cout, std::cerr);
  } catch (const config_error& e) {
    std::cerr << "\ngeocode: configuration: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "\ngeocode: " << e.what() << std::endl;
    return 2;
  }
}

int run_geocode(const geo::Geocoder& geocoder, const GeocodeCliOptions& o, std::ostream& out,
                std::ostream& err) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path out_path(o.output);
  bool output_created = false;
  try {
    if (const std::string problem = check_geocode_input(o.input); !problem.empty())
      throw command_error(problem);
    const std::string driver_name = output_driver(o.input, o.output);
    if (GDALGetDriverCount() == 0) GDALAllRegister();

    GdalMessages messages;
    const InputLayer in = open_input(o.input, o.layer, messages);
    OGRLayer* in_layer = in.layer;
    OGRFeatureDefn* in_defn = in_layer->GetLayerDefn();

    // Which column plays which role: explicit options first, then the usual names.
    std::array<int, kRoles> col;
    col.fill(-1);
    for (const auto& spec : role_specs()) {
      const std::string& explicit_name = override_of(o, spec.role);
      int& c = col[static_cast<std::size_t>(spec.role)];
      if (!explicit_name.empty()) {
        c = find_field(in_defn, explicit_name);
        if (c < 0)
          throw command_error("column '" + explicit_name + "' (" + spec.option + ") is not in '" +
                              o.input + "'; its columns are: " + field_names(in_defn));
        continue;
      }
      for (const auto& n : spec.names) {
        c = find_field(in_defn, n);
        if (c >= 0) break;
      }
    }
    const auto has = [&col](Role r) { return col[static_cast<std::size_t>(r)] >= 0; };
    const bool has_location_columns = has(Role::Q) || has(Role::Straat) || has(Role::Postcode) ||
                                      (has(Role::Lat) && has(Role::Lon)) ||
                                      (has(Role::X) && has(Role::Y));
    const bool use_geometry = !has_location_columns && in_layer->GetGeomType() != wkbNone;
    if (!has_location_columns && !use_geometry)
      throw command_error(
          "'" + o.input +
          "' has none of the location columns (straat, huisnummer, postcode, plaats, lat/lon, x/y, "
          "adres); its columns are: " +
          field_names(in_defn) + ". Name them with --column-straat, --column-postcode, ...");
    std::string id_column;
    int id_field = find_field(in_defn, "id");
    if (id_field < 0) id_field = find_field(in_defn, "identificatie");
    if (id_field >= 0) id_column = in_defn->GetFieldDefn(id_field)->GetNameRef();

    // Input geometry as the location (a GeoJSON of points without address columns).
    geo::CTPtr to_wgs84;
    bool geometry_is_rd = false;
    const OGRSpatialReference wgs84 = gis_srs(4326);
    if (use_geometry) {
      if (const OGRSpatialReference* srs = in_layer->GetSpatialRef()) {
        OGRSpatialReference src(*srs);
        src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        const char* code = src.GetAuthorityCode(nullptr);
        geometry_is_rd = code && std::string(code) == "28992";
        if (!geometry_is_rd && !src.IsSame(&wgs84))
          to_wgs84.reset(OGRCreateCoordinateTransformation(&src, &wgs84));
      }
    }

    // The output: every input column, then ours.
    GDALDatasetUniquePtr out_ds = create_output(o.output, driver_name, messages);
    output_created = true;
    const bool with_geometry = driver_name != "CSV";
    OGRLayer* out_layer = create_output_layer(*out_ds, o.output, driver_name, in_defn, wkbPoint,
                                              "geocode", "geocoded", messages);
    std::array<std::string, kOutCount> out_names;
    create_output_fields(out_layer, in_defn, out_names);
    OGRFeatureDefn* out_defn = out_layer->GetLayerDefn();
    const int n_in = in_defn->GetFieldCount();
    if (out_defn->GetFieldCount() != n_in + static_cast<int>(kOutCount))
      throw command_error("the output driver changed the columns: cannot copy the rows faithfully");
    std::vector<int> field_map(static_cast<std::size_t>(n_in));
    for (int i = 0; i < n_in; ++i) field_map[static_cast<std::size_t>(i)] = i;
    const bool transaction = out_ds->StartTransaction() == OGRERR_NONE;

    Summary summary;
    Progress progress(err, o.progress && isatty(STDERR_FILENO) != 0,
                      in_layer->GetFeatureCount(TRUE));
    in_layer->ResetReading();
    messages.clear();
    for (auto& feature : in_layer) {
      ++summary.rows;
      const auto value = [&](Role r) -> std::optional<std::string> {
        const int i = col[static_cast<std::size_t>(r)];
        if (i < 0 || !feature->IsFieldSetAndNotNull(i)) return std::nullopt;
        return std::string(feature->GetFieldAsString(i));
      };
      geo::GeocodeRequest req;
      req.q = value(Role::Q);
      req.straat = value(Role::Straat);
      req.huisnummer = value(Role::Huisnummer);
      req.huisletter = value(Role::Huisletter);
      req.toevoeging = value(Role::Toevoeging);
      req.postcode = value(Role::Postcode);
      req.plaats = value(Role::Plaats);
      req.lat = value(Role::Lat);
      req.lon = value(Role::Lon);
      req.x = value(Role::X);
      req.y = value(Role::Y);
      if (use_geometry) {
        if (const OGRGeometry* g = feature->GetGeometryRef(); g && !g->IsEmpty()) {
          OGRPoint pt = point_of(*g);
          if (!pt.IsEmpty()) {
            double px = pt.getX(), py = pt.getY();
            char bx[64], by[64];
            if (geometry_is_rd) {
              std::snprintf(bx, sizeof bx, "%.3f", px);
              std::snprintf(by, sizeof by, "%.3f", py);
              req.x = bx;
              req.y = by;
            } else if (!to_wgs84 || to_wgs84->Transform(1, &px, &py)) {
              std::snprintf(bx, sizeof bx, "%.9f", px);
              std::snprintf(by, sizeof by, "%.9f", py);
              req.lon = bx;
              req.lat = by;
            }
          }
        }
      }

      const geo::GeocodeResult r = geocoder.geocode(req);

      OGRFeatureUniquePtr of(OGRFeature::CreateFeature(out_defn));
      if (of->SetFieldsFrom(feature.get(), field_map.data(), TRUE) != OGRERR_NONE)
        throw command_error("cannot copy row " + std::to_string(summary.rows) + " to the output");
      const auto set = [&](Out k, const std::string& v) {
        of->SetField(out_names[k].c_str(), v.c_str());
      };
      set(kStatus, std::string(geo::status_name(r.status)));
      of->SetField(out_names[kScore].c_str(), std::round(r.score * 100) / 100);
      set(kAdres, r.address);
      if (r.wgs84) {
        // 7 decimals of a degree and 2 of a metre: a centimetre, no float noise.
        of->SetField(out_names[kLon].c_str(), std::round(r.wgs84->x * 1e7) / 1e7);
        of->SetField(out_names[kLat].c_str(), std::round(r.wgs84->y * 1e7) / 1e7);
        if (with_geometry) of->SetGeometryDirectly(new OGRPoint(r.wgs84->x, r.wgs84->y));
      }
      if (r.rd) {
        of->SetField(out_names[kX].c_str(), std::round(r.rd->x * 100) / 100);
        of->SetField(out_names[kY].c_str(), std::round(r.rd->y * 100) / 100);
      }
      set(kBuurtcode, r.buurtcode);
      set(kBuurtnaam, r.buurtnaam);
      set(kWijkcode, r.wijkcode);
      set(kWijknaam, r.wijknaam);
      set(kGebied, r.gebied);
      set(kGebiednaam, r.gebiednaam);
      set(kReason, r.reason.empty() || r.detail.empty() ? r.reason : r.reason + ": " + r.detail);
      set(kWarning, r.warning);
      if (out_layer->CreateFeature(of.get()) != OGRERR_NONE)
        throw command_error("cannot write row " + std::to_string(summary.rows) + " to '" +
                            o.output + "': " + messages.last_error());

      ++summary.status[std::string(geo::status_name(r.status))];
      if (r.placed()) {
        ++summary.gebied[r.gebied + "\t" + r.gebiednaam];
        if (!r.warning.empty()) ++summary.with_warning;
      } else {
        ++summary.reason[r.reason.empty() ? std::string("(no reason)") : r.reason];
        if (summary.unplaced.size() < 25) {
          std::string line = "row " + std::to_string(summary.rows);
          if (id_field >= 0)
            line += " (" + id_column + " " + feature->GetFieldAsString(id_field) + ")";
          line += ": " + r.reason;
          if (!r.detail.empty()) line += ": " + r.detail;
          summary.unplaced.push_back(std::move(line));
        }
      }
      progress.update(static_cast<long long>(summary.rows));
    }
    progress.done();
    finish_output(out_ds, transaction, summary.rows, o.input, o.output, messages);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    print_summary(out, summary, o.input, o.output, seconds);
    return 0;
  } catch (const std::exception& e) {
    if (output_created) {
      std::error_code ec;
      fs::remove(out_path, ec);
    }
    err << "geocode: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace gebieden::app
