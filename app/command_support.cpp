#include "app/command_support.hpp"

#include <ogrsf_frmts.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include "util/ascii.hpp"
#include "util/text.hpp"

namespace gebieden::app {

namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxLineBytes = 10'000'000;  // GDAL's CSV reader stops at 10 MB too

bool is_text_format(const std::string& ext) {
  return ext == ".csv" || ext == ".tsv" || ext == ".geojson" || ext == ".json";
}

bool is_csv(const std::string& ext) {
  return ext == ".csv" || ext == ".tsv";
}

/// Streaming UTF-8 check that also measures lines.
class Utf8Scanner {
 public:
  /// False at the first byte that is not valid UTF-8 (or a NUL byte).
  bool feed(unsigned char b) {
    if (m_need == 0) {
      if (b == 0) return false;
      if (b < 0x80) {
        if (b == '\n') {
          ++m_line;
          m_line_bytes = 0;
        } else {
          count_byte();
        }
        ++m_offset;
        return true;
      }
      if (b >= 0xC2 && b <= 0xDF) {
        start(1, 0x80, 0xBF);
      } else if (b == 0xE0) {
        start(2, 0xA0, 0xBF);
      } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
        start(2, 0x80, 0xBF);
      } else if (b == 0xED) {
        start(2, 0x80, 0x9F);
      } else if (b == 0xF0) {
        start(3, 0x90, 0xBF);
      } else if (b >= 0xF1 && b <= 0xF3) {
        start(3, 0x80, 0xBF);
      } else if (b == 0xF4) {
        start(3, 0x80, 0x8F);
      } else {
        return false;
      }
    } else {
      if (b < m_lo || b > m_hi) return false;
      m_lo = 0x80;
      m_hi = 0xBF;
      --m_need;
    }
    count_byte();
    ++m_offset;
    return true;
  }
  bool complete() const { return m_need == 0; }
  std::uintmax_t line() const { return m_line; }
  std::uintmax_t column() const { return m_line_bytes + 1; }
  std::uintmax_t longest_line_bytes() const { return m_longest; }
  std::uintmax_t longest_line() const { return m_longest_line; }

 private:
  void start(int need, unsigned char lo, unsigned char hi) {
    m_need = need;
    m_lo = lo;
    m_hi = hi;
  }
  void count_byte() {
    ++m_line_bytes;
    if (m_line_bytes > m_longest) {
      m_longest = m_line_bytes;
      m_longest_line = m_line;
    }
  }
  int m_need = 0;
  unsigned char m_lo = 0x80, m_hi = 0xBF;
  std::uintmax_t m_offset = 0, m_line = 1, m_line_bytes = 0, m_longest = 0, m_longest_line = 1;
};

}  // namespace

void CPL_STDCALL GdalMessages::handler(CPLErr level, CPLErrorNum, const char* message) {
  auto* self = static_cast<GdalMessages*>(CPLGetErrorHandlerUserData());
  if (self && level >= CE_Failure && self->m_errors.size() < 100)
    self->m_errors.emplace_back(message);
}

std::string format_fixed(double v, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

namespace {
/// Is the file plausible Windows-1252 text (see geo::detect_text_encoding) with no line over
/// 10 MB?
bool plausible_windows_1252(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> buf(1 << 20);
  std::uintmax_t line_bytes = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    for (std::size_t i = 0; i < n; ++i) {
      const auto b = static_cast<unsigned char>(buf[i]);
      if (b == '\n') {
        line_bytes = 0;
        continue;
      }
      if (++line_bytes > kMaxLineBytes) return false;
      if ((b < 0x20 && b != '\t' && b != '\r') || b == 0x7F || b == 0x81 || b == 0x8D ||
          b == 0x8F || b == 0x90 || b == 0x9D)
        return false;
    }
  }
  return true;
}
}  // namespace

std::string check_input_file(const std::string& path, bool allow_windows_1252) {
  if (path.empty()) return "no input file given";
  std::error_code ec;
  const fs::path p(path);
  if (!fs::exists(p, ec)) return "input '" + path + "' does not exist";
  if (fs::is_directory(p, ec)) return {};  // a dataset folder: GDAL decides
  const auto size = fs::file_size(p, ec);
  if (ec) return "cannot read input '" + path + "': " + ec.message();
  if (size == 0) return "input '" + path + "' is empty (0 bytes)";
  const std::string ext = util::ascii_lower(p.extension().string());
  if (!is_text_format(ext)) return {};
  std::ifstream in(p, std::ios::binary);
  if (!in) return "cannot read input '" + path + "'";
  Utf8Scanner scan;
  std::vector<char> buf(1 << 20);
  bool any_content = false;
  bool first = true;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    std::size_t start = 0;
    if (first && n >= 3 && buf[0] == '\xEF' && buf[1] == '\xBB' && buf[2] == '\xBF')
      start = 3;  // BOM
    first = false;
    for (std::size_t i = start; i < n; ++i) {
      const auto b = static_cast<unsigned char>(buf[i]);
      if (!scan.feed(b)) {
        if (b == 0)
          return "input '" + path + "' contains a NUL byte at line " + std::to_string(scan.line()) +
                 ": it is not a text file";
        if (allow_windows_1252 && is_csv(ext) && plausible_windows_1252(p)) return {};
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", b);
        return "input '" + path + "' is not UTF-8: byte " + hex + " at line " +
               std::to_string(scan.line()) + ", column " + std::to_string(scan.column()) +
               ". Save it as UTF-8 (in Excel: \"CSV UTF-8\")" +
               (allow_windows_1252 ? "; it is not Windows-1252 text either"
                                   : "; Windows-1252/Latin-1 files show this");
      }
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') any_content = true;
      if (scan.longest_line_bytes() > kMaxLineBytes)
        return "input '" + path + "' has a line longer than 10 MB (line " +
               std::to_string(scan.longest_line()) + "): not a table this command can read";
    }
  }
  if (!scan.complete()) {
    if (allow_windows_1252 && is_csv(ext) && plausible_windows_1252(p)) return {};
    return "input '" + path + "' is not UTF-8: it ends inside a character";
  }
  if (!any_content) return "input '" + path + "' is empty (only blanks)";
  return {};
}

std::string output_driver(const std::string& input, const std::string& output) {
  if (output.empty()) throw command_error("no output file given (-o FILE.csv, .geojson or .gpkg)");
  const fs::path out_path(output);
  const std::string ext = util::ascii_lower(out_path.extension().string());
  const std::string driver = ext == ".csv"                           ? "CSV"
                             : (ext == ".geojson" || ext == ".json") ? "GeoJSON"
                             : ext == ".gpkg"                        ? "GPKG"
                                                                     : "";
  if (driver.empty())
    throw command_error("output '" + output + "': give it the extension .csv, .geojson or .gpkg");
  std::error_code ec;
  if (fs::exists(out_path, ec) && fs::equivalent(out_path, fs::path(input), ec))
    throw command_error("the output must not be the input file");
  return driver;
}

InputLayer open_input(const std::string& path, const std::string& layer,
                      const GdalMessages& messages) {
  const bool csv = is_csv(util::ascii_lower(fs::path(path).extension().string()));
  CPLStringList open_options;
  if (csv) {
    open_options.AddString("AUTODETECT_TYPE=NO");  // every column a string, kept as typed
    open_options.AddString("EMPTY_STRING_AS_NULL=NO");
    open_options.AddString("HEADERS=YES");
  }
  InputLayer in;
  in.dataset.reset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                                     csv ? open_options.List() : nullptr));
  if (!in.dataset)
    throw command_error(
        "cannot read '" + path + "' as CSV, GeoJSON or GeoPackage" +
        (messages.last_error().empty() ? std::string() : ": " + messages.last_error()));
  GDALDataset& ds = *in.dataset;
  if (!layer.empty()) {
    in.layer = ds.GetLayerByName(layer.c_str());
    if (!in.layer) throw command_error("'" + path + "' has no layer '" + layer + "'");
  } else if (ds.GetLayerCount() == 1) {
    in.layer = ds.GetLayer(0);
  } else {
    std::string names;
    for (int i = 0; i < ds.GetLayerCount(); ++i)
      names += (i ? ", " : "") + std::string(ds.GetLayer(i)->GetName());
    throw command_error("'" + path + "' has " + std::to_string(ds.GetLayerCount()) +
                        " layers; choose one with --layer (" + (names.empty() ? "none" : names) +
                        ")");
  }
  return in;
}

std::string field_names(OGRFeatureDefn* defn) {
  std::string s;
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    if (i) s += ", ";
    s += defn->GetFieldDefn(i)->GetNameRef();
  }
  return s.empty() ? "(none)" : s;
}

int find_field(OGRFeatureDefn* defn, const std::string& name) {
  const std::string want = util::ascii_lower(util::trim(name));
  for (int i = 0; i < defn->GetFieldCount(); ++i)
    if (util::ascii_lower(util::trim(defn->GetFieldDefn(i)->GetNameRef())) == want) return i;
  return -1;
}

OGRSpatialReference gis_srs(int epsg) {
  OGRSpatialReference srs;
  srs.importFromEPSG(epsg);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

OGRPoint point_of(const OGRGeometry& g) {
  OGRPoint pt;
  if (g.IsEmpty()) return pt;
  if (wkbFlatten(g.getGeometryType()) == wkbPoint) {
    pt = *g.toPoint();
  } else if (g.Centroid(&pt) != OGRERR_NONE) {
    pt.empty();
  }
  return pt;
}

GDALDatasetUniquePtr create_output(const std::string& output, const std::string& driver_name,
                                   const GdalMessages& messages) {
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name.c_str());
  if (!driver) throw command_error("GDAL has no " + driver_name + " driver");
  const fs::path out_path(output);
  std::error_code ec;
  if (fs::exists(out_path, ec)) {
    if (!fs::is_regular_file(out_path, ec))
      throw command_error("output '" + output + "' is not a file");
    fs::remove(out_path, ec);
    if (ec) throw command_error("cannot replace output '" + output + "': " + ec.message());
  }
  GDALDatasetUniquePtr ds(driver->Create(output.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!ds)
    throw command_error(
        "cannot create output '" + output + "'" +
        (messages.last_error().empty() ? std::string() : ": " + messages.last_error()));
  return ds;
}

OGRLayer* create_output_layer(GDALDataset& dataset, const std::string& output,
                              const std::string& driver_name, OGRFeatureDefn* in_defn,
                              OGRwkbGeometryType geometry_type, const std::string& prefix,
                              const std::string& default_name, const GdalMessages& messages) {
  CPLStringList options;
  const bool with_geometry = driver_name != "CSV";
  if (driver_name == "CSV")
    options.AddString("STRING_QUOTING=IF_NEEDED");  // "12" stays 12, as in the input
  if (driver_name == "GeoJSON") {
    options.AddString("RFC7946=YES");
    options.AddString("SIGNIFICANT_FIGURES=10");  // numbers as written, not 17 digits
  }
  if (driver_name == "GPKG") {
    options.AddString((find_field(in_defn, "geom") >= 0 ? "GEOMETRY_NAME=" + prefix + "_geom"
                                                        : "GEOMETRY_NAME=geom")
                          .c_str());
    options.AddString(
        (find_field(in_defn, "fid") >= 0 ? "FID=" + prefix + "_fid" : "FID=fid").c_str());
  }
  const std::string stem = fs::path(output).stem().string();
  const std::string name = stem.empty() ? default_name : stem;
  OGRSpatialReference wgs84 = gis_srs(4326);
  OGRLayer* layer = dataset.CreateLayer(name.c_str(), with_geometry ? &wgs84 : nullptr,
                                        with_geometry ? geometry_type : wkbNone, options.List());
  if (!layer)
    throw command_error("cannot create a layer in '" + output + "': " + messages.last_error());
  for (int i = 0; i < in_defn->GetFieldCount(); ++i) {
    OGRFieldDefn copy(in_defn->GetFieldDefn(i));
    if (layer->CreateField(&copy) != OGRERR_NONE)
      throw command_error(std::string("cannot create the column '") + copy.GetNameRef() +
                          "' in the output: " + CPLGetLastErrorMsg());
  }
  return layer;
}

void finish_output(GDALDatasetUniquePtr& dataset, bool transaction, std::size_t rows,
                   const std::string& input, const std::string& output,
                   const GdalMessages& messages) {
  if (!messages.errors().empty())
    throw command_error("reading '" + input + "' stopped after row " + std::to_string(rows) + ": " +
                        messages.errors().front());
  if (rows == 0) throw command_error("input '" + input + "' has no rows");
  if (transaction && dataset->CommitTransaction() != OGRERR_NONE)
    throw command_error("cannot write '" + output + "': " + messages.last_error());
  dataset.reset();  // flush and close
  if (!messages.errors().empty())
    throw command_error("cannot write '" + output + "': " + messages.errors().front());
}

}  // namespace gebieden::app
