#include "server/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "util/ascii.hpp"
#include "util/error.hpp"

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

std::string access_line(const AccessEntry& e) {
  using json = nlohmann::ordered_json;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(e.time.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char when[40];
  const std::size_t n = std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(when + n, sizeof(when) - n, ".%03dZ", static_cast<int>(ms.count() % 1000));
  json j;
  j["time"] = when;
  j["client"] = e.forwarded.client;
  if (e.forwarded.via_proxy && e.request) j["peer"] = e.request->client.substr(0, 64);
  j["method"] = e.method.substr(0, 16);
  j["path"] = e.request ? loggable_target(*e.request) : std::string();
  j["route"] = std::string(e.route);
  j["status"] = e.status;
  j["bytes"] = e.bytes;
  j["duration_ms"] =
      std::round(std::chrono::duration<double, std::milli>(e.duration).count() * 1000) / 1000;
  if (e.request) {
    const std::string ua = e.request->header("user-agent");
    if (!ua.empty()) j["user_agent"] = ua.substr(0, 200);
  }
  std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace);
  line.push_back('\n');
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
