#pragma once
// Debian's nginx in the foreground (`daemon off`) as a child process of a test, on a
// configuration of its own in a temporary folder (pid, logs and temporary files there too) that
// includes a site configuration (one of the examples in deploy/nginx with ports put in). The
// destructor stops it. Used by the two-instance and the HTTPS tests.

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "test_paths.hpp"

namespace gebieden::test {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class NginxProcess {
 public:
  /// Starts nginx in `dir` (which must exist) on `site` (the text of a server configuration,
  /// included in `http {}`); returns once `ready()` says it answers (up to 20 s), else fails the
  /// test with nginx's error log.
  NginxProcess(const std::filesystem::path& dir, const std::string& site,
               const std::function<bool()>& ready)
      : m_dir(dir) {
    using namespace std::chrono;
    test::write_file(m_dir / "site.conf", site);
    const std::string d = m_dir.string();
    std::string conf = "daemon off;\nmaster_process on;\nworker_processes 1;\n";
    // As root (CI), the master switches its worker to `user`: the one we are, so that the
    // worker can use the temporary folders. Otherwise the directive would only be warned about.
    if (geteuid() == 0) {
      const passwd* pw = getpwuid(geteuid());
      const group* gr = getgrgid(getegid());
      REQUIRE(pw != nullptr);
      REQUIRE(gr != nullptr);
      conf += std::string("user ") + pw->pw_name + " " + gr->gr_name + ";\n";
    }
    conf += "pid " + d + "/nginx.pid;\nerror_log " + d + "/error.log info;\n" +
            "events { worker_connections 256; }\nhttp {\n  access_log " + d +
            "/access.log;\n  client_body_temp_path " + d + "/body;\n  proxy_temp_path " + d +
            "/proxy;\n  fastcgi_temp_path " + d + "/fastcgi;\n  uwsgi_temp_path " + d +
            "/uwsgi;\n  scgi_temp_path " + d + "/scgi;\n  include " + d + "/site.conf;\n}\n";
    test::write_file(m_dir / "nginx.conf", conf);

    const std::string binary = nginx_binary();
    REQUIRE_FALSE(binary.empty());  // Debian's nginx-light (the Makefile's DEBS)
    m_pid = fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      const std::string conf_path = d + "/nginx.conf";
      execl(binary.c_str(), binary.c_str(), "-p", d.c_str(), "-c", conf_path.c_str(), "-e",
            (d + "/error.log").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = steady_clock::now() + seconds(20);
    while (steady_clock::now() < deadline) {
      if (ready()) return;
      int status = 0;
      if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_pid = -1;
        FAIL("nginx exited: " << read_text(m_dir / "error.log"));
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    stop();  // the destructor does not run when the constructor fails
    FAIL("nginx did not answer within 20 s: " << read_text(m_dir / "error.log"));
  }
  ~NginxProcess() { stop(); }
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

 private:
  void stop() {
    if (m_pid <= 0) return;
    kill(m_pid, SIGTERM);  // fast shutdown of the master and its worker
    for (int i = 0; i < 100; ++i) {
      if (waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
        m_pid = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(m_pid, SIGKILL);
    waitpid(m_pid, nullptr, 0);
    m_pid = -1;
  }
  static std::string nginx_binary() {
    for (const char* p : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"})
      if (access(p, X_OK) == 0) return p;
    return {};
  }
  std::filesystem::path m_dir;
  pid_t m_pid = -1;
};

}  // namespace gebieden::test
