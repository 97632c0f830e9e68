# Tests of the OGC API front: in-process unit tests and integration tests against the real
# server (cpp-httplib, GDAL's OAPIF driver, PROJ, the npm OpenAPI validator).
target_sources(unit_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/server/test_ogc.cpp)
target_sources(integration_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/server/test_ogc_http.cpp)
target_compile_definitions(integration_tests PRIVATE GEBIEDEN_WEB_DIR="${CMAKE_BINARY_DIR}/web")
add_dependencies(integration_tests gebieden_web_assets)
