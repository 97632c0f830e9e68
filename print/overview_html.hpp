#pragma once
// The overview of an area as the body of an HTML page an adviser prints: the choropleth map as
// inline SVG (print::SvgMap), bar charts per soort and categorie backed by tables, the
// initiatives per status, the white spots, support and meeting places, the per-buurt table, the
// team and the links; with its own print CSS for A4. No script.

#include <string>

#include "print/overview_doc.hpp"

namespace gebieden::print {

/// The page's body (a <style> and the sections); `base` is the service's base URL for the links
/// (JSON, CSV, PDF, the areas above and within).
std::string overview_html(const OverviewDoc& doc, const std::string& base);

/// The map alone (an <svg>): the context, the buurten in their classes with a <title> each (name
/// and count; class "buurt"), the area's outline, the labels that fit.
std::string overview_map_svg(const OverviewDoc& doc);

}  // namespace gebieden::print
