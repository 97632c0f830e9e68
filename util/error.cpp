#include "util/error.hpp"

namespace gebieden {

const ErrorSpec& error_spec(ErrorCode code) noexcept {
  static constexpr ErrorSpec table[] = {
      {"InvalidParameterValue", 400, "Invalid parameter value"},
      {"UnknownParameter", 400, "Unknown parameter"},
      {"MissingParameterValue", 400, "Missing parameter"},
      {"InvalidRequestBody", 400, "Invalid request body"},
      {"NotFound", 404, "Not found"},
      {"MethodNotAllowed", 405, "Method not allowed"},
      {"NotAcceptable", 406, "Not acceptable"},
      {"PayloadTooLarge", 413, "Payload too large"},
      {"Unauthorized", 401, "Unauthorized"},
      {"Conflict", 409, "Conflict"},
      {"Forbidden", 403, "Forbidden"},
      {"PreconditionFailed", 412, "Precondition failed"},
      {"UnsupportedMediaType", 415, "Unsupported media type"},
      {"TooManyRequests", 429, "Too many requests"},
      {"ServiceUnavailable", 503, "Service unavailable"},
      {"RequestTimeout", 408, "Request timeout"},
      {"RequestHeaderFieldsTooLarge", 431, "Request header fields too large"},
      {"URITooLong", 414, "URI too long"},
      {"NotImplemented", 501, "Not implemented"},
      {"InsufficientStorage", 507, "Insufficient storage"},
      {"InternalServerError", 500, "Internal server error"},
  };
  static_assert(sizeof(table) / sizeof(table[0]) == static_cast<int>(ErrorCode::Internal) + 1);
  return table[static_cast<int>(code)];
}

bool says_storage_full(std::string_view message) noexcept {
  // SQLite: "database or disk is full" (SQLITE_FULL, 13); the C library: "No space left on
  // device" (ENOSPC); PostgreSQL: "could not extend file" / "No space left" (SQLSTATE 53100
  // disk_full), and "53100" itself where the SQLSTATE is shown.
  for (std::string_view needle :
       {"database or disk is full", "disk is full", "No space left on device",
        "could not extend file", "53100", "SQLITE_FULL"})
    if (message.find(needle) != std::string_view::npos) return true;
  return false;
}

}  // namespace gebieden
