#include "geo/csv.hpp"

#include <fstream>
#include <istream>
#include <sstream>
#include <streambuf>

#include "geo/address_normalize.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::geo {

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  std::streambuf* sb = m_in.rdbuf();
  if (!sb) return false;
  using traits = std::char_traits<char>;
  const auto eof = traits::eof();
  std::string cur;
  if (!m_started) {
    m_started = true;
    // Skip a byte order mark; a partial one is content.
    static constexpr char kBom[] = "\xEF\xBB\xBF";
    for (std::size_t i = 0; i < 3; ++i) {
      const int c = sb->sgetc();
      if (c == eof || traits::to_char_type(c) != kBom[i]) break;
      cur += traits::to_char_type(sb->sbumpc());
    }
    if (cur.size() == 3) cur.clear();
  }
  int c = sb->sbumpc();
  if (c == eof && cur.empty()) {
    m_in.setstate(std::ios::eofbit);
    return false;
  }
  m_line = m_next_line;
  m_unterminated = false;
  bool quoted = false;
  for (; c != eof; c = sb->sbumpc()) {
    const char ch = traits::to_char_type(c);
    if (quoted) {
      if (ch == '"') {
        if (sb->sgetc() == '"') {
          sb->sbumpc();
          cur += '"';
        } else {
          quoted = false;
        }
      } else {
        if (ch == '\n') ++m_next_line;
        cur += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == m_delimiter) {
      fields.push_back(std::move(cur));
      cur.clear();
    } else if (ch == '\n') {
      ++m_next_line;
      fields.push_back(std::move(cur));
      return true;
    } else if (ch != '\r') {
      cur += ch;
    }
  }
  m_unterminated = quoted;
  fields.push_back(std::move(cur));  // the last record has no line break
  return true;
}

bool CsvTextReader::next(std::vector<std::string>& fields) {
  std::size_t n = 0;  // fields used
  const auto field = [&]() -> std::string& {
    if (n == fields.size()) fields.emplace_back();
    std::string& f = fields[n++];
    f.clear();
    return f;
  };
  if (m_pos >= m_text.size()) {
    fields.clear();
    return false;
  }
  m_line = m_next_line;
  m_unterminated = false;
  const std::size_t start = m_pos;
  std::string* cur = &field();
  bool quoted = false;
  const char* p = m_text.data();
  const std::size_t end = m_text.size();
  std::size_t i = m_pos;
  for (; i < end; ++i) {
    const char ch = p[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < end && p[i + 1] == '"') {
          ++i;
          *cur += '"';
        } else {
          quoted = false;
        }
      } else {
        if (ch == '\n') ++m_next_line;
        *cur += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == m_delimiter) {
      cur = &field();
    } else if (ch == '\n') {
      ++m_next_line;
      const bool crlf = i > start && p[i - 1] == '\r';
      m_raw = m_text.substr(start, i - start - (crlf ? 1 : 0));
      m_line_end = m_text.substr(i - (crlf ? 1 : 0), crlf ? 2 : 1);
      m_pos = i + 1;
      fields.resize(n);
      return true;
    } else if (ch != '\r') {
      // Runs of plain bytes at once: the common case.
      std::size_t j = i + 1;
      while (j < end && p[j] != m_delimiter && p[j] != '\n' && p[j] != '\r' && p[j] != '"') ++j;
      cur->append(p + i, j - i);
      i = j - 1;
    }
  }
  m_unterminated = quoted;
  std::size_t raw_end = end;
  if (!quoted && raw_end > start && p[raw_end - 1] == '\r') --raw_end;
  m_raw = m_text.substr(start, raw_end - start);
  m_line_end = {};
  m_pos = end;
  fields.resize(n);
  return true;
}

std::string_view encoding_name(TextEncoding e) {
  switch (e) {
    case TextEncoding::Utf8:
      return "UTF-8";
    case TextEncoding::Utf8Bom:
      return "UTF-8 with BOM";
    case TextEncoding::Windows1252:
      return "Windows-1252";
  }
  return "UTF-8";
}

std::optional<TextEncoding> parse_encoding_name(std::string_view name) {
  std::string n;
  for (char c : name)
    if (c != '-' && c != '_' && c != ' ') n += util::ascii_lower(c);
  if (n == "utf8") return TextEncoding::Utf8;
  if (n == "utf8bom" || n == "utf8withbom") return TextEncoding::Utf8Bom;
  if (n == "windows1252" || n == "cp1252" || n == "latin1" || n == "iso88591" || n == "ansi")
    return TextEncoding::Windows1252;
  return std::nullopt;
}

namespace {
// Windows-1252 0x80..0x9F as Unicode code points (0: undefined).
constexpr char32_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}
}  // namespace

std::optional<TextEncoding> detect_text_encoding(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    if (is_valid_utf8(bytes.substr(3))) return TextEncoding::Utf8Bom;
    return std::nullopt;
  }
  if (is_valid_utf8(bytes)) return TextEncoding::Utf8;
  for (char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x20 && b != '\t' && b != '\r' && b != '\n') return std::nullopt;
    if (b == 0x7F) return std::nullopt;
    if (b >= 0x80 && b <= 0x9F && kCp1252High[b - 0x80] == 0) return std::nullopt;
  }
  return TextEncoding::Windows1252;
}

std::string windows1252_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x80)
      out += ch;
    else if (b < 0xA0)
      append_utf8(out, kCp1252High[b - 0x80] ? kCp1252High[b - 0x80] : U'?');
    else
      append_utf8(out, b);
  }
  return out;
}

std::string utf8_to_windows1252(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    if (b < 0x80) {
      out += utf8[i++];
      continue;
    }
    char32_t cp = 0;
    std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    if (len == 1 || i + len > utf8.size()) {
      out += '?';
      ++i;
      continue;
    }
    cp = b & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    i += len;
    if (cp >= 0xA0 && cp <= 0xFF) {
      out += static_cast<char>(cp);
      continue;
    }
    char repl = '?';
    for (int k = 0; k < 32; ++k)
      if (kCp1252High[k] == cp && cp != 0) repl = static_cast<char>(0x80 + k);
    out += repl;
  }
  return out;
}

char sniff_csv_delimiter(std::string_view text) {
  std::size_t commas = 0, semicolons = 0;
  bool quoted = false;
  for (char ch : text) {
    if (ch == '"') quoted = !quoted;
    if (quoted) continue;
    if (ch == '\n') break;
    if (ch == ',') ++commas;
    if (ch == ';') ++semicolons;
  }
  return semicolons > commas ? ';' : ',';
}

std::vector<std::string> split_csv_line(std::string_view line) {
  std::istringstream in{std::string(line)};
  CsvReader reader(in);
  std::vector<std::string> fields;
  if (!reader.next(fields)) fields.assign(1, std::string());  // an empty line: one empty field
  return fields;
}

std::optional<std::size_t> CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::nullopt;
}

std::map<std::string, std::string> CsvTable::named_row(std::size_t r) const {
  std::map<std::string, std::string> out;
  const auto& cells = rows.at(r);
  for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i)
    out.emplace(header[i], cells[i]);
  return out;
}

std::vector<std::map<std::string, std::string>> CsvTable::named_rows() const {
  std::vector<std::map<std::string, std::string>> out;
  out.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) out.push_back(named_row(r));
  return out;
}

CsvTable read_csv(std::istream& in, char delimiter) {
  CsvTable t;
  CsvReader reader(in, delimiter);
  std::vector<std::string> fields;
  bool have_header = false;
  while (reader.next(fields)) {
    if (fields.size() == 1 && fields.front().empty()) continue;  // an empty line
    if (!have_header) {
      t.header = fields;
      have_header = true;
    } else {
      t.rows.push_back(fields);
    }
  }
  return t;
}

CsvTable read_csv_file(const std::string& path, char delimiter) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw exception("cannot open '" + path + "'");
  return read_csv(in, delimiter);
}

}  // namespace gebieden::geo
