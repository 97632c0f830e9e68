#pragma once
// The pure part of the HTTP/1.1 front (server/http_server.cpp): the limits it enforces and the
// parsing of a request's head and of a chunked body, without sockets, so that each rule can be
// tested on bytes (tests/server/test_http_parse.cpp). docs/limits.md lists every limit.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "geo/config.hpp"
#include "util/error.hpp"

namespace gebieden::server {

/// What the front accepts from a client, and how long it waits (docs/limits.md).
struct HttpLimits {
  std::size_t max_request_bytes = 1 << 20;          // a body (Content-Length or chunked), else 413
  std::size_t max_header_bytes = 16384;             // request line and headers together, else 431
  std::size_t max_uri_bytes = 8192;                 // the request target, else 414
  std::size_t max_header_count = 100;               // header lines, else 431
  int max_connections = 1024;                       // open connections; the next one gets 503
  std::chrono::milliseconds header_timeout{10000};  // the head, else 408
  std::chrono::milliseconds body_timeout{30000};    // the body after the head, else 408
  std::chrono::milliseconds keepalive_timeout{60000};  // idle between requests: closed

  static HttpLimits of(const geo::ServerConfig& server);
};

/// A request's head as the front read it.
struct RequestHead {
  std::string method;  // as sent (a known one: GET HEAD POST PUT DELETE PATCH OPTIONS)
  std::string target;  // origin-form: the path and the query ("/a?b=c"); absolute-form reduced
  bool http10 = false;
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined with ", "
  std::size_t content_length = 0;
  bool chunked = false;           // Transfer-Encoding: chunked (then content_length is 0)
  bool keep_alive = true;         // RFC 9112: 1.1 unless `close`, 1.0 only with `keep-alive`
  bool expects_continue = false;  // Expect: 100-continue
  std::size_t head_bytes = 0;     // bytes of the head, its blank line included
};

/// Why a head (or a body) is refused: the registry's code, the parameter it names, a message.
struct HttpRefusal {
  ErrorCode code;
  std::string parameter;
  std::string message;
};

/// The outcome of parsing what has arrived so far.
struct HeadParse {
  enum class State { Incomplete, Done, Refused } state = State::Incomplete;
  RequestHead head;     // when Done
  HttpRefusal refusal;  // when Refused
};

/// Parse the head at the start of `bytes` (leading empty lines are skipped, as RFC 9112 2.2
/// allows). Incomplete while its blank line has not arrived and no limit is passed; Refused:
/// 414 (target above max_uri_bytes, known as soon as that many bytes of the request line
/// arrived), 431 (header lines above max_header_bytes together, known as soon as that many
/// arrived, or more than max_header_count of them), 413
/// (Content-Length above max_request_bytes: said before any body byte is read), 501 (unknown
/// method, a transfer coding other than chunked), 400 (anything malformed: the request line,
/// a header line, a bare CR, obs-fold, Content-Length not a number or given twice differently,
/// Content-Length together with Transfer-Encoding).
HeadParse parse_head(std::string_view bytes, const HttpLimits& limits);

/// The outcome of decoding a chunked body.
struct ChunkedParse {
  enum class State { Incomplete, Done, Refused } state = State::Incomplete;
  std::string body;          // when Done: the decoded bytes
  std::size_t consumed = 0;  // when Done: the bytes of `bytes` the body took, trailers included
  HttpRefusal refusal;       // when Refused: 400 malformed, 413 above `max_body`
};

/// Decode a chunked body (RFC 9112 7.1) at the start of `bytes`; trailers are read and
/// ignored.
ChunkedParse parse_chunked(std::string_view bytes, std::size_t max_body);

/// True for a method the front knows (the others get 501).
bool known_method(std::string_view method);

}  // namespace gebieden::server
