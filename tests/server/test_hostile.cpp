// Slow and hostile clients against the real server (issue 12, point 3; docs/limits.md): every
// limit of the HTTP front answered with the registry's JSON body, slowloris connections that do
// not delay anyone else, the connection cap, CR/LF injection, `..` in static paths, JSONP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr int kHeaderTimeoutMs = 2500;
constexpr int kBodyTimeoutMs = 1500;

struct Hostile {
  std::string config;
  std::filesystem::path access_log;
};

Hostile hostile_config(const std::string& name, const json& server) {
  json j = test::relocated_default_config();
  j["store"]["path"] = test::temp_path(name + ".gpkg").string();
  Hostile h;
  h.access_log = test::temp_path(name + "-access.log");
  j["server"]["access_log"] = h.access_log.string();
  for (const auto& [k, v] : server.items()) j["server"][k] = v;
  const auto path = test::temp_path(name + "-config.json");
  test::write_file(path, j.dump(2));
  h.config = path.string();
  return h;
}

test::ServerProcess& server() {
  static const Hostile h = hostile_config(
      "hostile", {{"header_timeout_ms", kHeaderTimeoutMs}, {"body_timeout_ms", kBodyTimeoutMs}});
  static test::ServerProcess s([] {
    test::ServerOptions o;
    o.config = h.config;
    o.unset_env = {"GEBIEDEN_STORE_DATABASE"};
    return o;
  }());
  return s;
}

/// A plain TCP connection: what HTTP libraries would refuse to send.
class Raw {
 public:
  explicit Raw(int port) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m_ok = ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    timeval tv{10, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~Raw() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  bool ok() const { return m_ok; }
  int fd() const { return m_fd; }
  bool send_all(const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
      const auto n = ::send(m_fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  /// One response: false on a timeout, a closed connection or a malformed response. `raw_head`
  /// gets the status line and headers as sent.
  bool read(int& status, std::map<std::string, std::string>& headers, std::string& body,
            std::string* raw_head = nullptr) {
    headers.clear();
    body.clear();
    std::size_t end;
    while ((end = m_buf.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    const std::string head = m_buf.substr(0, end + 2);
    if (raw_head) *raw_head = head;
    std::istringstream in(head);
    std::string line;
    std::getline(in, line);
    if (line.rfind("HTTP/1.1 ", 0) != 0) return false;
    status = std::stoi(line.substr(9, 3));
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      const auto colon = line.find(':');
      if (colon == std::string::npos) return false;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      headers[name] = line.substr(colon + 2);
    }
    m_buf.erase(0, end + 4);
    const std::size_t length =
        headers.count("content-length") ? std::stoul(headers["content-length"]) : 0;
    while (m_buf.size() < length)
      if (!fill()) return false;
    body = m_buf.substr(0, length);
    m_buf.erase(0, length);
    return true;
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

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  std::string head;
  bool ok = false;
};

/// Send `request` (bytes as they are) on a new connection and read one answer.
Answer ask(int port, const std::string& request) {
  Answer a;
  Raw c(port);
  if (!c.ok() || !c.send_all(request)) return a;
  a.ok = c.read(a.status, a.headers, a.body, &a.head);
  return a;
}

/// The registry's error body: its code, and the status it repeats.
std::string code_of(const Answer& a) {
  if (a.headers.count("content-type") == 0 ||
      a.headers.at("content-type").rfind("application/json", 0) != 0)
    return "(not JSON: " + a.body.substr(0, 80) + ")";
  const json j = json::parse(a.body);
  CHECK(j["status"] == a.status);
  return j.value("code", "");
}

const std::string kSmall = "/collections/gebieden/items?limit=2&f=json";

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

/// How long one normal request takes on a fresh connection, in ms.
double normal_request_ms(int port) {
  const auto t0 = Clock::now();
  const Answer a = ask(port, get(kSmall));
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  REQUIRE(a.ok);
  REQUIRE(a.status == 200);
  return ms;
}

double median_ms(int port, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(normal_request_ms(port));
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 8192);
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

TEST_CASE("hostile: 500 slowloris connections delay nobody and get 408 JSON",
          "[hostile][integration]") {
  raise_fd_limit();
  const int port = server().port();
  normal_request_ms(port);  // warm
  const double before = median_ms(port, 9);

  constexpr int kSlow = 500;
  std::vector<std::unique_ptr<Raw>> slow;
  const std::string start = "GET " + kSmall + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<Raw>(port));
    REQUIRE(slow.back()->ok());
    REQUIRE(slow.back()->send_all(start.substr(0, 1)));
  }
  // A byte a second on each, while normal requests are measured.
  const auto t0 = Clock::now();
  std::size_t sent = 1;
  double during = 0;
  bool measured = false;
  while (Clock::now() - t0 < milliseconds(kHeaderTimeoutMs - 300)) {
    for (auto& c : slow) c->send_all(start.substr(sent % start.size(), 1));
    ++sent;
    if (!measured) {
      std::this_thread::sleep_for(milliseconds(300));
      during = median_ms(port, 9);
      measured = true;
      std::this_thread::sleep_for(milliseconds(700));
    } else {
      std::this_thread::sleep_for(milliseconds(1000));
    }
  }
  WARN("median of 9 normal requests: " << before << " ms before, " << during
                                       << " ms during the attack");
  CHECK(during < before + 50);

  // After the header timeout, each slow connection is told 408 in JSON and closed.
  int timed_out = 0;
  for (auto& c : slow) {
    Answer a;
    a.ok = c->read(a.status, a.headers, a.body);
    if (a.ok && a.status == 408 && code_of(a) == "RequestTimeout") ++timed_out;
  }
  CHECK(timed_out == kSlow);
  CHECK(Clock::now() - t0 < std::chrono::seconds(kHeaderTimeoutMs / 1000 + 4));
  CHECK(server().alive());
}

TEST_CASE("hostile: every limit is a JSON error naming it", "[hostile][integration]") {
  const int port = server().port();
  // 431: a 100 kB header.
  Answer a =
      ask(port, "GET " + kSmall + " HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100000, 'b') +
                    "\r\n\r\n");
  REQUIRE(a.ok);
  CHECK(a.status == 431);
  CHECK(code_of(a) == "RequestHeaderFieldsTooLarge");
  CHECK(a.headers["connection"] == "close");
  // Many small headers adding up past 16 KiB too.
  std::string many = "GET " + kSmall + " HTTP/1.1\r\n";
  for (int i = 0; i < 90; ++i)
    many += "X-" + std::to_string(i) + ": " + std::string(200, 'v') + "\r\n";
  a = ask(port, many + "\r\n");
  REQUIRE(a.ok);
  CHECK(a.status == 431);

  // 413 from Content-Length alone, without waiting for (or sending) the body.
  {
    Raw c(port);
    REQUIRE(
        c.send_all("POST /collections/meldingen/items HTTP/1.1\r\nHost: x\r\n"
                   "Content-Type: application/geo+json\r\nContent-Length: 10000000000\r\n\r\n"));
    const auto t0 = Clock::now();
    Answer b;
    REQUIRE(c.read(b.status, b.headers, b.body));
    CHECK(Clock::now() - t0 < milliseconds(kBodyTimeoutMs / 2));
    CHECK(b.status == 413);
    CHECK(code_of(b) == "PayloadTooLarge");
    CHECK(json::parse(b.body)["parameter"] == "body");
  }
  // With Expect: 100-continue, the 413 comes instead of the 100.
  a = ask(port,
          "POST /collections/meldingen/items HTTP/1.1\r\nHost: x\r\n"
          "Expect: 100-continue\r\nContent-Length: 5000000\r\n\r\n");
  REQUIRE(a.ok);
  CHECK(a.status == 413);

  // 414: a 300 kB target (the limit, 256 KiB, is far above any real one).
  a = ask(port, get(kSmall + "&x=" + std::string(300000, 'u')));
  REQUIRE(a.ok);
  CHECK(a.status == 414);
  CHECK(code_of(a) == "URITooLong");

  // 400: malformed request lines and headers.
  for (const std::string bad :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string("GET nopath HTTP/1.1\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nNo-colon\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc"),
        std::string(
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")}) {
    INFO(bad);
    a = ask(port, bad);
    REQUIRE(a.ok);
    CHECK(a.status == 400);
    CHECK(code_of(a) == "InvalidParameterValue");
  }
  // 501: unknown methods and transfer codings.
  a = ask(port, "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(a.ok);
  CHECK(a.status == 501);
  CHECK(code_of(a) == "NotImplemented");
  a = ask(port, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  REQUIRE(a.ok);
  CHECK(a.status == 501);

  // 408: a body that stops coming.
  {
    Raw c(port);
    REQUIRE(c.send_all("POST /geocode HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
    const auto t0 = Clock::now();
    Answer b;
    REQUIRE(c.read(b.status, b.headers, b.body));
    const auto waited = Clock::now() - t0;
    CHECK(b.status == 408);
    CHECK(code_of(b) == "RequestTimeout");
    CHECK(waited > milliseconds(kBodyTimeoutMs - 200));
    CHECK(waited < milliseconds(kBodyTimeoutMs + 1500));
  }

  // A chunked body is read (the route then answers as for any body).
  a = ask(port,
          "POST /collections/gebieden/items HTTP/1.1\r\nHost: x\r\n"
          "Transfer-Encoding: chunked\r\n\r\n3\r\n{}x\r\n0\r\n\r\n");
  REQUIRE(a.ok);
  CHECK(a.status >= 400);
  CHECK(a.status < 500);

  CHECK(server().alive());
}

TEST_CASE("hostile: front answers are counted in the access log and /metrics",
          "[hostile][integration]") {
  const Hostile h = hostile_config("hostile-log", {{"header_timeout_ms", 1000}});
  test::ServerOptions o;
  o.config = h.config;
  o.unset_env = {"GEBIEDEN_STORE_DATABASE"};
  test::ServerProcess s(o);
  Answer a = ask(s.port(), "GET /x HTTP/1.1\r\nX-Big: " + std::string(30000, 'b') + "\r\n\r\n");
  REQUIRE(a.status == 431);
  a = ask(s.port(), "BREW /pot HTTP/1.1\r\n\r\n");
  REQUIRE(a.status == 501);
  {
    Raw c(s.port());
    REQUIRE(c.send_all("GET /colle"));
    REQUIRE(c.read(a.status, a.headers, a.body));
    REQUIRE(a.status == 408);
  }
  a = ask(s.port(), get(kSmall));
  REQUIRE(a.status == 200);
  a = ask(s.port(), get("/metrics"));
  REQUIRE(a.status == 200);
  CHECK(a.body.find("code=\"431\"") != std::string::npos);
  CHECK(a.body.find("code=\"408\"") != std::string::npos);
  CHECK(a.body.find("code=\"501\"") != std::string::npos);
  std::this_thread::sleep_for(milliseconds(300));
  std::ifstream in(h.access_log);
  std::string line;
  std::map<int, int> statuses;
  while (std::getline(in, line)) {
    const json j = json::parse(line);  // every line is one JSON object
    statuses[j["status"].get<int>()]++;
  }
  CHECK(statuses[431] == 1);
  CHECK(statuses[501] == 1);
  CHECK(statuses[408] == 1);
  CHECK(statuses[200] >= 1);
}

TEST_CASE("hostile: above server.max_connections, 503 JSON; below again, served",
          "[hostile][integration]") {
  const Hostile h = hostile_config("hostile-cap", {{"max_connections", 8}});
  test::ServerOptions o;
  o.config = h.config;
  o.unset_env = {"GEBIEDEN_STORE_DATABASE"};
  test::ServerProcess s(o);
  std::vector<std::unique_ptr<Raw>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<Raw>(s.port()));
    REQUIRE(held.back()->ok());
  }
  std::this_thread::sleep_for(milliseconds(200));
  Answer a = ask(s.port(), get(kSmall));
  REQUIRE(a.ok);
  CHECK(a.status == 503);
  CHECK(code_of(a) == "ServiceUnavailable");
  // The held ones are served.
  REQUIRE(held[0]->send_all(get(kSmall)));
  REQUIRE(held[0]->read(a.status, a.headers, a.body));
  CHECK(a.status == 200);
  held.pop_back();
  std::this_thread::sleep_for(milliseconds(200));
  a = ask(s.port(), get(kSmall));
  REQUIRE(a.ok);
  CHECK(a.status == 200);
}

TEST_CASE("hostile: no header injection with CR/LF, no `..` out of /static, JSONP callbacks",
          "[hostile][integration]") {
  const int port = server().port();
  // Encoded CR/LF in the path, the query and a callback never make a header line.
  for (const std::string target :
       {std::string("/collections/buurten%0d%0aSet-Cookie:%20evil=1/items"),
        std::string("/collections/gebieden/items?f=json%0d%0aSet-Cookie:%20evil=1"),
        std::string("/collections/gebieden/items?limit=1&f=json&next=%0D%0ALocation:%20http://e"),
        std::string("/static/leaflet%0d%0aSet-Cookie:%20evil=1"),
        std::string("/arcgis/rest/services/gebieden/FeatureServer/0/query?where=1%3D1&"
                    "returnCountOnly=true&f=json&callback=cb%0d%0aSet-Cookie:%20evil=1")}) {
    INFO(target);
    const Answer a = ask(port, get(target));
    REQUIRE(a.ok);
    CHECK(a.status < 500);
    CHECK(a.headers.count("set-cookie") == 0);
    CHECK(a.head.find("\r\nSet-Cookie") == std::string::npos);
    CHECK(a.head.find("\r\nLocation: http://e") == std::string::npos);
  }
  // A raw CR inside a header value is refused outright.
  Answer a = ask(port, "GET / HTTP/1.1\r\nX-A: b\rSet-Cookie: c\r\n\r\n");
  REQUIRE(a.ok);
  CHECK(a.status == 400);

  // `..` and its encodings out of /static: 404 (or 400), JSON, nothing of the file system.
  const Answer good = ask(port, get("/static/leaflet/leaflet.css"));
  REQUIRE(good.ok);
  CHECK(good.status == 200);
  for (const std::string target :
       {"/static/../../../../etc/passwd", "/static/leaflet/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/%2E%2e/%2e%2E/etc/passwd",
        "/static/leaflet/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/static/leaflet/..%5c..%5cetc%5cpasswd", "/static/%252e%252e/%252e%252e/etc/passwd",
        "/static/leaflet/%2e%2e%2f%2e%2e%2fCMakeLists.txt", "/static/leaflet/.%2e/.%2e/leaflet.css",
        "/static/leaflet/leaflet.css%00.png", "/static/%c0%ae%c0%ae/etc/passwd"}) {
    INFO(target);
    a = ask(port, get(target));
    REQUIRE(a.ok);
    CHECK((a.status == 404 || a.status == 400));
    CHECK(code_of(a) != "");
    CHECK(a.body.find("root:") == std::string::npos);
  }

  // JSONP: the callback is reduced to identifier characters.
  a = ask(port, get("/arcgis/rest/services/gebieden/FeatureServer/0/query?where=1%3D1&"
                    "returnCountOnly=true&f=json&callback=alert(1)%3B%3C%2Fscript%3E%0d%0a"));
  REQUIRE(a.ok);
  CHECK(a.status == 200);
  CHECK(a.body.rfind("/**/alert1script(", 0) == 0);
  CHECK(a.body.find('<') == std::string::npos);
}
