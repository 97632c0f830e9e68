# Tests of util/ (the error registry, text helpers).
target_sources(unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/test_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_utf8.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_fold.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_calendar.cpp
)
