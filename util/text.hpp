#pragma once
// String helpers on bytes (ASCII semantics, locale-free): one idea of whitespace, trimming,
// splitting, and strict number parsing. For case, see util/ascii.hpp; for code points, util/utf8.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gebieden::util {

/// ASCII whitespace: space, \t, \n, \v, \f, \r (what std::isspace says in the C locale).
constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// `s` without leading and trailing whitespace (is_space).
std::string_view trim(std::string_view s) noexcept;

/// The pieces of `s` between the separators: "a,,b" -> {"a", "", "b"}; "" -> {""}. The pieces
/// view `s`; nothing is trimmed.
std::vector<std::string_view> split(std::string_view s, char sep);

/// The same, each piece trimmed.
std::vector<std::string_view> split_trimmed(std::string_view s, char sep);

/// A decimal integer that is the whole of `s` (optional '-', digits; no '+', no whitespace);
/// nullopt when it is not one or is out of range.
std::optional<std::int64_t> parse_int(std::string_view s) noexcept;

/// A finite decimal number that is the whole of `s` (std::from_chars syntax: no '+', no
/// whitespace, no hex; "inf" and "nan" are refused); nullopt otherwise.
std::optional<double> parse_double(std::string_view s) noexcept;

}  // namespace gebieden::util
