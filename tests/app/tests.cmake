# Tests of the command line: `gebieden reassign` against hand-drawn and 2014 boundaries.
target_sources(unit_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_reassign.cpp)
# The command line itself (help, --version, a mistyped subcommand, a missing configuration,
# a port in use): the built binary, so integration.
target_sources(integration_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_command_line.cpp)
target_compile_definitions(integration_tests PRIVATE GEBIEDEN_VERSION="${PROJECT_VERSION}")
# `cmake --install` into a temporary DESTDIR, moved, then served from (integration).
target_sources(integration_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_install.cpp)
target_compile_definitions(integration_tests PRIVATE
  GEBIEDEN_CMAKE="${CMAKE_COMMAND}" GEBIEDEN_BUILD_DIR="${CMAKE_BINARY_DIR}")
# `gebieden keys add|revoke|list`: the built binary with a configuration in a temporary folder
# (integration).
target_sources(integration_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_keys.cpp)
# `gebieden import` and `gebieden export`: the built binary on a store in a temporary folder
# (integration).
target_sources(integration_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_import_export.cpp)
