# Engine helpers of the OGC API front (temporal selection, typed equality, CQL2 binding).
target_sources(layers PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ogc_filter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ogc_geojson.cpp)
