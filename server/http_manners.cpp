#include "server/http_manners.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "util/ascii.hpp"
#include "util/text.hpp"

namespace gebieden::server {

namespace {
// Bodies smaller than this are not worth the gzip header and the CPU.
constexpr std::size_t kMinGzipBytes = 1024;

/// Split a comma-separated header value into trimmed, non-empty items.
template <typename F>
void for_each_item(std::string_view value, F&& f) {
  std::size_t i = 0;
  while (i <= value.size()) {
    std::size_t j = value.find(',', i);
    if (j == std::string_view::npos) j = value.size();
    const auto item = util::trim(value.substr(i, j - i));
    if (!item.empty()) f(item);
    i = j + 1;
  }
}

/// The q value of an Accept-Encoding item ("gzip;q=0.5" -> 0.5); 1 when absent, 0 if malformed.
double quality(std::string_view params) {
  std::size_t q = params.find("q=");
  if (q == std::string_view::npos) q = params.find("Q=");
  if (q == std::string_view::npos) return 1.0;
  const auto text = util::trim(params.substr(q + 2));
  double v = 0;
  if (text.empty() || text.size() > 5) return 0;
  char buf[8] = {};
  std::copy(text.begin(), text.end(), buf);
  if (std::sscanf(buf, "%lf", &v) != 1) return 0;
  return v;
}

std::string_view strip_weak(std::string_view tag) {
  tag = util::trim(tag);
  if (tag.size() > 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

bool none_match(std::string_view if_none_match, std::string_view etag) {
  bool hit = false;
  for_each_item(if_none_match, [&](std::string_view item) {
    if (item == "*" || strip_weak(item) == strip_weak(etag)) hit = true;
  });
  return hit;
}

bool is_get_ok(const Request& req, const Response& resp) {
  return req.method == "GET" && resp.status == 200 && !resp.payload().empty();
}
}  // namespace

const std::string* find_header(const Response& resp, std::string_view name) {
  for (const auto& [k, v] : resp.headers)
    if (util::ascii_iequals(k, name)) return &v;
  return nullptr;
}

void set_header(Response& resp, std::string_view name, std::string value) {
  for (auto& [k, v] : resp.headers) {
    if (util::ascii_iequals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  resp.headers.emplace_back(std::string(name), std::move(value));
}

void add_header_token(Response& resp, std::string_view name, std::string_view token) {
  for (auto& [k, v] : resp.headers) {
    if (!util::ascii_iequals(k, name)) continue;
    bool present = false;
    for_each_item(v, [&](std::string_view item) { present |= util::ascii_iequals(item, token); });
    if (!present) v += v.empty() ? std::string(token) : ", " + std::string(token);
    return;
  }
  resp.headers.emplace_back(std::string(name), std::string(token));
}

bool accepts_gzip(const Request& req) {
  const std::string value = req.header("accept-encoding");
  if (value.empty() || value.size() > 1024) return false;
  double gz = -1, star = -1;
  for_each_item(value, [&](std::string_view item) {
    const auto semi = item.find(';');
    const auto coding = util::trim(item.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1.0 : quality(item.substr(semi + 1));
    if (util::ascii_iequals(coding, "gzip") || util::ascii_iequals(coding, "x-gzip"))
      gz = std::max(gz, q);
    else if (coding == "*")
      star = std::max(star, q);
  });
  if (gz >= 0) return gz > 0;
  return star > 0;
}

bool compressible(std::string_view type) {
  if (type.rfind("text/", 0) == 0) return true;
  return type.find("json") != std::string_view::npos ||
         type.find("javascript") != std::string_view::npos ||
         type.find("xml") != std::string_view::npos;
}

std::string gzip(std::string_view data, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const auto written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
  out.resize(written);
  return out;
}

bool gunzip(std::string_view data, std::string& out) {
  out.clear();
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof(buf) - zs.avail_out);
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END;
}

std::string strong_etag(std::string_view body, std::string_view suffix) {
  // CRC-32 and Adler-32 (zlib, several GB/s) plus the length: 64 bits of hash for a tag that
  // only has to tell versions of one resource apart.
  const auto* p = reinterpret_cast<const Bytef*>(body.data());
  uLong crc = crc32(0L, Z_NULL, 0);
  uLong adl = adler32(0L, Z_NULL, 0);
  std::size_t done = 0;
  while (done < body.size()) {
    const auto n = static_cast<uInt>(std::min<std::size_t>(body.size() - done, 1u << 30));
    crc = crc32(crc, p + done, n);
    adl = adler32(adl, p + done, n);
    done += n;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "\"%08lx%08lx-%zx", crc & 0xffffffffUL, adl & 0xffffffffUL,
                body.size());
  std::string tag = buf;
  tag += suffix;
  tag.push_back('"');
  return tag;
}

namespace {
/// Will encode_body() compress this response?
bool will_gzip(const Request& req, const Response& resp) {
  return compressible(resp.content_type) && !find_header(resp, "Content-Encoding") &&
         resp.payload().size() >= kMinGzipBytes && accepts_gzip(req);
}

void not_modified(Response& resp) {
  resp.status = 304;
  resp.body.clear();
  resp.shared_body.reset();
  resp.content_type.clear();
  resp.headers.erase(std::remove_if(resp.headers.begin(), resp.headers.end(),
                                    [](const auto& h) {
                                      return util::ascii_iequals(h.first, "Content-Encoding") ||
                                             util::ascii_iequals(h.first, "Content-Crs");
                                    }),
                     resp.headers.end());
}
}  // namespace

void encode_body(const Request& req, Response& resp) {
  if (!is_get_ok(req, resp)) return;
  if (compressible(resp.content_type)) add_header_token(resp, "Vary", "Accept-Encoding");
  if (find_header(resp, "ETag")) return;  // already encoded and tagged
  const bool zip = will_gzip(req, resp);
  set_header(resp, "ETag", strong_etag(resp.payload(), zip ? "-gz" : ""));
  if (zip) {
    resp.body = gzip(resp.payload());
    resp.shared_body.reset();
    set_header(resp, "Content-Encoding", "gzip");
  }
}

void finish_response(const Request& req, Response& resp, int max_age_s) {
  set_header(resp, "Access-Control-Allow-Origin", "*");
  set_header(resp, "Access-Control-Expose-Headers",
             "ETag, Content-Crs, Link, Content-Encoding, Vary");
  const bool ok = resp.status >= 200 && resp.status < 300;
  if (!find_header(resp, "Cache-Control")) {
    if (req.method == "GET" && ok)
      set_header(resp, "Cache-Control",
                 max_age_s > 0 ? "public, max-age=" + std::to_string(max_age_s) : "no-cache");
    else if (!ok)
      set_header(resp, "Cache-Control", "no-store");
  }
  if (!is_get_ok(req, resp)) return;
  const std::string inm = req.header("if-none-match");
  if (!inm.empty() && !find_header(resp, "ETag")) {
    // Tag first: when it matches, the body is moot and need not be compressed.
    if (compressible(resp.content_type)) add_header_token(resp, "Vary", "Accept-Encoding");
    const std::string tag = strong_etag(resp.payload(), will_gzip(req, resp) ? "-gz" : "");
    if (none_match(inm, tag)) {
      set_header(resp, "ETag", tag);
      not_modified(resp);
      return;
    }
  }
  encode_body(req, resp);
  const std::string* etag = find_header(resp, "ETag");
  if (!inm.empty() && etag && none_match(inm, *etag)) not_modified(resp);
}

}  // namespace gebieden::server
