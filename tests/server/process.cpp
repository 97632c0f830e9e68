#include "process.hpp"

#include "test_paths.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace gebieden::test {

ServerProcess::ServerProcess(const std::vector<std::string>& extra_args)
    : ServerProcess(ServerOptions{{}, {}, {}, extra_args, {}}) {}

ServerProcess::ServerProcess(const ServerOptions& options) {
  // The default configuration gets a store of its own in this test process's temporary folder,
  // so tests never read (or write) the store of a `make run` in the source tree.
  const std::string store =
      options.config.empty() ? temp_path("server-store.gpkg").string() : std::string();
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  m_pid = fork();
  if (m_pid < 0) throw std::runtime_error("fork failed");
  if (m_pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
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
  // Read the first line ("listening on http://HOST:PORT") with a deadline.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buf[256];
      const ssize_t n = read(out[0], buf, sizeof(buf));
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
  }
  close(out[0]);
  const auto pos = line.rfind(':');
  if (line.rfind("listening on http://", 0) != 0 || pos == std::string::npos) {
    kill(m_pid, SIGKILL);
    waitpid(m_pid, nullptr, 0);
    throw std::runtime_error("the server did not start: '" + line + "'");
  }
  m_port = std::stoi(line.substr(pos + 1));
}

bool ServerProcess::alive() const {
  int status = 0;
  return waitpid(m_pid, &status, WNOHANG) == 0;
}

ServerProcess::~ServerProcess() {
  if (m_pid <= 0) return;
  kill(m_pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (waitpid(m_pid, nullptr, WNOHANG) == m_pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(m_pid, SIGKILL);
  waitpid(m_pid, nullptr, 0);
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
