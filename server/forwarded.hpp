#pragma once
// Behind a reverse proxy (issue #12, point 5): who the client is and which public base the
// proxy serves, from the forwarded headers (RFC 7239 `Forwarded`, and the de-facto
// `X-Forwarded-For`, `-Proto`, `-Host`, `-Prefix`), believed only when the connection comes
// from a proxy of server.trusted_proxies. A header from anyone else changes nothing.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "geo/config.hpp"
#include "server/http_types.hpp"

namespace gebieden::server {

/// An address block: an IPv4 or IPv6 address with a prefix length.
struct AddressBlock {
  bool v6 = false;
  unsigned char bytes[16] = {};
  int prefix = 0;
};

/// "10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8". Throws config_error (server.trusted_proxies)
/// naming the entry when it is not one.
AddressBlock parse_address_block(const std::string& text);
/// Is `address` (a literal IPv4 or IPv6 address; IPv4-mapped IPv6 counts as IPv4) in `block`?
bool in_block(const AddressBlock& block, std::string_view address);
/// Is `address` a loopback address (127.0.0.0/8, ::1, ::ffff:127.x.y.z)?
bool is_loopback(std::string_view address);

/// What the proxy said about a request, when the peer is a trusted proxy.
struct Forwarded {
  bool via_proxy = false;  // the peer is trusted and sent forwarded headers
  std::string client;      // the client: the peer, or the first untrusted address of the chain
  std::string proto;       // "http" or "https" (empty: not said)
  std::string host;        // host[:port] as the client asked for it (empty: not said)
  std::string prefix;      // the path the proxy serves us under, "/gebieden" (empty: none)
};

/// Is the peer `address` a proxy whose forwarded headers are believed: one of
/// server.trusted_proxies, or any peer when that list is empty and trust_forwarded_for is set
/// (the setting before trusted_proxies, which believed X-Forwarded-For from everyone).
bool trusted_peer(const geo::ServerConfig& server, std::string_view address);

/// The forwarded information of `req` (its peer in `req.client`). Values that do not look like
/// what they should be (a proto other than http/https, a host with characters no host has, a
/// prefix with `..`) are dropped.
Forwarded forwarded_of(const geo::ServerConfig& server, const Request& req);

/// The client of `req`: forwarded_of(...).client, or "unknown" without any.
std::string client_address(const geo::ServerConfig& server, const Request& req);

/// Check server.trusted_proxies (throws config_error naming the bad entry).
void check_trusted_proxies(const geo::ServerConfig& server);

}  // namespace gebieden::server
