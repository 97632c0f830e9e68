# Sources of the Esri GeoServices front (owned with server/esri_api.*).
target_sources(server PRIVATE ${CMAKE_CURRENT_LIST_DIR}/esri_api.cpp)
# Where layer JSON finds the drawingInfo of each collection (styles/{collection}.json).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/esri_api.cpp PROPERTIES
  COMPILE_DEFINITIONS "GEBIEDEN_STYLES_DIR=\"${PROJECT_SOURCE_DIR}/styles\"")
