# Tests of layers/: queries, filters (CQL2 text and JSON, Esri where), the feature store (on a
# GeoPackage and on PostGIS), and the PostGIS test cluster itself.
target_sources(unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/test_query.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_executor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_filter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_cql2_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_feature_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_schema.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_style.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_welcome.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_glyphs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_pg_harness.cpp
)
