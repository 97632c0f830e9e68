// Operations against the real server (issue #12, point 5): the access log file (one JSON line
// per request, what was answered, no secrets, no injected lines, the forwarded client only from
// a trusted proxy), /metrics after store writes and geocodes, and nginx with TLS in front
// (deploy/nginx/gebieden-https.conf with a self-signed certificate made by openssl): every
// link comes out with the proxy's https:// base, and headers a client sends to fake it do not.
#include <arpa/inet.h>
#include <grp.h>
#include <httplib.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nginx.hpp"
#include "process.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {
constexpr const char* kTokenEnv = "GEBIEDEN_TEST_OPS_TOKEN";
constexpr const char* kToken = "ops-editor-token-s3cret";
constexpr const char* kProxy = "127.0.0.2";  // the trusted proxy's address (all of 127/8 is lo)

struct OpsServer {
  fs::path access_log;
  std::string config;
};

/// data/leeuwarden.json with a store of its own, an access log file, the proxy at kProxy
/// trusted, and `extra` merged into `server`.
OpsServer ops_config(const std::string& name, const json& extra = json::object()) {
  json j = test::relocated_default_config();
  j["store"]["path"] = test::temp_path(name + ".gpkg").string();
  j["store"]["write_token_env"] = kTokenEnv;
  j["access"] = {{"keys_file", test::temp_path(name + "-keys.json").string()}};
  OpsServer o;
  o.access_log = test::temp_path(name + "-access.log");
  j["server"]["access_log"] = o.access_log.string();
  j["server"]["trusted_proxies"] = json::array({kProxy});
  for (const auto& [k, v] : extra.items()) j["server"][k] = v;
  const fs::path config = test::temp_path(name + "-config.json");
  test::write_file(config, j.dump(2));
  o.config = config.string();
  return o;
}

test::ServerOptions options(const OpsServer& o) {
  test::ServerOptions so;
  so.config = o.config;
  so.unset_env = {"GEBIEDEN_STORE_DATABASE"};
  so.env = {{kTokenEnv, kToken}};
  return so;
}

using test::read_text;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

/// The lines of the access log once it has `n` (waits up to 5 s: a line is written after its
/// response is made, so it may come a moment after the client has it).
std::vector<std::string> log_lines(const fs::path& log, std::size_t n) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  std::string text;
  while (Clock::now() < deadline) {
    text = read_text(log);
    if (lines_of(text).size() >= n) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return lines_of(text);
}

/// One HTTP/1.1 request from the local address `from` (a raw socket, so that the peer the
/// server sees is chosen): the whole response as text.
std::string raw_request(int port, const char* from, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  REQUIRE(inet_pton(AF_INET, from, &local.sin_addr) == 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return out;
}

/// The body of a raw response (after the blank line).
std::string body_of(const std::string& response) {
  const auto p = response.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : response.substr(p + 4);
}

/// A free TCP port on 127.0.0.1 (the kernel's choice; closed again for nginx to take).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  const auto p = s.find(from);
  REQUIRE(p != std::string::npos);
  s.replace(p, from.size(), to);
}

/// nginx on the HTTPS example deploy/nginx/gebieden-https.conf: TLS on `https_port`, the
/// redirect on `http_port`, the upstream `upstream`, a self-signed certificate made here with
/// openssl, and the connections to gebieden from kProxy (proxy_bind), so that the server can
/// tell the proxy from a client. Foreground, in a temporary folder; the destructor stops it.
class HttpsNginx {
 public:
  HttpsNginx(int https_port, int http_port, int upstream) : m_dir(test::temp_path("nginx-tls")) {
    fs::create_directories(m_dir);
    const std::string d = m_dir.string();
    std::string out;
    const int rc = test::run_command(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout '" + d +
            "/key.pem' -out '" + d + "/cert.pem' 2>&1",
        out);
    INFO(out);
    REQUIRE(rc == 0);
    std::string site = read_text(fs::path(test::source_dir()) / "deploy/nginx/gebieden-https.conf");
    replace_once(site, "server 127.0.0.1:8080", "server 127.0.0.1:" + std::to_string(upstream));
    replace_once(site, "listen 80;", "listen 127.0.0.1:" + std::to_string(http_port) + ";");
    replace_once(site, "listen [::]:80;", "");
    replace_once(site, "listen 443 ssl;",
                 "listen 127.0.0.1:" + std::to_string(https_port) + " ssl;");
    replace_once(site, "listen [::]:443 ssl;", "");
    replace_once(site, "/etc/letsencrypt/live/gebieden.example.nl/fullchain.pem", d + "/cert.pem");
    replace_once(site, "/etc/letsencrypt/live/gebieden.example.nl/privkey.pem", d + "/key.pem");
    replace_once(
        site, "proxy_pass http://gebieden_backend;",
        std::string("proxy_pass http://gebieden_backend;\n        proxy_bind ") + kProxy + ";");
    m_process = std::make_unique<test::NginxProcess>(m_dir, site, [&] {
      std::string o;
      return test::run_command("curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:" +
                                   std::to_string(https_port) + "/health/live",
                               o) == 0 &&
             o == "200";
    });
  }

 private:
  fs::path m_dir;
  std::unique_ptr<test::NginxProcess> m_process;
};

/// curl through nginx; `headers` are extra request headers. Returns the body; `status` gets
/// the HTTP status, `location` the Location header.
std::string curl(const std::string& url, const std::vector<std::string>& headers, int& status,
                 std::string* location = nullptr) {
  const fs::path head = test::temp_path("curl-head.txt");
  std::string cmd = "curl -sk -D '" + head.string() + "'";
  for (const auto& h : headers) cmd += " -H '" + h + "'";
  cmd += " '" + url + "'";
  std::string out;
  const int rc = test::run_command(cmd + " 2>/dev/null", out);
  REQUIRE(rc == 0);
  const std::string h = read_text(head);
  status = std::atoi(h.substr(h.find(' ') + 1, 3).c_str());
  if (location) {
    const auto p = h.find("\nLocation: ");
    *location = p == std::string::npos ? std::string() : h.substr(p + 11, h.find('\r', p) - p - 11);
  }
  return out;
}

/// Every "href" and "url" of a JSON document.
void collect_links(const json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if ((k == "href" || k == "url") && v.is_string()) out.push_back(v.get<std::string>());
      collect_links(v, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_links(v, out);
  }
}

/// How many of `links` are the service's own (on 127.0.0.1); each of them must start with
/// `base` + "/" (links to other sites, a licence, are left alone).
int ours(const std::vector<std::string>& links, const std::string& base) {
  int n = 0;
  for (const auto& l : links) {
    if (l.find("127.0.0.1") == std::string::npos) continue;
    INFO(l);
    CHECK(l.rfind(base + "/", 0) == 0);
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("access log: one JSON line per request, no secrets, the client", "[ops][http]") {
  const OpsServer o = ops_config("ops_log");
  test::ServerProcess s(options(o));
  httplib::Client c("127.0.0.1", s.port());
  c.set_read_timeout(30, 0);
  struct Sent {
    std::string method, path;
    int status;
    std::size_t bytes;
  };
  std::vector<Sent> sent;
  auto r = c.Get("/collections?f=json&token=TOPSECRET-1",
                 {{"Authorization", std::string("Bearer ") + kToken},
                  {"User-Agent", "ops \"test\" \\ agent"}});
  REQUIRE(r);
  sent.push_back({"GET", "/collections", r->status, r->body.size()});
  r = c.Get("/collections/buurten/items?limit=2&api_key=TOPSECRET-2&access_token=TOPSECRET-3");
  REQUIRE(r);
  sent.push_back({"GET", "/collections/buurten/items", r->status, r->body.size()});
  r = c.Get("/collections/x%0D%0A%7B%22forged%22%3Atrue%7D/items");
  REQUIRE(r);
  CHECK(r->status == 404);
  sent.push_back(
      {"GET", "/collections/x%0D%0A%7B%22forged%22%3Atrue%7D/items", r->status, r->body.size()});
  r = c.Head("/collections/buurten/items?limit=1");
  REQUIRE(r);
  sent.push_back({"HEAD", "/collections/buurten/items", r->status, 0});
  // A forwarded address from a peer that is not a trusted proxy is not believed...
  const std::string spoofed =
      raw_request(s.port(), "127.0.0.1",
                  "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.66\r\n"
                  "Connection: close\r\n\r\n");
  REQUIRE(spoofed.rfind("HTTP/1.1 200", 0) == 0);
  sent.push_back({"GET", "/health/live", 200, body_of(spoofed).size()});
  // ... and from the proxy it is: the client is the one before it.
  const std::string proxied = raw_request(
      s.port(), kProxy,
      "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6, 198.51.100.23\r\n"
      "Connection: close\r\n\r\n");
  REQUIRE(proxied.rfind("HTTP/1.1 200", 0) == 0);
  sent.push_back({"GET", "/health/live", 200, body_of(proxied).size()});

  const auto lines = log_lines(o.access_log, sent.size());
  REQUIRE(lines.size() == sent.size());
  const std::string all = read_text(o.access_log);
  CHECK(all.find("TOPSECRET") == std::string::npos);
  CHECK(all.find(kToken) == std::string::npos);
  CHECK(all.find('\r') == std::string::npos);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    INFO(lines[i]);
    const json j = json::parse(lines[i]);
    CHECK(j["method"] == sent[i].method);
    CHECK(j["status"] == sent[i].status);
    CHECK(j["bytes"] == sent[i].bytes);
    CHECK(j["path"].get<std::string>().rfind(sent[i].path, 0) == 0);
    CHECK(j["duration_ms"].get<double>() >= 0);
    CHECK(j["time"].get<std::string>().size() == 24);  // 2026-12-02T07:01:02.123Z
    CHECK(j["time"].get<std::string>().back() == 'Z');
    const std::string route = j["route"];
    CHECK((route == "other" || route.rfind("/", 0) == 0));
  }
  CHECK(json::parse(lines[0])["path"] == "/collections?f=json&token=***");
  CHECK(json::parse(lines[0])["user_agent"] == "ops \"test\" \\ agent");
  CHECK(json::parse(lines[1])["route"] == "/collections/{collectionId}/items");
  CHECK(json::parse(lines[2])["route"] == "/collections/{collectionId}/items");
  const json spoof_line = json::parse(lines[4]);
  CHECK(spoof_line["client"] == "127.0.0.1");
  CHECK_FALSE(spoof_line.contains("peer"));
  const json proxy_line = json::parse(lines[5]);
  CHECK(proxy_line["client"] == "198.51.100.23");
  CHECK(proxy_line["peer"] == kProxy);
  CHECK(proxy_line["route"] == "/health/live");
}

TEST_CASE("metrics over HTTP: store writes and geocoder results, ready", "[ops][http][store]") {
  const OpsServer o = ops_config("ops_metrics");
  test::ServerProcess s(options(o));
  httplib::Client c("127.0.0.1", s.port());
  c.set_read_timeout(60, 0);
  auto metric = [&](const std::string& series) {
    auto r = c.Get("/metrics");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    // The value of the line that starts with `series` (0 when absent).
    for (const auto& line : lines_of(r->body))
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return 0.0;
  };
  const std::string created =
      R"(gebieden_store_writes_total{source="ogc",operation="create",result="accepted",outcome="created"})";
  const std::string conflict =
      R"(gebieden_store_writes_total{source="ogc",operation="create",result="rejected",outcome="conflict"})";
  const std::string precondition =
      R"(gebieden_store_writes_total{source="ogc",operation="update",result="rejected",outcome="precondition_failed"})";
  const std::string on_write = R"(gebieden_geocoder_results_total{kind="write",status="address"})";
  CHECK(metric(created) == 0);
  CHECK(metric(on_write) == 0);

  const httplib::Headers key = {{"Authorization", std::string("Bearer ") + kToken}};
  json f = {{"type", "Feature"},
            {"geometry", nullptr},
            {"properties",
             {{"naam", "Metriekvereniging"},
              {"straat", "Sweelincksingel"},
              {"huisnummer", "11"},
              {"postcode", "8927CX"},
              {"plaats", "Leeuwarden"}}}};
  auto r = c.Post("/collections/organisaties/items", key, f.dump(), "application/geo+json");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  f["id"] = "ORG0001";  // exists: a conflict
  r = c.Post("/collections/organisaties/items", key, f.dump(), "application/geo+json");
  REQUIRE(r);
  CHECK(r->status == 409);
  httplib::Headers stale = key;
  stale.emplace("If-Match", "\"not-the-etag\"");
  r = c.Patch("/collections/organisaties/items/ORG0001", stale,
              R"({"properties":{"naam":"Anders"}})", "application/merge-patch+json");
  REQUIRE(r);
  CHECK(r->status == 412);
  // A write refused before the store (no key) is a request, not a store write.
  r = c.Post("/collections/organisaties/items", f.dump(), "application/geo+json");
  REQUIRE(r);
  CHECK(r->status == 401);

  CHECK(metric(created) == 1);
  CHECK(metric(conflict) == 1);
  CHECK(metric(precondition) == 1);
  CHECK(metric(on_write) == 1);
  CHECK(
      metric(
          R"(gebieden_http_requests_total{route="/collections/{collectionId}/items",method="POST",code="401"})") ==
      1);
  // A GeoServices add is counted with its source.
  const std::string fs = "/arcgis/rest/services/gebieden/FeatureServer";
  r = c.Get(fs + "?f=json");
  REQUIRE(r);
  int layer = -1;
  const json service = json::parse(r->body);
  for (const auto& l : service["layers"])
    if (l["name"] == "Organisaties") layer = l["id"].get<int>();
  REQUIRE(layer >= 0);
  const json add = json::array({{{"attributes",
                                  {{"naam", "Metriek via ArcGIS"},
                                   {"straat", "Sweelincksingel"},
                                   {"huisnummer", "11"},
                                   {"postcode", "8927CX"},
                                   {"plaats", "Leeuwarden"}}}}});
  r = c.Post(fs + "/" + std::to_string(layer) + "/addFeatures",
             httplib::Params{{"features", add.dump()}, {"f", "json"}, {"token", kToken}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  INFO(r->body);
  CHECK(json::parse(r->body)["addResults"][0]["success"] == true);
  CHECK(
      metric(
          R"(gebieden_store_writes_total{source="arcgis",operation="create",result="accepted",outcome="created"})") ==
      1);
  CHECK(metric(on_write) == 2);
  r = c.Get("/health/ready");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(json::parse(r->body)["checks"]["store"]["status"] == "ok");
}

TEST_CASE("behind nginx with TLS: links carry the proxy's https base", "[ops][http][nginx]") {
  const OpsServer o = ops_config("ops_tls");
  test::ServerProcess s(options(o));
  const int https_port = free_port();
  const int http_port = free_port();
  HttpsNginx nginx(https_port, http_port, s.port());
  const std::string base = "https://127.0.0.1:" + std::to_string(https_port);

  // The OGC links, the FeatureServer URLs, the HTML pages: all https and nginx's host:port.
  int status = 0;
  for (const std::string path :
       {"/?f=json", "/collections?f=json", "/collections/buurten/items?limit=2&f=json",
        "/arcgis/rest/services?f=json"}) {
    INFO(path);
    const json j = json::parse(curl(base + path, {}, status));
    CHECK(status == 200);
    std::vector<std::string> links;
    collect_links(j, links);
    CHECK(ours(links, base) > 0);
  }
  const std::string html = curl(base + "/collections/buurten", {"Accept: text/html"}, status);
  CHECK(status == 200);
  CHECK(html.find(base + "/collections/buurten/items") != std::string::npos);
  CHECK(html.find("http://127.0.0.1") == std::string::npos);
  // What a client sends to fake the base or its address does not get through nginx.
  const json faked = json::parse(
      curl(base + "/collections?f=json",
           {"X-Forwarded-Host: evil.example", "X-Forwarded-Proto: http",
            "Forwarded: for=6.6.6.6;proto=http;host=evil.example", "X-Forwarded-Prefix: /evil"},
           status));
  std::vector<std::string> links;
  collect_links(faked, links);
  CHECK(ours(links, base) > 0);
  for (const auto& l : links) CHECK(l.find("evil") == std::string::npos);
  // Plain http on the proxy is a redirect to https.
  std::string location;
  curl("http://127.0.0.1:" + std::to_string(http_port) + "/collections", {}, status, &location);
  CHECK(status == 301);
  CHECK(location.rfind("https://127.0.0.1/collections", 0) == 0);
  // /metrics is not served through the proxy; on the instance, from loopback, it is.
  curl(base + "/metrics", {}, status);
  CHECK(status == 404);
  // Straight to the instance, the same forwarded headers from a client are not believed.
  const std::string direct = raw_request(
      s.port(), "127.0.0.1",
      "GET /collections?f=json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
      "X-Forwarded-Host: evil.example\r\nConnection: close\r\n\r\n");
  links.clear();
  collect_links(json::parse(body_of(direct)), links);
  CHECK(ours(links, "http://127.0.0.1") > 0);
  for (const auto& l : links) CHECK(l.find("evil") == std::string::npos);
  // The access log names the client nginx saw, and nginx as the peer.
  bool seen = false;
  for (const auto& line : lines_of(read_text(o.access_log))) {
    const json j = json::parse(line);
    if (j.value("peer", "") != kProxy) continue;
    seen = true;
    CHECK(j["client"] == "127.0.0.1");  // not the 6.6.6.6 the client claimed
  }
  CHECK(seen);
}

TEST_CASE("deploy: the systemd unit verifies and the container has what the binary links",
          "[ops][deploy]") {
  const fs::path src(test::source_dir());
  // systemd-analyze verify on the unit, with the built binary in ExecStart (it checks that the
  // command exists) and nothing else changed.
  std::string unit = read_text(src / "deploy/systemd/gebieden.service");
  REQUIRE(unit.find("ExecStart=/usr/bin/gebieden serve") != std::string::npos);
  for (const char* must :
       {"ProtectSystem=strict", "ReadWritePaths=/var/lib/gebieden", "Restart=on-failure",
        "ExecReload=/bin/kill -HUP $MAINPID", "NoNewPrivileges=yes", "User=gebieden"})
    CHECK(unit.find(must) != std::string::npos);
  replace_once(unit, "ExecStart=/usr/bin/gebieden", std::string("ExecStart=") + GEBIEDEN_BINARY);
  const fs::path dir = test::temp_path("systemd");
  fs::create_directories(dir);
  test::write_file(dir / "gebieden.service", unit);
  std::string out;
  REQUIRE(access("/usr/bin/systemd-analyze", X_OK) == 0);  // Debian's systemd
  const int rc = test::run_command(
      "systemd-analyze verify '" + (dir / "gebieden.service").string() + "'", out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("gebieden.service") == std::string::npos);  // no complaint about it

  // The container: Debian 12, a user that is not root, the store in a volume, the health check
  // on the liveness route, and in its run stage the package of every library the binary needs
  // (but the C and C++ runtimes every Debian image has).
  const std::string cf = read_text(src / "deploy/container/Containerfile");
  const auto run_stage = cf.rfind("\nFROM debian:12");
  REQUIRE(run_stage != std::string::npos);
  REQUIRE(cf.find("\nFROM debian:12 AS build") != std::string::npos);
  const std::string run = cf.substr(run_stage);
  CHECK(run.find("\nUSER gebieden") != std::string::npos);
  CHECK(run.find("VOLUME [\"/var/lib/gebieden\"]") != std::string::npos);
  CHECK(run.find("HEALTHCHECK") != std::string::npos);
  CHECK(run.find("/health/live") != std::string::npos);
  REQUIRE(test::run_command(std::string("readelf -d '") + GEBIEDEN_BINARY + "'", out) == 0);
  int needed = 0;
  for (const auto& line : lines_of(out)) {
    const auto a = line.find("Shared library: [");
    if (a == std::string::npos) continue;
    const std::string lib = line.substr(a + 17, line.find(']', a) - a - 17);
    std::string owners;
    REQUIRE(test::run_command("dpkg -S '" + lib + "'", owners) == 0);
    std::string package;
    for (const auto& o : lines_of(owners)) {
      const auto colon = o.find(": ");
      if (colon == std::string::npos || o.size() < lib.size() + 1 ||
          o.substr(o.size() - lib.size() - 1) != "/" + lib ||
          o.find("/lib32/") != std::string::npos || o.find("/libx32/") != std::string::npos)
        continue;
      package = o.substr(0, colon);
      package = package.substr(0, package.find(':'));
      break;
    }
    INFO(lib);
    REQUIRE(!package.empty());
    ++needed;
    if (package == "libc6" || package == "libstdc++6" || package == "libgcc-s1") continue;
    // A sanitizer build (make test-asan) links the sanitizer runtimes, which the release build
    // of the container never does.
    if (package.rfind("libasan", 0) == 0 || package.rfind("libubsan", 0) == 0) continue;
    CHECK(run.find(" " + package + " ") != std::string::npos);
  }
  CHECK(needed >= 8);
}
