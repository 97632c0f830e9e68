#include "layers/geojson.hpp"

#include "layers/json_format.hpp"

namespace gebieden::layers {

geo::Geometry geometry_in(const Feature& f, geo::Crs crs) {
  switch (crs) {
    case geo::Crs::CRS84:
      return f.wgs84;
    case geo::Crs::EPSG4326: {
      geo::Geometry g = f.wgs84;
      geo::for_each_xy(g, [](geo::XY& p) { std::swap(p.x, p.y); });
      return g;
    }
    case geo::Crs::EPSG3857: {
      geo::Geometry g = f.wgs84;
      geo::for_each_xy(g, [](geo::XY& p) { p = geo::lonlat_to_webmercator(p); });
      return g;
    }
    case geo::Crs::EPSG28992: {
      geo::Geometry g = f.rd;
      geo::orient_rings(g, true);
      return g;
    }
  }
  return f.wgs84;
}

int decimals_for(geo::Crs crs) {
  switch (crs) {
    case geo::Crs::CRS84:
    case geo::Crs::EPSG4326:
      return 9;
    case geo::Crs::EPSG3857:
    case geo::Crs::EPSG28992:
      return 3;
  }
  return 8;
}

namespace {
void append_xy(std::string& out, geo::XY p, int d) {
  out.push_back('[');
  append_number(out, p.x, d);
  out.push_back(',');
  append_number(out, p.y, d);
  out.push_back(']');
}
void append_path(std::string& out, const geo::Path& path, int d) {
  out.push_back('[');
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i) out.push_back(',');
    append_xy(out, path[i], d);
  }
  out.push_back(']');
}
void append_paths(std::string& out, const std::vector<geo::Path>& paths, int d) {
  out.push_back('[');
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (i) out.push_back(',');
    append_path(out, paths[i], d);
  }
  out.push_back(']');
}
}  // namespace

void append_geometry(std::string& out, const geo::Geometry& g, int d) {
  using T = geo::GeometryType;
  if (g.empty()) {
    out += "null";
    return;
  }
  switch (g.type) {
    case T::Point:
      out += R"({"type":"Point","coordinates":)";
      append_xy(out, g.parts[0][0][0], d);
      break;
    case T::MultiPoint:
      out += R"({"type":"MultiPoint","coordinates":)";
      append_path(out, g.parts[0][0], d);
      break;
    case T::LineString:
      out += R"({"type":"LineString","coordinates":)";
      append_path(out, g.parts[0][0], d);
      break;
    case T::MultiLineString:
      out += R"({"type":"MultiLineString","coordinates":)";
      append_paths(out, g.parts[0], d);
      break;
    case T::Polygon:
      out += R"({"type":"Polygon","coordinates":)";
      append_paths(out, g.parts[0], d);
      break;
    case T::MultiPolygon:
      out += R"({"type":"MultiPolygon","coordinates":[)";
      for (std::size_t i = 0; i < g.parts.size(); ++i) {
        if (i) out.push_back(',');
        append_paths(out, g.parts[i], d);
      }
      out.push_back(']');
      break;
    case T::None:
      out += "null";
      return;
  }
  out.push_back('}');
}

void append_value(std::string& out, const Value& v) {
  switch (v.index()) {
    case 0:
      out += "null";
      break;
    case 1:
      out += std::get<bool>(v) ? "true" : "false";
      break;
    case 2:
      out += std::to_string(std::get<std::int64_t>(v));
      break;
    case 3:
      append_number(out, std::get<double>(v), 10);
      break;
    case 4:
      append_json_string(out, std::get<std::string>(v));
      break;
  }
}

void append_feature(std::string& out, const Collection& c, const Feature& f, geo::Crs crs,
                    const std::vector<int>& fields, const std::string& extra) {
  out += R"({"type":"Feature","id":)";
  append_json_string(out, f.id);
  out += R"(,"geometry":)";
  if (crs == geo::Crs::CRS84) {
    append_geometry(out, f.wgs84, decimals_for(crs));
  } else {
    append_geometry(out, geometry_in(f, crs), decimals_for(crs));
  }
  out += R"(,"properties":{)";
  bool first = true;
  for (int i : fields) {
    if (i < 0 || static_cast<std::size_t>(i) >= c.fields.size() || c.fields[i].is_private) continue;
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, c.fields[i].name);
    out.push_back(':');
    append_value(out, f.values[i]);
  }
  out.push_back('}');
  out += extra;
  out.push_back('}');
}

std::vector<int> public_fields(const Collection& c) {
  std::vector<int> out;
  for (std::size_t i = 0; i < c.fields.size(); ++i)
    if (!c.fields[i].is_private) out.push_back(static_cast<int>(i));
  return out;
}

}  // namespace gebieden::layers
