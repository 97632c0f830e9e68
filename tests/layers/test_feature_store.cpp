// The writable store (layers::FeatureStore) on a temporary GeoPackage and on a fresh PostGIS
// database (the [postgis] variants, on the cluster of CTest's postgis fixture), and the parsing
// and token checks of the write front (server/store_api.hpp), in-process.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "layers/boundaries.hpp"
#include "layers/feature_store.hpp"
#include "server/store_api.hpp"
#include "test_paths.hpp"
#include "test_pg.hpp"
#include "util/error.hpp"

using namespace gebieden;
namespace fs = std::filesystem;

namespace {
std::int64_t aantal(const layers::Catalogue& cat, const std::string& buurtcode) {
  auto c = cat.get("buurten");
  const auto* f = c->find(buurtcode);
  REQUIRE(f);
  return std::get<std::int64_t>(f->values[c->field_index("aantal_organisaties")]);
}

/// The default configuration with the store of `where`.
geo::Config config_on(const test::TestStore& where) {
  geo::Config config = test::load_default_config();
  config.store.path = where.gpkg.string();
  if (where.kind == test::StoreKind::PostGIS) config.store.database = where.conninfo;
  return config;
}

void seed_create_replace_delete_reopen(test::StoreKind kind) {
  const test::TestStore where(kind, "unit_store");
  const geo::Config config = config_on(where);
  auto model = std::make_shared<const geo::AreaModel>(geo::AreaModel::load(config));
  std::vector<std::string> messages;
  // No geocoder: only records with a point of their own are placed.
  auto store = layers::FeatureStore::open(config, model, nullptr, messages);
  const layers::StoreLoad first = store->snapshot();
  where.check_made();
  CHECK(where.stored("ORG0001") == 1);  // seeded
  layers::Catalogue cat;
  for (auto& c : layers::boundary_collections(*model, first.counts)) cat.add(c);
  for (auto& c : first.collections) cat.add(c);
  store->publish_to(&cat, nullptr);
  auto write = [&](layers::WriteOp op, const layers::StoreRecordInput& r) {
    layers::WriteRequest w;
    w.op = op;
    w.record = r;
    w.actor = "unit";
    return store->write(w);
  };
  const std::size_t n = cat.get("organisaties")->features.size();
  CHECK(store->soort_of("ORG0001") == std::optional<std::string>("organisatie"));

  layers::StoreRecordInput rec;
  rec.id = "UNIT-1";
  rec.values["naam"] = "Eenheidstest";
  rec.values["soort"] = "organisatie";
  rec.values["contact_email"] = "geheim@example.nl";
  rec.point_crs84 = geo::XY{5.7965, 53.2005};
  const layers::WriteResult w = write(layers::WriteOp::Create, rec);
  REQUIRE(w.outcome == layers::WriteOutcome::Created);
  REQUIRE(w.result.placed());
  CHECK(where.stored("UNIT-1") == 1);  // committed before the answer
  const std::string buurt = w.result.buurtcode;
  CHECK(cat.get("organisaties")->features.size() == n + 1);
  const std::int64_t with = aantal(cat, buurt);
  CHECK(write(layers::WriteOp::Create, rec).outcome == layers::WriteOutcome::Conflict);

  // A point of its own outside the gemeente (Amsterdam) is refused, naming the geometry, and
  // nothing changes; swapped [lat, lon] is told as such.
  rec.point_crs84 = geo::XY{4.9, 52.37};
  const layers::WriteResult outside = write(layers::WriteOp::Replace, rec);
  CHECK(outside.outcome == layers::WriteOutcome::Invalid);
  REQUIRE(outside.problems.size() == 1);
  CHECK(outside.problems[0].field == "geometry");
  CHECK(aantal(cat, buurt) == with);
  rec.point_crs84 = geo::XY{53.2005, 5.7965};
  const layers::WriteResult swapped = write(layers::WriteOp::Replace, rec);
  CHECK(swapped.outcome == layers::WriteOutcome::Invalid);
  REQUIRE(swapped.problems.size() == 1);
  CHECK(swapped.problems[0].message.find("[lon, lat]") != std::string::npos);
  CHECK(aantal(cat, buurt) == with);

  rec.point_crs84.reset();  // no point and no geocoder: kept unplaced
  const layers::WriteResult r = write(layers::WriteOp::Replace, rec);
  CHECK(r.outcome == layers::WriteOutcome::Replaced);
  CHECK_FALSE(r.result.placed());
  CHECK(aantal(cat, buurt) == with - 1);
  const auto* f = cat.get("organisaties")->find("UNIT-1");
  REQUIRE(f);
  CHECK(f->wgs84.type == geo::GeometryType::None);

  rec.id = "UNIT-2";
  CHECK(write(layers::WriteOp::Replace, rec).outcome == layers::WriteOutcome::NotFound);
  CHECK(write(layers::WriteOp::Delete, {"UNIT-2", {}, {}}).outcome ==
        layers::WriteOutcome::NotFound);
  rec.point_crs84 = geo::XY{5.7965, 53.2005};
  CHECK(write(layers::WriteOp::Create, rec).outcome == layers::WriteOutcome::Created);
  CHECK(write(layers::WriteOp::Delete, {"UNIT-1", {}, {}}).outcome ==
        layers::WriteOutcome::Deleted);
  CHECK(cat.get("organisaties")->find("UNIT-1") == nullptr);
  CHECK(where.stored("UNIT-1") == 0);
  store.reset();

  // Reopened: what was written is there, what was deleted is not.
  messages.clear();
  auto again = layers::FeatureStore::open(config, model, nullptr, messages);
  const layers::StoreLoad second = again->snapshot();
  const auto* orgs = [&]() -> const layers::Collection* {
    for (const auto& c : second.collections)
      if (c->id == "organisaties") return c.get();
    return nullptr;
  }();
  REQUIRE(orgs);
  CHECK(orgs->features.size() == n + 1);
  CHECK(orgs->find("UNIT-1") == nullptr);
  const auto* kept = orgs->find("UNIT-2");
  REQUIRE(kept);
  const int email = orgs->field_index("contact_email");
  REQUIRE(email >= 0);
  CHECK(orgs->fields[email].is_private);
  CHECK(std::get<std::string>(kept->values[email]) == "geheim@example.nl");
}
}  // namespace
GEBIEDEN_STORE_TEST_CASE("feature store: seed, create, replace, delete, reopen", "[store]",
                         seed_create_replace_delete_reopen)

TEST_CASE("store writes: bearer tokens", "[store]") {
  const std::vector<std::string> tokens = server::parse_tokens(" een , twee,,");
  REQUIRE(tokens == std::vector<std::string>{"een", "twee"});
  CHECK(server::bearer_matches("Bearer een", tokens));
  CHECK(server::bearer_matches("bearer twee", tokens));
  CHECK_FALSE(server::bearer_matches("Bearer drie", tokens));
  CHECK_FALSE(server::bearer_matches("Bearer ee", tokens));
  CHECK_FALSE(server::bearer_matches("Bearer eenn", tokens));
  CHECK_FALSE(server::bearer_matches("Basic een", tokens));
  CHECK_FALSE(server::bearer_matches("Bearer ", tokens));
  CHECK_FALSE(server::bearer_matches("", tokens));
  CHECK_FALSE(server::bearer_matches("Bearer een", {}));
  CHECK(server::parse_tokens(nullptr).empty());
}

TEST_CASE("store writes: the Feature body is parsed into a typed record", "[store]") {
  geo::StoreConfig store;
  store.private_fields = {"contact_email"};
  std::vector<geo::TableField> cols;
  for (const char* n : {"id", "naam", "soort", "straat", "huisnummer", "contact_email"})
    cols.push_back(geo::TableField{n, geo::TableField::Type::String});
  cols.push_back(geo::TableField{"leden", geo::TableField::Type::Integer});
  const layers::StoreSchema schema = layers::StoreSchema::make(cols, store);
  geo::LayerConfig lc;
  lc.id = "organisaties";
  lc.soort = {"organisatie"};

  const auto w = server::parse_item_write(
      R"({"type":"Feature","id":"X1","geometry":{"type":"Point","coordinates":[5.8,53.2]},
          "properties":{"naam":"N","leden":12,"buurtcode":"BU0","contact_email":null}})",
      schema, store, lc);
  CHECK(w.id_given);
  CHECK(w.record.id == "X1");
  REQUIRE(w.record.point_crs84);
  CHECK(w.record.point_crs84->x == 5.8);
  CHECK(w.record.values.at("naam") == std::optional<std::string>("N"));
  CHECK(w.record.values.at("leden") == std::optional<std::string>("12"));
  CHECK(w.record.values.at("soort") == std::optional<std::string>("organisatie"));
  CHECK(w.record.values.at("contact_email") == std::nullopt);
  CHECK(w.record.values.count("buurtcode") == 0);  // computed: ignored

  auto member = [&](const std::string& body) -> std::string {
    try {
      server::parse_item_write(body, schema, store, lc);
    } catch (const input_error& e) {
      CHECK(e.code() == ErrorCode::InvalidBody);
      return e.parameter();
    }
    return "(accepted)";
  };
  CHECK(member("") == "body");
  CHECK(member("{") == "body");
  CHECK(member("null") == "body");
  CHECK(member(R"({"type":"Feature","properties":{"leden":"twaalf"}})") == "properties.leden");
  CHECK(member(R"({"type":"Feature","properties":{"leden":1.5}})") == "properties.leden");
  CHECK(member(R"({"type":"Feature","properties":{"soort":"initiatief"}})") == "properties.soort");
  CHECK(member(R"({"type":"Feature","properties":{"onbekend":1}})") == "properties.onbekend");
  CHECK(member(R"({"type":"Feature","geometry":{"type":"Point","coordinates":[5]}})") ==
        "geometry.coordinates");
  CHECK(member(R"({"type":"Feature","id":""})") == "id");
  CHECK(member(R"({"type":"Feature"})") == "(accepted)");
}
