#pragma once
// Residents submit initiatives (POST /submissions, no key): a JSON object or a plain HTML form
// (application/x-www-form-urlencoded) is parsed and validated into a typed Submission, written
// by the FeatureStore as a submission (status: the workflow's initial one, hidden from every
// public answer) with a human-readable reference, and answered with 202, the reference and what
// happens next. At most store.submissions.per_client_per_hour accepted per client address
// (429), and none while store.submissions.max_pending wait (503). Editors read the queue with
// GET /submissions (JSON or CSV). See docs/submissions.md.

#include <optional>
#include <string>
#include <vector>

#include "geo/geocoder.hpp"
#include "layers/schema.hpp"
#include "server/http_types.hpp"
#include "server/service.hpp"

namespace gebieden::server {

/// A submission as the resident sent it, checked: every value valid UTF-8 and trimmed.
struct Submission {
  layers::RecordValues values;         // by store column: naam, omschrijving, aanmelder_*, ...
  std::optional<std::string> adres;    // a free-text address (to be geocoded)
  std::optional<geo::XY> point_crs84;  // lon, lat when given
  bool honeypot = false;               // the hidden field was filled in: a bot
};

/// The fields a submission may have (in form order).
const std::vector<std::string>& submission_fields();

/// Parse the body (`content_type` as sent) into a Submission. Throws input_error naming the
/// field: UnsupportedMediaType (415), InvalidBody (not JSON), UnknownParameter, MissingParameter,
/// InvalidParameter (400).
Submission parse_submission(const std::string& body, const std::string& content_type);

/// Is `email` a plausible e-mail address (one '@', a local part, a domain with a dot, no spaces)?
bool plausible_email(const std::string& email);

/// A new reference: `INI-<year>-` and 6 characters of an alphabet without 0/O, 1/I/L (31^6, about
/// 890 million; the caller checks that no record has it yet).
std::string new_reference(int year);

class SubmissionApi {
 public:
  SubmissionApi(ServiceState& state, RequestContext ctx) : m_state(state), m_ctx(std::move(ctx)) {}

  /// Does this path go here? (/submissions)
  static bool handles(const std::vector<std::string>& seg);

  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  Response submit(const Request& req) const;
  Response queue(const Request& req) const;
  /// The answer of an accepted submission (also the one a bot gets).
  Response accepted(const Request& req, const std::string& reference, const std::string& status,
                    const std::string& naam) const;
  /// The client the limit counts: the peer, or the last X-Forwarded-For address when trusted.
  std::string client_of(const Request& req) const;
  const geo::LayerConfig* collection() const;  // the submissions' store collection, or null
  ServiceState& m_state;
  RequestContext m_ctx;
};

}  // namespace gebieden::server
