// The overview page an adviser prints (?f=html) against the JSON overview and the area model:
// one SVG path per buurt, a legend covering the counts, chart bars equal to the counts per soort
// and categorie, the white spots, the print CSS, the links; and the class breaks on edge cases.

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "layers/overview.hpp"
#include "server/in_process.hpp"
#include "util/markup.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

/// The value of attribute `name` in every element of `text` that has it.
std::vector<std::string> attributes(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  const std::string key = " " + name + "=\"";
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const std::size_t start = at + key.size();
    out.push_back(text.substr(start, text.find('"', start) - start));
  }
  return out;
}

/// The buurtcodes of an area from the area model (not from the overview).
std::set<std::string> buurten_of(const std::string& level, const std::string& code) {
  const geo::AreaModel& m = *test::default_service().state().model;
  std::set<std::string> out;
  const auto add_wijk = [&](const geo::Wijk& w) {
    for (auto bi : w.buurten) out.insert(m.buurten()[bi].code);
  };
  if (level == "gebieden") {
    for (auto wi : m.gebied(code)->wijken) add_wijk(m.wijken()[wi]);
  } else if (level == "wijken") {
    add_wijk(*m.wijk(code));
  } else {
    out.insert(code);
  }
  return out;
}

/// The checks every overview page passes, against its JSON twin.
void check_page(const std::string& level, const std::string& code) {
  INFO(level << "/" << code);
  const std::string path = "/" + level + "/" + code + "/overzicht";
  auto jr = test::get(path);
  REQUIRE(jr.status == 200);
  const json o = json::parse(jr.body);
  auto hr = test::get(path, {{"f", "html"}});
  REQUIRE(hr.status == 200);
  CHECK(hr.content_type.rfind("text/html", 0) == 0);
  const std::string& h = hr.body;

  // The map: one path of class "buurt" per buurt of the area, each with a <title>.
  const auto buurten = buurten_of(level, code);
  CHECK(count_of(h, "class=\"buurt\"") == buurten.size());
  CHECK(count_of(h, "class=\"buurt\"><title>") == buurten.size());
  for (const auto& b : o["buurten"]) {
    CHECK(buurten.count(b["buurtcode"].get<std::string>()) == 1);
    const std::string title = "<title>" + util::markup_escape(b["buurtnaam"].get<std::string>()) +
                              ": " + std::to_string(b["per_collectie"]["initiatieven"].get<int>());
    CHECK(has(h, title));
  }
  CHECK(has(h, "class=\"outline\""));
  CHECK(has(h, "class=\"gemeente\""));
  CHECK_FALSE(has(h, "<script"));

  // The legend: its ranges cover the counts from the smallest positive to the largest, with a
  // class for zero; at most 5 classes besides it.
  std::int64_t min_pos = 0, max_count = 0;
  for (const auto& b : o["buurten"]) {
    const auto c = b["per_collectie"]["initiatieven"].get<std::int64_t>();
    if (c > 0 && (min_pos == 0 || c < min_pos)) min_pos = c;
    max_count = std::max(max_count, c);
  }
  const auto lows = attributes(h, "data-low"), highs = attributes(h, "data-high");
  REQUIRE(lows.size() == highs.size());
  REQUIRE(!lows.empty());
  CHECK(lows.size() <= 6);
  std::int64_t legend_min = -1, legend_max = 0;
  for (std::size_t i = 0; i < lows.size(); ++i) {
    const std::int64_t lo = std::stoll(lows[i]), hi = std::stoll(highs[i]);
    CHECK(lo <= hi);
    if (lo == 0) continue;  // "geen initiatieven"
    if (legend_min < 0 || lo < legend_min) legend_min = lo;
    legend_max = std::max(legend_max, hi);
  }
  if (max_count > 0) {
    CHECK(legend_min == min_pos);
    CHECK(legend_max == max_count);
  }

  // The charts: one bar per soort and per categorie with the JSON's count.
  const auto keys = attributes(h, "data-key"), values = attributes(h, "data-value");
  REQUIRE(keys.size() == values.size());
  const auto& ps = o["totaal"]["per_soort"];
  const auto& pc = o["totaal"]["per_categorie"];
  CHECK(keys.size() == ps.size() + pc.size());
  for (const auto* totals : {&ps, &pc})
    for (const auto& [k, v] : totals->items()) {
      INFO(k);
      bool found = false;
      for (std::size_t i = 0; i < keys.size(); ++i)
        found = found || (keys[i] == util::markup_escape(k) &&
                          std::stoll(values[i]) == v.get<std::int64_t>());
      CHECK(found);
    }

  // The white spots, support and meeting places, the per-buurt table.
  for (const auto& w : o["witte_vlekken"])
    CHECK(has(h, "<tr data-buurt=\"" + w["buurtcode"].get<std::string>() + "\">"));
  CHECK(count_of(h, "<tr data-buurt=") == o["witte_vlekken"].size());
  for (const auto& s : o["ondersteuning"])
    CHECK(has(h, util::markup_escape(s["naam"].get<std::string>())));
  for (const auto& s : o["ontmoetingsplekken"])
    CHECK(has(h, util::markup_escape(s["naam"].get<std::string>())));
  CHECK(has(h, "<table>"));

  // Print CSS for A4; the downloads.
  CHECK(has(h, "@page{size:A4"));
  CHECK(has(h, "@media print"));
  for (const char* f : {"json", "csv", "pdf"})
    CHECK(has(h, "href=\"http://gebieden.test" + path + "?f=" + f + "\""));
  // The team of the gebied.
  CHECK(has(h, "class=\"team-name\""));
}

}  // namespace

TEST_CASE("overview page: map, legend, charts, white spots, print CSS of every gebied",
          "[overview][unit]") {
  for (const auto& g : test::default_service().state().model->gebieden())
    check_page("gebieden", g.config.id);
  const std::string h = test::get("/gebieden/dorpen/overzicht", {{"f", "html"}}).body;
  // The wijken within are linked.
  for (auto wi : test::default_service().state().model->gebied("dorpen")->wijken) {
    const auto& w = test::default_service().state().model->wijken()[wi];
    CHECK(has(h, "href=\"http://gebieden.test/wijken/" + w.code + "/overzicht\""));
  }
}

TEST_CASE("overview page of a wijk and a buurt: links up and within, the gebied's team",
          "[overview][unit]") {
  check_page("wijken", "WK008082");
  check_page("buurten", "BU00808206");
  const auto& m = *test::default_service().state().model;
  const std::string w = test::get("/wijken/WK008082/overzicht", {{"f", "html"}}).body;
  const std::string gebied = m.wijk("WK008082")->gebied;
  CHECK(has(w, "href=\"http://gebieden.test/gebieden/" + gebied + "/overzicht\""));
  for (auto bi : m.wijk("WK008082")->buurten)
    CHECK(has(w, "href=\"http://gebieden.test/buurten/" + m.buurten()[bi].code + "/overzicht\""));
  CHECK(has(w, util::markup_escape(m.gebied(gebied)->config.team.name)));
  const std::string b = test::get("/buurten/BU00808206/overzicht", {{"f", "html"}}).body;
  CHECK(has(b, "href=\"http://gebieden.test/wijken/WK008082/overzicht\""));
  CHECK(has(b, util::markup_escape(m.gebied(gebied)->config.team.name)));
}

TEST_CASE("overview formats: html by Accept, pdf by f, unknown f is a 400 naming f",
          "[overview][unit]") {
  server::Request r;
  r.method = "GET";
  r.path = "/gebieden/dorpen/overzicht";
  r.headers["host"] = "gebieden.test";
  r.headers["accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";
  const auto html = test::default_service().handle(r);
  CHECK(html.status == 200);
  CHECK(html.content_type.rfind("text/html", 0) == 0);
  for (const char* f : {"pdf", "application/pdf", "PDF"}) {
    const auto p = test::get("/gebieden/dorpen/overzicht", {{"f", f}});
    CHECK(p.status == 200);
    CHECK(p.content_type == "application/pdf");
    CHECK(p.body.rfind("%PDF-", 0) == 0);
  }
  const auto bad = test::get("/gebieden/dorpen/overzicht", {{"f", "docx"}});
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body).dump().find("\"f\"") != std::string::npos);
  const auto missing = test::get("/gebieden/nergens/overzicht", {{"f", "pdf"}});
  CHECK(missing.status == 404);
  CHECK(missing.content_type.find("json") != std::string::npos);
}

TEST_CASE("class breaks: all zero, one value, ties, quantiles", "[overview][unit]") {
  using layers::class_breaks;
  CHECK(class_breaks({}).empty());
  CHECK(class_breaks({0, 0, 0}).empty());
  CHECK(class_breaks({0, -3}).empty());
  auto one = class_breaks({0, 4, 0});
  REQUIRE(one.size() == 1);
  CHECK(one[0].low == 4);
  CHECK(one[0].high == 4);
  auto ties = class_breaks({2, 2, 2, 2, 2, 2, 9});
  REQUIRE(ties.size() == 2);
  CHECK(ties[0].low == 2);
  CHECK(ties[0].high == 2);
  CHECK(ties[1].low == 3);
  CHECK(ties[1].high == 9);
  // Many values: at most 5 contiguous classes from the smallest to the largest positive count.
  std::vector<std::int64_t> many;
  for (int i = 0; i <= 40; ++i) many.push_back(i * i % 37);
  const auto c = class_breaks(many, 5);
  REQUIRE(!c.empty());
  CHECK(c.size() <= 5);
  std::int64_t min_pos = 1000, max = 0;
  for (auto v : many) {
    if (v > 0) min_pos = std::min(min_pos, v);
    max = std::max(max, v);
  }
  CHECK(c.front().low == min_pos);
  CHECK(c.back().high == max);
  for (std::size_t i = 1; i < c.size(); ++i) CHECK(c[i].low == c[i - 1].high + 1);
  for (auto v : many) CHECK((layers::class_of(c, v) < 0) == (v == 0));
  // Fewer values than classes: one class each.
  CHECK(class_breaks({1, 2, 3}, 5).size() == 3);
  CHECK(class_breaks({5, 1}, 1).size() == 1);
  CHECK(class_breaks({5, 1}, 1)[0].low == 1);
}
