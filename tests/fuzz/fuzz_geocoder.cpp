// Address strings through the geocoder over the dev address register (loaded once): the input
// is split at '\n' into the members of a GeocodeRequest (q, straat, huisnummer, postcode,
// plaats, lat, lon, x, y, huisletter, toevoeging; a missing line is an absent member), and
// each piece also goes through the normalisation helpers of geo/address_normalize.
// Invariants: geocode() never throws; a placed result has coordinates; parse_postcode and
// parse_house_number give what they promise (a canonical postcode, a number 1..99999 whose
// BAG notation parses back to itself); edit_distance is 0 on equal keys and symmetric.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "geo/address_normalize.hpp"
#include "geo/geocoder.hpp"

namespace {
void check_normalize(std::string_view s) {
  using namespace gebieden;
  (void)geo::fold_ascii(s);
  (void)geo::normalize_words(s);
  const std::string street = geo::street_key(s);
  const std::string place = geo::place_key(s);
  if (geo::edit_distance(street, street) != 0) gebieden::fuzz::finding("edit_distance(a, a) != 0");
  if (geo::edit_distance(street, place) != geo::edit_distance(place, street))
    gebieden::fuzz::finding("edit_distance is not symmetric");
  if (const auto pc = geo::parse_postcode(s)) {
    if (pc->size() != 6 || geo::parse_postcode(*pc) != pc)
      gebieden::fuzz::finding("parse_postcode: not a canonical postcode");
  }
  if (const auto hn = geo::parse_house_number(s)) {
    if (hn->number < 1 || hn->number > 99999) gebieden::fuzz::finding("house number out of range");
    if (geo::parse_house_number(hn->to_string()) != hn)
      gebieden::fuzz::finding("a house number's BAG notation does not parse back to it");
  }
  if (const auto d = geo::parse_decimal(s); d && !std::isfinite(*d))
    gebieden::fuzz::finding("parse_decimal gave a non-finite number");
  (void)geo::parse_free_text(s);
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!gebieden::fuzz::dev_state().geocoder) gebieden::fuzz::finding("no address register");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gebieden;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  for (std::size_t pos = 0;;) {
    const auto nl = in.find('\n', pos);
    parts.push_back(in.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  geo::GeocodeRequest req;
  std::optional<std::string>* members[] = {
      &req.q,   &req.straat, &req.huisnummer, &req.postcode,   &req.plaats,    &req.lat,
      &req.lon, &req.x,      &req.y,          &req.huisletter, &req.toevoeging};
  for (std::size_t i = 0; i < parts.size() && i < std::size(members); ++i)
    *members[i] = std::string(parts[i]);
  try {
    for (const auto p : parts) check_normalize(p);
    const geo::GeocodeResult r = fuzz::dev_state().geocoder->geocode(req);
    if (r.placed() && !r.wgs84 && !r.rd) fuzz::finding("placed without coordinates");
    (void)geo::status_name(r.status);
  } catch (const std::exception& e) {
    fuzz::finding(e.what());
  }
  return 0;
}
