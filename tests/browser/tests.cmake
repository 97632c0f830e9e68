# Tests in Debian's headless Chromium driven by playwright-core (harness.mjs): the map app, the
# overview of a gebied and the welcome pack against the real server (integration, [browser]).
# Built only with GEBIEDEN_BROWSER_TESTS (on by default; the sanitizer build leaves them out).
target_sources(integration_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/test_map_http.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_pages_browser.cpp
)
