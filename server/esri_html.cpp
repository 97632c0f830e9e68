#include "server/esri_html.hpp"

#include <nlohmann/json.hpp>

#include "server/html.hpp"
#include "util/ascii.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::ordered_json;

std::string esc(std::string_view s) {
  return html::escape(s);
}

std::string text_of(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const json& v = j.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump();
}

/// `name`'s value in the request, or `fallback`.
std::string param_or(const Request& req, const char* name, const std::string& fallback) {
  if (auto v = req.param(name)) return *v;
  return fallback;
}

std::string input(const Request& req, const char* name, const std::string& fallback,
                  const char* label) {
  return std::string("<label>") + label + " <input name=\"" + name + "\" value=\"" +
         esc(param_or(req, name, fallback)) + "\" size=\"40\"></label><br>";
}

std::string format_links(const std::string& self) {
  return "<p>Supported formats: <a href=\"" + esc(self + "?f=json") + "\">JSON</a> · <a href=\"" +
         esc(self + "?f=pjson") + "\">PJSON</a></p>";
}

std::string layer_list(const json& list, const std::string& fs) {
  std::string out = "<ul>";
  for (const auto& l : list) {
    const std::string id = text_of(l, "id");
    out += "<li><a href=\"" + esc(fs + "/" + id + "?f=html") + "\">" + esc(text_of(l, "name")) +
           "</a> (" + esc(id) + ")</li>";
  }
  return out + "</ul>";
}

std::string fields_table(const json& fields) {
  std::string out = "<table><tr><th>name</th><th>type</th><th>alias</th></tr>";
  for (const auto& f : fields)
    out += "<tr><td>" + esc(text_of(f, "name")) + "</td><td>" + esc(text_of(f, "type")) +
           "</td><td>" + esc(text_of(f, "alias")) + "</td></tr>";
  return out + "</table>";
}

std::string query_form(const Request& req, const std::string& action) {
  std::string out = "<h2>Query</h2><form method=\"get\" action=\"" + esc(action) + "\">";
  out += input(req, "where", "1=1", "where");
  out += input(req, "outFields", "*", "outFields");
  out += input(req, "orderByFields", "", "orderByFields");
  out += input(req, "resultRecordCount", "10", "resultRecordCount");
  out += input(req, "resultOffset", "0", "resultOffset");
  const std::string geometry = util::ascii_lower(param_or(req, "returnGeometry", "false"));
  out += "<label>returnGeometry <select name=\"returnGeometry\"><option";
  out += geometry == "true" ? " selected" : "";
  out += ">true</option><option";
  out += geometry != "true" ? " selected" : "";
  out += ">false</option></select></label><br>";
  out += "<label>f <select name=\"f\">";
  for (const char* f : {"html", "json", "pjson", "geojson"})
    out += std::string("<option") + (std::string(f) == "html" ? " selected" : "") + ">" + f +
           "</option>";
  out += "</select></label><br><button type=\"submit\">Query (GET)</button></form>";
  return out;
}

std::string features_table(const json& answer) {
  const json& features = answer["features"];
  std::vector<std::string> columns;
  if (answer.contains("fields") && answer["fields"].is_array())
    for (const auto& f : answer["fields"]) columns.push_back(text_of(f, "name"));
  if (columns.empty() && !features.empty() && features[0].contains("attributes"))
    for (const auto& [k, v] : features[0]["attributes"].items()) columns.push_back(k);
  std::string out = "<p>" + std::to_string(features.size()) + " features";
  if (answer.value("exceededTransferLimit", false)) out += " (more: exceededTransferLimit)";
  out += "</p><table><tr>";
  for (const auto& c : columns) out += "<th>" + esc(c) + "</th>";
  out += "</tr>";
  for (const auto& f : features) {
    out += "<tr>";
    for (const auto& c : columns) {
      std::string v;
      if (f.contains("attributes") && f["attributes"].contains(c))
        v = f["attributes"][c].is_string() ? f["attributes"][c].get<std::string>()
                                           : f["attributes"][c].dump();
      out += "<td>" + esc(v) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</table>";
}

}  // namespace

Response esri_html_page(const std::string& base, const Request& req,
                        const std::vector<std::string>& seg, const std::string& json_body) {
  const json j = json::parse(json_body, nullptr, false);
  html::Page page;
  page.base = base;
  page.lang = "en";  // the services directory speaks English, as ArcGIS Server's does
  // Crumbs: Home (the catalogue), then each segment after "services".
  page.crumbs.push_back({"Home", base + "/arcgis/rest/services?f=html"});
  std::string path = base + "/arcgis/rest/services";
  for (std::size_t i = 3; i < seg.size(); ++i) {
    path += "/" + seg[i];
    page.crumbs.push_back({seg[i], i + 1 == seg.size() ? "" : path + "?f=html"});
  }
  std::string self = base;
  for (const auto& s : seg) self += "/" + s;
  std::string& b = page.body;
  Response r;
  r.content_type = "text/html; charset=utf-8";
  if (j.is_discarded() || !j.is_object()) {
    page.title = "ArcGIS REST Services Directory";
    b += "<p>No answer could be shown.</p>";
    r.body = html::render(page);
    return r;
  }
  if (j.contains("error")) {
    const json& e = j["error"];
    const int code = e.value("code", 400);
    r.status = code >= 400 && code <= 599 ? code : 400;
    page.title = "Error: " + text_of(e, "message");
    b += "<p class=\"error\"><strong>Error " + std::to_string(code) + ":</strong> " +
         esc(text_of(e, "message")) + "</p><ul>";
    if (e.contains("details") && e["details"].is_array())
      for (const auto& d : e["details"])
        b += "<li>" + esc(d.is_string() ? d.get<std::string>() : d.dump()) + "</li>";
    b += "</ul>";
    r.body = html::render(page);
    return r;
  }
  const bool is_query = !seg.empty() && util::ascii_iequals(seg.back(), "query");
  if (j.contains("services") && j["services"].is_array()) {
    page.title = "Services Directory";
    b += "<h2>Services</h2><ul>";
    for (const auto& s : j["services"])
      b += "<li><a href=\"" + esc(text_of(s, "url") + "?f=html") + "\">" + esc(text_of(s, "name")) +
           "</a> (" + esc(text_of(s, "type")) + ")</li>";
    b += "</ul>";
  } else if (is_query) {
    page.title = "Query: " + (seg.size() >= 2 ? seg[seg.size() - 2] : std::string());
    b += query_form(req, self);
    if (j.contains("features") && j["features"].is_array()) {
      b += "<h2>Result</h2>" + features_table(j);
    } else {
      b += "<h2>Result</h2>" + html::value(j);
    }
  } else if (j.contains("layers") && j["layers"].is_array() && !j.contains("fields")) {
    page.title = (seg.size() > 3 ? seg[3] + " " : std::string()) + "(FeatureServer)";
    const std::string fs = path.substr(0, path.rfind("/FeatureServer") + 14);
    b += "<p>" + esc(text_of(j, "serviceDescription")) + "</p>";
    b += "<h2>Layers</h2>" + layer_list(j["layers"], fs);
    if (j.contains("tables") && j["tables"].is_array() && !j["tables"].empty())
      b += "<h2>Tables</h2>" + layer_list(j["tables"], fs);
  } else if (j.contains("fields") && j["fields"].is_array()) {
    page.title = text_of(j, "name") + " (" + text_of(j, "type") + ")";
    b += "<p>" + esc(text_of(j, "description")) + "</p><dl><dt>Geometry type</dt><dd>" +
         esc(text_of(j, "geometryType")) + "</dd><dt>Display field</dt><dd>" +
         esc(text_of(j, "displayField")) + "</dd><dt>Max record count</dt><dd>" +
         esc(text_of(j, "maxRecordCount")) + "</dd><dt>Capabilities</dt><dd>" +
         esc(text_of(j, "capabilities")) + "</dd></dl>";
    b += "<p><a href=\"" + esc(self + "/query?f=html&where=1%3D1&outFields=*") + "\">Query</a></p>";
    b += "<h2>Fields</h2>" + fields_table(j["fields"]);
  } else {
    page.title = "ArcGIS REST Services Directory";
  }
  b += format_links(self);
  if (!is_query)
    b += "<details><summary>The JSON of this page</summary>" + html::value(j) + "</details>";
  r.body = html::render(page);
  return r;
}

}  // namespace gebieden::server
