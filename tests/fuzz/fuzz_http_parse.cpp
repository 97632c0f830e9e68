// The HTTP/1.1 front's own parser (server/http_parse.hpp) on raw bytes: the request head and a
// chunked body, with limits chosen by the first two bytes so that every refusal is reached.
// Invariants: nothing throws; a parsed head is one the workers can trust (a known method, an
// origin-form target, no CR, LF or NUL in the target or any header, a Content-Length within the
// limit and never together with chunked, head_bytes within the input); the parse is the same
// again, and a head is never complete one byte before its end (the reactor parses what has
// arrived so far, again and again); a decoded chunked body stays within its limit and within
// the bytes it was given.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "server/http_parse.hpp"

namespace {

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz_http_parse finding: %s\n", what.c_str());
  std::abort();
}

bool clean(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gebieden::server;
  if (size < 2) return 0;
  HttpLimits limits;
  limits.max_header_bytes = 32 + static_cast<std::size_t>(data[0]) * 16;
  limits.max_uri_bytes = 8 + static_cast<std::size_t>(data[0] & 0x3f) * 16;
  limits.max_header_count = 1 + (data[1] & 0x1f);
  limits.max_request_bytes = static_cast<std::size_t>(data[1]) * 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  try {
    const HeadParse p = parse_head(bytes, limits);
    const HeadParse again = parse_head(bytes, limits);
    if (again.state != p.state) finding("a second parse of the same bytes differs");
    if (p.state == HeadParse::State::Refused && p.refusal.parameter.empty() &&
        p.refusal.message.empty())
      finding("a refusal that says nothing");
    if (p.state != HeadParse::State::Done) return 0;
    const RequestHead& h = p.head;
    if (h.head_bytes == 0 || h.head_bytes > bytes.size()) finding("head_bytes outside the input");
    if (!known_method(h.method)) finding("an unknown method parsed: " + h.method);
    if (h.target.empty() || (h.target[0] != '/' && h.target != "*"))
      finding("a target that is not origin-form: " + h.target.substr(0, 80));
    if (!clean(h.target)) finding("CR, LF or NUL in the target");
    if (h.target.size() > limits.max_uri_bytes) finding("a target above max_uri_bytes");
    if (h.headers.size() > limits.max_header_count) finding("more headers than max_header_count");
    for (const auto& [name, value] : h.headers) {
      if (name.empty() || !clean(name) || !clean(value)) finding("CR, LF or NUL in a header");
      for (char c : name)
        if (c >= 'A' && c <= 'Z') finding("a header name not in lower case: " + name);
    }
    if (h.content_length > limits.max_request_bytes) finding("a body above max_request_bytes");
    if (h.chunked && h.content_length != 0) finding("chunked together with a Content-Length");
    // One byte less: never complete (the reactor parses again on every read).
    const HeadParse shorter = parse_head(bytes.substr(0, h.head_bytes - 1), limits);
    if (shorter.state == HeadParse::State::Done) finding("a head complete one byte before its end");
    if (h.chunked) {
      const std::string_view rest = bytes.substr(h.head_bytes);
      const ChunkedParse c = parse_chunked(rest, limits.max_request_bytes);
      if (c.state == ChunkedParse::State::Done) {
        if (c.consumed > rest.size()) finding("a chunked body beyond its bytes");
        if (c.body.size() > limits.max_request_bytes) finding("a chunked body above its limit");
        if (c.body.size() > c.consumed) finding("a chunked body longer than its encoding");
        const ChunkedParse shorter_body =
            parse_chunked(rest.substr(0, c.consumed - 1), limits.max_request_bytes);
        if (c.consumed > 0 && shorter_body.state == ChunkedParse::State::Done)
          finding("a chunked body complete one byte before its end");
      }
    }
  } catch (const std::exception& e) {
    finding(std::string("an exception: ") + e.what());
  }
  return 0;
}
