#pragma once
// Reading vector sources through GDAL/OGR (any driver: GeoJSON, GeoPackage, Shapefile, CSV,
// OAPIF, PostGIS...), with field names mapped by configuration and geometries reprojected to a
// target EPSG code. RAII throughout (GDALDatasetUniquePtr, OGRFeatureUniquePtr).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "geo/config.hpp"

class OGRCoordinateTransformation;
class OGRLayer;

namespace gebieden::geo {

/// Destroys an OGRCoordinateTransformation (OGRCreateCoordinateTransformation's result).
struct CTDeleter {
  void operator()(OGRCoordinateTransformation* ct) const;
};
using CTPtr = std::unique_ptr<OGRCoordinateTransformation, CTDeleter>;

/// Call once from main (and from test mains) before any GDAL use.
void gdal_init();

/// GDAL's own reasons while it lives: installs an error handler on this thread (GDAL's handler
/// stack is per thread) that collects the messages of CE_Failure and CE_Fatal (warnings too,
/// with `warnings`) instead of printing them, and removes it again. `text()` is what GDAL said,
/// "; "-joined, to go into our message ("buurten: /x.gpkg: not a GDAL dataset (<text>)").
class GdalErrors {
 public:
  explicit GdalErrors(bool warnings = false);
  ~GdalErrors();
  GdalErrors(const GdalErrors&) = delete;
  GdalErrors& operator=(const GdalErrors&) = delete;

  const std::vector<std::string>& messages() const { return m_messages; }
  bool empty() const { return m_messages.empty(); }
  /// The messages joined with "; " (at most ~300 characters); `fallback` when there are none.
  std::string text(const std::string& fallback = {}) const;

 private:
  static void handler(int cls, int code, const char* message);
  bool m_warnings;
  std::vector<std::string> m_messages;
};

/// One line for a list of sources tried ("a: not found; b: not a GDAL dataset (...)").
std::string join_tried(const std::vector<std::string>& tried);

struct SourceRecord {
  std::map<std::string, std::string> fields;  // our field name -> value ("" when absent/null)
  std::vector<unsigned char> wkb;             // geometry in the target CRS (empty: none)
  long long fid = -1;
};

struct SourceData {
  std::string source;  // what was opened
  std::string layer;   // which layer
  std::vector<SourceRecord> records;
  std::vector<std::string> unmapped;  // our fields for which no source field was found
  int dropped_rings = 0;              // rings of fewer than 4 points removed while reading
};

/// A whole table: every field of the layer, in order, with its OGR type.
struct TableField {
  std::string name;
  enum class Type { String, Integer, Real, Date, DateTime, Boolean } type = Type::String;
};
struct TableRow {
  std::vector<std::optional<std::string>> values;  // aligned with Table::fields; nullopt = null
  std::vector<unsigned char> wkb;                  // in the target CRS (empty: none)
  long long fid = -1;
};
struct Table {
  std::string source, layer;
  std::vector<TableField> fields;
  std::vector<TableRow> rows;
};

/// Every field and feature of an open layer (from its current reading position and attribute
/// filter; the caller resets it), geometries reprojected to `target_epsg`. `source_name` names
/// it in the Table and in errors.
Table read_layer(OGRLayer& layer, const std::string& source_name, int target_epsg);

/// Read every field and feature of the first source that opens (CSV columns stay text).
std::optional<Table> read_table(const Config& config, const SourceConfig& source, int target_epsg,
                                std::vector<std::string>& tried);

/// Open the first source that opens (in order) and read every feature. Returns nullopt when
/// none could be opened; `tried` gets one line per source explaining why it was skipped: a
/// local path that does not exist, or a remote source (URL, PG:, /vsi) that fails. A local
/// file that exists but cannot be read is not skipped: a gdal_error "<path>: <why>" (an
/// operator put it there; serving the fallback instead would hide it).
std::optional<SourceData> read_source(const Config& config, const SourceConfig& source,
                                      int target_epsg, std::vector<std::string>& tried);

/// Read one opened path (no fallbacks). Throws gdal_error.
SourceData read_path(const std::string& path, const SourceConfig& source, int target_epsg);

}  // namespace gebieden::geo
