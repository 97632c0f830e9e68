// Tests of the small CSV reader (geo/csv.hpp): RFC 4180 quoting, CRLF, the header row.

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "geo/csv.hpp"
#include "util/error.hpp"

using namespace gebieden;
using geo::CsvTable;
using Fields = std::vector<std::string>;

namespace {
CsvTable parse(const std::string& text) {
  std::istringstream in(text);
  return geo::read_csv(in);
}
}  // namespace

TEST_CASE("csv: plain and quoted fields", "[csv][unit]") {
  const CsvTable t = parse("a,b,c\n1,\"two\",3\n,\"\",\n");
  CHECK(t.header == Fields{"a", "b", "c"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0] == Fields{"1", "two", "3"});
  CHECK(t.rows[1] == Fields{"", "", ""});
}

TEST_CASE("csv: embedded commas, newlines and doubled quotes", "[csv][unit]") {
  const CsvTable t = parse(
      "naam,adres,opmerking\n"
      "\"Smit, J.\",\"Kerkstraat 1\nGrou\",\"zei \"\"hallo\"\"\"\n"
      "x,\"\"\"\",\"a,\"\"b\"\",c\"\n");
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0] == Fields{"Smit, J.", "Kerkstraat 1\nGrou", "zei \"hallo\""});
  CHECK(t.rows[1] == Fields{"x", "\"", "a,\"b\",c"});
}

TEST_CASE("csv: CRLF line ends, with and without a final line break", "[csv][unit]") {
  const CsvTable t = parse("a,b\r\n1,2\r\n\"3\r\n4\",5");
  CHECK(t.header == Fields{"a", "b"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0] == Fields{"1", "2"});
  CHECK(t.rows[1] == Fields{"3\r\n4", "5"});  // inside quotes the line break is data
}

TEST_CASE("csv: columns by name, a missing column and short rows", "[csv][unit]") {
  const CsvTable t = parse("\xEF\xBB\xBFid,postcode,huisnummer\n1,8911AA,12\n2,8911AB\n");
  CHECK(t.column("id") == 0u);  // the byte order mark is not part of the first name
  CHECK(t.column("huisnummer") == 2u);
  CHECK_FALSE(t.column("woonplaats").has_value());
  CHECK_FALSE(t.column("Postcode").has_value());  // names match exactly
  REQUIRE(t.rows.size() == 2);
  const auto first = t.named_row(0);
  CHECK(first.at("postcode") == "8911AA");
  CHECK(first.at("huisnummer") == "12");
  const auto second = t.named_row(1);
  CHECK(second.at("postcode") == "8911AB");
  CHECK(second.count("huisnummer") == 0);
  CHECK(second.count("woonplaats") == 0);
}

TEST_CASE("csv: an empty file and empty lines", "[csv][unit]") {
  CsvTable t = parse("");
  CHECK(t.header.empty());
  CHECK(t.rows.empty());
  CHECK_FALSE(t.column("id").has_value());
  t = parse("\n\n");
  CHECK(t.header.empty());
  CHECK(t.rows.empty());
  t = parse("a\n\n1\n\n");
  CHECK(t.header == Fields{"a"});
  CHECK(t.rows == std::vector<Fields>{{"1"}});
  CHECK_THROWS_AS(geo::read_csv_file("/nonexistent/gebieden/no.csv"), gebieden::exception);
}

TEST_CASE("csv: the record reader counts lines and reuses its buffer", "[csv][unit]") {
  std::istringstream in("a,b\n\"x\ny\",z\nlast,\"open");
  geo::CsvReader reader(in);
  Fields f;
  REQUIRE(reader.next(f));
  CHECK(f == Fields{"a", "b"});
  CHECK(reader.line() == 1);
  REQUIRE(reader.next(f));
  CHECK(f == Fields{"x\ny", "z"});
  CHECK(reader.line() == 2);
  REQUIRE(reader.next(f));
  CHECK(f == Fields{"last", "open"});  // an unclosed quote runs to the end
  CHECK(reader.line() == 4);
  CHECK(reader.unterminated_quote());
  CHECK_FALSE(reader.next(f));
  CHECK(f.empty());
}

TEST_CASE("csv: one line into fields", "[csv][unit]") {
  CHECK(geo::split_csv_line("") == Fields{""});
  CHECK(geo::split_csv_line("a,,\"b,c\"\r") == Fields{"a", "", "b,c"});
  CHECK(geo::split_csv_line("\"it\"\"s\",x") == Fields{"it\"s", "x"});
}

TEST_CASE("csv: semicolons as Dutch spreadsheets write them, judged by the first line",
          "[csv][unit]") {
  CHECK(geo::sniff_csv_delimiter("id;straat;plaats\n1;a,b;c\n") == ';');
  CHECK(geo::sniff_csv_delimiter("id,straat\n1;2;3;4\n") == ',');
  CHECK(geo::sniff_csv_delimiter("\"a;b;c\",d\n") == ',');  // quoted semicolons do not count
  CHECK(geo::sniff_csv_delimiter("") == ',');
  std::istringstream in("id;q\r\n1;\"Marisdijk 1; Leeuwarden\";x\r\n2;Tuinen 5, Grou\r\n");
  geo::CsvReader reader(in, ';');
  Fields f;
  REQUIRE(reader.next(f));
  CHECK(f == Fields{"id", "q"});
  REQUIRE(reader.next(f));
  CHECK(f == Fields{"1", "Marisdijk 1; Leeuwarden", "x"});
  CHECK_FALSE(reader.unterminated_quote());
  REQUIRE(reader.next(f));
  CHECK(f == Fields{"2", "Tuinen 5, Grou"});  // a comma is content here
}
