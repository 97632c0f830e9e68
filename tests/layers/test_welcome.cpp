// The welcome pack's model (layers/welcome.hpp) on the real boundaries, the synthetic register
// and the seeded store: the areas and team of a village and a city address, computed anew
// through the area model; the places by distance; a failure with the geocoder's reason; and no
// private field anywhere.

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "geo/csv.hpp"
#include "layers/welcome.hpp"
#include "server/service.hpp"
#include "test_paths.hpp"

using namespace gebieden;

namespace {

struct RegisterRow {
  std::string straat, nummer, postcode, woonplaats;
  double x = 0, y = 0;
};

/// The first address of `woonplaats` in the synthetic register CSV (skip the first `skip`).
RegisterRow register_row(const std::string& woonplaats, int skip = 0) {
  std::ifstream in(test::shared_data("synthetic/bag_leeuwarden_synthetic.csv"));
  geo::CsvReader r(in);
  std::vector<std::string> f;
  r.next(f);  // identificatie,openbare_ruimte_naam,huisnummer,huisletter,toevoeging,postcode,...
  while (r.next(f)) {
    if (f.size() < 9 || f[6] != woonplaats || !f[3].empty() || !f[4].empty()) continue;
    if (skip-- > 0) continue;
    return RegisterRow{f[1], f[2], f[5], f[6], std::stod(f[7]), std::stod(f[8])};
  }
  FAIL("no address in " << woonplaats);
  return {};
}

struct WelcomeFixture {
  std::shared_ptr<server::ServiceState> state;
  WelcomeFixture() { state = server::load_state(test::load_default_config()); }
  layers::WelcomeSources sources() const {
    std::vector<layers::CollectionPtr> cs;
    for (const auto& c : state->config.store.collections)
      if (auto p = state->catalogue.get(c.id)) cs.push_back(p);
    return {*state->model, *state->geocoder, *state->nearby, cs};
  }
  /// Every non-empty value of a private field of the records the pack lists (from the full view).
  std::vector<std::string> private_values(const layers::WelcomePack& p) const {
    std::vector<std::string> out;
    std::vector<const layers::WelcomePlace*> places;
    if (p.meeting_place) places.push_back(&*p.meeting_place);
    for (const auto* l : {&p.activities, &p.initiatives, &p.volunteer_work})
      for (const auto& pl : l->places) places.push_back(&pl);
    for (const auto* pl : places) {
      const auto c = state->full.get(pl->collection);
      REQUIRE(c);
      const layers::Feature* f = c->find(pl->id);
      REQUIRE(f);
      // The full view has every field public: private are those the public view marks so (or
      // leaves out).
      const auto pub = state->catalogue.get(pl->collection);
      REQUIRE(pub);
      for (std::size_t i = 0; i < c->fields.size(); ++i) {
        const int pi = pub->field_index(c->fields[i].name);
        if (pi >= 0 && !pub->fields[static_cast<std::size_t>(pi)].is_private) continue;
        const std::string v = layers::to_string(f->values[i]);
        if (v.size() >= 4) out.push_back(v);
      }
    }
    return out;
  }
};

WelcomeFixture& welcome_fx() {
  static WelcomeFixture f;
  return f;
}

void check_areas(const layers::WelcomePack& p, const RegisterRow& row) {
  const auto& model = *welcome_fx().state->model;
  const auto expected = model.locate_rd(row.x, row.y);
  REQUIRE(expected);
  CHECK(p.buurtcode == expected->buurtcode);
  CHECK(p.buurtnaam == expected->buurtnaam);
  CHECK(p.wijkcode == expected->wijkcode);
  CHECK(p.wijknaam == expected->wijknaam);
  CHECK(p.gebied == expected->gebied);
  CHECK(p.gebiednaam == expected->gebiednaam);
  const geo::Gebied* g = model.gebied(expected->gebied);
  REQUIRE(g);
  CHECK(p.team.name == g->config.team.name);
  CHECK(p.team.website == g->config.team.website);
  CHECK_FALSE(p.team.name.empty());
}

void check_lists(const layers::WelcomePack& p, const layers::WelcomeOptions& o) {
  for (const auto* l : {&p.activities, &p.initiatives, &p.volunteer_work}) {
    CHECK(l->places.size() <= o.list_limit);
    CHECK(l->total >= l->places.size());
    for (std::size_t i = 0; i < l->places.size(); ++i) {
      CHECK(l->places[i].distance_m <= o.radius_m + 1e-6);
      if (i) CHECK(l->places[i - 1].distance_m <= l->places[i].distance_m);
    }
  }
  for (const auto& pl : p.activities.places) CHECK(pl.collection == o.activity_collection);
  for (const auto& pl : p.initiatives.places) CHECK(pl.collection == o.initiative_collection);
  for (const auto& pl : p.volunteer_work.places) CHECK(pl.collection == o.volunteer_collection);
  REQUIRE(p.meeting_place);
  CHECK(p.meeting_place->collection == o.meeting_collection);
  CHECK(p.meeting_place->categorie == o.meeting_categorie);
  CHECK_FALSE(p.buurt_rd.empty());
  CHECK(p.map_extent.valid);
  CHECK(geo::contains_point(p.buurt_rd, p.rd));
}

}  // namespace

TEST_CASE("welcome pack: a village address names its buurt, wijk, gebied and team",
          "[unit][welcome]") {
  const RegisterRow row = register_row("Wergea");
  const std::string query = row.straat + " " + row.nummer + ", " + row.woonplaats;
  const layers::WelcomeOptions o;
  const auto r = layers::build_welcome(welcome_fx().sources(), query, o);
  REQUIRE(std::holds_alternative<layers::WelcomePack>(r));
  const auto& p = std::get<layers::WelcomePack>(r);
  INFO(query << " -> " << p.address);
  CHECK(p.query == query);
  CHECK(p.postcode == row.postcode);
  CHECK(p.huisnummer == row.nummer);
  check_areas(p, row);
  check_lists(p, o);
  // The Dutch village name reads as the Frisian one (the geocoder's aliases).
  const auto dutch =
      layers::build_welcome(welcome_fx().sources(), row.straat + " " + row.nummer + ", Warga", o);
  REQUIRE(std::holds_alternative<layers::WelcomePack>(dutch));
  CHECK(std::get<layers::WelcomePack>(dutch).buurtcode == p.buurtcode);
}

TEST_CASE("welcome pack: a city address by postcode and number", "[unit][welcome]") {
  const RegisterRow row = register_row("Leeuwarden", 100);
  const std::string query = row.postcode + " " + row.nummer;
  const layers::WelcomeOptions o;
  const auto r = layers::build_welcome(welcome_fx().sources(), query, o);
  REQUIRE(std::holds_alternative<layers::WelcomePack>(r));
  const auto& p = std::get<layers::WelcomePack>(r);
  check_areas(p, row);
  check_lists(p, o);
  // The JSON says the same.
  const auto j = layers::welcome_json(p);
  CHECK(j["buurt"]["code"] == p.buurtcode);
  CHECK(j["gebied"]["naam"] == p.gebiednaam);
  CHECK(j["team"]["name"] == p.team.name);
  CHECK(j["kaart"]["buurt"]["type"].get<std::string>().find("Polygon") != std::string::npos);
  CHECK(j["kaart"]["punten"].size() >= 2);
}

TEST_CASE("welcome pack: an address the geocoder cannot place is a failure with its reason",
          "[unit][welcome]") {
  auto& fx = welcome_fx();
  for (const std::string query :
       {"Nergensnietstraat 12, Grou", "Kerkstraat 1, Amsterdam", "9999ZZ 1", "12345"}) {
    INFO(query);
    geo::GeocodeRequest g;
    g.q = query;
    const geo::GeocodeResult expected = fx.state->geocoder->geocode(g);
    REQUIRE_FALSE(expected.placed());
    const auto r = layers::build_welcome(fx.sources(), query);
    REQUIRE(std::holds_alternative<layers::WelcomeFailure>(r));
    const auto& f = std::get<layers::WelcomeFailure>(r);
    CHECK(f.query == query);
    CHECK_FALSE(f.reason.empty());
    if (!expected.reason.empty()) CHECK(f.reason == expected.reason);
    CHECK(f.detail == expected.detail);
    CHECK(layers::welcome_json(f)["reason"] == f.reason);
  }
}

TEST_CASE("welcome pack: no private field in the model or its JSON", "[unit][welcome][privacy]") {
  auto& fx = welcome_fx();
  layers::WelcomeOptions many;
  many.radius_m = 25000;
  many.list_limit = 1000;
  for (const auto& row : {register_row("Grou", 3), register_row("Leeuwarden", 2000)}) {
    const auto r = layers::build_welcome(fx.sources(), row.postcode + " " + row.nummer, many);
    REQUIRE(std::holds_alternative<layers::WelcomePack>(r));
    const auto& p = std::get<layers::WelcomePack>(r);
    const auto secrets = fx.private_values(p);
    REQUIRE(secrets.size() > 10);  // the check below can fail
    const std::string j = layers::welcome_json(p).dump();
    for (const auto& s : secrets) {
      INFO(s);
      CHECK(j.find(s) == std::string::npos);
    }
    // The test sees them: the full view has them.
    bool seen = false;
    for (const auto& c : fx.state->full.all())
      for (const auto& f : c->features)
        for (const auto& v : f.values) seen = seen || layers::to_string(v) == secrets.front();
    CHECK(seen);
  }
}
