// The HTTP front's pure parsing (server/http_parse.*): the head, its limits, chunked bodies.
#include <catch2/catch.hpp>
#include <string>

#include "server/http_parse.hpp"

using namespace gebieden;
using namespace gebieden::server;
using State = HeadParse::State;

namespace {
HttpLimits small_limits() {
  HttpLimits l;
  l.max_header_bytes = 1024;
  l.max_uri_bytes = 256;
  l.max_request_bytes = 1000;
  l.max_header_count = 10;
  return l;
}
}  // namespace

TEST_CASE("parse_head reads a complete head and what it says", "[http_parse]") {
  const std::string req =
      "\r\nGET /collections/buurten/items?limit=2 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a:  2 \r\n"
      "Content-Length: 3\r\n\r\nabc";
  const auto p = parse_head(req, small_limits());
  REQUIRE(p.state == State::Done);
  CHECK(p.head.method == "GET");
  CHECK(p.head.target == "/collections/buurten/items?limit=2");
  CHECK(p.head.headers.at("x-a") == "1, 2");
  CHECK(p.head.headers.at("host") == "x");
  CHECK(p.head.content_length == 3);
  CHECK(p.head.keep_alive);
  CHECK(req.substr(p.head.head_bytes) == "abc");
}

TEST_CASE("parse_head waits for the blank line", "[http_parse]") {
  const std::string full = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::size_t n = 0; n < full.size(); ++n)
    CHECK(parse_head(full.substr(0, n), small_limits()).state == State::Incomplete);
  CHECK(parse_head(full, small_limits()).state == State::Done);
  // Bare LF line ends are read too.
  CHECK(parse_head("GET / HTTP/1.1\nHost: x\n\n", small_limits()).state == State::Done);
}

TEST_CASE("parse_head: keep-alive by version and Connection", "[http_parse]") {
  const auto l = small_limits();
  CHECK(parse_head("GET / HTTP/1.1\r\n\r\n", l).head.keep_alive);
  CHECK_FALSE(parse_head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", l).head.keep_alive);
  CHECK_FALSE(parse_head("GET / HTTP/1.0\r\n\r\n", l).head.keep_alive);
  CHECK(parse_head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", l).head.keep_alive);
  CHECK(parse_head("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", l)
            .head.expects_continue);
}

TEST_CASE("parse_head: absolute-form targets become origin-form", "[http_parse]") {
  const auto l = small_limits();
  CHECK(parse_head("GET http://example.org/a?b=1 HTTP/1.1\r\n\r\n", l).head.target == "/a?b=1");
  CHECK(parse_head("GET HTTPS://example.org HTTP/1.1\r\n\r\n", l).head.target == "/");
  CHECK(parse_head("GET http://example.org?x=1 HTTP/1.1\r\n\r\n", l).head.target == "/?x=1");
}

TEST_CASE("parse_head refuses with the registry's codes", "[http_parse]") {
  const auto l = small_limits();
  auto code = [&](const std::string& s) {
    const auto p = parse_head(s, l);
    REQUIRE(p.state == State::Refused);
    return p.refusal.code;
  };
  // 414: the target alone, even before its line ends.
  CHECK(code("GET /" + std::string(300, 'a') + " HTTP/1.1\r\n\r\n") == ErrorCode::URITooLong);
  CHECK(code("GET /" + std::string(300, 'a')) == ErrorCode::URITooLong);
  // 431: the header lines, even before their blank line, and too many lines; the request
  // line does not count (it has its own limit).
  CHECK(parse_head("GET /" + std::string(250, 'a') + " HTTP/1.1\r\nX: " + std::string(1000, 'b') +
                       "\r\n\r\n",
                   l)
            .state == State::Done);
  CHECK(code("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'b') + "\r\n\r\n") ==
        ErrorCode::RequestHeaderFieldsTooLarge);
  CHECK(code("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'b')) ==
        ErrorCode::RequestHeaderFieldsTooLarge);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 11; ++i) many += "X-" + std::to_string(i) + ": 1\r\n";
  CHECK(code(many + "\r\n") == ErrorCode::RequestHeaderFieldsTooLarge);
  // 413 from Content-Length alone, before any body byte.
  CHECK(code("POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n") == ErrorCode::PayloadTooLarge);
  CHECK(code("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n") ==
        ErrorCode::PayloadTooLarge);
  // 501: unknown methods and transfer codings.
  CHECK(code("TRACE / HTTP/1.1\r\n\r\n") == ErrorCode::NotImplemented);
  CHECK(code("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") == ErrorCode::NotImplemented);
  // 400: malformed.
  for (const std::string bad :
       {"GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 x\r\n\r\n", "GET noslash HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nNo colon\r\n\r\n", "GET / HTTP/1.1\r\nBad name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
        "GET /\x01 HTTP/1.1\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
    INFO(bad);
    CHECK(code(bad) == ErrorCode::InvalidParameter);
  }
  // The refusals name what was wrong.
  CHECK(parse_head("GET / HTTP/1.1\r\nX: " + std::string(2000, 'b'), l).refusal.parameter ==
        "headers");
  CHECK(parse_head("POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", l).refusal.parameter ==
        "body");
}

TEST_CASE("parse_chunked decodes, waits and refuses", "[http_parse]") {
  const std::string body =
      "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: x\r\n\r\nNEXT";
  const auto done = parse_chunked(body, 1000);
  REQUIRE(done.state == ChunkedParse::State::Done);
  CHECK(done.body == "Wikipedia in\r\n\r\nchunks.");
  CHECK(body.substr(done.consumed) == "NEXT");
  for (std::size_t n = 0; n + 4 < body.size(); ++n)
    CHECK(parse_chunked(body.substr(0, n), 1000).state == ChunkedParse::State::Incomplete);
  CHECK(parse_chunked("zz\r\n", 1000).state == ChunkedParse::State::Refused);
  CHECK(parse_chunked("3\r\nabcX\r\n0\r\n\r\n", 1000).state == ChunkedParse::State::Refused);
  const auto big = parse_chunked("10\r\n", 15);
  REQUIRE(big.state == ChunkedParse::State::Refused);
  CHECK(big.refusal.code == ErrorCode::PayloadTooLarge);
  CHECK(parse_chunked("ffffffffffffffffffffff\r\n", 15).refusal.code == ErrorCode::PayloadTooLarge);
}

TEST_CASE("HttpLimits::of takes the server configuration", "[http_parse]") {
  geo::ServerConfig s;
  s.header_timeout_ms = 1234;
  s.max_header_bytes = 4096;
  s.max_connections = 7;
  const auto l = HttpLimits::of(s);
  CHECK(l.header_timeout.count() == 1234);
  CHECK(l.max_header_bytes == 4096);
  CHECK(l.max_connections == 7);
  CHECK(l.max_request_bytes == s.max_request_bytes);
}
