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
CsvTable read_csv(std::istream& in);
/// The same from a file. Throws gebieden::exception when the file cannot be opened.
CsvTable read_csv_file(const std::string& path);

}  // namespace gebieden::geo
