# Tests of the Esri GeoServices front: in-process unit tests and integration tests against the
# real server (cpp-httplib, GDAL's ESRIJSON driver).
target_sources(unit_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/server/test_esri.cpp)
target_sources(integration_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/server/test_esri_http.cpp)
