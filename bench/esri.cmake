# The GeoServices benchmark: gebieden against Koop (bench/bench_esri.sh drives it; not run by CI).
pkg_check_modules(ESRI_BENCH_HTTPLIB IMPORTED_TARGET cpp-httplib)
if(TARGET PkgConfig::ESRI_BENCH_HTTPLIB)
  add_executable(bench_esri ${CMAKE_CURRENT_LIST_DIR}/bench_esri.cpp)
  target_link_libraries(bench_esri PRIVATE PkgConfig::ESRI_BENCH_HTTPLIB
                        nlohmann_json::nlohmann_json Threads::Threads)
endif()
