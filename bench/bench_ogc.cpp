// bench_ogc: a small keep-alive HTTP/1.1 load generator for the OGC API benchmark
// (bench/bench_ogc.sh runs it against gebieden and against nginx serving the same bytes).
//
//   bench_ogc HOST PORT PATH [CONNECTIONS=4] [SECONDS=8]
//
// Every connection sends `Connection: keep-alive` (Pistache 0.0.5 closes otherwise), reads the
// whole response (Content-Length), and measures each request's latency. Prints one JSON line:
// {"requests":N,"rps":R,"p50_ms":...,"p99_ms":...,"bytes":B,"errors":E,"reconnects":C}.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

struct Result {
  std::vector<double> latencies_ms;
  std::size_t bytes = 0;
  std::size_t errors = 0;
  std::size_t reconnects = 0;
};

int connect_to(const std::string& host, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool send_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

/// Read one response; returns its body size, or -1 on error. `close_after` tells whether the
/// server announced Connection: close.
long read_response(int fd, std::string& buf, bool& close_after, int& status) {
  buf.clear();
  std::size_t header_end = std::string::npos;
  char tmp[65536];
  while (header_end == std::string::npos) {
    const ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<std::size_t>(n));
    header_end = buf.find("\r\n\r\n");
  }
  std::string head = buf.substr(0, header_end);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  status = std::atoi(head.c_str() + 9);
  close_after = head.find("connection: close") != std::string::npos;
  const auto cl = head.find("content-length:");
  if (cl == std::string::npos) return -1;  // both servers send Content-Length
  const long length = std::atol(head.c_str() + cl + 15);
  const std::size_t want = header_end + 4 + static_cast<std::size_t>(length);
  while (buf.size() < want) {
    const ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  return length;
}

void run(const std::string& host, int port, const std::string& path, Clock::time_point end,
         Result& r) {
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" +
                              std::to_string(port) +
                              "\r\nAccept: application/geo+json\r\nConnection: keep-alive\r\n\r\n";
  std::string buf;
  int fd = -1;
  while (Clock::now() < end) {
    if (fd < 0) {
      fd = connect_to(host, port);
      if (fd < 0) {
        ++r.errors;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
    }
    const auto t0 = Clock::now();
    bool close_after = false;
    int status = 0;
    long n = -1;
    if (send_all(fd, request)) n = read_response(fd, buf, close_after, status);
    const auto t1 = Clock::now();
    if (n < 0 || status != 200) {
      ++r.errors;
      close(fd);
      fd = -1;
      continue;
    }
    r.latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    r.bytes += static_cast<std::size_t>(n);
    if (close_after) {
      ++r.reconnects;
      close(fd);
      fd = -1;
    }
  }
  if (fd >= 0) close(fd);
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const std::size_t k =
      std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s HOST PORT PATH [CONNECTIONS=4] [SECONDS=8]\n", argv[0]);
    return 2;
  }
  const std::string host = argv[1];
  const int port = std::atoi(argv[2]);
  const std::string path = argv[3];
  const int connections = argc > 4 ? std::max(1, std::atoi(argv[4])) : 4;
  const double seconds = argc > 5 ? std::max(0.5, std::atof(argv[5])) : 8.0;

  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<Result> results(static_cast<std::size_t>(connections));
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i)
    threads.emplace_back(run, host, port, path, end,
                         std::ref(results[static_cast<std::size_t>(i)]));
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  Result all;
  for (auto& r : results) {
    all.latencies_ms.insert(all.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    all.bytes += r.bytes;
    all.errors += r.errors;
    all.reconnects += r.reconnects;
  }
  const std::size_t n = all.latencies_ms.size();
  const double p50 = percentile(all.latencies_ms, 0.50);
  const double p99 = percentile(all.latencies_ms, 0.99);
  std::printf(
      "{\"requests\":%zu,\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"bytes\":%zu,"
      "\"errors\":%zu,\"reconnects\":%zu}\n",
      n, static_cast<double>(n) / elapsed, p50, p99, all.bytes, all.errors, all.reconnects);
  return all.errors > n / 10 ? 1 : 0;
}
