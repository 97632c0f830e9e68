#include "server/welcome_api.hpp"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "layers/welcome.hpp"
#include "print/welcome_html.hpp"
#include "print/welcome_pdf.hpp"
#include "print/welcome_text.hpp"
#include "server/html.hpp"
#include "server/ogc_params.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kMaxAddress = 300;

std::string shorten(std::string_view s, std::size_t max = 40) {
  return s.size() <= max ? std::string(s) : std::string(s.substr(0, max)) + "...";
}

enum class Out { Html, Pdf, Json };

std::string percent(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string o;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      o += static_cast<char>(c);
    } else {
      o += '%';
      o += hex[c >> 4];
      o += hex[c & 15];
    }
  }
  return o;
}

std::tm today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return tm;
}

}  // namespace

bool WelcomeApi::handles(const std::vector<std::string>& seg) {
  return seg.size() == 1 && seg[0] == "welkom";
}

Response WelcomeApi::route(const Request& req, const std::vector<std::string>&) const {
  if (req.method != "GET" && req.method != "HEAD")
    throw input_error(ErrorCode::MethodNotAllowed, "method",
                      req.method.substr(0, 20) + " is not allowed on /welkom (GET, HEAD)");
  check_params(req, {"adres", "taal", "f"});
  print::Taal taal = print::Taal::Nl;
  if (auto t = req.param("taal")) {
    const auto parsed = print::parse_taal(*t);
    if (!parsed)
      throw input_error(ErrorCode::InvalidParameter, "taal",
                        "taal: '" + shorten(*t) + "' is not supported (nl, fy, en)");
    taal = *parsed;
  }
  Out out = Out::Json;
  if (auto f = req.param("f"); !f) {
    out = negotiate(req) == Format::Html ? Out::Html : Out::Json;
  } else {
    const std::string v = util::ascii_lower(*f);
    if (v == "html" || v == "text/html")
      out = Out::Html;
    else if (v == "pdf" || v == "application/pdf")
      out = Out::Pdf;
    else if (v == "json" || v == "application/json")
      out = Out::Json;
    else
      throw input_error(ErrorCode::InvalidParameter, "f",
                        "f: '" + shorten(*f) + "' is not supported (html, pdf, json)");
  }
  const auto adres = req.param("adres");
  if (!adres || adres->find_first_not_of(" \t") == std::string::npos)
    throw input_error(ErrorCode::MissingParameter, "adres",
                      "adres: missing; give the address, e.g. adres=Kerkstraat 12, Grou");
  if (adres->size() > kMaxAddress)
    throw input_error(ErrorCode::InvalidParameter, "adres",
                      "adres: too long (at most " + std::to_string(kMaxAddress) + " characters)");
  if (!m_state.geocoder)
    throw input_error(ErrorCode::Unavailable, "adres",
                      "adres: geocoding is not available: no address register is configured");

  // The public view, whoever asks: a welcome pack is printed and handed out.
  const layers::CatalogueView view = m_state.catalogue.view();
  std::vector<layers::CollectionPtr> collections;
  for (const auto& c : m_state.config.store.collections)
    if (auto p = view.get(c.id)) collections.push_back(std::move(p));
  const layers::WelcomeSources sources{*m_state.model, *m_state.geocoder, *m_state.nearby,
                                       std::move(collections)};
  layers::WelcomeOptions options;
  options.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const layers::WelcomeResult result = layers::build_welcome(sources, *adres, options);
  if (const auto* failure = std::get_if<layers::WelcomeFailure>(&result)) {
    std::string why = print::reason_text(taal, failure->reason);
    if (!failure->detail.empty()) why += " (" + shorten(failure->detail, 200) + ")";
    throw input_error(ErrorCode::NotFound, "adres",
                      "adres: " + print::text(taal, print::Msg::NotFound, why));
  }
  const auto& pack = std::get<layers::WelcomePack>(result);
  const std::tm date = today();
  Response r;
  switch (out) {
    case Out::Pdf: {
      print::WelcomePdf pdf = print::welcome_pdf(pack, m_state.style_sheet.get(), taal, date);
      r.content_type = "application/pdf";
      r.headers.emplace_back(
          "Content-Disposition",
          "inline; filename=\"" + print::welcome_file_name(pack, "adres") + "\"");
      r.body = std::move(pdf.bytes);
      return r;
    }
    case Out::Json: {
      json j = layers::welcome_json(pack);
      j["taal"] = std::string(print::taal_code(taal));
      j["titel"] = print::text(taal, print::Msg::WelcomeIn, pack.buurtnaam);
      r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
      return r;
    }
    case Out::Html: {
      html::Page page;
      page.base = base_url(m_state, req);
      page.title = print::text(taal, print::Msg::WelcomeIn, pack.buurtnaam);
      page.crumbs = {{"Home", page.base + "/"}, {page.title, ""}};
      const std::string pdf_href = page.base + "/welkom?adres=" + percent(*adres) +
                                   "&taal=" + std::string(print::taal_code(taal)) + "&f=pdf";
      page.body = print::welcome_html(pack, m_state.style_sheet.get(), taal, date, pdf_href);
      r.content_type = "text/html; charset=utf-8";
      r.body = html::render(page);
      return r;
    }
  }
  return r;
}

}  // namespace gebieden::server
