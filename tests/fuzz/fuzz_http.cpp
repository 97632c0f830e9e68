// Every route's query string and header parsing: the input is a request as text, read the way
// the HTTP front reads one (server/http_server.cpp convert: the raw query string through
// parse_query_string, its pairs sorted, header names lower-cased), and answered in-process by
// Service::respond over the dev data (loaded once). Invariant: no crash, and no status >= 500
// other than 503 (a 500 means an exception that was not an input error reached the catch-all
// of Service::answer, which prints it).
//
// Input: "METHOD TARGET\n" then "name: value\n" header lines up to an empty line, then the
// body. TARGET is the path with an optional "?query". Without a request line: GET of the
// whole input as the target.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "server/http_types.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace {
std::shared_ptr<const gebieden::server::Service> service;

std::string_view next_line(std::string_view& rest) {
  const auto nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace gebieden;
  geo::Config c = fuzz::dev_config();
  c.server.access_log.clear();
  service = std::make_shared<const server::Service>(server::load_state(c));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gebieden;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  server::Request r;
  std::string_view target;
  const std::string_view first = next_line(rest);
  const auto sp = first.find(' ');
  if (sp == std::string_view::npos) {
    r.method = "GET";
    target = first;
  } else {
    r.method = std::string(first.substr(0, sp));
    target = first.substr(sp + 1);
  }
  const auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (r.path.empty() || r.path.front() != '/') r.path.insert(r.path.begin(), '/');
  try {
    if (q != std::string_view::npos) r.query = server::parse_query_string(target.substr(q + 1));
  } catch (const input_error&) {
    return 0;  // the front answers the registry's 400
  }
  std::sort(r.query.begin(), r.query.end());
  while (!rest.empty()) {
    const std::string_view line = next_line(rest);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    r.headers[util::ascii_lower(line.substr(0, colon))] =
        std::string(util::trim(line.substr(colon + 1)));
  }
  r.body = std::string(rest);
  r.client = "192.0.2.1";
  const server::Response resp = service->respond(r);
  if (resp.status >= 500 && resp.status != 503) {
    std::fprintf(
        stderr, "status %d for %s %s\n%.*s\n", resp.status, r.method.c_str(), r.path.c_str(),
        static_cast<int>(std::min<std::size_t>(resp.payload().size(), 400)), resp.payload().data());
    gebieden::fuzz::finding("a 5xx answer");
  }
  return 0;
}
