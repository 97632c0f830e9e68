#include "server/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "util/ascii.hpp"
#include "util/error.hpp"
#include "util/utf8.hpp"

namespace gebieden::server {

bool secret_parameter(std::string_view name) {
  for (std::string_view s : {"token", "key", "api_key", "apikey", "access_token", "password",
                             "secret", "client_secret", "refresh_token"})
    if (util::ascii_iequals(name, s)) return true;
  return false;
}

std::string loggable_target(const Request& req, std::size_t max) {
  std::string out = req.path.substr(0, req.path.find('?'));
  char sep = '?';
  for (const auto& [k, v] : req.query) {
    if (out.size() > max) break;
    out.push_back(sep);
    sep = '&';
    out += percent_encode(k);
    out.push_back('=');
    out += secret_parameter(k) ? std::string("***") : percent_encode(v);
  }
  if (out.size() > max) {
    out.resize(max);
    out += "...";
  }
  return out;
}

namespace {

/// `s` as a JSON string: quotes, backslashes and control characters escaped (a CR or LF is
/// `\r`/`\n`, never a line break), bytes that are not valid UTF-8 replaced by U+FFFD, so that
/// the line is always valid JSON whatever the client sent.
void append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = util::utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void append_member(std::string& out, std::string_view name, std::string_view value) {
  out.push_back(out.empty() ? '{' : ',');
  out.push_back('"');
  out += name;
  out += "\":";
  append_string(out, value);
}

void append_number(std::string& out, std::string_view name, const std::string& value) {
  out.push_back(',');
  out.push_back('"');
  out += name;
  out += "\":";
  out += value;
}

}  // namespace

std::string access_line(const AccessEntry& e) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(e.time.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char when[40];
  const std::size_t n = std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(when + n, sizeof(when) - n, ".%03dZ", static_cast<int>(ms.count() % 1000));
  std::string line;
  line.reserve(256 + (e.request ? e.request->path.size() : 0));
  append_member(line, "time", when);  // the first: opens the object
  append_member(line, "client", e.forwarded.client);
  if (e.forwarded.via_proxy && e.request)
    append_member(line, "peer", std::string_view(e.request->client).substr(0, 64));
  append_member(line, "method", std::string_view(e.method).substr(0, 16));
  append_member(line, "path", e.request ? loggable_target(*e.request) : std::string());
  append_member(line, "route", e.route);
  append_number(line, "status", std::to_string(e.status));
  append_number(line, "bytes", std::to_string(e.bytes));
  char dur[32];
  std::snprintf(dur, sizeof(dur), "%.3f",
                std::chrono::duration<double, std::milli>(e.duration).count());
  append_number(line, "duration_ms", dur);
  if (e.request) {
    const std::string ua = e.request->header("user-agent");
    if (!ua.empty()) append_member(line, "user_agent", std::string_view(ua).substr(0, 200));
  }
  line += "}\n";
  return line;
}

AccessLog::AccessLog(const std::string& target) : m_target(target) {
  if (target == "-") {
    m_fd = STDOUT_FILENO;
    return;
  }
  m_fd = ::open(target.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (m_fd < 0)
    throw config_error("server.access_log",
                       "cannot open '" + target + "' for appending: " + std::strerror(errno));
  m_owned = true;
}

AccessLog::~AccessLog() {
  if (m_owned && m_fd >= 0) ::close(m_fd);
}

void AccessLog::write(const AccessEntry& entry) const {
  const std::string line = access_line(entry);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t w = ::write(m_fd, line.data() + done, line.size() - done);
    if (w > 0) {
      done += static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    return;  // lost (full disk, closed pipe): the request is answered all the same
  }
}

}  // namespace gebieden::server
