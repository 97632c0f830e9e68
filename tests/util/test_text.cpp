#include "util/text.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "util/ascii.hpp"

namespace util = gebieden::util;

TEST_CASE("util: one idea of whitespace", "[util]") {
  for (char c : std::string(" \t\n\v\f\r")) CHECK(util::is_space(c));
  for (char c : std::string("a0_-\x01\x7f")) CHECK_FALSE(util::is_space(c));
  CHECK_FALSE(util::is_space('\xA0'));  // a Latin-1 no-break space byte is not ASCII whitespace
}

TEST_CASE("util: trim", "[util]") {
  CHECK(util::trim("") == "");
  CHECK(util::trim(" \t\r\n\f\v") == "");
  CHECK(util::trim("  a b \n") == "a b");
  CHECK(util::trim("\fx\v") == "x");
  CHECK(util::trim("x") == "x");
}

TEST_CASE("util: split on a character", "[util]") {
  using V = std::vector<std::string_view>;
  CHECK(util::split("", ',') == V{""});
  CHECK(util::split("a", ',') == V{"a"});
  CHECK(util::split("a,,b", ',') == V{"a", "", "b"});
  CHECK(util::split(",a,", ',') == V{"", "a", ""});
  CHECK(util::split(" a , b ", ',') == V{" a ", " b "});
  CHECK(util::split_trimmed(" a , b ,", ',') == V{"a", "b", ""});
}

TEST_CASE("util: ASCII case", "[util]") {
  CHECK(util::ascii_lower("AbC-Ø") == "abc-Ø");
  CHECK(util::ascii_upper("aBc-ø") == "ABC-ø");
  CHECK(util::ascii_iequals("Content-Type", "content-TYPE"));
  CHECK_FALSE(util::ascii_iequals("abc", "abd"));
  CHECK_FALSE(util::ascii_iequals("abc", "abcd"));
  CHECK_FALSE(util::ascii_iequals("\xC3\xA9", "\xC3\x89"));  // é, É: bytes, not letters
}

TEST_CASE("util: strict integers", "[util]") {
  CHECK(util::parse_int("0") == 0);
  CHECK(util::parse_int("-12") == -12);
  CHECK(util::parse_int("9223372036854775807") == INT64_MAX);
  CHECK_FALSE(util::parse_int("9223372036854775808"));
  CHECK_FALSE(util::parse_int(""));
  CHECK_FALSE(util::parse_int("+1"));
  CHECK_FALSE(util::parse_int(" 1"));
  CHECK_FALSE(util::parse_int("1 "));
  CHECK_FALSE(util::parse_int("1.0"));
  CHECK_FALSE(util::parse_int("0x10"));
  CHECK_FALSE(util::parse_int("-"));
}

TEST_CASE("util: strict finite doubles", "[util]") {
  CHECK(util::parse_double("1.5") == 1.5);
  CHECK(util::parse_double("-2e3") == -2000.0);
  CHECK(util::parse_double("7") == 7.0);
  CHECK(util::parse_double(".5") == 0.5);
  CHECK_FALSE(util::parse_double(""));
  CHECK_FALSE(util::parse_double("inf"));
  CHECK_FALSE(util::parse_double("-infinity"));
  CHECK_FALSE(util::parse_double("nan"));
  CHECK_FALSE(util::parse_double("1e999"));
  CHECK_FALSE(util::parse_double("+1"));
  CHECK_FALSE(util::parse_double(" 1"));
  CHECK_FALSE(util::parse_double("1,5"));
  CHECK_FALSE(util::parse_double("0x1p3"));
}
