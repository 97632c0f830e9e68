// Integration tests: the real server on 127.0.0.1 with real clients (cpp-httplib, GDAL).
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "process.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {
test::ServerProcess& server() {
  static test::ServerProcess s;
  return s;
}

int feature_count(const std::string& output) {
  std::smatch m;
  static const std::regex re("Feature Count: (\\d+)");
  return std::regex_search(output, m, re) ? std::stoi(m[1]) : -1;
}
/// A plain TCP connection to the server, for what HTTP libraries hide (pipelining, a client
/// that reads late).
class RawConnection {
 public:
  RawConnection(int port, int rcvbuf) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m_ok = ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    timeval tv{20, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawConnection() { ::close(m_fd); }
  bool ok() const { return m_ok; }
  bool send_all(const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
      const auto n = ::send(m_fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  /// One response: status, headers (lower-case names) and a body of Content-Length bytes
  /// (none for HEAD). False on a timeout or a malformed response.
  bool read_response(int& status, std::map<std::string, std::string>& headers, std::string& body,
                     bool head = false) {
    headers.clear();
    body.clear();
    std::size_t end;
    while ((end = m_buf.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    std::istringstream in(m_buf.substr(0, end));
    std::string line;
    std::getline(in, line);
    if (line.rfind("HTTP/1.1 ", 0) != 0) return false;
    status = std::stoi(line.substr(9, 3));
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) return false;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      headers[name] = line.substr(colon + 2);
    }
    m_buf.erase(0, end + 4);
    const std::size_t length =
        head || !headers.count("content-length") ? 0 : std::stoul(headers["content-length"]);
    while (m_buf.size() < length)
      if (!fill()) return false;
    body = m_buf.substr(0, length);
    m_buf.erase(0, length);
    return true;
  }

  /// Has the server closed the connection (after what was read)?
  bool closed_by_server() {
    char tmp[256];
    return m_buf.empty() && ::recv(m_fd, tmp, sizeof(tmp), 0) == 0;
  }

 private:
  bool fill() {
    char tmp[65536];
    const auto n = ::recv(m_fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    m_buf.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  int m_fd = -1;
  bool m_ok = false;
  std::string m_buf;
};
}  // namespace

TEST_CASE("HTTP: keep-alive by default, HEAD, and responses in order on one connection",
          "[http][integration]") {
  const std::string big = "/collections/buurten/items?limit=1000";
  // The Host header makes the links, so it is the one httplib sends.
  const std::string host = "\r\nHost: 127.0.0.1:" + std::to_string(server().port()) + "\r\n";
  const std::string small = "/collections/gebieden/items?limit=2";
  httplib::Client cli("127.0.0.1", server().port());
  auto ref_big = cli.Get(big.c_str());
  auto ref_small = cli.Get(small.c_str());
  REQUIRE(ref_big);
  REQUIRE(ref_small);
  REQUIRE(ref_big->status == 200);
  REQUIRE(ref_big->body.size() > 50000);
  CHECK(!ref_big->get_header_value("Date").empty());

  // HEAD: GET's status and headers, Content-Length of GET's body, no body.
  {
    RawConnection c(server().port(), 0);
    REQUIRE(c.ok());
    REQUIRE(c.send_all("HEAD " + big + " HTTP/1.1" + host + "\r\n"));
    int status = 0;
    std::map<std::string, std::string> h;
    std::string body;
    REQUIRE(c.read_response(status, h, body, true));
    CHECK(status == 200);
    CHECK(h["content-length"] == std::to_string(ref_big->body.size()));
    CHECK(h["etag"] == ref_big->get_header_value("ETag"));
    CHECK(h["connection"] == "keep-alive");  // HTTP/1.1 without a Connection header
    // The same connection answers a GET afterwards: the HEAD sent no body bytes.
    REQUIRE(c.send_all("GET " + small + " HTTP/1.1" + host + "\r\n"));
    REQUIRE(c.read_response(status, h, body));
    CHECK(status == 200);
    CHECK(body == ref_small->body);
  }
  // HTTP/1.0 without keep-alive is told the connection closes.
  {
    RawConnection c(server().port(), 0);
    REQUIRE(c.ok());
    REQUIRE(c.send_all("GET " + small + " HTTP/1.0\r\n\r\n"));
    int status = 0;
    std::map<std::string, std::string> h;
    std::string body;
    REQUIRE(c.read_response(status, h, body));
    CHECK(status == 200);
    CHECK(h["connection"] == "close");
    CHECK(c.closed_by_server());
  }
  // A client with a small receive buffer that asks again before it reads: the large answers
  // cannot leave at once and wait in the transport's queue; the small ones must come after
  // them, whole and in order.
  {
    RawConnection c(server().port(), 4096);
    REQUIRE(c.ok());
    int status = 0;
    std::map<std::string, std::string> h;
    std::string body;
    for (int round = 0; round < 3; ++round) {
      REQUIRE(c.send_all("GET " + big + " HTTP/1.1" + host + "\r\n"));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      REQUIRE(c.send_all("GET " + small + " HTTP/1.1" + host + "\r\n"));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      REQUIRE(c.read_response(status, h, body));
      CHECK(status == 200);
      CHECK(body == ref_big->body);
      REQUIRE(c.read_response(status, h, body));
      CHECK(status == 200);
      CHECK(body == ref_small->body);
    }
  }
  // httplib with keep-alive: many answers over one connection, each whole.
  cli.set_keep_alive(true);
  for (int i = 0; i < 20; ++i) {
    auto r = cli.Get((i % 2 ? small : big).c_str());
    REQUIRE(r);
    CHECK(r->body == (i % 2 ? ref_small->body : ref_big->body));
  }
  CHECK(server().alive());
}

TEST_CASE("GDAL's OAPIF driver reads every boundary layer", "[http][gdal][integration]") {
  const std::string url = "OAPIF:" + server().url() + "/";
  std::string out;
  REQUIRE(test::run_command("ogrinfo -ro -al -so '" + url + "' gebieden", out) == 0);
  CHECK(feature_count(out) == 8);
  CHECK(out.find("wijkcodes") != std::string::npos);
  REQUIRE(test::run_command("ogrinfo -ro -al -so '" + url + "' buurten", out) == 0);
  CHECK(feature_count(out) == 134);
  REQUIRE(test::run_command("ogrinfo -ro -al -so '" + url + "' wijken", out) == 0);
  CHECK(feature_count(out) == 22);
  REQUIRE(test::run_command("ogrinfo -ro -al -so '" + url + "' gemeente", out) == 0);
  CHECK(feature_count(out) == 1);

  // Reading every feature pages through `next` links (GDAL asks for small pages).
  REQUIRE(test::run_command(
              "ogrinfo -ro -al -oo PAGE_SIZE=25 '" + url + "' buurten | grep -c '^OGRFeature'",
              out) == 0);
  CHECK(std::stoi(out) == 134);
}

TEST_CASE(
    "ogr2ogr copies the buurten (132 Polygons, 2 MultiPolygons) into a GeoPackage without "
    "a warning",
    "[http][gdal][integration]") {
  // GDAL 3.6's OAPIF driver takes a layer's geometry type from its first page only (10
  // features unless PAGE_SIZE says otherwise): it reads neither the queryables nor the OpenAPI
  // document for it. The queryables declare both types (see test_service.cpp); a first page with
  // both (PAGE_SIZE covering the collection) gives a generic geometry column, and
  // PROMOTE_TO_MULTI a MultiPolygon one: no warning either way.
  const std::string url = "OAPIF:" + server().url() + "/collections/buurten";
  for (const std::string options : {"-oo PAGE_SIZE=1000", "-nlt PROMOTE_TO_MULTI"}) {
    INFO(options);
    const auto out_path = test::temp_path("buurten.gpkg");
    std::string out;
    REQUIRE(test::run_command("ogr2ogr -f GPKG " + out_path.string() + " '" + url + "' " + options,
                              out) == 0);
    CHECK(out.find("Warning") == std::string::npos);
    CHECK(out.find("is inserted into layer") == std::string::npos);
    REQUIRE(test::run_command("ogrinfo -ro -so " + out_path.string() + " buurten", out) == 0);
    CHECK(feature_count(out) == 134);
  }
}

TEST_CASE("HTTP: bad input is a 4xx with a JSON body, the server stays up", "[http][integration]") {
  httplib::Client cli("127.0.0.1", server().port());
  cli.set_connection_timeout(5);
  cli.set_read_timeout(10);
  struct Case {
    std::string path;
    int status;
    std::string parameter;
  };
  const std::vector<Case> cases = {
      {"/collections/nope", 404, "collectionId"},
      {"/collections/buurten/items/nope", 404, "featureId"},
      {"/collections/buurten/items?limit=abc", 400, "limit"},
      {"/collections/buurten/items?limit=0", 400, "limit"},
      {"/collections/buurten/items?offset=-1", 400, "offset"},
      {"/collections/buurten/items?bbox=1,2", 400, "bbox"},
      {"/collections/buurten/items?limit=%ZZ", 400, ""},
      {"/collections/buurten/items?crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F2",
       400, "crs"},
      {"/collections/buurten/items?" + std::string(3000, 'a') + "=1", 400, std::string(60, 'a')},
  };
  for (const auto& c : cases) {
    INFO(c.path.substr(0, 100));
    auto res = cli.Get(c.path.c_str());
    REQUIRE(res);
    CHECK(res->status == c.status);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    auto j = json::parse(res->body);
    CHECK(j.contains("code"));
    if (!c.parameter.empty()) CHECK(j["parameter"] == c.parameter);
  }
  auto res = cli.Post("/collections/buurten/items", "{}", "application/json");
  REQUIRE(res);
  CHECK(res->status == 405);
  CHECK(json::parse(res->body)["code"] == "MethodNotAllowed");
  res = cli.Delete("/collections");
  REQUIRE(res);
  CHECK(res->status == 405);
  CHECK(server().alive());
}

TEST_CASE("HTTP: a parameter given twice reaches the parsers and is a 400 on both fronts",
          "[http][integration]") {
  httplib::Client cli("127.0.0.1", server().port());
  auto res = cli.Get("/collections/buurten/items?gebied=dorpen&gebied=noord");
  REQUIRE(res);
  CHECK(res->status == 400);
  auto j = json::parse(res->body);
  CHECK(j["parameter"] == "gebied");
  CHECK(j["description"].get<std::string>().find("more than once") != std::string::npos);
  // Once is fine, and an escaped '&' inside a value is not a second parameter.
  res = cli.Get("/collections/buurten/items?gebied=dorpen&limit=1");
  REQUIRE(res);
  CHECK(res->status == 200);
  res = cli.Get("/collections/buurten/items?limit=1&limit=1");
  REQUIRE(res);
  CHECK(res->status == 400);
  // The FeatureServer: ArcGIS clients never repeat a key; a repeat is an ArcGIS 400 error.
  res = cli.Get(
      "/arcgis/rest/services/gebieden/FeatureServer/0/query?f=json&where=1%3D1&"
      "where=OBJECTID%3D1");
  REQUIRE(res);
  CHECK(res->status == 200);
  j = json::parse(res->body);
  REQUIRE(j.contains("error"));
  CHECK(j["error"]["code"] == 400);
  CHECK(j["error"]["details"][0].get<std::string>().find("more than once") != std::string::npos);
}

TEST_CASE("HTTP: items in GeoJSON with paging and CRS", "[http][integration]") {
  httplib::Client cli("127.0.0.1", server().port());
  auto res = cli.Get("/collections/wijken/items?limit=5&offset=20");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/geo+json");
  CHECK(res->get_header_value("Content-Crs") == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>");
  auto j = json::parse(res->body);
  CHECK(j["numberMatched"] == 22);
  CHECK(j["numberReturned"] == 2);
  bool prev = false;
  for (auto& l : j["links"]) prev |= l["rel"] == "prev";
  CHECK(prev);
  CHECK(res->get_header_value("Access-Control-Allow-Origin") == "*");

  res = cli.Get("/health");
  REQUIRE(res);
  CHECK(json::parse(res->body)["collections"]["buurten"] == 134);
}

TEST_CASE("a malformed configuration names the member and exits non-zero",
          "[config][integration]") {
  const std::string path = test::temp_path("bad-config.json").string();  // per test process
  {
    std::ofstream f(path);
    f << R"({"boundaries": {"buurten": {"sources": ["x.geojson"]}}, "scheme": {"gebieden": []}, "server": {"port": "80"}})";
  }
  std::string out;
  const int rc = test::run_command(std::string(GEBIEDEN_BINARY) + " check --config " + path, out);
  CHECK(rc != 0);
  CHECK(out.find("scheme.gebieden") != std::string::npos);

  {
    std::ofstream f(path);
    f << R"({"boundaries": {"buurten": {"sources": ["x.geojson"]}}, "scheme": {"gebieden": [{"id":"a","wijken":["WK1"]}]}, "server": {"port": "80"}})";
  }
  CHECK(test::run_command(std::string(GEBIEDEN_BINARY) + " serve --config " + path, out) != 0);
  CHECK(out.find("server.port") != std::string::npos);

  {
    std::ofstream f(path);
    f << "{ not json";
  }
  CHECK(test::run_command(std::string(GEBIEDEN_BINARY) + " check --config " + path, out) != 0);
  CHECK(out.find("not valid JSON") != std::string::npos);
}

TEST_CASE("gebieden check on the default configuration", "[check][integration]") {
  std::string out;
  const int rc = test::run_command(
      std::string(GEBIEDEN_BINARY) + " check --config " GEBIEDEN_SOURCE_DIR "/data/leeuwarden.json",
      out);
  CHECK(rc == 0);
  CHECK(out.find("2 repaired geometries") != std::string::npos);
  CHECK(out.find("BU00806210") != std::string::npos);
  CHECK(out.find("BU00808008") != std::string::npos);
  CHECK(out.find("check passed") != std::string::npos);
}
