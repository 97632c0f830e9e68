#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "geo/gdal_io.hpp"

int main(int argc, char** argv) {
  gebieden::geo::gdal_init();
  return Catch::Session().run(argc, argv);
}
