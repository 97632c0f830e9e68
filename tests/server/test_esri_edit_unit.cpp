// Unit tests of GeoServices editing (server/esri_edit.hpp): Esri JSON edits parsed into the
// store's write requests, in-process on the default service (nothing is written here: the
// round trip with Esri's client is tests/server/test_esri_edit.cpp).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "geo/crs.hpp"
#include "in_process.hpp"
#include "server/esri_edit.hpp"
#include "util/error.hpp"

using namespace gebieden;
using nlohmann::json;
namespace edit = server::esri_edit;
using layers::esri::SpatialRef;

namespace {
const std::string kFs = "/arcgis/rest/services/gebieden/FeatureServer";

const server::ServiceState& state() {
  return test::default_service().state();
}

/// The store layer `id` of the full view as the edits see it.
edit::EditLayer layer_of(const std::string& id) {
  edit::EditLayer l;
  const auto& all = state().full.all();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i]->id == id) {
      l.id = i;
      l.collection = all[i];
    }
  for (const auto& lc : state().config.store.collections)
    if (lc.id == id) l.config = &lc;
  REQUIRE(l.collection);
  REQUIRE(l.config);
  return l;
}

edit::EditEnv env() {
  return edit::EditEnv{state().store->schema(), state().config.store, state().transformers,
                       "unit-test"};
}

std::vector<edit::ParsedEdit> parse(const json& features, edit::EditKind kind,
                                    const std::string& layer = "organisaties") {
  const auto l = layer_of(layer);
  return edit::parse_features("adds", edit::json::parse(features.dump()), kind, l, env(),
                              SpatialRef::Wgs84);
}

server::Response call(const std::string& method, const std::string& path,
                      const std::string& body = {}) {
  server::Request r;
  r.method = method;
  r.path = path;
  r.body = body;
  r.headers["host"] = "gebieden.test";
  if (!body.empty()) r.headers["content-type"] = "application/x-www-form-urlencoded";
  return test::default_service().handle(r);
}
}  // namespace

TEST_CASE("esri edits: adds become store creates", "[esri][edit][unit]") {
  REQUIRE(state().store);
  const auto edits = parse(
      json::array({{{"geometry", {{"x", 5.7999}, {"y", 53.2012}}},
                    {"attributes",
                     {{"NAAM", "Een"},
                      {"OBJECTID", 17},
                      {"buurtcode", "ignored"},
                      {"aangemaakt_op", 0},
                      {"start", 1700000000000LL},
                      {"website", nullptr}}}},
                   {{"geometry",
                     {{"x", 645655.0}, {"y", 7029500.0}, {"spatialReference", {{"wkid", 102100}}}}},
                    {"attributes", {{"naam", "Twee"}, {"id", "eigen-id"}}}},
                   {{"attributes", {{"naam", "Drie"}, {"bestaat_niet", 1}}}},
                   {{"attributes", {{"naam", "Vier"}, {"soort", "onbekend"}}}}}),
      edit::EditKind::Add);
  REQUIRE(edits.size() == 4);

  REQUIRE(edits[0].write);
  const auto& w = *edits[0].write;
  CHECK(w.op == layers::WriteOp::Create);
  CHECK(w.actor == "unit-test");
  CHECK(w.record.id.size() == 16);  // generated
  CHECK(w.record.values.at("naam") == "Een");
  CHECK(w.record.values.at("soort") == "organisatie");           // the layer's soort
  CHECK(w.record.values.at("start") == "2023-11-14T22:13:20Z");  // epoch ms to ISO
  CHECK(w.record.values.at("website") == std::nullopt);
  CHECK(w.record.values.count("buurtcode") == 0);      // placement: not editable
  CHECK(w.record.values.count("aangemaakt_op") == 0);  // system: not editable
  REQUIRE(w.record.point_crs84);
  CHECK(w.record.point_crs84->x == Approx(5.7999));
  CHECK(w.record.point_crs84->y == Approx(53.2012));

  REQUIRE(edits[1].write);
  CHECK(edits[1].write->record.id == "eigen-id");
  const geo::XY lonlat = geo::webmercator_to_lonlat({645655.0, 7029500.0});
  REQUIRE(edits[1].write->record.point_crs84);
  CHECK(edits[1].write->record.point_crs84->x == Approx(lonlat.x).margin(1e-9));
  CHECK(edits[1].write->record.point_crs84->y == Approx(lonlat.y).margin(1e-9));
  CHECK(edits[1].write->record.point_crs84->x == Approx(5.8).margin(0.01));

  CHECK_FALSE(edits[2].write);
  CHECK(edits[2].error == "bestaat_niet: unknown field");
  CHECK_FALSE(edits[3].write);
  CHECK(edits[3].error.rfind("soort: 'onbekend' is not a soort", 0) == 0);
}

TEST_CASE("esri edits: updates name their record by OBJECTID, deletes by object id",
          "[esri][edit][unit]") {
  const auto l = layer_of("organisaties");
  REQUIRE(!l.collection->features.empty());
  const layers::Feature& f = l.collection->features.front();
  const auto rd = geo::Transformer(4326, 28992).forward(geo::XY{5.79, 53.2});
  const auto edits = parse(
      json::array(
          {{{"attributes", {{"OBJECTID", f.objectid}, {"naam", "Nieuw"}}}},
           {{"attributes", {{"objectid", f.objectid}}},
            {"geometry", {{"x", rd.x}, {"y", rd.y}, {"spatialReference", {{"wkid", 28992}}}}}},
           {{"attributes", {{"naam", "Zonder id"}}}},
           {{"attributes", {{"OBJECTID", 2147483000}, {"naam", "Geen"}}}},
           {{"attributes", {{"OBJECTID", f.objectid}, {"id", "anders"}}}},
           {{"attributes", {{"OBJECTID", f.objectid}}}, {"geometry", {{"rings", json::array()}}}}}),
      edit::EditKind::Update);
  REQUIRE(edits.size() == 6);
  REQUIRE(edits[0].write);
  CHECK(edits[0].write->op == layers::WriteOp::Patch);
  CHECK(edits[0].write->record.id == f.id);
  CHECK(edits[0].object_id == f.objectid);
  CHECK(edits[0].write->record.values.size() == 1);  // only what was given
  CHECK(edits[0].write->soorten == std::vector<std::string>{"organisatie"});
  CHECK_FALSE(edits[0].write->patch_point);
  REQUIRE(edits[1].write);
  CHECK(edits[1].write->patch_point);
  REQUIRE(edits[1].write->record.point_crs84);
  CHECK(edits[1].write->record.point_crs84->x == Approx(5.79).margin(1e-7));
  CHECK(edits[1].write->record.point_crs84->y == Approx(53.2).margin(1e-7));
  CHECK_FALSE(edits[2].write);
  CHECK(edits[2].error.rfind("OBJECTID: missing", 0) == 0);
  CHECK_FALSE(edits[3].write);
  CHECK(edits[3].object_id == 2147483000);
  CHECK(edits[3].error.find("no feature 2147483000") != std::string::npos);
  CHECK_FALSE(edits[4].write);
  CHECK(edits[4].error.rfind("id: cannot change", 0) == 0);
  CHECK_FALSE(edits[5].write);
  CHECK(edits[5].error.rfind("geometry:", 0) == 0);

  // The geometry sent back as it is served (Web Mercator, rounded to the millimetre) leaves
  // the point alone; a point a metre away is a move.
  const auto placed = std::find_if(
      l.collection->features.begin(), l.collection->features.end(),
      [](const layers::Feature& x) { return x.wgs84.type == geo::GeometryType::Point; });
  REQUIRE(placed != l.collection->features.end());
  const geo::XY wm = geo::lonlat_to_webmercator(placed->wgs84.parts[0][0][0]);
  auto sent_back = [&](double dx) {
    return json{{"attributes", {{"OBJECTID", placed->objectid}, {"naam", "Zelfde plek"}}},
                {"geometry",
                 {{"x", std::round((wm.x + dx) * 1000) / 1000},
                  {"y", std::round(wm.y * 1000) / 1000},
                  {"spatialReference", {{"wkid", 102100}}}}}};
  };
  const auto back = parse(json::array({sent_back(0), sent_back(1.7)}), edit::EditKind::Update);
  REQUIRE(back.size() == 2);
  REQUIRE(back[0].write);
  CHECK_FALSE(back[0].write->patch_point);
  CHECK_FALSE(back[0].write->record.point_crs84);
  REQUIRE(back[1].write);
  CHECK(back[1].write->patch_point);
  REQUIRE(back[1].write->record.point_crs84);

  const auto deletes = edit::deletes_of({f.objectid, 5}, l, env());
  REQUIRE(deletes.size() == 2);
  REQUIRE(deletes[0].write);
  CHECK(deletes[0].write->op == layers::WriteOp::Delete);
  CHECK(deletes[0].write->record.id == f.id);
  CHECK_FALSE(deletes[1].write);
  CHECK(deletes[1].object_id == 5);
}

TEST_CASE("esri edits: object id lists and malformed edits", "[esri][edit][unit]") {
  CHECK(edit::parse_object_ids("deletes", std::string("1, 2,3")) ==
        std::vector<std::int64_t>{1, 2, 3});
  CHECK(edit::parse_object_ids("deletes", std::string("[4,\"5\"]")) ==
        std::vector<std::int64_t>{4, 5});
  CHECK(edit::parse_object_ids("deletes", std::string("")).empty());
  CHECK_THROWS_AS(edit::parse_object_ids("deletes", std::string("1,x")), input_error);
  CHECK_THROWS_AS(edit::parse_object_ids("deletes", std::string("[1,")), input_error);
  try {
    parse(json{{"attributes", json::object()}}, edit::EditKind::Add);
    FAIL("an object instead of an array");
  } catch (const input_error& e) {
    CHECK(e.parameter() == "adds");
  }
  CHECK_THROWS_AS(parse(json::array({1}), edit::EditKind::Add), input_error);
  // A member that is not geometry or attributes fails that edit only.
  const auto edits =
      parse(json::array({{{"attributes", {{"naam", "x"}}}, {"symbol", 1}}}), edit::EditKind::Add);
  REQUIRE(edits.size() == 1);
  CHECK(edits[0].error == "symbol: unknown member of a feature");
}

TEST_CASE("esri edits: editable and nullable fields of the store layers", "[esri][edit][unit]") {
  const auto& schema = state().store->schema();
  const auto& store = state().config.store;
  CHECK(edit::field_editing(schema, store, "naam").editable);
  CHECK_FALSE(edit::field_editing(schema, store, "naam").nullable);  // required
  CHECK(edit::field_editing(schema, store, "website").nullable);
  CHECK_FALSE(edit::field_editing(schema, store, "buurtcode").editable);
  CHECK_FALSE(edit::field_editing(schema, store, "geocode_score").editable);
  CHECK_FALSE(edit::field_editing(schema, store, "aangemaakt_op").editable);
  CHECK_FALSE(edit::field_editing(schema, store, "id").editable);

  // Without keys the store layers are read-only, and say so; their fields say which could be
  // null; edits are POST only and answer in the ArcGIS envelope.
  const auto l = layer_of("organisaties");
  const json layer = json::parse(call("GET", kFs + "/" + std::to_string(l.id) + "?f=json").body);
  CHECK(layer["capabilities"] == "Query");
  CHECK(layer["hasStaticData"] == false);
  CHECK(layer["allowGeometryUpdates"] == false);
  CHECK(layer["editFieldsInfo"]["creationDateField"] == "aangemaakt_op");
  CHECK(layer["editFieldsInfo"]["editDateField"] == "gewijzigd_op");
  CHECK_FALSE(layer["editFieldsInfo"].contains("creatorField"));  // private: not to the public
  for (const auto& f : layer["fields"]) {
    INFO(f.dump());
    CHECK(f["editable"] == false);
    if (f["name"] == "naam") CHECK(f["nullable"] == false);
    if (f["name"] == "website") CHECK(f["nullable"] == true);
  }
  const json boundary = json::parse(call("GET", kFs + "/0?f=json").body);
  CHECK_FALSE(boundary.contains("editFieldsInfo"));
  CHECK(boundary["editingInfo"]["lastEditDate"].is_null());

  const std::string apply = kFs + "/" + std::to_string(l.id) + "/applyEdits";
  auto r = call("GET", apply);
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["error"]["code"] == 405);
  r = call("POST", apply, "f=json&adds=%5B%5D");
  CHECK(r.status == 200);
  const json disabled = json::parse(r.body);
  CHECK(disabled["error"]["code"] == 400);
  CHECK(disabled["error"]["details"][0].get<std::string>().find("disabled") != std::string::npos);
  r = call("POST", kFs + "/0/applyEdits", "f=json&adds=%5B%5D");
  CHECK(json::parse(r.body)["error"]["details"][0].get<std::string>().find("read-only") !=
        std::string::npos);
}
