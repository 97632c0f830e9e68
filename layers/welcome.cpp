#include "layers/welcome.hpp"

#include <algorithm>
#include <cmath>

#include "layers/geojson.hpp"

namespace gebieden::layers {

namespace {

using json = nlohmann::ordered_json;

/// A public text field of a feature ("" when the collection lacks it or it is private).
std::string text_of(const Collection& c, const Feature& f, const std::string& field) {
  const int i = c.field_index(field);
  if (i < 0 || c.fields[static_cast<std::size_t>(i)].is_private) return {};
  const Value& v = f.values[static_cast<std::size_t>(i)];
  if (std::holds_alternative<std::monostate>(v)) return {};
  return to_string(v);
}

std::string trimmed(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

/// "Straat 12, 9001AB Grou" from the record's public address fields, as far as it has them.
std::string address_of(const Collection& c, const Feature& f) {
  const std::string straat = trimmed(text_of(c, f, "straat"));
  const std::string nummer = trimmed(text_of(c, f, "huisnummer"));
  const std::string postcode = trimmed(text_of(c, f, "postcode"));
  const std::string plaats = trimmed(text_of(c, f, "plaats"));
  std::string first = straat;
  if (!straat.empty() && !nummer.empty()) first += " " + nummer;
  std::string second = postcode;
  if (!plaats.empty()) second += (second.empty() ? "" : " ") + plaats;
  if (first.empty()) return second;
  if (second.empty()) return first;
  return first + ", " + second;
}

WelcomePlace place_of(const NearbyHit& h) {
  const Collection& c = *h.collection;
  const Feature& f = *h.feature;
  WelcomePlace p;
  p.collection = c.id;
  p.id = f.id;
  p.naam = text_of(c, f, "naam");
  if (p.naam.empty()) p.naam = text_of(c, f, c.display_field);
  if (p.naam.empty()) p.naam = f.id;
  p.soort = text_of(c, f, "soort");
  p.categorie = text_of(c, f, "categorie");
  p.adres = address_of(c, f);
  p.website = text_of(c, f, "website");
  if (c.start_field >= 0) p.start = text_of(c, f, c.fields[c.start_field].name);
  if (c.end_field >= 0) p.eind = text_of(c, f, c.fields[c.end_field].name);
  p.distance_m = h.distance_m;
  if (auto a = anchor_rd(f)) p.rd = *a;
  if (!f.wgs84.empty() && f.wgs84.type == geo::GeometryType::Point)
    p.wgs84 = f.wgs84.parts[0][0][0];
  else if (f.bbox.valid)
    p.wgs84 = {(f.bbox.minx + f.bbox.maxx) / 2, (f.bbox.miny + f.bbox.maxy) / 2};
  return p;
}

CollectionPtr find_collection(const std::vector<CollectionPtr>& all, const std::string& id) {
  for (const auto& c : all)
    if (c && c->id == id) return c;
  return nullptr;
}

WelcomeList nearby_list(const WelcomeSources& s, const CollectionPtr& c, geo::XY centre,
                        const WelcomeOptions& o, bool timed) {
  WelcomeList list;
  if (!c) return list;
  NearbyQuery q;
  q.centre_rd = centre;
  q.radius_m = o.radius_m;
  q.limit = std::max<std::size_t>(c->features.size(), 1);
  if (timed && o.now_ms) q.time = TimeInterval{*o.now_ms, std::nullopt};
  const auto hits = s.nearby.query({c}, q);
  list.total = hits.size();
  for (std::size_t i = 0; i < hits.size() && i < o.list_limit; ++i)
    list.places.push_back(place_of(hits[i]));
  return list;
}

/// "Kerkstraat 12A, 9001AB Grou" -> postcode 9001AB, huisnummer 12A.
void split_register_address(const std::string& a, std::string& postcode, std::string& nummer) {
  const auto comma = a.find(", ");
  if (comma == std::string::npos) return;
  const auto space = a.rfind(' ', comma);
  if (space != std::string::npos) nummer = a.substr(space + 1, comma - space - 1);
  const std::string rest = a.substr(comma + 2);
  if (rest.size() >= 6 && std::isdigit(static_cast<unsigned char>(rest[0])) &&
      std::isdigit(static_cast<unsigned char>(rest[3])) &&
      std::isalpha(static_cast<unsigned char>(rest[4])) &&
      std::isalpha(static_cast<unsigned char>(rest[5])))
    postcode = rest.substr(0, 6);
}

bool boxes_touch(const geo::Box& a, const geo::Box& b) {
  return a.valid && b.valid && a.minx <= b.maxx && b.minx <= a.maxx && a.miny <= b.maxy &&
         b.miny <= a.maxy;
}

/// `v` to 7 decimals (about 1 cm in degrees).
double round7(double v) {
  return std::round(v * 1e7) / 1e7;
}

json str_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

json place_json(const WelcomePlace& p) {
  json j;
  j["collection"] = p.collection;
  j["id"] = p.id;
  j["naam"] = p.naam;
  j["soort"] = str_or_null(p.soort);
  j["categorie"] = str_or_null(p.categorie);
  j["adres"] = str_or_null(p.adres);
  j["website"] = str_or_null(p.website);
  if (!p.start.empty() || !p.eind.empty()) {
    j["start"] = str_or_null(p.start);
    j["eind"] = str_or_null(p.eind);
  }
  j["afstand_m"] = std::round(p.distance_m);
  j["lon"] = round7(p.wgs84.x);
  j["lat"] = round7(p.wgs84.y);
  return j;
}

json list_json(const WelcomeList& l) {
  json items = json::array();
  for (const auto& p : l.places) items.push_back(place_json(p));
  return json{{"total", l.total}, {"items", std::move(items)}};
}

}  // namespace

WelcomeResult build_welcome(const WelcomeSources& s, const std::string& address,
                            const WelcomeOptions& o) {
  geo::GeocodeRequest request;
  request.q = address;
  return build_welcome(s, request, address, o);
}

WelcomeResult build_welcome(const WelcomeSources& s, const geo::GeocodeRequest& request,
                            const std::string& address, const WelcomeOptions& o) {
  const geo::GeocodeResult r = s.geocoder.geocode(request);
  if (!r.rd || !r.placed() || r.status == geo::GeocodeStatus::Unmatched ||
      r.status == geo::GeocodeStatus::Outside) {
    WelcomeFailure f;
    f.query = address;
    f.reason = r.reason.empty() ? (r.status == geo::GeocodeStatus::Outside ? "outside the gemeente"
                                                                           : "not in the address "
                                                                             "register")
                                : r.reason;
    f.detail = r.detail;
    return f;
  }
  WelcomePack p;
  p.query = address;
  p.address = r.address;
  split_register_address(r.address, p.postcode, p.huisnummer);
  p.status = std::string(geo::status_name(r.status));
  p.warning = r.warning;
  p.rd = *r.rd;
  if (r.wgs84) p.wgs84 = *r.wgs84;
  p.buurtcode = r.buurtcode;
  p.buurtnaam = r.buurtnaam;
  p.wijkcode = r.wijkcode;
  p.wijknaam = r.wijknaam;
  p.gebied = r.gebied;
  p.gebiednaam = r.gebiednaam;
  p.gemeentecode = s.model.gemeente().code;
  p.gemeentenaam = s.model.gemeente().name;
  if (const geo::Gebied* g = s.model.gebied(r.gebied)) {
    const geo::TeamConfig& t = g->config.team;
    p.team = WelcomeTeam{t.name, t.email, t.phone, t.address, t.website};
  }
  p.radius_m = o.radius_m;

  // The nearest meeting place, whatever its distance: a buurthuis or dorpshuis when there is one.
  if (const CollectionPtr meet = find_collection(s.collections, o.meeting_collection)) {
    NearbyQuery q;
    q.centre_rd = p.rd;
    q.radius_m = NearbyLimits{}.max_radius_m;
    q.limit = 1;
    if (!o.meeting_categorie.empty() && meet->field_index("categorie") >= 0)
      q.equals.emplace_back("categorie", o.meeting_categorie);
    auto hits = s.nearby.query({meet}, q);
    if (hits.empty() && !q.equals.empty()) {
      q.equals.clear();
      hits = s.nearby.query({meet}, q);
    }
    if (!hits.empty()) p.meeting_place = place_of(hits.front());
  }
  p.activities =
      nearby_list(s, find_collection(s.collections, o.activity_collection), p.rd, o, true);
  p.initiatives =
      nearby_list(s, find_collection(s.collections, o.initiative_collection), p.rd, o, false);
  p.volunteer_work =
      nearby_list(s, find_collection(s.collections, o.volunteer_collection), p.rd, o, false);

  // The map: the buurt and the places listed, within map_max_m around the address.
  const geo::Buurt* buurt = s.model.buurt(p.buurtcode);
  geo::Box extent;
  extent.expand(p.rd);
  if (buurt) {
    p.buurt_rd = buurt->rd;
    p.buurt_wgs84 = buurt->wgs84;
    const geo::Box bb = buurt->rd.bbox();
    if (bb.valid && bb.maxx - bb.minx <= o.map_max_m && bb.maxy - bb.miny <= o.map_max_m)
      extent.expand(bb);
  }
  const auto include = [&](const WelcomePlace& pl) {
    if (std::abs(pl.rd.x - p.rd.x) <= o.map_max_m / 2 &&
        std::abs(pl.rd.y - p.rd.y) <= o.map_max_m / 2)
      extent.expand(pl.rd);
  };
  if (p.meeting_place) include(*p.meeting_place);
  for (const auto* l : {&p.activities, &p.initiatives, &p.volunteer_work})
    for (const auto& pl : l->places) include(pl);
  const double cx = (extent.minx + extent.maxx) / 2, cy = (extent.miny + extent.maxy) / 2;
  const double hw = std::max(extent.maxx - extent.minx, o.map_min_m) / 2 * 1.08;
  const double hh = std::max(extent.maxy - extent.miny, o.map_min_m) / 2 * 1.08;
  p.map_extent = geo::Box{cx - hw, cy - hh, cx + hw, cy + hh, true};
  for (const auto& b : s.model.buurten())
    if (b.code != p.buurtcode && boxes_touch(b.rd.bbox(), p.map_extent))
      p.neighbours_rd.push_back(b.rd);
  p.gemeente_rd = s.model.gemeente().rd;
  return p;
}

json welcome_json(const WelcomePack& p) {
  json j;
  j["adres"] = {{"gevraagd", p.query},
                {"gevonden", p.address},
                {"postcode", str_or_null(p.postcode)},
                {"huisnummer", str_or_null(p.huisnummer)},
                {"status", p.status},
                {"warning", str_or_null(p.warning)},
                {"lon", round7(p.wgs84.x)},
                {"lat", round7(p.wgs84.y)}};
  j["buurt"] = {{"code", p.buurtcode}, {"naam", p.buurtnaam}};
  j["wijk"] = {{"code", p.wijkcode}, {"naam", p.wijknaam}};
  j["gebied"] = {{"id", p.gebied}, {"naam", p.gebiednaam}};
  j["gemeente"] = {{"code", p.gemeentecode}, {"naam", p.gemeentenaam}};
  j["team"] = {{"name", str_or_null(p.team.name)},
               {"email", str_or_null(p.team.email)},
               {"phone", str_or_null(p.team.phone)},
               {"address", str_or_null(p.team.address)},
               {"website", str_or_null(p.team.website)}};
  j["dichtstbijzijnde_ontmoetingsplek"] =
      p.meeting_place ? place_json(*p.meeting_place) : json(nullptr);
  j["straal_m"] = p.radius_m;
  j["activiteiten"] = list_json(p.activities);
  j["initiatieven"] = list_json(p.initiatives);
  j["vrijwilligerswerk"] = list_json(p.volunteer_work);
  // The map: the buurt as a GeoJSON geometry (CRS84) and the points drawn on it.
  std::string geometry;
  append_geometry(geometry, p.buurt_wgs84, decimals_for(geo::Crs::CRS84));
  json points = json::array();
  points.push_back({{"soort", "adres"}, {"lon", j["adres"]["lon"]}, {"lat", j["adres"]["lat"]}});
  const auto add_point = [&](const WelcomePlace& pl) {
    points.push_back({{"soort", pl.soort},
                      {"collection", pl.collection},
                      {"id", pl.id},
                      {"lon", round7(pl.wgs84.x)},
                      {"lat", round7(pl.wgs84.y)}});
  };
  if (p.meeting_place) add_point(*p.meeting_place);
  for (const auto* l : {&p.activities, &p.initiatives, &p.volunteer_work})
    for (const auto& pl : l->places) add_point(pl);
  j["kaart"] = {{"buurt", p.buurt_wgs84.empty() ? json(nullptr) : json::parse(geometry)},
                {"punten", std::move(points)}};
  return j;
}

json welcome_json(const WelcomeFailure& f) {
  return json{{"adres", f.query}, {"reason", f.reason}, {"detail", str_or_null(f.detail)}};
}

}  // namespace gebieden::layers
