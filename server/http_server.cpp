#include "server/http_server.hpp"

// Our own HTTP/1.1 front on epoll (docs/architecture.md, "Serving a request"): one reactor
// thread accepts, reads and parses (server/http_parse.*) and enforces the limits of
// docs/limits.md; each complete request goes into one FIFO queue served by a pool of
// server.threads workers, which call Service::respond and write the response themselves;
// what the socket does not take at once the reactor writes when it becomes writable. So the
// reactor never waits for a handler or a slow reader, and a request waits only for a free
// worker, never behind another connection's query. (Pistache 0.0.5 ran handlers on the
// reactor thread that owned the connection: a trivial request waited behind any slow one on
// the same reactor; it also had no header limit and answered limits in plain text.)

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <iostream>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/service.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using Clock = std::chrono::steady_clock;

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

/// The `Date` header value (RFC 9110 IMF-fixdate), formatted once a second per thread.
const std::string& http_date() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != last || text.empty()) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
    last = now;
  }
  return text;
}

/// Status line and headers of `resp`, ready for the wire.
std::string render_head(const Response& resp, std::size_t content_length, bool keep_alive) {
  std::string h;
  h.reserve(256 + resp.headers.size() * 48);
  h += "HTTP/1.1 ";
  h += std::to_string(resp.status);
  h.push_back(' ');
  h += reason_phrase(resp.status);
  h += "\r\nDate: ";
  h += http_date();
  h += "\r\nServer: gebieden\r\n";
  for (const auto& [name, value] : resp.headers) {
    // Values come from our handlers; a CR or LF would split the header, so it never passes.
    if (name.find_first_of("\r\n:") != std::string::npos) continue;
    h += name;
    h += ": ";
    if (value.find_first_of("\r\n") == std::string::npos) {
      h += value;
    } else {
      for (char ch : value) h.push_back(ch == '\r' || ch == '\n' ? ' ' : ch);
    }
    h += "\r\n";
  }
  if (resp.status == 304) {
    // No body follows a 304 whatever the headers say (RFC 9112 6.3); some clients
    // (cpp-httplib 0.11) still wait for one unless they read a length of 0.
    h += "Content-Length: 0\r\n";
  } else if (resp.status != 204 && resp.status >= 200) {
    if (!resp.content_type.empty()) {
      h += "Content-Type: ";
      h += resp.content_type;
      h += "\r\n";
    }
    h += "Content-Length: ";
    h += std::to_string(content_length);
    h += "\r\n";
  }
  h += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return h;
}

/// Where a connection is. The reactor owns a connection in every phase but Busy, when one
/// worker owns it (answers and writes); the reactor alone closes connections.
enum class Phase { Idle, Head, Body, Busy, Writing, Draining };

struct Conn {
  int fd = -1;
  std::string client;
  Phase phase = Phase::Idle;
  std::string in;              // bytes read and not yet consumed
  bool first = true;           // no request answered on this connection yet
  bool eof = false;            // the client closed its side
  Clock::time_point deadline;  // of the current phase (none while Busy)
  Clock::time_point received;  // the first byte of the current request
  RequestHead head;            // from the Body phase on
  bool continue_sent = false;
  std::size_t drained = 0;  // bytes discarded while Draining
  // The response the reactor writes when the worker could not write all of it at once.
  std::string out_head;
  Response out_resp;
  bool out_body = true;
  bool out_close = false;
  std::size_t out_done = 0;
};

/// A complete request, for the worker pool.
struct Job {
  std::shared_ptr<Conn> conn;
  RequestHead head;
  std::string body;
  Clock::time_point received;
};

/// What a worker tells the reactor about a connection it gives back.
enum class Outcome { Written, Pending, Broken };

/// Send what is left of `head` + `body` from `done` on without blocking: true when all of it
/// left or the socket would block (`done` says how far it got), false when the connection is
/// broken.
bool send_some(int fd, std::string_view head, std::string_view body, std::size_t& done) {
  const std::size_t total = head.size() + body.size();
  while (done < total) {
    iovec iov[2];
    int n = 0;
    if (done < head.size()) {
      iov[n++] = {const_cast<char*>(head.data() + done), head.size() - done};
      if (!body.empty()) iov[n++] = {const_cast<char*>(body.data()), body.size()};
    } else {
      iov[n++] = {const_cast<char*>(body.data() + (done - head.size())), total - done};
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(n);
    const ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w > 0) {
      done += static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
  return true;
}

/// The method and path of a request line, as far as it can be read (for the access log and
/// the metrics of a request refused before its head was complete).
void request_line_of(std::string_view bytes, Request& r) {
  while (!bytes.empty() && (bytes.front() == '\r' || bytes.front() == '\n')) bytes.remove_prefix(1);
  bytes = bytes.substr(0, std::min<std::size_t>(bytes.find_first_of("\r\n"), 512));
  const std::size_t sp = bytes.find(' ');
  std::string_view method = bytes.substr(0, std::min<std::size_t>(sp, 16));
  r.method = known_method(method) ? std::string(method) : std::string("OTHER");
  if (sp == std::string_view::npos) return;
  std::string_view target = bytes.substr(sp + 1);
  target = target.substr(0, target.find_first_of(" ?"));
  r.path.assign(target.begin(), target.end());
}

std::string peer_host(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof(buf));
  } else if (ss.ss_family == AF_INET6) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a6))
      ::inet_ntop(AF_INET, reinterpret_cast<const unsigned char*>(&a6) + 12, buf, sizeof(buf));
    else
      ::inet_ntop(AF_INET6, &a6, buf, sizeof(buf));
  }
  return buf;
}

constexpr auto kScanInterval = std::chrono::milliseconds(50);
constexpr auto kDrainTime = std::chrono::seconds(2);
constexpr std::size_t kDrainBytes = 64u << 20;
constexpr std::size_t kReadChunk = 64u << 10;

}  // namespace

Response exception_response(std::exception_ptr error, const std::string& context) {
  Response resp;
  try {
    std::rethrow_exception(error);
  } catch (const input_error& e) {
    // Conversion failures (malformed query escapes) are the client's: the registry's status.
    resp = error_response(e.code(), e.what(), e.parameter());
  } catch (const std::exception& e) {
    // Anything else is ours: a generic body, the details only in the log.
    std::cerr << "error: " << context << ": " << e.what() << std::endl;
    resp = error_response(ErrorCode::Internal, "an unexpected error occurred; it has been logged");
  } catch (...) {
    std::cerr << "error: " << context << ": unknown exception" << std::endl;
    resp = error_response(ErrorCode::Internal, "an unexpected error occurred; it has been logged");
  }
  resp.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return resp;
}

namespace {

/// A TCP socket bound to host:port (SO_REUSEADDR, as a restarted server needs), or an exception
/// saying "cannot listen on host:port: why". `flags` are added to the socket type
/// (SOCK_NONBLOCK); the socket is close-on-exec.
int bound_socket(const std::string& host, int port, int flags) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc =
          ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      rc != 0)
    throw exception("cannot listen on " + where + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
  const int fd =
      ::socket(found->ai_family, found->ai_socktype | flags | SOCK_CLOEXEC, found->ai_protocol);
  if (fd < 0) throw exception("cannot listen on " + where + ": " + std::strerror(errno));
  // Only a socket that really holds the port makes bind fail.
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) {
    const int err = errno;
    ::close(fd);
    throw exception("cannot listen on " + where + ": " + std::strerror(err) +
                    (err == EADDRINUSE ? " (another process listens there; choose another "
                                         "with --port or server.port)"
                                       : ""));
  }
  return fd;
}

}  // namespace

PortCheck::PortCheck(const std::string& host, int port) {
  if (port == 0) return;
  m_fd = bound_socket(host, port, 0);
}

PortCheck::~PortCheck() {
  release();
}

void PortCheck::release() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
}

struct HttpServer::Impl {
  std::shared_ptr<const Service> service;
  std::string host;
  int port = 0;
  int threads = 2;
  HttpLimits limits;

  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::uint16_t bound_port = 0;
  std::atomic<bool> stopping{false};
  std::thread reactor;
  std::vector<std::thread> workers;

  // The FIFO of complete requests, served by the workers.
  std::mutex queue_mutex;
  std::condition_variable queue_cv;
  std::deque<Job> jobs;
  bool workers_stop = false;

  // Connections the workers give back to the reactor.
  std::mutex back_mutex;
  std::vector<std::pair<std::shared_ptr<Conn>, Outcome>> back;

  // The reactor's own.
  std::unordered_map<int, std::shared_ptr<Conn>> conns;
  std::size_t open = 0;      // connections not Draining (the ones max_connections counts)
  std::size_t draining = 0;  // answered for the last time, read until the client closes
  bool listening = true;
  Clock::time_point relisten;

  void bind_and_listen();
  void run_reactor();
  void run_worker();
  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof(one));
  }

  void accept_all();
  void add_conn(int fd, const sockaddr_storage& ss);
  void on_event(const std::shared_ptr<Conn>& c, std::uint32_t events);
  void read_more(const std::shared_ptr<Conn>& c);
  void advance(const std::shared_ptr<Conn>& c);
  void dispatch(const std::shared_ptr<Conn>& c, std::string body);
  void refuse(const std::shared_ptr<Conn>& c, const HttpRefusal& why);
  void take_back();
  void write_out(const std::shared_ptr<Conn>& c);
  void finish(const std::shared_ptr<Conn>& c, bool close_after);
  void resume(const std::shared_ptr<Conn>& c);
  void start_draining(const std::shared_ptr<Conn>& c);
  void drain(const std::shared_ptr<Conn>& c);
  void close_conn(const std::shared_ptr<Conn>& c);
  void scan(Clock::time_point now);
  void watch(const Conn& c, bool writable) const {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (writable ? EPOLLOUT : 0u);
    ev.data.fd = c.fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  }
  /// Count an answer the front makes itself in /metrics and the access log.
  void record(const Conn& c, const Response& resp) const {
    Request r;
    request_line_of(c.in, r);
    if (c.phase == Phase::Body) {
      r.method = c.head.method;
      r.path = c.head.target.substr(0, c.head.target.find('?'));
      r.headers = c.head.headers;
    }
    r.client = c.client;
    r.received = c.received;
    service->record(r, resp, c.received);
  }
};

void HttpServer::Impl::bind_and_listen() {
  listen_fd = bound_socket(host, port, SOCK_NONBLOCK);
  if (::listen(listen_fd, 4096) != 0) {
    const int err = errno;
    ::close(listen_fd);
    listen_fd = -1;
    throw exception("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                    std::strerror(err));
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len);
  bound_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(ss).sin6_port
                                              : reinterpret_cast<sockaddr_in&>(ss).sin_port);
}

void HttpServer::Impl::run_reactor() {
  epoll_event events[256];
  Clock::time_point next_scan = Clock::now() + kScanInterval;
  while (!stopping.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(epoll_fd, events, 256, static_cast<int>(kScanInterval.count()));
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd) {
        accept_all();
      } else if (fd == wake_fd) {
        std::uint64_t v = 0;
        [[maybe_unused]] const auto r = ::read(wake_fd, &v, sizeof(v));
      } else if (const auto it = conns.find(fd); it != conns.end()) {
        const std::shared_ptr<Conn> c = it->second;
        on_event(c, events[i].events);
      }
    }
    take_back();
    const auto now = Clock::now();
    if (now >= next_scan) {
      scan(now);
      next_scan = now + kScanInterval;
    }
  }
}

void HttpServer::Impl::accept_all() {
  while (true) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    const int fd =
        ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      add_conn(fd, ss);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      // Out of descriptors: stop accepting for a moment instead of spinning on the listener.
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
      listening = false;
      relisten = Clock::now() + std::chrono::milliseconds(100);
    }
    return;
  }
}

void HttpServer::Impl::add_conn(int fd, const sockaddr_storage& ss) {
  auto c = std::make_shared<Conn>();
  c->fd = fd;
  c->client = peer_host(ss);
  c->received = Clock::now();
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    return;
  }
  conns.emplace(fd, c);
  if (open >= static_cast<std::size_t>(limits.max_connections)) {
    // Over the cap: one JSON 503, then the connection is read until the client closes.
    ++open;  // start_draining() counts it out again
    if (draining >= static_cast<std::size_t>(limits.max_connections)) {
      close_conn(c);
      return;
    }
    refuse(c, {ErrorCode::Unavailable, "connections",
               "the server has " + std::to_string(limits.max_connections) +
                   " open connections; try again later"});
    return;
  }
  ++open;
  // The first request's head must be complete within header_timeout of the accept.
  c->deadline = c->received + limits.header_timeout;
}

void HttpServer::Impl::on_event(const std::shared_ptr<Conn>& c, std::uint32_t events) {
  switch (c->phase) {
    case Phase::Busy:
      return;  // the worker gives it back; reading goes on then
    case Phase::Writing:
      if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) write_out(c);
      return;
    case Phase::Draining:
      drain(c);
      return;
    default:
      read_more(c);
  }
}

void HttpServer::Impl::read_more(const std::shared_ptr<Conn>& c) {
  char buf[kReadChunk];
  while (c->fd >= 0 &&
         (c->phase == Phase::Idle || c->phase == Phase::Head || c->phase == Phase::Body)) {
    const ssize_t n = ::recv(c->fd, buf, sizeof(buf), 0);
    if (n > 0) {
      if (c->in.empty() && c->phase == Phase::Idle) c->received = Clock::now();
      c->in.append(buf, static_cast<std::size_t>(n));
      advance(c);
      continue;
    }
    if (n == 0) {
      c->eof = true;
      advance(c);
      return;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) close_conn(c);
    return;
  }
}

void HttpServer::Impl::advance(const std::shared_ptr<Conn>& c) {
  if (c->phase == Phase::Idle || c->phase == Phase::Head) {
    if (c->in.empty()) {
      if (c->eof) close_conn(c);
      return;
    }
    if (c->phase == Phase::Idle) {
      c->phase = Phase::Head;
      if (!c->first) c->deadline = c->received + limits.header_timeout;
    }
    HeadParse p = parse_head(c->in, limits);
    if (p.state == HeadParse::State::Refused) return refuse(c, p.refusal);
    if (p.state == HeadParse::State::Incomplete) {
      if (c->eof) close_conn(c);
      return;
    }
    c->head = std::move(p.head);
    c->in.erase(0, c->head.head_bytes);
    c->phase = Phase::Body;
    c->continue_sent = false;
    c->deadline = Clock::now() + limits.body_timeout;
  }
  if (c->phase != Phase::Body) return;
  std::string body;
  if (c->head.chunked) {
    ChunkedParse cp = parse_chunked(c->in, limits.max_request_bytes);
    if (cp.state == ChunkedParse::State::Refused) return refuse(c, cp.refusal);
    if (cp.state == ChunkedParse::State::Done) {
      body = std::move(cp.body);
      c->in.erase(0, cp.consumed);
      return dispatch(c, std::move(body));
    }
  } else if (c->in.size() >= c->head.content_length) {
    body = c->in.substr(0, c->head.content_length);
    c->in.erase(0, c->head.content_length);
    return dispatch(c, std::move(body));
  }
  if (c->eof) return close_conn(c);
  if (c->head.expects_continue && !c->continue_sent && c->in.empty()) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    std::size_t done = 0;
    send_some(c->fd, kContinue, {}, done);
    c->continue_sent = true;
  }
}

void HttpServer::Impl::dispatch(const std::shared_ptr<Conn>& c, std::string body) {
  c->phase = Phase::Busy;
  Job job{c, std::move(c->head), std::move(body), c->received};
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    jobs.push_back(std::move(job));
  }
  queue_cv.notify_one();
}

void HttpServer::Impl::refuse(const std::shared_ptr<Conn>& c, const HttpRefusal& why) {
  Response resp = error_response(why.code, why.message, why.parameter);
  resp.headers.emplace_back("Access-Control-Allow-Origin", "*");
  record(*c, resp);
  const std::string head = render_head(resp, resp.body.size(), false);
  std::size_t done = 0;
  // A small answer on a socket we have not written to since the last response left whole:
  // it fits in the send buffer; what does not is given up with the connection.
  send_some(c->fd, head, resp.body, done);
  start_draining(c);
}

void HttpServer::Impl::start_draining(const std::shared_ptr<Conn>& c) {
  // Closing with unread bytes would reset the connection and could destroy the answer before
  // the client reads it: shut down our side and read until the client closes (or kDrainTime).
  ::shutdown(c->fd, SHUT_WR);
  if (c->phase != Phase::Draining) {
    --open;
    ++draining;
  }
  c->phase = Phase::Draining;
  c->in.clear();
  c->in.shrink_to_fit();
  c->deadline = Clock::now() + kDrainTime;
  drain(c);
}

void HttpServer::Impl::drain(const std::shared_ptr<Conn>& c) {
  char buf[kReadChunk];
  while (c->fd >= 0) {
    const ssize_t n = ::recv(c->fd, buf, sizeof(buf), 0);
    if (n > 0) {
      c->drained += static_cast<std::size_t>(n);
      if (c->drained > kDrainBytes) return close_conn(c);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    return close_conn(c);  // the client closed (or the connection broke)
  }
}

void HttpServer::Impl::take_back() {
  std::vector<std::pair<std::shared_ptr<Conn>, Outcome>> mine;
  {
    std::lock_guard<std::mutex> lock(back_mutex);
    mine.swap(back);
  }
  for (auto& [c, outcome] : mine) {
    if (c->fd < 0) continue;
    switch (outcome) {
      case Outcome::Broken:
        close_conn(c);
        break;
      case Outcome::Written:
        finish(c, c->out_close);
        break;
      case Outcome::Pending:
        c->phase = Phase::Writing;
        c->deadline = Clock::now() + limits.body_timeout;
        watch(*c, true);
        write_out(c);
        break;
    }
  }
}

void HttpServer::Impl::write_out(const std::shared_ptr<Conn>& c) {
  const std::size_t before = c->out_done;
  const std::string_view body = c->out_body ? c->out_resp.payload() : std::string_view();
  if (!send_some(c->fd, c->out_head, body, c->out_done)) return close_conn(c);
  if (c->out_done < c->out_head.size() + body.size()) {
    if (c->out_done > before) c->deadline = Clock::now() + limits.body_timeout;
    return;
  }
  watch(*c, false);
  finish(c, c->out_close);
}

void HttpServer::Impl::finish(const std::shared_ptr<Conn>& c, bool close_after) {
  c->out_head.clear();
  c->out_resp = Response();
  c->out_done = 0;
  c->first = false;
  if (close_after) return start_draining(c);
  resume(c);
}

void HttpServer::Impl::resume(const std::shared_ptr<Conn>& c) {
  c->phase = Phase::Idle;
  c->head = RequestHead();
  c->deadline = Clock::now() + limits.keepalive_timeout;
  if (!c->in.empty()) {
    c->received = Clock::now();  // a pipelined request: it arrived while the last was answered
    advance(c);
  }
  // Edge-triggered: what arrived while the worker had the connection is read now.
  if (c->fd >= 0 && c->phase != Phase::Busy) read_more(c);
}

void HttpServer::Impl::close_conn(const std::shared_ptr<Conn>& c) {
  if (c->fd < 0) return;
  if (c->phase == Phase::Draining)
    --draining;
  else
    --open;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
  conns.erase(c->fd);
  ::close(c->fd);
  c->fd = -1;
}

void HttpServer::Impl::scan(Clock::time_point now) {
  if (!listening && now >= relisten) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_fd;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) == 0) listening = true;
  }
  std::vector<std::shared_ptr<Conn>> late;
  for (const auto& [fd, c] : conns)
    if (c->phase != Phase::Busy && now >= c->deadline) late.push_back(c);
  for (const auto& c : late) {
    if (c->fd < 0) continue;
    switch (c->phase) {
      case Phase::Head:
        refuse(c, {ErrorCode::RequestTimeout, "headers",
                   "the request head did not arrive within " +
                       std::to_string(limits.header_timeout.count()) + " ms"});
        break;
      case Phase::Body:
        refuse(c, {ErrorCode::RequestTimeout, "body",
                   "the request body did not arrive within " +
                       std::to_string(limits.body_timeout.count()) + " ms"});
        break;
      default:  // idle, a response not read, or a last answer given: closed
        close_conn(c);
    }
  }
}

void HttpServer::Impl::run_worker() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(queue_mutex);
      queue_cv.wait(lock, [&] { return workers_stop || !jobs.empty(); });
      if (workers_stop) return;
      job = std::move(jobs.front());
      jobs.pop_front();
    }
    Conn& c = *job.conn;
    const RequestHead& h = job.head;
    Request req;
    req.method = h.method;
    const std::size_t q = h.target.find('?');
    req.path = h.target.substr(0, q);
    req.headers = h.headers;
    req.client = c.client;
    req.received = job.received;
    Response resp;
    try {
      if (q != std::string::npos) {
        req.query = parse_query_string(std::string_view(h.target).substr(q + 1));
        // A deterministic order (the routes do not depend on the client's).
        std::sort(req.query.begin(), req.query.end());
      }
      req.body = std::move(job.body);
      resp = service->respond(req);
    } catch (...) {
      resp = exception_response(std::current_exception(), h.method + " " + req.path);
      service->record(req, resp, job.received);
    }
    Outcome outcome = Outcome::Written;
    try {
      const bool head_only = h.method == "HEAD";
      const bool bodiless = head_only || resp.status == 204 || resp.status == 304;
      c.out_close = !h.keep_alive;
      c.out_head = render_head(resp, resp.payload().size(), h.keep_alive);
      c.out_body = !bodiless;
      c.out_resp = std::move(resp);
      c.out_done = 0;
      const std::string_view body = c.out_body ? c.out_resp.payload() : std::string_view();
      if (!send_some(c.fd, c.out_head, body, c.out_done))
        outcome = Outcome::Broken;
      else if (c.out_done < c.out_head.size() + body.size())
        outcome = Outcome::Pending;
    } catch (const std::exception& e) {
      std::cerr << "error: sending a response failed: " << e.what() << std::endl;
      outcome = Outcome::Broken;
    }
    {
      std::lock_guard<std::mutex> lock(back_mutex);
      back.emplace_back(std::move(job.conn), outcome);
    }
    wake();
  }
}

HttpServer::HttpServer(std::shared_ptr<const Service> service, const std::string& host, int port,
                       int threads, const HttpLimits& limits)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->service = std::move(service);
  m_impl->host = host;
  m_impl->port = port;
  m_impl->threads = std::max(1, threads);
  m_impl->limits = limits;
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  Impl& s = *m_impl;
  // Every connection is a descriptor: allow what the hard limit allows (the default soft
  // limit of 1024 is below server.max_connections plus the files we hold).
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 1u << 16);
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  s.bind_and_listen();
  s.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  s.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s.epoll_fd < 0 || s.wake_fd < 0)
    throw exception(std::string("epoll: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = s.listen_fd;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.listen_fd, &ev);
  ev.data.fd = s.wake_fd;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.wake_fd, &ev);
  for (int i = 0; i < s.threads; ++i) s.workers.emplace_back([&s] { s.run_worker(); });
  s.reactor = std::thread([&s] { s.run_reactor(); });
}

std::uint16_t HttpServer::port() const {
  return m_impl->bound_port;
}

void HttpServer::stop() {
  if (!m_impl || m_impl->listen_fd < 0) return;
  Impl& s = *m_impl;
  s.stopping = true;
  s.wake();
  if (s.reactor.joinable()) s.reactor.join();
  {
    std::lock_guard<std::mutex> lock(s.queue_mutex);
    s.workers_stop = true;
    s.jobs.clear();
  }
  s.queue_cv.notify_all();
  for (auto& w : s.workers)
    if (w.joinable()) w.join();
  s.workers.clear();
  for (auto& [fd, c] : s.conns) {
    ::close(fd);
    c->fd = -1;
  }
  s.conns.clear();
  ::close(s.listen_fd);
  ::close(s.epoll_fd);
  ::close(s.wake_fd);
  s.listen_fd = s.epoll_fd = s.wake_fd = -1;
}

}  // namespace gebieden::server
