#include "layers/style.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "util/error.hpp"
#include "util/markup.hpp"

namespace gebieden::layers::style {

using ojson = nlohmann::ordered_json;
using nlohmann::json;

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Reads one definition: every error names the source file and the member.
class Reader {
 public:
  explicit Reader(std::string source) : m_source(std::move(source)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw config_error("assets.styles", "'" + m_source + "': " + where + ": " + what);
  }

  const json& member(const json& j, const std::string& where, const char* key) const {
    if (!j.contains(key)) fail(where, std::string("'") + key + "' is missing");
    return j.at(key);
  }

  std::string string(const json& j, const std::string& where, const char* key,
                     std::optional<std::string> fallback = std::nullopt) const {
    if (!j.contains(key)) {
      if (fallback) return *fallback;
      fail(where, std::string("'") + key + "' is missing");
    }
    if (!j.at(key).is_string()) fail(where + "." + key, "must be a string");
    return j.at(key).get<std::string>();
  }

  double number(const json& j, const std::string& where, const char* key, double fallback,
                double min, double max) const {
    if (!j.contains(key)) return fallback;
    const json& v = j.at(key);
    if (!v.is_number()) fail(where + "." + key, "must be a number");
    const double d = v.get<double>();
    if (!(d >= min && d <= max))
      fail(where + "." + key, "must be between " + trim(min) + " and " + trim(max));
    return d;
  }

  Color color(const json& j, const std::string& where, const char* key) const {
    const std::string text = string(j, where, key);
    auto c = Color::parse(text);
    if (!c) fail(where + "." + key, "'" + text + "' is not a colour (#RRGGBB)");
    return *c;
  }

  std::optional<Color> optional_color(const json& j, const std::string& where,
                                      const char* key) const {
    if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
    return color(j, where, key);
  }

  Shape shape(const json& j, const std::string& where) const {
    const std::string s = string(j, where, "shape", std::string("circle"));
    for (Shape v : {Shape::Circle, Shape::Square, Shape::Triangle, Shape::Cross, Shape::X})
      if (s == shape_name(v)) return v;
    fail(where + ".shape", "'" + s + "' is not one of circle, square, triangle, cross, x");
  }

  Stroke stroke(const json& j, const std::string& where) const {
    if (!j.is_object()) fail(where, "must be an object");
    Stroke s;
    s.color = color(j, where, "color");
    s.width = number(j, where, "width", 1, 0, 20);
    if (j.contains("dash")) {
      const json& d = j.at("dash");
      if (!d.is_array() || d.size() % 2 != 0) fail(where + ".dash", "must be pairs of numbers");
      for (const auto& v : d) {
        if (!v.is_number() || v.get<double>() <= 0)
          fail(where + ".dash", "must be positive numbers");
        s.dash.push_back(v.get<double>());
      }
    }
    return s;
  }

  Label label(const json& j, const std::string& where) const {
    if (!j.is_object()) fail(where, "must be an object");
    Label l;
    l.field = string(j, where, "field");
    l.size = number(j, where, "size", 10, 4, 48);
    if (j.contains("color")) l.color = color(j, where, "color");
    if (j.contains("halo")) l.halo = color(j, where, "halo");
    l.minzoom = static_cast<int>(number(j, where, "minzoom", 0, 0, 22));
    return l;
  }

  Class klass(const json& j, const std::string& where, bool needs_value) const {
    if (!j.is_object()) fail(where, "must be an object");
    Class c;
    if (needs_value) c.value = string(j, where, "value");
    c.label = string(j, where, "label", c.value);
    c.color = color(j, where, "color");
    c.shape = shape(j, where);
    return c;
  }

 private:
  static std::string trim(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", d);
    return buf;
  }
  std::string m_source;
};

std::array<int, 4> esri_color(const Color& c, double opacity = 1) {
  return {c.r, c.g, c.b, static_cast<int>(std::lround(std::clamp(opacity, 0.0, 1.0) * 255))};
}

std::string_view esri_marker(Shape s) {
  switch (s) {
    case Shape::Circle:
      return "esriSMSCircle";
    case Shape::Square:
      return "esriSMSSquare";
    case Shape::Triangle:
      return "esriSMSTriangle";
    case Shape::Cross:
      return "esriSMSCross";
    case Shape::X:
      return "esriSMSX";
  }
  return "esriSMSCircle";
}

/// Pixels (96 dpi) to points, the unit of Esri symbols.
double pt(double px) {
  return std::round(px * 0.75 * 100) / 100;
}

ojson esri_line(const Stroke& s) {
  return ojson{{"type", "esriSLS"},
               {"style", s.dash.empty() ? "esriSLSSolid" : "esriSLSDash"},
               {"color", esri_color(s.color)},
               {"width", pt(s.width)}};
}

ojson esri_symbol(const LayerStyle& l, const Class& c, bool use_class_color) {
  if (l.kind == LayerStyle::Kind::Point) {
    ojson s{{"type", "esriSMS"},
            {"style", esri_marker(c.shape)},
            {"color", esri_color(c.color)},
            {"size", pt(l.size)},
            {"angle", 0},
            {"xoffset", 0},
            {"yoffset", 0}};
    s["outline"] = l.outline ? esri_line(*l.outline) : ojson(nullptr);
    return s;
  }
  ojson s{{"type", "esriSFS"}};
  const std::optional<Color> fill = use_class_color ? std::optional<Color>(c.color) : l.fill;
  if (fill) {
    s["style"] = "esriSFSSolid";
    s["color"] = esri_color(*fill, l.fill_opacity);
  } else {
    s["style"] = "esriSFSNull";
    s["color"] = nullptr;
  }
  s["outline"] = l.outline ? esri_line(*l.outline) : ojson(nullptr);
  return s;
}

std::string xml_escape(std::string_view s) {
  return util::markup_escape(s);
}

std::string num(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

std::string css(const char* name, const std::string& value) {
  return std::string("<CssParameter name=\"") + name + "\">" + xml_escape(value) +
         "</CssParameter>";
}

std::string sld_stroke(const Stroke& s) {
  std::string out = "<Stroke>" + css("stroke", s.color.hex()) + css("stroke-width", num(s.width));
  if (!s.dash.empty()) {
    std::string d;
    for (double v : s.dash) d += (d.empty() ? "" : " ") + num(v * s.width);
    out += css("stroke-dasharray", d);
  }
  return out + "</Stroke>";
}

std::string sld_symbolizer(const LayerStyle& l, const std::optional<Color>& fill, Shape shape) {
  if (l.kind == LayerStyle::Kind::Point) {
    std::string out = "<PointSymbolizer><Graphic><Mark><WellKnownName>" +
                      std::string(shape_name(shape)) + "</WellKnownName>";
    if (fill) out += "<Fill>" + css("fill", fill->hex()) + "</Fill>";
    if (l.outline) out += sld_stroke(*l.outline);
    return out + "</Mark><Size>" + num(l.size) + "</Size></Graphic></PointSymbolizer>";
  }
  std::string out = "<PolygonSymbolizer>";
  if (fill)
    out +=
        "<Fill>" + css("fill", fill->hex()) + css("fill-opacity", num(l.fill_opacity)) + "</Fill>";
  if (l.outline) out += sld_stroke(*l.outline);
  return out + "</PolygonSymbolizer>";
}

/// The MapLibre expression of a class colour: `match` on the field, the other colour last.
json class_expression(const LayerStyle& l) {
  if (l.classes.empty() || l.field.empty()) return l.other.color.hex();
  json m = json::array({"match", json::array({"to-string", json::array({"get", l.field})})});
  for (const auto& c : l.classes) {
    m.push_back(c.value);
    m.push_back(c.color.hex());
  }
  m.push_back(l.other.color.hex());
  return m;
}

}  // namespace

std::string Color::hex() const {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02X%02X%02X", r, g, b);
  return buf;
}

std::optional<Color> Color::parse(std::string_view t) {
  if (t.empty() || t[0] != '#' || (t.size() != 7 && t.size() != 4)) return std::nullopt;
  int d[6];
  const std::size_t n = t.size() - 1;
  for (std::size_t i = 0; i < n; ++i)
    if ((d[i] = hex_digit(t[i + 1])) < 0) return std::nullopt;
  if (n == 3)
    return Color{static_cast<std::uint8_t>(d[0] * 17), static_cast<std::uint8_t>(d[1] * 17),
                 static_cast<std::uint8_t>(d[2] * 17)};
  return Color{static_cast<std::uint8_t>(d[0] * 16 + d[1]),
               static_cast<std::uint8_t>(d[2] * 16 + d[3]),
               static_cast<std::uint8_t>(d[4] * 16 + d[5])};
}

std::string_view shape_name(Shape s) {
  switch (s) {
    case Shape::Circle:
      return "circle";
    case Shape::Square:
      return "square";
    case Shape::Triangle:
      return "triangle";
    case Shape::Cross:
      return "cross";
    case Shape::X:
      return "x";
  }
  return "circle";
}

double scale_of_zoom(int zoom) {
  return 591657527.591555 / std::pow(2.0, zoom);
}

StyleSheet StyleSheet::parse(const json& j, const std::string& source) {
  const Reader r(source);
  if (!j.is_object()) r.fail("the definition", "must be a JSON object");
  StyleSheet s;
  s.id = r.string(j, "the definition", "id");
  s.title = r.string(j, "the definition", "title", s.id);
  s.description = r.string(j, "the definition", "description", std::string());
  const json& layers = r.member(j, "the definition", "layers");
  if (!layers.is_array() || layers.empty()) r.fail("layers", "must be a non-empty array");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const json& lj = layers[i];
    const std::string where = "layers[" + std::to_string(i) + "]";
    if (!lj.is_object()) r.fail(where, "must be an object");
    LayerStyle l;
    l.collection = r.string(lj, where, "collection");
    for (const auto& prev : s.layers)
      if (prev.collection == l.collection) r.fail(where, "'" + l.collection + "' is styled twice");
    l.title = r.string(lj, where, "title", l.collection);
    const std::string kind = r.string(lj, where, "kind");
    if (kind == "polygon")
      l.kind = LayerStyle::Kind::Polygon;
    else if (kind == "point")
      l.kind = LayerStyle::Kind::Point;
    else
      r.fail(where + ".kind", "'" + kind + "' is not polygon or point");
    if (l.collection == "*" && l.kind != LayerStyle::Kind::Point)
      r.fail(where, "the '*' entry styles point collections: its kind must be point");
    l.fill = r.optional_color(lj, where, "fill");
    l.fill_opacity = r.number(lj, where, "fill_opacity", 1, 0, 1);
    if (lj.contains("outline") && !lj.at("outline").is_null())
      l.outline = r.stroke(lj.at("outline"), where + ".outline");
    l.size = r.number(lj, where, "size", 8, 1, 64);
    l.field = r.string(lj, where, "field", std::string());
    if (lj.contains("classes")) {
      const json& cs = lj.at("classes");
      if (!cs.is_array()) r.fail(where + ".classes", "must be an array");
      if (l.field.empty() && !cs.empty()) r.fail(where, "classes need a 'field'");
      for (std::size_t k = 0; k < cs.size(); ++k) {
        Class c = r.klass(cs[k], where + ".classes[" + std::to_string(k) + "]", true);
        for (const auto& prev : l.classes)
          if (prev.value == c.value)
            r.fail(where + ".classes[" + std::to_string(k) + "]", "'" + c.value + "' twice");
        l.classes.push_back(std::move(c));
      }
    }
    if (lj.contains("other")) {
      l.other = r.klass(lj.at("other"), where + ".other", false);
    } else {
      l.other.label = "Overig";
      l.other.color = l.fill.value_or(Color{153, 153, 153});
    }
    if (l.kind == LayerStyle::Kind::Point && l.classes.empty() && !lj.contains("other"))
      r.fail(where, "a point layer needs classes or an 'other' symbol");
    if (lj.contains("label") && !lj.at("label").is_null())
      l.label = r.label(lj.at("label"), where + ".label");
    s.layers.push_back(std::move(l));
  }
  return s;
}

const LayerStyle* StyleSheet::for_collection(std::string_view id, bool point) const {
  for (const auto& l : layers)
    if (l.collection == id) return &l;
  if (point)
    for (const auto& l : layers)
      if (l.collection == "*") return &l;
  return nullptr;
}

ojson maplibre_style(const StyleSheet& sheet, const std::vector<MapSource>& sources,
                     const std::string& glyphs_url) {
  ojson style;
  style["version"] = 8;
  style["name"] = sheet.title;
  style["metadata"] = {{"gebieden:style", sheet.id}, {"gebieden:description", sheet.description}};
  ojson srcs = ojson::object();
  ojson fills = ojson::array(), lines = ojson::array(), points = ojson::array(),
        labels = ojson::array();
  bool any_label = false;
  // Layers in the order of the definition, each drawn from every source it styles.
  for (const auto& l : sheet.layers) {
    for (const auto& src : sources) {
      if (sheet.for_collection(src.id, src.point) != &l) continue;
      srcs[src.id] = {{"type", "geojson"}, {"data", src.data_url}};
      if (l.kind == LayerStyle::Kind::Polygon) {
        if (l.fill || !l.classes.empty()) {
          const json color = l.classes.empty() ? json(l.fill->hex()) : class_expression(l);
          fills.push_back({{"id", src.id + "-fill"},
                           {"type", "fill"},
                           {"source", src.id},
                           {"metadata", {{"gebieden:title", src.title}}},
                           {"paint", {{"fill-color", color}, {"fill-opacity", l.fill_opacity}}}});
        }
        if (l.outline) {
          ojson paint = {{"line-color", l.outline->color.hex()}, {"line-width", l.outline->width}};
          if (!l.outline->dash.empty()) paint["line-dasharray"] = l.outline->dash;
          lines.push_back({{"id", src.id + "-line"},
                           {"type", "line"},
                           {"source", src.id},
                           {"metadata", {{"gebieden:title", src.title}}},
                           {"layout", {{"line-join", "round"}}},
                           {"paint", paint}});
        }
      } else {
        ojson paint = {{"circle-color", class_expression(l)}, {"circle-radius", l.size / 2}};
        if (l.outline) {
          paint["circle-stroke-color"] = l.outline->color.hex();
          paint["circle-stroke-width"] = l.outline->width;
        }
        points.push_back({{"id", src.id + "-point"},
                          {"type", "circle"},
                          {"source", src.id},
                          {"metadata", {{"gebieden:title", src.title}}},
                          {"paint", paint}});
      }
      if (l.label) {
        any_label = true;
        ojson layout = {
            {"text-field", json::array({"to-string", json::array({"get", l.label->field})})},
            {"text-font", json::array({"Noto Sans Regular"})},
            {"text-size", l.label->size}};
        if (l.kind == LayerStyle::Kind::Point) {
          layout["text-anchor"] = "left";
          layout["text-offset"] = json::array({0.8, 0});
          layout["text-optional"] = true;
        }
        ojson lab = {{"id", src.id + "-label"},
                     {"type", "symbol"},
                     {"source", src.id},
                     {"metadata", {{"gebieden:title", src.title}}}};
        if (l.label->minzoom > 0) lab["minzoom"] = l.label->minzoom;
        lab["layout"] = layout;
        lab["paint"] = {{"text-color", l.label->color.hex()},
                        {"text-halo-color", l.label->halo.hex()},
                        {"text-halo-width", 1.2}};
        labels.push_back(lab);
      }
    }
  }
  style["sources"] = srcs;
  if (any_label) style["glyphs"] = glyphs_url;
  ojson all = ojson::array();
  all.push_back(
      {{"id", "background"}, {"type", "background"}, {"paint", {{"background-color", "#F7F7F4"}}}});
  for (auto* group : {&fills, &lines, &points, &labels})
    for (auto& layer : *group) all.push_back(std::move(layer));
  style["layers"] = all;
  return style;
}

ojson esri_drawing_info(const LayerStyle& l) {
  ojson renderer;
  if (l.classes.empty()) {
    renderer = {{"type", "simple"},
                {"symbol", esri_symbol(l, l.other, l.kind == LayerStyle::Kind::Point)},
                {"label", l.title},
                {"description", ""}};
  } else {
    renderer = {{"type", "uniqueValue"},
                {"field1", l.field},
                {"field2", nullptr},
                {"field3", nullptr},
                {"fieldDelimiter", ", "},
                {"defaultSymbol", esri_symbol(l, l.other, true)},
                {"defaultLabel", l.other.label}};
    ojson infos = ojson::array();
    for (const auto& c : l.classes)
      infos.push_back({{"value", c.value},
                       {"label", c.label},
                       {"description", ""},
                       {"symbol", esri_symbol(l, c, true)}});
    renderer["uniqueValueInfos"] = infos;
  }
  ojson info{{"renderer", renderer}, {"transparency", 0}};
  if (!l.label) {
    info["labelingInfo"] = nullptr;
    return info;
  }
  const Label& lab = *l.label;
  ojson text{{"type", "esriTS"},
             {"color", esri_color(lab.color)},
             {"backgroundColor", nullptr},
             {"borderLineColor", nullptr},
             {"borderLineSize", nullptr},
             {"verticalAlignment", "middle"},
             {"horizontalAlignment", "center"},
             {"rightToLeft", false},
             {"angle", 0},
             {"xoffset", 0},
             {"yoffset", 0},
             {"kerning", true},
             {"haloColor", esri_color(lab.halo)},
             {"haloSize", 1},
             {"font",
              {{"family", "Arial"},
               {"size", pt(lab.size)},
               {"style", "normal"},
               {"weight", "normal"},
               {"decoration", "none"}}}};
  ojson li{{"labelPlacement", l.kind == LayerStyle::Kind::Point
                                  ? "esriServerPointLabelPlacementAboveRight"
                                  : "esriServerPolygonPlacementAlwaysHorizontal"},
           {"labelExpression", "[" + lab.field + "]"},
           {"labelExpressionInfo", {{"expression", "$feature[\"" + lab.field + "\"]"}}},
           {"useCodedValues", true},
           {"symbol", text},
           {"minScale", lab.minzoom > 0 ? std::round(scale_of_zoom(lab.minzoom)) : 0.0},
           {"maxScale", 0}};
  info["labelingInfo"] = ojson::array({li});
  return info;
}

std::string sld(const LayerStyle& l, const std::string& layer_name) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<StyledLayerDescriptor version=\"1.0.0\" xmlns=\"http://www.opengis.net/sld\" "
      "xmlns:ogc=\"http://www.opengis.net/ogc\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://www.opengis.net/sld "
      "http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd\">\n"
      "<NamedLayer><Name>" +
      xml_escape(layer_name) + "</Name><UserStyle><Name>" + xml_escape(layer_name) +
      "</Name><Title>" + xml_escape(l.title) + "</Title><FeatureTypeStyle>\n";
  const bool point = l.kind == LayerStyle::Kind::Point;
  if (l.classes.empty()) {
    const std::optional<Color> fill = point ? std::optional<Color>(l.other.color) : l.fill;
    out += "<Rule><Name>" + xml_escape(l.title) + "</Name>" +
           sld_symbolizer(l, fill, l.other.shape) + "</Rule>\n";
  } else {
    for (const auto& c : l.classes)
      out += "<Rule><Name>" + xml_escape(c.label) + "</Name><Title>" + xml_escape(c.label) +
             "</Title><ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>" + xml_escape(l.field) +
             "</ogc:PropertyName><ogc:Literal>" + xml_escape(c.value) +
             "</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>" +
             sld_symbolizer(l, c.color, c.shape) + "</Rule>\n";
    // The others as an explicit filter (the field empty, or none of the values), not as
    // <ElseFilter/>: QGIS (3.22) reads an ElseFilter as no filter at all, a rule that matches
    // every feature and draws the other colour over all of them.
    std::string any;
    for (const auto& c : l.classes)
      any += "<ogc:PropertyIsEqualTo><ogc:PropertyName>" + xml_escape(l.field) +
             "</ogc:PropertyName><ogc:Literal>" + xml_escape(c.value) +
             "</ogc:Literal></ogc:PropertyIsEqualTo>";
    if (l.classes.size() > 1) any = "<ogc:Or>" + any + "</ogc:Or>";
    out += "<Rule><Name>" + xml_escape(l.other.label) + "</Name><Title>" +
           xml_escape(l.other.label) +
           "</Title><ogc:Filter><ogc:Or><ogc:PropertyIsNull><ogc:PropertyName>" +
           xml_escape(l.field) + "</ogc:PropertyName></ogc:PropertyIsNull><ogc:Not>" + any +
           "</ogc:Not></ogc:Or></ogc:Filter>" + sld_symbolizer(l, l.other.color, l.other.shape) +
           "</Rule>\n";
  }
  if (l.label) {
    const Label& lab = *l.label;
    out += "<Rule><Name>label</Name>";
    if (lab.minzoom > 0)
      out += "<MaxScaleDenominator>" + num(std::round(scale_of_zoom(lab.minzoom))) +
             "</MaxScaleDenominator>";
    out += "<TextSymbolizer><Label><ogc:PropertyName>" + xml_escape(lab.field) +
           "</ogc:PropertyName></Label><Font>" + css("font-family", "Arial") +
           css("font-size", num(lab.size)) + "</Font>";
    out += point ? "<LabelPlacement><PointPlacement><AnchorPoint><AnchorPointX>0</AnchorPointX>"
                   "<AnchorPointY>0.5</AnchorPointY></AnchorPoint><Displacement><DisplacementX>" +
                       num(l.size) +
                       "</DisplacementX><DisplacementY>0</DisplacementY></Displacement>"
                       "</PointPlacement></LabelPlacement>"
                 : std::string();
    out += "<Halo><Radius>1</Radius><Fill>" + css("fill", lab.halo.hex()) + "</Fill></Halo><Fill>" +
           css("fill", lab.color.hex()) + "</Fill></TextSymbolizer></Rule>\n";
  }
  out += "</FeatureTypeStyle></UserStyle></NamedLayer>\n</StyledLayerDescriptor>\n";
  return out;
}

}  // namespace gebieden::layers::style
