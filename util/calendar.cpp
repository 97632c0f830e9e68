#include "util/calendar.hpp"

#include <cstdio>

#include "util/text.hpp"

namespace gebieden::util {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilDate civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  CivilDate c;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2);
  return c;
}

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::optional<IsoTime> parse_iso_datetime(std::string_view s) noexcept {
  std::size_t i = 0;
  auto digits = [&](std::size_t n, int& out) {
    if (i + n > s.size()) return false;
    out = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (!is_digit(s[i + k])) return false;
      out = out * 10 + (s[i + k] - '0');
    }
    i += n;
    return true;
  };
  auto lit = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int y = 0, mo = 0, d = 0;
  if (!digits(4, y) || !lit('-') || !digits(2, mo) || !lit('-') || !digits(2, d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 ||
      static_cast<unsigned>(d) > days_in_month(y, static_cast<unsigned>(mo))) {
    return std::nullopt;
  }
  IsoTime t;
  std::int64_t ms =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86'400'000;
  if (i == s.size()) {
    t.millis = ms;
    t.date_only = true;
    return t;
  }
  if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
  ++i;
  int h = 0, mi = 0, sec = 0;
  if (!digits(2, h) || !lit(':') || !digits(2, mi)) return std::nullopt;
  std::int64_t frac = 0;
  if (lit(':')) {
    if (!digits(2, sec)) return std::nullopt;
    if (lit('.') || lit(',')) {
      std::size_t n = 0;
      while (i < s.size() && is_digit(s[i])) {
        if (n < 3) frac = frac * 10 + (s[i] - '0');
        ++n;
        ++i;
      }
      if (n == 0) return std::nullopt;
      for (; n < 3; ++n) frac *= 10;
    }
  }
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  ms += h * 3'600'000LL + mi * 60'000LL + sec * 1000LL + frac;
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i] == '+' ? 1 : -1;
      ++i;
      int oh = 0, om = 0;
      if (!digits(2, oh)) return std::nullopt;
      if (lit(':')) {
        if (!digits(2, om)) return std::nullopt;
      } else if (i < s.size()) {
        if (!digits(2, om)) return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      ms -= sign * (oh * 60LL + om) * 60'000LL;
    }
  }
  if (i != s.size()) return std::nullopt;
  t.millis = ms;
  return t;
}

std::string format_iso_datetime(std::int64_t millis, bool date_only) {
  const std::int64_t days = floor_div(millis, 86'400'000);
  const std::int64_t rem = millis - days * 86'400'000;
  const CivilDate c = civil_from_days(days);
  const auto y = static_cast<long long>(c.year);
  char buf[64];
  if (date_only) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", y, c.month, c.day);
    return buf;
  }
  const auto h = static_cast<int>(rem / 3'600'000);
  const auto mi = static_cast<int>(rem / 60'000 % 60);
  const auto s = static_cast<int>(rem / 1000 % 60);
  const auto ms = static_cast<int>(rem % 1000);
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", y, c.month, c.day, h,
                  mi, s, ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", y, c.month, c.day, h, mi, s);
  }
  return buf;
}

}  // namespace gebieden::util
