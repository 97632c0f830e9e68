// Integration tests of GeoServices editing (issue #13, point 5): the real server on a temporary
// store with a key file, edited with Esri's own client (@esri/arcgis-rest-feature-service, run by
// node: web/esri-applyedits.mjs), then read back through the FeatureServer query.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "geo/crs.hpp"
#include "process.hpp"
#include "server/access.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
constexpr const char* kTokenEnv = "GEBIEDEN_TEST_WRITE_TOKEN";
constexpr const char* kToken = "esri-editor-token-for-tests";  // an editor (GEBIEDEN_WRITE_TOKEN)
constexpr const char* kAdminKey = "esri-admin-key-for-tests";  // in the key file, role admin
const std::string kFs = "/arcgis/rest/services/gebieden/FeatureServer";

/// A copy of data/leeuwarden.json in a temporary folder (as tests/server/test_store_writes.cpp
/// makes it): every relative path made absolute, the store in `gpkg`, an admin key in the key
/// file, the editor tokens in kTokenEnv.
std::string store_config(const fs::path& gpkg) {
  json j = test::relocated_default_config();
  j["store"]["path"] = gpkg.string();
  j["store"]["write_token_env"] = kTokenEnv;
  const fs::path keys = test::temp_path("esri-keys.json");
  test::write_file(keys, json{{"keys",
                               {{{"name", "test-admin"},
                                 {"role", "admin"},
                                 {"sha256", server::sha256_hex(kAdminKey)},
                                 {"created", "2026-12-01T00:00:00Z"}}}}}
                             .dump());
  j["access"] = {{"keys_file", keys.string()}};
  const fs::path config = test::temp_path("esri-store-config.json");
  test::write_file(config, j.dump(2));
  return config.string();
}

test::ServerOptions options(const std::string& config) {
  test::ServerOptions o;
  o.config = config;
  o.env = {{kTokenEnv, kToken}};
  return o;
}

/// Percent-encoding of a form or query value.
std::string form_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  return out + "'";
}

/// Esri's client: `op` (applyEdits, addFeatures, ...) on `layer_url` with `options`; what
/// web/esri-applyedits.mjs prints: {"ok":true,"response":…} or {"ok":false,"error":…}.
json esri_client(const std::string& op, const std::string& layer_url, const json& options) {
  const std::string script = std::string(GEBIEDEN_WEB_DIR) + "/esri-applyedits.mjs";
  REQUIRE(fs::exists(std::string(GEBIEDEN_WEB_DIR) +
                     "/node_modules/@esri/arcgis-rest-feature-service"));
  std::string out;
  const int rc = test::run_command("node " + shell_quote(script) + " " + op + " " +
                                       shell_quote(layer_url) + " " + shell_quote(options.dump()),
                                   out);
  INFO(out);
  REQUIRE(rc == 0);
  const json j = json::parse(out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

json get_json(httplib::Client& c, const std::string& path) {
  auto r = c.Get(path.c_str());
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return json::parse(r->body);
}

/// Features of a FeatureServer query (with the admin key: private fields too).
json query(httplib::Client& c, std::size_t layer, const std::string& where,
           const std::string& extra = "") {
  const json j = get_json(c, kFs + "/" + std::to_string(layer) +
                                 "/query?f=json&outFields=*&where=" + form_encode(where) +
                                 "&token=" + kAdminKey + extra);
  INFO(j.dump().substr(0, 300));
  REQUIRE(j.contains("features"));
  return j["features"];
}

json add(const std::string& naam, std::optional<geo::XY> lonlat = std::nullopt) {
  json f = {{"attributes",
             {{"naam", naam},
              {"straat", "Sweelincksingel"},
              {"huisnummer", "11"},
              {"postcode", "8927CX"},
              {"plaats", "Leeuwarden"},
              {"contact_naam", "Geheim Persoon"}}}};
  if (lonlat)
    f["geometry"] = {{"x", lonlat->x}, {"y", lonlat->y}, {"spatialReference", {{"wkid", 4326}}}};
  return f;
}
}  // namespace

TEST_CASE("ArcGIS editing with Esri's client: add, update, delete, rollbackOnFailure, tokens",
          "[esri][store][http][integration]") {
  const fs::path gpkg = test::temp_path("esri-edit.gpkg");
  test::ServerProcess s(options(store_config(gpkg)));
  httplib::Client c("127.0.0.1", s.port());
  c.set_read_timeout(60, 0);

  // The layer of the organisaties, and what it says about editing.
  const json service = get_json(c, kFs + "?f=json");
  CHECK(service["capabilities"] == "Query,Create,Update,Delete,Editing");
  std::size_t layer = 0;
  bool found = false;
  for (const auto& l : service["layers"])
    if (l["name"] == "Organisaties") layer = l["id"].get<std::size_t>(), found = true;
  REQUIRE(found);
  CHECK(get_json(c, "/arcgis/rest/info?f=json")["authInfo"]["isTokenBasedSecurity"] == true);
  const std::string url = s.url() + kFs + "/" + std::to_string(layer);
  const std::string layer_path = kFs + "/" + std::to_string(layer);
  {
    const json meta = get_json(c, layer_path + "?f=json&token=" + std::string(kToken));
    CHECK(meta["capabilities"] == "Query,Create,Update,Delete,Editing");
    CHECK(meta["allowGeometryUpdates"] == true);
    CHECK(meta["supportsRollbackOnFailureParameter"] == true);
    CHECK(meta["hasStaticData"] == false);
    CHECK(meta["editFieldsInfo"] == json{{"creationDateField", "aangemaakt_op"},
                                         {"creatorField", "aangemaakt_door"},
                                         {"editDateField", "gewijzigd_op"},
                                         {"editorField", "gewijzigd_door"}});
    std::map<std::string, json> fields;
    for (const auto& f : meta["fields"]) fields[f["name"].get<std::string>()] = f;
    CHECK(fields["OBJECTID"]["editable"] == false);
    CHECK(fields["naam"]["editable"] == true);
    CHECK(fields["naam"]["nullable"] == false);
    CHECK(fields["contact_naam"]["editable"] == true);  // private: seen and edited with a key
    CHECK(fields["buurtcode"]["editable"] == false);
    CHECK(fields["gewijzigd_door"]["editable"] == false);
    // The public sees the layer editable, but not who created or edited.
    const json open = get_json(c, layer_path + "?f=json");
    CHECK(open["capabilities"] == "Query,Create,Update,Delete,Editing");
    CHECK_FALSE(open["editFieldsInfo"].contains("creatorField"));
    CHECK_FALSE(open["editFieldsInfo"].contains("editorField"));
  }

  // Without a token: 499; with one that is not valid: 498 (the client throws ArcGISAuthError).
  json r = esri_client("applyEdits", url, {{"adds", {add("Zonder sleutel")}}});
  CHECK(r["ok"] == false);
  CHECK(r["error"]["code"] == 499);
  CHECK(r["error"]["name"] == "ArcGISAuthError");
  r = esri_client("applyEdits", url,
                  {{"adds", {add("Verkeerde sleutel")}}, {"params", {{"token", "niet-geldig"}}}});
  CHECK(r["ok"] == false);
  CHECK(r["error"]["code"] == 498);
  CHECK(query(c, layer, "naam = 'Zonder sleutel'").empty());
  CHECK(query(c, layer, "naam = 'Verkeerde sleutel'").empty());

  // Add two (one with its own point, one placed by its address).
  const json editor = {{"token", kToken}};
  r = esri_client("applyEdits", url,
                  {{"adds", {add("Esri Een", geo::XY{5.7999, 53.2012}), add("Esri Twee")}},
                   {"params", editor}});
  INFO(r.dump());
  REQUIRE(r["ok"] == true);
  const json& adds = r["response"]["addResults"];
  REQUIRE(adds.size() == 2);
  CHECK(adds[0]["success"] == true);
  CHECK(adds[1]["success"] == true);
  const std::int64_t one = adds[0]["objectId"], two = adds[1]["objectId"];
  CHECK(one > 0);
  CHECK(two > 0);
  CHECK(r["response"]["updateResults"].empty());
  CHECK(r["response"]["deleteResults"].empty());
  json found_one = query(c, layer, "OBJECTID = " + std::to_string(one));
  REQUIRE(found_one.size() == 1);
  CHECK(found_one[0]["attributes"]["naam"] == "Esri Een");
  CHECK(found_one[0]["attributes"]["contact_naam"] == "Geheim Persoon");
  CHECK(found_one[0]["attributes"]["aangemaakt_door"] == "GEBIEDEN_WRITE_TOKEN");  // the actor
  CHECK(found_one[0]["geometry"]["x"].get<double>() == Approx(5.7999).margin(1e-6));
  CHECK(found_one[0]["geometry"]["y"].get<double>() == Approx(53.2012).margin(1e-6));
  {
    // The layer's last edit is now (the newest aangemaakt_op / gewijzigd_op).
    const json meta = get_json(c, layer_path + "?f=json");
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    REQUIRE(meta["editingInfo"]["lastEditDate"].is_number_integer());
    CHECK(meta["editingInfo"]["lastEditDate"].get<std::int64_t>() > now - 600'000);
    CHECK(meta["editingInfo"]["lastEditDate"].get<std::int64_t>() <= now + 1000);
  }
  json found_two = query(c, layer, "OBJECTID = " + std::to_string(two));
  REQUIRE(found_two.size() == 1);
  CHECK(found_two[0]["attributes"]["buurtcode"] == "BU00805103");  // geocoded

  // Update one: an attribute and its point in Web Mercator (what Map Viewer sends).
  const geo::XY moved = geo::lonlat_to_webmercator({5.7801, 53.1952});
  r = esri_client(
      "applyEdits", url,
      {{"updates",
        {{{"attributes", {{"OBJECTID", one}, {"naam", "Esri Een Gewijzigd"}}},
          {"geometry",
           {{"x", moved.x}, {"y", moved.y}, {"spatialReference", {{"wkid", 102100}}}}}}}},
       {"params", editor}});
  INFO(r.dump());
  REQUIRE(r["ok"] == true);
  REQUIRE(r["response"]["updateResults"].size() == 1);
  CHECK(r["response"]["updateResults"][0]["success"] == true);
  CHECK(r["response"]["updateResults"][0]["objectId"] == one);
  found_one = query(c, layer, "OBJECTID = " + std::to_string(one), "&outSR=4326");
  REQUIRE(found_one.size() == 1);
  CHECK(found_one[0]["attributes"]["naam"] == "Esri Een Gewijzigd");
  CHECK(found_one[0]["attributes"]["gewijzigd_door"] == "GEBIEDEN_WRITE_TOKEN");
  CHECK(found_one[0]["geometry"]["x"].get<double>() == Approx(5.7801).margin(1e-6));
  CHECK(found_one[0]["geometry"]["y"].get<double>() == Approx(53.1952).margin(1e-6));

  // An unknown OBJECTID fails that update only (rollbackOnFailure false).
  r = esri_client("updateFeatures", url,
                  {{"features", {{{"attributes", {{"OBJECTID", 2147483000}, {"naam", "x"}}}}}},
                   {"rollbackOnFailure", false},
                   {"params", editor}});
  REQUIRE(r["ok"] == true);
  REQUIRE(r["response"]["updateResults"].size() == 1);
  CHECK(r["response"]["updateResults"][0]["success"] == false);
  CHECK(r["response"]["updateResults"][0]["objectId"] == 2147483000);
  CHECK(r["response"]["updateResults"][0]["error"]["code"] == 1000);

  // Deleting needs an admin key: the editor gets 403; the admin deletes.
  r = esri_client("applyEdits", url, {{"deletes", {two}}, {"params", editor}});
  CHECK(r["ok"] == false);
  CHECK(r["error"]["code"] == 403);
  CHECK(query(c, layer, "OBJECTID = " + std::to_string(two)).size() == 1);
  r = esri_client("applyEdits", url, {{"deletes", {two}}, {"params", {{"token", kAdminKey}}}});
  INFO(r.dump());
  REQUIRE(r["ok"] == true);
  REQUIRE(r["response"]["deleteResults"].size() == 1);
  CHECK(r["response"]["deleteResults"][0]["success"] == true);
  CHECK(r["response"]["deleteResults"][0]["objectId"] == two);
  CHECK(query(c, layer, "OBJECTID = " + std::to_string(two)).empty());

  // A failing batch with rollbackOnFailure (the default): nothing is stored, every result fails.
  json bad = add("Esri Fout");
  bad["attributes"]["soort"] = "onbekend";
  r = esri_client("applyEdits", url,
                  {{"adds", {add("Esri Geldig", geo::XY{5.7999, 53.2012}), bad}},
                   {"rollbackOnFailure", true},
                   {"params", editor}});
  INFO(r.dump());
  REQUIRE(r["ok"] == true);
  REQUIRE(r["response"]["addResults"].size() == 2);
  CHECK(r["response"]["addResults"][0]["success"] == false);
  CHECK(r["response"]["addResults"][1]["success"] == false);
  CHECK(r["response"]["addResults"][1]["objectId"] == -1);
  CHECK(r["response"]["addResults"][1]["error"]["description"].get<std::string>().find("soort") !=
        std::string::npos);
  CHECK(query(c, layer, "naam = 'Esri Geldig'").empty());
  // A batch the store refuses (a point outside the gemeente) is rolled back as a whole too.
  r = esri_client("addFeatures", url,
                  {{"features", {add("Esri Geldig"), add("Esri Buiten", geo::XY{4.9, 52.37})}},
                   {"params", editor}});
  REQUIRE(r["ok"] == true);
  REQUIRE(r["response"]["addResults"].size() == 2);
  CHECK(r["response"]["addResults"][0]["success"] == false);
  CHECK(r["response"]["addResults"][1]["success"] == false);
  CHECK(r["response"]["addResults"][1]["error"]["description"].get<std::string>().find(
            "geometry") != std::string::npos);
  CHECK(query(c, layer, "naam = 'Esri Geldig'").empty());

  // The same without rollback: the valid one is stored.
  r = esri_client("applyEdits", url,
                  {{"adds", {add("Esri Geldig", geo::XY{5.7999, 53.2012}), bad}},
                   {"rollbackOnFailure", false},
                   {"params", editor}});
  REQUIRE(r["ok"] == true);
  REQUIRE(r["response"]["addResults"].size() == 2);
  CHECK(r["response"]["addResults"][0]["success"] == true);
  CHECK(r["response"]["addResults"][1]["success"] == false);
  const json kept = query(c, layer, "naam = 'Esri Geldig'");
  REQUIRE(kept.size() == 1);
  CHECK(kept[0]["attributes"]["OBJECTID"] == r["response"]["addResults"][0]["objectId"]);

  // deleteFeatures by where (the query path), with the admin key.
  r = esri_client("deleteFeatures", url,
                  {{"where", "naam = 'Esri Geldig'"}, {"params", {{"token", kAdminKey}}}});
  INFO(r.dump());
  REQUIRE(r["ok"] == true);
  REQUIRE(r["response"]["deleteResults"].size() == 1);
  CHECK(r["response"]["deleteResults"][0]["success"] == true);
  CHECK_FALSE(r["response"].contains("addResults"));
  CHECK(query(c, layer, "naam = 'Esri Geldig'").empty());

  // The service level: edits of several layers in one batch, the token in the form body.
  auto post =
      c.Post((kFs + "/applyEdits").c_str(),
             "f=json&token=" + std::string(kToken) + "&edits=" +
                 form_encode(json::array({{{"id", layer}, {"adds", {add("Esri Dienst")}}}}).dump()),
             "application/x-www-form-urlencoded");
  REQUIRE(post);
  CHECK(post->status == 200);
  const json svc = json::parse(post->body);
  INFO(post->body);
  REQUIRE(svc.is_array());
  REQUIRE(svc.size() == 1);
  CHECK(svc[0]["id"] == layer);
  REQUIRE(svc[0]["addResults"].size() == 1);
  CHECK(svc[0]["addResults"][0]["success"] == true);
  CHECK(query(c, layer, "naam = 'Esri Dienst'").size() == 1);
  // One batch across layers: a failing add in another layer rolls back this layer's add too
  // (the key as X-Esri-Authorization this time).
  std::size_t other = 0;
  for (const auto& l : service["layers"])
    if (l["name"] == "Initiatieven") other = l["id"].get<std::size_t>();
  REQUIRE(other != 0);
  json wrong = add("Esri Over Lagen Fout");
  wrong["attributes"]["scharrelbudget"] = -5;  // below the schema's minimum
  post = c.Post((kFs + "/applyEdits").c_str(),
                {{"X-Esri-Authorization", std::string("Bearer ") + kToken}},
                "f=json&edits=" +
                    form_encode(json::array({{{"id", layer}, {"adds", {add("Esri Over Lagen")}}},
                                             {{"id", other}, {"adds", {wrong}}}})
                                    .dump()),
                "application/x-www-form-urlencoded");
  REQUIRE(post);
  const json across = json::parse(post->body);
  INFO(post->body);
  REQUIRE(across.is_array());
  REQUIRE(across.size() == 2);
  CHECK(across[0]["addResults"][0]["success"] == false);
  CHECK(across[1]["id"] == other);
  CHECK(across[1]["addResults"][0]["success"] == false);
  CHECK(across[1]["addResults"][0]["error"]["description"].get<std::string>().find(
            "scharrelbudget") != std::string::npos);
  CHECK(query(c, layer, "naam = 'Esri Over Lagen'").empty());
  CHECK(query(c, other, "naam = 'Esri Over Lagen Fout'").empty());

  // Edits are POST only; a GET answers 405 in the envelope.
  const json get = get_json(c, layer_path + "/applyEdits?f=json&token=" + std::string(kToken));
  CHECK(get["error"]["code"] == 405);
  CHECK(s.alive());
}
