#pragma once
// A small CSV reader (RFC 4180) for the files we read ourselves, outside GDAL: the place
// aliases, test fixtures and outputs, benchmark inputs. Fields are separated by commas; a field
// in double quotes may hold commas, line breaks and doubled quotes (""); records end in LF or
// CRLF. A carriage return outside quotes is dropped, a UTF-8 byte order mark at the start is
// skipped. Fields are returned as written: no trimming, no type guessing.

#include <cstddef>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gebieden::geo {

/// Reads records one at a time from a stream (quoted fields may span lines).
class CsvReader {
 public:
  /// `delimiter`: ',' (RFC 4180), or ';' as Dutch spreadsheets write CSV.
  explicit CsvReader(std::istream& in, char delimiter = ',') : m_in(in), m_delimiter(delimiter) {}
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  /// The next record into `fields` (cleared first; capacity kept); false at the end of the
  /// input. An empty line is a record of one empty field.
  bool next(std::vector<std::string>& fields);
  /// The 1-based line on which the last record returned by next() started.
  std::size_t line() const { return m_line; }
  /// Did the last record end inside a quoted field (the input ended before its closing quote)?
  bool unterminated_quote() const { return m_unterminated; }

 private:
  std::istream& m_in;
  char m_delimiter = ',';
  bool m_unterminated = false;
  bool m_started = false;
  std::size_t m_line = 0;
  std::size_t m_next_line = 1;
};

/// The text encodings of the CSV files spreadsheets write: Excel's "CSV UTF-8" (with a byte
/// order mark), plain UTF-8, and Excel's default "CSV (gescheiden door lijstscheidingsteken)"
/// in Windows-1252.
enum class TextEncoding { Utf8, Utf8Bom, Windows1252 };

/// "UTF-8", "UTF-8 with BOM", "Windows-1252".
std::string_view encoding_name(TextEncoding e);
/// "utf-8", "utf-8-bom", "windows-1252" (also "cp1252", "latin-1", "utf8", case-insensitive) ->
/// the encoding; nullopt for anything else.
std::optional<TextEncoding> parse_encoding_name(std::string_view name);

/// The encoding of a file's bytes: UTF-8 with BOM when it starts with one, UTF-8 when the bytes
/// are valid UTF-8, Windows-1252 when they are plausible Windows-1252 text (no NUL or other
/// control bytes but tab, CR and LF, no byte Windows-1252 leaves undefined: 0x81, 0x8D, 0x8F,
/// 0x90, 0x9D); nullopt otherwise.
std::optional<TextEncoding> detect_text_encoding(std::string_view bytes);

/// Windows-1252 bytes -> UTF-8.
std::string windows1252_to_utf8(std::string_view bytes);
/// UTF-8 -> Windows-1252; a character it has no byte for becomes '?'.
std::string utf8_to_windows1252(std::string_view utf8);

/// Reads the records of a CSV text in memory (the rules of CsvReader), and tells where each
/// record lies in the text: a command can copy an input row byte for byte.
class CsvTextReader {
 public:
  CsvTextReader(std::string_view text, char delimiter) : m_text(text), m_delimiter(delimiter) {
    if (m_text.substr(0, 3) == "\xEF\xBB\xBF") m_pos = 3;
  }
  /// As CsvReader::next; the strings of `fields` are reused.
  bool next(std::vector<std::string>& fields);
  /// The last record as written, without its line break.
  std::string_view raw() const { return m_raw; }
  /// The line break that ended the last record: "\r\n", "\n" or "" (the end of the text).
  std::string_view line_end() const { return m_line_end; }
  std::size_t line() const { return m_line; }
  bool unterminated_quote() const { return m_unterminated; }

 private:
  std::string_view m_text;
  char m_delimiter;
  std::size_t m_pos = 0;
  std::string_view m_raw, m_line_end;
  std::size_t m_line = 0, m_next_line = 1;
  bool m_unterminated = false;
};

/// The delimiter of a CSV text, judged by its first line: ';' when that has more semicolons
/// than commas (outside quotes), else ','.
char sniff_csv_delimiter(std::string_view text);

/// One line (without its line break) into fields, as CsvReader reads the first record.
std::vector<std::string> split_csv_line(std::string_view line);

/// A CSV file with a header row.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // as read: may be shorter or longer than header

  /// The index of the first column called `name` (exact match), or nullopt when there is none.
  std::optional<std::size_t> column(std::string_view name) const;
  /// Row `r` by column name (the first column of a name wins); cells the row lacks are absent,
  /// cells beyond the header are left out.
  std::map<std::string, std::string> named_row(std::size_t r) const;
  /// Every row by column name.
  std::vector<std::map<std::string, std::string>> named_rows() const;
};

/// Read the header and every record; empty lines are skipped. An empty input gives an empty
/// table (no header, no rows).
CsvTable read_csv(std::istream& in, char delimiter = ',');
/// The same from a file. Throws gebieden::exception when the file cannot be opened.
CsvTable read_csv_file(const std::string& path, char delimiter = ',');

}  // namespace gebieden::geo
