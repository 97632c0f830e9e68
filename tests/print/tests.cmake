# Tests of print/: the PDF document, text and the map frame (unit).
target_sources(unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/test_pdf.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_welcome_pdf.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_overview_pdf.cpp
)
