// Operations, in-process (issue #12, point 5): GET /metrics in the Prometheus text format 0.0.4
// (every line parsed: HELP and TYPE before the samples of their family, label syntax, histogram
// buckets cumulative with +Inf equal to _count), route templates of bounded cardinality, who
// may read /metrics, liveness and readiness, the access log's lines (no secrets, no CR/LF
// injection) and the forwarded headers of trusted proxies (base_url, client).
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "server/access_log.hpp"
#include "server/forwarded.hpp"
#include "server/in_process.hpp"
#include "server/metrics.hpp"
#include "server/service.hpp"
#include "util/error.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {

server::Request request(const std::string& method, const std::string& path,
                        std::vector<std::pair<std::string, std::string>> query = {},
                        const std::string& client = "127.0.0.1") {
  server::Request r;
  r.method = method;
  r.path = path;
  r.query = std::move(query);
  r.headers["host"] = "gebieden.test";
  r.client = client;
  return r;
}

/// One sample of an exposition.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// A parsed exposition: families with their type and samples. Every line is checked against
/// the text format 0.0.4; a line that is not valid fails the test that parses it.
struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter, gauge, histogram, ...
  std::map<std::string, std::string> help;
  std::vector<Sample> samples;
  std::map<std::string, std::string> family_of;  // sample name -> family

  std::vector<Sample> of(const std::string& name) const {
    std::vector<Sample> out;
    for (const auto& s : samples)
      if (s.name == name) out.push_back(s);
    return out;
  }
  /// The value of the sample `name` whose labels include `labels` (0 when there is none).
  double value(const std::string& name, const std::map<std::string, std::string>& labels) const {
    double v = 0;
    int found = 0;
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool all = true;
      for (const auto& [k, x] : labels)
        if (!s.labels.count(k) || s.labels.at(k) != x) all = false;
      if (all) v += s.value, ++found;
    }
    return found ? v : 0;
  }
};

double parse_value(const std::string& text) {
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  std::size_t used = 0;
  const double v = std::stod(text, &used);
  REQUIRE(used == text.size());
  return v;
}

Exposition parse_exposition(const std::string& text) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kHelp("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)");
  static const std::regex kType(
      "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
  static const std::regex kSample("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? ([^ ]+)( -?[0-9]+)?");
  static const std::regex kLabel("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:\\\\[\\\\\"n]|[^\"\\\\])*)\"");
  Exposition e;
  REQUIRE(!text.empty());
  REQUIRE(text.back() == '\n');
  std::istringstream in(text);
  std::string line;
  std::string current;  // the family whose samples may follow
  std::set<std::string> closed;
  while (std::getline(in, line)) {
    INFO("line: " << line);
    if (line.empty()) continue;
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) {
      REQUIRE(std::regex_match(line, m, kHelp));
      REQUIRE(e.help.count(m[1]) == 0);
      e.help[m[1]] = m[2];
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      REQUIRE(std::regex_match(line, m, kType));
      const std::string family = m[1];
      REQUIRE(e.types.count(family) == 0);  // one TYPE per family, before its samples
      e.types[family] = m[2];
      if (!current.empty()) closed.insert(current);
      current = family;
      continue;
    }
    REQUIRE(line[0] != '#');  // no other comments from us
    REQUIRE(std::regex_match(line, m, kSample));
    Sample s;
    s.name = m[1];
    const std::string labels = m[3];
    s.value = parse_value(m[4]);
    // The labels: name="value" pairs separated by commas, nothing else.
    std::size_t pos = 0;
    while (pos < labels.size()) {
      std::smatch lm;
      const std::string rest = labels.substr(pos);
      REQUIRE(std::regex_search(rest, lm, kLabel, std::regex_constants::match_continuous));
      REQUIRE(s.labels.count(lm[1]) == 0);
      s.labels[lm[1]] = lm[2];
      pos += static_cast<std::size_t>(lm.length(0));
      if (pos < labels.size()) {
        REQUIRE(labels[pos] == ',');
        ++pos;
      }
    }
    // The family: the current one, by its name or a histogram's suffixes.
    REQUIRE(!current.empty());
    const std::string& type = e.types[current];
    bool belongs = s.name == current;
    if (type == "histogram")
      belongs = s.name == current + "_bucket" || s.name == current + "_sum" ||
                s.name == current + "_count";
    REQUIRE(belongs);
    REQUIRE(closed.count(current) == 0);
    if (type == "counter") {
      CHECK(s.name.size() > 6);
      CHECK(s.name.substr(s.name.size() - 6) == "_total");
      CHECK(s.value >= 0);
    }
    e.family_of[s.name] = current;
    e.samples.push_back(std::move(s));
  }
  for (const auto& [family, type] : e.types) CHECK(e.help.count(family) == 1);
  return e;
}

/// Every histogram: per label set, buckets with increasing `le`, cumulative counts, the last
/// `+Inf`, equal to `_count`; `_sum` present. Returns how many label sets were checked.
int check_histograms(const Exposition& e) {
  int checked = 0;
  for (const auto& [family, type] : e.types) {
    if (type != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
    for (const auto& s : e.of(family + "_bucket")) {
      REQUIRE(s.labels.count("le"));
      auto key = s.labels;
      key.erase("le");
      buckets[key].emplace_back(parse_value(s.labels.at("le")), s.value);
    }
    for (const auto& [key, list] : buckets) {
      INFO(family);
      REQUIRE(list.size() >= 2);
      for (std::size_t i = 1; i < list.size(); ++i) {
        CHECK(list[i].first > list[i - 1].first);
        CHECK(list[i].second >= list[i - 1].second);
      }
      CHECK(std::isinf(list.back().first));
      std::vector<double> counts, sums;
      for (const auto& s : e.of(family + "_count"))
        if (s.labels == key) counts.push_back(s.value);
      for (const auto& s : e.of(family + "_sum"))
        if (s.labels == key) sums.push_back(s.value);
      REQUIRE(counts.size() == 1);
      REQUIRE(sums.size() == 1);
      CHECK(counts[0] == list.back().second);
      CHECK(sums[0] >= 0);
      ++checked;
    }
  }
  return checked;
}

/// A service over a state made by hand (no data loaded): for the settings of /metrics and for
/// readiness without data.
std::shared_ptr<server::ServiceState> bare_state(const std::string& metrics) {
  auto st = std::make_shared<server::ServiceState>();
  st->config.server.metrics = metrics;
  return st;
}

}  // namespace

TEST_CASE("route templates: every route of the service and nothing raw", "[metrics][unit]") {
  using server::route_template;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "/"},
      {{"collections"}, "/collections"},
      {{"collections", "buurten"}, "/collections/{collectionId}"},
      {{"collections", "buurten", "items"}, "/collections/{collectionId}/items"},
      {{"collections", "buurten", "items", "BU00800000"},
       "/collections/{collectionId}/items/{featureId}"},
      {{"collections", "organisaties", "items", "x", "history"},
       "/collections/{collectionId}/items/{featureId}/history"},
      {{"collections", "buurten", "queryables"}, "/collections/{collectionId}/queryables"},
      {{"metrics"}, "/metrics"},
      {{"health", "live"}, "/health/live"},
      {{"health", "ready"}, "/health/ready"},
      {{"geocode"}, "/geocode"},
      {{"wijken", "WK008001", "overzicht"}, "/{level}/{code}/overzicht"},
      {{"arcgis", "rest", "services", "gebieden", "FeatureServer", "0", "query"},
       "/arcgis/rest/services/{service}/FeatureServer/{layerId}/query"},
      {{"arcgis", "rest", "services", "gebieden", "FeatureServer", "3", "applyEdits"},
       "/arcgis/rest/services/{service}/FeatureServer/{layerId}/applyEdits"},
      {{"arcgis", "rest", "services", "gebieden", "FeatureServer", "3", "17"},
       "/arcgis/rest/services/{service}/FeatureServer/{layerId}/{objectId}"},
      {{"map"}, "/map"},
      {{"map", "app.js"}, "/map/{file}"},
      {{"map", "lib", "maplibre-gl.js"}, "/map/{file}"},
      {{"welkom"}, "/welkom"},
      {{"styles", "fonts", "Noto Sans Regular", "0-255.pbf"}, "/styles/fonts/{fontstack}/{range}"},
      {{"styles", "sociale-basis"}, "/styles/{styleId}"},
      {{"collections", "buurten", "styles", "default"},
       "/collections/{collectionId}/styles/{styleId}"},
      {{"wp-login.php"}, "other"},
      {{"collections", "a", "b", "c", "d", "e"}, "other"},
      {{"..", "etc", "passwd"}, "other"},
  };
  const auto& all = server::route_templates();
  const std::set<std::string_view> known(all.begin(), all.end());
  for (const auto& [seg, want] : cases) {
    INFO(want);
    const auto got = route_template(seg);
    CHECK(got == want);
    CHECK(known.count(got) == 1);
  }
  // Whatever the path, the answer is one of the list: the label cannot grow.
  for (int i = 0; i < 200; ++i) {
    std::vector<std::string> seg;
    for (int k = 0; k < i % 9; ++k) seg.push_back("s" + std::to_string(i * 31 + k));
    CHECK(known.count(route_template(seg)) == 1);
  }
}

TEST_CASE("GET /metrics is the Prometheus text format and counts what was asked",
          "[metrics][unit]") {
  const auto& service = test::default_service();
  auto scrape = [&]() {
    const auto r = service.handle(request("GET", "/metrics"));
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
    return parse_exposition(r.body);
  };
  const Exposition before = scrape();
  const std::string items = "/collections/{collectionId}/items";
  const auto n_items = [&](const Exposition& e, const std::string& code) {
    return e.value("gebieden_http_requests_total", {{"route", items}, {"code", code}});
  };
  // 7 pages of two collections (and a HEAD), 2 unknown collections, 3 paths no route serves.
  for (int i = 0; i < 4; ++i)
    CHECK(service.handle(request("GET", "/collections/buurten/items", {{"limit", "3"}})).status ==
          200);
  for (int i = 0; i < 3; ++i)
    CHECK(service.handle(request("GET", "/collections/wijken/items")).status == 200);
  CHECK(service.handle(request("GET", "/collections/nope/items")).status == 404);
  CHECK(service.handle(request("GET", "/collections/nada/items")).status == 404);
  for (const char* p : {"/wp-login.php", "/x/y/z/w/v/u", "/.env"})
    CHECK(service.handle(request("GET", p)).status == 404);
  CHECK(service.handle(request("HEAD", "/collections/buurten/items")).status == 200);

  const Exposition after = scrape();
  CHECK(n_items(after, "200") - n_items(before, "200") == 8);
  CHECK(n_items(after, "404") - n_items(before, "404") == 2);
  CHECK(after.value("gebieden_http_requests_total",
                    {{"route", items}, {"method", "HEAD"}, {"code", "200"}}) -
            before.value("gebieden_http_requests_total",
                         {{"route", items}, {"method", "HEAD"}, {"code", "200"}}) ==
        1);
  CHECK(after.value("gebieden_http_requests_total", {{"route", "other"}, {"code", "404"}}) -
            before.value("gebieden_http_requests_total", {{"route", "other"}, {"code", "404"}}) ==
        3);
  // No raw path is a label value.
  for (const auto& s : after.samples)
    if (s.labels.count("route")) {
      CHECK(s.labels.at("route").find("buurten") == std::string::npos);
      CHECK(s.labels.at("route").find("wp-login") == std::string::npos);
    }
  // The latency histogram of the items route counted each of them, and its buckets add up.
  CHECK(after.value("gebieden_http_request_duration_seconds_count", {{"route", items}}) -
            before.value("gebieden_http_request_duration_seconds_count", {{"route", items}}) ==
        10);
  CHECK(check_histograms(after) >= 3);
  CHECK(after.types.at("gebieden_http_request_duration_seconds") == "histogram");
  CHECK(after.types.at("gebieden_http_requests_total") == "counter");
  // The gauges: snapshot age, collections, process.
  const auto age = after.of("gebieden_snapshot_age_seconds");
  REQUIRE(age.size() == 1);
  CHECK(age[0].value >= 0);
  CHECK(age[0].value < 3600);
  CHECK(after.value("gebieden_collection_features", {{"collection", "buurten"}}) == 134);
  CHECK(after.of("process_resident_memory_bytes").at(0).value > 1e6);
  CHECK(after.of("process_open_fds").at(0).value > 2);
}

TEST_CASE("GET /metrics counts geocoder results by kind and status", "[metrics][unit]") {
  const auto& service = test::default_service();
  if (!service.state().geocoder) FAIL("the default configuration has no address register");
  auto scrape = [&]() { return parse_exposition(service.handle(request("GET", "/metrics")).body); };
  const auto count = [](const Exposition& e, const char* kind, const char* status) {
    return e.value("gebieden_geocoder_results_total", {{"kind", kind}, {"status", status}});
  };
  const Exposition before = scrape();
  CHECK(service.handle(request("GET", "/geocode", {{"q", "Marisdijk 1, Leeuwarden"}})).status ==
        200);
  CHECK(service.handle(request("GET", "/geocode", {{"q", "Nergensstraat 1, Leeuwarden"}})).status ==
        200);
  server::Request batch = request("POST", "/geocode");
  batch.headers["content-type"] = "application/json";
  batch.body = R"([{"q":"Marisdijk 1, Leeuwarden"},{"q":"Nergensstraat 2, Leeuwarden"}])";
  const auto br = service.handle(batch);
  REQUIRE(br.status == 200);
  const json bj = json::parse(br.body);
  CHECK(service.handle(request("GET", "/reverse", {{"x", "182594.063"}, {"y", "579568.163"}}))
            .status == 200);
  const Exposition after = scrape();
  // What the answers said is what was counted.
  double matched = 0;
  for (const char* s : {"address", "fuzzy"})
    matched += count(after, "geocode", s) - count(before, "geocode", s);
  CHECK(matched == 1);
  CHECK(count(after, "geocode", "unmatched") - count(before, "geocode", "unmatched") == 1);
  CHECK(after.value("gebieden_geocoder_results_total", {{"kind", "reverse"}}) -
            before.value("gebieden_geocoder_results_total", {{"kind", "reverse"}}) ==
        1);
  for (const auto& [status, n] : bj["summary"].items())
    CHECK(count(after, "batch", status.c_str()) - count(before, "batch", status.c_str()) ==
          n.get<double>());
}

TEST_CASE("GET /metrics: loopback, public, key or off (server.metrics)", "[metrics][unit]") {
  {
    server::Service s(bare_state("loopback"));
    CHECK(s.handle(request("GET", "/metrics", {}, "127.0.0.1")).status == 200);
    CHECK(s.handle(request("GET", "/metrics", {}, "::1")).status == 200);
    const auto r = s.handle(request("GET", "/metrics", {}, "203.0.113.5"));
    CHECK(r.status == 403);
    CHECK(json::parse(r.body)["code"] == std::string(error_spec(ErrorCode::Forbidden).code));
    // A forwarded address from an untrusted peer does not make it loopback.
    auto spoof = request("GET", "/metrics", {}, "203.0.113.5");
    spoof.headers["x-forwarded-for"] = "127.0.0.1";
    CHECK(s.handle(spoof).status == 403);
  }
  {
    auto st = bare_state("loopback");
    st->config.server.trusted_proxies = {"10.1.2.3"};
    server::Service s(st);
    // Through a trusted proxy, the client is the forwarded one: outside, so refused.
    auto via = request("GET", "/metrics", {}, "10.1.2.3");
    via.headers["x-forwarded-for"] = "198.51.100.1";
    CHECK(s.handle(via).status == 403);
    via.headers["x-forwarded-for"] = "127.0.0.1";
    CHECK(s.handle(via).status == 200);
  }
  {
    server::Service s(bare_state("public"));
    CHECK(s.handle(request("GET", "/metrics", {}, "203.0.113.5")).status == 200);
    CHECK(s.handle(request("POST", "/metrics")).status == 405);
  }
  {
    server::Service s(bare_state("off"));
    CHECK(s.handle(request("GET", "/metrics")).status == 404);
  }
  {
    auto st = bare_state("key");
    st->keys = std::make_shared<const server::KeyRing>(
        std::filesystem::path(), std::vector<std::string>{"metrics-test-token"});
    server::Service s(st);
    const auto anon = s.handle(request("GET", "/metrics"));
    CHECK(anon.status == 401);
    auto keyed = request("GET", "/metrics", {}, "203.0.113.5");
    keyed.headers["authorization"] = "Bearer metrics-test-token";
    CHECK(s.handle(keyed).status == 200);
    keyed.headers["authorization"] = "Bearer wrong";
    CHECK(s.handle(keyed).status == 401);
  }
}

TEST_CASE("liveness and readiness", "[health][unit]") {
  const auto& service = test::default_service();
  const auto live = service.handle(request("GET", "/health/live"));
  CHECK(live.status == 200);
  CHECK(json::parse(live.body)["status"] == "live");
  const auto ready = service.handle(request("GET", "/health/ready"));
  REQUIRE(ready.status == 200);
  const json j = json::parse(ready.body);
  CHECK(j["status"] == "ready");
  CHECK(j["checks"]["data"]["status"] == "ok");
  CHECK(j["checks"]["store"]["status"] == "ok");
  CHECK(service.handle(request("HEAD", "/health/ready")).status == 200);
  CHECK(service.handle(request("POST", "/health/live")).status == 405);
  CHECK(service.handle(request("GET", "/health/ready", {{"x", "1"}})).status == 400);
  // Without data: not ready, the registry's 503 body naming what fails; still live.
  server::Service bare(bare_state("loopback"));
  const auto not_ready = bare.handle(request("GET", "/health/ready"));
  CHECK(not_ready.status == 503);
  const json nj = json::parse(not_ready.body);
  CHECK(nj["code"] == std::string(error_spec(ErrorCode::Unavailable).code));
  CHECK(nj["checks"]["data"]["status"] == "failing");
  CHECK(nj["description"].get<std::string>().find("data") != std::string::npos);
  CHECK(bare.handle(request("GET", "/health/live")).status == 200);
}

TEST_CASE("access log lines: JSON, no secrets, no injected lines", "[accesslog][unit]") {
  server::Request r = request("GET", "/collections/buurten/items",
                              {{"TOKEN", "s3cret-a"},
                               {"api_key", "s3cret-b"},
                               {"access_token", "s3cret-c"},
                               {"key", "s3cret-d"},
                               {"limit", "5\r\n{\"forged\":true}"}});
  r.headers["authorization"] = "Bearer s3cret-e";
  r.headers["user-agent"] = "agent\r\n{\"forged\":1}";
  server::AccessEntry e;
  e.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796198400123));
  e.request = &r;
  e.method = r.method;
  e.route = "/collections/{collectionId}/items";
  e.status = 200;
  e.bytes = 1234;
  e.duration = std::chrono::microseconds(1500);
  e.forwarded = server::forwarded_of(geo::ServerConfig{}, r);
  const std::string line = server::access_line(e);
  REQUIRE(!line.empty());
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(line.find("s3cret") == std::string::npos);
  const json j = json::parse(line);
  CHECK(j["time"] == "2026-12-02T08:00:00.123Z");
  CHECK(j["method"] == "GET");
  CHECK(j["status"] == 200);
  CHECK(j["bytes"] == 1234);
  CHECK(j["duration_ms"].get<double>() == Approx(1.5));
  CHECK(j["client"] == "127.0.0.1");
  CHECK(j["route"] == "/collections/{collectionId}/items");
  CHECK(j["user_agent"] == "agent\r\n{\"forged\":1}");  // escaped in the line, whole here
  const std::string path = j["path"];
  CHECK(path.rfind("/collections/buurten/items?", 0) == 0);
  CHECK(path.find("TOKEN=***") != std::string::npos);
  CHECK(path.find("api_key=***") != std::string::npos);
  CHECK(path.find("access_token=***") != std::string::npos);
  CHECK(path.find("key=***") != std::string::npos);
  CHECK(path.find("limit=5%0D%0A") != std::string::npos);
  CHECK_FALSE(j.contains("authorization"));
  // Bytes that are not UTF-8 and control characters still make a line of valid JSON.
  r.headers["user-agent"] = "bad \xff\xfe utf8 \x01\x7f tab\t \xc3\xa9";
  const std::string odd = server::access_line(e);
  CHECK(odd.find('\n') == odd.size() - 1);
  const json oj = json::parse(odd);
  CHECK(oj["user_agent"] == "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \x01\x7f tab\t \xc3\xa9");
  // A very long target is cut.
  server::Request big =
      request("GET", "/collections/buurten/items", {{"filter", std::string(10000, 'x')}});
  CHECK(server::loggable_target(big).size() <= 2003);
}

TEST_CASE("forwarded headers: believed from trusted proxies only", "[forwarded][unit]") {
  geo::ServerConfig sc;
  sc.trusted_proxies = {"10.0.0.0/8", "2001:db8::/32"};
  auto req = [](const std::string& peer, std::map<std::string, std::string> headers) {
    server::Request r;
    r.method = "GET";
    r.path = "/";
    r.client = peer;
    r.headers = std::move(headers);
    return r;
  };
  // Untrusted peer: nothing believed.
  auto f = server::forwarded_of(sc, req("203.0.113.9", {{"x-forwarded-for", "1.2.3.4"},
                                                        {"x-forwarded-proto", "https"},
                                                        {"x-forwarded-host", "evil.example"}}));
  CHECK_FALSE(f.via_proxy);
  CHECK(f.client == "203.0.113.9");
  CHECK(f.proto.empty());
  CHECK(f.host.empty());
  // Trusted proxy: proto, host, prefix and the client; a client's own X-Forwarded-For entry
  // before the proxy's is not taken for the client.
  f = server::forwarded_of(sc, req("10.1.1.1", {{"x-forwarded-for", "6.6.6.6, 198.51.100.7"},
                                                {"x-forwarded-proto", "https"},
                                                {"x-forwarded-host", "gebieden.example.nl"},
                                                {"x-forwarded-prefix", "/kaart/"}}));
  CHECK(f.via_proxy);
  CHECK(f.client == "198.51.100.7");
  CHECK(f.proto == "https");
  CHECK(f.host == "gebieden.example.nl");
  CHECK(f.prefix == "/kaart");
  // Two trusted proxies in a row: the client is before both.
  f = server::forwarded_of(sc, req("10.1.1.1", {{"x-forwarded-for", "198.51.100.8, 10.9.9.9"}}));
  CHECK(f.client == "198.51.100.8");
  // RFC 7239.
  f = server::forwarded_of(sc,
                           req("2001:db8::5", {{"forwarded",
                                                "for=\"[2001:db8:cafe::17]:4711\";proto=https;"
                                                "host=\"kaart.example.nl:8443\", for=10.0.0.2"}}));
  CHECK(f.client == "2001:db8:cafe::17");
  CHECK(f.proto == "https");
  CHECK(f.host == "kaart.example.nl:8443");
  // What is not a scheme, a host or a clean prefix is dropped.
  f = server::forwarded_of(sc, req("10.1.1.1", {{"x-forwarded-proto", "javascript"},
                                                {"x-forwarded-host", "a\"b<c>"},
                                                {"x-forwarded-prefix", "/a/../b"}}));
  CHECK(f.proto.empty());
  CHECK(f.host.empty());
  CHECK(f.prefix.empty());
  // IPv4-mapped peers count as IPv4.
  CHECK(server::trusted_peer(sc, "::ffff:10.2.3.4"));
  CHECK_FALSE(server::trusted_peer(sc, "11.0.0.1"));
  CHECK(server::is_loopback("127.0.0.1"));
  CHECK(server::is_loopback("::1"));
  CHECK(server::is_loopback("::ffff:127.0.0.2"));
  CHECK_FALSE(server::is_loopback("128.0.0.1"));
  CHECK_FALSE(server::is_loopback("localhost"));
  // The setting checked at start-up names the bad entry.
  geo::ServerConfig bad;
  bad.trusted_proxies = {"10.0.0.0/33"};
  CHECK_THROWS_AS(server::check_trusted_proxies(bad), config_error);
  bad.trusted_proxies = {"proxy.example"};
  CHECK_THROWS_WITH(server::check_trusted_proxies(bad), Catch::Contains("proxy.example"));
  // The setting before trusted_proxies: X-Forwarded-For from anyone, its last address.
  geo::ServerConfig legacy;
  legacy.trust_forwarded_for = true;
  CHECK(server::client_address(
            legacy, req("127.0.0.1", {{"x-forwarded-for", "1.1.1.1, 2.2.2.2"}})) == "2.2.2.2");
}

TEST_CASE("links behind a trusted proxy carry its https base", "[forwarded][service][unit]") {
  auto st = std::make_shared<server::ServiceState>();
  st->config.server.trusted_proxies = {"127.0.0.2"};
  server::Request r = request("GET", "/", {}, "127.0.0.2");
  r.headers["x-forwarded-proto"] = "https";
  r.headers["x-forwarded-host"] = "gebieden.example.nl";
  r.headers["x-forwarded-prefix"] = "/gebieden";
  CHECK(server::base_url(*st, r) == "https://gebieden.example.nl/gebieden");
  r.client = "127.0.0.1";  // not the proxy: its headers are not believed
  CHECK(server::base_url(*st, r) == "http://gebieden.test");
  st->config.server.base_url = "https://kaart.leeuwarden.nl";  // configured: always that
  r.client = "127.0.0.2";
  CHECK(server::base_url(*st, r) == "https://kaart.leeuwarden.nl");
}
