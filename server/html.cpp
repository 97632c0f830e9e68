#include "server/html.hpp"

#include "util/markup.hpp"

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

namespace {
bool is_url(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#154273;color:#fff;padding:.6rem 1rem}
header a{color:#fff}
nav.crumbs{font-size:.95rem}
main{padding:1rem;max-width:80rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
table{border-collapse:collapse;background:#fff;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f7}
#map{height:28rem;border:1px solid #aaa;margin:1rem 0;background:#dfe7ee}
dl{margin:0}dt{font-weight:600}dd{margin:0 0 .4rem 1rem}
.muted{color:#555}
.pager a{margin-right:1rem}
)";

constexpr const char* kMapScript = R"(
(function () {
  var itemsHref = document.getElementById('map').getAttribute('data-items');
  var map = L.map('map');
  L.tileLayer('https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png', {
    maxZoom: 19, attribution: 'Kaart: Kadaster (BRT Achtergrondkaart); data: CBS, Kadaster'
  }).addTo(map);
  var group = L.featureGroup().addTo(map);
  function popup(props, href, title) {
    var div = document.createElement('div');
    if (href) {
      var a = document.createElement('a');
      a.href = href;
      a.textContent = title;
      div.appendChild(a);
    } else {
      var b = document.createElement('b');
      b.textContent = title;
      div.appendChild(b);
    }
    var keys = Object.keys(props || {}).slice(0, 12);
    for (var i = 0; i < keys.length; i++) {
      var line = document.createElement('div');
      line.textContent = keys[i] + ': ' + (props[keys[i]] === null ? '' : props[keys[i]]);
      div.appendChild(line);
    }
    return div;
  }
  var dataNode = document.getElementById('features');
  if (dataNode) {
    var data = JSON.parse(dataNode.textContent);
    L.geoJSON(data, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {radius: 5, weight: 1, color: '#154273', fillOpacity: 0.7});
      },
      style: function () { return {color: '#154273', weight: 2, fillOpacity: 0.15}; },
      onEachFeature: function (f, layer) {
        var href = itemsHref ? itemsHref + '/' + encodeURIComponent(f.id) + '?f=html' : null;
        layer.bindPopup(function () { return popup(f.properties, href, String(f.id)); });
      }
    }).addTo(group);
  }
  var boxNode = document.getElementById('boxes');
  if (boxNode) {
    JSON.parse(boxNode.textContent).forEach(function (b) {
      var r = L.rectangle([[b.bbox[1], b.bbox[0]], [b.bbox[3], b.bbox[2]]],
                          {color: '#154273', weight: 2, fillOpacity: 0.05});
      r.bindPopup(function () { return popup({}, b.href, b.title); });
      r.addTo(group);
    });
  }
  var bounds = group.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, {maxZoom: 17}); else map.setView([53.2, 5.8], 10);
})();
)";
}  // namespace

std::string render(const Page& page) {
  const bool map = !page.geojson.empty() || (page.boxes.is_array() && !page.boxes.empty());
  std::string out;
  out.reserve(page.body.size() + page.geojson.size() + 8192);
  out += "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<title>" + escape(page.title) + "</title>";
  out += "<style>";
  out += kStyle;
  out += "</style>";
  if (map)
    out +=
        "<link rel=\"stylesheet\" href=\"" + escape(page.base) + "/static/leaflet/leaflet.css\">";
  out += "</head><body><header><nav class=\"crumbs\">";
  for (std::size_t i = 0; i < page.crumbs.size(); ++i) {
    if (i) out += " / ";
    const auto& c = page.crumbs[i];
    if (c.href.empty())
      out += escape(c.title);
    else
      out += "<a href=\"" + escape(c.href) + "\">" + escape(c.title) + "</a>";
  }
  out += "</nav></header><main><h1>" + escape(page.title) + "</h1>";
  if (map) out += "<div id=\"map\" data-items=\"" + escape(page.items_href) + "\"></div>";
  out += page.body;
  out += "</main>";
  if (map) {
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
    if (is_url(s)) return "<a href=\"" + escape(s) + "\">" + escape(s) + "</a>";
    return escape(s);
  }
  if (v.is_null()) return "<span class=\"muted\">null</span>";
  return escape(v.dump());
}

}  // namespace gebieden::server::html
