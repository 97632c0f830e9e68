# Sources of the OGC API front (owned with server/ogc_*, server/html*, server/http_manners.*),
# zlib for gzip, and Leaflet from npm for the HTML pages (served by us: no CDN at run time).
find_package(ZLIB REQUIRED)
target_sources(server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ogc_params.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ogc_cache.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ogc_openapi.cpp
  ${CMAKE_CURRENT_LIST_DIR}/html.cpp
)
target_link_libraries(server PUBLIC ZLIB::ZLIB)

find_program(GEBIEDEN_NPM npm)
if(NOT GEBIEDEN_NPM)
  message(FATAL_ERROR
    "npm was not found: it installs Leaflet (web/package.json) for the HTML pages at build time. "
    "Install it (Debian: apt-get install npm) and configure again.")
endif()
set(GEBIEDEN_WEB_DIR ${CMAKE_BINARY_DIR}/web)
set(GEBIEDEN_WEB_SOURCES
  ${PROJECT_SOURCE_DIR}/web/package.json
  ${PROJECT_SOURCE_DIR}/web/package-lock.json
  ${PROJECT_SOURCE_DIR}/web/validate-openapi.js
  ${PROJECT_SOURCE_DIR}/web/npm_install.cmake)
add_custom_command(
  OUTPUT ${GEBIEDEN_WEB_DIR}/node_modules/leaflet/dist/leaflet.js
         ${GEBIEDEN_WEB_DIR}/node_modules/leaflet/dist/leaflet.css
  COMMAND ${CMAKE_COMMAND} -DNPM=${GEBIEDEN_NPM} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}/web
          -DWEB_DIR=${GEBIEDEN_WEB_DIR} -P ${PROJECT_SOURCE_DIR}/web/npm_install.cmake
  DEPENDS ${GEBIEDEN_WEB_SOURCES}
  COMMENT "Installing Leaflet from npm into ${GEBIEDEN_WEB_DIR}"
  VERBATIM)
add_custom_target(gebieden_web_assets ALL
  DEPENDS ${GEBIEDEN_WEB_DIR}/node_modules/leaflet/dist/leaflet.js)
add_dependencies(server gebieden_web_assets)
target_compile_definitions(server PRIVATE
  GEBIEDEN_LEAFLET_DIR="${GEBIEDEN_WEB_DIR}/node_modules/leaflet/dist")
