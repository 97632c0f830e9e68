#include "server/html.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "util/ascii.hpp"
#include "util/markup.hpp"
#include "util/text.hpp"

namespace gebieden::server::html {

std::string escape(std::string_view s) {
  return util::markup_escape(s);
}

std::string script_json(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 16);
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else
      out.push_back(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The page texts: one table, Dutch and English side by side.

namespace {
struct Message {
  std::string_view key, nl, en;
};

constexpr Message kMessages[] = {
    // Page frame and map.
    {"home", "gebieden", "gebieden"},
    {"crumbs", "Kruimelpad", "Breadcrumbs"},
    {"map", "Kaart", "Map"},
    {"map.alt", "Kaart van {1}; dezelfde gegevens staan in de tabel op deze pagina.",
     "Map of {1}; the same data is in the table on this page."},
    {"legend", "Legenda", "Legend"},
    {"legend.gemeente", "Gemeentegrens", "Municipal boundary"},
    {"legend.page", "op deze pagina", "on this page"},
    {"legend.other", "Overig", "Other"},
    {"popup.more", "Alle gegevens van {1}", "All data of {1}"},
    {"links", "Links", "Links"},
    // Landing page.
    {"landing.title", "gebieden: {1}", "gebieden: {1}"},
    {"landing.description",
     "Buurten, wijken, gebieden en de sociale basis van de gemeente {1} als OGC API - Features.",
     "Buurten, wijken, gebieden and the social base of gemeente {1} as OGC API - Features."},
    {"landing.people", "Voor bewoners, gebiedswerkers en beleid",
     "For residents, field workers and policy advisers"},
    {"landing.map", "De kaart: wat is er bij u in de buurt (ook als app)",
     "The map: what is near you (also as an app)"},
    {"landing.overviews", "Overzicht per gebied (om te printen, ook als PDF):",
     "Overview per area (printable, also as PDF):"},
    {"landing.welkom", "Welkomstpakket voor een adres", "Welcome pack for an address"},
    {"landing.address", "Adres (postcode en huisnummer, of straat, nummer en plaats)",
     "Address (postcode and number, or street, number and place)"},
    {"landing.make", "Maak het welkomstpakket", "Make the welcome pack"},
    {"link.self", "Deze pagina", "This page"},
    {"link.json", "Deze pagina als JSON", "This page as JSON"},
    {"link.geojson", "Deze pagina als GeoJSON", "This page as GeoJSON"},
    {"link.schema", "Dit schema als JSON", "This schema as JSON"},
    {"link.openapi", "De API-definitie (OpenAPI 3.0)", "The API definition (OpenAPI 3.0)"},
    {"link.apidoc", "De API-documentatie", "The API documentation"},
    {"link.conformance", "Conformiteitsklassen (JSON)", "Conformance classes (JSON)"},
    {"link.conformance_html", "Conformiteitsklassen", "Conformance classes"},
    {"link.collections", "De collecties (JSON)", "The collections (JSON)"},
    {"link.collections_html", "De collecties", "The collections"},
    {"link.collection", "Collectie {1}", "Collection {1}"},
    {"link.items", "De objecten van {1}", "The features of {1}"},
    {"link.items_geojson", "De objecten van {1} als GeoJSON", "The features of {1} as GeoJSON"},
    {"link.queryables", "Zoekvelden van {1}", "Queryables of {1}"},
    {"link.license", "Licentie: CC BY 4.0", "License: CC BY 4.0"},
    // Conformance.
    {"conformance.title", "Conformiteitsklassen", "Conformance classes"},
    {"conformance.intro", "De delen van de OGC-standaarden die deze dienst uitvoert:",
     "The parts of the OGC standards this service implements:"},
    // Collections.
    {"collections.title", "Collecties", "Collections"},
    {"collections.map", "De gemeente en haar {1} gebieden", "The gemeente and its {1} gebieden"},
    {"collections.note",
     "Ga met de muis over een rij of tab naar een link om het gebied van die collectie op de kaart "
     "te zien.",
     "Hover over a row or tab to a link to see the extent of that collection on the map."},
    {"col.collection", "Collectie", "Collection"},
    {"col.description", "Beschrijving", "Description"},
    {"col.count", "Aantal", "Count"},
    {"col.extent", "Gebied (lengte, breedte)", "Extent (longitude, latitude)"},
    {"col.data", "Gegevens", "Data"},
    {"col.property", "Eigenschap", "Property"},
    {"col.value", "Waarde", "Value"},
    {"col.name", "Naam", "Name"},
    {"col.type", "Type", "Type"},
    {"col.title", "Titel", "Title"},
    {"items", "objecten", "features"},
    {"no_extent", "geen (nog niets geplaatst)", "none (nothing placed yet)"},
    // Collection.
    {"collection.browse", "Bekijk de {1} objecten", "Browse the {1} features"},
    {"collection.details", "Metadata", "Metadata"},
    {"collection.map", "De kaart toont alle {1} objecten van deze collectie.",
     "The map shows all {1} features of this collection."},
    // Items.
    {"items.title", "{1}: objecten", "{1}: features"},
    {"items.none", "Geen objecten voldoen.", "No features match."},
    {"items.match", "{1} objecten voldoen; getoond: {2}–{3}.",
     "{1} features match; showing {2}–{3}."},
    {"items.match_none_shown", "{1} objecten voldoen; op deze pagina staan er geen.",
     "{1} features match; none on this page."},
    {"items.prev", "« vorige", "« previous"},
    {"items.next", "volgende »", "next »"},
    {"items.pager", "Bladeren", "Pages"},
    {"items.table", "De objecten op deze pagina", "The features on this page"},
    {"items.map_all",
     "De kaart toont alle {1} objecten van {2}; de {3} van deze pagina zijn dikker omlijnd en "
     "benoemd, en de kaart begint bij hen.",
     "The map shows all {1} features of {2}; the {3} of this page have a thicker outline and "
     "their names, and the map starts at them."},
    {"items.map_page", "De kaart toont de objecten van deze pagina.",
     "The map shows the features of this page."},
    {"items.unplaced",
     "{1} van de objecten op deze pagina hebben geen plaats en staan niet op de kaart.",
     "{1} of the features on this page have no place and are not on the map."},
    {"items.empty_columns", "Kolommen zonder waarde op deze pagina (weggelaten): {1}.",
     "Columns without a value on this page (left out): {1}."},
    {"col.id", "Id", "Id"},
    // Item.
    {"item.properties", "Eigenschappen", "Properties"},
    {"item.empty", "Zonder waarde: {1}.", "Without a value: {1}."},
    {"item.unplaced.title", "Geen plaats op de kaart", "No place on the map"},
    {"item.unplaced.unmatched",
     "Dit record staat niet op de kaart: het adres is niet gevonden in het adresregister.",
     "This record is not on the map: its address was not found in the address register."},
    {"item.unplaced.outside", "Dit record staat niet op de kaart: het ligt buiten de gemeente.",
     "This record is not on the map: it lies outside the gemeente."},
    {"item.unplaced.other", "Dit record heeft geen geometrie en staat daarom niet op de kaart.",
     "This record has no geometry, so it is not on the map."},
    {"item.unplaced.reason", "Reden: {1}.", "Reason: {1}."},
    {"item.unplaced.address", "Gegeven adres: {1}.", "Address given: {1}."},
    // The geocoder's reasons (geo/geocoder.cpp).
    {"reason.ambiguous", "het adres past bij meer dan één adres",
     "the address fits more than one address"},
    {"reason.invalid coordinates", "de coördinaten zijn ongeldig", "the coordinates are invalid"},
    {"reason.invalid input", "de invoer is ongeldig", "the input is invalid"},
    {"reason.no address", "er is geen adres gegeven", "no address was given"},
    {"reason.no house number", "het huisnummer ontbreekt", "the house number is missing"},
    {"reason.not in the address register", "het adres staat niet in het adresregister",
     "the address is not in the address register"},
    {"reason.outside the gemeente", "het ligt buiten de gemeente", "it lies outside the gemeente"},
    {"reason.unknown place", "de plaats is onbekend", "the place is unknown"},
    {"reason.unknown street", "de straat is onbekend in deze plaats",
     "the street is unknown in this place"},
    // Queryables.
    {"queryables.title", "Zoekvelden van {1}", "Queryables of {1}"},
    {"queryables.intro",
     "Gebruik ze als <code>?naam=waarde</code> of in een CQL2-<code>filter</code>.",
     "Use them as <code>?name=value</code> or in a CQL2 <code>filter</code>."},
    {"queryables.geometry", "Geometrie", "Geometry"},
};
}  // namespace

std::string text(Lang lang, std::string_view key, std::initializer_list<std::string> args) {
  std::string out(key);
  for (const auto& m : kMessages)
    if (m.key == key) {
      out = std::string(lang == Lang::En ? m.en : m.nl);
      break;
    }
  std::size_t n = 1;
  for (const auto& a : args) {
    const std::string mark = "{" + std::to_string(n++) + "}";
    for (auto pos = out.find(mark); pos != std::string::npos; pos = out.find(mark, pos + a.size()))
      out.replace(pos, mark.size(), a);
  }
  return out;
}

std::string_view lang_code(Lang lang) {
  return lang == Lang::En ? "en" : "nl";
}

namespace {
/// The primary subtag of a language tag, lower case ("en-GB" -> "en").
std::string primary_subtag(std::string_view tag) {
  tag = util::trim(tag);
  return util::ascii_lower(tag.substr(0, std::min(tag.find('-'), tag.find('_'))));
}
}  // namespace

std::optional<Lang> parse_lang(std::string_view value) {
  if (value.size() > 35) return std::nullopt;
  const std::string p = primary_subtag(value);
  if (p == "nl") return Lang::Nl;
  if (p == "en") return Lang::En;
  return std::nullopt;
}

Lang accept_language(std::string_view header) {
  if (header.size() > 2048) return Lang::Nl;
  double nl = -1, en = -1;
  for (const auto raw : util::split(header, ',')) {
    const auto parts = util::split(raw, ';');
    const std::string tag = primary_subtag(parts[0]);
    double q = 1;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const auto p = util::trim(parts[i]);
      if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
        q = util::parse_double(p.substr(2)).value_or(0);
    }
    if (tag == "nl" || tag == "*") nl = std::max(nl, q);
    if (tag == "en") en = std::max(en, q);
  }
  return en > 0 && en > nl ? Lang::En : Lang::Nl;
}

// ---------------------------------------------------------------------------------------------
// Styles for the Leaflet script and the legend.

nlohmann::ordered_json style_json(const layers::style::LayerStyle& s) {
  using layers::style::LayerStyle;
  nlohmann::ordered_json j;
  j["title"] = s.title;
  j["kind"] = s.kind == LayerStyle::Kind::Point ? "point" : "polygon";
  if (s.fill) j["fill"] = s.fill->hex();
  j["fill_opacity"] = s.fill_opacity;
  if (s.outline)
    j["outline"] = {
        {"color", s.outline->color.hex()}, {"width", s.outline->width}, {"dash", s.outline->dash}};
  j["field"] = s.field;
  auto class_json = [](const layers::style::Class& c) {
    return nlohmann::ordered_json{{"value", c.value},
                                  {"label", c.label},
                                  {"color", c.color.hex()},
                                  {"shape", std::string(layers::style::shape_name(c.shape))}};
  };
  j["classes"] = nlohmann::ordered_json::array();
  for (const auto& c : s.classes) j["classes"].push_back(class_json(c));
  j["other"] = class_json(s.other);
  j["size"] = s.size;
  if (s.label)
    j["label"] = {{"field", s.label->field},
                  {"size", s.label->size},
                  {"color", s.label->color.hex()},
                  {"halo", s.label->halo.hex()},
                  {"minzoom", s.label->minzoom}};
  return j;
}

namespace {
std::string str(const nlohmann::ordered_json& j, const char* key, const std::string& def = {}) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return def;
}

double num(const nlohmann::ordered_json& j, const char* key, double def) {
  if (j.is_object() && j.contains(key) && j[key].is_number()) return j[key].get<double>();
  return def;
}

/// An SVG swatch: a point symbol (shape), a filled square or a line.
std::string swatch(const std::string& kind, const std::string& fill, double opacity,
                   const std::string& stroke, double width, const std::string& shape) {
  std::string o =
      "<svg class=\"sw\" width=\"18\" height=\"18\" viewBox=\"0 0 18 18\" aria-hidden=\"true\">";
  const std::string f = escape(fill.empty() ? std::string("none") : fill);
  const std::string st = escape(stroke.empty() ? std::string("none") : stroke);
  const std::string w = std::to_string(std::clamp(width, 0.5, 4.0));
  const std::string op = std::to_string(opacity);
  if (kind == "point") {
    const std::string a = " fill=\"" + f + "\" stroke=\"#333\" stroke-width=\"1\"";
    if (shape == "square")
      o += "<rect x=\"3\" y=\"3\" width=\"12\" height=\"12\"" + a + "/>";
    else if (shape == "triangle")
      o += "<polygon points=\"9,2 16,15 2,15\"" + a + "/>";
    else if (shape == "cross")
      o += "<path d=\"M9 2v14M2 9h14\" stroke=\"" + f + "\" stroke-width=\"4\"/>";
    else if (shape == "x")
      o += "<path d=\"M3 3l12 12M15 3L3 15\" stroke=\"" + f + "\" stroke-width=\"4\"/>";
    else
      o += "<circle cx=\"9\" cy=\"9\" r=\"6\"" + a + "/>";
  } else if (fill.empty()) {
    o += "<rect x=\"2\" y=\"2\" width=\"14\" height=\"14\" fill=\"none\" stroke=\"" + st +
         "\" stroke-width=\"" + w + "\"/>";
  } else {
    o += "<rect x=\"2\" y=\"2\" width=\"14\" height=\"14\" fill=\"" + f + "\" fill-opacity=\"" +
         op + "\" stroke=\"" + st + "\" stroke-width=\"" + w + "\"/>";
  }
  return o + "</svg>";
}
}  // namespace

std::string legend(const nlohmann::ordered_json& style, const nlohmann::ordered_json& context_style,
                   Lang lang) {
  std::string out;
  if (style.is_object()) {
    const std::string kind = str(style, "kind", "polygon");
    const auto& outline = style.contains("outline") ? style["outline"] : nlohmann::ordered_json();
    const std::string stroke = str(outline, "color");
    const double width = num(outline, "width", 1);
    const double opacity = num(style, "fill_opacity", 1);
    if (style.contains("classes") && !style["classes"].empty()) {
      for (const auto& c : style["classes"])
        out += "<li>" +
               swatch(kind, str(c, "color"), opacity, stroke, width, str(c, "shape", "circle")) +
               " " + escape(str(c, "label", str(c, "value"))) + "</li>";
      const nlohmann::ordered_json o =
          style.contains("other") ? style["other"] : nlohmann::ordered_json();
      out += "<li>" +
             swatch(kind, str(o, "color"), opacity, stroke, width, str(o, "shape", "circle")) +
             " " + escape(text(lang, "legend.other")) + "</li>";
    } else {
      out += "<li>" +
             swatch(kind, str(style, "fill", kind == "point" ? "#154273" : ""), opacity, stroke,
                    width, "circle") +
             " " + escape(str(style, "title")) + "</li>";
    }
  }
  if (context_style.is_object()) {
    const nlohmann::ordered_json outline =
        context_style.contains("outline") ? context_style["outline"] : nlohmann::ordered_json();
    out +=
        "<li>" +
        swatch("polygon", "", 1, str(outline, "color", "#282828"), num(outline, "width", 2), "") +
        " " + escape(text(lang, "legend.gemeente")) + "</li>";
  }
  if (out.empty()) return out;
  return "<section class=\"legend\" aria-labelledby=\"legend-h\"><h3 id=\"legend-h\">" +
         escape(text(lang, "legend")) + "</h3><ul>" + out + "</ul></section>";
}

namespace {
bool is_url(std::string_view s) {
  return (s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0) && s.size() > 8 &&
         s.find_first_of(" \t\r\n\"<>") == std::string_view::npos;
}

/// One '@' with a dotted domain after it and no spaces: an e-mail address.
bool is_email(std::string_view s) {
  const auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos ||
      s.size() > 254 || s.find_first_of(" \t\r\n\"<>,;:/?") != std::string_view::npos)
    return false;
  const auto dot = s.find('.', at);
  return dot != std::string_view::npos && dot > at + 1 && dot + 1 < s.size();
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#154273;color:#fff;padding:.6rem 1rem}
header a{color:#fff}
nav.crumbs{font-size:.95rem}
main{padding:1rem;max-width:80rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.2rem 0 .5rem}
table{border-collapse:collapse;background:#fff;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f7}
tr.hl td{background:#fff6d5}
#map{height:28rem;border:1px solid #aaa;margin:.5rem 0;background:#f4f4f0}
.map-note{margin:.25rem 0}
.legend ul{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.legend li{display:flex;align-items:center;gap:.3rem}
.legend h3{font-size:1rem;margin:.5rem 0 .25rem}
.sw{flex:none}
.leaflet-tooltip.lbl{background:transparent;border:0;box-shadow:none;padding:0;font-weight:600;white-space:nowrap}
.leaflet-tooltip.lbl:before{display:none}
.nolabels .leaflet-tooltip.lbl:not(.lbl-page){display:none}
.sym{background:none;border:0}
.notice{background:#fff6d5;border-left:4px solid #c9a400;padding:.5rem 1rem;margin:1rem 0}
dl{margin:0}dt{font-weight:600}dd{margin:0 0 .4rem 1rem}
.muted{color:#555}
.pager a{margin-right:1rem}
)";

// The map of a page: the features (#features) with the style of their layer (#map-config:
// fill per class, outline, point symbols per class, labels, the current page emphasised), the
// gemeente outline beneath (#context), extents (#boxes: all, or on a page with features only
// the one of the table row under the pointer or focus), and a base map only when configured.
constexpr const char* kMapScript = R"(
(function () {
  function data(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; }
  var el = document.getElementById('map');
  var itemsHref = el.getAttribute('data-items');
  var cfg = data('map-config') || {};
  var style = cfg.style || null;
  var map = L.map('map', {zoomSnap: 0.5});
  if (cfg.basemap && cfg.basemap.url)
    L.tileLayer(cfg.basemap.url, {maxZoom: 19, attribution: cfg.basemap.attribution || ''}).addTo(map);
  function dash(o) {
    return o && o.dash && o.dash.length ? o.dash.map(function (d) { return d * o.width; }).join(' ') : null;
  }
  var context = data('context'), contextLayer = null;
  if (context) {
    var co = (cfg.context_style && cfg.context_style.outline) || {color: '#282828', width: 2.5};
    contextLayer = L.geoJSON(context, {interactive: false, style: function () {
      return {color: co.color, weight: co.width, dashArray: dash(co), fill: false};
    }}).addTo(map);
  }
  var group = L.featureGroup().addTo(map);
  function classOf(p) {
    if (!style || !style.field || !style.classes || !style.classes.length) return null;
    var v = p ? p[style.field] : null;
    for (var i = 0; i < style.classes.length; i++)
      if (String(style.classes[i].value) === String(v)) return style.classes[i];
    return style.other;
  }
  var hl = {}, anyHl = false;
  (cfg.highlight || []).forEach(function (id) { hl[id] = true; anyHl = true; });
  function polygonStyle(f) {
    var o = (style && style.outline) || {color: '#154273', width: 2};
    var c = classOf(f.properties);
    var fill = c ? c.color : (style && style.fill) || null;
    var s = {color: o.color, weight: o.width, dashArray: dash(o), fill: true,
             fillColor: fill || o.color, fillOpacity: fill ? (style ? style.fill_opacity : 0.15) : 0.06};
    if (anyHl && hl[f.id]) { s.weight = Math.max(3, o.width * 3); s.color = '#154273'; }
    return s;
  }
  function shapeSvg(shape, color, stroke, width) {
    var a = ' fill="' + color + '" stroke="' + stroke + '" stroke-width="' + width + '"';
    if (shape === 'square') return '<rect x="3" y="3" width="14" height="14"' + a + '/>';
    if (shape === 'triangle') return '<polygon points="10,1.5 18.5,17.5 1.5,17.5"' + a + '/>';
    if (shape === 'cross') return '<path d="M10 2v16M2 10h16" stroke="' + color + '" stroke-width="5"/>';
    if (shape === 'x') return '<path d="M3 3l14 14M17 3L3 17" stroke="' + color + '" stroke-width="5"/>';
    return '<circle cx="10" cy="10" r="7.5"' + a + '/>';
  }
  function pointIcon(f) {
    var c = classOf(f.properties) || {color: (style && style.fill) || '#154273', shape: 'circle'};
    var o = (style && style.outline) || {color: '#ffffff', width: 1};
    var size = ((style && style.size) || 9) + 5;
    if (anyHl && hl[f.id]) size += 6;
    return L.divIcon({className: 'sym', iconSize: [size, size], iconAnchor: [size / 2, size / 2],
      html: '<svg width="' + size + '" height="' + size + '" viewBox="0 0 20 20">' +
            shapeSvg(c.shape, c.color, o.color, o.width * 20 / size) + '</svg>'});
  }
  var lab = style && style.label;
  function labelOf(f) {
    var v = lab && f.properties ? f.properties[lab.field] : null;
    return v === null || v === undefined || v === '' ? null : String(v);
  }
  function popup(props, href, title) {
    var div = document.createElement('div');
    var head = document.createElement('b');
    head.textContent = title;
    div.appendChild(head);
    var keys = Object.keys(props || {}).filter(function (k) {
      return props[k] !== null && props[k] !== '';
    }).slice(0, 10);
    for (var i = 0; i < keys.length; i++) {
      var line = document.createElement('div');
      line.textContent = keys[i] + ': ' + props[keys[i]];
      div.appendChild(line);
    }
    if (href) {
      var a = document.createElement('a');
      a.href = href;
      a.textContent = (cfg.more || '{1}').replace('{1}', title);
      div.appendChild(a);
    }
    return div;
  }
  var placed = 0, page = L.featureGroup();
  var features = data('features');
  if (features) {
    L.geoJSON(features, {
      pointToLayer: function (f, latlng) { return L.marker(latlng, {icon: pointIcon(f), keyboard: false}); },
      style: polygonStyle,
      onEachFeature: function (f, layer) {
        placed++;
        if (anyHl && hl[f.id]) page.addLayer(layer);
        var href = itemsHref ? itemsHref + '/' + encodeURIComponent(f.id) + '?f=html' : null;
        var name = labelOf(f) || String(f.id);
        layer.bindPopup(function () { return popup(f.properties, href, name); });
        var text = labelOf(f);
        if (text) {
          var span = document.createElement('span');
          span.textContent = text;
          span.style.fontSize = lab.size + 'px';
          span.style.color = lab.color;
          var h = lab.halo;
          span.style.textShadow = '-1px -1px 0 ' + h + ',1px -1px 0 ' + h + ',-1px 1px 0 ' + h + ',1px 1px 0 ' + h;
          layer.bindTooltip(span, {permanent: true, interactive: false,
                                   className: anyHl && hl[f.id] ? 'lbl lbl-page' : 'lbl',
                                   direction: f.geometry.type === 'Point' ? 'right' : 'center'});
        }
      }
    }).addTo(group);
  }
  // Labels from their zoom level on (MapLibre's zoom + 1 in Leaflet), always when few and for
  // the emphasised features (the current page, where the map starts).
  function labels() {
    var show = !lab || placed <= 25 || map.getZoom() >= (lab.minzoom || 0) + 1;
    el.classList.toggle('nolabels', !show);
  }
  var boxes = data('boxes');
  if (boxes) {
    var rects = boxes.map(function (b) {
      var r = L.rectangle([[b.bbox[1], b.bbox[0]], [b.bbox[3], b.bbox[2]]],
                          {color: '#154273', weight: 2, dashArray: '6 4', fillOpacity: 0.05});
      r.bindPopup(function () { return popup({}, b.href, b.title); });
      return r;
    });
    if (!features) {
      rects.forEach(function (r) { r.addTo(group); });
    } else {
      var rows = document.querySelectorAll('[data-box]');
      Array.prototype.forEach.call(rows, function (row) {
        var r = rects[Number(row.getAttribute('data-box'))];
        if (!r) return;
        function on() { r.addTo(map); row.classList.add('hl'); }
        function off() { map.removeLayer(r); row.classList.remove('hl'); }
        row.addEventListener('mouseenter', on);
        row.addEventListener('mouseleave', off);
        row.addEventListener('focusin', on);
        row.addEventListener('focusout', off);
      });
    }
  }
  var bounds = anyHl && page.getLayers().length ? page.getBounds() : group.getBounds();
  if (!bounds.isValid() && contextLayer) bounds = contextLayer.getBounds();
  map.on('zoomend', labels);
  if (bounds.isValid()) map.fitBounds(bounds, {maxZoom: 16, padding: [10, 10]}); else map.setView([53.2, 5.8], 10);
  labels();
})();
)";
}  // namespace

std::string render(const Page& page) {
  const bool map = !page.geojson.empty() || (page.boxes.is_array() && !page.boxes.empty());
  const Lang lang = page.lang == "en" ? Lang::En : Lang::Nl;
  std::string out;
  out.reserve(page.body.size() + page.geojson.size() + page.context_geojson.size() + 16384);
  out += "<!DOCTYPE html>\n<html lang=\"" + escape(page.lang.empty() ? "nl" : page.lang) +
         "\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<title>" + escape(page.title) + "</title>";
  out += "<style>";
  out += kStyle;
  out += "</style>";
  if (map)
    out +=
        "<link rel=\"stylesheet\" href=\"" + escape(page.base) + "/static/leaflet/leaflet.css\">";
  out += "</head><body><header><nav class=\"crumbs\" aria-label=\"" + escape(text(lang, "crumbs")) +
         "\">";
  for (std::size_t i = 0; i < page.crumbs.size(); ++i) {
    if (i) out += " / ";
    const auto& c = page.crumbs[i];
    if (c.href.empty())
      out += "<span aria-current=\"page\">" + escape(c.title) + "</span>";
    else
      out += "<a href=\"" + escape(c.href) + "\">" + escape(c.title) + "</a>";
  }
  out += "</nav></header><main><h1>" + escape(page.title) + "</h1>";
  if (map) {
    const std::string label =
        page.map_label.empty() ? text(lang, "map.alt", {page.title}) : page.map_label;
    out += "<section class=\"map\" aria-labelledby=\"map-h\"><h2 id=\"map-h\">" +
           escape(text(lang, "map")) + "</h2>";
    out += "<div id=\"map\" role=\"region\" aria-label=\"" + escape(label) + "\" data-items=\"" +
           escape(page.items_href) + "\"></div>";
    if (!page.map_note.empty()) out += "<p class=\"map-note\">" + escape(page.map_note) + "</p>";
    out += legend(page.map_style,
                  page.context_geojson.empty()     ? nlohmann::ordered_json()
                  : page.context_style.is_object() ? page.context_style
                                                   : nlohmann::ordered_json::object(),
                  lang);
    out += "</section>";
  }
  out += page.body;
  out += "</main>";
  if (map) {
    nlohmann::ordered_json cfg = nlohmann::ordered_json::object();
    if (!page.map_style.is_null()) cfg["style"] = page.map_style;
    if (!page.context_style.is_null()) cfg["context_style"] = page.context_style;
    if (!page.basemap_url.empty())
      cfg["basemap"] = {{"url", page.basemap_url}, {"attribution", page.basemap_attribution}};
    if (!page.highlight.empty()) cfg["highlight"] = page.highlight;
    cfg["more"] = text(lang, "popup.more", {"{1}"});
    out += "<script type=\"application/json\" id=\"map-config\">" +
           script_json(cfg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
           "</script>";
    if (!page.context_geojson.empty())
      out += "<script type=\"application/json\" id=\"context\">" +
             script_json(page.context_geojson) + "</script>";
    if (!page.geojson.empty())
      out += "<script type=\"application/json\" id=\"features\">" + script_json(page.geojson) +
             "</script>";
    if (page.boxes.is_array() && !page.boxes.empty())
      out +=
          "<script type=\"application/json\" id=\"boxes\">" +
          script_json(page.boxes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
          "</script>";
    out += "<script src=\"" + escape(page.base) + "/static/leaflet/leaflet.js\"></script>";
    out += "<script>";
    out += kMapScript;
    out += "</script>";
  }
  out += "</body></html>\n";
  return out;
}

std::string text_value(std::string_view s) {
  if (is_url(s)) return "<a href=\"" + escape(s) + "\" rel=\"noopener\">" + escape(s) + "</a>";
  if (is_email(s)) return "<a href=\"mailto:" + escape(s) + "\">" + escape(s) + "</a>";
  return escape(s);
}

std::string links_list(const nlohmann::ordered_json& links) {
  std::string out = "<ul class=\"links\">";
  for (const auto& l : links) {
    const std::string href = l.value("href", "");
    const std::string rel = l.value("rel", "");
    const std::string type = l.value("type", "");
    const std::string title = l.value("title", rel);
    out += "<li><a href=\"" + escape(href) + "\" rel=\"" + escape(rel) + "\" type=\"" +
           escape(type) + "\">" + escape(title) + "</a> <span class=\"muted\">(" + escape(rel);
    if (!type.empty()) out += ", " + escape(type);
    out += ")</span></li>";
  }
  out += "</ul>";
  return out;
}

std::string value(const nlohmann::ordered_json& v, int depth) {
  if (depth > 8) return "…";
  if (v.is_object()) {
    if (v.contains("href") && v.contains("rel")) {
      return links_list(nlohmann::ordered_json::array({v}));
    }
    std::string out = "<dl>";
    for (const auto& [k, x] : v.items()) {
      out += "<dt>" + escape(k) + "</dt><dd>";
      if (k == "links" && x.is_array())
        out += links_list(x);
      else
        out += value(x, depth + 1);
      out += "</dd>";
    }
    return out + "</dl>";
  }
  if (v.is_array()) {
    bool scalars = true;
    for (const auto& x : v) scalars &= !x.is_structured();
    if (scalars) {
      std::string out;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        out += value(v[i], depth + 1);
      }
      return out;
    }
    std::string out = "<ul>";
    for (const auto& x : v) out += "<li>" + value(x, depth + 1) + "</li>";
    return out + "</ul>";
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return text_value(s);
  }
  if (v.is_null()) return "<span class=\"muted\">null</span>";
  return escape(v.dump());
}

}  // namespace gebieden::server::html
