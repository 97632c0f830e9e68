#pragma once
// The one error registry of gebieden, and the small exception hierarchy.
//
// Expected failures (bad input, unknown ids) are `input_error`s carrying an ErrorCode from the
// registry below; the server renders them as JSON with the registry's HTTP status. Unexpected
// failures of the libraries we wrap are `gdal_error`, `geos_error`, `proj_error`; a bad
// configuration is a `config_error`. The engine never sees HTTP: the registry only carries the
// status number that a front end should use.

#include <stdexcept>
#include <string>
#include <string_view>

namespace gebieden {

enum class ErrorCode {
  InvalidParameter,      // a parameter's value is malformed or out of range
  UnknownParameter,      // a parameter this endpoint does not know
  MissingParameter,      // a required parameter is absent
  InvalidBody,           // a request body that cannot be parsed
  NotFound,              // unknown path, collection or feature
  MethodNotAllowed,      // a method this path does not serve
  NotAcceptable,         // no representation for the requested format
  PayloadTooLarge,       // a body or request above the configured size
  Unauthorized,          // a write without valid credentials
  Conflict,              // a write that conflicts with the stored state
  Forbidden,             // a write while writes are disabled, or by a key of too low a role
  PreconditionFailed,    // If-Match did not match the current ETag (412)
  UnsupportedMediaType,  // a body of a Content-Type this route does not take (415)
  TooManyRequests,       // a client over its rate limit (429)
  Unavailable,           // shutting down or not loaded, or above server.max_connections (503)
  RequestTimeout,        // a request's head or body not received in time (408)
  RequestHeaderFieldsTooLarge,  // request headers above server.max_header_bytes (431)
  URITooLong,                   // a request target above server.max_uri_bytes (414)
  NotImplemented,               // an unknown method or transfer coding (501)
  InsufficientStorage,          // a write the disk has no room for (507); nothing of it was written
  Internal,                     // anything unexpected: details go to the log only
};

struct ErrorSpec {
  std::string_view code;  // stable machine code, e.g. "InvalidParameterValue"
  int http_status;
  std::string_view title;
};

/// The registry: one row per ErrorCode.
const ErrorSpec& error_spec(ErrorCode code) noexcept;

/// Root of our own exceptions.
class exception : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class gdal_error : public exception {
 public:
  using exception::exception;
};
class geos_error : public exception {
 public:
  using exception::exception;
};
class proj_error : public exception {
 public:
  using exception::exception;
};
/// A write that failed because the storage is full (SQLite's SQLITE_FULL, ENOSPC, PostgreSQL's
/// SQLSTATE 53100): nothing of it was written, and it may succeed once space is freed. The
/// server answers it with ErrorCode::InsufficientStorage (507).
class storage_error : public gdal_error {
 public:
  using gdal_error::gdal_error;
};

/// Whether a message of SQLite, GDAL or PostgreSQL says that the storage is full.
bool says_storage_full(std::string_view message) noexcept;

/// A configuration problem; `member` names the JSON member (e.g. "server.port").
class config_error : public exception {
 public:
  config_error(std::string member, const std::string& message)
      : exception(member.empty() ? message : member + ": " + message),
        m_member(std::move(member)) {}
  const std::string& member() const noexcept { return m_member; }

 private:
  std::string m_member;
};

/// An expected failure caused by input: a value, not a bug. `parameter` names what was wrong.
class input_error : public exception {
 public:
  input_error(ErrorCode code, std::string parameter, const std::string& message)
      : exception(message), m_code(code), m_parameter(std::move(parameter)) {}
  ErrorCode code() const noexcept { return m_code; }
  const std::string& parameter() const noexcept { return m_parameter; }

 private:
  ErrorCode m_code;
  std::string m_parameter;
};

}  // namespace gebieden
