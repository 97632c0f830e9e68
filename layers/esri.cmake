# Sources of the Esri GeoServices engine side (typed queries and the Esri JSON encoder).
target_sources(layers PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/esri_query.cpp
  ${CMAKE_CURRENT_LIST_DIR}/esri_json.cpp
)
