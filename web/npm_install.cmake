# Install web/package.json (pinned by package-lock.json) into the build tree with npm ci.
# Run by the build (server/ogc.cmake) as: cmake -DNPM=... -DSOURCE_DIR=... -DWEB_DIR=... -P
# A failure stops the build with a message: the server must never run without its map.
file(MAKE_DIRECTORY ${WEB_DIR})
foreach(f package.json package-lock.json validate-openapi.js esri-applyedits.mjs)
  configure_file(${SOURCE_DIR}/${f} ${WEB_DIR}/${f} COPYONLY)
endforeach()
execute_process(
  COMMAND ${NPM} ci --no-audit --no-fund --loglevel=error
  WORKING_DIRECTORY ${WEB_DIR}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${WEB_DIR}/node_modules/leaflet/dist/leaflet.js
   OR NOT EXISTS ${WEB_DIR}/node_modules/maplibre-gl/dist/maplibre-gl.mjs)
  message(FATAL_ERROR
    "npm could not install Leaflet and MapLibre GL JS into ${WEB_DIR} (exit ${rc}). The HTML "
    "pages and the map app (/map) need them and they are never loaded from a CDN, so the build stops here. Check that the npm registry can be "
    "reached, then build again.\n${out}\n${err}")
endif()
# npm ci keeps the files' dates from the package: mark the outputs as new for the build.
file(TOUCH ${WEB_DIR}/node_modules/leaflet/dist/leaflet.js ${WEB_DIR}/node_modules/leaflet/dist/leaflet.css
     ${WEB_DIR}/node_modules/maplibre-gl/dist/maplibre-gl.mjs)
