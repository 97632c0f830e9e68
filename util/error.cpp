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
      {"InternalServerError", 500, "Internal server error"},
  };
  static_assert(sizeof(table) / sizeof(table[0]) == static_cast<int>(ErrorCode::Internal) + 1);
  return table[static_cast<int>(code)];
}

}  // namespace gebieden
