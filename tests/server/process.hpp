#pragma once
// Start the real `gebieden serve` on 127.0.0.1:0 as a child process and read its port from the
// first line of its stdout; the destructor stops it.

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace gebieden::test {

/// How to start the server: another configuration, environment variables to set or unset.
struct ServerOptions {
  std::string config;  // empty: data/leeuwarden.json of the source tree
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> unset_env;
  std::vector<std::string> extra_args;
  std::string binary;  // empty: the built gebieden (GEBIEDEN_BINARY)
};

class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& extra_args = {});
  explicit ServerProcess(const ServerOptions& options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return m_port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  bool alive() const;

 private:
  pid_t m_pid = -1;
  int m_port = 0;
};

/// Run a command through the shell; returns its exit code and fills `output` (stdout+stderr).
int run_command(const std::string& command, std::string& output);

}  // namespace gebieden::test
