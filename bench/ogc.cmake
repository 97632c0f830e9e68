# The OGC API benchmark: a keep-alive load generator (bench_ogc) that bench_ogc.sh runs against
# gebieden and against nginx serving the same response bytes. Not run by CI.
add_executable(bench_ogc ${CMAKE_CURRENT_LIST_DIR}/bench_ogc.cpp)
target_link_libraries(bench_ogc PRIVATE Threads::Threads)
