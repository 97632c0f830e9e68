#include "geo/gdal_io.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

#include "geo/error.hpp"

namespace gebieden::geo {

void gdal_init() {
  GDALAllRegister();
  CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "0");
}

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct CTDeleter {
  void operator()(OGRCoordinateTransformation* ct) const {
    OGRCoordinateTransformation::DestroyCT(ct);
  }
};
}  // namespace

SourceData read_path(const std::string& path, const SourceConfig& source, int target_epsg) {
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (!ds) throw gdal_error("cannot open '" + path + "': " + CPLGetLastErrorMsg());
  OGRLayer* layer = nullptr;
  if (!source.layer.empty()) layer = ds->GetLayerByName(source.layer.c_str());
  if (!layer) {
    if (ds->GetLayerCount() == 1) {
      layer = ds->GetLayer(0);
    } else {
      throw gdal_error("'" + path + "' has no layer '" + source.layer + "' (" +
                       std::to_string(ds->GetLayerCount()) + " layers)");
    }
  }
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
        if (lower(defn->GetFieldDefn(i)->GetNameRef()) == lower(cand)) found = i;
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
  std::unique_ptr<OGRCoordinateTransformation, CTDeleter> ct;
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
      rec.wkb.resize(copy->WkbSize());
      copy->exportToWkb(wkbNDR, rec.wkb.data(), wkbVariantIso);
    }
    out.records.push_back(std::move(rec));
  }
  return out;
}

std::optional<SourceData> read_source(const Config& config, const SourceConfig& source,
                                      int target_epsg, std::vector<std::string>& tried) {
  for (const auto& s : source.sources) {
    const std::string path = config.resolve(s);
    const bool is_url = path.find("://") != std::string::npos || path.rfind("OAPIF:", 0) == 0 ||
                        path.rfind("PG:", 0) == 0 || path.rfind("WFS:", 0) == 0 ||
                        path.rfind("/vsi", 0) == 0;
    if (!is_url && !std::filesystem::exists(path)) {
      tried.push_back(path + ": not found");
      continue;
    }
    try {
      return read_path(path, source, target_epsg);
    } catch (const gdal_error& e) {
      tried.push_back(path + ": " + e.what());
    }
  }
  return std::nullopt;
}

}  // namespace gebieden::geo
