#pragma once
// For policy advisers: GET /gebieden/{id}/overzicht, /wijken/{code}/overzicht and
// /buurten/{code}/overzicht (f=json, csv, html): what an area's social base has per buurt,
// per soort and categorie, its support organisations and meeting places, its initiatives by
// status with their budget, and its white spots (layers/overview.hpp computes it).

#include <string>
#include <vector>

#include "server/http_types.hpp"
#include "server/service.hpp"

namespace gebieden::server {

struct ServiceState;

class OverviewApi {
 public:
  OverviewApi(const ServiceState& state, RequestContext ctx)
      : m_state(state), m_ctx(std::move(ctx)) {}
  static bool handles(const std::vector<std::string>& seg);
  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  const ServiceState& m_state;
  RequestContext m_ctx;
};

}  // namespace gebieden::server
