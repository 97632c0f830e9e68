#pragma once
// UTF-8 helpers for the filter parsers (CQL2 text, CQL2 JSON, Esri where): error messages that
// stay valid UTF-8 and name the offending character, and code point encoding.

#include <cstddef>
#include <string>
#include <string_view>

namespace gebieden::layers::text {

/// `s` cut to at most `max` bytes on a code point boundary, with "..." when cut: for messages,
/// which must stay valid UTF-8 (they end up in JSON).
std::string shorten(std::string_view s, std::size_t max = 40);

/// Length of the valid UTF-8 sequence at s[i], 0 when it is not valid (overlong, surrogate,
/// truncated, > U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

/// "';'", "control character 0x00", "character U+00E9", "invalid UTF-8 byte 0xFF".
std::string describe_char(std::string_view s, std::size_t i);

/// Append code point `cp` as UTF-8. U+DC80..U+DCFF (lone surrogates, which valid UTF-8 never
/// decodes to) are written back as the single byte 0x80..0xFF they stand for: the lenient
/// decoder of the text parser maps an invalid byte b to U+DC00+b.
void encode_utf8(char32_t cp, std::string& out);

}  // namespace gebieden::layers::text
