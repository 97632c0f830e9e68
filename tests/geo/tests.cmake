# Tests of geo/: geometry, configuration, the area model, CSV, the geocoder.
target_sources(unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/test_geometry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_spatial.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_area_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_geocoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_csv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_proximity.cpp
)
