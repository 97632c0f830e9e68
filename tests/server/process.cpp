#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "test_paths.hpp"

namespace gebieden::test {

namespace {
constexpr std::size_t kKeptStderr = 256 * 1024;

std::string status_text(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

/// The last `n` bytes of `s`, from a line start when there is one near.
std::string tail(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t from = s.size() - n;
  if (const auto nl = s.find('\n', from); nl != std::string::npos && nl - from < 200) from = nl + 1;
  return "[...]\n" + s.substr(from);
}
}  // namespace

/// Reads the server's stderr until EOF (the child and every copy of the pipe's write end gone),
/// keeps its tail and passes it on.
struct ServerProcess::Stderr {
  Stderr(int fd, bool forward) : m_fd(fd), m_forward(forward) {
    m_thread = std::thread([this] { run(); });
  }
  ~Stderr() {
    if (m_thread.joinable()) m_thread.join();
    close(m_fd);
  }
  Stderr(const Stderr&) = delete;
  Stderr& operator=(const Stderr&) = delete;

  std::string text() const {
    std::lock_guard lock(m_mutex);
    return m_text;
  }
  /// Wait (a little) for the reader to reach EOF, so that text() has everything.
  void drain() {
    if (m_thread.joinable()) m_thread.join();
  }

 private:
  void run() {
    char buf[4096];
    for (;;) {
      const ssize_t n = read(m_fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      if (m_forward) {
        // Best effort: the test's stderr, as before.
        ssize_t off = 0;
        while (off < n) {
          const ssize_t w = write(STDERR_FILENO, buf + off, static_cast<std::size_t>(n - off));
          if (w <= 0) break;
          off += w;
        }
      }
      std::lock_guard lock(m_mutex);
      m_text.append(buf, static_cast<std::size_t>(n));
      if (m_text.size() > 2 * kKeptStderr) m_text.erase(0, m_text.size() - kKeptStderr);
    }
  }

  int m_fd;
  bool m_forward;
  mutable std::mutex m_mutex;
  std::string m_text;
  std::thread m_thread;
};

ServerProcess::ServerProcess(const std::vector<std::string>& extra_args)
    : ServerProcess(ServerOptions{{}, {}, {}, extra_args, {}}) {}

ServerProcess::ServerProcess(const ServerOptions& options) {
  // The default configuration gets a store of its own in this test process's temporary folder,
  // so tests never read (or write) the store of a `make run` in the source tree.
  const std::string store =
      options.config.empty() ? temp_path("server-store.gpkg").string() : std::string();
  // Close-on-exec, so that a server started later does not hold this one's pipes open (the
  // stderr reader would not see EOF when this one ends).
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw std::runtime_error("pipe failed");
  }
  m_pid = fork();
  if (m_pid < 0) {
    for (int fd : {out[0], out[1], err[0], err[1]}) close(fd);
    throw std::runtime_error("fork failed");
  }
  if (m_pid == 0) {
    dup2(out[1], STDOUT_FILENO);  // dup2 clears close-on-exec on the copy
    dup2(err[1], STDERR_FILENO);
    for (const auto& name : options.unset_env) unsetenv(name.c_str());
    for (const auto& [name, value] : options.env) setenv(name.c_str(), value.c_str(), 1);
    const std::string config =
        options.config.empty() ? GEBIEDEN_SOURCE_DIR "/data/leeuwarden.json" : options.config;
    const std::string binary = options.binary.empty() ? GEBIEDEN_BINARY : options.binary;
    std::vector<std::string> args = {binary,   "serve",     "--config", config,
                                     "--host", "127.0.0.1", "--port",   "0"};
    if (!store.empty()) {
      args.emplace_back("--store");
      args.push_back(store);
    }
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  m_stderr = std::make_unique<Stderr>(err[0], options.forward_stderr);
  // Read the first line ("listening on http://HOST:PORT") with a deadline.
  std::string line;
  bool eof = false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options.ready_timeout_seconds);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buf[256];
      const ssize_t n = read(out[0], buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof = true;
        break;
      }
      line.append(buf, static_cast<std::size_t>(n));
    }
  }
  close(out[0]);
  const auto pos = line.rfind(':');
  if (line.rfind("listening on http://", 0) != 0 || pos == std::string::npos) {
    // Why: it ended by itself, or it is still busy (then it is killed).
    std::string why;
    int status = 0;
    bool ended = waitpid(m_pid, &status, WNOHANG) == m_pid;
    // A server that closed its stdout is exiting: give it a moment to say how.
    for (int i = 0; eof && !ended && i < 100; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ended = waitpid(m_pid, &status, WNOHANG) == m_pid;
    }
    if (ended) {
      why = status_text(status);
    } else {
      kill(m_pid, SIGKILL);
      waitpid(m_pid, &status, 0);
      why = eof ? "closed its stdout and was killed"
                : "said nothing within " + std::to_string(options.ready_timeout_seconds) +
                      " s and was killed";
    }
    m_pid = -1;
    m_stderr->drain();
    std::string msg = "the server did not start (" + why + "); its stdout: '" + line + "'";
    const std::string err_text = m_stderr->text();
    msg += err_text.empty() ? "; its stderr is empty" : "; its stderr:\n" + tail(err_text, 4000);
    throw std::runtime_error(msg);
  }
  m_port = std::stoi(line.substr(pos + 1));
}

void ServerProcess::reap(int status) const {
  m_reaped = true;
  m_status = status;
}

bool ServerProcess::alive() const {
  if (m_pid <= 0 || m_reaped) return false;
  int status = 0;
  if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
    reap(status);
    return false;
  }
  return true;
}

bool ServerProcess::kill_hard() {
  if (m_pid <= 0) return false;
  bool killed = false;
  if (!m_reaped) {
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
      reap(status);
    } else {
      kill(m_pid, SIGKILL);
      while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
      }
      reap(status);
      killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    }
  }
  m_pid = -1;
  if (m_stderr) m_stderr->drain();
  return killed;
}

std::string ServerProcess::how_it_ended() const {
  return m_reaped ? status_text(m_status) : std::string();
}

std::string ServerProcess::stderr_text() const {
  return m_stderr ? m_stderr->text() : std::string();
}

ServerProcess::~ServerProcess() {
  if (m_pid > 0 && !m_reaped) {
    kill(m_pid, SIGTERM);
    bool done = false;
    for (int i = 0; i < 50 && !done; ++i) {
      if (waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
        done = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!done) {
      kill(m_pid, SIGKILL);
      waitpid(m_pid, nullptr, 0);
    }
  }
  // m_stderr joins its reader (EOF: the child is gone).
}

int run_command(const std::string& command, std::string& output) {
  output.clear();
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) output.append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace gebieden::test
