#pragma once
// HTML pages of the OGC API front (OGC API - Features Part 1, HTML conformance class): every
// JSON document has an HTML twin with the same links as <a> elements, and pages with features
// show them on a Leaflet map (Leaflet is packaged from npm at build time and served by us).

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/style.hpp"

namespace gebieden::server::html {

/// Escape text for element content and attribute values.
std::string escape(std::string_view s);

/// JSON text made safe inside <script type="application/json"> ('<' becomes \u003c).
std::string script_json(std::string_view json);

/// The language of a page: Dutch by default, English on request (`lang=en` or Accept-Language).
enum class Lang { Nl, En };

/// "nl" or "en" (the value of <html lang>).
std::string_view lang_code(Lang lang);

/// `lang=nl|en` (case-insensitive, a region subtag such as en-GB allowed); nullopt otherwise.
std::optional<Lang> parse_lang(std::string_view value);

/// The language an Accept-Language header asks for: the highest q-value of nl and en (a region
/// subtag counts, `*` counts as nl), Dutch on a tie, and Dutch when it names neither.
Lang accept_language(std::string_view header);

/// A message of the page texts (the one nl/en table, in html.cpp) with {1}, {2}, ... replaced by
/// `args`; an unknown key is returned as it is.
std::string text(Lang lang, std::string_view key, std::initializer_list<std::string> args = {});

/// The style of a layer for the Leaflet script of a page and its legend: kind, fill,
/// fill_opacity, outline {color, width, dash}, field, classes [{value, label, color, shape}],
/// other, size, label {field, size, color, halo, minzoom}, title.
nlohmann::ordered_json style_json(const layers::style::LayerStyle& style);

/// The legend of a map (a list with one swatch per class of `style`, or one for the layer, and
/// the gemeente outline when `context_style` is an object).
std::string legend(const nlohmann::ordered_json& style, const nlohmann::ordered_json& context_style,
                   Lang lang);

struct Crumb {
  std::string title;
  std::string href;  // empty: the current page
};

struct Page {
  std::string base;  // base URL (for the static files)
  std::string title;
  std::vector<Crumb> crumbs;
  std::string body;     // HTML content
  std::string geojson;  // non-empty: a map showing this GeoJSON (CRS84)
  /// The items URL of the features on the map: popups link to ITEMS/{id}?f=html.
  std::string items_href;
  /// Extents to draw as rectangles: [[minx,miny,maxx,maxy], ...] with titles and links.
  nlohmann::ordered_json boxes;
  // Members added for pages made for people (issue 15):
  /// <html lang> ("nl" unless a page says otherwise).
  std::string lang = "nl";
  /// GeoJSON (CRS84) drawn beneath the features as context, not interactive: the gemeente
  /// outline on the OGC pages. Drawn only on a page with a map.
  std::string context_geojson;
  /// style_json() of the features on the map (null: one plain colour) and of the context.
  nlohmann::ordered_json map_style;
  nlohmann::ordered_json context_style;
  /// The text alternative of the map (its aria-label) and a note under it (both plain text).
  std::string map_label;
  std::string map_note;
  /// Ids of the features on the map to emphasise (the current page of a whole-collection map).
  std::vector<std::string> highlight;
  /// The base map: a tile URL template ({z}/{x}/{y}) and its attribution. Empty (the default):
  /// no base map, the features drawn on the gemeente outline only, nothing loaded from elsewhere.
  /// The OGC pages take it from the configuration (map.basemap, as the map app does).
  std::string basemap_url;
  std::string basemap_attribution;
};

/// The whole document.
std::string render(const Page& page);

/// A text value for a table cell: an http(s) URL as a link (rel="noopener"), an e-mail address
/// as a mailto: link, anything else escaped.
std::string text_value(std::string_view s);

/// `links` (OGC link objects) as a list of <a> elements.
std::string links_list(const nlohmann::ordered_json& links);

/// A JSON value as HTML: objects as definition lists, arrays as lists, links as <a>.
std::string value(const nlohmann::ordered_json& v, int depth = 0);

}  // namespace gebieden::server::html
