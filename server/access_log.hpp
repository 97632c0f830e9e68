#pragma once
// The access log (issue #12, point 5): one JSON line per request (time in UTC with
// milliseconds, client, method, path without secrets, route template, status, bytes, duration,
// user agent), to stdout or appended to a file (server.access_log). Everything a client sends
// is JSON-escaped, so no CR or LF of a request can start a line of its own; the values of
// secret query parameters (token, key, api_key, access_token, ...) are replaced by "***", and
// no header that carries a credential is ever written.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "server/forwarded.hpp"
#include "server/http_types.hpp"

namespace gebieden::server {

/// Is `name` a query parameter whose value is a secret (case-insensitive)?
bool secret_parameter(std::string_view name);

/// The request target as it may be logged: the raw path, then the decoded query percent-encoded
/// again with every secret value replaced by `***`; at most `max` characters (then "...").
std::string loggable_target(const Request& req, std::size_t max = 2000);

/// What one line says.
struct AccessEntry {
  std::chrono::system_clock::time_point time;  // when the request arrived
  const Request* request = nullptr;
  std::string method;  // as the client sent it (HEAD stays HEAD)
  std::string_view route;
  int status = 0;
  std::size_t bytes = 0;  // of the body sent
  std::chrono::nanoseconds duration{0};
  Forwarded forwarded;  // the client, and whether a trusted proxy forwarded it
};

/// The line for `entry`, with its trailing '\n'.
std::string access_line(const AccessEntry& entry);

class AccessLog {
 public:
  /// "-": stdout; else the file at `target`, created (mode 0640) or appended to. Throws
  /// config_error (server.access_log) naming the file when it cannot be opened.
  explicit AccessLog(const std::string& target);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  /// Append one line with one write(2), without a lock (O_APPEND keeps a file's lines whole; on
  /// a pipe, lines below PIPE_BUF, which nearly all are). A log that cannot be written (a full
  /// disk, a closed stdout) loses the line, never the request.
  void write(const AccessEntry& entry) const;
  const std::string& target() const { return m_target; }

 private:
  std::string m_target;
  int m_fd = -1;
  bool m_owned = false;
};

}  // namespace gebieden::server
