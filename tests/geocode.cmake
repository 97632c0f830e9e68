# Tests of geocoding follow-ups: `gebieden reassign` against hand-drawn and 2014 boundaries.
target_sources(unit_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/geo/test_reassign.cpp)
