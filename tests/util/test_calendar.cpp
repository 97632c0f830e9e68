#include "util/calendar.hpp"

#include <catch2/catch.hpp>

namespace util = gebieden::util;

TEST_CASE("util: civil dates and days", "[util]") {
  CHECK(util::days_from_civil(1970, 1, 1) == 0);
  CHECK(util::days_from_civil(2000, 3, 1) == 11017);
  CHECK(util::days_from_civil(1969, 12, 31) == -1);
  CHECK(util::days_from_civil(0, 1, 1) == -719528);
  CHECK(util::civil_from_days(0) == util::CivilDate{1970, 1, 1});
  CHECK(util::civil_from_days(-1) == util::CivilDate{1969, 12, 31});
  CHECK(util::civil_from_days(11016) == util::CivilDate{2000, 2, 29});
  for (std::int64_t d = -800'000; d < 800'000; d += 97) {
    const auto c = util::civil_from_days(d);
    REQUIRE(util::days_from_civil(c.year, c.month, c.day) == d);
  }
  CHECK(util::days_in_month(2024, 2) == 29);
  CHECK(util::days_in_month(1900, 2) == 28);
  CHECK(util::days_in_month(2000, 2) == 29);
  CHECK(util::days_in_month(2023, 4) == 30);
  CHECK(util::days_in_month(2023, 12) == 31);
  CHECK(util::floor_div(7, 2) == 3);
  CHECK(util::floor_div(-7, 2) == -4);
  CHECK(util::floor_div(-8, 2) == -4);
  CHECK(util::floor_div(7, -2) == -4);
}

TEST_CASE("util: ISO 8601 date-times", "[util]") {
  auto ms = [](std::string_view s) { return util::parse_iso_datetime(s).value().millis; };
  CHECK(ms("1970-01-01") == 0);
  CHECK(util::parse_iso_datetime("1970-01-01")->date_only);
  CHECK_FALSE(util::parse_iso_datetime("1970-01-01T00:00Z")->date_only);
  CHECK(ms("1970-01-01T00:00:01.5Z") == 1500);
  CHECK(ms("1970-01-01T00:00:01,25") == 1250);
  CHECK(ms("1970-01-01 01:00+01:00") == 0);
  CHECK(ms("1970-01-01T01:00:00+0100") == 0);
  CHECK(ms("1969-12-31T23:00:00-01:00") == 0);
  CHECK(ms("2024-02-29t12:00:00z") == 1709208000000);
  CHECK_FALSE(util::parse_iso_datetime("2023-02-29"));
  CHECK_FALSE(util::parse_iso_datetime("2024-13-01"));
  CHECK_FALSE(util::parse_iso_datetime("2024-01-01T24:00"));
  CHECK_FALSE(util::parse_iso_datetime("2024-01-01T12"));
  CHECK_FALSE(util::parse_iso_datetime(" 2024-01-01"));
  CHECK_FALSE(util::parse_iso_datetime("2024-01-01T12:00:00."));
  CHECK_FALSE(util::parse_iso_datetime("2024-01-01T12:00+1"));

  CHECK(util::format_iso_datetime(0, true) == "1970-01-01");
  CHECK(util::format_iso_datetime(0, false) == "1970-01-01T00:00:00Z");
  CHECK(util::format_iso_datetime(-1, false) == "1969-12-31T23:59:59.999Z");
  CHECK(util::format_iso_datetime(1709208000250, false) == "2024-02-29T12:00:00.250Z");
}
