#include "server/service.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "geo/error.hpp"
#include "layers/boundaries.hpp"
#include "server/esri_api.hpp"
#include "server/http_manners.hpp"
#include "server/ogc_api.hpp"

namespace gebieden::server {

Response error_response(ErrorCode code, const std::string& description,
                        const std::string& parameter) {
  const ErrorSpec& spec = error_spec(code);
  nlohmann::ordered_json j;
  j["code"] = std::string(spec.code);
  j["description"] = description;
  if (!parameter.empty()) j["parameter"] = parameter.substr(0, 60);
  j["status"] = spec.http_status;
  Response r;
  r.status = spec.http_status;
  r.content_type = "application/json";
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::shared_ptr<ServiceState> load_state(const geo::Config& config) {
  auto state = std::make_shared<ServiceState>();
  state->config = config;
  state->model = std::make_shared<const geo::AreaModel>(geo::AreaModel::load(config));
  for (auto& c : layers::boundary_collections(*state->model)) state->catalogue.add(c);
  return state;
}

Service::Service(std::shared_ptr<ServiceState> state) : m_state(std::move(state)) {}

Response Service::handle(const Request& req) const {
  Response r;
  try {
    r = route(req);
  } catch (const input_error& e) {
    r = error_response(e.code(), e.what(), e.parameter());
  } catch (const std::exception& e) {
    std::cerr << "error: " << req.method << " " << req.path << ": " << e.what() << std::endl;
    r = error_response(ErrorCode::Internal, "an unexpected error occurred; it has been logged");
  } catch (...) {
    std::cerr << "error: " << req.method << " " << req.path << ": unknown exception" << std::endl;
    r = error_response(ErrorCode::Internal, "an unexpected error occurred; it has been logged");
  }
  finish_response(req, r);
  return r;
}

namespace {
std::vector<std::string> split_path(const std::string& raw) {
  std::vector<std::string> out;
  std::string path = raw.substr(0, raw.find('?'));
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) {
      auto seg = percent_decode(std::string_view(path).substr(i, j - i), false);
      if (!seg)
        throw input_error(ErrorCode::NotFound, "path", "malformed percent-encoding in the path");
      out.push_back(*seg);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace

Response options_response(const std::string& allow) {
  Response r;
  r.status = 204;
  r.content_type.clear();
  r.headers = {
      {"Allow", allow},
      {"Access-Control-Allow-Methods", allow},
      {"Access-Control-Allow-Headers", "Content-Type, Accept, If-None-Match, Authorization"},
      {"Access-Control-Max-Age", "86400"}};
  return r;
}

Response Service::route(const Request& req) const {
  const auto seg = split_path(req.path);
  if (!seg.empty() && seg[0] == "arcgis") return EsriApi(*m_state).route(req, seg);
  return OgcApi(*m_state).route(req, seg);
}

}  // namespace gebieden::server
