// The typed store schema (layers/schema.hpp, data/schema.json) and what the store does with it:
// one problem per field, the initiatives' status workflow, hidden statuses, history rows written
// with the write, a store of text columns migrated, and readers that never see half a write.
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "layers/boundaries.hpp"
#include "layers/feature_store.hpp"
#include "layers/nearby.hpp"
#include "layers/ogc_filter.hpp"
#include "layers/overview.hpp"
#include "layers/schema.hpp"
#include "test_paths.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

using namespace gebieden;
namespace fs = std::filesystem;
using Type = geo::TableField::Type;

namespace {
layers::StoreSchemaDef default_schema() {
  const geo::Config config = test::load_default_config();
  std::vector<std::string> soorten;
  for (const auto& c : config.store.collections)
    for (const auto& s : c.soort) soorten.push_back(s);
  auto s = layers::StoreSchemaDef::load(config.store.schema, soorten);
  s.intervals = {{"start", "eind"}};  // as the store sets it from the activities' collection
  return s;
}

std::vector<std::string> fields_of(const std::vector<layers::FieldProblem>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.push_back(p.field);
  return out;
}

struct StoreFixture {
  geo::Config config = test::load_default_config();
  std::shared_ptr<const geo::AreaModel> model;
  std::shared_ptr<layers::FeatureStore> store;
  layers::Catalogue pub, full;
  explicit StoreFixture(const std::string& name) {
    config.store.path = test::temp_path(name).string();
    model = std::make_shared<const geo::AreaModel>(geo::AreaModel::load(config));
    std::vector<std::string> messages;
    store = layers::FeatureStore::open(config, model, nullptr, messages);
    for (const bool f : {false, true}) {
      const auto load = store->snapshot(f);
      auto& cat = f ? full : pub;
      for (auto& c : layers::boundary_collections(*model, load.counts)) cat.add(c);
      for (auto& c : load.collections) cat.add(c);
    }
    store->publish_to(&pub, &full);
  }
  layers::WriteResult write(layers::WriteOp op, const std::string& id, layers::RecordValues v,
                            std::optional<geo::XY> point = geo::XY{5.7965, 53.2005},
                            std::optional<std::string> if_match = std::nullopt) {
    layers::WriteRequest w;
    w.op = op;
    w.record.id = id;
    w.record.values = std::move(v);
    w.record.point_crs84 = point;
    w.patch_point = false;
    w.actor = "tester";
    w.if_match = std::move(if_match);
    return store->write(w);
  }
};
}  // namespace

TEST_CASE("schema: the repository's schema loads, with types, limits and the workflow",
          "[schema]") {
  const auto s = default_schema();
  REQUIRE(s.field("lat"));
  CHECK(s.field("lat")->type == Type::Real);
  CHECK(s.field("start")->type == Type::DateTime);
  CHECK(s.field("contact_email")->is_private);
  CHECK(s.field("aangemaakt_op")->system);
  CHECK(s.field("soort")->values.size() == 6);
  CHECK(s.field("categorie")->values == s.categorieen);
  REQUIRE(s.status);
  CHECK(s.status->initial == "ingediend");
  CHECK(s.is_public("initiatief", std::string("lopend")));
  CHECK_FALSE(s.is_public("initiatief", std::string("ingediend")));
  CHECK_FALSE(s.is_public("initiatief", std::string("afgewezen")));
  CHECK(s.is_public("initiatief", std::nullopt));
  CHECK(s.is_public("organisatie", std::string("ingediend")));  // the workflow is initiatives'
}

TEST_CASE("schema: a bad schema file is a config error naming the member", "[schema]") {
  const fs::path f = test::temp_path("bad-schema.json");
  auto member = [&](const std::string& text) -> std::string {
    test::write_file(f, text);
    try {
      layers::StoreSchemaDef::load(f, {"organisatie"});
    } catch (const config_error& e) {
      return e.what();
    }
    return "(accepted)";
  };
  CHECK(member("{").find("not valid JSON") != std::string::npos);
  // Found by fuzzing (tests/fuzz, fuzz_config): nlohmann's out_of_range for 1e999 escaped.
  CHECK(member(R"({"fields":[{"name":"a","type":"number","max":1e999}]})").find("not valid JSON") !=
        std::string::npos);
  CHECK(member(R"({"fields":[{"name":"a","type":"text"}]})").find("fields[0].type") !=
        std::string::npos);
  CHECK(member(R"({"fields":[{"name":"a"},{"name":"a"}]})").find("duplicate") != std::string::npos);
  CHECK(member(R"({"fields":[{"name":"status"}],"status":{"transitions":{"a":["b"]},
                  "initial":"a"}})")
            .find("'b' is not a status") != std::string::npos);
  CHECK(member(R"({"fields":[{"name":"a"}],"kleur":1})").find("kleur") != std::string::npos);
  CHECK(member(R"({"fields":[{"name":"a"}]})") == "(accepted)");
}

TEST_CASE("schema: text converts to each type, or says why not", "[schema]") {
  std::string e;
  CHECK(layers::convert_text("12,5", Type::Real, e) == std::optional<std::string>("12.5"));
  CHECK(layers::convert_text(" 7 ", Type::Integer, e) == std::optional<std::string>("7"));
  CHECK(layers::convert_text("ja", Type::Boolean, e) == std::optional<std::string>("1"));
  CHECK(layers::convert_text("2026-03-01", Type::Date, e) ==
        std::optional<std::string>("2026-03-01"));
  CHECK(layers::convert_text("2026-03-01T19:30:00+01:00", Type::DateTime, e) ==
        std::optional<std::string>("2026-03-01T18:30:00Z"));
  CHECK_FALSE(layers::convert_text("twaalf", Type::Integer, e));
  CHECK(e.find("integer") != std::string::npos);
  CHECK_FALSE(layers::convert_text("1.5", Type::Integer, e));
  CHECK_FALSE(layers::convert_text("noord", Type::Real, e));
  CHECK_FALSE(layers::convert_text("2026-13-01", Type::Date, e));
  CHECK_FALSE(layers::convert_text("gisteren", Type::DateTime, e));
}

TEST_CASE("schema: one problem per field, the status workflow and who decided", "[schema]") {
  const auto s = default_schema();
  const std::set<std::string> gebieden = {"centrum", "oost"};
  layers::RecordValues ok = {{"id", "X"}, {"naam", "N"}, {"soort", "initiatief"}};
  CHECK(s.check_record(ok, nullptr, "soort", gebieden).empty());

  auto bad = ok;
  bad["naam"] = std::nullopt;
  bad["categorie"] = "muziek";
  bad["scharrelbudget"] = "-5";
  bad["actief_in_gebieden"] = "centrum, zuidpool";
  bad["omschrijving"] = std::string(5001, 'x');
  bad["start"] = "2026-03-02T10:00:00Z";
  bad["eind"] = "2026-03-01T10:00:00Z";
  CHECK(fields_of(s.check_record(bad, nullptr, "soort", gebieden)) ==
        std::vector<std::string>{"naam", "categorie", "omschrijving", "actief_in_gebieden",
                                 "scharrelbudget", "eind"});

  // Transitions: along the workflow, or staying; a jump is refused naming the field.
  auto before = ok, after = ok;
  before["status"] = "in_behandeling";
  after["status"] = "lopend";
  auto ps = s.check_record(after, &before, "soort", gebieden);
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].field == "status");
  CHECK(ps[0].message.find("toegekend") != std::string::npos);  // where it may go
  after["status"] = "in_behandeling";
  CHECK(s.check_record(after, &before, "soort", gebieden).empty());
  // A decision needs who decided.
  after["status"] = "toegekend";
  ps = s.check_record(after, &before, "soort", gebieden);
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].field == "besluit_door");
  after["besluit_door"] = "Tafel van 8 Oost";
  CHECK(s.check_record(after, &before, "soort", gebieden).empty());
  // Final statuses stay final.
  before["status"] = "afgerond";
  after["status"] = "lopend";
  CHECK(fields_of(s.check_record(after, &before, "soort", gebieden)) ==
        std::vector<std::string>{"status"});
  // A status on another soort.
  auto org = ok;
  org["soort"] = "organisatie";
  org["status"] = "lopend";
  CHECK(fields_of(s.check_record(org, nullptr, "soort", gebieden)) ==
        std::vector<std::string>{"status"});
  // An unknown status.
  auto odd = ok;
  odd["status"] = "bijna";
  CHECK(fields_of(s.check_record(odd, nullptr, "soort", gebieden)) ==
        std::vector<std::string>{"status"});
}

TEST_CASE("store: typed columns, hidden statuses, history, If-Match, system fields",
          "[schema][store]") {
  StoreFixture fx("schema-store.gpkg");
  const auto& cols = fx.store->schema().source;
  auto type_of = [&](const std::string& n) {
    for (const auto& c : cols)
      if (c.name == n) return c.type;
    FAIL("no column " << n);
    return Type::String;
  };
  CHECK(type_of("lat") == Type::Real);
  CHECK(type_of("scharrelbudget") == Type::Real);
  CHECK(type_of("start") == Type::DateTime);

  // A submission-like initiative in 'ingediend' is in the full view only.
  auto w = fx.write(layers::WriteOp::Create, "INI-T1",
                    {{"naam", "Moestuin"},
                     {"soort", "initiatief"},
                     {"status", "ingediend"},
                     {"scharrelbudget", "250,50"},
                     {"contact_email", "p@example.nl"}});
  REQUIRE(w.outcome == layers::WriteOutcome::Created);
  CHECK(fx.pub.get("initiatieven")->find("INI-T1") == nullptr);
  const auto* f = fx.full.get("initiatieven")->find("INI-T1");
  REQUIRE(f);
  const auto c = fx.full.get("initiatieven");
  CHECK(std::get<double>(f->values[c->field_index("scharrelbudget")]) == 250.5);
  CHECK(std::get<std::string>(f->values[c->field_index("aangemaakt_door")]) == "tester");
  CHECK(layers::feature_etag(*c, *f) == w.etag);

  // Stale If-Match: 412, nothing changed; the right one: written.
  auto stale = fx.write(layers::WriteOp::Patch, "INI-T1", {{"status", "in_behandeling"}},
                        std::nullopt, std::string("\"0000000000000000\""));
  CHECK(stale.outcome == layers::WriteOutcome::PreconditionFailed);
  CHECK(stale.etag == w.etag);
  CHECK(fx.pub.get("initiatieven")->find("INI-T1") == nullptr);
  auto moved = fx.write(layers::WriteOp::Patch, "INI-T1", {{"status", "in_behandeling"}},
                        std::nullopt, w.etag);
  REQUIRE(moved.outcome == layers::WriteOutcome::Replaced);
  CHECK(moved.etag != w.etag);
  // Now public, without its private fields; the patch kept the point and the other values.
  const auto pc = fx.pub.get("initiatieven");
  const auto* pf = pc->find("INI-T1");
  REQUIRE(pf);
  CHECK(pc->fields[pc->field_index("contact_email")].is_private);
  CHECK(pf->wgs84.type == geo::GeometryType::Point);
  CHECK(std::get<std::string>(pf->values[pc->field_index("naam")]) == "Moestuin");
  // A jump is refused naming the field.
  auto jump = fx.write(layers::WriteOp::Patch, "INI-T1", {{"status", "afgerond"}});
  CHECK(jump.outcome == layers::WriteOutcome::Invalid);
  REQUIRE(jump.problems.size() == 1);
  CHECK(jump.problems[0].field == "status");
  // System fields sent by a client are kept by the store.
  auto sys = fx.write(layers::WriteOp::Patch, "INI-T1", {{"aangemaakt_door", "iemand anders"}});
  REQUIRE(sys.ok());
  const auto* again = fx.full.get("initiatieven")->find("INI-T1");
  CHECK(std::get<std::string>(
            again->values[fx.full.get("initiatieven")->field_index("aangemaakt_door")]) ==
        "tester");
  // Moving to another soort with a patch: the record changes collection.
  auto soort =
      fx.write(layers::WriteOp::Patch, "INI-T1", {{"soort", "activiteit"}, {"status", {}}});
  REQUIRE(soort.ok());
  CHECK(fx.full.get("initiatieven")->find("INI-T1") == nullptr);
  CHECK(fx.full.get("activiteiten")->find("INI-T1") != nullptr);
  REQUIRE(fx.write(layers::WriteOp::Delete, "INI-T1", {}).ok());

  // History: every write, in order, with who and the values before and after.
  const auto h = fx.store->history("INI-T1");
  REQUIRE(h.size() == 5);
  CHECK(h[0].op == "create");
  CHECK(h[0].before == "null");
  CHECK(h[1].op == "patch");
  CHECK(h[4].op == "delete");
  CHECK(h[4].after == "null");
  for (const auto& e : h) CHECK(e.actor == "tester");
  const auto b = nlohmann::json::parse(h[1].before), a = nlohmann::json::parse(h[1].after);
  CHECK(b["properties"]["status"] == "ingediend");
  CHECK(a["properties"]["status"] == "in_behandeling");
  CHECK(a["geometry"]["type"] == "Point");
  // The refused writes left no history.
  CHECK(fx.store->history("").size() >= 5);
}

TEST_CASE("store: a batch is all or nothing when atomic", "[schema][store]") {
  StoreFixture fx("batch-store.gpkg");
  const std::size_t n = fx.pub.get("organisaties")->features.size();
  std::vector<layers::WriteRequest> batch(2);
  batch[0].op = layers::WriteOp::Create;
  batch[0].record = {"B-1", {{"naam", "Goed"}, {"soort", "organisatie"}}, geo::XY{5.7965, 53.2005}};
  batch[1].op = layers::WriteOp::Create;
  batch[1].record = {"B-2", {{"naam", "Fout"}, {"soort", "club"}}, geo::XY{5.7965, 53.2005}};
  auto r = fx.store->write_batch(batch, true);
  CHECK(r[0].outcome == layers::WriteOutcome::RolledBack);
  CHECK(r[1].outcome == layers::WriteOutcome::Invalid);
  CHECK(fx.pub.get("organisaties")->features.size() == n);
  CHECK(fx.store->history("B-1").empty());
  r = fx.store->write_batch(batch, false);
  CHECK(r[0].outcome == layers::WriteOutcome::Created);
  CHECK(r[1].outcome == layers::WriteOutcome::Invalid);
  CHECK(fx.pub.get("organisaties")->features.size() == n + 1);
}

TEST_CASE("store: a store of text columns is migrated to the schema, nothing lost",
          "[schema][store]") {
  geo::Config config = test::load_default_config();
  const fs::path gpkg = test::temp_path("old-store.gpkg");
  config.store.path = gpkg.string();
  // The store as the previous version made it: every column of the seed CSV as text.
  geo::Config old = config;
  old.store.schema.clear();
  auto model = std::make_shared<const geo::AreaModel>(geo::AreaModel::load(config));
  std::vector<std::string> messages;
  {
    auto s = layers::FeatureStore::open(old, model, nullptr, messages);
    for (const auto& c : s->schema().source) CHECK(c.type == Type::String);
  }
  auto before = layers::FeatureStore::open(old, model, nullptr, messages)->snapshot(true);
  messages.clear();
  auto s = layers::FeatureStore::open(config, model, nullptr, messages);
  bool said = false;
  for (const auto& m : messages) said |= m.find("migrated") != std::string::npos;
  CHECK(said);
  bool backup = false;
  for (const auto& e : fs::directory_iterator(gpkg.parent_path()))
    backup |=
        e.path().filename().string().rfind(gpkg.filename().string() + ".before-schema-", 0) == 0;
  CHECK(backup);
  const auto after = s->snapshot(true);
  REQUIRE(before.collections.size() == after.collections.size());
  for (std::size_t i = 0; i < before.collections.size(); ++i) {
    const auto& bc = *before.collections[i];
    const auto& ac = *after.collections[i];
    CHECK(bc.features.size() == ac.features.size());
    for (const auto& bf : bc.features) {
      const auto* af = ac.find(bf.id);
      REQUIRE(af);
      for (const char* name : {"naam", "contact_email", "huisnummer"})
        CHECK(layers::to_string(bf.values[bc.field_index(name)]) ==
              layers::to_string(af->values[ac.field_index(name)]));
      // Numbers are numbers now, with the same value.
      const auto& lat = af->values[ac.field_index("lat")];
      if (!std::holds_alternative<std::monostate>(lat))
        CHECK(std::to_string(std::get<double>(lat)).substr(0, 6) ==
              std::to_string(std::stod(layers::to_string(bf.values[bc.field_index("lat")])))
                  .substr(0, 6));
    }
  }
  // Opened again: no second migration.
  messages.clear();
  layers::FeatureStore::open(config, model, nullptr, messages);
  for (const auto& m : messages) CHECK(m.find("migrated") == std::string::npos);
}

TEST_CASE("store: readers never see half a write (records and counts together)",
          "[schema][store]") {
  StoreFixture fx("atomic-store.gpkg");
  auto consistent = [&](const layers::CatalogueView& v) {
    // The gemeente's count of organisaties equals the placed organisaties of the same view.
    const auto orgs = v.get("organisaties");
    std::int64_t placed = 0;
    for (const auto& f : orgs->features)
      if (f.wgs84.type != geo::GeometryType::None) ++placed;
    const auto gem = v.get("gemeente");
    const auto* g = gem->features.empty() ? nullptr : &gem->features.front();
    if (!g) return true;
    const int i = gem->field_index("aantal_organisaties");
    return i < 0 || std::get<std::int64_t>(g->values[static_cast<std::size_t>(i)]) == placed;
  };
  REQUIRE(consistent(fx.pub.view()));
  std::atomic<bool> done{false};
  std::atomic<int> seen{0}, bad{0};
  std::thread reader([&] {
    while (!done) {
      if (!consistent(fx.pub.view())) ++bad;
      ++seen;
    }
  });
  for (int i = 0; i < 20; ++i) {
    const std::string id = "ATOM-" + std::to_string(i);
    REQUIRE(fx.write(layers::WriteOp::Create, id, {{"naam", "A"}, {"soort", "organisatie"}}).ok());
    if (i % 2) REQUIRE(fx.write(layers::WriteOp::Delete, id, {}).ok());
  }
  done = true;
  reader.join();
  CHECK(seen > 0);
  CHECK(bad == 0);
}

TEST_CASE("store: activities with start and end are found by time, support active in a gebied",
          "[schema][store][nearby][overview]") {
  StoreFixture fx("time-store.gpkg");
  // Three activities at one place: last week, this evening, next month; one without times.
  const geo::XY at{5.7965, 53.2005};
  REQUIRE(fx.write(layers::WriteOp::Create, "ACT-1",
                   {{"naam", "Koffie"},
                    {"soort", "activiteit"},
                    {"start", "2026-11-24T10:00:00+01:00"},
                    {"eind", "2026-11-24T12:00:00+01:00"}},
                   at)
              .ok());
  REQUIRE(fx.write(layers::WriteOp::Create, "ACT-2",
                   {{"naam", "Kaarten"},
                    {"soort", "activiteit"},
                    {"start", "2026-12-02T19:00:00Z"},
                    {"eind", "2026-12-02T22:00:00Z"}},
                   at)
              .ok());
  REQUIRE(fx.write(layers::WriteOp::Create, "ACT-3",
                   {{"naam", "Kerstmarkt"}, {"soort", "activiteit"}, {"start", "2027-01-05"}}, at)
              .ok());
  // An end before the start is refused naming the end (the collection's end_field).
  const auto backwards = fx.write(layers::WriteOp::Create, "ACT-X",
                                  {{"naam", "Terug"},
                                   {"soort", "activiteit"},
                                   {"start", "2026-12-02T10:00:00Z"},
                                   {"eind", "2026-12-01"}},
                                  at);
  CHECK(backwards.outcome == layers::WriteOutcome::Invalid);
  CHECK(fields_of(backwards.problems) == std::vector<std::string>{"eind"});
  const auto c = fx.pub.get("activiteiten");
  REQUIRE(c->start_field >= 0);
  REQUIRE(c->end_field >= 0);
  CHECK(std::get<std::string>(c->find("ACT-1")->values[c->start_field]) == "2026-11-24T09:00:00Z");

  geo::Transformer to_rd(4326, 28992);
  layers::NearbyQuery q;
  q.centre_rd = to_rd.forward(at);
  q.radius_m = 50;
  q.limit = 100;
  layers::NearbyIndex index;
  auto ids = [&](std::optional<std::string> datetime) {
    q.time.reset();
    if (datetime) {
      const auto parts = util::split(*datetime, '/');
      layers::TimeInterval t;
      if (parts[0] != "..") t.start = layers::time_of(parts[0])->start;
      if (parts.size() > 1 && parts[1] != "..") t.end = layers::time_of(parts[1])->end;
      if (parts.size() == 1) t.end = layers::time_of(parts[0])->end;
      q.time = t;
    }
    std::set<std::string> out;
    for (const auto& h : index.query({c}, q))
      if (h.feature->id.rfind("ACT-", 0) == 0) out.insert(h.feature->id);
    return out;
  };
  CHECK(ids(std::nullopt) == std::set<std::string>{"ACT-1", "ACT-2", "ACT-3"});
  CHECK(ids("2026-12-02") == std::set<std::string>{"ACT-2"});
  CHECK(ids("2026-12-02T20:00:00Z") == std::set<std::string>{"ACT-2"});
  CHECK(ids("2026-12-01/2026-12-31") == std::set<std::string>{"ACT-2"});
  CHECK(ids("2026-11-01/..") == std::set<std::string>{"ACT-1", "ACT-2", "ACT-3"});
  CHECK(ids("../2026-11-30") == std::set<std::string>{"ACT-1"});
  CHECK(ids("2027-01-05") == std::set<std::string>{"ACT-3"});

  // A support organisation with its address in Centrum, registered as active in Dorpen too.
  REQUIRE(fx.write(layers::WriteOp::Create, "OND-1",
                   {{"naam", "Schuldhulp"},
                    {"soort", "ondersteuning"},
                    {"actief_in_gebieden", "dorpen, centrum"}},
                   at)
              .ok());
  CHECK(fx.write(layers::WriteOp::Create, "OND-2",
                 {{"naam", "X"}, {"soort", "ondersteuning"}, {"actief_in_gebieden", "maan"}}, at)
            .outcome == layers::WriteOutcome::Invalid);
  std::vector<layers::CollectionPtr> store;
  for (const auto& lc : fx.config.store.collections) store.push_back(fx.pub.get(lc.id));
  const auto here = fx.write(layers::WriteOp::Patch, "OND-1", {}).result.gebied;
  CHECK(here == "centrum");
  auto support_of = [&](const std::string& gebied) -> std::optional<layers::RecordSummary> {
    const auto o = layers::build_overview(*fx.model, store, fx.pub.get("buurten"),
                                          layers::AreaLevel::Gebied, gebied);
    REQUIRE(o);
    for (const auto& r : o->support)
      if (r.id == "OND-1") return r;
    return std::nullopt;
  };
  store.clear();
  for (const auto& lc : fx.config.store.collections) store.push_back(fx.pub.get(lc.id));
  const auto in_centrum = support_of("centrum");
  REQUIRE(in_centrum);
  CHECK_FALSE(in_centrum->active_in_gebied);  // by its address
  const auto in_dorpen = support_of("dorpen");
  REQUIRE(in_dorpen);
  CHECK(in_dorpen->active_in_gebied);
  CHECK_FALSE(support_of("oost"));
}
