#pragma once
// Start the real `gebieden serve` on 127.0.0.1:0 as a child process and read its port from the
// first line of its stdout; the destructor stops it. What the server writes on stderr is kept
// (the last 256 KiB) and, unless told otherwise, passed on to the test's stderr; a server that
// does not start is an exception naming how it ended and what it wrote there.

#include <sys/types.h>

#include <memory>
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
  std::string binary;              // empty: the built gebieden (GEBIEDEN_BINARY)
  bool forward_stderr = true;      // false: the server's stderr is only kept (stderr_text())
  int ready_timeout_seconds = 60;  // until the "listening on" line
};

class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& extra_args = {});
  /// Starts the server and waits until it listens; throws std::runtime_error when it does not
  /// (it exited, or said nothing within ready_timeout_seconds), with its stderr in what().
  explicit ServerProcess(const ServerOptions& options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return m_port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  /// The server's process id (-1 once it has been stopped and reaped).
  pid_t pid() const { return m_pid; }
  bool alive() const;

  /// SIGKILL (no chance to finish anything), then reap the child. Returns false when the server
  /// had already ended by itself (crashed or exited: see how_it_ended()), true when the kill
  /// ended it. Afterwards pid() is -1 and the destructor does nothing.
  bool kill_hard();

  /// How the child ended, once reaped ("exited with status 1", "killed by signal 9"); empty
  /// while it runs.
  std::string how_it_ended() const;

  /// What the server has written on stderr so far (its last 256 KiB).
  std::string stderr_text() const;

 private:
  struct Stderr;  // the pipe's reader thread and what it read
  void reap(int status) const;

  pid_t m_pid = -1;
  int m_port = 0;
  mutable bool m_reaped = false;
  mutable int m_status = 0;
  std::unique_ptr<Stderr> m_stderr;
};

/// Run a command through the shell; returns its exit code and fills `output` (stdout+stderr).
int run_command(const std::string& command, std::string& output);

}  // namespace gebieden::test
