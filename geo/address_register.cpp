#include "geo/address_register.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>

#include "geo/address_normalize.hpp"
#include "geo/csv.hpp"
#include "geo/gdal_io.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

namespace gebieden::geo {

namespace {

constexpr int kNumberBits = 20;  // house numbers are at most 99999 < 2^17

std::optional<std::uint64_t> postcode_code(std::string_view pc) {
  if (pc.size() != 6) return std::nullopt;
  std::uint64_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = pc[static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  for (int i = 4; i < 6; ++i) {
    const char c = pc[static_cast<std::size_t>(i)];
    if (c < 'A' || c > 'Z') return std::nullopt;
    v = v * 26 + static_cast<std::uint64_t>(c - 'A');
  }
  return v;
}

/// "GM0080" and "0080" and "80" are one gemeente: compare the number.
std::string digits_of(std::string_view s) {
  std::string d;
  for (char c : s)
    if (c >= '0' && c <= '9' && !(d.empty() && c == '0')) d += c;
  return d;
}

/// "12" -> 12 without the general parser (most register rows); nullopt for anything else.
std::optional<HouseNumber> plain_house_number(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n <= 0) return std::nullopt;
  HouseNumber hn;
  hn.number = n;
  return hn;
}

/// The register's postcode: "8911AB" as it usually is, else through the general parser.
std::string register_postcode(const std::string& pc) {
  if (postcode_code(pc) && pc[0] != '0') return pc;
  return parse_postcode(pc).value_or("");
}

Address make_address(AddressRow& r, std::uint32_t street, int number, std::string letter,
                     std::string addition) {
  Address a;
  a.identificatie = std::move(r.identificatie);
  a.street = street;
  a.huisnummer = number;
  a.huisletter = std::move(letter);
  a.toevoeging = std::move(addition);
  a.postcode = register_postcode(r.postcode);
  a.rd = XY{r.x, r.y};
  return a;
}

/// A decimal number of a register CSV: "182594.063" directly, else as people type it.
double register_number(std::string_view s) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(v)) return v;
  return parse_decimal(s).value_or(std::numeric_limits<double>::quiet_NaN());
}

void ensure_gdal() {
  if (GDALGetDriverCount() == 0) GDALAllRegister();
}

/// Our field name -> the source field names to try, first present wins.
const std::vector<std::pair<std::string, std::vector<std::string>>>& default_fields() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> fields = {
      {"identificatie", {"identificatie", "id"}},
      {"straat", {"openbare_ruimte_naam", "openbareruimtenaam", "straat", "straatnaam"}},
      {"huisnummer", {"huisnummer"}},
      {"huisletter", {"huisletter"}},
      {"toevoeging", {"toevoeging", "huisnummertoevoeging"}},
      {"postcode", {"postcode"}},
      {"woonplaats", {"woonplaats_naam", "woonplaatsnaam", "woonplaats"}},
      {"x", {"x"}},
      {"y", {"y"}},
      {"gemeentecode", {"gemeentecode", "gemeente_code"}},
  };
  return fields;
}

}  // namespace

std::vector<PlaceAlias> read_place_aliases(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw config_error("place_aliases", "cannot open '" + path + "'");
  std::string line;
  std::optional<std::size_t> fy, nl;
  std::vector<PlaceAlias> out;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // BOM
    if (util::trim(line).empty() || line[0] == '#') continue;
    if (line.size() > 10000)
      throw config_error("place_aliases",
                         "'" + path + "' line " + std::to_string(line_no) + " is too long");
    if (!util::is_valid_utf8(line))
      throw config_error("place_aliases",
                         "'" + path + "' line " + std::to_string(line_no) + " is not UTF-8");
    auto cells = split_csv_line(line);
    for (auto& cell : cells) cell = std::string(util::trim(cell));
    if (!fy) {
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells[i] == "frisian_name") fy = i;
        if (cells[i] == "dutch_name") nl = i;
      }
      if (!fy || !nl)
        throw config_error(
            "place_aliases",
            "'" + path + "' needs a header with the columns frisian_name and dutch_name");
      continue;
    }
    if (cells.size() <= std::max(*fy, *nl)) continue;
    if (cells[*fy].empty() || cells[*nl].empty()) continue;
    out.push_back(PlaceAlias{cells[*fy], cells[*nl]});
  }
  if (!fy) throw config_error("place_aliases", "'" + path + "' is empty");
  return out;
}

AddressRegister AddressRegister::build(std::vector<AddressRow> rows) {
  AddressRegister reg;
  reg.m_report.rows = rows.size();
  reg.m_addresses.reserve(rows.size());
  std::unordered_map<std::string, std::uint32_t> wp_by_name;
  std::unordered_map<std::string, std::uint32_t> street_by_name;  // wp + '\n' + name
  std::unordered_map<std::string, std::uint32_t> street_by_key;   // wp + '\n' + key
  const auto skip = [&reg](const AddressRow& r, const std::string& why) {
    ++reg.m_report.skipped;
    if (reg.m_report.skipped_examples.size() < 10)
      reg.m_report.skipped_examples.push_back((r.identificatie.empty() ? "?" : r.identificatie) +
                                              ": " + why);
  };

  // Registers come sorted by street: the previous row's street is the likely one.
  std::string last_straat, last_woonplaats;
  std::uint32_t last_street = 0;
  bool have_last = false;
  for (auto& r : rows) {
    const std::string straat(util::trim(r.straat));
    const std::string woonplaats(util::trim(r.woonplaats));
    if (straat.empty()) {
      skip(r, "no street");
      continue;
    }
    if (woonplaats.empty()) {
      skip(r, "no woonplaats");
      continue;
    }
    if (!std::isfinite(r.x) || !std::isfinite(r.y)) {
      skip(r, "no point");
      continue;
    }
    std::string letter = util::ascii_upper(util::trim(r.huisletter));
    std::string addition = util::ascii_upper(util::trim(r.toevoeging));
    std::optional<HouseNumber> hn = plain_house_number(r.huisnummer);
    if (!hn) hn = parse_house_number(r.huisnummer);
    if (!hn) {
      skip(r, "house number '" + r.huisnummer + "'");
      continue;
    }
    if (letter.empty() && addition.empty()) {
      letter = hn->letter;
      addition = hn->addition;
    }

    if (have_last && straat == last_straat && woonplaats == last_woonplaats) {
      const auto index = static_cast<std::uint32_t>(reg.m_addresses.size());
      reg.m_streets[last_street].addresses.push_back(index);
      reg.m_addresses.push_back(
          make_address(r, last_street, hn->number, std::move(letter), std::move(addition)));
      continue;
    }

    std::uint32_t wp = 0;
    if (auto it = wp_by_name.find(woonplaats); it != wp_by_name.end()) {
      wp = it->second;
    } else {
      wp = static_cast<std::uint32_t>(reg.m_woonplaatsen.size());
      Woonplaats w{woonplaats, place_key(woonplaats), {}};
      reg.m_woonplaats_by_key.emplace(w.key, wp);
      reg.m_woonplaatsen.push_back(std::move(w));
      wp_by_name.emplace(woonplaats, wp);
    }

    const std::string wp_prefix = std::to_string(wp) + '\n';
    std::uint32_t st = 0;
    if (auto it = street_by_name.find(wp_prefix + straat); it != street_by_name.end()) {
      st = it->second;
    } else {
      std::string key = street_key(straat);
      if (auto kt = street_by_key.find(wp_prefix + key); kt != street_by_key.end()) {
        st = kt->second;
      } else {
        st = static_cast<std::uint32_t>(reg.m_streets.size());
        street_by_key.emplace(wp_prefix + key, st);
        reg.m_woonplaatsen[wp].streets.push_back(st);
        reg.m_streets.push_back(Street{straat, std::move(key), normalize_words(straat), wp, {}});
      }
      street_by_name.emplace(wp_prefix + straat, st);
    }

    const auto index = static_cast<std::uint32_t>(reg.m_addresses.size());
    reg.m_streets[st].addresses.push_back(index);
    reg.m_addresses.push_back(
        make_address(r, st, hn->number, std::move(letter), std::move(addition)));
    last_straat = straat;
    last_woonplaats = woonplaats;
    last_street = st;
    have_last = true;
  }

  for (std::uint32_t s = 0; s < reg.m_streets.size(); ++s)
    reg.m_streets_by_key[reg.m_streets[s].key].push_back(s);

  // Exact index on (postcode, number).
  std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed;
  keyed.reserve(reg.m_addresses.size());
  reg.m_pc4.assign(10000, false);
  for (std::uint32_t i = 0; i < reg.m_addresses.size(); ++i) {
    const Address& a = reg.m_addresses[i];
    const auto code = postcode_code(a.postcode);
    if (!code) continue;
    keyed.emplace_back((*code << kNumberBits) | static_cast<std::uint64_t>(a.huisnummer), i);
    reg.m_pc4[static_cast<std::size_t>(*code / (26 * 26))] = true;
  }
  std::sort(keyed.begin(), keyed.end());
  reg.m_pc_keys.reserve(keyed.size());
  reg.m_pc_address.reserve(keyed.size());
  for (const auto& [k, i] : keyed) {
    reg.m_pc_keys.push_back(k);
    reg.m_pc_address.push_back(i);
  }
  reg.build_grid();
  return reg;
}

void AddressRegister::build_grid() {
  m_bbox = Box{};
  for (const auto& a : m_addresses) m_bbox.expand(a.rd);
  if (!m_bbox.valid) return;
  m_cell = 100;
  const auto cells = [this](double cell) {
    return (static_cast<std::size_t>((m_bbox.maxx - m_bbox.minx) / cell) + 1) *
           (static_cast<std::size_t>((m_bbox.maxy - m_bbox.miny) / cell) + 1);
  };
  while (cells(m_cell) > 4'000'000) m_cell *= 2;
  m_nx = static_cast<std::size_t>((m_bbox.maxx - m_bbox.minx) / m_cell) + 1;
  m_ny = static_cast<std::size_t>((m_bbox.maxy - m_bbox.miny) / m_cell) + 1;
  const auto cell_of = [this](XY p) {
    const auto cx = std::min(m_nx - 1, static_cast<std::size_t>((p.x - m_bbox.minx) / m_cell));
    const auto cy = std::min(m_ny - 1, static_cast<std::size_t>((p.y - m_bbox.miny) / m_cell));
    return cy * m_nx + cx;
  };
  m_cell_start.assign(m_nx * m_ny + 1, 0);
  for (const auto& a : m_addresses) ++m_cell_start[cell_of(a.rd) + 1];
  for (std::size_t c = 1; c < m_cell_start.size(); ++c) m_cell_start[c] += m_cell_start[c - 1];
  m_cell_address.resize(m_addresses.size());
  std::vector<std::uint32_t> fill(m_cell_start.begin(), m_cell_start.end() - 1);
  for (std::uint32_t i = 0; i < m_addresses.size(); ++i)
    m_cell_address[fill[cell_of(m_addresses[i].rd)]++] = i;
}

std::optional<AddressRegister::Nearest> AddressRegister::nearest(XY p, double max_distance) const {
  if (!m_bbox.valid || !std::isfinite(p.x) || !std::isfinite(p.y) || !(max_distance >= 0))
    return std::nullopt;
  // Distance from p to the grid's box: nothing can be nearer.
  const double dx = std::max({m_bbox.minx - p.x, 0.0, p.x - m_bbox.maxx});
  const double dy = std::max({m_bbox.miny - p.y, 0.0, p.y - m_bbox.maxy});
  if (std::hypot(dx, dy) > max_distance) return std::nullopt;
  const auto cx = static_cast<long long>(std::floor((p.x - m_bbox.minx) / m_cell));
  const auto cy = static_cast<long long>(std::floor((p.y - m_bbox.miny) / m_cell));
  const auto nx = static_cast<long long>(m_nx), ny = static_cast<long long>(m_ny);
  std::optional<Nearest> best;
  for (long long r = 0;; ++r) {
    // Every cell of ring r is at least (r - 1) cell sizes away from p.
    const double ring_min = static_cast<double>(r - 1) * m_cell;
    if (ring_min > max_distance) break;
    if (best && ring_min > best->distance) break;
    for (long long y = cy - r; y <= cy + r; ++y) {
      if (y < 0 || y >= ny) continue;
      const bool full_row = r == 0 || y == cy - r || y == cy + r;
      const long long step = full_row ? 1 : 2 * r;  // inner rows: only the two ends
      for (long long x = cx - r; x <= cx + r; x += step) {
        if (x < 0 || x >= nx) continue;
        const auto c = static_cast<std::size_t>(y * nx + x);
        for (std::uint32_t k = m_cell_start[c]; k < m_cell_start[c + 1]; ++k) {
          const std::uint32_t i = m_cell_address[k];
          const double d = std::hypot(m_addresses[i].rd.x - p.x, m_addresses[i].rd.y - p.y);
          if (d > max_distance) continue;
          if (!best || d < best->distance || (d == best->distance && i < best->address))
            best = Nearest{i, d};
        }
      }
    }
    // Once the square of rings covers the whole grid, every cell has been seen.
    if (cx - r <= 0 && cx + r >= nx - 1 && cy - r <= 0 && cy + r >= ny - 1) break;
  }
  return best;
}

std::span<const std::uint32_t> AddressRegister::at_postcode(std::string_view postcode,
                                                            int huisnummer) const {
  const auto code = postcode_code(postcode);
  if (!code || huisnummer <= 0 || huisnummer >= (1 << kNumberBits)) return {};
  const std::uint64_t key = (*code << kNumberBits) | static_cast<std::uint64_t>(huisnummer);
  const auto [lo, hi] = std::equal_range(m_pc_keys.begin(), m_pc_keys.end(), key);
  return std::span<const std::uint32_t>(m_pc_address.data() + (lo - m_pc_keys.begin()),
                                        static_cast<std::size_t>(hi - lo));
}

std::span<const std::uint32_t> AddressRegister::at_postcode(std::string_view postcode) const {
  const auto code = postcode_code(postcode);
  if (!code) return {};
  const auto lo = std::lower_bound(m_pc_keys.begin(), m_pc_keys.end(), *code << kNumberBits);
  const auto hi = std::lower_bound(m_pc_keys.begin(), m_pc_keys.end(), (*code + 1) << kNumberBits);
  return std::span<const std::uint32_t>(m_pc_address.data() + (lo - m_pc_keys.begin()),
                                        static_cast<std::size_t>(hi - lo));
}

bool AddressRegister::has_postcode_area(int pc4) const {
  return pc4 >= 0 && pc4 < 10000 && !m_pc4.empty() && m_pc4[static_cast<std::size_t>(pc4)];
}

std::optional<std::uint32_t> AddressRegister::woonplaats_by_key(std::string_view key) const {
  const auto it = m_woonplaats_by_key.find(std::string(key));
  if (it == m_woonplaats_by_key.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint32_t> AddressRegister::street_in(std::uint32_t woonplaats,
                                                        std::string_view key) const {
  const auto it = m_streets_by_key.find(std::string(key));
  if (it == m_streets_by_key.end()) return std::nullopt;
  for (auto s : it->second)
    if (m_streets[s].woonplaats == woonplaats) return s;
  return std::nullopt;
}

std::vector<std::uint32_t> AddressRegister::streets_by_key(std::string_view key) const {
  const auto it = m_streets_by_key.find(std::string(key));
  if (it == m_streets_by_key.end()) return {};
  return it->second;
}

std::string AddressRegister::house_number_text(const Address& a) {
  std::string s = std::to_string(a.huisnummer) + a.huisletter;
  if (!a.toevoeging.empty()) s += "-" + a.toevoeging;
  return s;
}

namespace {
std::size_t heap_of(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;  // libstdc++ keeps up to 15 in place
}
}  // namespace

std::size_t AddressRegister::memory_bytes() const {
  std::size_t n = sizeof(*this);
  n += m_addresses.capacity() * sizeof(Address);
  for (const auto& a : m_addresses)
    n += heap_of(a.identificatie) + heap_of(a.huisletter) + heap_of(a.toevoeging) +
         heap_of(a.postcode);
  n += m_streets.capacity() * sizeof(Street);
  for (const auto& s : m_streets)
    n += heap_of(s.name) + heap_of(s.key) + heap_of(s.words) +
         s.addresses.capacity() * sizeof(std::uint32_t);
  n += m_woonplaatsen.capacity() * sizeof(Woonplaats);
  for (const auto& w : m_woonplaatsen)
    n += heap_of(w.name) + heap_of(w.key) + w.streets.capacity() * sizeof(std::uint32_t);
  n += m_pc_keys.capacity() * sizeof(std::uint64_t) + m_pc_address.capacity() * 4 +
       m_pc4.capacity() / 8;
  // Hash tables: a node (two pointers, the pair) per entry, a bucket pointer per bucket.
  for (const auto& [k, v] : m_woonplaats_by_key) n += 48 + heap_of(k);
  n += m_woonplaats_by_key.bucket_count() * sizeof(void*);
  for (const auto& [k, v] : m_streets_by_key)
    n += 64 + heap_of(k) + v.capacity() * sizeof(std::uint32_t);
  n += m_streets_by_key.bucket_count() * sizeof(void*);
  n += (m_cell_start.capacity() + m_cell_address.capacity()) * sizeof(std::uint32_t);
  return n;
}

std::string AddressRegister::label(std::uint32_t index) const {
  const Address& a = m_addresses.at(index);
  const std::string& street = street_of(a).name;
  const std::string& place = woonplaats_of(a).name;
  std::string s;
  s.reserve(street.size() + place.size() + 24);
  s += street;
  s += ' ';
  s += house_number_text(a);
  s += ", ";
  if (!a.postcode.empty()) (s += a.postcode) += ' ';
  s += place;
  return s;
}

namespace {

/// A register CSV read by us (GDAL's CSV reader costs several microseconds a row): the columns
/// of `source.fields` (or the PDOK names), x and y in EPSG:28992. nullopt when the file cannot
/// be opened as a local file (a URL, /vsi...: GDAL reads those).
std::optional<std::vector<AddressRow>> read_register_csv(const std::string& path,
                                                         const SourceConfig& source,
                                                         const std::optional<Box>& rd_area,
                                                         std::size_t& filtered) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
  in.seekg(0);
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (!in) throw gdal_error("cannot read the address register '" + path + "'");
  if (!is_valid_utf8(text.substr(0, std::min<std::size_t>(text.size(), 1 << 16))) &&
      !is_valid_utf8(text))
    throw gdal_error("the address register '" + path + "' is not UTF-8");
  CsvTextReader reader(text, sniff_csv_delimiter(text));
  std::vector<std::string> header, cells;
  if (!reader.next(header)) throw gdal_error("the address register '" + path + "' is empty");
  const auto find = [&header](const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (util::ascii_lower(util::trim(header[i])) == util::ascii_lower(name))
        return static_cast<int>(i);
    return -1;
  };
  std::map<std::string, int> index;
  for (const auto& [ours, defaults] : default_fields()) {
    const auto it = source.fields.find(ours);
    const std::vector<std::string>& candidates = it != source.fields.end() ? it->second : defaults;
    for (const auto& c : candidates) {
      if (const int i = find(c); i >= 0) {
        index[ours] = i;
        break;
      }
    }
  }
  const auto field = [&index](const char* ours) {
    const auto it = index.find(ours);
    return it == index.end() ? -1 : it->second;
  };
  std::string names;
  for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
  for (const char* required : {"straat", "huisnummer", "woonplaats", "x", "y"}) {
    if (field(required) < 0)
      throw config_error(std::string("addresses.fields.") + required,
                         "no such field in '" + path + "' (fields: " + names + ")");
  }
  const int f_id = field("identificatie"), f_straat = field("straat"), f_nr = field("huisnummer"),
            f_letter = field("huisletter"), f_add = field("toevoeging"), f_pc = field("postcode"),
            f_wp = field("woonplaats"), f_x = field("x"), f_y = field("y");
  const int f_gemeente = source.gemeente_filter.empty() ? -1 : field("gemeentecode");
  const std::string gemeente = digits_of(source.gemeente_filter);
  const bool area = rd_area && rd_area->valid;
  std::vector<AddressRow> rows;
  rows.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
  while (reader.next(cells)) {
    if (cells.size() == 1 && cells[0].empty()) continue;
    const auto cell = [&cells](int i) -> std::string {
      return i >= 0 && static_cast<std::size_t>(i) < cells.size()
                 ? std::move(cells[static_cast<std::size_t>(i)])
                 : std::string();
    };
    AddressRow r;
    r.x = register_number(f_x >= 0 && static_cast<std::size_t>(f_x) < cells.size()
                              ? std::string_view(cells[static_cast<std::size_t>(f_x)])
                              : std::string_view());
    r.y = register_number(f_y >= 0 && static_cast<std::size_t>(f_y) < cells.size()
                              ? std::string_view(cells[static_cast<std::size_t>(f_y)])
                              : std::string_view());
    if ((area && std::isfinite(r.x) && !rd_area->contains(XY{r.x, r.y})) ||
        (f_gemeente >= 0 && digits_of(cell(f_gemeente)) != gemeente)) {
      ++filtered;
      continue;
    }
    r.identificatie = cell(f_id);
    if (r.identificatie.empty()) r.identificatie = "line " + std::to_string(reader.line());
    r.straat = cell(f_straat);
    r.huisnummer = cell(f_nr);
    r.huisletter = cell(f_letter);
    r.toevoeging = cell(f_add);
    r.postcode = cell(f_pc);
    r.woonplaats = cell(f_wp);
    rows.push_back(std::move(r));
  }
  return rows;
}

struct SqliteClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct SqliteFinalize {
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteClose>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, SqliteFinalize>;

StatementPtr prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return nullptr;
  return StatementPtr(st);
}

std::string quoted_identifier(const std::string& name) {
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string column_text(sqlite3_stmt* st, int i) {
  const auto* t = sqlite3_column_text(st, i);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<std::size_t>(sqlite3_column_bytes(st, i)))
           : std::string();
}

/// The point of a GeoPackage geometry blob (header, then ISO WKB); nullopt for an empty or other
/// geometry.
std::optional<XY> gpkg_point(const unsigned char* b, std::size_t n) {
  if (n < 8 || b[0] != 'G' || b[1] != 'P') return std::nullopt;
  const unsigned flags = b[3];
  if (flags & 0x10) return std::nullopt;  // empty
  static constexpr std::size_t kEnvelope[] = {0, 32, 48, 48, 64, 0, 0, 0};
  const std::size_t wkb = 8 + kEnvelope[(flags >> 1) & 7];
  if (n < wkb + 21) return std::nullopt;
  const bool little = b[wkb] == 1;
  const auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k)
      v |= static_cast<std::uint32_t>(b[at + static_cast<std::size_t>(little ? k : 3 - k)])
           << (8 * k);
    return v;
  };
  const auto f64 = [&](std::size_t at) {
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k)
      v |= static_cast<std::uint64_t>(b[at + static_cast<std::size_t>(little ? k : 7 - k)])
           << (8 * k);
    double d = 0;
    std::memcpy(&d, &v, sizeof d);
    return d;
  };
  if (u32(wkb + 1) % 1000 != 1) return std::nullopt;  // a point (2D, Z, M or ZM)
  return XY{f64(wkb + 5), f64(wkb + 13)};
}

/// A GeoPackage register of points in EPSG:28992 read with SQLite directly (GDAL's feature
/// reading costs several microseconds an address). nullopt when this file needs GDAL: not a
/// GeoPackage, another CRS, other geometries, no such layer or fields (GDAL then says why).
std::optional<std::vector<AddressRow>> read_register_gpkg(const std::string& path,
                                                          const SourceConfig& source,
                                                          const std::optional<Box>& rd_area,
                                                          std::size_t& filtered,
                                                          std::string& layer) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(raw);
    return std::nullopt;
  }
  SqlitePtr db(raw);
  // The features table: the configured layer, else the only one.
  std::vector<std::pair<std::string, std::string>> tables;  // table, geometry column
  int srs = 0;
  {
    StatementPtr st = prepare(db.get(),
                              "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
                              "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
                              "WHERE c.data_type = 'features'");
    if (!st) return std::nullopt;
    std::vector<int> srs_of;
    while (sqlite3_step(st.get()) == SQLITE_ROW) {
      tables.emplace_back(column_text(st.get(), 0), column_text(st.get(), 1));
      srs_of.push_back(sqlite3_column_int(st.get(), 2));
    }
    std::size_t pick = tables.size();
    for (std::size_t i = 0; i < tables.size(); ++i)
      if (!source.layer.empty() &&
          util::ascii_lower(tables[i].first) == util::ascii_lower(source.layer))
        pick = i;
    if (pick == tables.size() && tables.size() == 1) pick = 0;
    if (pick == tables.size()) return std::nullopt;
    std::swap(tables[0], tables[pick]);
    srs = srs_of[pick];
  }
  if (srs != 28992) return std::nullopt;
  const std::string& table = tables[0].first;
  layer = table;
  std::vector<std::string> columns;
  {
    StatementPtr st = prepare(db.get(), "PRAGMA table_info(" + quoted_identifier(table) + ")");
    if (!st) return std::nullopt;
    while (sqlite3_step(st.get()) == SQLITE_ROW) columns.push_back(column_text(st.get(), 1));
  }
  std::map<std::string, std::string> column_of;  // ours -> the table's
  for (const auto& [ours, defaults] : default_fields()) {
    const auto it = source.fields.find(ours);
    const std::vector<std::string>& candidates = it != source.fields.end() ? it->second : defaults;
    for (const auto& c : candidates) {
      const auto hit = std::find_if(columns.begin(), columns.end(), [&c](const std::string& col) {
        return util::ascii_lower(col) == util::ascii_lower(c);
      });
      if (hit != columns.end()) {
        column_of[ours] = *hit;
        break;
      }
    }
  }
  for (const char* required : {"straat", "huisnummer", "woonplaats"})
    if (!column_of.count(required)) return std::nullopt;
  const bool gemeente_filter = !source.gemeente_filter.empty() && column_of.count("gemeentecode");
  static const char* const kOurs[] = {
      "identificatie", "straat",     "huisnummer", "huisletter", "toevoeging",
      "postcode",      "woonplaats", "x",          "y",          "gemeentecode"};
  std::string sql = "SELECT rowid, " + quoted_identifier(tables[0].second);
  for (const char* ours : kOurs) {
    const auto it = column_of.find(ours);
    sql +=
        ", " + (it == column_of.end() || (std::string(ours) == "gemeentecode" && !gemeente_filter)
                    ? std::string("NULL")
                    : quoted_identifier(it->second));
  }
  sql += " FROM " + quoted_identifier(table);
  StatementPtr st = prepare(db.get(), sql);
  if (!st) return std::nullopt;
  const std::string gemeente = digits_of(source.gemeente_filter);
  const bool area = rd_area && rd_area->valid;
  std::vector<AddressRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    AddressRow r;
    r.x = r.y = std::numeric_limits<double>::quiet_NaN();
    if (sqlite3_column_type(st.get(), 1) == SQLITE_BLOB) {
      const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(st.get(), 1));
      const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st.get(), 1));
      const auto p = gpkg_point(blob, n);
      if (!p && n >= 4 && !(blob[3] & 0x10)) return std::nullopt;  // not a point: GDAL's work
      if (p) {
        r.x = p->x;
        r.y = p->y;
      }
    }
    if (!std::isfinite(r.x) && sqlite3_column_type(st.get(), 9) != SQLITE_NULL) {
      r.x = register_number(column_text(st.get(), 9));
      r.y = register_number(column_text(st.get(), 10));
    }
    if ((area && std::isfinite(r.x) && !rd_area->contains(XY{r.x, r.y})) ||
        (gemeente_filter && digits_of(column_text(st.get(), 11)) != gemeente)) {
      ++filtered;
      continue;
    }
    r.identificatie = column_text(st.get(), 2);
    if (r.identificatie.empty())
      r.identificatie = "fid " + std::to_string(sqlite3_column_int64(st.get(), 0));
    r.straat = column_text(st.get(), 3);
    r.huisnummer = column_text(st.get(), 4);
    r.huisletter = column_text(st.get(), 5);
    r.toevoeging = column_text(st.get(), 6);
    r.postcode = column_text(st.get(), 7);
    r.woonplaats = column_text(st.get(), 8);
    rows.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE)
    throw gdal_error("cannot read the address register '" + path +
                     "': " + sqlite3_errmsg(db.get()));
  return rows;
}

}  // namespace

AddressRegister AddressRegister::load(const std::string& path, const SourceConfig& source,
                                      const std::optional<Box>& rd_area) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string ext = util::ascii_lower(std::filesystem::path(path).extension().string());
  if (ext == ".csv" || ext == ".gpkg") {  // a CSV is one table: the layer name does not matter
    std::size_t filtered = 0;
    std::string layer = std::filesystem::path(path).stem().string();
    if (auto rows = ext == ".csv" ? read_register_csv(path, source, rd_area, filtered)
                                  : read_register_gpkg(path, source, rd_area, filtered, layer)) {
      AddressRegister reg = build(std::move(*rows));
      reg.m_report.source = path;
      reg.m_report.filtered = filtered;
      reg.m_report.layer = layer;
      reg.m_report.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return reg;
    }
  }
  ensure_gdal();
  CPLStringList open_options;
  if (ext == ".csv") {
    // Keep every column a string: identificatie has leading zeros, postcodes are text.
    open_options.AddString("AUTODETECT_TYPE=NO");
    open_options.AddString("EMPTY_STRING_AS_NULL=NO");
  }
  GDALDatasetUniquePtr ds;
  {
    GdalErrors errors;  // GDAL's reason goes into our message, not onto stderr
    ds.reset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                               ext == ".csv" ? open_options.List() : nullptr));
    if (!ds)
      throw gdal_error("the address register '" + path + "' is not a GDAL dataset (" +
                       errors.text("no GDAL driver recognises it") + ")");
  }

  OGRLayer* layer = nullptr;
  if (!source.layer.empty()) layer = ds->GetLayerByName(source.layer.c_str());
  if (!layer && ds->GetLayerCount() == 1) layer = ds->GetLayer(0);
  if (!layer)
    throw gdal_error("the address register '" + path + "' has no layer '" + source.layer +
                     "' (it has " + std::to_string(ds->GetLayerCount()) + " layers)");

  OGRFeatureDefn* defn = layer->GetLayerDefn();
  const auto field_list = [defn] {
    std::string s;
    for (int i = 0; i < defn->GetFieldCount(); ++i)
      s += (i ? ", " : "") + std::string(defn->GetFieldDefn(i)->GetNameRef());
    return s;
  };
  std::map<std::string, int> index;
  for (const auto& [ours, defaults] : default_fields()) {
    const auto it = source.fields.find(ours);
    const std::vector<std::string>& candidates = it != source.fields.end() ? it->second : defaults;
    for (const auto& c : candidates) {
      const int i = defn->GetFieldIndex(c.c_str());  // case-insensitive
      if (i >= 0) {
        index[ours] = i;
        break;
      }
    }
  }
  const auto field = [&index](const char* ours) {
    const auto it = index.find(ours);
    return it == index.end() ? -1 : it->second;
  };
  for (const char* required : {"straat", "huisnummer", "woonplaats"}) {
    if (field(required) < 0)
      throw config_error(std::string("addresses.fields.") + required,
                         "no such field in '" + path + "' (fields: " + field_list() + ")");
  }
  const bool has_geometry = layer->GetGeomType() != wkbNone;
  if (!has_geometry && (field("x") < 0 || field("y") < 0))
    throw config_error(
        "addresses.fields.x",
        "'" + path + "' has no geometry and no x, y fields (fields: " + field_list() + ")");

  CTPtr ct;
  if (has_geometry) {
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    if (srs) {
      OGRSpatialReference rd;
      rd.importFromEPSG(28992);
      rd.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      OGRSpatialReference src(*srs);
      src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      if (!src.IsSame(&rd)) {
        ct.reset(OGRCreateCoordinateTransformation(&src, &rd));
        if (!ct) throw gdal_error("no transformation from the CRS of '" + path + "' to EPSG:28992");
      }
    }
  }

  const int f_id = field("identificatie"), f_straat = field("straat"), f_nr = field("huisnummer"),
            f_letter = field("huisletter"), f_add = field("toevoeging"), f_pc = field("postcode"),
            f_wp = field("woonplaats"), f_x = field("x"), f_y = field("y");
  const auto text = [](const OGRFeature& f, int i) -> std::string {
    if (i < 0 || !f.IsFieldSetAndNotNull(i)) return {};
    return f.GetFieldAsString(i);
  };
  std::vector<AddressRow> rows;
  const GIntBig count = layer->GetFeatureCount(FALSE);
  if (count > 0) rows.reserve(static_cast<std::size_t>(count));
  const bool area = rd_area && rd_area->valid;
  if (area && !ct)
    layer->SetSpatialFilterRect(rd_area->minx, rd_area->miny, rd_area->maxx, rd_area->maxy);
  const int f_gemeente = source.gemeente_filter.empty() ? -1 : field("gemeentecode");
  const std::string gemeente = digits_of(source.gemeente_filter);
  std::size_t filtered = 0;
  layer->ResetReading();
  for (auto& feature : layer) {
    AddressRow r;
    r.identificatie = text(*feature, f_id);
    if (r.identificatie.empty()) r.identificatie = "fid " + std::to_string(feature->GetFID());
    r.straat = text(*feature, f_straat);
    r.huisnummer = text(*feature, f_nr);
    r.huisletter = text(*feature, f_letter);
    r.toevoeging = text(*feature, f_add);
    r.postcode = text(*feature, f_pc);
    r.woonplaats = text(*feature, f_wp);
    r.x = r.y = std::numeric_limits<double>::quiet_NaN();
    const OGRGeometry* g = has_geometry ? feature->GetGeometryRef() : nullptr;
    if (g && !g->IsEmpty()) {
      OGRPoint pt;
      const auto type = wkbFlatten(g->getGeometryType());
      if (type == wkbPoint) {
        pt = *g->toPoint();
      } else if (type == wkbMultiPoint && g->toMultiPoint()->getNumGeometries() > 0) {
        pt = *g->toMultiPoint()->getGeometryRef(0);
      } else if (g->Centroid(&pt) != OGRERR_NONE) {
        pt.empty();
      }
      if (!pt.IsEmpty()) {
        double x = pt.getX(), y = pt.getY();
        if (!ct || ct->Transform(1, &x, &y)) {
          r.x = x;
          r.y = y;
        }
      }
    }
    if (!std::isfinite(r.x) && f_x >= 0 && f_y >= 0) {
      r.x = parse_decimal(text(*feature, f_x)).value_or(std::numeric_limits<double>::quiet_NaN());
      r.y = parse_decimal(text(*feature, f_y)).value_or(std::numeric_limits<double>::quiet_NaN());
    }
    if ((area && !rd_area->contains(XY{r.x, r.y}) && std::isfinite(r.x)) ||
        (f_gemeente >= 0 && digits_of(text(*feature, f_gemeente)) != gemeente)) {
      ++filtered;
      continue;
    }
    rows.push_back(std::move(r));
  }
  AddressRegister reg = build(std::move(rows));
  reg.m_report.source = path;
  reg.m_report.filtered = filtered;
  reg.m_report.layer = layer->GetName();
  reg.m_report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return reg;
}

AddressRegister AddressRegister::load(const Config& config, const std::optional<Box>& rd_area) {
  if (config.addresses.sources.empty())
    throw config_error("addresses.sources", "no address register configured");
  std::vector<std::string> tried;
  for (const auto& source : config.addresses.sources) {
    const std::string path = config.resolve(source);
    const bool is_url = path.find("://") != std::string::npos || path.rfind("/vsi", 0) == 0;
    std::error_code ec;
    if (!is_url && !std::filesystem::exists(path, ec)) {
      tried.push_back(path + ": not found");
      continue;
    }
    try {
      AddressRegister reg = load(path, config.addresses, rd_area);
      reg.m_report.tried = tried;
      return reg;
    } catch (const gdal_error& e) {
      // A local file that exists but cannot be read is fatal, even when the register is not
      // required: skipping it would hide the broken file behind the fallback (docs/faults.md).
      if (!is_url) throw config_error("addresses", e.what());
      tried.push_back(path + ": " + e.what());
    }
  }
  // "addresses.sources": none found (the one error load_state forgives an optional register).
  throw config_error("addresses.sources", "no address register found: " + join_tried(tried));
}

}  // namespace gebieden::geo
