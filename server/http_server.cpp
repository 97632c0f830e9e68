#include "server/http_server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/net.h>
#include <pistache/peer.h>

#include <netdb.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include "server/service.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using namespace Pistache;

std::string method_name(Http::Method m) {
  switch (m) {
    case Http::Method::Get:
      return "GET";
    case Http::Method::Post:
      return "POST";
    case Http::Method::Put:
      return "PUT";
    case Http::Method::Delete:
      return "DELETE";
    case Http::Method::Patch:
      return "PATCH";
    case Http::Method::Options:
      return "OPTIONS";
    case Http::Method::Head:
      return "HEAD";
    default:
      return "OTHER";
  }
}

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
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
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

/// RFC 9112: HTTP/1.1 connections persist unless the client says `close`; HTTP/1.0 ones
/// close unless it says `keep-alive`.
bool keeps_alive(const Http::Request& req) {
  const auto c = req.headers().tryGet<Http::Header::Connection>();
  if (req.version() == Http::Version::Http10)
    return c && c->control() == Http::ConnectionControl::KeepAlive;
  return !c || c->control() != Http::ConnectionControl::Close;
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

/// Responses still queued in Pistache's transport for a peer. While there are any, later
/// responses of that peer are queued behind them, so that they leave in order.
struct QueuedWrites {
  std::size_t pending = 0;
};
constexpr const char* kQueuedKey = "gebieden.queued";

/// Send `head` and `body` on the peer's socket. Pistache 0.0.5 queues every response and
/// wakes its reactor to write it (an eventfd, two epoll_ctl calls and a copy of the whole
/// response); we run on that reactor's thread already, so we write directly with one
/// sendmsg. Only what the socket does not take at once goes through Pistache's queue.
/// With `close_after`, the write side is shut down once everything has left, as the
/// `Connection: close` header promised; the client then closes and the transport cleans up.
void send_direct(const std::shared_ptr<Tcp::Peer>& peer, const std::string& head,
                 std::string_view body, bool close_after) {
  auto queued = std::static_pointer_cast<QueuedWrites>(peer->tryGetData(kQueuedKey));
  const std::size_t total = head.size() + body.size();
  std::size_t done = 0;
  if (!queued || queued->pending == 0) {
    const int fd = peer->fd();
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
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return;  // the connection is gone: the transport notices and cleans up
    }
  }
  if (done < total) {
    std::string rest;
    rest.reserve(total - done);
    if (done < head.size()) {
      rest.append(head, done, std::string::npos);
      rest.append(body);
    } else {
      rest.append(body.substr(done - head.size()));
    }
    if (!queued) {
      queued = std::make_shared<QueuedWrites>();
      peer->putData(kQueuedKey, queued);
    }
    ++queued->pending;
    const std::size_t n = rest.size();
    // The transport resolves or rejects on the reactor thread, the one we run on.
    const int fd = peer->fd();
    peer->send(RawBuffer(std::move(rest), n))
        .then(
            [queued, close_after, fd](ssize_t) {
              --queued->pending;
              if (close_after) ::shutdown(fd, SHUT_WR);
            },
            [queued](std::exception_ptr&) { --queued->pending; });
    return;
  }
  if (close_after) ::shutdown(peer->fd(), SHUT_WR);
}

/// Pistache 0.0.5 reads the query into a hash map whose add() keeps the first of a repeated
/// key, so `gebied=dorpen&gebied=noord` would silently mean `gebied=dorpen`. The request's raw
/// bytes are still in the peer's parser when onRequest runs (the parser is reset after it
/// returns), but behind private members: these two tags name them through an explicit
/// instantiation, the one place where C++ allows naming a private member from outside.
template <typename Tag, typename Tag::type Member>
struct PrivateMember {
  friend typename Tag::type member_of(Tag) { return Member; }
};
struct ParserBuffer {
  using type = ArrayStreamBuf<char> Http::Private::ParserBase::*;
  friend type member_of(ParserBuffer);
};
struct BufferBytes {
  using type = std::vector<char> ArrayStreamBuf<char>::*;
  friend type member_of(BufferBytes);
};
template struct PrivateMember<ParserBuffer, &Http::Private::ParserBase::buffer>;
template struct PrivateMember<BufferBytes, &ArrayStreamBuf<char>::bytes>;

/// The raw query string of the request being answered on `peer`, from its request line:
/// nullopt when the line cannot be read or its path is not `path` (then the caller falls back
/// to Pistache's map), an empty optional inside when the target has no '?'.
std::optional<std::optional<std::string_view>> raw_query(const Tcp::Peer& peer,
                                                         std::string_view path) {
  std::shared_ptr<Http::RequestParser> parser;
  try {
    parser =
        std::static_pointer_cast<Http::RequestParser>(peer.tryGetData(Http::Handler::ParserData));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!parser) return std::nullopt;
  const auto& buffer = static_cast<Http::Private::ParserBase&>(*parser).*member_of(ParserBuffer{});
  const std::vector<char>& bytes = buffer.*member_of(BufferBytes{});
  std::string_view text(bytes.data(), bytes.size());
  while (!text.empty() && (text.front() == '\r' || text.front() == '\n')) text.remove_prefix(1);
  text = text.substr(0, text.find('\n'));
  // METHOD SP request-target SP HTTP-version
  const std::size_t sp1 = text.find(' ');
  if (sp1 == std::string_view::npos) return std::nullopt;
  std::string_view target = text.substr(sp1 + 1);
  target = target.substr(0, target.find(' '));
  const std::size_t q = target.find('?');
  if (target.substr(0, q) != path) return std::nullopt;
  if (q == std::string_view::npos) return std::optional<std::string_view>();
  return std::optional<std::string_view>(target.substr(q + 1));
}

class Handler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(Handler)

  explicit Handler(std::shared_ptr<const Service> service) : m_service(std::move(service)) {}

  void onRequest(const Http::Request& req, Http::ResponseWriter writer) override {
    Response resp;
    const bool head_only = req.method() == Http::Method::Head;
    try {
      resp = m_service->respond(convert(req, writer.getPeer()));
    } catch (...) {
      resp = exception_response(std::current_exception(),
                                method_name(req.method()) + " " + req.resource());
    }
    try {
      const bool keep_alive = keeps_alive(req);
      const std::string_view body = resp.payload();
      const std::string head = render_head(resp, body.size(), keep_alive);
      auto peer = writer.getPeer();
      if (!peer) return;  // the client has gone
      const bool bodiless = head_only || resp.status == 204 || resp.status == 304;
      send_direct(peer, head, bodiless ? std::string_view() : body, !keep_alive);
      // The request is answered: Pistache's idle-connection timer may close the connection
      // after its keep-alive timeout, and must not send 408 for this request.
      peer->setIdle(true);
    } catch (const std::exception& e) {
      std::cerr << "error: sending a response failed: " << e.what() << std::endl;
    }
  }

 private:
  static Request convert(const Http::Request& req, const std::shared_ptr<Tcp::Peer>& peer) {
    Request r;
    r.method = method_name(req.method());
    r.path = req.resource();
    if (const auto raw = peer ? raw_query(*peer, r.path) : std::nullopt) {
      if (*raw) r.query = parse_query_string(**raw);
    } else {
      // Not found in the parser's buffer (never seen): Pistache's map, which has lost repeats.
      const auto& q = req.query();
      for (auto it = q.parameters_begin(); it != q.parameters_end(); ++it) {
        auto k = percent_decode(it->first, true);
        auto v = percent_decode(it->second, true);
        if (!k || !v)
          throw input_error(ErrorCode::InvalidParameter, k ? *k : std::string("query"),
                            "malformed percent-encoding in the query string");
        r.query.emplace_back(std::move(*k), std::move(*v));
      }
    }
    // A deterministic order (Pistache's map had none; the routes do not depend on the client's).
    std::sort(r.query.begin(), r.query.end());
    thread_local std::ostringstream os;
    for (const auto& h : req.headers().list()) {
      os.str(std::string());
      os.clear();
      h->write(os);
      r.headers[util::ascii_lower(h->name())] = os.str();
    }
    for (const auto& [name, raw] : req.headers().rawList())
      r.headers[util::ascii_lower(name)] = raw.value();
    r.body = req.body();
    if (peer) r.client = peer->address().host();
    return r;
  }

  std::shared_ptr<const Service> m_service;
};
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

PortCheck::PortCheck(const std::string& host, int port) {
  if (port == 0) return;
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
  m_fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  if (m_fd < 0) throw exception("cannot listen on " + where + ": " + std::strerror(errno));
  // As Pistache binds (SO_REUSEADDR): only a socket that really holds the port makes this fail.
  const int one = 1;
  ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(m_fd, found->ai_addr, found->ai_addrlen) != 0) {
    const int err = errno;
    release();
    throw exception("cannot listen on " + where + ": " + std::strerror(err) +
                    (err == EADDRINUSE ? " (another process listens there; choose another "
                                         "with --port or server.port)"
                                       : ""));
  }
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
  std::unique_ptr<Http::Endpoint> endpoint;
  std::string host;
  int port = 0;
  int threads = 2;
  std::size_t max_request = 1 << 20;
};

HttpServer::HttpServer(std::shared_ptr<const Service> service, const std::string& host, int port,
                       int threads, std::size_t max_request_bytes)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->service = std::move(service);
  m_impl->host = host;
  m_impl->port = port;
  m_impl->threads = threads;
  m_impl->max_request = max_request_bytes;
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  Address addr(m_impl->host, Port(static_cast<std::uint16_t>(m_impl->port)));
  m_impl->endpoint = std::make_unique<Http::Endpoint>(addr);
  auto opts = Http::Endpoint::options()
                  .threads(m_impl->threads)
                  .flags(Tcp::Options::ReuseAddr)
                  // What the transport buffers before it gives up with its own plain-text
                  // 413: far above server.max_request_bytes, so that a body of up to 16 times
                  // the limit (at least 16 MiB) still reaches our JSON 413 naming `body`.
                  .maxRequestSize(std::max<std::size_t>(m_impl->max_request * 16, 16u << 20))
                  .maxResponseSize(512u * 1024u * 1024u);
  m_impl->endpoint->init(opts);
  m_impl->endpoint->setHandler(Http::make_handler<Handler>(m_impl->service));
  try {
    m_impl->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    m_impl->endpoint.reset();
    throw exception("cannot listen on " + m_impl->host + ":" + std::to_string(m_impl->port) + ": " +
                    e.what());
  }
}

std::uint16_t HttpServer::port() const {
  return m_impl->endpoint ? static_cast<std::uint16_t>(m_impl->endpoint->getPort()) : 0;
}

void HttpServer::stop() {
  if (m_impl && m_impl->endpoint) {
    m_impl->endpoint->shutdown();
    m_impl->endpoint.reset();
  }
}

}  // namespace gebieden::server
