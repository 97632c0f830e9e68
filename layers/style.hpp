#pragma once
// Map styles from one definition (styles/style.json): a palette, symbols and labels per layer,
// encoded three ways so that a layer looks the same wherever it is shown: a MapLibre style
// (the service's pages, any MapLibre or Mapbox GL client), the Esri drawingInfo of the
// FeatureServer (ArcGIS), and SLD 1.0 (QGIS, GeoServer). No HTTP here: the server serves them.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gebieden::layers::style {

struct Color {
  std::uint8_t r = 0, g = 0, b = 0;
  /// "#RRGGBB" (upper case).
  std::string hex() const;
  /// "#RRGGBB" or "#RGB"; nullopt when it is neither.
  static std::optional<Color> parse(std::string_view text);
};

/// The shapes every encoding can draw (MapLibre's circle layers draw them all as circles).
enum class Shape { Circle, Square, Triangle, Cross, X };
std::string_view shape_name(Shape s);

struct Stroke {
  Color color;
  double width = 1;          // pixels
  std::vector<double> dash;  // dash pattern in line widths; empty: solid
};

struct Label {
  std::string field;
  double size = 10;  // pixels
  Color color{51, 51, 51};
  Color halo{255, 255, 255};
  int minzoom = 0;  // shown from this web-map zoom level on (0: always)
};

/// One class of a layer: the features whose `field` equals `value`.
struct Class {
  std::string value;
  std::string label;
  Color color;
  Shape shape = Shape::Circle;  // points only
};

struct LayerStyle {
  enum class Kind { Polygon, Point };
  std::string collection;  // a collection id, or "*": every point collection without its own
  std::string title;
  Kind kind = Kind::Polygon;
  std::optional<Color> fill;  // polygons: one fill for all; none and no classes: outline only
  double fill_opacity = 1;
  std::optional<Stroke> outline;
  std::string field;           // classes by this field ("" = one symbol for all)
  std::vector<Class> classes;  // the colours (and shapes) per value
  Class other;                 // every other value (its `value` is unused)
  double size = 8;             // points: diameter in pixels
  std::optional<Label> label;
};

struct StyleSheet {
  std::string id;
  std::string title;
  std::string description;
  std::vector<LayerStyle> layers;

  /// Parse the definition; throws config_error("assets.styles", ...) naming `source` and the
  /// member that is wrong.
  static StyleSheet parse(const nlohmann::json& j, const std::string& source);
  /// The style of a collection: its own entry, else for points the "*" entry; else null.
  const LayerStyle* for_collection(std::string_view id, bool point) const;
};

/// A collection the MapLibre style draws: its id, its title, whether it holds points, and the URL
/// of its GeoJSON (all features).
struct MapSource {
  std::string id;
  std::string title;
  bool point = false;
  std::string data_url;
};

/// The MapLibre style (version 8) of `sources` in the order of the style sheet's layers (fills,
/// then lines, then points, then labels on top), with `glyphs_url` for the labels.
nlohmann::ordered_json maplibre_style(const StyleSheet& sheet,
                                      const std::vector<MapSource>& sources,
                                      const std::string& glyphs_url);

/// The Esri drawingInfo (renderer, transparency, labelingInfo) of one layer.
nlohmann::ordered_json esri_drawing_info(const LayerStyle& layer);

/// SLD 1.0 (StyledLayerDescriptor with one NamedLayer called `layer_name`) of one layer.
std::string sld(const LayerStyle& layer, const std::string& layer_name);

/// The map scale of a web-map zoom level at 96 dpi (for minScale and MaxScaleDenominator).
double scale_of_zoom(int zoom);

}  // namespace gebieden::layers::style
