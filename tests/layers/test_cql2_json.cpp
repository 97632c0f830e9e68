#include "layers/cql2_json.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "layers/filter.hpp"

namespace {

namespace geo = gebieden::geo;
namespace filter = gebieden::layers::filter;

using filter::parse_error;
using filter::Truth;
using filter::Value;
using Props = std::map<std::string, Value, std::less<>>;

std::string json_str(std::string_view json) {
  return filter::to_string(filter::parse_cql2_json(json));
}
std::string text_str(std::string_view text) {
  return filter::to_string(filter::parse_cql2_text(text));
}

parse_error json_error(std::string_view json, const filter::ParseOptions& o = {}) {
  try {
    filter::parse_cql2_json(json, o);
  } catch (const parse_error& e) {
    return e;
  }
  FAIL("expected a parse_error for: " << std::string(json).substr(0, 200));
  return parse_error("", 0);
}

geo::Path square(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

filter::Timestamp at(std::string_view text) {
  return *filter::parse_timestamp(text);
}

// Rows to evaluate both forms on: every property the pairs below read, in a few states.
const std::vector<Props> kRows = {
    {{"a", Value{std::int64_t{1}}},
     {"b", Value{std::int64_t{2}}},
     {"c", Value{std::int64_t{3}}},
     {"d", Value{2.5}},
     {"naam", Value{std::string("Oranjewijk")}},
     {"code", Value{std::string("BU00800101")}},
     {"flag", Value{true}},
     {"leeg", Value{}},
     {"start", Value{at("2024-03-01T12:00:00Z")}},
     {"my field", Value{std::int64_t{7}}}},
    {{"a", Value{std::int64_t{5}}},
     {"b", Value{std::int64_t{-3}}},
     {"c", Value{std::int64_t{0}}},
     {"d", Value{-150.0}},
     {"naam", Value{std::string("Café Ééntje it's")}},
     {"code", Value{std::string("x")}},
     {"flag", Value{false}},
     {"leeg", Value{std::string("iets")}},
     {"start", Value{at("2023-12-31")}},
     {"my field", Value{std::int64_t{1}}}},
    {{"naam", Value{std::string("ORANJE")}}},  // mostly nulls
};

struct Pair {
  const char* json;
  const char* text;
};

// Each JSON filter and the CQL2 text that must give the same tree.
const std::vector<Pair> kPairs = {
    // Comparisons.
    {R"({"op":"=","args":[{"property":"naam"},"Oranjewijk"]})", "naam = 'Oranjewijk'"},
    {R"({"op":"<>","args":[{"property":"a"},2]})", "a <> 2"},
    {R"({"op":"<","args":[{"property":"d"},2.5]})", "d < 2.5"},
    {R"({"op":"<=","args":[{"property":"b"},-3]})", "b <= -3"},
    {R"({"op":">","args":[{"property":"d"},-1.5e2]})", "d > -1.5e2"},
    {R"({"op":">=","args":[{"property":"c"},0]})", "c >= 0"},
    {R"({"op":"=","args":[{"property":"flag"},true]})", "flag = TRUE"},
    {R"({"op":"=","args":[{"property":"a"},null]})", "a = NULL"},
    {R"({"op":"=","args":[1,1]})", "1 = 1"},
    {R"({"op":"=","args":[{"property":"d"},2.0]})", "d = 2.0"},
    {R"({"op":"=","args":[{"property":"my field"},7]})", "\"my field\" = 7"},
    {R"({"op":"=","args":[{"property":"naam"},"Caf\u00e9 \u00c9\u00e9ntje it's"]})",
     "naam = 'Café Ééntje it''s'"},
    // Logic, nested groups kept as they are.
    {R"({"op":"and","args":[{"op":"=","args":[{"property":"a"},1]},
        {"op":"<","args":[{"property":"b"},3]},{"op":">","args":[{"property":"c"},2]}]})",
     "a = 1 AND b < 3 AND c > 2"},
    {R"({"op":"or","args":[{"op":"=","args":[{"property":"a"},1]},
        {"op":"and","args":[{"op":"=","args":[{"property":"b"},2]},
                            {"op":"=","args":[{"property":"c"},3]}]}]})",
     "a = 1 OR (b = 2 AND c = 3)"},
    {R"({"op":"not","args":[{"op":"=","args":[{"property":"a"},1]}]})", "NOT (a = 1)"},
    {R"({"op":"and","args":[true,{"op":"not","args":[false]}]})", "TRUE AND NOT FALSE"},
    {"true", "TRUE"},
    // Advanced comparison operators.
    {R"({"op":"like","args":[{"property":"naam"},"Oranje%"]})", "naam LIKE 'Oranje%'"},
    {R"({"op":"not","args":[{"op":"like","args":[{"property":"naam"},"x\\%_"]}]})",
     "NOT (naam LIKE 'x\\%_')"},
    {R"({"op":"between","args":[{"property":"a"},0,5]})", "a BETWEEN 0 AND 5"},
    {R"({"op":"not","args":[{"op":"between","args":[{"property":"d"},-200,2.5]}]})",
     "NOT (d BETWEEN -200 AND 2.5)"},
    {R"({"op":"in","args":[{"property":"code"},["BU00800101","x"]]})",
     "code IN ('BU00800101', 'x')"},
    {R"({"op":"not","args":[{"op":"in","args":[{"property":"a"},[1,2]]}]})", "NOT (a IN (1, 2))"},
    {R"({"op":"isNull","args":[{"property":"leeg"}]})", "leeg IS NULL"},
    {R"({"op":"not","args":[{"op":"isNull","args":[{"property":"leeg"}]}]})", "NOT (leeg IS NULL)"},
    // Functions.
    {R"({"op":"like","args":[{"op":"casei","args":[{"property":"naam"}]},
                             {"op":"casei","args":["oranje%"]}]})",
     "CASEI(naam) LIKE CASEI('oranje%')"},
    {R"({"op":"=","args":[{"op":"accenti","args":[{"op":"casei","args":[{"property":"naam"}]}]},
                          {"op":"accenti","args":[{"op":"casei","args":["cafe eentje it's"]}]}]})",
     "ACCENTI(CASEI(naam)) = ACCENTI(CASEI('cafe eentje it''s'))"},
    {R"({"op":"=","args":[{"op":"upper","args":[{"property":"naam"}]},"ORANJE"]})",
     "UPPER(naam) = 'ORANJE'"},
    // Temporal literals.
    {R"({"op":">","args":[{"property":"start"},{"timestamp":"2024-03-01T00:00:00Z"}]})",
     "start > TIMESTAMP('2024-03-01T00:00:00Z')"},
    {R"({"op":"<","args":[{"property":"start"},{"date":"2024-01-01"}]})",
     "start < DATE('2024-01-01')"},
    // Spatial.
    {R"({"op":"s_intersects","args":[{"property":"geom"},{"type":"Point","coordinates":[2,3]}]})",
     "S_INTERSECTS(geom, POINT(2 3))"},
    {R"({"op":"s_intersects","args":[{"type":"Point","coordinates":[2,3,7]},{"property":"geom"}]})",
     "S_INTERSECTS(POINT Z(2 3 7), geom)"},
    {R"({"op":"s_intersects","args":[{"property":"geom"},{"bbox":[0,0,5,5]}]})",
     "S_INTERSECTS(geom, BBOX(0, 0, 5, 5))"},
    {R"({"op":"s_intersects","args":[{"property":"geom"},{"bbox":[0,0,0,5,5,5]}]})",
     "S_INTERSECTS(geom, BBOX(0, 0, 0, 5, 5, 5))"},
    {R"({"op":"s_intersects","args":[{"property":"geom"},{"type":"Polygon","coordinates":
        [[[0,0],[5,0],[5,5],[0,5],[0,0]],[[1,1],[4,1],[4,4],[1,4],[1,1]]]}]})",
     "S_INTERSECTS(geom, POLYGON((0 0, 5 0, 5 5, 0 5, 0 0), (1 1, 4 1, 4 4, 1 4, 1 1)))"},
    {R"({"op":"s_intersects","args":[{"property":"geom"},{"type":"MultiPolygon","coordinates":
        [[[[10,10],[11,10],[11,11],[10,10]]],[[[0,0],[5,0],[0,5],[0,0]]]]}]})",
     "S_INTERSECTS(geom, MULTIPOLYGON(((10 10, 11 10, 11 11, 10 10)), ((0 0, 5 0, 0 5, 0 0))))"},
    {R"({"op":"s_intersects","args":[{"property":"geom"},
        {"type":"LineString","coordinates":[[0,0],[4,6]]}]})",
     "S_INTERSECTS(geom, LINESTRING(0 0, 4 6))"},
    {R"({"op":"s_intersects","args":[{"property":"geom"},
        {"type":"MultiPoint","coordinates":[[9,9],[2,3]]}]})",
     "S_INTERSECTS(geom, MULTIPOINT((9 9), (2 3)))"},
    {R"({"op":"s_intersects","args":[{"property":"geom"},
        {"type":"MultiLineString","coordinates":[[[20,20],[30,30]],[[-1,5],[1,5]]]}]})",
     "S_INTERSECTS(geom, MULTILINESTRING((20 20, 30 30), (-1 5, 1 5)))"},
    {R"({"op":"s_disjoint","args":[{"property":"geom"},{"type":"Point","coordinates":[5.5,5.5]}]})",
     "S_DISJOINT(geom, POINT(5.5 5.5))"},
    // A spatial predicate inside logic, and white space everywhere JSON allows it.
    {" { \"op\" : \"and\" , \"args\" : [ {\"op\":\"=\",\"args\":[{\"property\":\"a\"},1]},\n"
     "\t{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geom\"},{\"bbox\":[0,0,5,5]}]} ] }\r\n",
     "a = 1 AND S_INTERSECTS(geom, BBOX(0, 0, 5, 5))"},
};

TEST_CASE("CQL2 JSON: the same tree as the equivalent CQL2 text", "[filter][cql2json]") {
  REQUIRE(kPairs.size() >= 15);
  const geo::Geometry point = geo::Geometry::point(2, 3);
  const geo::Geometry donut{geo::GeometryType::Polygon,
                            {{square(0, 0, 10, 10), square(4, 4, 6, 6)}}};
  const geo::Geometry* geometries[] = {&point, &donut, nullptr};
  for (const auto& p : kPairs) {
    INFO("json: " << p.json);
    INFO("text: " << p.text);
    const filter::Expr j = filter::parse_cql2_json(p.json);
    const filter::Expr t = filter::parse_cql2_text(p.text);
    CHECK(filter::to_string(j) == filter::to_string(t));
    CHECK(filter::referenced_properties(j) == filter::referenced_properties(t));
    for (std::size_t r = 0; r < kRows.size(); ++r) {
      const auto access = filter::map_access(kRows[r], geometries[r], "geom");
      CHECK(filter::evaluate(j, access) == filter::evaluate(t, access));
    }
  }
}

TEST_CASE("CQL2 JSON: evaluation on sample features", "[filter][cql2json]") {
  const geo::Geometry point = geo::Geometry::point(2, 3);
  auto match = [&](std::string_view json, const Props& row) {
    return filter::evaluate(filter::parse_cql2_json(json), filter::map_access(row, &point, "geom"));
  };
  CHECK(match(R"({"op":"=","args":[{"property":"naam"},"Oranjewijk"]})", kRows[0]) == Truth::True);
  CHECK(match(R"({"op":"=","args":[{"property":"naam"},"Oranjewijk"]})", kRows[1]) == Truth::False);
  CHECK(match(R"({"op":"=","args":[{"property":"a"},1]})", kRows[2]) == Truth::Unknown);
  CHECK(match(R"({"op":"like","args":[{"op":"casei","args":[{"property":"naam"}]},
                                      {"op":"casei","args":["%JE"]}]})",
              kRows[2]) == Truth::True);
  CHECK(match(R"({"op":"s_intersects","args":[{"property":"geom"},{"bbox":[0,0,5,5]}]})",
              kRows[0]) == Truth::True);
  CHECK(match(R"({"op":"s_intersects","args":[{"property":"geom"},{"bbox":[3,3,5,5]}]})",
              kRows[0]) == Truth::False);
  CHECK(match(R"({"op":">=","args":[{"property":"start"},{"date":"2024-03-01"}]})", kRows[0]) ==
        Truth::True);
  // The tree is typed: a JSON integer stays an integer, a decimal a double.
  const auto e = filter::parse_cql2_json(R"({"op":"in","args":[{"property":"a"},[1,1.5,"1"]]})");
  const auto* in = e.get_if<filter::In>();
  REQUIRE(in);
  REQUIRE(in->list.size() == 3);
  CHECK(std::holds_alternative<std::int64_t>(in->list[0].get_if<filter::Literal>()->value));
  CHECK(std::holds_alternative<double>(in->list[1].get_if<filter::Literal>()->value));
  CHECK(std::holds_alternative<std::string>(in->list[2].get_if<filter::Literal>()->value));
  // Integers beyond int64 become doubles, as in the text parser.
  CHECK(json_str(R"({"op":"=","args":[{"property":"a"},99999999999999999999]})") ==
        text_str("a = 99999999999999999999"));
}

TEST_CASE("CQL2 JSON: options, binding and validation are shared with CQL2 text",
          "[filter][cql2json]") {
  filter::ParseOptions ci;
  ci.like_case_insensitive = true;
  CHECK(filter::to_string(filter::parse_cql2_json(
            R"({"op":"like","args":[{"property":"naam"},"oranje%"]})", ci)) ==
        filter::to_string(filter::parse_cql2_text("naam LIKE 'oranje%'", ci)));

  const filter::Schema schema{{"Naam", filter::FieldType::String},
                              {"aantal", filter::FieldType::Integer},
                              {"geometry", filter::FieldType::Geometry}};
  CHECK(filter::to_string(filter::bind(
            filter::parse_cql2_json(R"({"op":"=","args":[{"property":"aantal"},3]})"), schema)) ==
        "aantal = 3");
  auto bind_error = [&](std::string_view json) -> std::string {
    try {
      filter::bind(filter::parse_cql2_json(json), schema);
    } catch (const parse_error& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(bind_error(R"({"op":"=","args":[{"property":"nope"},3]})"),
             Catch::Contains("unknown property 'nope'"));
  CHECK_THAT(bind_error(R"({"op":"=","args":[{"property":"aantal"},"veel"]})"),
             Catch::Contains("cannot compare"));
  CHECK_THAT(
      bind_error(R"({"op":"s_intersects","args":[{"property":"aantal"},{"bbox":[0,0,1,1]}]})"),
      Catch::Contains("needs a geometry property"));
  // The error position is the byte offset of the offending JSON value.
  const std::string_view json = R"({"op":"=","args":[{"property":"nope"},3]})";
  try {
    filter::bind(filter::parse_cql2_json(json), schema);
    FAIL("no error");
  } catch (const parse_error& e) {
    CHECK(e.position() == json.find("{\"property\""));
  }
}

struct Bad {
  std::string json;
  const char* message;  // a fragment of what()
};

TEST_CASE("CQL2 JSON: malformed filters are rejected with a clear message", "[filter][cql2json]") {
  const std::string eq = R"({"op":"=","args":[{"property":"a"},1]})";
  const std::vector<Bad> bad = {
      // Not JSON.
      {"", "empty filter"},
      {"  \n ", "empty filter"},
      {"{", "unexpected end of JSON"},
      {R"({"op":"=","args":[{"property":"a"},1])", "expected ',' or '}'"},
      {R"({"op":"=","args":[{"property":"a"},1}})", "expected ',' or ']'"},
      {"{'op':'=','args':[]}", "expected a member name in double quotes"},
      {eq + " x", "after the JSON value"},
      {eq + eq, "after the JSON value"},
      {"a = 1", "unexpected 'a'"},
      {R"({"op":"=","args":[{"property":"a"},01]})", "invalid number '01'"},
      {R"({"op":"=","args":[{"property":"a"},1.]})", "invalid number '1.'"},
      {R"({"op":"=","args":[{"property":"a"},1e999]})", "number out of range"},
      {R"({"op":"=","args":[{"property":"a"},NaN]})", "unexpected 'N'"},
      {R"({"op":"=","args":[{"property":"a"},"x\q"]})", "invalid escape"},
      {R"({"op":"=","args":[{"property":"a"},"\ud800"]})", "lone high surrogate"},
      {R"({"op":"=","args":[{"property":"a"},"\udc00x"]})", "lone low surrogate"},
      {R"({"op":"=","args":[{"property":"a"},"\u0000"]})", "control character 0x00"},
      {"{\"op\":\"=\",\"args\":[{\"property\":\"a\"},\"x\x01\"]}", "control character 0x01"},
      {"{\"op\":\"=\",\"args\":[{\"property\":\"a\"},\"\xC0\xAF\"]}", "invalid UTF-8 byte 0xC0"},
      {R"({"op":"=","args":[{"property":"a"},"open]})", "unterminated string"},
      {R"({"op":"=","op":"<","args":[{"property":"a"},1]})", "duplicate member 'op'"},
      // Not a predicate.
      {"42", "expected a predicate"},
      {"\"a = 1\"", "expected a predicate"},
      {"null", "expected a predicate"},
      {R"({"property":"a"})", "a property is not a predicate"},
      {R"({"args":[{"property":"a"},1]})", "without \"op\""},
      {R"({"op":"casei","args":[{"property":"a"}]})", "function 'casei' is not a predicate"},
      // Operators and arity.
      {R"({"op":"equals","args":[{"property":"a"},1]})", "unknown operator 'equals'"},
      {R"({"op":"AND","args":[true,true]})", "did you mean 'and'"},
      {R"({"op":"isnull","args":[{"property":"a"}]})", "did you mean 'isNull'"},
      {R"({"op":"s_within","args":[{"property":"g"},{"bbox":[0,0,1,1]}]})",
       "operator 's_within' is not supported"},
      {R"({"op":"t_after","args":[{"property":"t"},{"timestamp":"2024-01-01T00:00:00Z"}]})",
       "operator 't_after' is not supported"},
      {R"({"op":7,"args":[]})", "\"op\" must be a string"},
      {R"({"op":"="})", "has no \"args\""},
      {R"({"op":"=","args":{"a":1}})", "\"args\" of '=' must be an array"},
      {R"({"op":"=","args":[{"property":"a"},1],"extra":1})", "unknown member 'extra'"},
      {R"({"op":"=","args":[{"property":"a"}]})", "'=' needs 2 arguments, found 1"},
      {R"({"op":"<","args":[{"property":"a"},1,2]})", "'<' needs 2 arguments, found 3"},
      {R"({"op":"and","args":[true]})", "'and' needs at least 2 arguments"},
      {R"({"op":"or","args":[]})", "'or' needs at least 2 arguments"},
      {R"({"op":"not","args":[true,false]})", "'not' needs 1 argument, found 2"},
      {R"({"op":"between","args":[{"property":"a"},[1,2]]})", "'between' needs 3 arguments"},
      {R"({"op":"isNull","args":[]})", "'isNull' needs 1 argument, found 0"},
      {R"({"op":"=","args":[{"op":"casei","args":["a","b"]},"x"]})", "'casei' needs 1 argument"},
      // Argument types.
      {R"({"op":"and","args":[{"property":"a"},true]})", "a property is not a predicate"},
      {R"({"op":"and","args":[1,true]})", "expected a predicate"},
      {R"({"op":"=","args":[{"op":"=","args":[1,1]},true]})",
       "predicate '=' cannot be used as a value"},
      {R"({"op":"=","args":[{"property":"a"},[1]]})", "unexpected array"},
      {R"({"op":"=","args":[{"property":"a"},{"foo":1}]})", "unexpected object"},
      {R"({"op":"=","args":[{"op":"soundex","args":["x"]},"y"]})", "unknown function 'soundex'"},
      {R"({"op":"=","args":[{"property":7},1]})", "\"property\" needs a string"},
      {R"({"op":"=","args":[{"property":""},1]})", "empty property name"},
      {R"({"op":"=","args":[{"property":"a","op":"x"},1]})", "unknown member 'op' next to"},
      {R"({"op":"like","args":[{"property":"a"},1]})", "'like' needs a string pattern"},
      {R"({"op":"like","args":[{"property":"a"},{"property":"b"}]})", "needs a string pattern"},
      {R"({"op":"in","args":[{"property":"a"},1]})", "must be an array of values"},
      {R"({"op":"in","args":[{"property":"a"},[]]})", "empty 'in' list"},
      {R"({"op":">","args":[{"property":"t"},{"timestamp":"gisteren"}]})",
       "invalid timestamp 'gisteren'"},
      {R"({"op":">","args":[{"property":"t"},{"date":"2024-02-30"}]})", "invalid date"},
      {R"({"op":">","args":[{"property":"t"},{"date":"2024-02-03T10:00:00Z"}]})", "invalid date"},
      {R"({"op":">","args":[{"property":"t"},{"timestamp":20240101}]})",
       "\"timestamp\" needs a string"},
      {R"({"op":"=","args":[{"property":"t"},{"interval":["2024-01-01","2024-02-01"]}]})",
       "intervals are not supported"},
      // Geometries.
      {R"({"op":"=","args":[{"property":"g"},{"type":"Point","coordinates":[1,2]}]})",
       "a geometry literal is only allowed in s_intersects"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"property":"h"}]})",
       "needs one property and one geometry"},
      {R"({"op":"s_intersects","args":[{"bbox":[0,0,1,1]},{"bbox":[0,0,1,1]}]})",
       "needs one property and one geometry"},
      {R"j({"op":"s_intersects","args":[{"property":"g"},"POINT(1 2)"]})j", "found a string"},
      {R"({"op":"s_intersects","args":[{"property":"g"}]})", "'s_intersects' needs 2 arguments"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"Point","coordinates":[1]}]})",
       "a position needs 2 or 3 numbers"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"Point","coordinates":[1,"2"]}]})",
       "expected a number, found a string"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"Point","coordinates":[]}]})",
       "empty geometries are not supported"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"Point"}]})",
       "has no \"coordinates\""},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"Polygon","coordinates":
          [[[0,0],[1,0],[1,1],[0,1]]]}]})",
       "polygon ring is not closed"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"Polygon","coordinates":
          [[[0,0],[1,0],[0,0]]]}]})",
       "a polygon ring needs at least 4 positions"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"Polygon","coordinates":
          [[0,0],[1,0],[1,1],[0,0]]}]})",
       "a position must be an array, found a number"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"LineString","coordinates":
          [[0,0]]}]})",
       "a line string needs at least 2 positions"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"Circle","coordinates":[0,0]}]})",
       "unsupported geometry type 'Circle'"},
      {R"({"op":"s_intersects","args":[{"property":"g"},
          {"type":"GeometryCollection","geometries":[]}]})",
       "unknown member 'geometries'"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"type":"GeometryCollection"}]})",
       "unsupported geometry type 'GeometryCollection'"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"bbox":[0,0,1]}]})",
       "\"bbox\" needs 4 or 6 numbers, found 3"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"bbox":[2,0,1,1]}]})",
       "minimum is larger than its maximum"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"bbox":"0,0,1,1"}]})",
       "\"bbox\" must be an array"},
      {R"({"op":"s_intersects","args":[{"property":"g"},{"bbox":[0,0,1,1],"crs":1}]})",
       "unknown member 'crs' next to \"bbox\""},
  };
  REQUIRE(bad.size() >= 15);
  for (const auto& b : bad) {
    INFO("json: " << b.json);
    const parse_error e = json_error(b.json);
    CHECK_THAT(std::string(e.what()), Catch::Contains(b.message));
    CHECK(e.position() <= b.json.size());
  }
}

// Found by fuzzing (tests/fuzz, fuzz_cql2_json): a geometry literal with "coordinates" but no
// "type" was taken for a bbox and its missing "bbox" member dereferenced (a crash).
TEST_CASE("CQL2 JSON: a geometry without \"type\" is a parse_error, not a crash",
          "[filter][cql2json][fuzz]") {
  for (const std::string geometry :
       {R"({"coordinates":[5.8,53.2]})", R"({"coordinates":0})", R"({"coordinates":[]})"}) {
    INFO(geometry);
    const std::string j =
        R"({"op":"s_intersects","args":[{"property":"geometry"},)" + geometry + "]}";
    const parse_error e = json_error(j);
    CHECK_THAT(e.what(), Catch::Contains("needs a \"type\""));
    CHECK(e.position() == j.find(geometry));
  }
  // Still a bbox when "bbox" comes without "type", and still GeoJSON with one.
  CHECK(
      json_str(R"({"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[5,53,6,54]}]})") ==
      text_str("S_INTERSECTS(geometry, BBOX(5, 53, 6, 54))"));
  CHECK(json_str(R"({"op":"s_intersects","args":[{"property":"geometry"},)"
                 R"({"type":"Point","coordinates":[5.8,53.2]}]})") ==
        text_str("S_INTERSECTS(geometry, POINT(5.8 53.2))"));
}

TEST_CASE("CQL2 JSON: error positions point into the JSON", "[filter][cql2json]") {
  std::string json = R"({"op":"=","args":[{"property":"a"},1],"x":2})";
  CHECK(json_error(json).position() == json.find("\"x\""));
  json = R"({"op":"and","args":[true,{"op":"equals","args":[1,1]}]})";
  CHECK(json_error(json).position() == json.find("\"equals\""));
  json = R"({"op":"=","args":[{"property":"a"},1],})";
  CHECK(json_error(json).position() == json.rfind('}'));
  CHECK(std::string(json_error(json).what()) == "unexpected '}' at position " +
                                                    std::to_string(json.rfind('}')) +
                                                    ", expected a member name in double quotes");
}

TEST_CASE("CQL2 JSON: random mutations never crash and render as valid CQL2 text",
          "[filter][cql2json]") {
  std::string alphabet = "{}[]:,\"\\ 0123456789.-eEtruefalsnopargsbxyu";
  alphabet += '\0';
  alphabet += "\xff\xc3";
  std::mt19937 rng(4242);
  int parsed = 0;
  int rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string json = kPairs[round % kPairs.size()].json;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      const std::size_t at = json.empty() ? 0 : rng() % json.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          json.insert(json.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        case 1:
          if (!json.empty()) json.erase(at, 1);
          break;
        default:
          if (!json.empty()) json[at] = c;
      }
    }
    try {
      const auto e = filter::parse_cql2_json(json);
      ++parsed;
      (void)filter::evaluate(e, filter::map_access(kRows[0]));
      const std::string s = filter::to_string(e);
      INFO("from: " << json << " rendered: " << s);
      CHECK(filter::to_string(filter::parse_cql2_text(s)) == s);
    } catch (const parse_error& e) {
      ++rejected;
      CHECK(e.position() <= json.size());
    }
  }
  CHECK(parsed > 0);
  CHECK(rejected > 0);
}

TEST_CASE("CQL2 JSON: limits: length, depth and node count", "[filter][cql2json]") {
  // 100 kB.
  std::string big = R"({"op":"in","args":[{"property":"a"},[1)";
  while (big.size() < 100 * 1024) big += ",1";
  big += "]]}";
  auto e = json_error(big);
  CHECK_THAT(std::string(e.what()), Catch::Contains("too long"));
  CHECK(e.position() == 64 * 1024);

  // 2,000 nested NOTs (44 kB): refused, no stack overflow.
  std::string nots;
  for (int i = 0; i < 2000; ++i) nots += R"({"op":"not","args":[)";
  nots += "true";
  for (int i = 0; i < 2000; ++i) nots += "]}";
  CHECK_THAT(std::string(json_error(nots).what()), Catch::Contains("nesting is too deep"));

  // 30,000 nested arrays.
  CHECK_THAT(std::string(json_error(std::string(30000, '[') + std::string(30000, ']')).what()),
             Catch::Contains("nesting is too deep"));

  // Nested functions.
  std::string calls;
  for (int i = 0; i < 100; ++i) calls += R"({"op":"casei","args":[)";
  calls += R"({"property":"a"})";
  for (int i = 0; i < 100; ++i) calls += "]}";
  CHECK_THAT(std::string(json_error(R"({"op":"=","args":[)" + calls + R"(,"x"]})").what()),
             Catch::Contains("nesting is too deep"));

  // 64 nested NOTs still parse, 65 do not (the default, as for CQL2 text).
  auto nested = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += R"({"op":"not","args":[)";
    s += R"({"op":"=","args":[{"property":"a"},1]})";
    for (int i = 0; i < n; ++i) s += "]}";
    return s;
  };
  CHECK_NOTHROW(filter::parse_cql2_json(nested(64)));
  CHECK_THAT(std::string(json_error(nested(65)).what()), Catch::Contains("nesting is too deep"));

  // Many nodes.
  std::string list = R"({"op":"in","args":[{"property":"a"},[0)";
  for (int i = 1; i < 12000; ++i) list += "," + std::to_string(i % 10);
  list += "]]}";
  CHECK_THAT(std::string(json_error(list).what()), Catch::Contains("too complex"));

  filter::ParseOptions small;
  small.max_nodes = 5;
  CHECK_THROWS_AS(
      filter::parse_cql2_json(R"({"op":"in","args":[{"property":"a"},[1,2,3,4,5]]})", small),
      parse_error);
  CHECK_NOTHROW(filter::parse_cql2_json(R"({"op":"in","args":[{"property":"a"},[1,2,3]]})", small));
}

}  // namespace
