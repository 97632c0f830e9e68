#pragma once
// Our own request/response values: handlers are plain functions of these, testable without a
// socket; only the HTTP front (server/http_server.cpp) knows sockets.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gebieden::server {

struct Request {
  std::string method;                                      // "GET", "POST", ...
  std::string path;                                        // raw path, not decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::map<std::string, std::string> headers;              // lower-case names
  std::string body;
  std::string client;  // the peer's address (host only): the per-client rate limits key on it
  // When the front received the request (its first byte, or as early as it knows); the default
  // (epoch) means "now, when Service::respond starts". The access log's duration starts here.
  std::chrono::steady_clock::time_point received{};

  std::optional<std::string> param(const std::string& name) const;
  std::string header(const std::string& lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// A finished body shared with a cache, instead of `body` (which is then empty): lets the
  /// HTTP front send a cached page without copying it. Service::handle() folds it back into
  /// `body`; only Service::respond() hands it out.
  std::shared_ptr<const std::string> shared_body;

  /// The bytes to send: `*shared_body` when set, else `body`.
  std::string_view payload() const { return shared_body ? std::string_view(*shared_body) : body; }
};

/// Percent-decode (and '+' to space when `form`). Returns nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool form);
/// The pairs of a raw query string (`a=1&b=2&a=3`, without the '?'), percent-decoded with
/// '+' as space, in order and with repeated keys kept (so that the parsers can answer "given
/// more than once"). A key without '=' has an empty value; an empty piece (`a=1&&b=2`, a
/// trailing '&') is an empty key. Throws input_error (InvalidParameter,
/// naming the key) on a malformed escape.
std::vector<std::pair<std::string, std::string>> parse_query_string(std::string_view raw);
/// Percent-encode for use in a query value or a path segment.
std::string percent_encode(std::string_view s);

}  // namespace gebieden::server
