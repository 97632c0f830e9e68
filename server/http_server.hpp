#pragma once
// The HTTP/1.1 front: our own epoll reactor reads and parses requests (server/http_parse.*,
// the limits of docs/limits.md), a pool of workers calls Service::respond (which never throws)
// and writes the Response. docs/architecture.md, "Serving a request".

#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "server/http_parse.hpp"
#include "server/http_types.hpp"

namespace gebieden::server {

class Service;

/// The answer when turning a request as read off the socket into ours (or anything around
/// Service::respond, which itself never throws) fails: an input_error is the client's and gets the
/// registry's status and message; anything else is a 500 with a generic body from the registry
/// (ErrorCode::Internal), its text only in the log (stderr, with `context`).
Response exception_response(std::exception_ptr error, const std::string& context);

/// host:port bound at once, before anything is loaded, so that a port in use is said in the
/// first second (naming host:port) instead of after loading and creating the store. Throws
/// gebieden::exception. Port 0 (any free port) is not checked. The socket is only held: it
/// never listens, and is closed by release() or the destructor, just before HttpServer::start
/// binds the port for real.
class PortCheck {
 public:
  PortCheck(const std::string& host, int port);
  ~PortCheck();
  PortCheck(const PortCheck&) = delete;
  PortCheck& operator=(const PortCheck&) = delete;
  void release();

 private:
  int m_fd = -1;
};

class HttpServer {
 public:
  /// `threads` workers answer requests (server.threads); `limits` from HttpLimits::of.
  HttpServer(std::shared_ptr<const Service> service, const std::string& host, int port, int threads,
             const HttpLimits& limits);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Bind and serve on background threads (one reactor, `threads` workers); returns once
  /// listening. Throws gebieden::exception naming host:port when it cannot listen.
  void start();
  /// The bound port (useful with port 0).
  std::uint16_t port() const;
  /// Stop accepting and reading, let the workers finish the requests they answer (queued
  /// ones are dropped), close every connection. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace gebieden::server
