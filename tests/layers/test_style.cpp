// The one style definition (styles/style.json) and its three encodings: the 8 gebieden stay
// apart for colour-blind eyes, the definition's errors name the member, and the MapLibre style,
// the Esri drawingInfo and the SLD say the same colours.

#include <cpl_minixml.h>

#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "layers/style.hpp"
#include "test_paths.hpp"
#include "util/error.hpp"

using namespace gebieden;
namespace st = layers::style;
using nlohmann::json;

namespace {

json read_definition() {
  std::ifstream in(test::source_dir() + "/styles/style.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

st::StyleSheet sheet() {
  return st::StyleSheet::parse(read_definition(), "style.json");
}

// ---- Colour science: sRGB -> linear -> (Machado, Oliveira & Fernandes 2009, severity 1) ->
// sRGB -> CIELAB (D65) -> CIEDE2000.
using Rgb = std::array<double, 3>;

double to_linear(double c) {
  c /= 255;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}
double to_srgb(double c) {
  c = std::clamp(c, 0.0, 1.0);
  return 255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1 / 2.4) - 0.055);
}

enum class Vision { Normal, Protanopia, Deuteranopia };

Rgb simulate(const Rgb& c, Vision v) {
  static constexpr double kProt[3][3] = {{0.152286, 1.052583, -0.204868},
                                         {0.114503, 0.786281, 0.099216},
                                         {-0.003882, -0.048116, 1.051998}};
  static constexpr double kDeut[3][3] = {{0.367322, 0.860646, -0.227968},
                                         {0.280085, 0.672501, 0.047413},
                                         {-0.011820, 0.042940, 0.968881}};
  if (v == Vision::Normal) return c;
  const auto& m = v == Vision::Protanopia ? kProt : kDeut;
  const Rgb l{to_linear(c[0]), to_linear(c[1]), to_linear(c[2])};
  Rgb out{};
  for (int i = 0; i < 3; ++i) out[i] = to_srgb(m[i][0] * l[0] + m[i][1] * l[1] + m[i][2] * l[2]);
  return out;
}

Rgb lab(const Rgb& c) {
  const double r = to_linear(c[0]), g = to_linear(c[1]), b = to_linear(c[2]);
  const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  auto f = [](double t) {
    return t > 216.0 / 24389 ? std::cbrt(t) : (24389.0 / 27 * t + 16) / 116;
  };
  return {116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))};
}

double deg(double r) {
  return r * 180 / M_PI;
}
double rad(double d) {
  return d * M_PI / 180;
}

double ciede2000(const Rgb& p, const Rgb& q) {
  const auto [L1, a1, b1] = p;
  const auto [L2, a2, b2] = q;
  const double C1 = std::hypot(a1, b1), C2 = std::hypot(a2, b2), Cb = (C1 + C2) / 2;
  const double G = 0.5 * (1 - std::sqrt(std::pow(Cb, 7) / (std::pow(Cb, 7) + std::pow(25.0, 7))));
  const double a1p = (1 + G) * a1, a2p = (1 + G) * a2;
  const double C1p = std::hypot(a1p, b1), C2p = std::hypot(a2p, b2);
  auto hue = [](double b, double a) {
    double h = deg(std::atan2(b, a));
    return h < 0 ? h + 360 : h;
  };
  const double h1p = hue(b1, a1p), h2p = hue(b2, a2p);
  const double dLp = L2 - L1, dCp = C2p - C1p;
  double dhp = 0;
  if (C1p * C2p != 0) {
    dhp = h2p - h1p;
    if (dhp > 180) dhp -= 360;
    if (dhp < -180) dhp += 360;
  }
  const double dHp = 2 * std::sqrt(C1p * C2p) * std::sin(rad(dhp / 2));
  const double Lbp = (L1 + L2) / 2, Cbp = (C1p + C2p) / 2;
  double hbp = h1p + h2p;
  if (C1p * C2p != 0) {
    if (std::abs(h1p - h2p) <= 180)
      hbp = (h1p + h2p) / 2;
    else
      hbp = h1p + h2p < 360 ? (h1p + h2p + 360) / 2 : (h1p + h2p - 360) / 2;
  }
  const double T = 1 - 0.17 * std::cos(rad(hbp - 30)) + 0.24 * std::cos(rad(2 * hbp)) +
                   0.32 * std::cos(rad(3 * hbp + 6)) - 0.20 * std::cos(rad(4 * hbp - 63));
  const double dth = 30 * std::exp(-std::pow((hbp - 275) / 25, 2));
  const double RC = 2 * std::sqrt(std::pow(Cbp, 7) / (std::pow(Cbp, 7) + std::pow(25.0, 7)));
  const double SL = 1 + 0.015 * std::pow(Lbp - 50, 2) / std::sqrt(20 + std::pow(Lbp - 50, 2));
  const double SC = 1 + 0.045 * Cbp, SH = 1 + 0.015 * Cbp * T;
  const double RT = -std::sin(rad(2 * dth)) * RC;
  return std::sqrt(std::pow(dLp / SL, 2) + std::pow(dCp / SC, 2) + std::pow(dHp / SH, 2) +
                   RT * (dCp / SC) * (dHp / SH));
}

/// The colour seen on a white map: `c` at `opacity` over white.
Rgb over_white(const st::Color& c, double opacity) {
  auto blend = [&](double v) { return v * opacity + 255 * (1 - opacity); };
  return {blend(c.r), blend(c.g), blend(c.b)};
}

/// The smallest CIEDE2000 distance between two of `colors` as seen with `v`.
double closest_pair(const std::vector<Rgb>& colors, Vision v) {
  double best = 1e9;
  for (std::size_t i = 0; i < colors.size(); ++i)
    for (std::size_t j = i + 1; j < colors.size(); ++j)
      best = std::min(best, ciede2000(lab(simulate(colors[i], v)), lab(simulate(colors[j], v))));
  return best;
}

struct XmlFree {
  void operator()(CPLXMLNode* n) const { CPLDestroyXMLNode(n); }
};

}  // namespace

TEST_CASE("colour science: CIEDE2000 on the published test pairs, and the simulation keeps grey",
          "[style][unit]") {
  // Sharma, Wu & Dalal (2005), pairs 1, 7 and 17 of their table.
  CHECK(ciede2000({50, 2.6772, -79.7751}, {50, 0, -82.7485}) == Approx(2.0425).margin(1e-4));
  CHECK(ciede2000({50, 0, 0}, {50, -1, 2}) == Approx(2.3669).margin(1e-4));
  CHECK(ciede2000({50, 2.5, 0}, {73, 25, -18}) == Approx(27.1492).margin(1e-4));
  // Achromatic colours look the same to everyone (the rows of the matrices sum to 1).
  for (Vision v : {Vision::Protanopia, Vision::Deuteranopia}) {
    const Rgb g = simulate({128, 128, 128}, v);
    CHECK(ciede2000(lab(g), lab({128, 128, 128})) < 0.5);
  }
  // Red and green, which deuteranopes confuse, come close; blue and orange stay apart.
  CHECK(closest_pair({{228, 26, 28}, {77, 175, 74}}, Vision::Normal) > 40);
  CHECK(closest_pair({{228, 26, 28}, {77, 175, 74}}, Vision::Deuteranopia) < 15);
  CHECK(closest_pair({{0, 114, 178}, {230, 159, 0}}, Vision::Deuteranopia) > 40);
}

TEST_CASE("the 8 gebieden stay apart under deuteranopia and protanopia", "[style][unit]") {
  const st::StyleSheet s = sheet();
  const st::LayerStyle* g = s.for_collection("gebieden", false);
  REQUIRE(g != nullptr);
  REQUIRE(g->classes.size() == 8);
  std::vector<Rgb> seen;
  std::set<std::string> values;
  for (const auto& c : g->classes) {
    seen.push_back(over_white(c.color, g->fill_opacity));
    values.insert(c.value);
  }
  CHECK(values == std::set<std::string>{"centrum", "oud-oost", "west", "zuidwest", "oost", "noord",
                                        "zuid", "dorpen"});
  // ΔE2000 of about 2 is just noticeable side by side; 9 is told apart on a map at a glance.
  for (Vision v : {Vision::Normal, Vision::Protanopia, Vision::Deuteranopia}) {
    const double d = closest_pair(seen, v);
    INFO("vision " << static_cast<int>(v) << ": closest pair ΔE2000 " << d);
    CHECK(d >= 9);
  }
  // The palette it replaced (ColorBrewer Set1) fails the same test: the test can fail.
  std::vector<Rgb> set1;
  for (const char* h :
       {"#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999"})
    set1.push_back(over_white(*st::Color::parse(h), g->fill_opacity));
  CHECK(closest_pair(set1, Vision::Deuteranopia) < 9);

  // The symbols of the social base: colour and shape together tell the soorten apart.
  const st::LayerStyle* p = s.for_collection("organisaties", true);
  REQUIRE(p != nullptr);
  REQUIRE(p->kind == st::LayerStyle::Kind::Point);
  for (std::size_t i = 0; i < p->classes.size(); ++i)
    for (std::size_t j = i + 1; j < p->classes.size(); ++j) {
      const auto& a = p->classes[i];
      const auto& b = p->classes[j];
      INFO(a.value << " / " << b.value);
      for (Vision v : {Vision::Normal, Vision::Protanopia, Vision::Deuteranopia}) {
        const double d = ciede2000(lab(simulate(over_white(a.color, 1), v)),
                                   lab(simulate(over_white(b.color, 1), v)));
        CHECK((d >= 9 || a.shape != b.shape));
      }
    }
}

TEST_CASE("style definition: the errors name the member", "[style][unit]") {
  auto failing = [](const json& j) -> std::string {
    try {
      st::StyleSheet::parse(j, "x.json");
    } catch (const config_error& e) {
      return e.what();
    }
    return "";
  };
  json j = read_definition();
  CHECK(failing(j).empty());
  json bad = j;
  bad["layers"][0]["classes"][2]["color"] = "green";
  CHECK(failing(bad).find("layers[0].classes[2].color") != std::string::npos);
  CHECK(failing(bad).find("x.json") != std::string::npos);
  bad = j;
  bad["layers"][0]["fill_opacity"] = 3;
  CHECK(failing(bad).find("layers[0].fill_opacity: must be between 0 and 1") != std::string::npos);
  bad = j;
  bad["layers"][1]["kind"] = "line";
  CHECK(failing(bad).find("layers[1].kind") != std::string::npos);
  bad = j;
  bad["layers"].push_back(j["layers"][0]);
  CHECK(failing(bad).find("styled twice") != std::string::npos);
  bad = j;
  bad["layers"][4]["classes"][0]["shape"] = "star";
  CHECK(failing(bad).find("shape") != std::string::npos);
  CHECK(failing(json::array()).find("must be a JSON object") != std::string::npos);
  CHECK(st::Color::parse("#0a0B0c")->hex() == "#0A0B0C");
  CHECK(st::Color::parse("#abc")->hex() == "#AABBCC");
  CHECK_FALSE(st::Color::parse("#12345"));
  CHECK_FALSE(st::Color::parse("#GGGGGG"));
}

TEST_CASE("one definition, three encodings with the same colours", "[style][unit]") {
  const st::StyleSheet s = sheet();
  const st::LayerStyle& g = *s.for_collection("gebieden", false);

  // Esri: a unique value renderer on `gebied`, the fill at the definition's opacity.
  const auto esri = st::esri_drawing_info(g);
  REQUIRE(esri["renderer"]["type"] == "uniqueValue");
  CHECK(esri["renderer"]["field1"] == "gebied");
  REQUIRE(esri["renderer"]["uniqueValueInfos"].size() == 8);
  const auto& first = esri["renderer"]["uniqueValueInfos"][0];
  CHECK(first["value"] == g.classes[0].value);
  CHECK(first["symbol"]["color"] ==
        json::array({g.classes[0].color.r, g.classes[0].color.g, g.classes[0].color.b,
                     static_cast<int>(std::lround(g.fill_opacity * 255))}));
  CHECK(esri["labelingInfo"][0]["labelExpression"] == "[naam]");
  const auto gemeente = st::esri_drawing_info(*s.for_collection("gemeente", false));
  CHECK(gemeente["renderer"]["symbol"]["style"] == "esriSFSNull");
  CHECK(gemeente["labelingInfo"].is_null());
  const auto buurten = st::esri_drawing_info(*s.for_collection("buurten", false));
  CHECK(buurten["labelingInfo"][0]["minScale"].get<double>() ==
        Approx(st::scale_of_zoom(13)).margin(1));
  const auto points = st::esri_drawing_info(*s.for_collection("initiatieven", true));
  std::set<std::string> markers;
  for (const auto& u : points["renderer"]["uniqueValueInfos"])
    markers.insert(u["symbol"]["style"].get<std::string>());
  CHECK(markers.count("esriSMSTriangle"));
  CHECK(markers.count("esriSMSSquare"));

  // SLD: well-formed XML, a rule per class with its filter and colour, and the label rule.
  const std::string sld = st::sld(g, "gebieden");
  std::unique_ptr<CPLXMLNode, XmlFree> doc(CPLParseXMLString(sld.c_str()));
  REQUIRE(doc);
  const CPLXMLNode* fts =
      CPLGetXMLNode(doc.get(), "=StyledLayerDescriptor.NamedLayer.UserStyle.FeatureTypeStyle");
  REQUIRE(fts != nullptr);
  int rules = 0;
  bool first_rule_checked = false;
  for (const CPLXMLNode* n = fts->psChild; n; n = n->psNext) {
    if (n->eType != CXT_Element || std::string(n->pszValue) != "Rule") continue;
    ++rules;
    if (!first_rule_checked) {
      first_rule_checked = true;
      CHECK(std::string(CPLGetXMLValue(n, "ogc:Filter.ogc:PropertyIsEqualTo.ogc:Literal", "")) ==
            g.classes[0].value);
      CHECK(sld.find(g.classes[0].color.hex()) != std::string::npos);
    }
  }
  CHECK(rules == 8 + 1 + 1);  // the classes, the others (an explicit filter), the labels
  CHECK(sld.find("<ogc:Not><ogc:Or><ogc:PropertyIsEqualTo>") != std::string::npos);
  CHECK(sld.find("<ogc:PropertyName>naam</ogc:PropertyName>") != std::string::npos);
  // Names are escaped.
  st::LayerStyle odd = g;
  odd.title = "a <b> & \"c\"";
  std::unique_ptr<CPLXMLNode, XmlFree> odd_doc(CPLParseXMLString(st::sld(odd, "x&y").c_str()));
  CHECK(odd_doc);

  // MapLibre: sources for what it draws, fills under lines under points under labels, the
  // match expression with the same colours.
  std::vector<st::MapSource> sources = {
      {"gebieden", "Gebieden", false, "http://h/collections/gebieden/items"},
      {"buurten", "Buurten", false, "http://h/collections/buurten/items"},
      {"gemeente", "Gemeente", false, "http://h/collections/gemeente/items"},
      {"organisaties", "Organisaties", true, "http://h/collections/organisaties/items"},
      {"unstyled", "Not in the sheet", false, "http://h/x"}};
  const auto ml = st::maplibre_style(s, sources, "http://h/fonts/{fontstack}/{range}.pbf");
  CHECK(ml["version"] == 8);
  CHECK(ml["sources"].contains("gebieden"));
  CHECK(ml["sources"].contains("organisaties"));
  CHECK(ml["glyphs"] == "http://h/fonts/{fontstack}/{range}.pbf");
  std::vector<std::string> order;
  for (const auto& l : ml["layers"]) order.push_back(l["type"]);
  REQUIRE(order.size() >= 6);
  CHECK(order.front() == "background");
  auto last_of = [&](const std::string& t) {
    return std::find(order.rbegin(), order.rend(), t).base() - order.begin();
  };
  auto first_of = [&](const std::string& t) {
    return std::find(order.begin(), order.end(), t) - order.begin();
  };
  CHECK(last_of("fill") <= first_of("line"));
  CHECK(last_of("line") <= first_of("circle"));
  CHECK(last_of("circle") <= first_of("symbol"));
  const auto& fill = ml["layers"][1];
  CHECK(fill["id"] == "gebieden-fill");
  const json& match = fill["paint"]["fill-color"];
  REQUIRE(match[0] == "match");
  CHECK(match[2] == g.classes[0].value);
  CHECK(match[3] == g.classes[0].color.hex());
  CHECK(fill["paint"]["fill-opacity"] == g.fill_opacity);
  CHECK_FALSE(ml.dump().find("unstyled") != std::string::npos);
}
