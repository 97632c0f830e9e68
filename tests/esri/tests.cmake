# Esri's own ArcGIS Maps SDK (@arcgis/core, npm) reads the FeatureServer's renderers in headless
# Chromium (integration). tests/esri/package.json is a test-only npm project: installed with
# npm ci into the build tree and bundled with esbuild into one script, so that the check page
# loads nothing but files from 127.0.0.1. It is never part of the service.
set(GEBIEDEN_ARCGIS_DIR ${CMAKE_BINARY_DIR}/arcgis)
add_custom_command(
  OUTPUT ${GEBIEDEN_ARCGIS_DIR}/bundle/arcgis-check.js
  COMMAND ${CMAKE_COMMAND} -E make_directory ${GEBIEDEN_ARCGIS_DIR}/bundle
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_LIST_DIR}/package.json
          ${CMAKE_CURRENT_LIST_DIR}/package-lock.json ${CMAKE_CURRENT_LIST_DIR}/entry.js
          ${CMAKE_CURRENT_LIST_DIR}/check.mjs ${GEBIEDEN_ARCGIS_DIR}
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_LIST_DIR}/index.html
          ${GEBIEDEN_ARCGIS_DIR}/bundle
  COMMAND sh -c "cd \"$0\" && npm ci --no-audit --no-fund --loglevel=error && node_modules/.bin/esbuild entry.js --bundle --format=esm --log-level=error --outfile=bundle/arcgis-check.js"
          ${GEBIEDEN_ARCGIS_DIR}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/package.json ${CMAKE_CURRENT_LIST_DIR}/package-lock.json
          ${CMAKE_CURRENT_LIST_DIR}/entry.js ${CMAKE_CURRENT_LIST_DIR}/check.mjs
          ${CMAKE_CURRENT_LIST_DIR}/index.html
  COMMENT "Installing @arcgis/core from npm and bundling the renderer check (tests only)"
  VERBATIM)
add_custom_target(arcgis_check_bundle DEPENDS ${GEBIEDEN_ARCGIS_DIR}/bundle/arcgis-check.js)
add_dependencies(integration_tests arcgis_check_bundle)
target_sources(integration_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_arcgis_renderer.cpp)
target_compile_definitions(integration_tests PRIVATE GEBIEDEN_ARCGIS_DIR="${GEBIEDEN_ARCGIS_DIR}"
                                             GEBIEDEN_BUILD_DIR="${CMAKE_BINARY_DIR}")
