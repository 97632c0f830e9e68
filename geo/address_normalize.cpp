#include "geo/address_normalize.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include "util/ascii.hpp"
#include "util/fold.hpp"
#include "util/text.hpp"

namespace gebieden::geo {

namespace {

using util::ascii_upper;
using util::trim;

bool is_ascii_alnum(char c) {
  return util::is_alpha(c) || util::is_digit(c);
}

/// Replace "ij" by "y" (Frisian and older Dutch spellings use either: Dyk/Dijk).
std::string ij_to_y(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == 'i' && i + 1 < s.size() && s[i + 1] == 'j') {
      out += 'y';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Piece {
  std::string word;
  bool dotted = false;  // followed by a '.': an abbreviation
};

/// The expansion of one piece of a street name (see street_key).
std::string expand_piece(const std::vector<Piece>& pieces, std::size_t i) {
  const std::string& w = pieces[i].word;
  const bool dotted = pieces[i].dotted;
  // Whole words, with or without a dot. Titles map to one spelling, whichever way the
  // register writes them: both sides of a comparison go through this function.
  struct Word {
    std::string_view from, to;
  };
  static constexpr Word words[] = {
      {"v", "van"},           {"vd", "vande"},          {"vdr", "vander"},
      {"str", "straat"},      {"ln", "laan"},           {"wg", "weg"},
      {"pl", "plein"},        {"pln", "plein"},         {"sngl", "singel"},
      {"kd", "kade"},         {"strj", "strjitte"},     {"meester", "mr"},
      {"dokter", "dr"},       {"doctor", "dr"},         {"doktor", "dr"},
      {"professor", "prof"},  {"burg", "burgemeester"}, {"burgem", "burgemeester"},
      {"pres", "president"},  {"gen", "generaal"},      {"dominee", "ds"},
      {"monseigneur", "mgr"}, {"jhr", "jonkheer"},      {"gebr", "gebroeders"},
      {"eerste", "1e"},       {"tweede", "2e"},         {"derde", "3e"},
  };
  if (w == "st") return i == 0 ? "sint" : "straat";
  if (w == "d" && i > 0 && (pieces[i - 1].word == "v" || pieces[i - 1].word == "van")) return "de";
  for (const auto& e : words)
    if (w == e.from) return std::string(e.to);
  // Abbreviated endings: "Wilhelminastr." "Dokkumerwg." "Julianaln.". Only "str" is common
  // enough without the dot to expand it bare ("Kerkstr 5").
  struct Suffix {
    std::string_view from, to;
    bool needs_dot;
  };
  static constexpr Suffix suffixes[] = {
      {"strj", "strjitte", true}, {"str", "straat", false}, {"ln", "laan", true},
      {"wg", "weg", true},        {"pln", "plein", true},   {"pl", "plein", true},
      {"sngl", "singel", true},   {"kd", "kade", true},     {"gr", "gracht", true},
  };
  for (const auto& e : suffixes) {
    if (w.size() > e.from.size() + 1 && w.ends_with(e.from) && (dotted || !e.needs_dot))
      return w.substr(0, w.size() - e.from.size()) + std::string(e.to);
  }
  return w;
}

bool is_roman(std::string_view t) {
  if (t.empty() || t.size() > 4) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return c == 'i' || c == 'v' || c == 'x'; });
}

/// A token that continues a house number in free text: "a", "bis", "2", "-2", "hs", "ii".
bool is_house_suffix(std::string_view token) {
  const std::string t = fold_ascii(token);
  if (t.empty()) return false;
  if (t[0] == '-' || t[0] == '/') return true;
  if (t.size() == 1 && util::is_alpha(t[0])) return true;
  if (t.size() <= 4 && std::all_of(t.begin(), t.end(), util::is_digit)) return true;
  static constexpr std::string_view words[] = {"bis", "hs", "h", "zw", "rd", "bg", "bv", "ab"};
  for (auto w : words)
    if (t == w) return true;
  return is_roman(t);
}

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string join(const std::vector<std::string>& tokens, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < tokens.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += tokens[i];
  }
  return out;
}

/// The pieces of `s` between the separators, trimmed.
std::vector<std::string> split_on(std::string_view s, char sep) {
  const auto pieces = util::split_trimmed(s, sep);
  return std::vector<std::string>(pieces.begin(), pieces.end());
}

/// A number as in coordinates: has a decimal separator, or is large (RD metres).
bool looks_like_coordinate(std::string_view s) {
  const auto v = parse_decimal(s);
  if (!v) return false;
  return s.find('.') != s.npos || s.find(',') != s.npos || std::fabs(*v) >= 1000;
}

}  // namespace

std::string fold_ascii(std::string_view utf8) {
  return util::fold(utf8, util::Fold::AsciiKey);
}

std::string normalize_words(std::string_view utf8) {
  const std::string f = fold_ascii(utf8);
  std::string out;
  out.reserve(f.size());
  bool space = false;
  for (char c : f) {
    if (is_ascii_alnum(c)) {
      if (space && !out.empty()) out += ' ';
      out += c;
      space = false;
    } else {
      space = true;
    }
  }
  return out;
}

std::string street_key(std::string_view utf8) {
  const std::string f = fold_ascii(utf8);
  std::vector<Piece> pieces;
  std::string cur;
  const auto flush = [&](bool dotted) {
    if (!cur.empty()) pieces.push_back(Piece{std::move(cur), dotted});
    cur.clear();
  };
  for (char c : f) {
    if (is_ascii_alnum(c)) {
      cur += c;
    } else {
      flush(c == '.');
    }
  }
  flush(false);
  std::string out;
  for (std::size_t i = 0; i < pieces.size(); ++i) out += expand_piece(pieces, i);
  return ij_to_y(std::move(out));
}

std::string place_key(std::string_view utf8) {
  const std::string f = fold_ascii(utf8);
  std::string out;
  out.reserve(f.size());
  for (char c : f)
    if (is_ascii_alnum(c)) out += c;
  return ij_to_y(std::move(out));
}

std::optional<std::string> parse_postcode(std::string_view s) {
  if (s.size() > 64) return std::nullopt;
  const std::string f = fold_ascii(s);
  std::string pc;
  for (char c : f) {
    if (c == ' ' || c == '-' || c == '.' || c == '\t') continue;
    pc += c;
  }
  if (pc.size() != 6) return std::nullopt;
  if (pc[0] < '1' || pc[0] > '9') return std::nullopt;
  for (int i = 1; i < 4; ++i)
    if (!util::is_digit(pc[static_cast<std::size_t>(i)])) return std::nullopt;
  if (!util::is_alpha(pc[4]) || !util::is_alpha(pc[5])) return std::nullopt;
  pc[4] = ascii_upper(pc[4]);
  pc[5] = ascii_upper(pc[5]);
  return pc;
}

std::string HouseNumber::to_string() const {
  std::string s = std::to_string(number) + letter;
  if (!addition.empty()) s += "-" + addition;
  return s;
}

std::optional<HouseNumber> parse_house_number(std::string_view s) {
  if (s.size() > 64) return std::nullopt;
  const std::string f = fold_ascii(s);
  std::size_t i = 0;
  const auto skip_separators = [&] {
    while (i < f.size() && !is_ascii_alnum(f[i])) ++i;
  };
  skip_separators();
  static constexpr std::string_view prefixes[] = {"huisnummer", "nummer", "nr", "no"};
  for (auto p : prefixes) {
    if (f.compare(i, p.size(), p) == 0 &&
        (i + p.size() >= f.size() || !util::is_alpha(f[i + p.size()]))) {
      i += p.size();
      skip_separators();
      break;
    }
  }
  const std::size_t start = i;
  while (i < f.size() && util::is_digit(f[i])) ++i;
  if (i == start || i - start > 5) return std::nullopt;
  HouseNumber hn;
  std::from_chars(f.data() + start, f.data() + i, hn.number);
  if (hn.number <= 0) return std::nullopt;

  std::vector<std::string> tokens;
  while (i < f.size()) {
    skip_separators();
    if (i >= f.size()) break;
    const bool digit = util::is_digit(f[i]);
    std::string t;
    while (i < f.size() && is_ascii_alnum(f[i]) && util::is_digit(f[i]) == digit)
      t += ascii_upper(f[i++]);
    tokens.push_back(std::move(t));
  }
  if (tokens.size() > 3) return std::nullopt;
  std::size_t k = 0;
  if (!tokens.empty() && tokens[0].size() == 1 && util::is_alpha(tokens[0][0])) {
    hn.letter = tokens[0];
    k = 1;
  }
  for (; k < tokens.size(); ++k) hn.addition += tokens[k];
  if (hn.addition.size() > 4) return std::nullopt;
  return hn;
}

std::optional<double> parse_decimal(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string t(s);
  if (t[0] == '+') t.erase(0, 1);
  const auto comma = std::count(t.begin(), t.end(), ',');
  if (comma == 1 && t.find('.') == std::string::npos) std::replace(t.begin(), t.end(), ',', '.');
  double v = 0;
  const char* end = t.data() + t.size();
  const auto [ptr, ec] = std::from_chars(t.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t max) {
  const std::size_t n = a.size(), m = b.size();
  const std::size_t diff = n > m ? n - m : m - n;
  if (diff > max) return max + 1;
  if (n == 0 || m == 0) return std::max(n, m);
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    std::size_t row_min = cur[0];
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      std::size_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        v = std::min(v, prev2[j - 2] + 1);
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    // Row minima never decrease (also with the transposition step), so stop early.
    if (row_min > max) return max + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[m], max + 1);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  return edit_distance(a, b, a.size() + b.size());
}

std::size_t max_typo_distance(std::size_t key_length) {
  if (key_length < 5) return 0;
  if (key_length < 9) return 1;
  return 2;
}

double typo_score(std::size_t distance, std::size_t length) {
  if (distance == 0) return 1.0;
  const double d = static_cast<double>(distance);
  const double len = static_cast<double>(std::max<std::size_t>(length, 1));
  return std::clamp(1.0 - 0.08 * d - 0.5 * d / len, 0.05, 1.0);
}

FreeTextAddress parse_free_text(std::string_view q) {
  FreeTextAddress r;
  std::string s(trim(q));
  if (s.empty()) return r;

  // Two numbers: coordinates. Separated by ';', by ',' (then with decimal points), or blanks.
  for (char sep : {';', ',', ' '}) {
    std::vector<std::string> parts;
    if (sep == ' ') {
      parts = split_ws(s);
    } else {
      parts = split_on(s, sep);
    }
    if (parts.size() == 2 && looks_like_coordinate(parts[0]) && looks_like_coordinate(parts[1])) {
      r.first = parse_decimal(parts[0]);
      r.second = parse_decimal(parts[1]);
      return r;
    }
  }

  // A postcode anywhere ("8911AB", "8911 ab"): take it out, leaving a separator.
  for (std::size_t p = 0; p + 6 <= s.size(); ++p) {
    if (s[p] < '1' || s[p] > '9') continue;
    if (p > 0 && is_ascii_alnum(s[p - 1])) continue;
    if (!util::is_digit(s[p + 1]) || !util::is_digit(s[p + 2]) || !util::is_digit(s[p + 3]))
      continue;
    std::size_t l = p + 4;
    if (l < s.size() && s[l] == ' ') ++l;
    if (l + 2 > s.size() || !util::is_alpha(s[l]) || !util::is_alpha(s[l + 1])) continue;
    if (l + 2 < s.size() && is_ascii_alnum(s[l + 2])) continue;
    r.postcode = *parse_postcode(std::string_view(s).substr(p, l + 2 - p));
    s = s.substr(0, p) + "," + s.substr(l + 2);
    break;
  }

  std::vector<std::string> parts;
  for (auto& part : split_on(s, ','))
    if (!part.empty()) parts.push_back(std::move(part));
  if (parts.empty()) return r;

  // The part with the house number: its last token that starts with a digit and has words
  // before it (so "1e Kruisstraat 5" reads 5); else the first such token.
  std::size_t address_part = parts.size();
  std::size_t number_token = 0;
  std::vector<std::string> tokens;
  for (std::size_t pi = 0; pi < parts.size() && address_part == parts.size(); ++pi) {
    tokens = split_ws(parts[pi]);
    std::optional<std::size_t> first, last;
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      if (util::is_digit(tokens[t][0])) {
        if (!first) first = t;
        if (t > 0) last = t;
      }
    }
    if (first) {
      address_part = pi;
      number_token = last ? *last : *first;
    }
  }

  if (address_part == parts.size()) {
    r.street = parts.front();
    if (parts.size() > 1) r.place = parts.back();
    return r;
  }
  r.street = join(tokens, 0, number_token);
  r.house_number = tokens[number_token];
  std::size_t m = number_token + 1;
  while (m < tokens.size() && is_house_suffix(tokens[m])) r.house_number += " " + tokens[m++];
  const std::string rest = join(tokens, m, tokens.size());
  if (r.street.empty() && address_part > 0) r.street = parts[address_part - 1];
  if (address_part + 1 < parts.size()) {
    r.place = parts[address_part + 1];
  } else if (!rest.empty()) {
    r.place = rest;
  } else if (address_part > 0 && parts[0] != r.street) {
    r.place = parts[0];
  }
  return r;
}

}  // namespace gebieden::geo
