# Sources of the Esri GeoServices front (owned with server/esri_api.*).
target_sources(server PRIVATE ${CMAKE_CURRENT_LIST_DIR}/esri_api.cpp)
