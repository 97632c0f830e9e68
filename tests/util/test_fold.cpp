#include "util/fold.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "util/utf8.hpp"

namespace util = gebieden::util;
using util::Fold;

namespace {

/// The accent stripping of CQL2 ACCENTI as layers/filter.cpp had it before util/fold: the
/// reference that Fold::Accents must keep to, code point by code point.
char32_t reference_strip_accent(char32_t c) {
  constexpr std::string_view latin1 =
      "AAAAAA.CEEEEIIIIDNOOOOO.OUUUUY.."
      "aaaaaa.ceeeeiiiidnooooo.ouuuuy.y";
  constexpr std::string_view latin_a =
      "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi..JjKk.LlLlLlLlLlNnNnNn...OoOoOo.."
      "RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
  if (c >= 0x300 && c <= 0x36F) return 0;
  if (c >= 0xC0 && c <= 0xFF) {
    const char m = latin1[c - 0xC0];
    return m == '.' ? c : static_cast<char32_t>(m);
  }
  if (c >= 0x100 && c <= 0x17F) {
    const char m = latin_a[c - 0x100];
    return m == '.' ? c : static_cast<char32_t>(m);
  }
  return c;
}

std::string utf8(char32_t c) {
  std::string s;
  util::encode_utf8(c, s);
  return s;
}

}  // namespace

TEST_CASE("util: Fold::Accents keeps the ACCENTI behaviour for every code point", "[util]") {
  for (char32_t c = 1; c < 0x3000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    const char32_t ref = reference_strip_accent(c);
    INFO("U+" << std::hex << static_cast<unsigned>(c));
    CHECK(util::fold(utf8(c), Fold::Accents) == (ref == 0 ? std::string() : utf8(ref)));
  }
}

TEST_CASE("util: Fold::Accents on text", "[util]") {
  CHECK(util::fold("Caf\xC3\xA9 No\xC3\xABl \xC3\x96ster \xC5\x81\xC3\xB3"
                   "d\xC5\xBA",
                   Fold::Accents) == "Cafe Noel Oster Lodz");
  CHECK(util::fold("Cafe\xCC\x81", Fold::Accents) == "Cafe");  // combining acute dropped
  CHECK(util::fold("\xC4\xB2sselmeer \xC3\x9F", Fold::Accents) == "\xC4\xB2sselmeer \xC3\x9F");
  CHECK(util::fold("H\xC3\xBAns \xE9!", Fold::Accents) == "Huns \xE9!");  // invalid byte kept
}

TEST_CASE("util: Fold::AsciiKey spells Latin letters in lower-case ASCII", "[util]") {
  CHECK(util::fold("H\xC3\xBAns", Fold::AsciiKey) == "huns");
  CHECK(util::fold("Stra\xC3\x9F"
                   "e",
                   Fold::AsciiKey) == "strasse");
  CHECK(util::fold("\xC4\xB2sselmeer", Fold::AsciiKey) == "ijsselmeer");
  CHECK(util::fold("\xC3\x86"
                   "bel \xC5\x93uvre \xC3\x9Eor",
                   Fold::AsciiKey) == "aebel oeuvre thor");
  CHECK(util::fold("\xC5\x8A\xC4\xB8", Fold::AsciiKey) == "nk");
  CHECK(util::fold("2 \xC3\x97 3", Fold::AsciiKey) == "2   3");
  CHECK(util::fold("'t Schip `x`", Fold::AsciiKey) == "t schip x");
  CHECK(util::fold("\xE2\x80\x99t \xC2\xB4s \xCA\xBCs", Fold::AsciiKey) == "t s s");
  CHECK(util::fold("Noord\xE2\x80\x93Zuid \xE2\x88\x92", Fold::AsciiKey) == "noord-zuid -");
  CHECK(util::fold("a\tb\x7f"
                   "c",
                   Fold::AsciiKey) == "a b c");
  CHECK(util::fold("\xCE\xB1\xE2\x82\xAC.", Fold::AsciiKey) == "  .");  // Greek, euro: spaces
  // A Latin-1 byte (mis-encoded input) folds as the letter it stands for.
  CHECK(util::fold("Caf\xE9", Fold::AsciiKey) == "cafe");
}

TEST_CASE("util: latin_ascii_spelling", "[util]") {
  CHECK(util::latin_ascii_spelling(0xE9) == "e");
  CHECK(util::latin_ascii_spelling(0xDF) == "ss");
  CHECK(util::latin_ascii_spelling(0x133) == "ij");
  CHECK(util::latin_ascii_spelling(0xD7) == " ");
  CHECK(util::latin_ascii_spelling('e').empty());
  CHECK(util::latin_ascii_spelling(0x180).empty());
}
