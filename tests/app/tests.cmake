# Tests of the command line: `gebieden reassign` against hand-drawn and 2014 boundaries.
target_sources(unit_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_reassign.cpp)
