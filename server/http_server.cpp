#include "server/http_server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/net.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <sstream>

#include "server/service.hpp"

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

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// A header with a name chosen at run time. Pistache 0.0.5 does not write headers added with
/// addRaw() into responses, only typed ones: this is a typed one for any name.
class AnyHeader : public Http::Header::Header {
 public:
  AnyHeader(std::string name, std::string value)
      : m_name(std::move(name)), m_value(std::move(value)) {}
  const char* name() const override { return m_name.c_str(); }
  void write(std::ostream& os) const override { os << m_value; }
  std::uint64_t hash() const override { return Http::Header::detail::hash(m_name.c_str()); }

 private:
  std::string m_name, m_value;
};

class Handler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(Handler)

  explicit Handler(std::shared_ptr<const Service> service) : m_service(std::move(service)) {}

  void onRequest(const Http::Request& req, Http::ResponseWriter writer) override {
    Response resp;
    try {
      resp = m_service->handle(convert(req));
    } catch (const std::exception& e) {
      // Conversion failures (malformed query escapes) are the client's.
      resp = error_response(ErrorCode::InvalidParameter, e.what());
      resp.headers.emplace_back("Access-Control-Allow-Origin", "*");
    } catch (...) {
      resp = error_response(ErrorCode::Internal, "an unexpected error occurred");
    }
    try {
      for (const auto& [name, value] : resp.headers)
        writer.headers().add(std::make_shared<AnyHeader>(name, value));
      const bool keep_alive = [&] {
        auto c = req.headers().tryGet<Http::Header::Connection>();
        return c && c->control() == Http::ConnectionControl::KeepAlive;
      }();
      if (keep_alive)
        writer.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
      if (resp.content_type.empty()) {
        writer.send(static_cast<Http::Code>(resp.status));
      } else {
        writer.send(static_cast<Http::Code>(resp.status), resp.body,
                    Http::Mime::MediaType::fromString(resp.content_type));
      }
    } catch (const std::exception& e) {
      std::cerr << "error: sending a response failed: " << e.what() << std::endl;
    }
  }

 private:
  static Request convert(const Http::Request& req) {
    Request r;
    r.method = method_name(req.method());
    r.path = req.resource();
    const auto& q = req.query();
    for (auto it = q.parameters_begin(); it != q.parameters_end(); ++it) {
      auto k = percent_decode(it->first, true);
      auto v = percent_decode(it->second, true);
      if (!k || !v)
        throw input_error(ErrorCode::InvalidParameter, k ? *k : std::string("query"),
                          "malformed percent-encoding in the query string");
      r.query.emplace_back(std::move(*k), std::move(*v));
    }
    // Pistache keeps parameters in a hash map: restore a deterministic order.
    std::sort(r.query.begin(), r.query.end());
    for (const auto& h : req.headers().list()) {
      std::ostringstream os;
      h->write(os);
      r.headers[lower(h->name())] = os.str();
    }
    for (const auto& [name, raw] : req.headers().rawList()) r.headers[lower(name)] = raw.value();
    r.body = req.body();
    return r;
  }

  std::shared_ptr<const Service> m_service;
};
}  // namespace

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
                  .maxRequestSize(m_impl->max_request * 8)
                  .maxResponseSize(512u * 1024u * 1024u);
  m_impl->endpoint->init(opts);
  m_impl->endpoint->setHandler(Http::make_handler<Handler>(m_impl->service));
  m_impl->endpoint->serveThreaded();
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
