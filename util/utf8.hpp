#pragma once
// UTF-8 on bytes: one validator, one decoder (with a choice of what an invalid byte becomes),
// one encoder, the case mapping the filters need, and messages that stay valid UTF-8.

#include <cstddef>
#include <string>
#include <string_view>

namespace gebieden::util {

/// Length of the valid UTF-8 sequence at s[i], 0 when it is not valid (overlong, surrogate,
/// truncated, > U+10FFFF, a stray continuation byte).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates). On failure, `error_offset`
/// (when given) receives the offset of the first offending byte.
bool is_valid_utf8(std::string_view s, std::size_t* error_offset = nullptr) noexcept;

/// What decode_utf8 makes of a byte that does not start a valid sequence (it always consumes
/// that one byte, so decoding never fails).
enum class InvalidByte {
  Latin1,     ///< the byte read as Latin-1 (U+0080..U+00FF): mis-encoded names still fold
  Surrogate,  ///< U+DC00 + byte, a lone surrogate that encode_utf8 writes back as the byte
};

namespace detail {
char32_t decode_utf8_sequence(std::string_view s, std::size_t& i, InvalidByte invalid) noexcept;
void encode_utf8_sequence(char32_t cp, std::string& out);
}  // namespace detail

/// Decode the code point at s[i] (i < s.size()) and advance i past it. Inline for ASCII: the
/// filters decode every character of every value they compare.
inline char32_t decode_utf8(std::string_view s, std::size_t& i, InvalidByte invalid) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  return detail::decode_utf8_sequence(s, i, invalid);
}

/// Append code point `cp` as UTF-8. U+DC80..U+DCFF (lone surrogates, which valid UTF-8 never
/// decodes to) are written back as the single byte 0x80..0xFF they stand for (see
/// InvalidByte::Surrogate).
inline void encode_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    detail::encode_utf8_sequence(cp, out);
  }
}

/// Case mapping for ASCII, Latin-1 Supplement and Latin Extended-A (what Dutch and its
/// neighbours need); other code points are returned as they are.
char32_t lower_cp(char32_t c) noexcept;
char32_t upper_cp(char32_t c) noexcept;

/// `s` cut to at most `max` bytes on a code point boundary, with "..." when cut: for messages,
/// which must stay valid UTF-8 (they end up in JSON).
std::string shorten(std::string_view s, std::size_t max = 40);

/// "';'", "control character 0x00", "character U+00E9", "invalid UTF-8 byte 0xFF".
std::string describe_char(std::string_view s, std::size_t i);

}  // namespace gebieden::util
