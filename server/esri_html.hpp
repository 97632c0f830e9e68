#pragma once
// The GeoServices front's HTML (f=html): a services directory as ArcGIS Server shows one, so that
// GIS staff can browse the catalogue, the service, its layers and their fields in a browser and
// try a query with a form. Each page is the JSON answer of the same URL, rendered.

#include <string>
#include <vector>

#include "server/http_types.hpp"

namespace gebieden::server {

/// The HTML page of the GeoServices answer `json_body` to `req` (path segments `seg`, from
/// "arcgis" on; `base` the base of every link). An error envelope becomes a page with the
/// error's status (4xx/5xx) saying what was wrong.
Response esri_html_page(const std::string& base, const Request& req,
                        const std::vector<std::string>& seg, const std::string& json_body);

}  // namespace gebieden::server
