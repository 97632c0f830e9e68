#pragma once
// HTTP manners applied to every response on its way out (ETag / If-None-Match, Cache-Control,
// CORS, compression), whichever front produced it.
//
// finish_response() respects what a handler already decided: an existing `ETag` is kept (and
// then `If-None-Match` is compared with it), an existing `Content-Encoding` means the body is
// already encoded, an existing `Cache-Control` is left alone. A handler that caches finished
// bodies calls encode_body() itself and stores the result.

#include <string>
#include <string_view>

#include "server/http_types.hpp"

namespace gebieden::server {

/// Called by Service::handle for every response, after routing and error rendering. GET 2xx
/// answers without a Cache-Control of their own may be kept `max_age_s` seconds; 0 makes them
/// `no-cache` (stored, but revalidated with the ETag every time: for data that writes change).
void finish_response(const Request& req, Response& resp, int max_age_s = 60);

/// Compress the body with gzip when the client accepts it and the type is worth it, and set
/// a strong `ETag` for the bytes that will be sent. Idempotent. GET 200 responses only.
void encode_body(const Request& req, Response& resp);

/// Does the request's `Accept-Encoding` allow gzip?
bool accepts_gzip(const Request& req);
/// Is a body of this media type worth compressing (text, JSON, JavaScript, XML)?
bool compressible(std::string_view content_type);

/// gzip (RFC 1952) of `data`; deterministic (no timestamp in the header).
std::string gzip(std::string_view data, int level = 5);
/// Inverse of gzip() for tests and clients; nullopt-like empty string plus false on bad input.
bool gunzip(std::string_view data, std::string& out);

/// A strong entity tag (quoted) for `body`; `suffix` distinguishes encodings.
std::string strong_etag(std::string_view body, std::string_view suffix = {});

/// The value of a response header (case-insensitive name), or nullptr.
const std::string* find_header(const Response& resp, std::string_view name);
/// Set a response header, replacing an existing one of the same name.
void set_header(Response& resp, std::string_view name, std::string value);
/// Add `token` to a comma-separated header (Vary) unless it is there already.
void add_header_token(Response& resp, std::string_view name, std::string_view token);

}  // namespace gebieden::server
