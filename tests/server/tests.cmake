# Tests of server/: every route in-process (unit), and against the real server (integration:
# cpp-httplib, GDAL's OAPIF and ESRIJSON drivers, PROJ, the npm OpenAPI validator, Esri's own
# npm client for editing).
target_sources(unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/test_service.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_geocode_api.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_geocode_examples.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_ogc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_esri.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_nearby.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_access.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_esri_edit_unit.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_rate_limit.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_styles.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_http_parse.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_ogc_html.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_map.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_overview_html.cpp
)
target_sources(integration_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/test_http.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_ogc_http.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_esri_http.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_store_writes.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_esri_edit.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_privacy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_part4.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_submissions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_crash.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_instances.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_styles_http.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_qgis_style.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_faults.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_reload.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_hostile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_welcome_http.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_overview_http.cpp
)
target_compile_definitions(integration_tests PRIVATE GEBIEDEN_WEB_DIR="${CMAKE_BINARY_DIR}/web")
add_dependencies(integration_tests gebieden_web_assets)
