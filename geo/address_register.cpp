#include "geo/address_register.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
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
    const auto hn = parse_house_number(r.huisnummer);
    if (!hn) {
      skip(r, "house number '" + r.huisnummer + "'");
      continue;
    }
    if (letter.empty() && addition.empty()) {
      letter = hn->letter;
      addition = hn->addition;
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
    Address a;
    a.identificatie = std::move(r.identificatie);
    a.street = st;
    a.huisnummer = hn->number;
    a.huisletter = std::move(letter);
    a.toevoeging = std::move(addition);
    a.postcode = parse_postcode(r.postcode).value_or("");
    a.rd = XY{r.x, r.y};
    reg.m_addresses.push_back(std::move(a));
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
    reg.m_pc4[static_cast<std::size_t>(std::stoi(a.postcode.substr(0, 4)))] = true;
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

std::string AddressRegister::label(std::uint32_t index) const {
  const Address& a = m_addresses.at(index);
  std::string s = street_of(a).name + " " + house_number_text(a) + ", ";
  if (!a.postcode.empty()) s += a.postcode + " ";
  s += woonplaats_of(a).name;
  return s;
}

AddressRegister AddressRegister::load(const std::string& path, const SourceConfig& source,
                                      const std::optional<Box>& rd_area) {
  ensure_gdal();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string ext = util::ascii_lower(std::filesystem::path(path).extension().string());
  CPLStringList open_options;
  if (ext == ".csv") {
    // Keep every column a string: identificatie has leading zeros, postcodes are text.
    open_options.AddString("AUTODETECT_TYPE=NO");
    open_options.AddString("EMPTY_STRING_AS_NULL=NO");
  }
  CPLErrorReset();
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY,
                                            nullptr,
                                            ext == ".csv" ? open_options.List() : nullptr));
  if (!ds)
    throw gdal_error("cannot open the address register '" + path + "': " + CPLGetLastErrorMsg());

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
      tried.push_back(path + ": " + e.what());
    }
  }
  std::string msg = "none of the address sources could be read:";
  for (const auto& t : tried) msg += "\n  " + t;
  throw config_error("addresses.sources", msg);
}

}  // namespace gebieden::geo
