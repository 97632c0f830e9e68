#include "app/geocode_command.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "app/command_support.hpp"
#include "geo/address_register.hpp"
#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/csv.hpp"
#include "geo/gdal_io.hpp"
#include "geo/geocoder.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace gebieden::app {

namespace {

namespace fs = std::filesystem;

enum class Role { Q, Straat, Huisnummer, Huisletter, Toevoeging, Postcode, Plaats, Lat, Lon, X, Y };
constexpr std::size_t kRoles = 11;

struct RoleSpec {
  Role role;
  const char* option;  // the override option
  std::vector<std::string> names;
};

const std::vector<RoleSpec>& role_specs() {
  static const std::vector<RoleSpec> specs = {
      {Role::Q, "--column-q", {"q", "adres", "address", "volledig_adres", "full_address"}},
      {Role::Straat,
       "--column-straat",
       {"straat", "straatnaam", "street", "openbare_ruimte_naam", "openbareruimte"}},
      {Role::Huisnummer,
       "--column-huisnummer",
       {"huisnummer", "huisnr", "nummer", "nr", "number", "housenumber", "house_number"}},
      {Role::Huisletter, "", {"huisletter"}},
      {Role::Toevoeging, "", {"toevoeging", "huisnummertoevoeging", "huisnummer_toevoeging"}},
      {Role::Postcode,
       "--column-postcode",
       {"postcode", "zip", "zipcode", "postal_code", "postalcode"}},
      {Role::Plaats,
       "--column-plaats",
       {"plaats", "woonplaats", "plaatsnaam", "woonplaats_naam", "place", "city", "stad", "dorp"}},
      {Role::Lat, "--column-lat", {"lat", "latitude", "breedtegraad", "wgs84_lat"}},
      {Role::Lon, "--column-lon", {"lon", "lng", "long", "longitude", "lengtegraad", "wgs84_lon"}},
      {Role::X, "--column-x", {"x", "rd_x", "x_rd", "xcoord", "x_coord"}},
      {Role::Y, "--column-y", {"y", "rd_y", "y_rd", "ycoord", "y_coord"}},
  };
  return specs;
}

const std::string& override_of(const GeocodeCliOptions& o, Role role) {
  static const std::string none;
  switch (role) {
    case Role::Q:
      return o.column_q;
    case Role::Straat:
      return o.column_straat;
    case Role::Huisnummer:
      return o.column_huisnummer;
    case Role::Postcode:
      return o.column_postcode;
    case Role::Plaats:
      return o.column_plaats;
    case Role::Lat:
      return o.column_lat;
    case Role::Lon:
      return o.column_lon;
    case Role::X:
      return o.column_x;
    case Role::Y:
      return o.column_y;
    default:
      return none;
  }
}

/// The result columns, in output order.
enum Out {
  kStatus,
  kScore,
  kAdres,
  kLon,
  kLat,
  kX,
  kY,
  kBuurtcode,
  kBuurtnaam,
  kWijkcode,
  kWijknaam,
  kGebied,
  kGebiednaam,
  kReason,
  kWarning,
  kOutCount
};

struct OutSpec {
  const char* name;
  OGRFieldType type;
  int width, precision;
};

constexpr std::array<OutSpec, kOutCount> kOutSpecs = {{
    {"geocode_status", OFTString, 0, 0},
    {"geocode_score", OFTReal, 5, 2},
    {"geocode_adres", OFTString, 0, 0},
    {"geocode_lon", OFTReal, 12, 7},
    {"geocode_lat", OFTReal, 12, 7},
    {"geocode_x", OFTReal, 11, 2},
    {"geocode_y", OFTReal, 11, 2},
    {"buurtcode", OFTString, 0, 0},
    {"buurtnaam", OFTString, 0, 0},
    {"wijkcode", OFTString, 0, 0},
    {"wijknaam", OFTString, 0, 0},
    {"gebied", OFTString, 0, 0},
    {"gebiednaam", OFTString, 0, 0},
    {"geocode_reason", OFTString, 0, 0},
    {"geocode_warning", OFTString, 0, 0},
}};

struct Summary {
  std::size_t rows = 0;
  std::size_t with_warning = 0;
  std::map<std::string, std::size_t, std::less<>> status;
  std::map<std::string, std::size_t, std::less<>> gebied;  // "id\tname"
  std::map<std::string, std::size_t, std::less<>> reason;
  std::vector<std::string> unplaced;  // the first rows, for the list
  std::string format;                 // CSV: the encoding and separators read and written
  std::string gebied_key;             // scratch
};

class Progress {
 public:
  Progress(std::ostream& err, bool enabled, long long total)
      : m_err(err), m_enabled(enabled && total > 0), m_total(total) {}
  void update(long long done) {
    if (!m_enabled) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < m_total && now - m_last < std::chrono::milliseconds(100)) return;
    m_last = now;
    const int width = 30;
    const double f = std::min(1.0, static_cast<double>(done) / static_cast<double>(m_total));
    const int fill = static_cast<int>(f * width);
    m_err << "\rgeocoding [" << std::string(static_cast<std::size_t>(fill), '#')
          << std::string(static_cast<std::size_t>(width - fill), '.') << "] " << std::setw(3)
          << static_cast<int>(f * 100) << "%  " << done << "/" << m_total << std::flush;
  }
  void done() {
    if (m_enabled) m_err << "\n";
  }

 private:
  std::ostream& m_err;
  bool m_enabled;
  long long m_total;
  std::chrono::steady_clock::time_point m_last{};
};

void print_table(std::ostream& out, const std::string& title,
                 const std::vector<std::pair<std::string, std::size_t>>& rows, std::size_t total) {
  std::size_t w = title.size();
  for (const auto& [k, v] : rows) w = std::max(w, k.size() + 2);
  out << std::left << std::setw(static_cast<int>(w)) << title << std::right << std::setw(8)
      << "rows" << std::setw(8) << "%"
      << "\n";
  for (const auto& [k, v] : rows) {
    const double pct = total ? 100.0 * static_cast<double>(v) / static_cast<double>(total) : 0.0;
    out << "  " << std::left << std::setw(static_cast<int>(w) - 2) << k << std::right
        << std::setw(8) << v << std::setw(8) << format_fixed(pct, 1) << "\n";
  }
  out << "\n";
}

void print_summary(std::ostream& out, const Summary& s, const std::string& input,
                   const std::string& output, double seconds) {
  out << "geocoded " << s.rows << " rows of " << input << " -> " << output << " in "
      << format_fixed(seconds, 1) << " s\n";
  if (!s.format.empty()) out << s.format << "\n";
  out << "\n";
  std::vector<std::pair<std::string, std::size_t>> rows;
  std::size_t placed = 0;
  for (const auto& [k, v] : s.gebied) {
    const auto tab = k.find('\t');
    std::string label = k.substr(0, tab);
    const std::string name = tab == std::string::npos ? std::string() : k.substr(tab + 1);
    if (!name.empty() && name != label) label += " (" + name + ")";
    rows.emplace_back(label, v);
    placed += v;
  }
  rows.emplace_back("not placed", s.rows - placed);
  print_table(out, "per gebied", rows, s.rows);

  rows.clear();
  for (const char* st : {"address", "fuzzy", "coordinates", "unmatched", "outside"}) {
    const auto it = s.status.find(st);
    rows.emplace_back(st, it == s.status.end() ? 0 : it->second);
  }
  print_table(out, "per status", rows, s.rows);

  if (!s.reason.empty()) {
    rows.assign(s.reason.begin(), s.reason.end());
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    print_table(out, "not placed, per reason", rows, s.rows);
  }
  if (s.with_warning)
    out << s.with_warning << " rows were placed with a correction: see geocode_warning\n\n";
  if (!s.unplaced.empty()) {
    out << "rows not placed"
        << (s.unplaced.size() < s.rows - placed
                ? " (the first " + std::to_string(s.unplaced.size()) + ")"
                : "")
        << "; geocode_reason has them all:\n";
    for (const auto& line : s.unplaced) out << "  " << line << "\n";
  }
}

// ---- the input: a CSV read by us (any encoding Excel writes, one column too), or GDAL -------

/// Which column plays which role, and where the location comes from.
struct ColumnMap {
  std::array<int, kRoles> col;
  bool use_geometry = false;
  int id_field = -1;
  std::string id_column;
  bool has(Role r) const { return col[static_cast<std::size_t>(r)] >= 0; }
};

/// The column called `name` (case-insensitive, trimmed), or -1.
int find_name(const std::vector<std::string>& names, const std::string& name) {
  const std::string want = util::ascii_lower(util::trim(name));
  for (std::size_t i = 0; i < names.size(); ++i)
    if (util::ascii_lower(util::trim(names[i])) == want) return static_cast<int>(i);
  return -1;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "(none)" : s;
}

/// Explicit options first, then the usual names. Throws command_error when a named column is
/// missing or there is nothing to place a row by.
ColumnMap map_columns(const std::vector<std::string>& names, bool has_geometry,
                      const GeocodeCliOptions& o) {
  ColumnMap m;
  m.col.fill(-1);
  for (const auto& spec : role_specs()) {
    const std::string& explicit_name = override_of(o, spec.role);
    int& c = m.col[static_cast<std::size_t>(spec.role)];
    if (!explicit_name.empty()) {
      c = find_name(names, explicit_name);
      if (c < 0)
        throw command_error("column '" + explicit_name + "' (" + spec.option + ") is not in '" +
                            o.input + "'; its columns are: " + joined(names));
      continue;
    }
    for (const auto& n : spec.names) {
      c = find_name(names, n);
      if (c >= 0) break;
    }
  }
  const bool has_location_columns =
      m.has(Role::Q) || m.has(Role::Straat) || m.has(Role::Postcode) ||
      (m.has(Role::Lat) && m.has(Role::Lon)) || (m.has(Role::X) && m.has(Role::Y));
  m.use_geometry = !has_location_columns && has_geometry;
  if (!has_location_columns && !m.use_geometry)
    throw command_error(
        "'" + o.input +
        "' has none of the location columns (straat, huisnummer, postcode, plaats, lat/lon, x/y, "
        "adres); its columns are: " +
        joined(names) + ". Name them with --column-straat, --column-postcode, ...");
  m.id_field = find_name(names, "id");
  if (m.id_field < 0) m.id_field = find_name(names, "identificatie");
  if (m.id_field >= 0) m.id_column = names[static_cast<std::size_t>(m.id_field)];
  return m;
}

/// The request of one row; `value(i)` is column i as UTF-8 text, nullopt when absent.
template <class Value>
geo::GeocodeRequest request_of(const ColumnMap& m, const Value& value) {
  const auto get = [&](Role r) -> std::optional<std::string> {
    const int i = m.col[static_cast<std::size_t>(r)];
    if (i < 0) return std::nullopt;
    return value(i);
  };
  geo::GeocodeRequest req;
  req.q = get(Role::Q);
  req.straat = get(Role::Straat);
  req.huisnummer = get(Role::Huisnummer);
  req.huisletter = get(Role::Huisletter);
  req.toevoeging = get(Role::Toevoeging);
  req.postcode = get(Role::Postcode);
  req.plaats = get(Role::Plaats);
  req.lat = get(Role::Lat);
  req.lon = get(Role::Lon);
  req.x = get(Role::X);
  req.y = get(Role::Y);
  return req;
}

/// How a CSV file is written: its encoding, separators and line break.
struct CsvFormat {
  geo::TextEncoding encoding = geo::TextEncoding::Utf8;
  char delimiter = ',';
  char decimal = '.';
  std::string line_end = "\n";

  bool operator==(const CsvFormat&) const = default;
  std::string describe() const {
    std::string s(geo::encoding_name(encoding));
    s += delimiter == ';'    ? ", ';'-separated"
         : delimiter == '\t' ? ", tab-separated"
                             : ", ','-separated";
    s += decimal == ',' ? ", decimal comma" : ", decimal point";
    return s;
  }
};

/// A CSV input in memory, decoded to UTF-8 cell by cell.
struct CsvInput {
  std::string bytes;
  CsvFormat format;
  std::vector<std::string> header;  // UTF-8
  std::string_view raw_header;
  std::size_t lines = 0;  // for the progress bar
};

CsvInput read_csv_input(const std::string& path) {
  CsvInput in;
  {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw command_error("cannot read '" + path + "'");
    std::ostringstream ss;
    ss << f.rdbuf();
    in.bytes = ss.str();
  }
  const auto enc = geo::detect_text_encoding(in.bytes);
  if (!enc)  // check_geocode_input said why
    throw command_error("input '" + path + "' is neither UTF-8 nor Windows-1252 text");
  in.format.encoding = *enc;
  const std::string ext = util::ascii_lower(fs::path(path).extension().string());
  in.format.delimiter = ext == ".tsv" ? '\t' : geo::sniff_csv_delimiter(in.bytes);
  // Dutch Excel writes decimal commas with its semicolons.
  in.format.decimal = in.format.delimiter == ';' ? ',' : '.';
  in.lines = static_cast<std::size_t>(std::count(in.bytes.begin(), in.bytes.end(), '\n'));
  return in;
}

std::optional<char> parse_char_option(const std::string& v, const char* option,
                                      std::initializer_list<std::pair<const char*, char>> names) {
  if (v.empty()) return std::nullopt;
  for (const auto& [n, c] : names)
    if (util::ascii_lower(v) == n) return c;
  std::string list;
  for (const auto& [n, c] : names) list += (list.empty() ? "" : ", ") + std::string(n);
  throw command_error(std::string(option) + ": '" + v + "' is not one of " + list);
}

/// The output format: the input's, unless an option says otherwise.
CsvFormat output_format(const CsvFormat& input, const GeocodeCliOptions& o) {
  CsvFormat f = input;
  if (!o.output_encoding.empty()) {
    const auto e = geo::parse_encoding_name(o.output_encoding);
    if (!e)
      throw command_error("--output-encoding: '" + o.output_encoding +
                          "' is not one of utf-8, utf-8-bom, windows-1252");
    f.encoding = *e;
  }
  if (const auto d = parse_char_option(
          o.output_delimiter, "--output-delimiter",
          {{"comma", ','}, {",", ','}, {"semicolon", ';'}, {";", ';'}, {"tab", '\t'}}))
    f.delimiter = *d;
  if (const auto d = parse_char_option(o.output_decimal, "--output-decimal",
                                       {{"point", '.'}, {".", '.'}, {"comma", ','}, {",", ','}}))
    f.decimal = *d;
  return f;
}

// ---- the output ----------------------------------------------------------------------------

/// One input row as the writers need it.
struct Row {
  const OGRFeature* feature = nullptr;              // GDAL input
  const std::vector<std::string>* cells = nullptr;  // CSV input, UTF-8
  std::string_view raw;                             // CSV input: the row as written
};

/// Our column names: an input column with one of our names keeps it, ours gets a prefix.
std::array<std::string, kOutCount> output_names(const std::vector<std::string>& input_names) {
  std::array<std::string, kOutCount> out;
  for (std::size_t k = 0; k < kOutCount; ++k) {
    std::string name = kOutSpecs[k].name;
    while (find_name(input_names, name) >= 0) name = "geocode_" + name;
    out[k] = name;
  }
  return out;
}

/// A number as GDAL's CSV driver writes a field of that width and precision: fixed decimals.
void append_fixed(std::string& out, double v, int precision, char decimal) {
  char buf[64];
  // The values written here are already rounded to `precision` decimals: scaled to an integer
  // they print exactly with the integer to_chars, many times faster than the fixed-format one
  // (which showed as 9 % of a batch run). The same bytes; anything unusual takes the long way.
  static constexpr long long kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
  if (precision >= 1 && precision <= 7 && std::isfinite(v) && std::abs(v) < 1e9) {
    const long long scale = kPow10[precision];
    const long long scaled = std::llround(v * static_cast<double>(scale));
    if (scaled != 0 || !std::signbit(v)) {
      char* p = buf;
      if (scaled < 0) *p++ = '-';
      const long long a = scaled < 0 ? -scaled : scaled;
      p = std::to_chars(p, buf + sizeof buf, a / scale).ptr;
      *p++ = decimal;
      char* frac_end = p + precision;
      for (long long f = a % scale; frac_end != p;) {
        *--frac_end = static_cast<char>('0' + f % 10);
        f /= 10;
      }
      out.append(buf, p + precision);
      return;
    }
  }
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision);
  if (ec != std::errc()) return;
  if (decimal != '.')
    for (char* c = buf; c != end; ++c)
      if (*c == '.') *c = decimal;
  out.append(buf, end);
}

class BatchOutput {
 public:
  virtual ~BatchOutput() = default;
  virtual void write(const Row& row, const geo::GeocodeResult& r, std::size_t number) = 0;
  /// After the last row: flush and close. Throws command_error.
  virtual void finish(std::size_t rows) = 0;
};

/// CSV written by us: every input row byte for byte (when the format is the input's), then ours.
class CsvOutput final : public BatchOutput {
 public:
  CsvOutput(const std::string& path, const CsvInput& in, CsvFormat format,
            const std::array<std::string, kOutCount>& names, std::size_t columns)
      : m_path(path), m_in_format(in.format), m_format(std::move(format)), m_columns(columns) {
    m_out.open(path, std::ios::binary | std::ios::trunc);
    if (!m_out) throw command_error("cannot create output '" + path + "'");
    m_buf.reserve(1 << 20);
    if (m_format.encoding == geo::TextEncoding::Utf8Bom) m_buf += "\xEF\xBB\xBF";
    if (same_format()) {
      m_buf.append(in.raw_header);
    } else {
      append_cells(in.header);
    }
    for (const auto& n : names) {
      m_buf += m_format.delimiter;
      append_text(n);
    }
    m_buf += m_format.line_end;
  }

  void write(const Row& row, const geo::GeocodeResult& r, std::size_t) override {
    if (same_format() && row.cells->size() == m_columns) {
      m_buf.append(row.raw);
    } else {
      std::vector<std::string> cells = *row.cells;
      cells.resize(m_columns);
      append_cells(cells);
    }
    const char d = m_format.delimiter;
    m_buf += d;
    m_buf += geo::status_name(r.status);
    m_buf += d;
    append_fixed(m_buf, std::round(r.score * 100) / 100, 2, m_format.decimal);
    m_buf += d;
    append_text(r.address);
    m_buf += d;
    if (r.wgs84) append_fixed(m_buf, std::round(r.wgs84->x * 1e7) / 1e7, 7, m_format.decimal);
    m_buf += d;
    if (r.wgs84) append_fixed(m_buf, std::round(r.wgs84->y * 1e7) / 1e7, 7, m_format.decimal);
    m_buf += d;
    if (r.rd) append_fixed(m_buf, std::round(r.rd->x * 100) / 100, 2, m_format.decimal);
    m_buf += d;
    if (r.rd) append_fixed(m_buf, std::round(r.rd->y * 100) / 100, 2, m_format.decimal);
    for (const std::string* v :
         {&r.buurtcode, &r.buurtnaam, &r.wijkcode, &r.wijknaam, &r.gebied, &r.gebiednaam}) {
      m_buf += d;
      append_text(*v);
    }
    m_buf += d;
    append_text(r.reason.empty() || r.detail.empty() ? r.reason : r.reason + ": " + r.detail);
    m_buf += d;
    append_text(r.warning);
    m_buf += m_format.line_end;
    if (m_buf.size() > (1 << 20)) flush();
  }

  void finish(std::size_t rows) override {
    flush();
    m_out.close();
    if (!m_out) throw command_error("cannot write '" + m_path + "'");
    (void)rows;
  }

 private:
  /// Can an input row be copied as it is? The same delimiter, and the same bytes for text.
  bool same_format() const {
    const bool in_1252 = m_in_format.encoding == geo::TextEncoding::Windows1252;
    const bool out_1252 = m_format.encoding == geo::TextEncoding::Windows1252;
    return m_format.delimiter == m_in_format.delimiter && in_1252 == out_1252;
  }
  void flush() {
    m_out.write(m_buf.data(), static_cast<std::streamsize>(m_buf.size()));
    m_buf.clear();
  }
  /// One cell (UTF-8), quoted when needed (as GDAL's STRING_QUOTING=IF_NEEDED), in the encoding.
  void append_text(std::string_view v) {
    const char d = m_format.delimiter;
    const bool quote = std::any_of(
        v.begin(), v.end(), [d](char c) { return c == d || c == '"' || c == '\n' || c == '\r'; });
    const auto put = [this](std::string_view t) {
      if (m_format.encoding == geo::TextEncoding::Windows1252)
        m_buf += geo::utf8_to_windows1252(t);
      else
        m_buf.append(t);
    };
    if (!quote) {
      put(v);
      return;
    }
    m_buf += '"';
    std::size_t start = 0;
    for (std::size_t q = v.find('"'); q != std::string_view::npos; q = v.find('"', start)) {
      put(v.substr(start, q - start + 1));
      m_buf += '"';
      start = q + 1;
    }
    put(v.substr(start));
    m_buf += '"';
  }
  void append_cells(const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) m_buf += m_format.delimiter;
      append_text(cells[i]);
    }
  }

  std::string m_path;
  CsvFormat m_in_format, m_format;
  std::size_t m_columns;
  std::ofstream m_out;
  std::string m_buf;
};

/// GeoJSON, GeoPackage (or CSV from a GDAL input) through GDAL, with a WGS84 point where placed.
class GdalOutput final : public BatchOutput {
 public:
  /// `in_defn`: the GDAL input's columns (kept with their types), or null for a CSV input
  /// (`input_names` as text columns).
  GdalOutput(const GeocodeCliOptions& o, const std::string& driver_name, OGRFeatureDefn* in_defn,
             const std::vector<std::string>& input_names,
             const std::array<std::string, kOutCount>& names, GdalMessages& messages)
      : m_o(o), m_names(names), m_messages(messages) {
    m_ds = create_output(o.output, driver_name, messages);
    m_with_geometry = driver_name != "CSV";
    OGRFeatureDefn* defn = in_defn;
    std::unique_ptr<OGRFeatureDefn, void (*)(OGRFeatureDefn*)> text_defn(
        nullptr, [](OGRFeatureDefn* d) { d->Release(); });
    if (!defn) {
      text_defn.reset(new OGRFeatureDefn("input"));
      text_defn->Reference();
      for (const auto& n : input_names) {
        OGRFieldDefn f(n.c_str(), OFTString);
        text_defn->AddFieldDefn(&f);
      }
      defn = text_defn.get();
    }
    m_layer = create_output_layer(*m_ds, o.output, driver_name, defn, wkbPoint, "geocode",
                                  "geocoded", messages);
    for (std::size_t k = 0; k < kOutCount; ++k) {
      OGRFieldDefn f(names[k].c_str(), kOutSpecs[k].type);
      if (kOutSpecs[k].width) {
        f.SetWidth(kOutSpecs[k].width);
        f.SetPrecision(kOutSpecs[k].precision);
      }
      if (m_layer->CreateField(&f) != OGRERR_NONE)
        throw command_error("cannot create the column '" + names[k] +
                            "' in the output: " + CPLGetLastErrorMsg());
    }
    m_defn = m_layer->GetLayerDefn();
    m_n_in = defn->GetFieldCount();
    if (m_defn->GetFieldCount() != m_n_in + static_cast<int>(kOutCount))
      throw command_error("the output driver changed the columns: cannot copy the rows faithfully");
    m_field_map.resize(static_cast<std::size_t>(m_n_in));
    for (int i = 0; i < m_n_in; ++i) m_field_map[static_cast<std::size_t>(i)] = i;
    m_transaction = m_ds->StartTransaction() == OGRERR_NONE;
  }

  void write(const Row& row, const geo::GeocodeResult& r, std::size_t number) override {
    OGRFeatureUniquePtr of(OGRFeature::CreateFeature(m_defn));
    if (row.feature) {
      if (of->SetFieldsFrom(row.feature, m_field_map.data(), TRUE) != OGRERR_NONE)
        throw command_error("cannot copy row " + std::to_string(number) + " to the output");
    } else {
      for (int i = 0; i < m_n_in && static_cast<std::size_t>(i) < row.cells->size(); ++i)
        of->SetField(i, (*row.cells)[static_cast<std::size_t>(i)].c_str());
    }
    const auto set = [&](Out k, const std::string& v) {
      of->SetField(m_names[k].c_str(), v.c_str());
    };
    set(kStatus, std::string(geo::status_name(r.status)));
    of->SetField(m_names[kScore].c_str(), std::round(r.score * 100) / 100);
    set(kAdres, r.address);
    if (r.wgs84) {
      // 7 decimals of a degree and 2 of a metre: a centimetre, no float noise.
      of->SetField(m_names[kLon].c_str(), std::round(r.wgs84->x * 1e7) / 1e7);
      of->SetField(m_names[kLat].c_str(), std::round(r.wgs84->y * 1e7) / 1e7);
      if (m_with_geometry) of->SetGeometryDirectly(new OGRPoint(r.wgs84->x, r.wgs84->y));
    }
    if (r.rd) {
      of->SetField(m_names[kX].c_str(), std::round(r.rd->x * 100) / 100);
      of->SetField(m_names[kY].c_str(), std::round(r.rd->y * 100) / 100);
    }
    set(kBuurtcode, r.buurtcode);
    set(kBuurtnaam, r.buurtnaam);
    set(kWijkcode, r.wijkcode);
    set(kWijknaam, r.wijknaam);
    set(kGebied, r.gebied);
    set(kGebiednaam, r.gebiednaam);
    set(kReason, r.reason.empty() || r.detail.empty() ? r.reason : r.reason + ": " + r.detail);
    set(kWarning, r.warning);
    if (m_layer->CreateFeature(of.get()) != OGRERR_NONE)
      throw command_error("cannot write row " + std::to_string(number) + " to '" + m_o.output +
                          "': " + m_messages.last_error());
  }

  void finish(std::size_t rows) override {
    finish_output(m_ds, m_transaction, rows, m_o.input, m_o.output, m_messages);
  }

 private:
  const GeocodeCliOptions& m_o;
  std::array<std::string, kOutCount> m_names;
  GdalMessages& m_messages;
  GDALDatasetUniquePtr m_ds;
  OGRLayer* m_layer = nullptr;
  OGRFeatureDefn* m_defn = nullptr;
  int m_n_in = 0;
  std::vector<int> m_field_map;
  bool m_with_geometry = false;
  bool m_transaction = false;
};

// ---- one row through the geocoder, into the summary -----------------------------------------

void count(Summary& summary, const geo::GeocodeResult& r, const ColumnMap& m,
           const std::string& id) {
  // Counted without building a key string per row (a batch has many rows, few keys).
  const auto bump = [](auto& map, std::string_view key, auto&& make_key) {
    if (auto it = map.find(key); it != map.end())
      ++it->second;
    else
      map.emplace(make_key(), 1);
  };
  bump(summary.status, geo::status_name(r.status),
       [&r] { return std::string(geo::status_name(r.status)); });
  if (r.placed()) {
    std::string& key = summary.gebied_key;
    key.assign(r.gebied).append(1, '\t').append(r.gebiednaam);
    bump(summary.gebied, key, [&key] { return key; });
    if (!r.warning.empty()) ++summary.with_warning;
  } else {
    ++summary.reason[r.reason.empty() ? std::string("(no reason)") : r.reason];
    if (summary.unplaced.size() < 25) {
      std::string line = "row " + std::to_string(summary.rows);
      if (m.id_field >= 0) line += " (" + m.id_column + " " + id + ")";
      line += ": " + r.reason;
      if (!r.detail.empty()) line += ": " + r.detail;
      summary.unplaced.push_back(std::move(line));
    }
  }
}

/// A CSV input, read by us.
void geocode_csv(const geo::Geocoder& geocoder, const GeocodeCliOptions& o,
                 const std::string& driver_name, Summary& summary, std::ostream& err,
                 GdalMessages& messages, bool& output_created) {
  CsvInput in = read_csv_input(o.input);
  const std::string_view text = in.bytes;
  geo::CsvTextReader reader(text, in.format.delimiter);
  std::vector<std::string> cells;
  const bool cp1252 = in.format.encoding == geo::TextEncoding::Windows1252;
  const auto decode = [cp1252](std::vector<std::string>& v) {
    if (cp1252)
      for (auto& c : v) c = geo::windows1252_to_utf8(c);
  };
  while (reader.next(cells) && cells.size() == 1 && cells[0].empty()) {
  }
  if (cells.empty() || (cells.size() == 1 && cells[0].empty()))
    throw command_error("input '" + o.input + "' has no header line");
  if (reader.unterminated_quote())
    throw command_error("input '" + o.input + "': the header line has an unterminated quote");
  decode(cells);
  in.header = cells;
  in.raw_header = reader.raw();
  in.format.line_end = reader.line_end().empty() ? "\n" : std::string(reader.line_end());
  const ColumnMap m = map_columns(in.header, false, o);
  const auto names = output_names(in.header);
  const CsvFormat out_format = output_format(in.format, o);
  summary.format = "read as " + in.format.describe();
  if (driver_name == "CSV")
    summary.format += out_format == in.format ? "; written the same way"
                                              : "; written as " + out_format.describe();
  std::unique_ptr<BatchOutput> out;
  output_created = true;
  if (driver_name == "CSV")
    out = std::make_unique<CsvOutput>(o.output, in, out_format, names, in.header.size());
  else
    out = std::make_unique<GdalOutput>(o, driver_name, nullptr, in.header, names, messages);

  Progress progress(err, o.progress && isatty(STDERR_FILENO) != 0,
                    static_cast<long long>(in.lines));
  while (reader.next(cells)) {
    if (cells.size() == 1 && cells[0].empty()) continue;  // an empty line
    if (reader.unterminated_quote())
      throw command_error("input '" + o.input + "': unterminated quote in the row of line " +
                          std::to_string(reader.line()));
    decode(cells);
    ++summary.rows;
    const geo::GeocodeResult r =
        geocoder.geocode(request_of(m, [&cells](int i) -> std::optional<std::string> {
          if (static_cast<std::size_t>(i) >= cells.size()) return std::nullopt;
          return cells[static_cast<std::size_t>(i)];
        }));
    Row row;
    row.cells = &cells;
    row.raw = reader.raw();
    out->write(row, r, summary.rows);
    const std::size_t id = static_cast<std::size_t>(m.id_field);
    count(summary, r, m, m.id_field >= 0 && id < cells.size() ? cells[id] : std::string());
    progress.update(static_cast<long long>(reader.line()));
  }
  progress.done();
  if (summary.rows == 0) throw command_error("input '" + o.input + "' has no rows");
  out->finish(summary.rows);
}

/// GeoJSON, GeoPackage (anything GDAL reads), with the feature's point when there are no
/// location columns.
void geocode_gdal(const geo::Geocoder& geocoder, const GeocodeCliOptions& o,
                  const std::string& driver_name, Summary& summary, std::ostream& err,
                  GdalMessages& messages, bool& output_created) {
  const InputLayer in = open_input(o.input, o.layer, messages);
  OGRLayer* in_layer = in.layer;
  OGRFeatureDefn* in_defn = in_layer->GetLayerDefn();
  std::vector<std::string> input_names;
  for (int i = 0; i < in_defn->GetFieldCount(); ++i)
    input_names.emplace_back(in_defn->GetFieldDefn(i)->GetNameRef());
  const ColumnMap m = map_columns(input_names, in_layer->GetGeomType() != wkbNone, o);

  // Input geometry as the location (a GeoJSON of points without address columns).
  geo::CTPtr to_wgs84;
  bool geometry_is_rd = false;
  const OGRSpatialReference wgs84 = gis_srs(4326);
  if (m.use_geometry) {
    if (const OGRSpatialReference* srs = in_layer->GetSpatialRef()) {
      OGRSpatialReference src(*srs);
      src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      const char* code = src.GetAuthorityCode(nullptr);
      geometry_is_rd = code && std::string(code) == "28992";
      if (!geometry_is_rd && !src.IsSame(&wgs84))
        to_wgs84.reset(OGRCreateCoordinateTransformation(&src, &wgs84));
    }
  }
  output_created = true;
  GdalOutput out(o, driver_name, in_defn, input_names, output_names(input_names), messages);
  Progress progress(err, o.progress && isatty(STDERR_FILENO) != 0, in_layer->GetFeatureCount(TRUE));
  in_layer->ResetReading();
  messages.clear();
  for (auto& feature : in_layer) {
    ++summary.rows;
    geo::GeocodeRequest req = request_of(m, [&feature](int i) -> std::optional<std::string> {
      if (!feature->IsFieldSetAndNotNull(i)) return std::nullopt;
      return std::string(feature->GetFieldAsString(i));
    });
    if (m.use_geometry) {
      if (const OGRGeometry* g = feature->GetGeometryRef(); g && !g->IsEmpty()) {
        OGRPoint pt = point_of(*g);
        if (!pt.IsEmpty()) {
          double px = pt.getX(), py = pt.getY();
          if (geometry_is_rd) {
            req.x = format_fixed(px, 3);
            req.y = format_fixed(py, 3);
          } else if (!to_wgs84 || to_wgs84->Transform(1, &px, &py)) {
            req.lon = format_fixed(px, 9);
            req.lat = format_fixed(py, 9);
          }
        }
      }
    }
    const geo::GeocodeResult r = geocoder.geocode(req);
    Row row;
    row.feature = feature.get();
    out.write(row, r, summary.rows);
    count(summary, r, m, m.id_field >= 0 ? feature->GetFieldAsString(m.id_field) : "");
    progress.update(static_cast<long long>(summary.rows));
  }
  progress.done();
  out.finish(summary.rows);
}

bool is_csv_input(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return false;
  const std::string ext = util::ascii_lower(fs::path(path).extension().string());
  return ext == ".csv" || ext == ".tsv";
}

// ---- loading the data of `gebieden geocode` -------------------------------------------------

struct LoadedData {
  std::unique_ptr<geo::AreaModel> model;
  std::shared_ptr<const geo::AddressRegister> reg;
  std::vector<geo::PlaceAlias> aliases;
};

LoadedData load_data(const geo::Config& config) {
  LoadedData d;
  if (GDALGetDriverCount() == 0) GDALAllRegister();
  std::cerr << "loading the boundaries..." << std::flush;
  d.model = std::make_unique<geo::AreaModel>(geo::AreaModel::load(config));
  std::cerr << " " << d.model->buurten().size() << " buurten\n";
  // Only the addresses of the gemeente (and a margin): a national extract loads in seconds.
  std::optional<geo::Box> area;
  if (const geo::Box b = d.model->gemeente().rd.bbox(); b.valid)
    area = geo::Box{b.minx - 1000, b.miny - 1000, b.maxx + 1000, b.maxy + 1000, true};
  std::cerr << "loading the address register..." << std::flush;
  d.reg = std::make_shared<const geo::AddressRegister>(geo::AddressRegister::load(config, area));
  const auto& report = d.reg->report();
  std::cerr << " " << d.reg->addresses().size() << " addresses from " << report.source << " ("
            << format_fixed(report.seconds, 1) << " s)\n";
  if (report.skipped)
    std::cerr << "note: " << report.skipped << " register rows skipped, e.g. "
              << (report.skipped_examples.empty() ? std::string() : report.skipped_examples.front())
              << "\n";
  if (!config.place_aliases.empty())
    d.aliases = geo::read_place_aliases(config.resolve(config.place_aliases));
  return d;
}

}  // namespace

std::string check_geocode_input(const std::string& path) {
  return check_input_file(path, true);
}

void add_geocode_options(CLI::App& sub, GeocodeCliOptions& o) {
  sub.add_option("input", o.input, "CSV, GeoJSON or GeoPackage with the records to place")
      ->required();
  sub.add_option("-o,--output", o.output,
                 "output file: .csv, .geojson or .gpkg (replaced if it exists)")
      ->required();
  sub.add_option("--layer", o.layer, "input layer, when the input has several");
  sub.add_option("--column-q", o.column_q,
                 "column with a one-line address (\"Kerkstraat 12a, Grou\")");
  sub.add_option("--column-straat", o.column_straat, "column with the street");
  sub.add_option("--column-huisnummer", o.column_huisnummer, "column with the house number");
  sub.add_option("--column-postcode", o.column_postcode, "column with the postcode");
  sub.add_option("--column-plaats", o.column_plaats, "column with the place (woonplaats)");
  sub.add_option("--column-lat", o.column_lat, "column with the WGS84 latitude");
  sub.add_option("--column-lon", o.column_lon, "column with the WGS84 longitude");
  sub.add_option("--column-x", o.column_x, "column with the RD x (EPSG:28992)");
  sub.add_option("--column-y", o.column_y, "column with the RD y (EPSG:28992)");
  sub.add_option("--output-encoding", o.output_encoding,
                 "CSV output: utf-8, utf-8-bom or windows-1252 (default: the input's)");
  sub.add_option("--output-delimiter", o.output_delimiter,
                 "CSV output: comma, semicolon or tab (default: the input's)");
  sub.add_option("--output-decimal", o.output_decimal,
                 "CSV output: point or comma (default: comma with semicolons, else point)");
  sub.add_flag_callback(
      "--no-progress", [&o] { o.progress = false; },
      "no progress bar (it is shown only on a terminal anyway)");
}

int run_geocode(const geo::Config& config, const GeocodeCliOptions& o) {
  if (const std::string problem = check_geocode_input(o.input); !problem.empty()) {
    std::cerr << "geocode: " << problem << std::endl;
    return 1;
  }
  try {
    const LoadedData d = load_data(config);
    const geo::AreaModel& model = *d.model;
    const geo::Geocoder geocoder(
        d.reg, [&model](double x, double y) { return model.locate_rd(x, y); }, d.aliases);
    for (const auto& f : geocoder.findings()) std::cerr << "note: " << f << "\n";
    return run_geocode(geocoder, o, std::cout, std::cerr);
  } catch (const config_error& e) {
    std::cerr << "\ngeocode: configuration: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "\ngeocode: " << e.what() << std::endl;
    return 2;
  }
}

int run_geocode(const geo::Geocoder& geocoder, const GeocodeCliOptions& o, std::ostream& out,
                std::ostream& err) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path out_path(o.output);
  bool output_created = false;
  try {
    if (const std::string problem = check_geocode_input(o.input); !problem.empty())
      throw command_error(problem);
    const std::string driver_name = output_driver(o.input, o.output);
    if (GDALGetDriverCount() == 0) GDALAllRegister();
    GdalMessages messages;
    Summary summary;
    if (is_csv_input(o.input))
      geocode_csv(geocoder, o, driver_name, summary, err, messages, output_created);
    else
      geocode_gdal(geocoder, o, driver_name, summary, err, messages, output_created);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    print_summary(out, summary, o.input, o.output, seconds);
    return 0;
  } catch (const std::exception& e) {
    if (output_created) {
      std::error_code ec;
      fs::remove(out_path, ec);
    }
    err << "geocode: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace gebieden::app
