#include "server/forwarded.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>

#include "util/ascii.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace gebieden::server {

namespace {

/// The 4 or 16 bytes of a literal address; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4.
bool parse_address(std::string_view text, bool& v6, unsigned char out[16]) {
  if (text.empty() || text.size() > 45) return false;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  if (::inet_pton(AF_INET, buf, out) == 1) {
    v6 = false;
    return true;
  }
  unsigned char b6[16];
  if (::inet_pton(AF_INET6, buf, b6) != 1) return false;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b6, kMapped, 12) == 0) {
    std::memcpy(out, b6 + 12, 4);
    v6 = false;
    return true;
  }
  std::memcpy(out, b6, 16);
  v6 = true;
  return true;
}

/// A node of a forwarded chain without its port and brackets: "[2001:db8::1]:4711" ->
/// "2001:db8::1", "192.0.2.43:47011" -> "192.0.2.43". Anything else as it is.
std::string_view strip_node(std::string_view node) {
  node = util::trim(node);
  if (node.size() >= 2 && node.front() == '"' && node.back() == '"')
    node = node.substr(1, node.size() - 2);
  if (!node.empty() && node.front() == '[') {
    const auto close = node.find(']');
    return close == std::string_view::npos ? node : node.substr(1, close - 1);
  }
  const auto colon = node.find(':');
  if (colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos)
    return node.substr(0, colon);  // IPv4 with a port (an IPv6 address has several colons)
  return node;
}

/// A value of the Forwarded header, unquoted (RFC 7239: token or quoted-string).
std::string unquote(std::string_view v) {
  v = util::trim(v);
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  std::string out;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

/// The first comma-separated element of a header value, trimmed.
std::string_view first_of(std::string_view v) {
  return util::trim(v.substr(0, v.find(',')));
}

bool host_like(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' ||
          c == '[' || c == ']'))
      return false;
  return true;
}

/// A path prefix: "/" and unreserved characters, no "." or ".." segment, no trailing '/'.
std::string clean_prefix(std::string_view p) {
  p = util::trim(p);
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  if (p.empty() || p.front() != '/' || p.size() > 200) return {};
  for (char c : p)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '-' || c == '_' ||
          c == '.' || c == '~'))
      return {};
  for (const auto seg : util::split(p.substr(1), '/'))
    if (seg.empty() || seg == "." || seg == "..") return {};
  return std::string(p);
}

/// A client as it may be logged and counted: printable, at most 64 characters.
std::string clean_client(std::string_view c) {
  std::string out;
  for (char ch : c.substr(0, 64))
    out.push_back(std::isgraph(static_cast<unsigned char>(ch)) ? ch : '?');
  return out.empty() ? std::string("unknown") : out;
}

bool listed(const geo::ServerConfig& server, std::string_view address) {
  for (const auto& entry : server.trusted_proxies) {
    try {
      if (in_block(parse_address_block(entry), address)) return true;
    } catch (const config_error&) {
      // checked at start-up (check_trusted_proxies); never trusted here
    }
  }
  return false;
}

}  // namespace

AddressBlock parse_address_block(const std::string& text) {
  AddressBlock b;
  std::string_view t = util::trim(text);
  const auto slash = t.find('/');
  const std::string_view addr = t.substr(0, slash);
  if (!parse_address(addr, b.v6, b.bytes))
    throw config_error("server.trusted_proxies",
                       "'" + text.substr(0, 60) + "' is not an address or address/prefix");
  const int max = b.v6 ? 128 : 32;
  b.prefix = max;
  if (slash != std::string_view::npos) {
    const auto p = util::parse_int(t.substr(slash + 1));
    if (!p || *p < 0 || *p > max)
      throw config_error(
          "server.trusted_proxies",
          "'" + text.substr(0, 60) + "': the prefix length must be 0 to " + std::to_string(max));
    b.prefix = static_cast<int>(*p);
  }
  return b;
}

bool in_block(const AddressBlock& block, std::string_view address) {
  bool v6 = false;
  unsigned char a[16];
  if (!parse_address(address, v6, a) || v6 != block.v6) return false;
  int bits = block.prefix;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((a[i] & mask) != (block.bytes[i] & mask)) return false;
  }
  return true;
}

bool is_loopback(std::string_view address) {
  bool v6 = false;
  unsigned char a[16];
  if (!parse_address(address, v6, a)) return false;
  if (!v6) return a[0] == 127;
  static constexpr unsigned char kOne[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(a, kOne, 16) == 0;
}

bool trusted_peer(const geo::ServerConfig& server, std::string_view address) {
  if (server.trusted_proxies.empty()) return server.trust_forwarded_for;
  return listed(server, address);
}

Forwarded forwarded_of(const geo::ServerConfig& server, const Request& req) {
  Forwarded f;
  f.client = clean_client(req.client);
  if (!trusted_peer(server, req.client)) return f;
  // The chain of addresses the proxies have seen, the client first.
  std::vector<std::string> chain;
  const std::string forwarded = req.header("forwarded");
  std::string proto, host;
  if (!forwarded.empty()) {
    bool first = true;
    for (const auto element : util::split(forwarded, ',')) {
      for (const auto pair : util::split(element, ';')) {
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string key = util::ascii_lower(util::trim(pair.substr(0, eq)));
        const std::string value = unquote(pair.substr(eq + 1));
        if (key == "for") chain.emplace_back(strip_node(value));
        if (first && key == "proto") proto = util::ascii_lower(value);
        if (first && key == "host") host = value;
      }
      first = false;
    }
  } else {
    const std::string xff = req.header("x-forwarded-for");
    for (const auto node : util::split(xff, ','))
      if (!util::trim(node).empty()) chain.emplace_back(strip_node(node));
  }
  if (proto.empty()) proto = util::ascii_lower(first_of(req.header("x-forwarded-proto")));
  if (host.empty()) host = std::string(first_of(req.header("x-forwarded-host")));
  const std::string prefix = clean_prefix(first_of(req.header("x-forwarded-prefix")));
  f.via_proxy = !chain.empty() || !proto.empty() || !host.empty() || !prefix.empty();
  // From the proxy next to us towards the client: the first address that is not a trusted
  // proxy is the client (so a client cannot pass itself off as another by sending the header).
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    f.client = clean_client(*it);
    if (!listed(server, *it)) break;
  }
  if (proto == "http" || proto == "https") f.proto = proto;
  if (host_like(host)) f.host = host;
  f.prefix = prefix;
  return f;
}

std::string client_address(const geo::ServerConfig& server, const Request& req) {
  return forwarded_of(server, req).client;
}

void check_trusted_proxies(const geo::ServerConfig& server) {
  for (const auto& entry : server.trusted_proxies) (void)parse_address_block(entry);
}

}  // namespace gebieden::server
