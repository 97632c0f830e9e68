#pragma once
// What the batch commands (`gebieden geocode`, `gebieden reassign`) share: GDAL's messages
// captured per scope, the cheap checks of an input file, columns by name, and the input and
// output datasets (CSV, GeoJSON or GeoPackage through GDAL). Errors the user can fix are
// command_error (exit code 1, message as is).

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace gebieden::app {

/// A problem with the input or output the user can fix: exit code 1, message as is.
class command_error : public gebieden::exception {
 public:
  using exception::exception;
};

/// Collects GDAL's messages instead of letting them go to stderr, for the life of the scope.
class GdalMessages {
 public:
  GdalMessages() { CPLPushErrorHandlerEx(&GdalMessages::handler, this); }
  ~GdalMessages() { CPLPopErrorHandler(); }
  GdalMessages(const GdalMessages&) = delete;
  GdalMessages& operator=(const GdalMessages&) = delete;

  const std::vector<std::string>& errors() const { return m_errors; }
  std::string last_error() const { return m_errors.empty() ? std::string() : m_errors.back(); }
  void clear() { m_errors.clear(); }

 private:
  static void CPL_STDCALL handler(CPLErr level, CPLErrorNum number, const char* message);
  std::vector<std::string> m_errors;
};

/// `v` with `precision` decimals ("%.*f").
std::string format_fixed(double v, int precision);

/// Why this input cannot be read (missing, empty, not UTF-8, a NUL byte, a line over 10 MB), or
/// "" when it looks fine. The encoding is checked for text formats (.csv, .tsv, .geojson,
/// .json) only; a folder is left to GDAL. Cheap: run before loading any data.
/// `allow_windows_1252`: a CSV or TSV that is not UTF-8 but plausible Windows-1252 (what Excel
/// writes by default) is fine; the caller decodes it.
std::string check_input_file(const std::string& path, bool allow_windows_1252 = false);

/// The GDAL driver for the output, by its extension: "CSV", "GeoJSON" (.geojson, .json) or
/// "GPKG". Throws command_error when there is no output, another extension, or the output is
/// the input file.
std::string output_driver(const std::string& input, const std::string& output);

/// An opened input and its layer.
struct InputLayer {
  GDALDatasetUniquePtr dataset;
  OGRLayer* layer = nullptr;
};

/// Open the input read-only (CSV and TSV: every column a string, as typed, with a header) and
/// pick `layer`, or the only layer. Throws command_error.
InputLayer open_input(const std::string& path, const std::string& layer,
                      const GdalMessages& messages);

/// "a, b, c": the layer's column names, "(none)" when it has none.
std::string field_names(OGRFeatureDefn* defn);
/// The column called `name`, case-insensitive and trimmed ("BuurtCode " finds buurtcode), or -1.
int find_field(OGRFeatureDefn* defn, const std::string& name);

/// EPSG `epsg` in traditional GIS order (x = longitude / easting).
OGRSpatialReference gis_srs(int epsg);

/// The point of a geometry: itself for a point, else its centroid; empty when there is none.
OGRPoint point_of(const OGRGeometry& g);

/// Replace `output` (when it is a file) and create a dataset with `driver_name` there. Throws
/// command_error.
GDALDatasetUniquePtr create_output(const std::string& output, const std::string& driver_name,
                                   const GdalMessages& messages);

/// Create the output layer, named after the output file (else `default_name`), with every
/// column of the input in order: CSV without geometry (quoted only where needed), GeoJSON as
/// RFC 7946 in WGS84 with 10 significant figures, GeoPackage in WGS84 with the geometry and FID
/// columns renamed `<prefix>_geom` / `<prefix>_fid` when the input has a geom or fid column.
/// Throws command_error.
OGRLayer* create_output_layer(GDALDataset& dataset, const std::string& output,
                              const std::string& driver_name, OGRFeatureDefn* in_defn,
                              OGRwkbGeometryType geometry_type, const std::string& prefix,
                              const std::string& default_name, const GdalMessages& messages);

/// After the last row: fail on read errors and on an input without rows, commit, close and
/// flush the output (`dataset` is reset). Throws command_error.
void finish_output(GDALDatasetUniquePtr& dataset, bool transaction, std::size_t rows,
                   const std::string& input, const std::string& output,
                   const GdalMessages& messages);

}  // namespace gebieden::app
