#include "geo/csv.hpp"

#include <fstream>
#include <istream>
#include <sstream>
#include <streambuf>

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

CsvTable read_csv(std::istream& in) {
  CsvTable t;
  CsvReader reader(in);
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

CsvTable read_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw exception("cannot open '" + path + "'");
  return read_csv(in);
}

}  // namespace gebieden::geo
