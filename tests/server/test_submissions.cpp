// Integration tests of residents' submissions (POST /submissions, no key; GET /submissions, the
// editors' queue): the real server on a temporary GeoPackage. A submission is in no public
// answer until an editor accepts it, and then without its submitter's contact.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "process.hpp"
#include "server/access.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
constexpr const char* kTokenEnv = "GEBIEDEN_TEST_WRITE_TOKEN";
constexpr const char* kToken = "s3cret-token-for-tests";  // an editor (GEBIEDEN_WRITE_TOKEN)
constexpr const char* kAdminKey = "admin-key-for-tests";  // in the key file, role admin
constexpr const char* kReaderKey = "reader-key-for-tests";

// The submitted initiative: its name, and the submitter's contact that must never be public.
constexpr const char* kNaam = "Moestuin Proefaanmelding Zuid";
constexpr const char* kAanmelder = "Aanmelder Geheimnaam";
constexpr const char* kEmail = "aanmelder.geheim@example.nl";
constexpr const char* kTelefoon = "06-13572468";
constexpr const char* kBuurt = "BU00805103";  // Sweelincksingel 11, 8927CX Leeuwarden

/// A copy of data/leeuwarden.json in a temporary folder (as in test_store_writes.cpp): every
/// relative path made absolute, the store in `gpkg`, the write tokens in kTokenEnv, an admin and
/// a reader key in the key file, and `max_pending` waiting submissions at most.
std::string store_config(const fs::path& gpkg, int max_pending = 1000) {
  json j = test::relocated_default_config();
  j["store"]["path"] = gpkg.string();
  j["store"]["write_token_env"] = kTokenEnv;
  j["store"]["submissions"]["max_pending"] = max_pending;
  const fs::path keys = test::temp_path("submission-keys.json");
  test::write_file(keys, json{{"keys",
                               {{{"name", "test-admin"},
                                 {"role", "admin"},
                                 {"sha256", server::sha256_hex(kAdminKey)},
                                 {"created", "2026-12-01T00:00:00Z"}},
                                {{"name", "test-reader"},
                                 {"role", "reader"},
                                 {"sha256", server::sha256_hex(kReaderKey)},
                                 {"created", "2026-12-01T00:00:00Z"}}}}}
                             .dump());
  j["access"] = {{"keys_file", keys.string()}};
  const fs::path config = test::temp_path("submission-config.json");
  test::write_file(config, j.dump(2));
  return config.string();
}

test::ServerOptions options(const std::string& config) {
  test::ServerOptions o;
  o.config = config;
  o.env = {{kTokenEnv, kToken}};
  return o;
}

httplib::Headers auth(const std::string& token = kToken) {
  return {{"Authorization", "Bearer " + token}};
}

std::unique_ptr<httplib::Client> client(const test::ServerProcess& s) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", s.port());
  c->set_read_timeout(60, 0);
  return c;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// The form a browser posts.
std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += k + '=';
    for (unsigned char ch : v) {
      if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_')
        out += static_cast<char>(ch);
      else if (ch == ' ')
        out += '+';
      else {
        char buf[4];
        std::snprintf(buf, sizeof(buf), "%%%02X", ch);
        out += buf;
      }
    }
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>> kForm = {
    {"naam", kNaam},
    {"omschrijving", "Een moestuin voor de buurt, met een kas en een bankje."},
    {"categorie", "natuur_duurzaamheid"},
    {"straat", "Sweelincksingel"},
    {"huisnummer", "11"},
    {"postcode", "8927CX"},
    {"plaats", "Leeuwarden"},
    {"aanmelder_naam", kAanmelder},
    {"aanmelder_email", kEmail},
    {"aanmelder_telefoon", kTelefoon},
    {"scharrelbudget", "250"},
    {"website_url", ""}};

json json_submission(const std::string& naam) {
  return json{{"naam", naam},
              {"omschrijving", "Samen de straat schoon houden."},
              {"straat", "Descartesgracht"},
              {"huisnummer", "5"},
              {"postcode", "8929HE"},
              {"aanmelder_naam", "Iemand Anders"},
              {"aanmelder_email", "iemand@example.org"}};
}

/// aantal_initiatieven of a buurt.
std::int64_t count_in(httplib::Client& c, const std::string& buurtcode) {
  auto r = c.Get("/collections/buurten/items/" + buurtcode + "?f=json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return json::parse(r->body)["properties"]["aantal_initiatieven"].get<std::int64_t>();
}

/// The GeoServices layer index of a collection.
int esri_layer(httplib::Client& c, const std::string& id) {
  auto r = c.Get("/arcgis/rest/services/gebieden/FeatureServer?f=json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const json service = json::parse(r->body);
  for (const char* list : {"layers", "tables"})
    for (const auto& l : service[list])
      if (l["name"] == id || l["name"] == "Initiatieven") return l["id"].get<int>();
  FAIL("no layer " + id);
  return -1;
}

/// Every public answer that could show the initiative, as text, with the counts it is in.
struct PublicView {
  std::vector<std::pair<std::string, std::string>> bodies;  // (what, body)
  std::int64_t buurt_count = 0, overview_count = 0, gebied_count = 0;
};

PublicView public_view(httplib::Client& c, const std::string& id, double lon, double lat, int layer,
                       int* item_status) {
  PublicView v;
  auto get = [&](const std::string& what, const std::string& path) {
    auto r = c.Get(path);
    REQUIRE(r);
    INFO(what << ": " << r->body.substr(0, 300));
    v.bodies.emplace_back(what, r->body);
    return r;
  };
  for (const char* f : {"json", "html", "csv"}) {
    auto r = get(std::string("items f=") + f,
                 std::string("/collections/initiatieven/items?limit=10000&f=") + f);
    if (std::string(f) != "csv") CHECK(r->status == 200);
  }
  auto item = get("item", "/collections/initiatieven/items/" + id + "?f=json");
  *item_status = item->status;
  get("item html", "/collections/initiatieven/items/" + id + "?f=html");
  auto esri =
      get("esri query", "/arcgis/rest/services/gebieden/FeatureServer/" + std::to_string(layer) +
                            "/query?where=1%3D1&outFields=*&f=json&resultRecordCount=10000");
  CHECK(esri->status == 200);
  char point[96];
  std::snprintf(point, sizeof(point), "POINT(%.7f%%20%.7f)", lon, lat);
  for (const char* f : {"json", "csv"}) {
    auto r = get(std::string("nearby f=") + f,
                 std::string("/nearby?coords=") + point + "&within=300&limit=1000&f=" + f);
    CHECK(r->status == 200);
  }
  auto overview = get("buurt overview", std::string("/buurten/") + kBuurt + "/overzicht");
  REQUIRE(overview->status == 200);
  const json o = json::parse(overview->body);
  v.overview_count = o["totaal"]["per_collectie"]["initiatieven"].get<std::int64_t>();
  get("buurt overview csv", std::string("/buurten/") + kBuurt + "/overzicht?f=csv");
  const json buurt = json::parse(c.Get(std::string("/collections/buurten/items/") + kBuurt)->body);
  const std::string gebied = buurt["properties"]["gebied"].get<std::string>();
  auto go = get("gebied overview", "/gebieden/" + gebied + "/overzicht");
  REQUIRE(go->status == 200);
  v.gebied_count =
      json::parse(go->body)["totaal"]["per_collectie"]["initiatieven"].get<std::int64_t>();
  v.buurt_count = count_in(c, kBuurt);
  return v;
}

/// The answer to the editor's queue, and the submission of reference `ref` in it (null: none).
json queued(httplib::Client& c, const std::string& ref) {
  auto r = c.Get("/submissions", auth());
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const json queue = json::parse(r->body);
  for (const auto& f : queue["features"])
    if (f["properties"]["referentie"] == ref) return f;
  return nullptr;
}
}  // namespace

TEST_CASE("submissions: invisible in every public answer until accepted, then without contact",
          "[submissions][http]") {
  const fs::path gpkg = test::temp_path("submissions.gpkg");
  test::ServerProcess s(options(store_config(gpkg)));
  auto c = client(s);
  const int layer = esri_layer(*c, "initiatieven");
  int status = 0;
  const PublicView before = public_view(*c, "nothing-yet", 5.8, 53.19, layer, &status);

  // A plain HTML form, no key: 202 with the reference and what happens next, never the id.
  auto r = c->Post("/submissions", form(kForm), "application/x-www-form-urlencoded");
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 202);
  CHECK(r->get_header_value("Cache-Control") == "no-store");
  const json answer = json::parse(r->body);
  const std::string ref = answer["referentie"].get<std::string>();
  CHECK(std::regex_match(ref, std::regex("INI-20[0-9]{2}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}")));
  CHECK(answer["status"] == "ingediend");
  const std::string next = answer["volgende_stappen"].get<std::string>();
  CHECK(contains(next, "werkdagen"));
  CHECK(contains(next, "Tafel van 8"));
  CHECK(contains(next, "e-mail"));
  CHECK(answer.size() == 3);

  // From a browser (Accept: text/html): a small page with the reference.
  auto page = c->Post("/submissions", {{"Accept", "text/html,application/xhtml+xml;q=0.9"}},
                      form({{"naam", "Bankje bij de vijver"},
                            {"omschrijving", "Een bankje."},
                            {"adres", "Sweelincksingel 11, Leeuwarden"},
                            {"aanmelder_naam", "Iemand"},
                            {"aanmelder_email", "iemand@example.org"}}),
                      "application/x-www-form-urlencoded");
  REQUIRE(page);
  CHECK(page->status == 202);
  CHECK(contains(page->get_header_value("Content-Type"), "text/html"));
  CHECK(std::regex_search(page->body, std::regex("<strong>INI-20[0-9]{2}-[0-9A-Z]{6}</strong>")));
  CHECK(contains(page->body, "werkdagen"));

  // Text that a spreadsheet would take for a formula stays text in the queue's CSV.
  json formula = json_submission("=HYPERLINK(\"http://evil.example\")");
  auto fr = c->Post("/submissions", formula.dump(), "application/json");
  REQUIRE(fr);
  CHECK(fr->status == 202);

  // The editors' queue: only with an editor key; it has every field.
  auto q = c->Get("/submissions");
  REQUIRE(q);
  CHECK(q->status == 401);
  CHECK(contains(q->get_header_value("WWW-Authenticate"), "Bearer"));
  CHECK_FALSE(contains(q->body, kEmail));
  q = c->Get("/submissions", auth(kReaderKey));
  REQUIRE(q);
  CHECK(q->status == 403);
  CHECK_FALSE(contains(q->body, kEmail));
  const json sub = queued(*c, ref);
  REQUIRE(sub.is_object());
  const std::string id = sub["id"].get<std::string>();
  CHECK_FALSE(contains(r->body, id));  // the submitter's answer has no internal id
  CHECK(sub["properties"]["status"] == "ingediend");
  CHECK(sub["properties"]["naam"] == kNaam);
  CHECK(sub["properties"]["aanmelder_naam"] == kAanmelder);
  CHECK(sub["properties"]["aanmelder_email"] == kEmail);
  CHECK(sub["properties"]["aanmelder_telefoon"] == kTelefoon);
  CHECK(sub["properties"]["soort"] == "initiatief");
  CHECK(sub["properties"]["buurtcode"] == kBuurt);
  CHECK(sub["properties"]["aangemaakt_door"] == "aanmelding");
  REQUIRE(sub["geometry"]["type"] == "Point");
  const double lon = sub["geometry"]["coordinates"][0].get<double>();
  const double lat = sub["geometry"]["coordinates"][1].get<double>();
  auto csv = c->Get("/submissions?f=csv", auth());
  REQUIRE(csv);
  CHECK(csv->status == 200);
  CHECK(contains(csv->get_header_value("Content-Type"), "text/csv"));
  CHECK(contains(csv->body, ref));
  CHECK(contains(csv->body, kEmail));
  CHECK(contains(csv->body, "\"'=HYPERLINK(\"\"http://evil.example\"\")\""));
  CHECK_FALSE(contains(csv->body, ",\"=HYPERLINK"));

  // In no public answer: not listed, not found by id, not counted.
  const PublicView waiting = public_view(*c, id, lon, lat, layer, &status);
  CHECK(status == 404);
  for (const auto& [what, body] : waiting.bodies) {
    INFO(what);
    CHECK_FALSE(contains(body, kNaam));
    CHECK_FALSE(contains(body, ref));
    CHECK_FALSE(contains(body, kAanmelder));
    CHECK_FALSE(contains(body, kEmail));
    CHECK_FALSE(contains(body, kTelefoon));
  }
  CHECK(waiting.buurt_count == before.buurt_count);
  CHECK(waiting.overview_count == before.overview_count);
  CHECK(waiting.gebied_count == before.gebied_count);

  // An editor moves it on (a PUT of the record it read, status in_behandeling).
  auto item = c->Get("/collections/initiatieven/items/" + id + "?f=json", auth());
  REQUIRE(item);
  REQUIRE(item->status == 200);
  json record = json::parse(item->body);
  record.erase("links");
  record["properties"]["status"] = "in_behandeling";
  auto put = c->Put("/collections/initiatieven/items/" + id, auth(), record.dump(),
                    "application/geo+json");
  REQUIRE(put);
  INFO(put->body);
  REQUIRE(put->status == 200);
  CHECK(queued(*c, ref).is_null());  // no longer waiting

  // Now public, counted, and without the submitter's contact.
  const PublicView accepted = public_view(*c, id, lon, lat, layer, &status);
  CHECK(status == 200);
  for (const auto& [what, body] : accepted.bodies) {
    INFO(what);
    CHECK_FALSE(contains(body, kAanmelder));
    CHECK_FALSE(contains(body, kEmail));
    CHECK_FALSE(contains(body, kTelefoon));
    CHECK_FALSE(contains(body, "aanmelder_"));
  }
  auto has = [&](const std::string& what) {
    for (const auto& [w, body] : accepted.bodies)
      if (w == what) return contains(body, kNaam);
    return false;
  };
  CHECK(has("items f=json"));
  CHECK(has("items f=html"));
  CHECK(has("item"));
  CHECK(has("esri query"));
  CHECK(has("nearby f=json"));
  CHECK(has("nearby f=csv"));
  CHECK(accepted.buurt_count == before.buurt_count + 1);
  CHECK(accepted.overview_count == before.overview_count + 1);
  CHECK(accepted.gebied_count == before.gebied_count + 1);
}

TEST_CASE("submissions: validation, the honeypot, the limit per client and the waiting cap",
          "[submissions][http]") {
  const fs::path gpkg = test::temp_path("submissions-limits.gpkg");
  {
    test::ServerProcess s(options(store_config(gpkg)));
    auto c = client(s);
    auto post = [&](const json& body) {
      auto r = c->Post("/submissions", body.dump(), "application/json");
      REQUIRE(r);
      return r;
    };
    auto code_of = [](const httplib::Result& r) { return json::parse(r->body)["code"]; };
    auto param_of = [](const httplib::Result& r) { return json::parse(r->body)["parameter"]; };

    // Bad input: 400 naming the field, 415 for another media type; none counts for the limit.
    json j = json_submission("Straatschoon");
    j["kleur"] = "blauw";
    auto r = post(j);
    CHECK(r->status == 400);
    CHECK(param_of(r) == "kleur");
    CHECK(code_of(r) == "UnknownParameter");
    for (const char* f : {"naam", "omschrijving", "aanmelder_naam", "aanmelder_email"}) {
      j = json_submission("Straatschoon");
      j.erase(f);
      r = post(j);
      CHECK(r->status == 400);
      CHECK(param_of(r) == f);
    }
    j = json_submission("Straatschoon");
    j["aanmelder_email"] = "geen-adres";
    r = post(j);
    CHECK(r->status == 400);
    CHECK(param_of(r) == "aanmelder_email");
    j = json_submission("Straatschoon");
    j["categorie"] = "feest";  // not a categorie of the schema: the store's problem
    r = post(j);
    CHECK(r->status == 400);
    CHECK(param_of(r) == "categorie");
    j = json_submission("Straatschoon");
    j["scharrelbudget"] = -5;
    r = post(j);
    CHECK(r->status == 400);
    CHECK(param_of(r) == "scharrelbudget");
    j = json_submission("Straatschoon");
    j["naam"] = std::string(300, 'x');
    r = post(j);
    CHECK(r->status == 400);
    CHECK(param_of(r) == "naam");
    j = json_submission("Straatschoon");
    for (const char* f : {"straat", "huisnummer", "postcode"}) j.erase(f);
    r = post(j);
    CHECK(r->status == 400);
    CHECK(param_of(r) == "adres");
    j["lat"] = 52.37;  // Amsterdam: outside the gemeente
    j["lon"] = 4.89;
    r = post(j);
    CHECK(r->status == 400);
    CHECK(param_of(r) == "lat");
    j = json_submission("Straatschoon");
    j["huisnummer"] = "99999";
    r = post(j);
    CHECK(r->status == 400);
    CHECK(param_of(r) == "straat");
    r = c->Post("/submissions", "naam=x", "text/plain");
    REQUIRE(r);
    CHECK(r->status == 415);
    r = c->Post("/submissions", "{", "application/json");
    REQUIRE(r);
    CHECK(r->status == 400);
    r = c->Delete("/submissions");
    REQUIRE(r);
    CHECK(r->status == 405);
    CHECK(r->get_header_value("Allow") == "GET, HEAD, POST, OPTIONS");

    // A bot fills in the hidden field: answered as accepted, nothing stored, not counted.
    j = json_submission("Botinitiatief");
    j["website_url"] = "http://spam.example";
    r = post(j);
    CHECK(r->status == 202);
    CHECK(json::parse(r->body)["referentie"].is_string());

    // A free-text address is found in the register.
    j = json_submission("Vrije tekst");
    for (const char* f : {"straat", "huisnummer", "postcode"}) j.erase(f);
    j["adres"] = "Sweelincksingel 11, Leeuwarden";
    r = post(j);
    INFO(r->body);
    CHECK(r->status == 202);

    // Five an hour from one client; the sixth is 429 with Retry-After.
    std::set<std::string> refs;
    for (int i = 0; i < 4; ++i) {
      r = post(json_submission("Straatschoon " + std::to_string(i)));
      INFO(r->body);
      REQUIRE(r->status == 202);
      refs.insert(json::parse(r->body)["referentie"].get<std::string>());
    }
    CHECK(refs.size() == 4);
    r = post(json_submission("Een te veel"));
    CHECK(r->status == 429);
    CHECK(code_of(r) == "TooManyRequests");
    const int retry = std::stoi(r->get_header_value("Retry-After"));
    CHECK(retry > 3000);
    CHECK(retry <= 3600);
    // The queue holds the five, oldest first; the bot's is not there.
    auto q = c->Get("/submissions", auth());
    REQUIRE(q);
    const json queue = json::parse(q->body);
    CHECK(queue["numberWaiting"] == 5);
    CHECK(queue["features"][0]["properties"]["naam"] == "Vrije tekst");
    CHECK(queue["features"][0]["properties"]["straat"] == "Sweelincksingel");
    CHECK_FALSE(contains(q->body, "Botinitiatief"));
    CHECK_FALSE(contains(q->body, "Een te veel"));
  }
  {
    // At most max_pending waiting in all: then 503 with Retry-After, nothing written.
    test::ServerProcess s(options(store_config(test::temp_path("submissions-cap.gpkg"), 2)));
    auto c = client(s);
    for (int i = 0; i < 2; ++i) {
      auto r = c->Post("/submissions", json_submission("Vol " + std::to_string(i)).dump(),
                       "application/json");
      REQUIRE(r);
      CHECK(r->status == 202);
    }
    auto r = c->Post("/submissions", json_submission("Vol 2").dump(), "application/json");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(json::parse(r->body)["code"] == "ServiceUnavailable");
    CHECK(contains(json::parse(r->body)["description"].get<std::string>(), "try later"));
    CHECK(!r->get_header_value("Retry-After").empty());
    auto q = c->Get("/submissions", auth());
    REQUIRE(q);
    CHECK(json::parse(q->body)["numberWaiting"] == 2);
  }
}
