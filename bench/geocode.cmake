# Geocoding benchmark: postcode + number -> buurt against the time to read the CSV, and the
# locator against a plain GEOS STRtree + prepared-geometry loop built in the benchmark.
add_executable(bench_geocode ${CMAKE_CURRENT_LIST_DIR}/bench_geocode.cpp)
target_link_libraries(bench_geocode PRIVATE gebieden::geo)
target_compile_definitions(bench_geocode PRIVATE GEBIEDEN_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
