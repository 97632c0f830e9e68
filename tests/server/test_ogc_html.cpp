// The OGC HTML pages made for people (issue 15, point 5): their language, the map drawn with
// the service's style (labels, legend, the gemeente outline beneath), unplaced records that say
// why, and tables ordered by usefulness. In-process, on the default configuration.

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "in_process.hpp"
#include "server/html.hpp"
#include "server/http_types.hpp"

using namespace gebieden;
using json = nlohmann::json;

namespace {
using Query = std::vector<std::pair<std::string, std::string>>;

server::Response get_h(const std::string& path, Query query,
                       std::map<std::string, std::string> headers = {}) {
  server::Request r;
  r.method = "GET";
  r.path = path;
  r.query = std::move(query);
  r.headers["host"] = "gebieden.test";
  for (auto& [k, v] : headers) r.headers[k] = v;
  return test::default_service().handle(r);
}

json get_json(const std::string& path, Query query = {}) {
  const auto r = test::get(path, std::move(query));
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

std::string header(const server::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

/// The JSON of <script type="application/json" id="ID">, null when there is none.
json script_data(const std::string& body, const std::string& id) {
  const std::string open = "<script type=\"application/json\" id=\"" + id + "\">";
  const auto a = body.find(open);
  if (a == std::string::npos) return json();
  const auto b = body.find("</script>", a);
  REQUIRE(b != std::string::npos);
  return json::parse(body.substr(a + open.size(), b - a - open.size()));
}

std::string html_lang(const std::string& body) {
  const std::string key = "<html lang=\"";
  const auto a = body.find(key);
  if (a == std::string::npos) return {};
  return body.substr(a + key.size(), body.find('"', a + key.size()) - a - key.size());
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

/// The HTML pages of the OGC front, with a feature id of buurten.
std::vector<std::string> html_paths() {
  const json first = get_json("/collections/buurten/items", {{"limit", "1"}});
  const std::string fid = first["features"][0]["id"];
  return {"/",
          "/conformance",
          "/collections",
          "/collections/buurten",
          "/collections/buurten/items",
          "/collections/buurten/items/" + fid,
          "/collections/buurten/queryables"};
}

/// The first feature of the social base without a geometry (the geocoder could not place it).
json unplaced_record(std::string& collection) {
  for (const auto& id : test::kSocialCollections) {
    const json all = get_json("/collections/" + id + "/items", {{"limit", "10000"}});
    for (const auto& f : all["features"])
      if (f["geometry"].is_null()) {
        collection = id;
        return f;
      }
  }
  return json();
}
}  // namespace

TEST_CASE("OGC HTML: the language - Dutch by default, English on request", "[ogc][html][unit]") {
  using server::html::Lang;
  CHECK(server::html::accept_language("") == Lang::Nl);
  CHECK(server::html::accept_language("en-GB,en;q=0.9") == Lang::En);
  CHECK(server::html::accept_language("nl;q=0.5,en;q=0.9") == Lang::En);
  CHECK(server::html::accept_language("en;q=0.8, nl;q=0.8") == Lang::Nl);  // a tie: Dutch
  CHECK(server::html::accept_language("fy") == Lang::Nl);
  CHECK(server::html::accept_language("de, fr;q=0.5") == Lang::Nl);
  CHECK(server::html::accept_language("EN-us") == Lang::En);
  CHECK(server::html::accept_language("en;q=0") == Lang::Nl);
  CHECK(server::html::parse_lang("en-GB") == Lang::En);
  CHECK(server::html::parse_lang("NL") == Lang::Nl);
  CHECK_FALSE(server::html::parse_lang("fy").has_value());

  const std::string items = "/collections/buurten/items";
  const auto nl = get_h(items, {{"f", "html"}});
  REQUIRE(nl.status == 200);
  CHECK(html_lang(nl.body) == "nl");
  CHECK(nl.body.find("volgende") != std::string::npos);
  CHECK(nl.body.find("next »") == std::string::npos);
  CHECK(nl.body.find("features match") == std::string::npos);
  CHECK(nl.body.find("objecten voldoen") != std::string::npos);
  CHECK(header(nl, "Vary").find("Accept-Language") != std::string::npos);

  const auto en = get_h(items, {{"f", "html"}, {"lang", "en"}});
  REQUIRE(en.status == 200);
  CHECK(html_lang(en.body) == "en");
  CHECK(en.body.find("next »") != std::string::npos);
  CHECK(en.body.find("volgende") == std::string::npos);
  // The next page keeps the language asked for.
  CHECK(en.body.find("lang=en") != std::string::npos);

  struct Case {
    std::string accept_language, lang;
  };
  for (const Case& c : {Case{"en-GB,en;q=0.9", "en"}, Case{"nl;q=0.5,en;q=0.9", "en"},
                        Case{"fy", "nl"}, Case{"nl-NL,nl;q=0.9,en;q=0.8", "nl"}}) {
    INFO(c.accept_language);
    const auto r = get_h(items, {{"f", "html"}}, {{"accept-language", c.accept_language}});
    REQUIRE(r.status == 200);
    CHECK(html_lang(r.body) == c.lang);
    CHECK((r.body.find("next »") != std::string::npos) == (c.lang == "en"));
  }
  // lang wins over Accept-Language.
  CHECK(
      html_lang(get_h(items, {{"f", "html"}, {"lang", "nl"}}, {{"accept-language", "en"}}).body) ==
      "nl");

  // Every HTML route takes lang; a language we do not have is a 400 naming it.
  for (const auto& path : html_paths()) {
    INFO(path);
    const auto dutch = get_h(path, {{"f", "html"}});
    REQUIRE(dutch.status == 200);
    CHECK(html_lang(dutch.body) == "nl");
    const auto english = get_h(path, {{"f", "html"}, {"lang", "en"}});
    REQUIRE(english.status == 200);
    CHECK(html_lang(english.body) == "en");
    CHECK(english.body != dutch.body);
    const auto bad = get_h(path, {{"f", "html"}, {"lang", "de"}});
    CHECK(bad.status == 400);
    const auto bad_json = get_h(path, {{"f", "json"}, {"lang", "de"}});
    CHECK(bad_json.status == 400);
    CHECK(json::parse(bad_json.body).value("parameter", "") == "lang");
  }
  CHECK(get_h("/api.html", {{"lang", "en"}}).status == 200);
}

TEST_CASE("OGC HTML: the JSON answers do not depend on the page language", "[ogc][html][unit]") {
  const json first = get_json("/collections/buurten/items", {{"limit", "1"}});
  const std::string fid = first["features"][0]["id"];
  const std::vector<std::string> paths = {"/",
                                          "/conformance",
                                          "/collections",
                                          "/collections/buurten",
                                          "/collections/buurten/queryables",
                                          "/collections/buurten/items/" + fid};
  for (const auto& path : paths) {
    INFO(path);
    const auto plain = get_h(path, {});
    const auto en = get_h(path, {}, {{"accept-language", "en"}});
    CHECK(plain.content_type == en.content_type);
    CHECK(plain.body == en.body);
    CHECK(plain.content_type.rfind("text/html", 0) != 0);
  }
}

TEST_CASE("OGC HTML: a boundary collection's items page maps the whole collection in its style",
          "[ogc][html][unit]") {
  const json all = get_json("/collections/buurten/items", {{"limit", "1"}});
  const std::size_t n = all["numberMatched"];
  REQUIRE(n > 10);
  const auto page = get_h("/collections/buurten/items", {{"f", "html"}});
  REQUIRE(page.status == 200);
  const json features = script_data(page.body, "features");
  REQUIRE(features.is_object());
  CHECK(features["features"].size() == n);
  // The style of the layer: its label field is in every feature.
  const json cfg = script_data(page.body, "map-config");
  REQUIRE(cfg.contains("style"));
  const auto& sheet = test::default_service().state().style_sheet;
  REQUIRE(sheet);
  const auto* buurten = sheet->for_collection("buurten", false);
  REQUIRE(buurten);
  REQUIRE(buurten->label);
  CHECK(cfg["style"]["label"]["field"] == buurten->label->field);
  for (const auto& f : features["features"]) CHECK(f["properties"].contains(buurten->label->field));
  // The page's 10 are emphasised, the note says the map shows them all.
  CHECK(cfg["highlight"].size() == 10);
  CHECK(page.body.find(std::to_string(n) + " objecten") != std::string::npos);
  CHECK(page.body.find("class=\"legend\"") != std::string::npos);

  // The gebieden: one fill per class, and a legend entry per class (and one for the rest).
  const auto* gebieden = sheet->for_collection("gebieden", false);
  REQUIRE(gebieden);
  const auto g = get_h("/collections/gebieden/items", {{"f", "html"}});
  const json gcfg = script_data(g.body, "map-config");
  CHECK(gcfg["style"]["field"] == gebieden->field);
  CHECK(gcfg["style"]["classes"].size() == gebieden->classes.size());
  const auto legend_at = g.body.find("class=\"legend\"");
  REQUIRE(legend_at != std::string::npos);
  const std::string legend =
      g.body.substr(legend_at, g.body.find("</section>", legend_at) - legend_at);
  for (const auto& c : gebieden->classes) CHECK(legend.find(c.color.hex()) != std::string::npos);
  CHECK(count(legend, "<li>") == gebieden->classes.size() + 2);  // + other + gemeente

  // Points: the symbols per soort of the style.
  const auto o = get_h("/collections/organisaties/items", {{"f", "html"}});
  REQUIRE(o.status == 200);
  const json ocfg = script_data(o.body, "map-config");
  CHECK(ocfg["style"]["kind"] == "point");
  CHECK(ocfg["style"]["field"] == "soort");
  CHECK_FALSE(ocfg.contains("basemap"));  // no base map unless configured
  CHECK(o.body.find("pdok") == std::string::npos);
}

TEST_CASE("OGC HTML: the gemeente outline is beneath every map", "[ogc][html][unit]") {
  const json gemeente = get_json("/collections/gemeente/items");
  REQUIRE_FALSE(gemeente["features"].empty());
  const std::string gid = gemeente["features"][0]["id"];
  std::vector<std::string> paths = html_paths();
  for (const auto& id : {"gebieden", "wijken", "gemeente", "organisaties"}) {
    paths.push_back(std::string("/collections/") + id);
    paths.push_back(std::string("/collections/") + id + "/items");
  }
  std::size_t maps = 0;
  for (const auto& path : paths) {
    INFO(path);
    const auto r = get_h(path, {{"f", "html"}});
    REQUIRE(r.status == 200);
    if (r.body.find("id=\"map\"") == std::string::npos) continue;
    ++maps;
    const json context = script_data(r.body, "context");
    REQUIRE(context.is_object());
    REQUIRE(context["features"].size() == gemeente["features"].size());
    CHECK(context["features"][0]["id"] == gid);
    // Text alternative and headings in order.
    CHECK(r.body.find("aria-label=\"") != std::string::npos);
    CHECK(r.body.find("<h1>") < r.body.find("<h2"));
  }
  CHECK(maps >= 10);
  // The collections page: one map of the gemeente and its gebieden, the extents per row.
  const auto list = get_h("/collections", {{"f", "html"}});
  const json gebieden = script_data(list.body, "features");
  CHECK(gebieden["features"].size() == get_json("/collections/gebieden/items")["features"].size());
  CHECK(count(list.body, "data-box=\"") == script_data(list.body, "boxes").size());
}

TEST_CASE("OGC HTML: an unplaced record says why and has no map", "[ogc][html][unit]") {
  std::string collection;
  const json rec = unplaced_record(collection);
  REQUIRE(rec.is_object());
  const std::string fid = rec["id"];
  const auto r = get_h("/collections/" + collection + "/items/" + server::percent_encode(fid),
                       {{"f", "html"}});
  REQUIRE(r.status == 200);
  CHECK(r.body.find("id=\"map\"") == std::string::npos);
  CHECK(r.body.find("leaflet.js") == std::string::npos);
  CHECK(r.body.find("Geen plaats op de kaart") != std::string::npos);
  const json& st = rec["properties"]["geocode_status"];
  const std::string status = st.is_string() ? st.get<std::string>() : "";
  if (status == "unmatched")
    CHECK(r.body.find("niet gevonden in het adresregister") != std::string::npos);
  if (status == "outside") CHECK(r.body.find("buiten de gemeente") != std::string::npos);
  if (status == "unmatched") CHECK(r.body.find("Reden: ") != std::string::npos);
  const auto en = get_h("/collections/" + collection + "/items/" + server::percent_encode(fid),
                        {{"f", "html"}, {"lang", "en"}});
  CHECK(en.body.find("No place on the map") != std::string::npos);
}

TEST_CASE("OGC HTML: tables - the id once, links in values, columns by usefulness",
          "[ogc][html][unit]") {
  // A record with a website.
  const json page = get_json("/collections/organisaties/items", {{"limit", "10"}});
  REQUIRE_FALSE(page["features"].empty());
  json with_site;
  for (const auto& f : page["features"])
    if (f["properties"]["website"].is_string() &&
        f["properties"]["website"].get<std::string>().rfind("http", 0) == 0) {
      with_site = f;
      break;
    }
  REQUIRE(with_site.is_object());
  const std::string fid = with_site["id"];
  const auto item =
      get_h("/collections/organisaties/items/" + server::percent_encode(fid), {{"f", "html"}});
  REQUIRE(item.status == 200);
  const std::string site = with_site["properties"]["website"];
  CHECK(item.body.find("<a href=\"" + server::html::escape(site) + "\" rel=\"noopener\">") !=
        std::string::npos);
  // The id once in the properties table (the schema has a field id too).
  const auto table_at = item.body.find("<table>");
  REQUIRE(table_at != std::string::npos);
  const std::string table = item.body.substr(table_at, item.body.find("</table>") - table_at);
  CHECK(count(table, "title=\"id\"") == 1);
  CHECK(count(table, ">" + fid + "<") == 1);
  // The name first, then soort, the areas, the status.
  auto at = [&](const std::string& s, const std::string& name) {
    return s.find("title=\"" + name + "\"");
  };
  CHECK(at(table, "naam") < at(table, "soort"));
  if (at(table, "buurtnaam") != std::string::npos)
    CHECK(at(table, "soort") < at(table, "buurtnaam"));
  if (at(table, "geocode_status") != std::string::npos &&
      at(table, "buurtnaam") != std::string::npos)
    CHECK(at(table, "buurtnaam") < at(table, "geocode_status"));
  CHECK(table.find(">Naam<") != std::string::npos);  // the schema's title as the header

  // The items table: the same order; the columns empty on the whole page left out.
  const auto items = get_h("/collections/organisaties/items", {{"f", "html"}, {"limit", "10"}});
  REQUIRE(items.status == 200);
  const auto t_at = items.body.find("<table>");
  REQUIRE(t_at != std::string::npos);
  const std::string head = items.body.substr(t_at, items.body.find("</tr>", t_at) - t_at);
  CHECK(at(head, "naam") < at(head, "soort"));
  CHECK(at(head, "soort") < at(head, "buurtnaam"));
  CHECK(at(head, "buurtnaam") < at(head, "gebied"));
  CHECK(count(head, "title=\"id\"") == 0);
  CHECK(count(head, ">Id<") == 1);
  std::set<std::string> empty_on_page;
  for (const auto& [k, v] : page["features"][0]["properties"].items()) {
    bool all_empty = true;
    for (const auto& f : page["features"]) {
      const auto& x = f["properties"][k];
      all_empty = all_empty && (x.is_null() || (x.is_string() && x.get<std::string>().empty()));
    }
    if (all_empty) empty_on_page.insert(k);
  }
  for (const auto& k : empty_on_page) {
    INFO(k);
    CHECK(at(head, k) == std::string::npos);
  }
  // Mail addresses become mailto: links, other text stays text.
  CHECK(server::html::text_value("info@example.org") ==
        "<a href=\"mailto:info@example.org\">info@example.org</a>");
  CHECK(server::html::text_value("a@b") == "a@b");
  CHECK(server::html::text_value("https://x.nl/a?b=1&c=2") ==
        "<a href=\"https://x.nl/a?b=1&amp;c=2\" rel=\"noopener\">https://x.nl/a?b=1&amp;c=2</a>");
  CHECK(server::html::text_value("javascript:alert(1)") == "javascript:alert(1)");
}

TEST_CASE("OGC HTML: a map page without a style sheet or context", "[ogc][html][unit]") {
  using server::html::Lang;
  CHECK(server::html::legend(nlohmann::ordered_json(), nlohmann::ordered_json::object(), Lang::Nl)
            .find("Gemeentegrens") != std::string::npos);
  CHECK(server::html::legend(nlohmann::ordered_json(), nlohmann::ordered_json(), Lang::En).empty());
  server::html::Page p;
  p.title = "t";
  p.geojson = R"({"type":"FeatureCollection","features":[]})";
  p.context_geojson = p.geojson;
  const std::string out = server::html::render(p);
  CHECK(out.find("id=\"map\"") != std::string::npos);
  CHECK(out.find("id=\"context\"") != std::string::npos);
}
