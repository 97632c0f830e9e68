# `gebieden reassign`: recompute the areas of placed records after a boundary change.
target_sources(app_commands PRIVATE ${CMAKE_CURRENT_LIST_DIR}/reassign_command.cpp)
