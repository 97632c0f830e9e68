#pragma once
// One accent folder for Latin text (ASCII, Latin-1 Supplement, Latin Extended-A), with two
// modes because its two users want different things on purpose:
//
// - Fold::Accents (CQL2 ACCENTI): a letter with a diacritic becomes its base letter, case
//   kept ("Húns" -> "Huns"); combining marks (U+0300..U+036F) are dropped; everything else is
//   left as it is, letters that are not a base letter plus an accent too (ß, æ, ĳ, œ, þ, ŋ).
//   Invalid UTF-8 bytes are kept as they are.
// - Fold::AsciiKey (address matching): lower-case ASCII only. Letters are spelt in ASCII
//   (â -> a, ß -> ss, ĳ -> ij, æ -> ae); typographic dashes become '-'; apostrophes (ASCII,
//   typographic, the acute accent) and '`' are dropped; control characters and other
//   non-ASCII characters become a space; ASCII punctuation is kept. An invalid UTF-8 byte is
//   read as Latin-1, so a mis-encoded name still folds to something sensible.

#include <string>
#include <string_view>

namespace gebieden::util {

enum class Fold { Accents, AsciiKey };

std::string fold(std::string_view utf8, Fold mode);

/// The ASCII spelling (lower case) of a Latin-1 Supplement or Latin Extended-A letter, " " for
/// × and ÷; empty when `cp` is outside U+00C0..U+017F.
std::string_view latin_ascii_spelling(char32_t cp) noexcept;

}  // namespace gebieden::util
