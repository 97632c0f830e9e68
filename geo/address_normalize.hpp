#pragma once
// Normalisation of Dutch (and Frisian) address parts for matching: case, spacing, punctuation,
// diacritics, common abbreviations; parsers for postcodes, house numbers, decimal coordinates
// and free text; and the edit distance used for typo tolerance.
//
// All functions are pure and thread-safe. Input is UTF-8; a byte that is not valid UTF-8 is
// read as Latin-1 rather than rejected, so a mis-encoded name still normalises to something
// sensible (callers that must reject bad encodings check util::is_valid_utf8 first).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "util/utf8.hpp"

namespace gebieden::geo {

/// The one UTF-8 validator (util/utf8.hpp), here for the callers of this header.
using util::is_valid_utf8;

/// util::fold(utf8, util::Fold::AsciiKey): lower-case ASCII with diacritics folded (â -> a, ú -> u,
/// ë -> e, ß -> ss, ĳ -> ij ...). ASCII punctuation is kept; typographic dashes become '-',
/// apostrophes are dropped, other non-ASCII characters become a space.
std::string fold_ascii(std::string_view utf8);

/// fold_ascii, then every run of non-alphanumerics becomes one space; trimmed.
/// "  Sweelinck-Singel " -> "sweelinck singel".
std::string normalize_words(std::string_view utf8);

/// Matching key of a street name: folded, abbreviations expanded (str. -> straat, ln. -> laan,
/// wg. -> weg, pl. -> plein, v. -> van, v.d. -> van de, St. -> sint, ...), titles made uniform
/// (Dokter/Dr. -> dr), spaces and punctuation removed and "ij" written "y" (Frisian spelling).
/// "Wilhelminastr." -> "wilhelminastraat"; "Dr. v.d. Bergweg" -> "drvandebergweg".
std::string street_key(std::string_view utf8);

/// Matching key of a place name: folded, only letters and digits, "ij" written "y".
/// "Alde Leie" -> "aldeleie"; "Húns" -> "huns".
std::string place_key(std::string_view utf8);

/// A Dutch postcode in any common notation ("8911 ab", "8911AB", "8911-AB") -> "8911AB".
std::optional<std::string> parse_postcode(std::string_view s);

/// A house number with its BAG parts. The letter is one letter (huisletter); the addition is
/// the BAG toevoeging (up to 4 letters or digits), both upper case.
struct HouseNumber {
  int number = 0;
  std::string letter;
  std::string addition;

  /// BAG notation: 12, 12A, 12-2, 12A-2, 12-BIS.
  std::string to_string() const;
  bool operator==(const HouseNumber&) const = default;
};

/// "12", "12a", "12 A", "12-2", "12 bis", "12A-2", "nr. 12", " 26B " -> HouseNumber;
/// nullopt when there is no leading number (1..99999) or the rest is not an addition.
std::optional<HouseNumber> parse_house_number(std::string_view s);

/// A decimal number as people type it: " 53.2 ", "53,2" (decimal comma), "-1e3". nullopt for
/// anything else, including nan/inf.
std::optional<double> parse_decimal(std::string_view s);

/// Optimal-string-alignment edit distance (insert, delete, substitute, swap two neighbours:
/// "Meerlplein" is 1 from "Merelplein").
std::size_t edit_distance(std::string_view a, std::string_view b);
/// The same, but gives up early: returns `max + 1` as soon as the distance exceeds `max`.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t max);

/// How many edits a street or place key of this length may be off and still be corrected:
/// 0 below 5 characters, 1 below 9, else 2.
std::size_t max_typo_distance(std::size_t key_length);

/// Confidence of a match that needed `distance` edits on a key of `length` characters: 1 for
/// an exact match, falling with the distance (0.87 for 1 edit on 10 characters, 0.74 for 2).
double typo_score(std::size_t distance, std::size_t length);

/// The parts found in a one-line address. Empty strings for parts not found.
struct FreeTextAddress {
  std::string street;
  std::string house_number;
  std::string postcode;  // normalised, "8911AB"
  std::string place;
  /// Set when the text is just two numbers ("53.2014, 5.7999" or "182500 579300"): the
  /// caller decides between lat/lon, lon/lat and RD.
  std::optional<double> first, second;
};

/// "Kerkstraat 12a, Grou", "8911AB 12", "8911 AB 12-2 Leeuwarden", "Grou, Kerkstraat 12",
/// "53.2, 5.8". A place without a comma after the house number is the rest of the text
/// ("Kerkstraat 12 Grou"); without a house number, a place needs a comma ("Kerkstraat, Grou").
FreeTextAddress parse_free_text(std::string_view q);

}  // namespace gebieden::geo
