# GEBIEDEN_FUZZ: the libFuzzer build (tests/fuzz). Included by the top-level CMakeLists.txt
# before the libraries, so that every library is instrumented for the fuzzer (coverage),
# AddressSanitizer and UndefinedBehaviorSanitizer; the fuzz targets themselves link with
# -fsanitize=fuzzer (tests/fuzz/CMakeLists.txt). Needs clang (Debian: clang-14 and
# libclang-rt-14-dev); configure with CC=clang-14 CXX=clang++-14. See docs/fuzzing.md.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "GEBIEDEN_FUZZ needs clang (libFuzzer): configure a separate build "
                      "directory with CC=clang-14 CXX=clang++-14 (docs/fuzzing.md)")
endif()
# UB is a finding: no recovery, so the fuzzer stops on the first one.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
