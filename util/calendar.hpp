#pragma once
// Civil dates in the proleptic Gregorian calendar (H. Hinnant's algorithms) and ISO 8601
// date-times as milliseconds since 1970-01-01T00:00:00Z. Locale- and time-zone-free.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gebieden::util {

struct CivilDate {
  std::int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
  bool operator==(const CivilDate&) const = default;
};

/// Days since 1970-01-01 of a civil date (negative before).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;
/// The civil date `days` after 1970-01-01.
CivilDate civil_from_days(std::int64_t days) noexcept;
constexpr bool is_leap_year(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
/// 28..31; `m` is 1..12.
unsigned days_in_month(std::int64_t y, unsigned m) noexcept;
/// a / b rounded towards negative infinity (b != 0).
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept;

/// A point in time parsed from ISO 8601: milliseconds since the epoch, and whether the text was
/// a date only (midnight UTC).
struct IsoTime {
  std::int64_t millis = 0;
  bool date_only = false;
};

/// "2024-03-01", "2024-03-01T12:00:00Z", "2024-03-01 12:00", "2024-03-01T12:00:00.250+01:00",
/// "...+0100"; no zone means UTC. Seconds up to 60 (a leap second), fractions to milliseconds
/// (more digits are cut). nullopt for anything else, including surrounding whitespace.
std::optional<IsoTime> parse_iso_datetime(std::string_view s) noexcept;

/// "2024-03-01" when `date_only`, else "2024-03-01T12:00:00Z" or "...T12:00:00.250Z".
std::string format_iso_datetime(std::int64_t millis, bool date_only);

}  // namespace gebieden::util
