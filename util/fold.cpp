#include "util/fold.hpp"

#include "util/ascii.hpp"
#include "util/utf8.hpp"

namespace gebieden::util {

std::string_view latin_ascii_spelling(char32_t cp) noexcept {
  static constexpr std::string_view latin1[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // C0
      "d", "n", "o", "o", "o", "o", "o",  " ", "o", "u", "u", "u", "u", "y", "th", "ss",  // D0
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // E0
      "d", "n", "o", "o", "o", "o", "o",  " ", "o", "u", "u", "u", "u", "y", "th", "y",   // F0
  };
  if (cp < 0xC0 || cp > 0x17F) return {};
  if (cp <= 0xFF) return latin1[cp - 0xC0];
  struct Range {
    char32_t first, last;
    std::string_view ascii;
  };
  static constexpr Range extended_a[] = {
      {0x100, 0x105, "a"}, {0x106, 0x10D, "c"},  {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},
      {0x11C, 0x123, "g"}, {0x124, 0x127, "h"},  {0x128, 0x131, "i"}, {0x132, 0x133, "ij"},
      {0x134, 0x135, "j"}, {0x136, 0x138, "k"},  {0x139, 0x142, "l"}, {0x143, 0x14B, "n"},
      {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"}, {0x154, 0x159, "r"}, {0x15A, 0x161, "s"},
      {0x162, 0x167, "t"}, {0x168, 0x173, "u"},  {0x174, 0x175, "w"}, {0x176, 0x178, "y"},
      {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
  };
  for (const auto& r : extended_a)
    if (cp >= r.first && cp <= r.last) return r.ascii;
  return {};
}

namespace {

/// The base letter of an accented Latin letter, case kept; 0 for a combining mark (dropped);
/// `c` itself for anything else. ĸ, ŉ, Ŋ and ŋ are spelt k, n in ASCII but are letters of
/// their own, not a base letter with an accent.
char32_t strip_accent(char32_t c) {
  if (c < 0xC0) return c;
  if (c >= 0x300 && c <= 0x36F) return 0;
  if (c == 0x138 || c == 0x149 || c == 0x14A || c == 0x14B) return c;
  const std::string_view ascii = latin_ascii_spelling(c);
  if (ascii.size() != 1 || ascii[0] < 'a' || ascii[0] > 'z') return c;
  return lower_cp(c) != c ? static_cast<char32_t>(ascii_upper(ascii[0])) : char32_t(ascii[0]);
}

void fold_ascii_key(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    if (c == '\'' || c == '`') return;
    out += (c < 0x20 || c == 0x7F) ? ' ' : ascii_lower(c);
  } else if (const std::string_view a = latin_ascii_spelling(cp); !a.empty()) {
    out += a;
  } else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212) {
    out += '-';
  } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x201B || cp == 0x02BC || cp == 0xB4) {
    // apostrophes and the acute accent: dropped ('t Schip -> t schip)
  } else {
    out += ' ';
  }
}

}  // namespace

std::string fold(std::string_view utf8, Fold mode) {
  std::string out;
  out.reserve(utf8.size());
  if (mode == Fold::AsciiKey) {
    for (std::size_t i = 0; i < utf8.size();) {
      fold_ascii_key(decode_utf8(utf8, i, InvalidByte::Latin1), out);
    }
    return out;
  }
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t c = strip_accent(decode_utf8(utf8, i, InvalidByte::Surrogate));
    if (c != 0) encode_utf8(c, out);
  }
  return out;
}

}  // namespace gebieden::util
