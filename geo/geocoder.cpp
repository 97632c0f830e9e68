#include "geo/geocoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <variant>

#include "geo/address_normalize.hpp"
#include "geo/crs.hpp"
#include "util/text.hpp"

namespace gebieden::geo {

namespace {

// Plausibility boxes: the Netherlands in WGS84 and the RD New validity area.
bool in_nl_lonlat(double lon, double lat) {
  return lon >= 3.0 && lon <= 7.6 && lat >= 50.6 && lat <= 53.8;
}
bool in_rd(double x, double y) {
  return x >= -7000 && x <= 300000 && y >= 289000 && y <= 629000;
}

std::string trim_copy(const std::optional<std::string>& s) {
  return s ? std::string(util::trim(*s)) : std::string();
}

void add_warning(std::string& warnings, const std::string& w) {
  if (w.empty()) return;
  if (!warnings.empty()) warnings += "; ";
  warnings += w;
}

GeocodeResult unplaced(std::string reason, std::string detail) {
  GeocodeResult r;
  r.status = GeocodeStatus::Unmatched;
  r.reason = std::move(reason);
  r.detail = std::move(detail);
  return r;
}

/// Not placed because the input lies outside the gemeente (a postcode, a place).
GeocodeResult outside_gemeente(std::string detail) {
  GeocodeResult r = unplaced("outside the gemeente", std::move(detail));
  r.status = GeocodeStatus::Outside;
  return r;
}

/// A typed street name in its two matching forms.
struct TypedStreet {
  std::string key;    // street_key: abbreviations expanded, spaces removed
  std::string words;  // normalize_words: as spelled, one space between words
};

/// How many edits a typed street is from a register street: the smaller of the distance of the
/// matching keys and of the names as spelled. The second catches a letter moved across a space
/// ("TweedeB eukenpad"), which changes the words and so their expansion ("tweede" -> "2e").
std::size_t street_distance(const TypedStreet& typed, const Street& street, std::size_t max) {
  const std::size_t by_key = edit_distance(typed.key, street.key, max);
  if (by_key == 0) return 0;
  return std::min(by_key, edit_distance(typed.words, street.words, max));
}

/// The areas of a placed point, or "outside the gemeente" when it lies in no buurt.
void set_area(GeocodeResult& r, const AreaRef* area) {
  if (!area) {
    r.status = GeocodeStatus::Outside;
    r.reason = "outside the gemeente";
    if (r.detail.empty()) r.detail = "the point lies in no buurt of the gemeente";
    return;
  }
  r.buurtcode = area->buurtcode;
  r.buurtnaam = area->buurtnaam;
  r.wijkcode = area->wijkcode;
  r.wijknaam = area->wijknaam;
  r.gebied = area->gebied;
  r.gebiednaam = area->gebiednaam;
}

std::string in_quotes(std::string_view s) {
  constexpr std::size_t max = 80;
  if (s.size() <= max) return "'" + std::string(s) + "'";
  return "'" + std::string(s.substr(0, max)) + "...'";
}

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::string_view status_name(GeocodeStatus status) {
  switch (status) {
    case GeocodeStatus::Address:
      return "address";
    case GeocodeStatus::Fuzzy:
      return "fuzzy";
    case GeocodeStatus::Coordinates:
      return "coordinates";
    case GeocodeStatus::Unmatched:
      return "unmatched";
    case GeocodeStatus::Outside:
      return "outside";
  }
  return "unmatched";
}

/// A request after trimming and parsing.
struct Geocoder::Query {
  std::string straat;
  std::string huisnummer;  // as typed (letter and addition appended when given apart)
  std::optional<HouseNumber> house;
  std::string postcode_text;
  std::optional<std::string> postcode;
  std::string plaats;
  std::optional<Place> place;  // resolved plaats
  std::string lat, lon, x, y;
  std::optional<double> first, second;  // free text that was two numbers
  bool free_text = false;
};

/// Candidate addresses of one match, before the area decides between them.
struct Geocoder::Match {
  std::vector<std::uint32_t> candidates;
  GeocodeStatus status = GeocodeStatus::Address;
  double score = 1;
  std::string warning;
};

Geocoder::Geocoder(std::shared_ptr<const AddressRegister> addresses, AreaLocatorFn locate,
                   const std::vector<PlaceAlias>& aliases, GeocoderOptions options)
    : m_addresses(std::move(addresses)),
      m_locate(std::move(locate)),
      m_options(options),
      m_transformers(std::make_unique<TransformerCache>()) {
  if (!m_addresses)
    m_addresses = std::make_shared<const AddressRegister>(AddressRegister::build({}));
  std::map<std::string, PlaceName> places;
  const auto& wps = m_addresses->woonplaatsen();
  for (std::uint32_t i = 0; i < wps.size(); ++i)
    places.emplace(wps[i].key, PlaceName{i, {}, false});
  for (const auto& a : aliases) {
    const std::string fy = place_key(a.frisian), nl = place_key(a.dutch);
    if (fy.empty() || nl.empty() || fy == nl) continue;
    const auto wp_fy = m_addresses->woonplaats_by_key(fy);
    const auto wp_nl = m_addresses->woonplaats_by_key(nl);
    if (wp_fy && wp_nl) {
      m_findings.push_back("place names " + a.frisian + " and " + a.dutch +
                           " are both woonplaatsen of the register: alias ignored");
    } else if (wp_fy) {
      places.emplace(nl, PlaceName{*wp_fy, a.dutch, true});
    } else if (wp_nl) {
      places.emplace(fy, PlaceName{*wp_nl, a.frisian, false});
    } else {
      m_findings.push_back("place alias " + a.frisian + "/" + a.dutch +
                           ": neither is a woonplaats of the address register");
    }
  }
  m_places.assign(places.begin(), places.end());

  // Every address located once: an exact match needs no point-in-polygon test, and the areas
  // are shared rather than copied per candidate.
  const auto& all = m_addresses->addresses();
  m_address_area.assign(all.size(), kNoArea);
  m_address_lon = std::make_unique<std::atomic<double>[]>(all.size());
  m_address_lat = std::make_unique<std::atomic<double>[]>(all.size());
  std::unordered_map<std::string, std::uint32_t> area_index;
  for (std::size_t i = 0; i < all.size(); ++i) {
    m_address_lon[i].store(std::numeric_limits<double>::quiet_NaN(), std::memory_order_relaxed);
    m_address_lat[i].store(std::numeric_limits<double>::quiet_NaN(), std::memory_order_relaxed);
    if (!m_locate) continue;
    std::optional<AreaRef> area = m_locate(all[i].rd.x, all[i].rd.y);
    if (!area || area->buurtcode.empty()) continue;
    auto [it, added] =
        area_index.emplace(area->buurtcode, static_cast<std::uint32_t>(m_areas.size()));
    if (added) m_areas.push_back(std::move(*area));
    m_address_area[i] = it->second;
  }
}

XY Geocoder::wgs84_of_address(std::uint32_t address) const {
  const double lat = m_address_lat[address].load(std::memory_order_acquire);
  if (!std::isnan(lat)) return XY{m_address_lon[address].load(std::memory_order_relaxed), lat};
  const XY ll = m_transformers->get(28992, 4326).forward(m_addresses->addresses()[address].rd);
  m_address_lon[address].store(ll.x, std::memory_order_relaxed);
  m_address_lat[address].store(ll.y, std::memory_order_release);
  return ll;
}

void Geocoder::fill_address_area(GeocodeResult& r, std::uint32_t address) const {
  r.rd = m_addresses->addresses()[address].rd;
  const XY ll = wgs84_of_address(address);
  if (std::isfinite(ll.x) && std::isfinite(ll.y)) r.wgs84 = ll;
  set_area(r, area_of_address(address));
}

Geocoder::Geocoder(Geocoder&&) noexcept = default;
Geocoder& Geocoder::operator=(Geocoder&&) noexcept = default;
Geocoder::~Geocoder() = default;

std::optional<Geocoder::Place> Geocoder::resolve_place(std::string_view name) const {
  const std::string key = place_key(name);
  if (key.empty()) return std::nullopt;
  const auto& wps = m_addresses->woonplaatsen();
  const auto it = std::lower_bound(m_places.begin(), m_places.end(), key,
                                   [](const auto& e, const std::string& k) { return e.first < k; });
  if (it != m_places.end() && it->first == key) {
    Place p{it->second.woonplaats, {}, 1.0};
    if (!it->second.alias_of.empty()) {
      p.warning = std::string(it->second.dutch ? "Dutch" : "Frisian") + " place name " +
                  it->second.alias_of + " read as " + wps[p.woonplaats].name;
      p.score = 0.95;
    }
    return p;
  }
  // One typo in a name of five letters or more, when it points to one woonplaats only.
  if (key.size() < 5) return std::nullopt;
  std::set<std::uint32_t> hits;
  std::size_t best = 2;
  for (const auto& [k, place] : m_places) {
    const std::size_t d = edit_distance(key, k, 1);
    if (d > 1) continue;
    if (d < best) {
      best = d;
      hits.clear();
    }
    if (d == best) hits.insert(place.woonplaats);
  }
  if (hits.size() != 1) return std::nullopt;
  Place p{*hits.begin(), {}, typo_score(best, key.size())};
  p.warning = "place name " + in_quotes(name) + " read as " + wps[p.woonplaats].name;
  return p;
}

void Geocoder::fill_area(GeocodeResult& r, XY rd) const {
  r.rd = rd;
  const XY ll = m_transformers->get(28992, 4326).forward(rd);
  if (std::isfinite(ll.x) && std::isfinite(ll.y)) r.wgs84 = ll;
  std::optional<AreaRef> area;
  if (m_locate) area = m_locate(rd.x, rd.y);
  set_area(r, area && !area->buurtcode.empty() ? &*area : nullptr);
}

GeocodeResult Geocoder::place_point(XY rd, GeocodeStatus status, double score,
                                    std::string warning) const {
  GeocodeResult r;
  r.status = status;
  r.score = score;
  r.warning = std::move(warning);
  fill_area(r, rd);
  return r;
}

GeocodeResult Geocoder::finish(const Match& m) const {
  const AddressRegister& reg = *m_addresses;
  if (m.candidates.empty()) return unplaced("not in the address register", {});
  // The areas decide: candidates in one buurt place the record, in several they do not.
  const AreaRef* first = area_of_address(m.candidates.front());
  bool one_buurt = true;
  for (auto a : m.candidates) {
    const AreaRef* area = area_of_address(a);
    if (area != first) one_buurt = false;
  }
  if (!one_buurt) {
    GeocodeResult r = unplaced("ambiguous", {});
    r.detail = std::to_string(m.candidates.size()) + " addresses match in different buurten: ";
    for (std::size_t i = 0; i < m.candidates.size() && i < 6; ++i) {
      if (i) r.detail += " | ";
      const AreaRef* area = area_of_address(m.candidates[i]);
      r.detail += reg.label(m.candidates[i]) + " (" +
                  (area ? area->buurtcode : std::string("outside")) + ")";
    }
    if (m.candidates.size() > 6) r.detail += " | ...";
    r.warning = m.warning;
    return r;
  }
  const std::uint32_t pick = m.candidates.front();
  const Address& a = reg.addresses()[pick];
  GeocodeResult r;
  r.status = m.status;
  r.score = m.score;
  r.warning = m.warning;
  r.address = reg.label(pick);
  r.identificatie = a.identificatie;
  fill_address_area(r, pick);
  if (m.candidates.size() > 1 && r.placed())
    add_warning(r.warning, std::to_string(m.candidates.size()) +
                               " addresses of the register match, all in buurt " + r.buurtcode);
  return r;
}

namespace {

/// The addresses among `cands` that fit the house number, with a warning when the letter or
/// addition had to be dropped. Empty when the letter or addition does not exist.
struct HouseSelection {
  std::vector<std::uint32_t> addresses;
  std::string warning;
  double score = 1;
};

HouseSelection select_house(const AddressRegister& reg, const std::vector<std::uint32_t>& cands,
                            const HouseNumber& hn) {
  const auto filter = [&](const std::string& letter, const std::string& addition) {
    std::vector<std::uint32_t> out;
    for (auto i : cands) {
      const Address& a = reg.addresses()[i];
      if (a.huisletter == letter && a.toevoeging == addition) out.push_back(i);
    }
    return out;
  };
  HouseSelection s;
  s.addresses = filter(hn.letter, hn.addition);
  if (!s.addresses.empty()) return s;
  // The same thing written the other way: "12 I" for 12-I, "12-a" for 12A.
  if (!hn.letter.empty() && hn.addition.empty()) s.addresses = filter("", hn.letter);
  if (hn.letter.empty() && hn.addition.size() == 1 && hn.addition[0] >= 'A' &&
      hn.addition[0] <= 'Z')
    s.addresses = filter(hn.addition, "");
  if (!s.addresses.empty()) return s;
  const bool has_extra = !hn.letter.empty() || !hn.addition.empty();
  if (has_extra) {
    s.addresses = filter("", "");
    if (!s.addresses.empty()) {
      s.warning = "house number " + hn.to_string() + " is not in the register; placed at " +
                  std::to_string(hn.number);
      s.score = 0.9;
    }
    return s;
  }
  // "12" when the register has only 12A, 12B: the area decides whether that is good enough.
  s.addresses = cands;
  if (!cands.empty()) {
    s.warning = "no plain number " + std::to_string(hn.number) + " in the register; matched " +
                AddressRegister::house_number_text(reg.addresses()[cands.front()]);
    if (cands.size() > 1) s.warning += " and others";
    s.score = 0.9;
  }
  return s;
}

std::string numbers_of(const AddressRegister& reg, const std::vector<std::uint32_t>& cands) {
  std::string s;
  for (std::size_t i = 0; i < cands.size() && i < 5; ++i) {
    if (i) s += ", ";
    s += AddressRegister::house_number_text(reg.addresses()[cands[i]]);
  }
  if (cands.size() > 5) s += ", ...";
  return s;
}

}  // namespace

GeocodeResult Geocoder::street_without_number(std::uint32_t street, GeocodeStatus status,
                                              double score, std::string warning) const {
  const AddressRegister& reg = *m_addresses;
  const Street& s = reg.streets()[street];
  const std::string name = s.name + ", " + reg.woonplaatsen()[s.woonplaats].name;
  if (!m_options.place_street_without_number || s.addresses.empty()) {
    GeocodeResult r = unplaced("no house number", name + ": give a house number");
    r.warning = std::move(warning);
    return r;
  }
  const AreaRef* first = area_of_address(s.addresses.front());
  bool one_buurt = first != nullptr;
  double sx = 0, sy = 0;
  for (auto i : s.addresses) {
    const XY p = reg.addresses()[i].rd;
    sx += p.x;
    sy += p.y;
    if (area_of_address(i) != first) {
      one_buurt = false;
      break;
    }
  }
  if (!one_buurt) {
    GeocodeResult r = unplaced("no house number", name + " lies in more than one buurt");
    r.warning = std::move(warning);
    return r;
  }
  // The representative point: the address nearest to the centre of the street's addresses.
  const double n = static_cast<double>(s.addresses.size());
  const XY centre{sx / n, sy / n};
  std::uint32_t pick = s.addresses.front();
  double best = std::numeric_limits<double>::infinity();
  for (auto i : s.addresses) {
    const XY p = reg.addresses()[i].rd;
    const double d = std::hypot(p.x - centre.x, p.y - centre.y);
    if (d < best) {
      best = d;
      pick = i;
    }
  }
  GeocodeResult r = place_point(reg.addresses()[pick].rd, status, score * 0.8, std::move(warning));
  r.address = name;
  add_warning(r.warning, "no house number: all " + std::to_string(s.addresses.size()) +
                             " addresses of " + s.name + " lie in buurt " + r.buurtcode +
                             "; placed at " + reg.label(pick));
  return r;
}

std::optional<GeocodeResult> Geocoder::by_postcode(const Query& q) const {
  const AddressRegister& reg = *m_addresses;
  if (!q.postcode) return std::nullopt;
  const std::string& pc = *q.postcode;
  const int pc4 = std::stoi(pc.substr(0, 4));
  if (!q.house) {
    if (!q.straat.empty()) return std::nullopt;  // the street path decides
    if (!q.huisnummer.empty())
      return unplaced("invalid input",
                      "huisnummer " + in_quotes(q.huisnummer) + " is not a house number");
    const auto all = reg.at_postcode(pc);
    if (all.empty()) {
      if (!reg.has_postcode_area(pc4))
        return outside_gemeente("postcode " + pc + " is not in the gemeente");
      return unplaced("not in the address register",
                      "postcode " + pc + " is not in the address register");
    }
    return unplaced("no house number", "postcode " + pc + " without a house number");
  }
  const HouseNumber& hn = *q.house;
  const auto span = reg.at_postcode(pc, hn.number);
  std::vector<std::uint32_t> cands(span.begin(), span.end());
  if (cands.empty()) {
    if (!reg.has_postcode_area(pc4))
      return outside_gemeente("postcode " + pc + " is not in the gemeente");
    return unplaced("not in the address register",
                    pc + " " + hn.to_string() + " is not in the address register");
  }
  HouseSelection sel = select_house(reg, cands, hn);
  if (sel.addresses.empty())
    return unplaced("not in the address register", pc + " " + hn.to_string() +
                                                       " is not in the address register (it has " +
                                                       numbers_of(reg, cands) + ")");
  Match m;
  m.candidates = std::move(sel.addresses);
  m.score = sel.score;
  m.warning = sel.warning;
  // The street and place, when given, choose between candidates (and are checked).
  if (!q.straat.empty()) {
    const TypedStreet typed{street_key(q.straat), normalize_words(q.straat)};
    std::vector<std::uint32_t> same, close;
    const std::size_t max = max_typo_distance(typed.key.size());
    for (auto i : m.candidates) {
      const Street& street = reg.street_of(reg.addresses()[i]);
      if (street.key == typed.key)
        same.push_back(i);
      else if (street_distance(typed, street, max) <= max)
        close.push_back(i);
    }
    if (!same.empty()) {
      m.candidates = std::move(same);
    } else if (!close.empty()) {
      m.candidates = std::move(close);
    } else {
      add_warning(m.warning, "street " + in_quotes(q.straat) + " differs from the register (" +
                                 reg.street_of(reg.addresses()[m.candidates.front()]).name + ")");
      m.score *= 0.9;
    }
  }
  if (q.place) {
    std::vector<std::uint32_t> in_place;
    for (auto i : m.candidates)
      if (reg.street_of(reg.addresses()[i]).woonplaats == q.place->woonplaats)
        in_place.push_back(i);
    if (!in_place.empty()) {
      m.candidates = std::move(in_place);
      add_warning(m.warning, q.place->warning);
    } else {
      add_warning(m.warning, "place " + in_quotes(q.plaats) + " differs from the register (" +
                                 reg.woonplaats_of(reg.addresses()[m.candidates.front()]).name +
                                 ")");
    }
  } else if (!q.plaats.empty()) {
    add_warning(m.warning, "unknown place " + in_quotes(q.plaats) + " ignored");
  }
  return finish(m);
}

std::optional<GeocodeResult> Geocoder::by_street(const Query& q) const {
  const AddressRegister& reg = *m_addresses;
  if (q.straat.empty()) return std::nullopt;
  const std::string key = street_key(q.straat);
  if (key.empty())
    return unplaced("unknown street", "street " + in_quotes(q.straat) + " has no letters");

  // Where to look: the place given, else the woonplaatsen of the postcode, else everywhere.
  std::vector<std::uint32_t> wps;
  std::string warning;
  double score = 1;
  if (!q.plaats.empty()) {
    if (q.place) {
      wps.push_back(q.place->woonplaats);
      warning = q.place->warning;
      score = q.place->score;
    } else {
      std::set<std::uint32_t> from_pc;
      if (q.postcode)
        for (auto i : reg.at_postcode(*q.postcode))
          from_pc.insert(reg.street_of(reg.addresses()[i]).woonplaats);
      if (from_pc.empty()) {
        if (q.postcode && !reg.has_postcode_area(std::stoi(q.postcode->substr(0, 4))))
          return outside_gemeente(in_quotes(q.plaats) + " (postcode " + *q.postcode +
                                  ") is not in the gemeente");
        // Free text without a comma: "Kerkstraat 12 Grou" is read right, but "Kerkstraat Grou"
        // needs the place split off the street.
        return unplaced("unknown place",
                        in_quotes(q.plaats) + " is not a woonplaats of the gemeente");
      }
      wps.assign(from_pc.begin(), from_pc.end());
      warning = "unknown place " + in_quotes(q.plaats) + ": used the woonplaats of postcode " +
                *q.postcode;
      score = 0.9;
    }
  } else if (q.postcode && !reg.at_postcode(*q.postcode).empty()) {
    std::set<std::uint32_t> from_pc;
    for (auto i : reg.at_postcode(*q.postcode))
      from_pc.insert(reg.street_of(reg.addresses()[i]).woonplaats);
    wps.assign(from_pc.begin(), from_pc.end());
  } else {
    for (std::uint32_t i = 0; i < reg.woonplaatsen().size(); ++i) wps.push_back(i);
  }

  std::vector<std::uint32_t> streets;
  for (auto wp : wps)
    if (auto s = reg.street_in(wp, key)) streets.push_back(*s);
  GeocodeStatus status = GeocodeStatus::Address;

  if (streets.empty() && wps.size() == 1) {
    // A typo: the nearest street key of this woonplaats, if it is near enough and alone.
    const std::size_t max = max_typo_distance(key.size());
    std::size_t best = max + 1;
    std::vector<std::uint32_t> hits;
    const TypedStreet typed{key, normalize_words(q.straat)};
    for (auto s : reg.woonplaatsen()[wps[0]].streets) {
      const std::size_t d = street_distance(typed, reg.streets()[s], max);
      if (d > max) continue;
      if (d < best) {
        best = d;
        hits.clear();
      }
      if (d == best) hits.push_back(s);
    }
    if (hits.size() > 1) {
      std::string names;
      for (std::size_t i = 0; i < hits.size() && i < 5; ++i)
        names += (i ? " or " : "") + reg.streets()[hits[i]].name;
      GeocodeResult r = unplaced("ambiguous", in_quotes(q.straat) + " could be " + names + " in " +
                                                  reg.woonplaatsen()[wps[0]].name);
      r.warning = warning;
      return r;
    }
    if (hits.size() == 1) {
      streets = hits;
      status = GeocodeStatus::Fuzzy;
      score *= typo_score(best, key.size());
      add_warning(warning, "typo corrected: " + in_quotes(q.straat) + " read as " +
                               reg.streets()[hits[0]].name);
    }
  }

  if (streets.empty()) {
    std::string detail = in_quotes(q.straat) + " is not a street of ";
    if (wps.size() == 1) {
      detail += reg.woonplaatsen()[wps[0]].name;
    } else {
      detail += "the address register";
    }
    std::set<std::string> elsewhere;
    for (auto s : reg.streets_by_key(key))
      elsewhere.insert(reg.woonplaatsen()[reg.streets()[s].woonplaats].name);
    if (!elsewhere.empty() && wps.size() == 1) {
      detail += " (a street of that name exists in ";
      std::size_t i = 0;
      for (const auto& e : elsewhere) detail += (i++ ? ", " : "") + e;
      detail += ")";
    }
    GeocodeResult r = unplaced("unknown street", detail);
    r.warning = warning;
    return r;
  }

  if (streets.size() > 1) add_warning(warning, "no place given");
  if (!q.house) {
    if (!q.huisnummer.empty()) {
      GeocodeResult r = unplaced(
          "invalid input", "huisnummer " + in_quotes(q.huisnummer) + " is not a house number");
      r.warning = warning;
      return r;
    }
    if (streets.size() > 1) {
      std::string names;
      for (std::size_t i = 0; i < streets.size() && i < 5; ++i)
        names += (i ? ", " : "") + reg.woonplaatsen()[reg.streets()[streets[i]].woonplaats].name;
      GeocodeResult r =
          unplaced("ambiguous", reg.streets()[streets[0]].name + " exists in " + names +
                                    ", and no place or house number was given");
      return r;
    }
    return street_without_number(streets[0], status, score, warning);
  }

  const HouseNumber& hn = *q.house;
  std::vector<std::uint32_t> cands;
  for (auto s : streets)
    for (auto i : reg.streets()[s].addresses)
      if (reg.addresses()[i].huisnummer == hn.number) cands.push_back(i);
  const std::string street_name = reg.streets()[streets[0]].name;
  const std::string where =
      wps.size() == 1 ? " in " + reg.woonplaatsen()[wps[0]].name : std::string();
  if (cands.empty()) {
    GeocodeResult r = unplaced("not in the address register",
                               street_name + " has no number " + std::to_string(hn.number) + where);
    r.warning = warning;
    return r;
  }
  HouseSelection sel = select_house(reg, cands, hn);
  if (sel.addresses.empty()) {
    GeocodeResult r =
        unplaced("not in the address register", street_name + " " + hn.to_string() +
                                                    " is not in the register (it has " +
                                                    numbers_of(reg, cands) + ")");
    r.warning = warning;
    return r;
  }
  Match m;
  m.candidates = std::move(sel.addresses);
  m.status = status;
  m.score = score * sel.score;
  m.warning = warning;
  add_warning(m.warning, sel.warning);
  if (q.postcode) {
    std::vector<std::uint32_t> same_pc;
    for (auto i : m.candidates)
      if (reg.addresses()[i].postcode == *q.postcode) same_pc.push_back(i);
    if (!same_pc.empty()) {
      m.candidates = std::move(same_pc);
    } else {
      add_warning(m.warning, "postcode " + *q.postcode + " differs from the register (" +
                                 reg.addresses()[m.candidates.front()].postcode + ")");
    }
  }
  return finish(m);
}

GeocodeResult Geocoder::by_coordinates(const Query& q) const {
  const auto number = [](const std::string& name,
                         const std::string& text) -> std::variant<double, GeocodeResult> {
    const auto v = parse_decimal(text);
    if (!v)
      return unplaced("invalid coordinates", name + " " + in_quotes(text) + " is not a number");
    return *v;
  };
  const auto wgs84_to_rd = [this](double lon, double lat, std::string warning, double score) {
    const XY rd = m_transformers->get(4326, 28992).forward(XY{lon, lat});
    if (!std::isfinite(rd.x) || !std::isfinite(rd.y))
      return unplaced("invalid coordinates",
                      "cannot transform " + format_number(lat) + ", " + format_number(lon));
    GeocodeResult r = place_point(rd, GeocodeStatus::Coordinates, score, std::move(warning));
    return r;
  };

  if (q.first && q.second) {
    const double a = *q.first, b = *q.second;
    if (in_rd(a, b)) return place_point(XY{a, b}, GeocodeStatus::Coordinates, 1.0, {});
    if (in_rd(b, a))
      return place_point(XY{b, a}, GeocodeStatus::Coordinates, 0.9, "x and y were swapped");
    if (in_nl_lonlat(b, a)) return wgs84_to_rd(b, a, {}, 1.0);
    if (in_nl_lonlat(a, b)) return wgs84_to_rd(a, b, "read as longitude, latitude", 0.95);
    if (std::fabs(a) <= 90 && std::fabs(b) <= 180) return wgs84_to_rd(b, a, {}, 1.0);
    return unplaced("invalid coordinates", format_number(a) + ", " + format_number(b) +
                                               " are neither WGS84 nor RD coordinates");
  }

  if (!q.x.empty() || !q.y.empty()) {
    if (q.x.empty() || q.y.empty())
      return unplaced("invalid coordinates",
                      q.x.empty() ? "y given without x" : "x given without y");
    const auto vx = number("x", q.x);
    if (auto* r = std::get_if<GeocodeResult>(&vx)) return *r;
    const auto vy = number("y", q.y);
    if (auto* r = std::get_if<GeocodeResult>(&vy)) return *r;
    const double x = std::get<double>(vx), y = std::get<double>(vy);
    if (in_rd(x, y)) return place_point(XY{x, y}, GeocodeStatus::Coordinates, 1.0, {});
    if (in_rd(y, x))
      return place_point(XY{y, x}, GeocodeStatus::Coordinates, 0.9, "x and y were swapped");
    if (in_nl_lonlat(x, y))
      return wgs84_to_rd(x, y, "x, y look like longitude, latitude: read as WGS84", 0.9);
    if (in_nl_lonlat(y, x))
      return wgs84_to_rd(y, x, "x, y look like latitude, longitude: read as WGS84", 0.85);
    return unplaced("invalid coordinates",
                    "x " + q.x + ", y " + q.y + " are not RD coordinates (EPSG:28992)");
  }

  if (q.lat.empty() || q.lon.empty())
    return unplaced("invalid coordinates",
                    q.lat.empty() ? "lon given without lat" : "lat given without lon");
  const auto vlat = number("lat", q.lat);
  if (auto* r = std::get_if<GeocodeResult>(&vlat)) return *r;
  const auto vlon = number("lon", q.lon);
  if (auto* r = std::get_if<GeocodeResult>(&vlon)) return *r;
  const double lat = std::get<double>(vlat), lon = std::get<double>(vlon);
  if (lat < -90 || lat > 90)
    return unplaced("invalid coordinates", "lat " + q.lat + " is out of range (-90..90)");
  if (lon < -180 || lon > 180)
    return unplaced("invalid coordinates", "lon " + q.lon + " is out of range (-180..180)");
  if (!in_nl_lonlat(lon, lat) && in_nl_lonlat(lat, lon))
    return wgs84_to_rd(lat, lon, "lat and lon were swapped", 0.9);
  return wgs84_to_rd(lon, lat, {}, 1.0);
}

GeocodeResult Geocoder::geocode_query(const Query& q) const {
  const bool has_address = !q.straat.empty() || !q.postcode_text.empty();
  const bool has_coordinates =
      !q.lat.empty() || !q.lon.empty() || !q.x.empty() || !q.y.empty() || q.first;

  std::optional<GeocodeResult> address;
  if (has_address) {
    if (!q.postcode_text.empty() && !q.postcode && q.straat.empty())
      address = unplaced("invalid input",
                         "postcode " + in_quotes(q.postcode_text) + " is not a Dutch postcode");
    if (!address) address = by_postcode(q);
    if (!address || (!address->placed() && address->reason != "ambiguous")) {
      // The street decides, unless the postcode lies outside the gemeente and the place is
      // not one of its woonplaatsen either ("Marktstraat 12, 8601AB Sneek").
      std::optional<GeocodeResult> street = by_street(q);
      const bool outside = address && address->status == GeocodeStatus::Outside;
      if (street && (!outside || street->placed() || street->reason != "unknown place"))
        address = std::move(street);
    }
    if (address && address->placed()) return std::move(*address);
  }
  if (has_coordinates) {
    GeocodeResult c = by_coordinates(q);
    if (address && c.reason == "invalid coordinates") return *address;
    if (address && c.placed()) {
      std::string w = "address not placed (" + address->reason + "); placed by the coordinates";
      add_warning(w, c.warning);
      c.warning = std::move(w);
    }
    return c;
  }
  if (address) return std::move(*address);
  if (!q.plaats.empty() || !q.huisnummer.empty())
    return unplaced("no address", "no street, postcode or coordinates given");
  return unplaced("no address", "the record has no location");
}

std::optional<Geocoder::AddressHit> Geocoder::lookup_postcode(std::string_view postcode,
                                                              std::string_view huisnummer,
                                                              std::string_view huisletter,
                                                              std::string_view toevoeging) const {
  const auto pc = parse_postcode(postcode);
  if (!pc) return std::nullopt;
  auto hn = parse_house_number(huisnummer);
  if (!hn) return std::nullopt;
  const std::string_view letter = util::trim(huisletter), addition = util::trim(toevoeging);
  if (!letter.empty() || !addition.empty()) {
    if (!hn->letter.empty() || !hn->addition.empty()) return std::nullopt;  // given twice
    // As geocode() joins them: "12" + "a" + "-" + "2", then parsed.
    std::string joined = std::string(util::trim(huisnummer));
    joined += letter;
    if (!addition.empty()) (joined += '-') += addition;
    hn = parse_house_number(joined);
    if (!hn) return std::nullopt;
  }
  const AddressRegister& reg = *m_addresses;
  std::optional<AddressHit> hit;
  for (const std::uint32_t i : reg.at_postcode(*pc, hn->number)) {
    const Address& a = reg.addresses()[i];
    if (a.huisletter != hn->letter || a.toevoeging != hn->addition) continue;
    if (hit) return std::nullopt;  // more than one
    hit = AddressHit{i, area_of_address(i)};
  }
  return hit;
}

GeocodeResult Geocoder::geocode(const GeocodeRequest& request) const {
  // The commonest record first: postcode + number naming one address, nothing else given.
  if (request.postcode && request.huisnummer && !request.q && !request.straat && !request.plaats &&
      !request.lat && !request.lon && !request.x && !request.y &&
      request.postcode->size() <= m_options.max_value_length &&
      request.huisnummer->size() <= m_options.max_value_length) {
    const auto hit =
        lookup_postcode(*request.postcode, *request.huisnummer, request.huisletter.value_or(""),
                        request.toevoeging.value_or(""));
    if (hit) {
      GeocodeResult r;
      r.status = GeocodeStatus::Address;
      r.score = 1;
      r.address = m_addresses->label(hit->address);
      r.identificatie = m_addresses->addresses()[hit->address].identificatie;
      fill_address_area(r, hit->address);
      return r;
    }
  }

  const std::pair<const char*, const std::optional<std::string>*> fields[] = {
      {"q", &request.q},
      {"straat", &request.straat},
      {"huisnummer", &request.huisnummer},
      {"huisletter", &request.huisletter},
      {"toevoeging", &request.toevoeging},
      {"postcode", &request.postcode},
      {"plaats", &request.plaats},
      {"lat", &request.lat},
      {"lon", &request.lon},
      {"x", &request.x},
      {"y", &request.y},
  };
  for (const auto& [name, value] : fields) {
    if (*value && (*value)->size() > m_options.max_value_length)
      return unplaced("invalid input", std::string(name) + " is longer than " +
                                           std::to_string(m_options.max_value_length) +
                                           " characters");
  }

  Query q;
  q.straat = trim_copy(request.straat);
  q.huisnummer = trim_copy(request.huisnummer);
  const std::string letter = trim_copy(request.huisletter),
                    addition = trim_copy(request.toevoeging);
  if (!q.huisnummer.empty() && !letter.empty()) q.huisnummer += letter;
  if (!q.huisnummer.empty() && !addition.empty()) q.huisnummer += "-" + addition;
  q.postcode_text = trim_copy(request.postcode);
  q.plaats = trim_copy(request.plaats);
  q.lat = trim_copy(request.lat);
  q.lon = trim_copy(request.lon);
  q.x = trim_copy(request.x);
  q.y = trim_copy(request.y);

  // Free text fills what the fields leave empty.
  const std::string text = trim_copy(request.q);
  if (!text.empty()) {
    const FreeTextAddress f = parse_free_text(text);
    q.free_text = true;
    if (f.first && f.second && q.lat.empty() && q.lon.empty() && q.x.empty() && q.y.empty()) {
      q.first = f.first;
      q.second = f.second;
    }
    if (q.straat.empty()) q.straat = f.street;
    if (q.huisnummer.empty()) q.huisnummer = f.house_number;
    if (q.postcode_text.empty()) q.postcode_text = f.postcode;
    if (q.plaats.empty()) q.plaats = f.place;
  }
  // A number typed into the street column: "Kerkstraat 12a".
  if (q.huisnummer.empty() && !q.straat.empty() &&
      std::any_of(q.straat.begin(), q.straat.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const FreeTextAddress f = parse_free_text(q.straat);
    if (!f.street.empty() && !f.house_number.empty() && f.place.empty() && f.postcode.empty()) {
      q.straat = f.street;
      q.huisnummer = f.house_number;
    }
  }
  if (!q.huisnummer.empty()) q.house = parse_house_number(q.huisnummer);
  if (!q.postcode_text.empty()) {
    q.postcode = parse_postcode(q.postcode_text);
    if (!q.postcode) {
      // "8911 AB Leeuwarden" in the postcode column.
      const FreeTextAddress f = parse_free_text(q.postcode_text);
      if (!f.postcode.empty()) {
        q.postcode = f.postcode;
        if (q.plaats.empty() && f.house_number.empty()) q.plaats = f.street;
      }
    }
  }
  if (!q.plaats.empty()) q.place = resolve_place(q.plaats);
  // Free text that is only a place name ("Grou"): nothing to place it by.
  if (q.free_text && !request.straat && q.huisnummer.empty() && q.postcode_text.empty() &&
      q.plaats.empty() && !q.first && !q.straat.empty()) {
    if (const auto p = resolve_place(q.straat))
      return unplaced("no address", "only a place name was given: " +
                                        m_addresses->woonplaatsen()[p->woonplaats].name);
  }

  GeocodeResult r = geocode_query(q);
  // Free text without commas: "Kerkstraat Grou" or "Kerkstraat 12 Grou" read the place as
  // part of the street; try the last words as the place.
  if (!r.placed() && q.free_text && request.straat == std::nullopt && !q.straat.empty() &&
      (r.reason == "unknown street" || r.reason == "unknown place")) {
    std::vector<std::string> words;
    std::string all = q.straat + (q.plaats.empty() ? "" : " " + q.plaats);
    std::size_t start = 0;
    while (start < all.size()) {
      const std::size_t sp = all.find(' ', start);
      const std::size_t end = sp == std::string::npos ? all.size() : sp;
      if (end > start) words.push_back(all.substr(start, end - start));
      start = end + 1;
    }
    for (std::size_t k = 1; k <= 3 && k < words.size(); ++k) {
      std::string place, street;
      for (std::size_t i = 0; i < words.size(); ++i) {
        std::string& target = i + k >= words.size() ? place : street;
        if (!target.empty()) target += ' ';
        target += words[i];
      }
      const auto resolved = resolve_place(place);
      if (!resolved) continue;
      Query q2 = q;
      q2.straat = street;
      q2.plaats = place;
      q2.place = resolved;
      GeocodeResult r2 = geocode_query(q2);
      if (r2.placed() || r2.reason != "unknown street") return r2;
    }
  }
  return r;
}

GeocodeResult Geocoder::reverse_rd(double x, double y) const {
  if (!std::isfinite(x) || !std::isfinite(y))
    return unplaced("invalid coordinates", "x and y must be finite");
  // x and y the wrong way round (as /geocode detects them).
  std::string warning;
  double score = 1;
  if (!in_rd(x, y) && in_rd(y, x)) {
    std::swap(x, y);
    warning = "x and y were swapped";
    score = 0.9;
  }
  GeocodeResult r = reverse_point(XY{x, y});
  add_warning(r.warning, warning);
  r.score *= score;
  return r;
}

GeocodeResult Geocoder::reverse_point(XY rd) const {
  const auto hit = m_addresses->nearest(rd, m_options.reverse_max_distance_m);
  if (!hit) {
    // Far from any address: outside the gemeente, or in its fields and water.
    std::optional<AreaRef> area;
    if (m_locate) area = m_locate(rd.x, rd.y);
    if (!area || area->buurtcode.empty())
      return outside_gemeente("the point lies in no buurt of the gemeente");
    return unplaced("no address",
                    "no address within " + format_number(m_options.reverse_max_distance_m) + " m");
  }
  Match m;
  m.candidates = {hit->address};
  GeocodeResult r = finish(m);
  r.distance_m = hit->distance;
  return r;
}

GeocodeResult Geocoder::reverse_wgs84(double lon, double lat) const {
  if (!std::isfinite(lon) || !std::isfinite(lat) || lat < -90 || lat > 90 || lon < -180 ||
      lon > 180)
    return unplaced("invalid coordinates", "lat must be within -90..90 and lon within -180..180");
  std::string warning;
  double score = 1;
  if (!in_nl_lonlat(lon, lat) && in_nl_lonlat(lat, lon)) {
    std::swap(lon, lat);
    warning = "lat and lon were swapped";
    score = 0.9;
  }
  const XY rd = m_transformers->get(4326, 28992).forward(XY{lon, lat});
  if (!std::isfinite(rd.x) || !std::isfinite(rd.y))
    return unplaced("invalid coordinates", "cannot transform the point to RD");
  GeocodeResult r = reverse_point(rd);
  add_warning(r.warning, warning);
  r.score *= score;
  return r;
}

}  // namespace gebieden::geo
