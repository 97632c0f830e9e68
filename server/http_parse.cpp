#include "server/http_parse.hpp"

#include <charconv>

#include "util/ascii.hpp"

namespace gebieden::server {

HttpLimits HttpLimits::of(const geo::ServerConfig& s) {
  HttpLimits l;
  l.max_request_bytes = s.max_request_bytes;
  l.max_header_bytes = s.max_header_bytes;
  l.max_uri_bytes = s.max_uri_bytes;
  l.max_connections = s.max_connections;
  l.header_timeout = std::chrono::milliseconds(s.header_timeout_ms);
  l.body_timeout = std::chrono::milliseconds(s.body_timeout_ms);
  l.keepalive_timeout = std::chrono::milliseconds(s.keepalive_timeout_ms);
  return l;
}

namespace {

bool is_tchar(char c) {
  // RFC 9110 5.6.2 token characters.
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HeadParse refuse(ErrorCode code, std::string parameter, std::string message) {
  HeadParse p;
  p.state = HeadParse::State::Refused;
  p.refusal = {code, std::move(parameter), std::move(message)};
  return p;
}

/// Whether a comma-separated header value lists `token` (case-insensitive).
bool lists(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view item = trim_ows(value.substr(0, comma));
    if (util::ascii_lower(std::string(item)) == token) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool known_method(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE" || m == "PATCH" ||
         m == "OPTIONS";
}

HeadParse parse_head(std::string_view bytes, const HttpLimits& limits) {
  std::size_t start = 0;
  while (start < bytes.size() && (bytes[start] == '\r' || bytes[start] == '\n')) ++start;
  // Leading empty lines count against the head's limit too (they cost us as much).
  const std::string_view rest = bytes.substr(start);

  // The request line.
  const std::size_t eol = rest.find('\n');
  if (eol == std::string_view::npos) {
    // The target alone may already be too long: no need to wait for the rest of the line.
    if (rest.size() > limits.max_uri_bytes + 32)
      return refuse(
          ErrorCode::URITooLong, "uri",
          "the request target is longer than " + std::to_string(limits.max_uri_bytes) + " bytes");
    if (start > limits.max_header_bytes)
      return refuse(ErrorCode::RequestHeaderFieldsTooLarge, "headers",
                    "more than " + std::to_string(limits.max_header_bytes) +
                        " bytes of empty lines before the request");
    return {};
  }
  std::string_view line = rest.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      line.find(' ', sp2 + 1) != std::string_view::npos)
    return refuse(ErrorCode::InvalidParameter, "request-line",
                  "the request line is not `METHOD target HTTP/1.1`");
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (target.size() > limits.max_uri_bytes)
    return refuse(
        ErrorCode::URITooLong, "uri",
        "the request target is longer than " + std::to_string(limits.max_uri_bytes) + " bytes");
  if (!is_token(method))
    return refuse(ErrorCode::InvalidParameter, "method", "the method is not a token");
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return refuse(ErrorCode::InvalidParameter, "version", "only HTTP/1.1 and HTTP/1.0 are served");
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return refuse(ErrorCode::InvalidParameter, "uri",
                    "the request target has a control character or a space");

  // The headers, up to the blank line.
  RequestHead head;
  head.method = std::string(method);
  head.http10 = version == "HTTP/1.0";
  std::size_t pos = eol + 1;
  std::size_t count = 0;
  bool complete = false;
  std::optional<std::size_t> content_length;
  while (true) {
    const std::size_t nl = rest.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view h = rest.substr(pos, nl - pos);
    pos = nl + 1;
    if (!h.empty() && h.back() == '\r') h.remove_suffix(1);
    if (pos - (eol + 1) > limits.max_header_bytes)
      return refuse(ErrorCode::RequestHeaderFieldsTooLarge, "headers",
                    "the request headers are larger than " +
                        std::to_string(limits.max_header_bytes) + " bytes");
    if (h.empty()) {
      complete = true;
      break;
    }
    if (++count > limits.max_header_count)
      return refuse(ErrorCode::RequestHeaderFieldsTooLarge, "headers",
                    "more than " + std::to_string(limits.max_header_count) + " header lines");
    if (h.front() == ' ' || h.front() == '\t')
      return refuse(ErrorCode::InvalidParameter, "headers",
                    "a folded header line (obs-fold) is not accepted");
    const std::size_t colon = h.find(':');
    if (colon == std::string_view::npos || !is_token(h.substr(0, colon)))
      return refuse(ErrorCode::InvalidParameter, "headers", "a header line is not `name: value`");
    const std::string name = util::ascii_lower(std::string(h.substr(0, colon)));
    const std::string_view value = trim_ows(h.substr(colon + 1));
    for (char c : value)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
        return refuse(ErrorCode::InvalidParameter, name,
                      "the header " + name + " has a control character");
    if (name == "content-length") {
      std::size_t n = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || p != value.data() + value.size()) {
        if (ec == std::errc::result_out_of_range)
          return refuse(
              ErrorCode::PayloadTooLarge, "body",
              "the body is larger than " + std::to_string(limits.max_request_bytes) + " bytes");
        return refuse(ErrorCode::InvalidParameter, "content-length",
                      "Content-Length is not a number");
      }
      if (content_length && *content_length != n)
        return refuse(ErrorCode::InvalidParameter, "content-length",
                      "Content-Length is given twice with different values");
      content_length = n;
    }
    auto [it, fresh] = head.headers.try_emplace(name, value);
    if (!fresh && name != "content-length") {
      it->second += ", ";
      it->second += value;
    }
  }
  if (!complete) {
    if (rest.size() - (eol + 1) > limits.max_header_bytes)
      return refuse(ErrorCode::RequestHeaderFieldsTooLarge, "headers",
                    "the request headers are larger than " +
                        std::to_string(limits.max_header_bytes) + " bytes");
    return {};
  }
  head.head_bytes = start + pos;

  // What the head says about the body and the connection.
  if (!known_method(head.method))
    return refuse(ErrorCode::NotImplemented, "method",
                  "the method " + head.method + " is not implemented");
  if (const auto te = head.headers.find("transfer-encoding"); te != head.headers.end()) {
    if (content_length)
      return refuse(ErrorCode::InvalidParameter, "transfer-encoding",
                    "Transfer-Encoding and Content-Length together are not accepted");
    if (head.http10)
      return refuse(ErrorCode::InvalidParameter, "transfer-encoding",
                    "Transfer-Encoding is not HTTP/1.0");
    if (util::ascii_lower(te->second) != "chunked")
      return refuse(ErrorCode::NotImplemented, "transfer-encoding",
                    "only the chunked transfer coding is implemented");
    head.chunked = true;
  }
  head.content_length = content_length.value_or(0);
  if (head.content_length > limits.max_request_bytes)
    return refuse(ErrorCode::PayloadTooLarge, "body",
                  "the body is larger than " + std::to_string(limits.max_request_bytes) + " bytes");
  const auto conn = head.headers.find("connection");
  if (head.http10)
    head.keep_alive = conn != head.headers.end() && lists(conn->second, "keep-alive");
  else
    head.keep_alive = conn == head.headers.end() || !lists(conn->second, "close");
  if (const auto ex = head.headers.find("expect"); ex != head.headers.end())
    head.expects_continue = util::ascii_lower(ex->second) == "100-continue";

  // Absolute-form (RFC 9112 3.2.2): the origin-form of it; authority-form and `*` only with
  // the methods that use them, which we do not serve.
  std::string t(target);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (t.size() >= scheme.size() && util::ascii_lower(t.substr(0, scheme.size())) == scheme) {
      const std::size_t slash = t.find_first_of("/?", scheme.size());
      t = slash == std::string::npos ? std::string("/") : t.substr(slash);
      if (t.front() == '?') t.insert(0, 1, '/');
      break;
    }
  }
  if (t.empty() || (t.front() != '/' && !(t == "*" && head.method == "OPTIONS")))
    return refuse(ErrorCode::InvalidParameter, "uri", "the request target must start with '/'");
  head.target = std::move(t);

  HeadParse p;
  p.state = HeadParse::State::Done;
  p.head = std::move(head);
  return p;
}

ChunkedParse parse_chunked(std::string_view bytes, std::size_t max_body) {
  ChunkedParse out;
  auto refused = [&](ErrorCode code, std::string message) {
    ChunkedParse r;
    r.state = ChunkedParse::State::Refused;
    r.refusal = {code, "body", std::move(message)};
    return r;
  };
  std::size_t pos = 0;
  while (true) {
    const std::size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (bytes.size() - pos > 1024)
        return refused(ErrorCode::InvalidParameter, "a chunk size line is too long");
      return out;
    }
    std::string_view line = bytes.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = line.substr(0, line.find(';'));  // chunk extensions are ignored
    line = trim_ows(line);
    std::size_t size = 0;
    const auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (line.empty() || ec != std::errc() || p != line.data() + line.size())
      return refused(ec == std::errc::result_out_of_range ? ErrorCode::PayloadTooLarge
                                                          : ErrorCode::InvalidParameter,
                     ec == std::errc::result_out_of_range ? "the body is too large"
                                                          : "a chunk size is not hexadecimal");
    pos = nl + 1;
    if (size == 0) break;
    if (size > max_body || out.body.size() + size > max_body)
      return refused(ErrorCode::PayloadTooLarge,
                     "the body is larger than " + std::to_string(max_body) + " bytes");
    if (bytes.size() < pos + size + 1) return ChunkedParse{};
    out.body.append(bytes.substr(pos, size));
    pos += size;
    if (bytes[pos] == '\r') {
      if (bytes.size() < pos + 2) return ChunkedParse{};
      ++pos;
    }
    if (bytes[pos] != '\n')
      return refused(ErrorCode::InvalidParameter, "a chunk does not end with CRLF");
    ++pos;
  }
  // Trailer lines up to the blank line.
  while (true) {
    const std::size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (bytes.size() - pos > 8192)
        return refused(ErrorCode::InvalidParameter, "the trailers are too long");
      return ChunkedParse{};
    }
    std::string_view line = bytes.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
  }
  out.state = ChunkedParse::State::Done;
  out.consumed = pos;
  return out;
}

}  // namespace gebieden::server
