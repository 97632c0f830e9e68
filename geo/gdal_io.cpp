#include "geo/gdal_io.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::geo {

void gdal_init() {
  GDALAllRegister();
  CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "0");
}

GdalErrors::GdalErrors(bool warnings) : m_warnings(warnings) {
  CPLPushErrorHandlerEx(
      [](CPLErr cls, CPLErrorNum code, const char* message) {
        handler(static_cast<int>(cls), static_cast<int>(code), message);
      },
      this);
}

GdalErrors::~GdalErrors() {
  CPLPopErrorHandler();
}

void GdalErrors::handler(int cls, int /*code*/, const char* message) {
  auto* self = static_cast<GdalErrors*>(CPLGetErrorHandlerUserData());
  if (!self || !message) return;
  if (cls < static_cast<int>(CE_Failure) && !(self->m_warnings && cls == CE_Warning)) return;
  std::string m = message;
  for (char& c : m)
    if (c == '\n' || c == '\r') c = ' ';
  if (self->m_messages.size() < 8 &&
      std::find(self->m_messages.begin(), self->m_messages.end(), m) == self->m_messages.end())
    self->m_messages.push_back(std::move(m));
}

std::string GdalErrors::text(const std::string& fallback) const {
  std::string out;
  for (const auto& m : m_messages) out += (out.empty() ? "" : "; ") + m;
  if (out.size() > 300) out = out.substr(0, 297) + "...";
  return out.empty() ? fallback : out;
}

std::string join_tried(const std::vector<std::string>& tried) {
  std::string out;
  for (const auto& t : tried) out += (out.empty() ? "" : "; ") + t;
  return out;
}

namespace {
/// Open a vector dataset and pick the configured layer (or the only one). Errors name the
/// path and carry GDAL's reason.
GDALDatasetUniquePtr open_layer(const std::string& path, const SourceConfig& source,
                                OGRLayer*& layer) {
  GdalErrors errors;
  // GDAL_OF_VERBOSE_ERROR: GDAL says why no driver took it ("not recognized as ...").
  GDALDatasetUniquePtr ds(
      GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR));
  if (!ds) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec) && !std::filesystem::is_directory(path, ec)) {
      // Readable at all? A file we may not read is not a "corrupt" one.
      if (FILE* f = std::fopen(path.c_str(), "rb")) {
        std::fclose(f);
      } else {
        throw gdal_error(path + ": cannot be read (" + std::strerror(errno) + ")");
      }
      throw gdal_error(path + ": not a GDAL dataset (" +
                       errors.text("no GDAL driver recognises it") + ")");
    }
    throw gdal_error(path + ": cannot be opened (" + errors.text("no GDAL driver opens it") + ")");
  }
  layer = nullptr;
  if (!source.layer.empty()) layer = ds->GetLayerByName(source.layer.c_str());
  if (!layer) {
    if (ds->GetLayerCount() == 1) {
      layer = ds->GetLayer(0);
    } else {
      throw gdal_error(path + ": has no layer '" + source.layer + "' (" +
                       std::to_string(ds->GetLayerCount()) + " layers)");
    }
  }
  return ds;
}

/// Remove polygon rings with fewer than 4 points (quantised sources collapse small rings to
/// 2-point "rings" that no WKB reader accepts); returns how many were removed.
int drop_short_rings(OGRGeometry* g) {
  int removed = 0;
  const auto type = wkbFlatten(g->getGeometryType());
  if (type == wkbPolygon) {
    auto* poly = g->toPolygon();
    for (int i = poly->getNumInteriorRings() - 1; i >= 0; --i) {
      if (poly->getInteriorRing(i)->getNumPoints() < 4) {
        poly->removeRing(i + 1, true);
        ++removed;
      }
    }
    if (poly->getExteriorRing() && poly->getExteriorRing()->getNumPoints() < 4) {
      poly->empty();
      ++removed;
    }
  } else if (type == wkbMultiPolygon || type == wkbGeometryCollection) {
    auto* coll = g->toGeometryCollection();
    for (int i = coll->getNumGeometries() - 1; i >= 0; --i) {
      removed += drop_short_rings(coll->getGeometryRef(i));
      if (coll->getGeometryRef(i)->IsEmpty()) coll->removeGeometry(i, true);
    }
  }
  return removed;
}
}  // namespace

void CTDeleter::operator()(OGRCoordinateTransformation* ct) const {
  OGRCoordinateTransformation::DestroyCT(ct);
}

SourceData read_path(const std::string& path, const SourceConfig& source, int target_epsg) {
  OGRLayer* layer = nullptr;
  GdalErrors errors;  // a feature GDAL cannot read ends the layer early: said, not hidden
  GDALDatasetUniquePtr ds = open_layer(path, source, layer);
  SourceData out;
  out.source = path;
  out.layer = layer->GetName();

  // Map our fields to source field indices.
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  std::map<std::string, int> index;
  for (const auto& [ours, candidates] : source.fields) {
    int found = -1;
    for (const auto& cand : candidates) {
      for (int i = 0; i < defn->GetFieldCount() && found < 0; ++i) {
        if (util::ascii_iequals(defn->GetFieldDefn(i)->GetNameRef(), cand)) found = i;
      }
      if (found >= 0) break;
    }
    if (found >= 0) {
      index[ours] = found;
    } else {
      out.unmapped.push_back(ours);
    }
  }

  // Reprojection to the target CRS, in traditional GIS axis order on both sides.
  OGRSpatialReference target;
  target.importFromEPSG(target_epsg);
  target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  CTPtr ct;
  const OGRSpatialReference* layer_srs = layer->GetSpatialRef();
  OGRSpatialReference src;
  if (layer_srs) {
    src = *layer_srs;
  } else {
    src.importFromEPSG(4326);  // RFC 7946 GeoJSON and most sources without a CRS are lon/lat
  }
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (!src.IsSame(&target)) {
    ct.reset(OGRCreateCoordinateTransformation(&src, &target));
    if (!ct)
      throw gdal_error("no transformation from the CRS of '" + path +
                       "' to EPSG:" + std::to_string(target_epsg));
  }

  layer->ResetReading();
  for (OGRFeatureUniquePtr f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
    SourceRecord rec;
    rec.fid = f->GetFID();
    for (const auto& [ours, i] : index) {
      rec.fields[ours] = f->IsFieldSetAndNotNull(i) ? f->GetFieldAsString(i) : "";
    }
    if (OGRGeometry* g = f->GetGeometryRef()) {
      std::unique_ptr<OGRGeometry> copy(g->clone());
      if (ct && copy->transform(ct.get()) != OGRERR_NONE)
        throw gdal_error("cannot reproject feature " + std::to_string(rec.fid) + " of '" + path +
                         "'");
      copy->flattenTo2D();
      out.dropped_rings += drop_short_rings(copy.get());
      if (copy->IsEmpty()) {
        out.records.push_back(std::move(rec));
        continue;
      }
      rec.wkb.resize(copy->WkbSize());
      copy->exportToWkb(wkbNDR, rec.wkb.data(), wkbVariantIso);
    }
    out.records.push_back(std::move(rec));
  }
  if (!errors.empty())
    throw gdal_error(path + ": cannot be read to the end (" + errors.text() + ")");
  return out;
}

Table read_layer(OGRLayer& layer_ref, const std::string& source_name, int target_epsg) {
  OGRLayer* layer = &layer_ref;
  const std::string& path = source_name;
  Table t;
  t.source = source_name;
  t.layer = layer->GetName();
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    const OGRFieldDefn* fd = defn->GetFieldDefn(i);
    TableField f;
    f.name = fd->GetNameRef();
    switch (fd->GetType()) {
      case OFTInteger:
      case OFTInteger64:
        f.type =
            fd->GetSubType() == OFSTBoolean ? TableField::Type::Boolean : TableField::Type::Integer;
        break;
      case OFTReal:
        f.type = TableField::Type::Real;
        break;
      case OFTDate:
        f.type = TableField::Type::Date;
        break;
      case OFTDateTime:
        f.type = TableField::Type::DateTime;
        break;
      default:
        f.type = TableField::Type::String;
        break;
    }
    t.fields.push_back(std::move(f));
  }
  OGRSpatialReference target;
  target.importFromEPSG(target_epsg);
  target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  CTPtr ct;
  if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
    OGRSpatialReference src = *srs;
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (!src.IsSame(&target)) {
      ct.reset(OGRCreateCoordinateTransformation(&src, &target));
      if (!ct) throw gdal_error("no transformation from the CRS of '" + path + "'");
    }
  }
  layer->ResetReading();
  for (OGRFeatureUniquePtr f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
    TableRow row;
    row.fid = f->GetFID();
    row.values.resize(t.fields.size());
    for (int i = 0; i < static_cast<int>(t.fields.size()); ++i) {
      if (!f->IsFieldSetAndNotNull(i)) continue;
      if (t.fields[i].type == TableField::Type::Date ||
          t.fields[i].type == TableField::Type::DateTime) {
        int y, m, d, hh, mm, tz;
        float ss;
        f->GetFieldAsDateTime(i, &y, &m, &d, &hh, &mm, &ss, &tz);
        char buf[40];
        if (t.fields[i].type == TableField::Type::Date) {
          std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
        } else {
          std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mm,
                        static_cast<int>(ss));
        }
        row.values[i] = buf;
      } else {
        row.values[i] = f->GetFieldAsString(i);
      }
    }
    if (OGRGeometry* g = f->GetGeometryRef()) {
      std::unique_ptr<OGRGeometry> copy(g->clone());
      if (!ct || copy->transform(ct.get()) == OGRERR_NONE) {
        copy->flattenTo2D();
        row.wkb.resize(copy->WkbSize());
        copy->exportToWkb(wkbNDR, row.wkb.data(), wkbVariantIso);
      }
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace {
bool is_remote(const std::string& path) {
  return path.find("://") != std::string::npos || path.rfind("OAPIF:", 0) == 0 ||
         path.rfind("PG:", 0) == 0 || path.rfind("WFS:", 0) == 0 || path.rfind("/vsi", 0) == 0;
}

Table read_table_path(const std::string& path, const SourceConfig& source, int target_epsg) {
  OGRLayer* layer = nullptr;
  GDALDatasetUniquePtr ds = open_layer(path, source, layer);
  return read_layer(*layer, path, target_epsg);
}

/// `read(path)` of the first source that opens, in order; nullopt when none does. `tried` gets
/// one line per source skipped, with why.
template <typename Read>
auto read_first(const Config& config, const SourceConfig& source, std::vector<std::string>& tried,
                Read read) -> std::optional<decltype(read(std::string()))> {
  for (const auto& s : source.sources) {
    const std::string path = config.resolve(s);
    if (!is_remote(path) && !std::filesystem::exists(path)) {
      tried.push_back(path + ": not found");
      continue;
    }
    try {
      return read(path);
    } catch (const gdal_error& e) {
      // The message names the path already. A local file that exists but cannot be read is
      // fatal: skipping it would serve the fallback and hide the broken file.
      if (!is_remote(path)) throw;
      tried.push_back(e.what());
    }
  }
  return std::nullopt;
}
}  // namespace

std::optional<Table> read_table(const Config& config, const SourceConfig& source, int target_epsg,
                                std::vector<std::string>& tried) {
  return read_first(config, source, tried, [&](const std::string& path) {
    return read_table_path(path, source, target_epsg);
  });
}

std::optional<SourceData> read_source(const Config& config, const SourceConfig& source,
                                      int target_epsg, std::vector<std::string>& tried) {
  return read_first(config, source, tried,
                    [&](const std::string& path) { return read_path(path, source, target_epsg); });
}

}  // namespace gebieden::geo
