#pragma once
// For new residents (the welcome pack, docs/printing.md): GET /welkom?adres=…&taal=nl|fy|en
// &f=html|pdf|json. The buurt, wijk and gebied of the address, its Amaryllis team, the nearest
// buurthuis or dorpshuis and the social base nearby (layers/welcome.hpp builds it), as an HTML
// page with the map as inline SVG, as a PDF for print (print/welcome_pdf.hpp), or as JSON. Always
// from the public view, whoever asks. An address that cannot be placed is a 404 saying why, in
// the language asked.

#include <string>
#include <vector>

#include "server/http_types.hpp"
#include "server/service.hpp"

namespace gebieden::server {

struct ServiceState;

class WelcomeApi {
 public:
  explicit WelcomeApi(const ServiceState& state) : m_state(state) {}
  static bool handles(const std::vector<std::string>& seg);
  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  const ServiceState& m_state;
};

}  // namespace gebieden::server
