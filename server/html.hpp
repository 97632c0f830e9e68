#pragma once
// HTML pages of the OGC API front (OGC API - Features Part 1, HTML conformance class): every
// JSON document has an HTML twin with the same links as <a> elements, and pages with features
// show them on a Leaflet map (Leaflet is packaged from npm at build time and served by us).

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gebieden::server::html {

/// Escape text for element content and attribute values.
std::string escape(std::string_view s);

/// JSON text made safe inside <script type="application/json"> ('<' becomes \u003c).
std::string script_json(std::string_view json);

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
};

/// The whole document.
std::string render(const Page& page);

/// `links` (OGC link objects) as a list of <a> elements.
std::string links_list(const nlohmann::ordered_json& links);

/// A JSON value as HTML: objects as definition lists, arrays as lists, links as <a>.
std::string value(const nlohmann::ordered_json& v, int depth = 0);

}  // namespace gebieden::server::html
